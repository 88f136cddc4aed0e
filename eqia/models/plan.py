"""The EDI action plan's actions: what the council will do towards each objective.

Themes and objectives live in ``eqia.models.catalogue`` (an EqIA links to
objectives). Each action belongs to one objective and has a reference (such as
"A1.1") that is unique across the plan, so an imported file can be matched
against the plan again and again.

Reports count in SQL: ``status``, ``end_date`` and ``completed_on`` are indexed
columns, and an action is overdue when its end date has passed and it is not
complete (``PlanAction.overdue_clause``).
"""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, LargeBinary, String, Text, and_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from eqia.extensions import db
from eqia.models.catalogue import Objective
from eqia.models.types import PlanStatus, enum_column
from eqia.models.users import User
from eqia.timefmt import uk_today, utcnow


class PlanAction(db.Model):
    """One action of the EDI action plan, under one objective."""

    __tablename__ = "plan_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(ForeignKey("objectives.id"), index=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    action: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str] = mapped_column(String(300))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date, index=True)
    success_measure: Mapped[str] = mapped_column(Text)
    status: Mapped[PlanStatus] = mapped_column(
        enum_column(PlanStatus), default=PlanStatus.NOT_STARTED, index=True
    )
    progress_note: Mapped[str] = mapped_column(Text, default="")
    # The day it was marked complete: "completed in the period" reports count by it.
    completed_on: Mapped[date | None] = mapped_column(Date, index=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Retired actions stay (EqIA actions may point at them) but leave the plan.
    active: Mapped[bool] = mapped_column(default=True)
    sample: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    objective: Mapped[Objective] = relationship(lazy="joined")
    updated_by: Mapped[User | None] = relationship()

    @property
    def label(self) -> str:
        return f"{self.reference}: {self.action}"

    def is_overdue(self, today: date | None = None) -> bool:
        return self.status is not PlanStatus.COMPLETE and self.end_date < (today or uk_today())

    @classmethod
    def overdue_clause(cls, today: date | None = None) -> ColumnElement[bool]:
        """The SQL condition for an overdue action, for counts and filters."""
        return and_(cls.status != PlanStatus.COMPLETE, cls.end_date < (today or uk_today()))

    def set_status(
        self, status: PlanStatus, completed_on: date | None = None, today: date | None = None
    ) -> None:
        """Change the status; a complete action records the day, any other status clears it."""
        if status is PlanStatus.COMPLETE:
            if completed_on is not None:
                self.completed_on = completed_on
            elif self.status is not PlanStatus.COMPLETE or self.completed_on is None:
                self.completed_on = today or uk_today()
        else:
            self.completed_on = None
        self.status = status

    def touch(self, by: User | None) -> None:
        self.updated_by_id = by.id if by is not None else None
        self.updated_at = utcnow()

    @classmethod
    def by_reference(cls, reference: str) -> "PlanAction | None":
        return db.session.scalar(select(cls).where(cls.reference == normalise_reference(reference)))

    @classmethod
    def choices_for_eqia(cls, include_id: int | None = None) -> list["PlanAction"]:
        """Active actions in plan order (and the one already chosen, even if retired)."""
        query = (
            select(cls)
            .join(Objective)
            .where(cls.active | (cls.id == include_id))
            .order_by(Objective.number, cls.start_date, cls.reference)
        )
        return list(db.session.scalars(query))


def normalise_reference(text: str) -> str:
    """References match whatever the case and spacing: " a1.1 " is A1.1."""
    return "".join(text.split()).upper()


def plan_order():
    """The order actions are listed and exported in: objective, then start date, then reference."""
    return (Objective.number, PlanAction.start_date, PlanAction.reference)


class PlanImportUpload(db.Model):
    """An uploaded plan waiting for the admin who checked its preview to import it or
    cancel; ``token`` is the one their session holds. Deleted once imported or cancelled,
    and after ``eqia.plan.transfer.KEEP_UPLOADS`` if neither."""

    __tablename__ = "plan_import_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(4))
    name: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

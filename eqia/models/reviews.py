"""Sign-off: a super user's decision on one revision, with an evaluation of each section."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eqia.extensions import db
from eqia.models.assessments import Revision
from eqia.models.types import DecisionKind, NotificationKind, Rating, enum_column
from eqia.models.users import User
from eqia.timefmt import utcnow


class Decision(db.Model):
    """Exactly one decision per revision: the unique revision_id makes a second one fail."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"), unique=True)
    kind: Mapped[DecisionKind] = mapped_column(enum_column(DecisionKind))
    comment: Mapped[str] = mapped_column(Text, default="")
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # As they were when the decision was made, whatever changes later.
    reviewer_name: Mapped[str] = mapped_column(String(200))
    reviewer_job_title: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Each EDI objective link as the super user left it: [{"code", "label", "confirmed"}],
    # the objective's number and title at the time (none recorded before 0008).
    links: Mapped[list | None] = mapped_column(JSON)

    reviewer: Mapped[User] = relationship()
    revision: Mapped[Revision] = relationship(lazy="joined")
    evaluations: Mapped[list["SectionEvaluation"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="SectionEvaluation.id"
    )

    @classmethod
    def latest(cls, assessment_id: int, kind: "DecisionKind | None" = None) -> "Decision | None":
        query = select(cls).where(cls.assessment_id == assessment_id)
        if kind is not None:
            query = query.where(cls.kind == kind)
        return db.session.scalar(query.order_by(cls.id.desc()).limit(1))

    @classmethod
    def on(cls, revision: Revision) -> "Decision | None":
        return db.session.scalar(select(cls).where(cls.revision_id == revision.id))

    @property
    def approved(self) -> bool:
        return self.kind is DecisionKind.APPROVED

    def evaluation(self, slug: str) -> "SectionEvaluation | None":
        return next((e for e in self.evaluations if e.slug == slug), None)


class SectionEvaluation(db.Model):
    __tablename__ = "section_evaluations"
    __table_args__ = (UniqueConstraint("decision_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(40))
    rating: Mapped[Rating] = mapped_column(enum_column(Rating))
    comment: Mapped[str] = mapped_column(Text, default="")


class OutboxMessage(db.Model):
    """An email waiting to go, written in the same transaction as what caused it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind, 40))
    to_email: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"), index=True)
    # Reminders are sent once: a second message with the same key is never written.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")

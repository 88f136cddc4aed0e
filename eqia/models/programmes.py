"""A programme: EqIAs decided together (a year's budget, a service review), so that their
negative impacts on the same people can be read side by side (cumulative impact).

Admins keep the list; a lead says in "About the proposal" which programme, if any, their
proposal belongs to, and that answer is copied onto ``assessments.programme_id``.
"""

from datetime import datetime

from sqlalchemy import String, Text, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from eqia.extensions import db
from eqia.timefmt import utcnow

NAME_LENGTH = 120


class Programme(db.Model):
    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @classmethod
    def choosable(cls, include_id: int | None = None) -> list["Programme"]:
        """The programmes a lead may choose: the active ones, and the one already chosen."""
        query = select(cls).where(or_(cls.active, cls.id == include_id)).order_by(cls.name)
        return list(db.session.scalars(query))

    def __repr__(self) -> str:
        return f"<Programme {self.name}>"

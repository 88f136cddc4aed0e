"""Reference data an admin maintains: characteristics, districts, the EDI plan's objectives."""

import re

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eqia.extensions import db


class Characteristic(db.Model):
    """A protected characteristic (Equality Act 2010) or one the council adds."""

    __tablename__ = "characteristics"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    guidance: Mapped[str] = mapped_column(Text, default="")
    # "protected" (Equality Act 2010) or "local" (added by the council)
    kind: Mapped[str] = mapped_column(String(20), default="local")
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    @classmethod
    def by_code(cls, code: str | None) -> "Characteristic | None":
        """The characteristic a URL names by code (lower-case letters, digits, hyphens)."""
        if not code or not re.fullmatch(r"[a-z0-9-]{1,60}", code):
            return None
        return db.session.scalar(select(cls).where(cls.code == code))

    @classmethod
    def active_in_order(cls) -> list["Characteristic"]:
        query = select(cls).where(cls.active).order_by(cls.position, cls.id)
        return list(db.session.scalars(query))

    @property
    def kind_label(self) -> str:
        return "Protected characteristic" if self.kind == "protected" else "Local characteristic"


class District(db.Model):
    """A place an EqIA can name as affected (county-wide is a separate answer)."""

    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    @classmethod
    def active_in_order(cls) -> list["District"]:
        return list(db.session.scalars(select(cls).where(cls.active).order_by(cls.position)))


class Theme(db.Model):
    """A theme of the EDI Strategy: Our workforce, Our communities, Our services."""

    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    objectives: Mapped[list["Objective"]] = relationship(
        back_populates="theme", order_by="Objective.number"
    )


class Objective(db.Model):
    """A numbered equality objective of the action plan."""

    __tablename__ = "objectives"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id"))
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    sample: Mapped[bool] = mapped_column(default=False)

    theme: Mapped[Theme] = relationship(back_populates="objectives", lazy="joined")

    @property
    def label(self) -> str:
        return f"{self.number}. {self.title}"

    @classmethod
    def active_by_theme(cls) -> list[tuple[Theme, list["Objective"]]]:
        query = select(cls).join(Theme).where(cls.active).order_by(Theme.position, cls.number)
        grouped: dict[int, tuple[Theme, list[Objective]]] = {}
        for objective in db.session.scalars(query):
            grouped.setdefault(objective.theme_id, (objective.theme, []))[1].append(objective)
        return list(grouped.values())

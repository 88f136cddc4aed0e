"""API tokens: what a council's performance team's reports (Power BI, Excel) use to read the
data feed at ``/api/v1`` without anyone's session.

An admin makes one, names it, chooses the datasets it may read and its reach, and sees it
once; only its SHA-256 is kept, with a short prefix (not enough to use it) so admins can
tell tokens apart. Revoking one stops it at its next request: every request looks the
token up afresh (``eqia.tokens``).
"""

from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eqia.extensions import db
from eqia.models.types import enum_column
from eqia.models.users import User
from eqia.timefmt import uk_day, utcnow

NAME_LENGTH = 100


class Dataset(StrEnum):
    """What of the feed a token may read; each is ``/api/v1/<value>.json`` and ``.csv``."""

    EQIAS = "eqias"
    IMPACTS = "impacts"
    ACTIONS = "actions"
    OBJECTIVE_LINKS = "objective-links"

    @property
    def label(self) -> str:
        return {
            "eqias": "EqIAs",
            "impacts": "Impacts on each characteristic",
            "actions": "Actions",
            "objective-links": "Links to EDI objectives",
        }[self]


class Reach(StrEnum):
    """Which EqIAs, and how much of each, a token reads."""

    # What the public register shows: published EqIAs, officers as it names them.
    PUBLIC = "public"
    # Every EqIA as the internal register shows it, with statuses and names.
    INTERNAL = "internal"

    @property
    def label(self) -> str:
        return {
            "public": "Public register only",
            "internal": "Internal register",
        }[self]


class ApiToken(db.Model):
    __tablename__ = "api_tokens"
    __table_args__ = (
        # A name is unique among the tokens in use; a revoked token's name may be used again.
        Index(
            "uq_api_tokens_name_not_revoked",
            "name",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    # The SHA-256 (hex) of the token; the token itself is never kept.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Its first characters, to tell tokens apart: not enough to use it.
    prefix: Mapped[str] = mapped_column(String(16))
    # Dataset values, in the order of Dataset.
    datasets: Mapped[list] = mapped_column(JSON)
    reach: Mapped[Reach] = mapped_column(enum_column(Reach))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # It stops working at this moment (None: it never expires).
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    last_used_at: Mapped[datetime | None]

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id], lazy="joined")
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    @property
    def scopes(self) -> list[Dataset]:
        return [d for d in Dataset if d.value in self.datasets]

    def may_read(self, dataset: Dataset) -> bool:
        return dataset.value in self.datasets

    @property
    def expires_on(self) -> date | None:
        """The last day it works (UK time): it stops at the midnight after."""
        return uk_day(self.expires_at - timedelta(microseconds=1)) if self.expires_at else None

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix} {self.name}>"

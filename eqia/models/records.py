"""Sealed records: the signed PDF of a signed-off revision, made once and kept for ever.

The record is drawn and signed when the super user signs the revision off, in the same
transaction as the decision, and these exact bytes are what every download, export and
check serves afterwards. Each sealed record also holds the audit chain's head at the
moment of sealing (inside its signed bytes too), which anchors the chain outside the
database: ``verify-audit`` checks every anchor against the chain.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, select
from sqlalchemy.orm import Mapped, mapped_column

from eqia.extensions import db
from eqia.timefmt import utcnow


class SealedRecord(db.Model):
    __tablename__ = "sealed_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"), unique=True)
    # The PDF, byte for byte; loaded only when asked for.
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    certificate_fingerprint: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime]
    # The audit chain's head when it was sealed: the newest event's number and hash.
    audit_seq: Mapped[int]
    audit_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @classmethod
    def of(cls, revision_id: int) -> "SealedRecord | None":
        return db.session.scalar(select(cls).where(cls.revision_id == revision_id))

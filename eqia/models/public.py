"""What the public register lists and filters on, frozen for each signed-off revision.

An EqIA's own columns (title, summary, directorate) follow the answers being written, and
``impacts`` holds the draft's answers: neither may show on the public register while a
review is under way. So at sign-off the workflow copies these facts out of the revision's
snapshot, once, and the register reads only them (migration 0015 filled them for
revisions signed off before).
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from eqia.extensions import db
from eqia.models.assessments import Assessment


class SignedOffRevision(db.Model):
    __tablename__ = "signed_off_revisions"

    revision_id: Mapped[int] = mapped_column(
        ForeignKey("revisions.id"), primary_key=True, autoincrement=False
    )
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    reference: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    # The directorate as the snapshot names it (its id, and its name at the time).
    directorate_id: Mapped[int | None] = mapped_column(index=True)
    directorate: Mapped[str] = mapped_column(String(200), default="")
    signed_off_at: Mapped[datetime] = mapped_column(index=True)


class SignedOffNegative(db.Model):
    """A characteristic the signed-off revision says the proposal affects negatively."""

    __tablename__ = "signed_off_negatives"

    revision_id: Mapped[int] = mapped_column(
        ForeignKey("revisions.id"), primary_key=True, autoincrement=False
    )
    characteristic: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


# The EqIAs on the public register, found without reading the rest: few of them are
# published, and the index holds only those (with what ``publishing.published`` asks).
_PUBLISHED = Assessment.published_at.is_not(None)
Index(
    "ix_assessments_public_register",
    Assessment.published_at,
    Assessment.approved_revision_id,
    Assessment.status,
    sqlite_where=_PUBLISHED,
    postgresql_where=_PUBLISHED,
)

"""An EqIA: its answers, impacts, actions, links, files, authors and frozen revisions.

Status changes only in ``eqia.workflow``. Each editable part carries a version
number, so two people saving the same part cannot silently overwrite each other.
"""

import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import BinaryIO

from sqlalchemy import (
    JSON,
    Column,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    exists,
    insert,
    select,
)
from sqlalchemy.orm import (
    Mapped,
    joinedload,
    lazyload,
    mapped_column,
    relationship,
    selectinload,
)
from sqlalchemy.orm.collections import attribute_keyed_dict

from eqia.errors import UnknownSnapshot
from eqia.extensions import db
from eqia.models.catalogue import Characteristic, Objective
from eqia.models.plan import PlanAction
from eqia.models.types import Status, enum_column
from eqia.models.users import Directorate, User
from eqia.snapshot import Snapshot, content_hash, read
from eqia.timefmt import utcnow

# EQIA-2027-0042: the year and a number within it (``workflow._next_reference``).
REFERENCE = re.compile(r"EQIA-[0-9]{4}-[0-9]{4,9}", re.IGNORECASE)


class Assessment(db.Model):
    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[Status] = mapped_column(enum_column(Status), default=Status.DRAFT, index=True)
    # The revision being written now; frozen copies of earlier ones are in revisions.
    revision: Mapped[int] = mapped_column(default=1)
    submitted_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Copied from the answers when they are saved, so lists can filter and sort in SQL.
    directorate_id: Mapped[int | None] = mapped_column(ForeignKey("directorates.id"), index=True)
    proposal_type: Mapped[str | None] = mapped_column(String(40))
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id"), index=True)
    outcome: Mapped[str | None] = mapped_column(String(40))
    review_date: Mapped[date | None] = mapped_column(Date)
    # The super user who has picked it up for review, if any.
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime | None]
    # The signed-off record now in force (stays while a review writes the next revision).
    approved_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("revisions.id", use_alter=True)
    )
    # Copied by the workflow when it happens, so the register filters and sorts in SQL:
    # the last submission, the sign-off of the record in force and who gave it, and the
    # outcome's summary (for search).
    submitted_at: Mapped[datetime | None] = mapped_column(index=True)
    approved_at: Mapped[datetime | None] = mapped_column(index=True)
    # When the record in force was put on the public register (None: not published).
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    summary: Mapped[str] = mapped_column(Text, default="", server_default="")
    lock_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": lock_version}

    owner: Mapped[User] = relationship(foreign_keys=[owner_id], lazy="joined")
    submitted_to: Mapped[User | None] = relationship(foreign_keys=[submitted_to_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])
    approved_revision: Mapped["Revision | None"] = relationship(
        foreign_keys=[approved_revision_id], post_update=True
    )
    directorate: Mapped[Directorate | None] = relationship()
    # The co-authors now; one removed stays on record (``removed_at``), for separation of
    # duties: nobody who ever helped write an EqIA signs it off.
    co_authors: Mapped[list["CoAuthor"]] = relationship(
        primaryjoin="and_(Assessment.id == CoAuthor.assessment_id, CoAuthor.removed_at.is_(None))",
        cascade="all, delete-orphan",
        order_by="CoAuthor.added_at",
    )
    sections: Mapped[dict[str, "SectionAnswers"]] = relationship(
        collection_class=attribute_keyed_dict("slug"), cascade="all, delete-orphan"
    )
    impacts: Mapped[list["Impact"]] = relationship(cascade="all, delete-orphan")
    actions: Mapped[list["AssessmentAction"]] = relationship(
        cascade="all, delete-orphan", order_by="AssessmentAction.id"
    )
    objective_links: Mapped[list["ObjectiveLink"]] = relationship(cascade="all, delete-orphan")
    # Every evidence file ever attached, those removed from the draft included (a frozen
    # revision may name them); ``files`` are the draft's own.
    evidence: Mapped[list["EvidenceFile"]] = relationship(
        cascade="all, delete-orphan", order_by="EvidenceFile.uploaded_at"
    )
    revisions: Mapped[list["Revision"]] = relationship(
        order_by="Revision.number", foreign_keys="Revision.assessment_id"
    )

    @classmethod
    def by_reference(cls, reference: str, answers: bool = True) -> "Assessment | None":
        """One EqIA with its authors and (unless ``answers`` is False) every part of its
        answers, in a fixed number of queries."""
        if not REFERENCE.fullmatch(reference):
            return None  # names no EqIA: nothing else need reach the database
        # Who the authors are comes in the same query; the people themselves (and their
        # roles) only when something asks, or with the answers.
        if answers:
            parts = [cls.sections, cls.impacts, cls.actions, cls.objective_links, cls.evidence]
            options = [
                joinedload(cls.owner).lazyload(User.role_rows),
                joinedload(cls.co_authors).joinedload(CoAuthor.user).lazyload(User.role_rows),
                *(selectinload(part) for part in parts),
            ]
        else:
            options = [lazyload(cls.owner), joinedload(cls.co_authors).lazyload(CoAuthor.user)]
        query = select(cls).where(cls.reference == reference.upper()).options(*options)
        return db.session.execute(query).unique().scalar()

    @property
    def files(self) -> list["EvidenceFile"]:
        """The evidence files the answers being written name."""
        return [f for f in self.evidence if f.removed_at is None]

    def is_author(self, user: User) -> bool:
        return user.id == self.owner_id or any(c.user_id == user.id for c in self.co_authors)

    def answers(self, slug: str) -> dict:
        row = self.sections.get(slug)
        return dict(row.data) if row else {}


class CoAuthor(db.Model):
    __tablename__ = "co_authors"

    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")


class SectionAnswers(db.Model):
    """The answers to one question section, as the section's form defines them."""

    __tablename__ = "section_answers"

    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True
    )
    slug: Mapped[str] = mapped_column(String(40), primary_key=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __mapper_args__ = {"version_id_col": version}


class Impact(db.Model):
    """The likely impact of the proposal on people with one characteristic."""

    __tablename__ = "impacts"
    __table_args__ = (UniqueConstraint("assessment_id", "characteristic_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    characteristic_id: Mapped[int] = mapped_column(ForeignKey("characteristics.id"), index=True)
    positive: Mapped[bool] = mapped_column(default=False)
    negative: Mapped[bool] = mapped_column(default=False)
    neutral: Mapped[bool] = mapped_column(default=False)
    not_known: Mapped[bool] = mapped_column(default=False)
    evidence: Mapped[str] = mapped_column(Text, default="")
    mitigation: Mapped[str] = mapped_column(Text, default="")
    residual: Mapped[str] = mapped_column(String(20), default="")
    how_find_out: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __mapper_args__ = {"version_id_col": version}

    characteristic: Mapped[Characteristic] = relationship(lazy="joined")

    @property
    def kinds(self) -> list[str]:
        return [k for k in ("positive", "negative", "neutral", "not_known") if getattr(self, k)]


action_characteristics = Table(
    "action_characteristics",
    db.metadata,
    Column(
        "action_id",
        ForeignKey("assessment_actions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("characteristic_id", ForeignKey("characteristics.id"), primary_key=True),
)


class AssessmentAction(db.Model):
    """A mitigation or improvement action the EqIA commits to."""

    __tablename__ = "assessment_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str] = mapped_column(String(300))
    start_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    success_measure: Mapped[str] = mapped_column(Text)
    # Set when a review starts: the signed-off revision the action was part of, and what
    # the lead then says happened to it.
    carried_from: Mapped[int | None]
    progress: Mapped[str] = mapped_column(String(20), default="")
    progress_note: Mapped[str] = mapped_column(Text, default="")
    # The action of the EDI action plan this one contributes to, if the lead says so.
    plan_action_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_actions.id", ondelete="SET NULL"), index=True
    )
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __mapper_args__ = {"version_id_col": version}

    characteristics: Mapped[list[Characteristic]] = relationship(
        secondary=action_characteristics, order_by=Characteristic.position, lazy="selectin"
    )
    plan_action: Mapped["PlanAction | None"] = relationship(lazy="joined")


class ObjectiveLink(db.Model):
    """An EDI objective the lead says the proposal supports, and how.

    ``confirmed`` is None while proposed; the super user confirms (True) or
    removes (False) it at sign-off. Only confirmed links of approved EqIAs count.
    """

    __tablename__ = "objective_links"

    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True
    )
    objective_id: Mapped[int] = mapped_column(
        ForeignKey("objectives.id"), primary_key=True, index=True
    )
    how: Mapped[str] = mapped_column(Text, default="")
    confirmed: Mapped[bool | None]

    objective: Mapped[Objective] = relationship(lazy="joined")


class EvidenceFile(db.Model):
    """A file attached to the evidence section. Its bytes are rows of
    ``evidence_file_chunks``, written and read a chunk at a time, so that any instance of
    the service can send it and none holds a whole file in memory."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Removed from the draft, but named by a frozen revision: its bytes are kept.
    removed_at: Mapped[datetime | None]
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def keep(self, file: BinaryIO) -> None:
        """Copy ``file``'s bytes into the database, one chunk at a time, in the session's
        transaction (the file's row is flushed first, for its id)."""
        db.session.flush()
        seq = 0
        while data := file.read(EvidenceChunk.SIZE):
            db.session.execute(
                insert(EvidenceChunk).values(evidence_file_id=self.id, seq=seq, data=data)
            )
            seq += 1

    def has_content(self) -> bool:
        """False for a file whose bytes were never found (see migration 0011)."""
        query = select(exists().where(EvidenceChunk.evidence_file_id == self.id))
        return bool(db.session.scalar(query))

    def content(self) -> Iterator[bytes]:
        """The file's bytes, a chunk at a time, each read by its primary key when asked for.

        The session is closed after each read, so that a slow download does not hold a
        database connection (or a transaction) while the browser takes its time."""
        seq = 0
        chunk = (
            select(EvidenceChunk.data)
            .where(EvidenceChunk.evidence_file_id == self.id)
            .execution_options(binary_results=True)
        )
        while (data := db.session.scalar(chunk.where(EvidenceChunk.seq == seq))) is not None:
            db.session.close()
            yield data
            seq += 1


class EvidenceChunk(db.Model):
    """Up to ``SIZE`` bytes of an evidence file; ``seq`` counts from 0. They go with the
    file's row (ON DELETE CASCADE)."""

    __tablename__ = "evidence_file_chunks"
    SIZE = 1024 * 1024

    evidence_file_id: Mapped[int] = mapped_column(
        ForeignKey("evidence_files.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Revision(db.Model):
    """An immutable snapshot of every answer, frozen when the EqIA is submitted.

    ``snapshot`` is the typed document ``eqia.snapshot`` describes. A revision frozen
    before that schema keeps the document it was submitted as in ``original_snapshot``,
    and its content hash is that document's (see :attr:`hashed_document`).
    """

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("assessment_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    number: Mapped[int]
    snapshot: Mapped[dict] = mapped_column(JSON)
    original_snapshot: Mapped[dict | None] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    created_by: Mapped[User] = relationship(lazy="joined")

    def read(self) -> Snapshot:
        return read(self.snapshot)

    @property
    def hashed_document(self) -> dict:
        """The document the content hash was taken of, when it was frozen."""
        return self.original_snapshot if self.original_snapshot is not None else self.snapshot

    @classmethod
    def problems(cls, part: int = 0, parts: int = 1) -> Iterator[str]:
        """Every revision whose content no longer matches its hash, or that this service
        cannot read, one at a time (the revisions are streamed as rows, never all in
        memory); of those whose id leaves ``part`` when divided by ``parts``."""
        query = (
            select(
                cls.assessment_id,
                cls.number,
                cls.snapshot,
                cls.original_snapshot,
                cls.content_hash,
            )
            .where(cls.id % parts == part)
            .order_by(cls.id)
        )
        rows = db.session.execute(query.execution_options(yield_per=200))
        for assessment_id, number, snapshot, original, digest in rows:
            if content_hash(original if original is not None else snapshot) != digest:
                name = f"Revision {number} of EqIA {assessment_id}"
                yield f"{name} has been changed since it was frozen"
            try:
                read(snapshot)
            except UnknownSnapshot as error:
                yield str(error)


class ReferenceCounter(db.Model):
    """The last EqIA number issued in each year."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class PendingSubmission(db.Model):
    """What a person sent after their session had ended, kept until they sign in again."""

    __tablename__ = "pending_submissions"
    __table_args__ = (UniqueConstraint("user_id", "path"),)

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(2000))
    form: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


Index("ix_assessments_updated_at", Assessment.updated_at)
# The register sorts by these, and finds EqIAs with a negative impact on a characteristic.
Index("ix_assessments_review_date", Assessment.review_date)
Index("ix_assessments_title", Assessment.title)
Index("ix_impacts_negative", Impact.characteristic_id, Impact.negative, Impact.assessment_id)
# The progress report and the equality insight aggregate over these without reading the tables.
Index(
    "ix_impacts_report",
    Impact.assessment_id,
    Impact.characteristic_id,
    Impact.negative,
    Impact.positive,
    Impact.not_known,
)
Index(
    "ix_objective_links_report",
    ObjectiveLink.assessment_id,
    ObjectiveLink.confirmed,
    ObjectiveLink.objective_id,
)
Index(
    "ix_assessments_report",
    Assessment.approved_at,
    Assessment.status,
    Assessment.approved_revision_id,
    Assessment.directorate_id,
)

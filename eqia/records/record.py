"""What a PDF record shows, as plain data: gathered by ``documents``, drawn by ``pdf``.

Everything here is frozen: the revision's snapshot (names as they were when it
was submitted), the decision as recorded (the super user's name and job title,
each section's evaluation, each objective link as confirmed or removed), the
history up to the decision with the names it had then, and the audit chain's head
at the moment of sign-off. Nothing is read from a live table at drawing time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from eqia.snapshot import DueRegardView, SectionView


@dataclass(frozen=True)
class Evaluation:
    section: str
    rating: str
    comment: str


@dataclass(frozen=True)
class LinkDecision:
    """An EDI objective link as the super user left it: confirmed, or removed."""

    number: str
    objective: str
    confirmed: bool


@dataclass(frozen=True)
class Decision:
    approved: bool
    name: str
    job_title: str
    decided_at: datetime
    comment: str
    evaluations: list[Evaluation] = field(default_factory=list)
    links: list[LinkDecision] = field(default_factory=list)


@dataclass(frozen=True)
class AuditAnchor:
    """The audit chain's head when the record was sealed: the newest event's number and
    hash. Printed in the record and kept in its signed bytes, it anchors the chain outside
    the database."""

    seq: int
    hash: str


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    who: str
    what: str
    detail: str = ""


@dataclass
class Record:
    organisation: str
    reference: str
    title: str
    revision: int
    status: str
    lead: str
    co_authors: list[str]
    directorate: str
    created_at: datetime
    submitted_at: datetime | None
    submitted_by: str
    review_date: str
    content_hash: str  # empty for answers not yet frozen in a revision
    sections: list[SectionView]  # the snapshot's sections, as eqia.snapshot reads them
    decision: Decision | None
    history: list[HistoryLine]
    signed_off: bool  # False: watermarked "Not signed off" on every page
    anchor: AuditAnchor | None = None  # set when a signed-off revision is sealed
    due_regard: DueRegardView | None = None  # the checks frozen at submission

    @property
    def info(self) -> dict[str, str]:
        """What the PDF says it is, in its document information (read back by verify)."""
        info = {
            "EqiaReference": self.reference,
            "EqiaRevision": str(self.revision),
            "EqiaContentHash": self.content_hash,
        }
        if self.anchor is not None:
            info |= {"EqiaAuditSeq": str(self.anchor.seq), "EqiaAuditHash": self.anchor.hash}
        return info

    @property
    def created(self) -> datetime | None:
        return self.decision.decided_at if self.decision else self.submitted_at

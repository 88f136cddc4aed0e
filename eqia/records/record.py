"""What a PDF record shows, as plain data: gathered by ``documents``, drawn by ``pdf``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from eqia.snapshot import SectionView


@dataclass(frozen=True)
class Evaluation:
    section: str
    rating: str
    comment: str


@dataclass(frozen=True)
class Decision:
    approved: bool
    name: str
    job_title: str
    decided_at: datetime
    comment: str
    evaluations: list[Evaluation] = field(default_factory=list)


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

    @property
    def info(self) -> dict[str, str]:
        """What the PDF says it is, in its document information (read back by verify)."""
        return {
            "EqiaReference": self.reference,
            "EqiaRevision": str(self.revision),
            "EqiaContentHash": self.content_hash,
        }

    @property
    def created(self) -> datetime | None:
        return self.decision.decided_at if self.decision else self.submitted_at

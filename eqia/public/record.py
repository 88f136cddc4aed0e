"""A published EqIA as the public reads it: its signed-off revision, without what is internal.

What is internal is decided here, once, and the public page shows nothing else of the
record (``tests/integration/test_public_register.py`` checks each item is absent):

- the evidence files: their names as a list of answers, and any download of them;
- who co-authored it and who submitted it;
- the review: each section's evaluation, the sign-off comment to the lead, and every
  returned revision with its comments (only the signed-off revision in force is read);
- the due-regard checks run at submission, with the lead's reasons for going on;
- officers' names, unless the admin chose names: the project lead and the super user who
  signed it off are shown by job title (``PublishingPolicy.officer``).

The decision maker is an answer of the proposal (a committee, usually), shown as typed.
The sealed PDF is published as it was sealed: the record an auditor holds, byte for byte.
"""

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import lazyload

from eqia.extensions import db
from eqia.models import Assessment, Decision, Revision
from eqia.models.assessments import REFERENCE
from eqia.publishing import PublishingPolicy, published
from eqia.snapshot import SectionView, Snapshot

# The answer rows of a snapshot (eqia.snapshot.Row keys) the public never sees.
INTERNAL_ROWS = frozenset({"evidence.files"})


@dataclass(frozen=True)
class PublicRecord:
    reference: str
    revision: int
    title: str
    directorate: str
    lead: str
    signed_off_by: str
    signed_off_at: datetime
    published_at: datetime
    content_hash: str
    sections: list[SectionView]


def _public_section(section: SectionView) -> SectionView:
    rows = [row for row in section.rows if row.key not in INTERNAL_ROWS]
    return replace(section, rows=rows, files=None)


def public_record(
    assessment: Assessment, snapshot: Snapshot, decision: Decision, policy: PublishingPolicy
) -> PublicRecord:
    lead = snapshot.document.get("lead") or {}
    return PublicRecord(
        reference=assessment.reference,
        revision=snapshot.revision,
        title=snapshot.title,
        directorate=snapshot.directorate,
        lead=policy.officer(lead.get("name", ""), lead.get("job_title", "")) if lead else "",
        signed_off_by=policy.officer(decision.reviewer_name, decision.reviewer_job_title),
        signed_off_at=decision.decided_at,
        published_at=assessment.published_at,
        content_hash=decision.content_hash,
        sections=[_public_section(s) for s in snapshot.sections],
    )


def published_assessment(ref: str) -> Assessment | None:
    """The EqIA with this reference if it is on the public register; otherwise None, the
    same for one that does not exist as for one that is not published."""
    if not REFERENCE.fullmatch(ref):
        return None  # names no EqIA: nothing need reach the database
    query = select(Assessment).where(Assessment.reference == ref, published())
    return db.session.scalar(query.options(lazyload(Assessment.owner)))


def load(ref: str) -> PublicRecord | None:
    assessment = published_assessment(ref)
    if assessment is None:
        return None
    revision = db.session.get(Revision, assessment.approved_revision_id)
    return public_record(
        assessment, revision.read(), Decision.on(revision), PublishingPolicy.load()
    )

"""What the public may see: which EqIAs are published, and how officers are named there.

The public register (``eqia.public``) and the data feed's public reach (``eqia.api``) both
ask here, so the two can never disagree about what is public. The register lists and
filters on facts frozen from each signed-off revision when it is signed off
(``eqia.models.public``), never on the answers being written.
"""

from dataclasses import dataclass
from typing import ClassVar

from flask import has_request_context, request
from sqlalchemy import ColumnElement, and_

from eqia.extensions import db
from eqia.models import Assessment, Revision, SignedOffNegative, SignedOffRevision, Status
from eqia.settings import Settings
from eqia.snapshot import Snapshot

# Where the public register lives. Requests under it are served without a session: no
# cookie is read or set, nobody is signed in, so a page is the same for everyone.
PUBLIC_PREFIX = "/public"


@dataclass(frozen=True)
class PublishingPolicy(Settings):
    """How signed-off EqIAs reach the public register."""

    KEY: ClassVar[str] = "publishing"

    # The choice a super user starts from when signing off.
    by_default: bool = False
    # Officers named on the public register ("names"), or described by job title ("titles").
    officers: str = "titles"

    def officer(self, name: str, job_title: str) -> str:
        """How an officer appears in public: their job title, unless the admin chose names."""
        if self.officers == "names":
            return name
        return job_title.strip() or "An officer of the council"


def published() -> ColumnElement[bool]:
    """The EqIAs on the public register: published, with a signed-off record in force (a
    withdrawn EqIA has none in force, whatever it had before)."""
    return and_(
        Assessment.published_at.is_not(None),
        Assessment.approved_revision_id.is_not(None),
        Assessment.status != Status.WITHDRAWN,
    )


def is_published(assessment: Assessment) -> bool:
    """:func:`published`, for an EqIA already loaded."""
    return (
        assessment.published_at is not None
        and assessment.approved_revision_id is not None
        and assessment.status is not Status.WITHDRAWN
    )


def can_be_published(assessment: Assessment) -> bool:
    """Whether it has a signed-off record in force that could go on the register."""
    return assessment.approved_revision_id is not None and assessment.status is not (
        Status.WITHDRAWN
    )


@dataclass(frozen=True)
class Publication:
    """Where an EqIA stands with the public register, for its page."""

    published: bool
    publishable: bool

    @classmethod
    def of(cls, assessment: Assessment) -> "Publication":
        return cls(is_published(assessment), can_be_published(assessment))


def starts_published(assessment: Assessment) -> bool:
    """The sign-off form's first answer to "Publish it?": as it is now when a signed-off EqIA
    is signed off again, otherwise the admin's default."""
    if assessment.approved_revision_id is not None:
        return assessment.published_at is not None
    return PublishingPolicy.load().by_default


def negative_characteristics(snapshot: Snapshot) -> set[str]:
    """The codes of the characteristics a revision says the proposal affects negatively."""
    return {
        impact.code
        for section in snapshot.sections
        for impact in section.impacts or []
        if "negative" in impact.kinds
    }


def freeze_facts(revision: Revision, snapshot: Snapshot, signed_off_at) -> None:
    """At sign-off: what the register lists and filters on, copied from the revision."""
    document = snapshot.document
    directorate = document["directorate"]
    db.session.add(
        SignedOffRevision(
            revision_id=revision.id,
            assessment_id=revision.assessment_id,
            reference=snapshot.reference,
            title=snapshot.title[:300],
            summary=snapshot.summary or "",
            directorate_id=int(directorate["code"]) if directorate else None,
            directorate=directorate["label"][:200] if directorate else "",
            signed_off_at=signed_off_at,
        )
    )
    for code in sorted(negative_characteristics(snapshot)):
        db.session.add(SignedOffNegative(revision_id=revision.id, characteristic=code))


def is_public_path(path: str) -> bool:
    """Whether a path is on the public register."""
    return path == PUBLIC_PREFIX or path.startswith(PUBLIC_PREFIX + "/")


def public_request() -> bool:
    """Whether this request is for the public register (outside a request: no)."""
    return has_request_context() and is_public_path(request.path)

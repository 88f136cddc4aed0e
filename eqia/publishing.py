"""What the public may see: which EqIAs are published, and how officers are named there.

The public register (``eqia.public``) and the data feed's public reach (``eqia.api``) both
ask here, so the two can never disagree about what is public.
"""

from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import ColumnElement, and_

from eqia.models import Assessment
from eqia.settings import Settings


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
    """The EqIAs on the public register: published, with a signed-off record in force."""
    return and_(Assessment.published_at.is_not(None), Assessment.approved_revision_id.is_not(None))

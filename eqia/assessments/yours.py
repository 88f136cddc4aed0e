"""The EqIAs a person leads or co-authors, and which of them need the person to act.

The "Your EqIAs" page and the home page's panels read the same conditions from here, so
a panel's "View all" link leads to exactly the EqIAs it counted.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, select, union

from eqia.models import Assessment, CoAuthor, Status, User

# An approved EqIA shows as due for review this many days before its review date.
REVIEW_NOTICE = timedelta(days=30)


def led_or_co_authored(user: User) -> ColumnElement[bool]:
    """One they lead or co-author now (not one they were removed from).

    A union of ids, not "owner or co-author": PostgreSQL then reads the two indexes (a few
    hundred rows) instead of filtering every EqIA (7 ms, not 140, at 100,000)."""
    theirs = union(
        select(Assessment.id).where(Assessment.owner_id == user.id),
        select(CoAuthor.assessment_id).where(
            CoAuthor.user_id == user.id, CoAuthor.removed_at.is_(None)
        ),
    )
    return Assessment.id.in_(theirs)


def returned() -> ColumnElement[bool]:
    return Assessment.status == Status.RETURNED


def review_due(today: date) -> ColumnElement[bool]:
    """Signed off, and due (or overdue) for review within the notice period."""
    return and_(
        Assessment.status == Status.APPROVED, Assessment.review_date <= today + REVIEW_NOTICE
    )


@dataclass(frozen=True)
class Show:
    """One of the "Your EqIAs" page's filters (``?show=``), and the order it reads best in."""

    label: str
    condition: Callable[[date], ColumnElement[bool]]
    order: tuple


# What has waited longest first.
ORDER = (Assessment.updated_at, Assessment.id)
SHOWS = {
    "returned": Show("Returned with comments", lambda today: returned(), ORDER),
    "review-due": Show("Due for review", review_due, (Assessment.review_date, *ORDER)),
}

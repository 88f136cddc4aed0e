"""The home page of each person, and the pages every service has."""

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app, render_template
from flask_login import current_user
from sqlalchemy import and_, or_, select

from eqia.database import is_reachable
from eqia.extensions import db
from eqia.main import bp
from eqia.main.statement import statement
from eqia.models import Assessment, CoAuthor, Status, User, tag_class
from eqia.permissions import ANYONE, SIGN_OFF, SIGNED_IN, allow, may
from eqia.reviews import queue
from eqia.timefmt import uk_today

# An approved EqIA shows as due for review this many days before its review date.
REVIEW_NOTICE = timedelta(days=30)


@dataclass
class Attention:
    """An EqIA the person leads or co-authors that needs them to act."""

    assessment: Assessment
    tag: str
    tag_class: str


def needs_attention(user: User, today: date) -> tuple[list[Attention], list[Attention]]:
    """Their returned EqIAs, and their signed-off ones due or overdue for review: one query."""
    query = (
        select(Assessment)
        .where(
            or_(
                Assessment.owner_id == user.id,
                Assessment.co_authors.any(CoAuthor.user_id == user.id),
            ),
            or_(
                Assessment.status == Status.RETURNED,
                and_(
                    Assessment.status == Status.APPROVED,
                    Assessment.review_date <= today + REVIEW_NOTICE,
                ),
            ),
        )
        .order_by(Assessment.review_date, Assessment.updated_at, Assessment.id)
    )
    returned, reviews = [], []
    for assessment in db.session.scalars(query):
        if assessment.status is Status.RETURNED:
            returned.append(
                Attention(assessment, "Returned with comments", tag_class(Status.RETURNED))
            )
        elif assessment.review_date < today:
            reviews.append(Attention(assessment, "Review overdue", "govuk-tag--red"))
        else:
            reviews.append(Attention(assessment, "Review due within 30 days", "govuk-tag--yellow"))
    return returned, reviews


@bp.route("/")
@allow(SIGNED_IN)
def dashboard():
    returned, reviews = needs_attention(current_user, uk_today())
    waiting = queue.counts(current_user) if may(current_user, SIGN_OFF) else None
    return render_template(
        "main/dashboard.html", returned=returned, reviews=reviews, waiting=waiting
    )


@bp.route("/accessibility")
@allow(ANYONE)
def accessibility():
    return render_template("main/accessibility.html", statement=statement(current_app.config))


@bp.route("/privacy")
@allow(SIGNED_IN)
def privacy():
    return render_template("main/privacy.html")


@bp.route("/healthz")
@allow(ANYONE)
def healthz():
    if is_reachable():
        return {"status": "ok", "database": "ok"}
    return {"status": "unavailable", "database": "unreachable"}, 503

"""The home page of each person, and the pages every service has."""

from dataclasses import dataclass
from datetime import date

from flask import current_app, render_template
from flask_login import current_user
from sqlalchemy import case, func, null, or_, select

from eqia.assessments import yours
from eqia.auth import throttle
from eqia.database import is_reachable
from eqia.extensions import db
from eqia.main import bp
from eqia.main.statement import statement
from eqia.models import Assessment, Status, User, tag_class
from eqia.permissions import ANYONE, SIGN_OFF, SIGNED_IN, allow, may
from eqia.reviews import queue
from eqia.timefmt import uk_today

# Each panel of the home page shows this many EqIAs at most, and links to the rest.
PANEL_ROWS = 5


@dataclass
class Attention:
    """An EqIA the person leads or co-authors that needs them to act."""

    assessment: Assessment
    tag: str
    tag_class: str


@dataclass
class Panel:
    """The first few EqIAs of one kind, and how many there are in all."""

    items: list[Attention]
    total: int


def needs_attention(user: User, today: date) -> tuple[Panel, Panel]:
    """Their returned EqIAs, and their signed-off ones due or overdue for review: the first
    few of each, in the order "Your EqIAs" lists them, and how many in all (one query)."""
    returned, due = yours.returned(), yours.review_due(today)
    panel = case((returned, "returned"), else_="review-due")
    # Each panel in its own order (yours.SHOWS): a returned EqIA's review date is no key.
    order = (case((returned, null()), else_=Assessment.review_date), *yours.ORDER)
    ranked = (
        select(
            Assessment.id,
            panel.label("panel"),
            func.row_number().over(partition_by=panel, order_by=order).label("place"),
            func.count().over(partition_by=panel).label("total"),
        )
        .where(yours.led_or_co_authored(user), or_(returned, due))
        .subquery()
    )
    query = (
        select(Assessment, ranked.c.panel, ranked.c.total)
        .join(ranked, ranked.c.id == Assessment.id)
        .where(ranked.c.place <= PANEL_ROWS)
        .order_by(ranked.c.panel, ranked.c.place)
    )
    panels = {"returned": Panel([], 0), "review-due": Panel([], 0)}
    for assessment, name, total in db.session.execute(query):
        panels[name].total = total
        if name == "returned":
            tag = ("Returned with comments", tag_class(Status.RETURNED))
        elif assessment.review_date < today:
            tag = ("Review overdue", "govuk-tag--red")
        else:
            tag = ("Review due within 30 days", "govuk-tag--yellow")
        panels[name].items.append(Attention(assessment, *tag))
    return panels["returned"], panels["review-due"]


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
    """Readiness, for the load balancer: 503 while the database does not answer. A shared
    throttling store (Redis) that does not answer is reported but is no reason to take the
    instance out: sign-in then counts attempts in each process (eqia/auth/throttle.py)."""
    report = {"status": "ok", "database": "ok"}
    store = throttle.store_reachable()
    if store is not None:
        report["throttling_store"] = "ok" if store else "unreachable"
        if not store:
            report["status"] = "degraded"
    if not is_reachable():
        report.update(status="unavailable", database="unreachable")
        return report, 503
    return report


@bp.route("/healthz/live")
@allow(ANYONE)
def liveness():
    """Liveness: the process answers. It touches nothing else, so a database outage never
    gets healthy processes restarted."""
    return {"status": "ok"}

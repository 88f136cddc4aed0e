"""The demo's EDI action plan actions: what the plan pages, the progress report and the
insight have to show, dated from the day the demo is seeded."""

from sqlalchemy import select

from eqia.extensions import db

# Demo actions of the EDI action plan (sample data), dated from today so that every
# report has something to show: one on track, one completed recently, one overdue and
# one not started yet. objective, reference, action, responsible, start and end (days
# from today), success measure, status, completed (days from today), progress note
PLAN_ACTIONS = [
    (
        7,
        "A7.2",
        "Keep services within reach of isolated villages: home library service, outreach "
        "and community transport.",
        "Place & Sustainability with Library Services",
        -200,
        160,
        "Every village more than 30 minutes by bus from a library is offered a service.",
        "on-track",
        None,
        "Home library service extended to 14 villages.",
    ),
    (
        9,
        "A9.2",
        "Audit the quality of a sample of signed-off EqIAs every quarter.",
        "EDI team",
        -300,
        -21,
        "Four audits a year; findings reported to the EDI Leadership Forum.",
        "complete",
        -14,
        "The year's fourth audit was reported to the forum.",
    ),
    (
        11,
        "A11.2",
        "Publish Easy Read versions of every consultation document.",
        "Communications",
        -250,
        -30,
        "Every consultation launched with an Easy Read version.",
        "at-risk",
        None,
        "Two consultations launched without one: supplier capacity.",
    ),
    (
        3,
        "A3.2",
        "Offer a reasonable-adjustment passport to colleagues working hybrid.",
        "HR Services with Occupational Health",
        14,
        300,
        "Passport offered in every directorate; uptake recorded in the staff survey.",
        "not-started",
        None,
        "",
    ),
]


def seed_plan() -> None:
    """Add or refresh the demo plan actions, dated from today (sample data)."""
    from datetime import timedelta

    from eqia.models import Objective, PlanAction, PlanStatus
    from eqia.timefmt import uk_today

    today = uk_today()
    objectives = {o.number: o for o in db.session.scalars(select(Objective))}
    for spec in PLAN_ACTIONS:
        number, reference, action, responsible, start, end, measure, status, done, note = spec
        if number not in objectives:
            continue
        row = PlanAction.by_reference(reference) or PlanAction(reference=reference)
        row.objective_id = objectives[number].id
        row.action, row.responsible, row.success_measure = action, responsible, measure
        row.start_date = today + timedelta(days=start)
        row.end_date = today + timedelta(days=end)
        row.set_status(
            PlanStatus(status), today + timedelta(days=done) if done is not None else None
        )
        row.progress_note, row.active, row.sample = note, True, True
        db.session.add(row)
    db.session.commit()

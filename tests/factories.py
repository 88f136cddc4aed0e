"""Rows for tests, made the way the service makes them."""

import time
from functools import cache

from werkzeug.security import generate_password_hash

from eqia.auth import mfa
from eqia.extensions import db
from eqia.models import Directorate, Role, User
from eqia.timefmt import utcnow

PASSWORD = "a long test password"


@cache
def password_hash() -> str:
    return generate_password_hash(PASSWORD, method="scrypt")


def make_directorate(name: str = "Place & Sustainability", active: bool = True) -> Directorate:
    directorate = Directorate(name=name, active=active)
    db.session.add(directorate)
    db.session.commit()
    return directorate


def make_user(
    email: str = "person@example.org",
    name: str = "Alex Person",
    roles: set[Role] | None = None,
    active: bool = True,
    job_title: str = "Officer",
    directorate: Directorate | None = None,
) -> User:
    user = User(
        email=email,
        name=name,
        job_title=job_title,
        active=active,
        password_hash=password_hash(),
        directorate_id=directorate.id if directorate else None,
    )
    user.roles = roles or set()
    db.session.add(user)
    db.session.commit()
    return user


def make_assessment(owner: User, title: str = "Changes to library opening hours"):
    """A new draft EqIA, started the way a lead starts one."""
    from eqia import workflow

    assessment = workflow.start(title, owner)
    db.session.commit()
    return assessment


def add_co_author(assessment, user_id: int) -> None:
    from eqia.models import CoAuthor

    assessment.co_authors.append(CoAuthor(user_id=user_id, added_by_id=assessment.owner_id))
    db.session.commit()


def submit(assessment, by: User, to: User | None = None, message: str = ""):
    """Submit as the check answers page does: the sections judged once, then frozen."""
    from eqia import sections, workflow

    progress = sections.progress(assessment, sections.Context.load(assessment))
    return workflow.submit(assessment, by, progress, to, message)


def decide(
    app,
    ref: str,
    reviewer_id: int,
    kind,
    *,
    comment: str | None = None,
    links: dict[int, bool] | None = None,
    evaluations: dict | None = None,
    review_date=None,
):
    """A super user's decision on the revision under review, through the workflow. ``links``
    confirms or removes objective links by objective number; ``review_date`` then arranges
    the EqIA's review date (as if it had been signed off long ago)."""
    from sqlalchemy import select

    from eqia import workflow
    from eqia.models import Assessment, DecisionKind, Objective

    with app.app_context():
        assessment = Assessment.by_reference(ref)
        numbers = dict(db.session.execute(select(Objective.number, Objective.id)).all())
        if comment is None:
            comment = "Needs more work" if kind is DecisionKind.RETURNED else "Looks thorough"
        decision = workflow.decide(
            assessment,
            db.session.get(User, reviewer_id),
            kind,
            revision_number=assessment.revision,
            comment=comment,
            evaluations=evaluations,
            objectives={numbers[n]: keep for n, keep in (links or {}).items()},
        )
        if review_date is not None:
            assessment.review_date = review_date  # arranging a state, not making a move
        db.session.commit()
        return decision.id


def make_eqia(
    title: str,
    *,
    owner: str = "lead@example.org",
    directorate: str = "Place & Sustainability",
    stage: str = "approved",
    reviewer: str = "super@example.org",
    proposal_type: str = "service-change",
    outcome: str = "adjust",
    summary: str = "Keep Tuesday mornings at two libraries.",
    impacts: dict | None = None,
    objectives: dict | None = None,
    programme_id: int | None = None,
):
    """A complete EqIA taken to a stage (draft "complete", "submitted", "returned",
    "approved") by the workflow, as the demo makes them, its lead going past any due-regard
    warning with a reason. Owner, reviewer and directorate must exist."""
    from sqlalchemy import select

    from eqia import demo
    from eqia.due_regard.checks import CHECKS
    from eqia.models import Assessment

    base = demo.LIBRARIES
    answers = {slug: dict(data) for slug, data in base["answers"].items()}
    answers["about"]["proposal_type"] = proposal_type
    if programme_id is not None:
        answers["about"]["programme_id"] = programme_id
    answers["outcome"].update(outcome=outcome, summary=summary)
    if outcome == "continue":
        answers["outcome"]["justification"] = "Proportionate and objectively justified."
    spec = {
        **base,
        "title": title,
        "owner": owner,
        "directorate": directorate,
        "answers": answers,
        "impacts": base["impacts"] if impacts is None else impacts,
        "objectives": base["objectives"] if objectives is None else objectives,
        "reasons": {check.code: f"Reason for going on: {check.title}" for check in CHECKS},
    }
    demo.build_assessment(spec, stage, reviewer=reviewer)
    db.session.commit()
    owner_user = User.by_email(owner)
    return db.session.scalar(
        select(Assessment).where(Assessment.owner_id == owner_user.id, Assessment.title == title)
    )


def give_authenticator(user: User) -> str:
    """Set up an authenticator app for this person, as the set-up page does; its secret."""
    user.totp_secret, user.totp_confirmed_at = mfa.new_secret(), utcnow()
    db.session.commit()
    return user.totp_secret


def authenticator_code(email: str) -> str:
    """The code this person's app shows now, or for the next step when this one is used
    (each step is accepted once), waiting when both are. Not the step before: on a busy
    machine it may have gone out of the service's window by the time the code reaches it."""
    user = User.by_email(email)
    db.session.refresh(user)
    step = mfa.current_step()
    if user.totp_last_step is not None:
        step = max(step, user.totp_last_step + 1)
    while step > mfa.current_step() + 1:
        time.sleep(0.5)
    return mfa.code_at(user.totp_secret, step)

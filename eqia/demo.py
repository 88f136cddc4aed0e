"""Demo data for trying the service and for its tests. Never loaded in production."""

from sqlalchemy import select

from eqia.auth import mfa
from eqia.demo_plan import seed_plan
from eqia.demo_programme import seed_programme
from eqia.extensions import db
from eqia.models import Directorate, Role, User
from eqia.timefmt import utcnow

DIRECTORATES = [
    "Adults, Health & Commissioning",
    "Children, Education & Families",
    "Place & Sustainability",
    "Strategy & Partnerships",
    "Finance & Resources",
    "Public Health",
]

# email, name, job title, directorate, roles
ACCOUNTS = [
    ("lead@example.org", "Priya Shah", "Library Services Manager", "Place & Sustainability", []),
    ("lead2@example.org", "Tom Okafor", "HR Policy Adviser", "Strategy & Partnerships", []),
    (
        "superuser@example.org",
        "Gwen Ellis",
        "EqIA Super User, Equality and Diversity",
        "Strategy & Partnerships",
        [Role.SUPER_USER],
    ),
    (
        "superuser2@example.org",
        "Marek Nowak",
        "EqIA Super User, Children's Services",
        "Children, Education & Families",
        [Role.SUPER_USER],
    ),
    (
        "auditor@example.org",
        "Aisha Rahman",
        "Internal Auditor",
        "Finance & Resources",
        [Role.AUDITOR],
    ),
    (
        "admin@example.org",
        "Sam Hughes",
        "EqIA System Administrator",
        "Finance & Resources",
        [Role.ADMIN],
    ),
]


def seed(password: str) -> list[User]:
    """Create or refresh the demo directorates and accounts; safe to run again."""
    directorates = {}
    for name in DIRECTORATES:
        directorate = db.session.scalar(select(Directorate).where(Directorate.name == name))
        if directorate is None:
            directorate = Directorate(name=name)
            db.session.add(directorate)
        directorates[name] = directorate
    db.session.flush()

    users = []
    for email, name, job_title, directorate, roles in ACCOUNTS:
        user = User.by_email(email) or User(email=email)
        user.name, user.job_title, user.active = name, job_title, True
        user.directorate_id = directorates[directorate].id
        user.roles = set(roles)
        if not user.check_password(password):  # a new password would end their sessions
            user.set_password(password)
        _give_authenticator(user)
        db.session.add(user)
        users.append(user)
    db.session.commit()
    seed_plan()
    seed_assessments()
    seed_programme()
    return users


def _give_authenticator(user: User) -> None:
    """Admins and super users sign in with a code too: the demo's have an authenticator
    app's secret (printed by seed-demo, kept when seeded again). The demo admin is also a
    break-glass account, so the demo stays usable with local passwords turned off."""
    if not {Role.ADMIN, Role.SUPER_USER} & user.roles:
        return
    if not user.has_totp:
        user.totp_secret, user.totp_confirmed_at = mfa.new_secret(), utcnow()
    user.break_glass = Role.ADMIN in user.roles


# Sample EqIAs, written as the demo leads would answer them.
LIBRARIES = {
    "title": "Changes to library opening hours",
    "owner": "lead@example.org",
    "directorate": "Place & Sustainability",
    "answers": {
        "screening": {"could_affect": "yes", "no_effect_reason": ""},
        "about": {
            "title": "Changes to library opening hours",
            "proposal_type": "service-change",
            "proposal_type_other": "",
            "what_is_changing": "Reduce weekday opening at six village libraries from five days "
            "to three and add Saturday afternoons, to meet a £240k saving while keeping weekend "
            "access for working residents.",
            "service": "Libraries",
            "decision_maker": "Communities, Social Mobility and Inclusion Committee",
            "decision_date": "2027-03-12",
            "key_decision": "yes",
            "change_kind": "changed",
        },
        "who": {
            "groups": ["residents", "service-users", "staff"],
            "area": "districts",
            "districts": ["East Cambridgeshire", "Fenland", "Huntingdonshire"],
            "how_many": "About 18,000 residents and library users; 34 staff",
        },
        "evidence": {
            "data_used": "Library visit counts by hour (2022–2023), user survey (1,140 "
            "responses), Census 2021 age profile, bus timetables.",
            "gaps": "No data on users' ethnicity: we will add it to the next user survey.",
            "engagement_done": "Six-week consultation; drop-in sessions in each library; Easy "
            "Read survey.",
            "engagement_planned": "Feedback sessions six months after the change.",
            "what_people_said": "Older residents value weekday mornings; working parents asked "
            "for weekend opening.",
        },
        "aims": {
            "eliminate": "The proposal does not treat anyone less favourably; mitigations "
            "address indirect effects on older and disabled residents.",
            "advance": "Saturday opening widens access for working carers and parents.",
            "foster": "Libraries stay shared community spaces; warm-space sessions continue.",
        },
        "outcome": {
            "outcome": "adjust",
            "justification": "",
            "stop_reason": "",
            "summary": "Adjust the proposal: keep Tuesday morning opening at the two most "
            "isolated libraries.",
            "monitoring": "Quarterly visit counts by hour and the annual user survey.",
            "review_date": "2027-11-30",
        },
    },
    "impacts": {
        "age": (
            "negative",
            "Older residents use weekday mornings most: people over 65 made 41% of weekday "
            "morning visits in the 2023 counts, and 38% of survey replies came from them.",
            "Home library service and a weekday click and collect locker.",
            "low",
            "",
        ),
        "disability": (
            "negative",
            "Accessible transport runs on weekdays only, and 212 survey respondents who rely "
            "on it said they could not reach a library at the weekend.",
            "Extend the community transport booking to Saturdays.",
            "medium",
            "",
        ),
        "carers": ("positive", "Saturday opening suits working carers.", "", "", ""),
        "rural-isolation": (
            "negative",
            "Libraries are the only public indoor space in two villages, where the nearest "
            "alternative is a 40-minute bus ride away.",
            "Parish councils host warm-space sessions on closed days.",
            "low",
            "",
        ),
        "race": (
            "not_known",
            "No data on users' ethnicity: neither the visit counts nor the last user survey "
            "asked, so we cannot yet say who is affected.",
            "",
            "",
            "Add ethnicity to the next user survey.",
        ),
    },
    "actions": [
        (
            "Extend the home library service to every affected village.",
            "Library Services",
            "2027-04-01",
            "2027-09-30",
            ["age", "disability"],
            "Every eligible resident offered the service by September.",
        ),
        (
            "Extend community transport booking to Saturdays.",
            "Passenger Transport",
            "2027-04-01",
            "2027-06-30",
            ["disability", "rural-isolation"],
            "Saturday bookings available in all three districts.",
        ),
        (
            "Ask library users their ethnicity in the next user survey, and review the "
            "impact with the answers.",
            "Library Services",
            "2027-04-01",
            "2027-12-31",
            ["race"],
            "Ethnicity answered by most respondents, and the impact reviewed by December.",
        ),
    ],
    "objectives": {
        7: "Keeps library access for isolated villages.",
        9: "A full EqIA informed the decision.",
    },
    # action (by its place in "actions") -> the EDI action plan action it contributes to
    "plan_actions": {0: "A7.2", 1: "A7.1"},
}


def _neutral(characteristic) -> str:
    return (
        "Nothing in the visit counts, the survey or the consultation suggests the change "
        f"affects people differently by {characteristic.name.lower()}."
    )


def build_assessment(spec: dict, stage: str, reviewer: str = "superuser@example.org") -> None:
    """Create one demo EqIA (once), as a lead would answer it, taken to a stage by the
    workflow: empty, half, complete, submitted (to the reviewer), returned or approved
    (by the reviewer, and published on the public register if the spec says "published")."""
    from datetime import date, timedelta

    from eqia import sections, workflow
    from eqia.models import (
        Assessment,
        AssessmentAction,
        Characteristic,
        DecisionKind,
        District,
        Impact,
        ObjectiveLink,
        PlanAction,
        Rating,
        SectionAnswers,
    )
    from eqia.sections import saving
    from eqia.timefmt import uk_today

    owner = User.by_email(spec["owner"])
    title = spec["title"]
    exists = db.session.scalar(
        select(Assessment).where(Assessment.owner_id == owner.id, Assessment.title == title)
    )
    if exists is not None:
        return
    assessment = workflow.start(title, owner)
    if stage == "empty":
        return
    directorate = db.session.scalar(
        select(Directorate).where(Directorate.name == spec["directorate"])
    )
    districts = {d.name: d.id for d in db.session.scalars(select(District))}
    characteristics = {c.code: c for c in db.session.scalars(select(Characteristic))}
    answers = {slug: dict(data) for slug, data in spec["answers"].items()}
    answers["about"]["directorate_id"] = directorate.id
    answers["about"]["title"] = title
    answers["who"]["districts"] = [districts[name] for name in answers["who"]["districts"]]
    chosen = list(answers) if stage != "half" else ["screening", "about", "who"]
    for slug in chosen:
        assessment.sections[slug] = SectionAnswers(
            slug=slug, data=answers[slug], updated_by_id=owner.id
        )
    if stage == "half":
        _copy_answers(assessment)
        return
    for code, characteristic in characteristics.items():
        if not characteristic.active:
            continue
        kind, evidence, mitigation, residual, find_out = spec["impacts"].get(
            code, ("neutral", spec.get("neutral") or _neutral(characteristic), "", "", "")
        )
        assessment.impacts.append(
            Impact(
                characteristic_id=characteristic.id,
                **{kind: True},
                evidence=evidence,
                mitigation=mitigation,
                residual=residual,
                how_find_out=find_out,
                updated_by_id=owner.id,
            )
        )
    for action, responsible, start, due, codes, measure in spec["actions"]:
        assessment.actions.append(
            AssessmentAction(
                action=action,
                responsible=responsible,
                start_date=date.fromisoformat(start),
                due_date=date.fromisoformat(due),
                success_measure=measure,
                characteristics=[characteristics[c] for c in codes],
                updated_by_id=owner.id,
            )
        )
    for index, reference in spec.get("plan_actions", {}).items():
        plan_action = PlanAction.by_reference(reference)
        if plan_action is not None and index < len(assessment.actions):
            assessment.actions[index].plan_action_id = plan_action.id
    saving.finish_actions(assessment, owner)
    objectives = {o.number: o.id for o in sections.Context.load().objectives}
    for number, how in spec["objectives"].items():
        assessment.objective_links.append(ObjectiveLink(objective_id=objectives[number], how=how))
    assessment.sections["objectives"] = SectionAnswers(
        slug="objectives", data={"none": False}, updated_by_id=owner.id
    )
    db.session.flush()
    _copy_answers(assessment)
    if stage == "complete":
        return
    super_user = User.by_email(reviewer)
    progress = sections.progress(assessment, sections.Context.load(assessment))
    chosen = super_user if stage == "submitted" else None
    message, reasons = "Ready for sign-off.", spec.get("reasons", {})
    workflow.submit(assessment, owner, progress, chosen, message, reasons)
    if stage == "submitted":
        return
    sections_of = [s.slug for s in workflow.latest_revision(assessment).read().sections]
    evaluations = {slug: (Rating.ACCEPTABLE, "") for slug in sections_of}
    if stage == "returned":
        evaluations["evidence"] = (
            Rating.TO_BE_FIXED,
            "Say how you will collect ethnicity data, and by when.",
        )
        evaluations["impacts"] = (Rating.IMPROVABLE, "Say more about the effect on carers.")
        kind, comment = DecisionKind.RETURNED, "Nearly there: two sections need more work."
    else:
        kind, comment = DecisionKind.APPROVED, "A thorough assessment with clear mitigations."
    workflow.decide(
        assessment,
        super_user,
        kind,
        revision_number=assessment.revision,
        comment=comment,
        evaluations=evaluations,
        objectives={link.objective_id: True for link in assessment.objective_links},
        publish=bool(spec.get("published")),
    )
    if spec.get("review_overdue"):
        # As if it was signed off long ago: the review date it set has now passed.
        assessment.review_date = uk_today() - timedelta(days=45)


def _copy_answers(assessment) -> None:
    """What lists sort on, copied onto the EqIA as saving a page does."""
    from eqia import sections
    from eqia.sections import saving, snapshot

    cover = snapshot.cover(assessment, sections.Context.load(assessment))
    for column, value in saving.copied_columns(cover).items():
        setattr(assessment, column, value)


def _variant(spec: dict, **changes) -> dict:
    return {**spec, **changes}


def seed_assessments() -> None:
    """EqIAs at every stage for the demo leads: drafts, one awaiting each super user,
    one returned with comments, two signed off (one overdue for review; the other on the
    public register), and the thin ones the due-regard checks warn about."""
    from eqia import demo_thin

    build_assessment(LIBRARIES, "complete")
    build_assessment(
        _variant(
            LIBRARIES,
            title="Home to school transport: new eligibility assessment",
            directorate="Children, Education & Families",
        ),
        "submitted",
    )
    build_assessment(
        _variant(
            LIBRARIES,
            title="Closing the Ely recycling centre on Wednesdays",
            owner="lead2@example.org",
        ),
        "submitted",
        reviewer="superuser2@example.org",
    )
    build_assessment(_variant(LIBRARIES, title="Adult learning: moving courses online"), "returned")
    build_assessment(
        _variant(LIBRARIES, title="Mobile library routes 2026", published=True), "approved"
    )
    build_assessment(
        _variant(
            LIBRARIES,
            title="Community warm spaces grant scheme",
            owner="lead2@example.org",
            directorate="Adults, Health & Commissioning",
            review_overdue=True,
            objectives={
                7: "Warm spaces in village halls where the library has closed days.",
                8: "Warm spaces bring neighbours of every background together.",
            },
        ),
        "approved",
    )
    build_assessment(
        _variant(
            LIBRARIES,
            title="Hybrid working policy",
            owner="lead2@example.org",
            directorate="Strategy & Partnerships",
        ),
        "half",
    )
    build_assessment(
        _variant(
            LIBRARIES, title="Refresh of the customer services strategy", owner="lead2@example.org"
        ),
        "empty",
    )
    demo_thin.seed_thin()
    db.session.commit()

"""Demo data for trying the service and for its tests. Never loaded in production."""

from sqlalchemy import select

from eqia.extensions import db
from eqia.models import Directorate, Role, User

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
        user.set_password(password)
        db.session.add(user)
        users.append(user)
    db.session.commit()
    seed_assessments()
    return users


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
            "Older residents use weekday mornings most.",
            "Home library service and a weekday click and collect locker.",
            "low",
            "",
        ),
        "disability": (
            "negative",
            "Accessible transport runs on weekdays only.",
            "Extend the community transport booking to Saturdays.",
            "medium",
            "",
        ),
        "carers": ("positive", "Saturday opening suits working carers.", "", "", ""),
        "rural-isolation": (
            "negative",
            "Libraries are the only public indoor space in two villages.",
            "Parish councils host warm-space sessions on closed days.",
            "low",
            "",
        ),
        "race": (
            "not_known",
            "No data on users' ethnicity.",
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
    ],
    "objectives": {
        7: "Keeps library access for isolated villages.",
        9: "A full EqIA informed the decision.",
    },
}


def _demo_assessment(spec: dict, stage: str, reviewer: str = "superuser@example.org") -> None:
    """Create one demo EqIA (once) at a stage: empty, half, complete, submitted (to the
    reviewer), returned or approved (by the reviewer)."""
    from datetime import date, timedelta

    from eqia import sections, workflow
    from eqia.models import (
        Assessment,
        DecisionKind,
        Rating,
        AssessmentAction,
        Characteristic,
        District,
        Impact,
        ObjectiveLink,
        SectionAnswers,
    )

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
    sections.ABOUT.after_save(assessment, answers["about"])
    if stage == "half":
        return
    sections.OUTCOME.after_save(assessment, answers["outcome"])
    for code, characteristic in characteristics.items():
        if not characteristic.active:
            continue
        kind, evidence, mitigation, residual, find_out = spec["impacts"].get(
            code, ("neutral", "No different effect expected from the evidence.", "", "", "")
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
    sections.ACTIONS.mark_finished(assessment, owner)
    objectives = {o.number: o.id for o in sections.Context.load().objectives}
    for number, how in spec["objectives"].items():
        assessment.objective_links.append(ObjectiveLink(objective_id=objectives[number], how=how))
    assessment.sections["objectives"] = SectionAnswers(
        slug="objectives", data={"none": False}, updated_by_id=owner.id
    )
    db.session.flush()
    if stage == "complete":
        return
    super_user = User.by_email(reviewer)
    workflow.submit(
        assessment, owner, super_user if stage == "submitted" else None, "Ready for sign-off."
    )
    if stage == "submitted":
        return
    sections_of = [s["slug"] for s in workflow.latest_revision(assessment).snapshot["sections"]]
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
    )
    if spec.get("review_overdue"):
        # As if it was signed off long ago: the review date it set has now passed.
        assessment.review_date = date.today() - timedelta(days=45)


def _variant(spec: dict, **changes) -> dict:
    return {**spec, **changes}


def seed_assessments() -> None:
    """EqIAs at every stage for the demo leads: drafts, one awaiting each super user,
    one returned with comments, and two signed off (one overdue for review)."""
    _demo_assessment(LIBRARIES, "complete")
    _demo_assessment(
        _variant(
            LIBRARIES,
            title="Home to school transport: new eligibility assessment",
            directorate="Children, Education & Families",
        ),
        "submitted",
    )
    _demo_assessment(
        _variant(
            LIBRARIES,
            title="Closing the Ely recycling centre on Wednesdays",
            owner="lead2@example.org",
        ),
        "submitted",
        reviewer="superuser2@example.org",
    )
    _demo_assessment(
        _variant(LIBRARIES, title="Adult learning: moving courses online"), "returned"
    )
    _demo_assessment(_variant(LIBRARIES, title="Mobile library routes 2026"), "approved")
    _demo_assessment(
        _variant(
            LIBRARIES,
            title="Community warm spaces grant scheme",
            owner="lead2@example.org",
            directorate="Adults, Health & Commissioning",
            review_overdue=True,
        ),
        "approved",
    )
    _demo_assessment(
        _variant(
            LIBRARIES,
            title="Hybrid working policy",
            owner="lead2@example.org",
            directorate="Strategy & Partnerships",
        ),
        "half",
    )
    _demo_assessment(
        _variant(
            LIBRARIES, title="Refresh of the customer services strategy", owner="lead2@example.org"
        ),
        "empty",
    )
    db.session.commit()

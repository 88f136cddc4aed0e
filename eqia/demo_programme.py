"""Demo data: a programme of three budget proposals whose negative impacts overlap, so the
programme page and the review page's panel have a cumulative impact to show.

Two are signed off and one awaits sign-off. All three find a negative impact on age,
disability and socio-economic disadvantage; two on carers; the bus routes on rural
isolation as well. Invented, written as the demo leads would answer them.
"""

from sqlalchemy import select

from eqia.extensions import db
from eqia.models import Programme

NAME = "Budget 2027/28"
DESCRIPTION = (
    "The savings and income proposals in the council's budget for 2027/28, decided "
    "together by Strategy, Resources and Performance Committee and Full Council in "
    "February 2027."
)


def _about(title: str, what: str, service: str) -> dict:
    return {
        "title": title,
        "proposal_type": "budget",
        "proposal_type_other": "",
        "what_is_changing": what,
        "service": service,
        "decision_maker": "Full Council, on the recommendation of Strategy, Resources and "
        "Performance Committee",
        "decision_date": "2027-02-11",
        "key_decision": "yes",
        "change_kind": "changed",
    }


def _answers(about: dict, who: dict, evidence: dict, aims: dict, outcome: dict) -> dict:
    return {
        "screening": {"could_affect": "yes", "no_effect_reason": ""},
        "about": about,
        "who": who,
        "evidence": evidence,
        "aims": aims,
        "outcome": {
            "justification": "",
            "stop_reason": "",
            "monitoring": "Quarterly budget monitoring report to committee, with the "
            "equality data the service collects.",
            "review_date": "2028-01-31",
            **outcome,
        },
    }


BUSES = {
    "title": "Reduce the subsidy for rural bus routes",
    "owner": "lead@example.org",
    "directorate": "Place & Sustainability",
    "answers": _answers(
        _about(
            "Reduce the subsidy for rural bus routes",
            "Withdraw the subsidy from eleven rural bus routes carrying fewer than four "
            "passengers a journey, and replace five of them with demand-responsive transport, "
            "saving £610k a year.",
            "Passenger Transport",
        ),
        {
            "groups": ["residents", "service-users"],
            "area": "districts",
            "districts": ["East Cambridgeshire", "Fenland", "Huntingdonshire"],
            "how_many": "About 2,300 regular passengers, 41% of them with a concessionary pass",
        },
        {
            "data_used": "Ticket machine data by route and stop (2025–2026), concessionary "
            "pass journeys, on-board survey (612 responses), Census 2021 car ownership."
            " We read it beside the programme's other proposals for their cumulative impact "
            "on the same people.",
            "gaps": "We do not know how many passengers travel to medical appointments: the "
            "on-board survey is being repeated in March.",
            "engagement_done": "Eight-week consultation; sessions in nine villages; parish "
            "councils and the Cambridgeshire Older People's Forum.",
            "engagement_planned": "Route-by-route talks with parish councils before any route "
            "changes.",
            "what_people_said": "Older and disabled passengers rely on the buses for GP and "
            "hospital appointments; several villages have no other public transport.",
        },
        {
            "eliminate": "No one is treated less favourably; the effect falls "
            "disproportionately on older and disabled passengers, which the mitigations "
            "address.",
            "advance": "Demand-responsive transport reaches door to door, which suits some "
            "disabled passengers better than a fixed route.",
            "foster": "Community transport schemes run by volunteers are supported to grow.",
        },
        {
            "outcome": "adjust",
            "summary": "Adjust the proposal: keep the two routes serving Doddington Hospital "
            "and replace five others with demand-responsive transport.",
        },
    ),
    "impacts": {
        "age": (
            "negative",
            "68% of passengers on the affected routes are over 65 and use concessionary passes.",
            "Demand-responsive transport accepts concessionary passes; travel training for "
            "older residents.",
            "medium",
            "",
        ),
        "disability": (
            "negative",
            "Disabled passengers make 1 in 5 journeys on these routes; few have another way "
            "to travel.",
            "Wheelchair-accessible vehicles for every demand-responsive service; booking by "
            "phone as well as online.",
            "medium",
            "",
        ),
        "socio-economic": (
            "negative",
            "Households without a car in these villages are mostly on low incomes.",
            "Fares on demand-responsive transport capped at the bus fare.",
            "low",
            "",
        ),
        "rural-isolation": (
            "negative",
            "Six villages would be left without a scheduled bus.",
            "Grants to parish councils for community car schemes.",
            "medium",
            "",
        ),
    },
    "actions": [
        (
            "Launch demand-responsive transport on the five replaced routes.",
            "Passenger Transport",
            "2027-04-01",
            "2027-09-30",
            ["age", "disability", "rural-isolation"],
            "Service running on all five routes; 80% of bookings met within the hour asked.",
        ),
    ],
    "objectives": {7: "Keeps transport within reach of villages losing a scheduled bus."},
}

CHARGES = {
    "title": "Review of charges for care at home",
    "owner": "lead2@example.org",
    "directorate": "Adults, Health & Commissioning",
    "answers": _answers(
        _about(
            "Review of charges for care at home",
            "Raise the charge for care at home from £18.50 to £21.00 an hour and count the "
            "higher rate of Attendance Allowance in financial assessments, raising £1.2m a "
            "year towards the cost of adult social care.",
            "Adult Social Care",
        ),
        {
            "groups": ["residents", "service-users"],
            "area": "county",
            "districts": [],
            "how_many": "About 4,700 people who pay towards their care at home",
        },
        {
            "data_used": "Financial assessments 2025–2026, client records by age and primary "
            "support reason, benchmarking with eleven county councils."
            " We read it beside the programme's other proposals for their cumulative impact "
            "on the same people.",
            "gaps": "Carers' own incomes are not recorded: we will ask in the next carers' survey.",
            "engagement_done": "Twelve-week consultation with an Easy Read version; "
            "meetings with Caring Together and Healthwatch Cambridgeshire.",
            "engagement_planned": "Letters to everyone affected three months before any "
            "change, with a named contact.",
            "what_people_said": "People worried about choosing between care and heating; "
            "carers said they would fill the gap themselves.",
        },
        {
            "eliminate": "Charges follow the national rules on financial assessment; no "
            "one pays more than they can afford.",
            "advance": "Every person affected is offered a benefits check.",
            "foster": "Not directly affected.",
        },
        {
            "outcome": "continue",
            "justification": "The charges stay within what the Care Act 2014 allows and "
            "each person's financial assessment protects a minimum income; the saving "
            "protects frontline care. Proportionate and objectively justified.",
            "summary": "Continue, with a benefits check for everyone affected and a hardship fund.",
        },
    ),
    "impacts": {
        "age": (
            "negative",
            "82% of those who pay are over 65.",
            "A benefits check for everyone affected; phased over two years.",
            "medium",
            "",
        ),
        "disability": (
            "negative",
            "Counting the higher rate of Attendance Allowance falls on people with the "
            "greatest needs.",
            "Disability-related expenses are deducted in full in every financial assessment.",
            "medium",
            "",
        ),
        "carers": (
            "negative",
            "Carers may take on more care when people cut their hours of paid care.",
            "Carers' assessments offered to every household that reduces its care.",
            "medium",
            "",
        ),
        "socio-economic": (
            "negative",
            "People just above the means-test threshold pay the most as a share of income.",
            "A hardship fund of £150k a year, decided within ten working days.",
            "low",
            "",
        ),
    },
    "actions": [
        (
            "Offer a benefits check to everyone whose charge rises.",
            "Financial Assessment Team with Citizens Advice",
            "2027-03-01",
            "2027-09-30",
            ["age", "disability", "socio-economic"],
            "Every person affected offered a check before their first higher bill.",
        ),
    ],
    "objectives": {9: "A full EqIA informed the budget decision."},
}

MEALS = {
    "title": "Close the Fenland community meals service",
    "owner": "lead@example.org",
    "directorate": "Adults, Health & Commissioning",
    "answers": _answers(
        _about(
            "Close the Fenland community meals service",
            "Stop the council's hot meals delivery in Fenland and help the 230 people who "
            "use it to move to frozen meals or local lunch clubs, saving £190k a year.",
            "Adult Social Care",
        ),
        {
            "groups": ["residents", "service-users", "staff"],
            "area": "districts",
            "districts": ["Fenland"],
            "how_many": "230 people who receive meals; 9 staff",
        },
        {
            "data_used": "Meals service records, reviews of care and support plans, lunch "
            "club capacity survey."
            " We read it beside the programme's other proposals for their cumulative impact "
            "on the same people.",
            "gaps": "No data on how many users have no one else calling on them each day.",
            "engagement_done": "Visits to every person who receives meals; meetings with "
            "Age UK Cambridgeshire and Peterborough.",
            "engagement_planned": "A check-in call four weeks after each person's last delivery.",
            "what_people_said": "For many, the driver is the only person they see each day.",
        },
        {
            "eliminate": "No one is treated less favourably; the change falls mainly on "
            "older and disabled people, which the mitigations address.",
            "advance": "Lunch clubs offer company as well as a meal.",
            "foster": "Lunch clubs bring neighbours together.",
        },
        {
            "outcome": "adjust",
            "summary": "Adjust: keep a welfare call for everyone who has no other daily visitor.",
        },
    ),
    "impacts": {
        "age": (
            "negative",
            "Almost everyone who receives meals is over 75.",
            "A daily welfare call for people with no other visitor.",
            "medium",
            "",
        ),
        "disability": (
            "negative",
            "Some users cannot use a microwave or an oven safely.",
            "Care and support plans reviewed before any change; help to heat meals added "
            "where needed.",
            "low",
            "",
        ),
        "carers": (
            "negative",
            "Family carers may have to provide a daily meal.",
            "Carers told in advance and offered a carer's assessment.",
            "low",
            "",
        ),
        "socio-economic": (
            "negative",
            "Frozen meals cost users £1.20 more a week.",
            "The difference covered for people on Pension Credit.",
            "low",
            "",
        ),
    },
    "actions": [
        (
            "Review the care and support plan of every person who receives meals.",
            "Adult Social Care, Fenland locality team",
            "2027-03-01",
            "2027-05-31",
            ["age", "disability"],
            "Every plan reviewed before the last delivery.",
        ),
    ],
    "objectives": {9: "A full EqIA informed the budget decision."},
}

# The lead's reason for going past the due-regard warning about short evidence.
REASONS = {
    "thin-evidence": "Each figure is from the evidence listed in section 3, where the full "
    "tables are attached."
}

# Each proposal, and the stage the demo takes it to (the bus routes published as well).
PROPOSALS = [
    ({**BUSES, "published": True}, "approved"),
    (CHARGES, "approved"),
    (MEALS, "submitted"),
]


def seed_programme() -> Programme:
    """The demo programme and its three budget proposals (once; safe to run again)."""
    from eqia.demo import build_assessment

    programme = db.session.scalar(select(Programme).where(Programme.name == NAME))
    if programme is None:
        programme = Programme(name=NAME, description=DESCRIPTION)
        db.session.add(programme)
        db.session.flush()
    for spec, stage in PROPOSALS:
        answers = {slug: dict(data) for slug, data in spec["answers"].items()}
        answers["about"]["programme_id"] = programme.id
        build_assessment({**spec, "answers": answers, "reasons": REASONS}, stage)
    db.session.commit()
    return programme

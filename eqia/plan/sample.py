"""The sample action plan: the rows of the downloadable template.

The same sample actions that migration 0004 puts in a new database (sample
data, to be replaced by importing the council's own plan), in the import
layout, so the template shows every column filled in. A test checks that the
two agree (``tests/unit/test_sample_plan.py``).
"""

from datetime import date

from eqia.models import PlanStatus

THEMES = {1: "Our workforce", 2: "Our communities", 3: "Our services"}

# objective number: (theme position, title), as migration 0002 seeded them
OBJECTIVES = {
    1: (1, "Make recruitment fair and accessible at every stage."),
    2: (1, "Close the gender and ethnicity pay gaps."),
    3: (1, "Support colleagues with disabilities, long-term conditions and neurodivergence."),
    4: (1, "Become an anti-racist organisation."),
    5: (2, "Improve the equality data we hold about the communities we serve."),
    6: (2, "Engage seldom-heard groups in decisions that affect them."),
    7: (2, "Reduce the impact of rural isolation on access to services."),
    8: (2, "Strengthen good relations and tackle hate crime."),
    9: (3, "Make every significant decision with due regard, through good-quality EqIAs."),
    10: (3, "Monitor the diversity of people using commissioned services."),
    11: (3, "Make our communications accessible to everyone."),
    12: (3, "Recognise care experience in how we design services."),
}

# objective number, reference, action, responsible, start, end, success measure, status,
# completed on, progress note
ACTIONS = [
    (
        1,
        "A1.1",
        "Review every job advert template for inclusive language and essential criteria.",
        "HR Services – Recruitment team",
        "2024-02-01",
        "2024-09-30",
        "100% of adverts use the reviewed templates; applications from disabled candidates "
        "rise by 10%.",
        "complete",
        "2024-09-27",
        "All templates reviewed and in use.",
    ),
    (
        2,
        "A2.1",
        "Publish an ethnicity pay gap report alongside the gender pay gap report.",
        "HR Services – Workforce insight",
        "2024-04-01",
        "2025-03-31",
        "Report published each year; gap narrowed year on year.",
        "complete",
        "2025-03-28",
        "",
    ),
    (
        3,
        "A3.1",
        "Roll out the Wellbeing passport to all directorates.",
        "Occupational Health",
        "2024-01-15",
        "2024-12-31",
        "80% of managers trained; passport uptake recorded in annual survey.",
        "on-track",
        None,
        "",
    ),
    (
        4,
        "A4.1",
        "Deliver anti-racism training to all people managers.",
        "Anti-racism steering group with Learning & Development",
        "2024-03-01",
        "2025-06-30",
        "90% of managers complete training; staff survey belonging score for Global Majority "
        "colleagues rises.",
        "at-risk",
        None,
        "",
    ),
    (
        5,
        "A5.1",
        "Publish district-level equality profiles from the 2021 Census and JSNA.",
        "Business Intelligence",
        "2024-02-01",
        "2024-07-31",
        "Profiles published and used in at least 20 EqIAs.",
        "complete",
        "2024-07-19",
        "",
    ),
    (
        6,
        "A6.1",
        "Set up a community reference panel including Gypsy, Roma and Traveller representatives.",
        "Communities Service",
        "2024-05-01",
        "2025-03-31",
        "Panel meets quarterly; consulted on all key decisions.",
        "on-track",
        None,
        "",
    ),
    (
        7,
        "A7.1",
        "Map service access times by public transport for Fenland and East Cambridgeshire.",
        "Place & Sustainability",
        "2024-06-01",
        "2025-01-31",
        "Map published; findings cited in transport EqIAs.",
        "not-started",
        None,
        "",
    ),
    (
        8,
        "A8.1",
        "Co-produce hate-crime reporting guidance with partners.",
        "Community Safety Partnership",
        "2024-04-01",
        "2024-12-31",
        "Guidance published; reporting routes promoted in all libraries.",
        "complete",
        "2024-12-13",
        "",
    ),
    (
        9,
        "A9.1",
        "Train a network of EqIA Super Users in every directorate.",
        "EDI team",
        "2024-01-08",
        "2024-06-30",
        "At least two trained Super Users per directorate; 100% of key decisions have an "
        "approved EqIA.",
        "complete",
        "2024-06-28",
        "",
    ),
    (
        10,
        "A10.1",
        "Add equality monitoring clauses to new contracts above £100k.",
        "Procurement and Commercial",
        "2024-04-01",
        "2025-03-31",
        "100% of new contracts include the clause.",
        "on-track",
        None,
        "",
    ),
    (
        11,
        "A11.1",
        "Meet WCAG 2.2 AA on the council website and offer Easy Read versions of key documents.",
        "Communications",
        "2024-02-01",
        "2025-03-31",
        "Accessibility audit passes; Easy Read versions for all consultations.",
        "at-risk",
        None,
        "",
    ),
    (
        12,
        "A12.1",
        "Include care-experienced young people in the design of the Leaving Care offer.",
        "Children, Education & Families",
        "2024-03-01",
        "2024-11-30",
        "Offer co-produced; satisfaction measured in the care leavers' survey.",
        "not-started",
        None,
        "",
    ),
]


def template_rows() -> list[list]:
    rows = []
    for number, reference, action, responsible, start, end, measure, status, done, note in ACTIONS:
        theme, title = OBJECTIVES[number]
        rows.append(
            [
                THEMES[theme],
                number,
                title,
                reference,
                action,
                responsible,
                date.fromisoformat(start),
                date.fromisoformat(end),
                measure,
                PlanStatus(status).label,
                note,
                date.fromisoformat(done) if done else None,
            ]
        )
    return rows

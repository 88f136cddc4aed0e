"""Many EqIAs at once, for benchmarks: ``flask --app eqia generate-eqias --count 100000``.

Rows go in with Core bulk inserts, a few thousand at a time, with a realistic
spread: statuses, directorates, proposal types and outcomes, submission and
sign-off dates over six years, the outcome's answers, an impact on every
characteristic (some negative), confirmed links to objectives. Revisions copy the snapshot of the
latest real approved revision if there is one (``seed-demo`` makes one), so
their PDFs draw like a real EqIA's; otherwise a short screening-route snapshot. Each
signed-off revision's facts for the public register go in with it, and one in
``PUBLISHED_EVERY`` is published there.
``eqia.records.population`` adds the people and audit trail to go with them. Refused under
the production configuration.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, func, insert, select, text, update

from eqia.extensions import db
from eqia.models import (
    Assessment,
    Characteristic,
    Decision,
    DecisionKind,
    Directorate,
    Impact,
    Objective,
    ObjectiveLink,
    ReferenceCounter,
    Revision,
    Role,
    SectionAnswers,
    SignedOffNegative,
    SignedOffRevision,
    Status,
    User,
    UserRole,
)
from eqia.publishing import negative_characteristics
from eqia.questions import OUTCOMES, PROPOSAL_TYPES
from eqia.snapshot import SCHEMA_VERSION, content_hash, read
from eqia.timefmt import utcnow

STATUS_WEIGHTS = {
    Status.APPROVED: 45,
    Status.DRAFT: 32,
    Status.SUBMITTED: 8,
    Status.RETURNED: 7,
    Status.WITHDRAWN: 8,
}
# One signed-off EqIA in this many (by id) is published on the public register.
PUBLISHED_EVERY = 10
DIRECTORATES = [
    "Adults, Health & Commissioning",
    "Children, Education & Families",
    "Place & Sustainability",
    "Strategy & Partnerships",
    "Finance & Resources",
    "Public Health",
]
SUBJECTS = [
    "library opening hours",
    "home to school transport",
    "recycling centre hours",
    "adult learning courses",
    "mobile library routes",
    "warm spaces grants",
    "hybrid working policy",
    "customer services strategy",
    "highways maintenance priorities",
    "children's centre services",
    "day opportunities for adults",
    "school admissions arrangements",
    "parking charges",
    "care home commissioning",
    "youth services",
    "bus subsidies",
    "flexible retirement policy",
    "digital inclusion programme",
]
PLACES = [
    "Cambridge",
    "East Cambridgeshire",
    "Fenland",
    "Huntingdonshire",
    "South Cambridgeshire",
    "the county",
]
CHANGES = ["Changes to", "Review of", "Reduction in", "New approach to", "Consultation on"]
SUMMARIES = [
    "Keep weekday opening where it matters most and add weekend hours.",
    "Adjust the proposal to protect older and disabled residents.",
    "Go ahead: the evidence shows no adverse impact on any group.",
    "Continue despite a small adverse impact, which is proportionate and justified.",
    "Stop the proposal: it would disadvantage rural residents without transport.",
    "Phase the change over two years and monitor take-up by age and disability.",
]
# A short screening-route snapshot, for a database with no real signed-off revision.
FALLBACK = {
    "schema_version": SCHEMA_VERSION,
    "route": "screening",
    "lead": None,
    "co_authors": [],
    "submitted_by": None,
    "directorate": None,
    "proposal_type": None,
    "decision_maker": "",
    "decision_date": None,
    "outcome": None,
    "summary": "",
    "review_date": None,
    "sections": [
        {
            "slug": "screening",
            "number": 0,
            "title": "Screening",
            "answers": [
                {
                    "key": "could_affect",
                    "question": "Could the proposal affect people differently because of a "
                    "protected or local characteristic?",
                    "type": "choice",
                    "value": {"code": "no", "label": "No"},
                }
            ],
        }
    ],
}


def _template_snapshot() -> dict:
    """The latest real approved revision's snapshot, or a short screening-route one."""
    snapshot = db.session.scalar(
        select(Revision.snapshot)
        .join(Assessment, Assessment.approved_revision_id == Revision.id)
        .order_by(Revision.id.desc())
        .limit(1)
    )
    return snapshot or FALLBACK


def _people(
    rng: random.Random, leads: int, super_users: int
) -> tuple[list[int], list[tuple[int, str]]]:
    """Generated leads and super users (they cannot sign in: no password)."""
    start = (db.session.scalar(select(func.max(User.id))) or 0) + 1
    tag = rng.getrandbits(32)
    rows = []
    for n in range(leads + super_users):
        kind = "lead" if n < leads else "super"
        rows.append(
            {
                "id": start + n,
                "email": f"generated-{kind}-{tag:08x}-{start + n}@example.invalid",
                "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "job_title": "EqIA Super User" if kind == "super" else "Project Officer",
                "active": True,
                "password_hash": "",
                "created_at": utcnow(),
            }
        )
    db.session.execute(insert(User.__table__), rows)
    supers = [(row["id"], row["name"]) for row in rows[leads:]]
    db.session.execute(
        insert(UserRole.__table__),
        [{"user_id": uid, "role": Role.SUPER_USER.value} for uid, _name in supers],
    )
    return [row["id"] for row in rows[:leads]], supers


FIRST = ["Alex", "Sam", "Priya", "Tom", "Gwen", "Marek", "Aisha", "Jo", "Chen", "Olu", "Zofia"]
LAST = ["Shah", "Okafor", "Ellis", "Nowak", "Rahman", "Hughes", "Smith", "Kowalska", "Ng", "Byrne"]


def _directorates() -> list[int]:
    existing = {d.name: d.id for d in db.session.scalars(select(Directorate))}
    missing = [name for name in DIRECTORATES if name not in existing]
    if missing:
        db.session.execute(
            insert(Directorate.__table__), [{"name": n, "active": True} for n in missing]
        )
    return list(db.session.scalars(select(Directorate.id).where(Directorate.active)))


def _next_ids(*tables) -> list[int]:
    return [(db.session.scalar(select(func.max(t.id))) or 0) + 1 for t in tables]


def _set_sequences() -> None:
    """PostgreSQL: move each id sequence past the ids given explicitly here."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    tables = ("users", "directorates", "assessments", "revisions", "decisions", "impacts", "events")
    for table in tables:
        # Table names are this module's own constants.
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        )


@dataclass
class _Generator:
    """What every batch draws from."""

    rng: random.Random
    now: datetime
    counters: dict[int, int]
    directorates: list[int]
    leads: list[int]
    supers: list[tuple[int, str]]
    characteristics: list[int]
    objectives: list[int]
    template: dict
    directorate_names: dict[int, str]
    negatives: list[str]  # the template's negative impacts, by characteristic code


def generate(
    count: int,
    *,
    seed: int = 2026,
    batch: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert ``count`` EqIAs; returns how many. Commits every ``batch``."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    template = _template_snapshot()
    directorates = _directorates()
    leads, supers = _people(rng, max(20, count // 200), max(4, min(40, count // 2500)))
    now = utcnow()
    counters = {
        year: db.session.scalar(select(ReferenceCounter.last).where(ReferenceCounter.year == year))
        or 0
        for year in range(now.year - 5, now.year + 1)
    }
    generator = _Generator(
        rng=rng,
        now=now,
        counters=counters,
        directorates=directorates,
        leads=leads,
        supers=supers,
        characteristics=list(
            db.session.scalars(select(Characteristic.id).where(Characteristic.active))
        ),
        objectives=list(db.session.scalars(select(Objective.id).where(Objective.active))),
        template=template,
        directorate_names=dict(db.session.execute(select(Directorate.id, Directorate.name)).all()),
        negatives=sorted(negative_characteristics(read(template))),
    )
    done = 0
    while done < count:
        size = min(batch, count - done)
        _batch(generator, size)
        for year, last in counters.items():
            _save_counter(year, last)
        db.session.commit()
        done += size
        if progress:
            progress(size)
    _set_sequences()
    db.session.commit()
    return done


def _save_counter(year: int, last: int) -> None:
    if db.session.get(ReferenceCounter, year) is None:
        db.session.add(ReferenceCounter(year=year, last=last))
    else:
        db.session.execute(
            update(ReferenceCounter).where(ReferenceCounter.year == year).values(last=last)
        )


def _batch(g: _Generator, size: int) -> None:
    rng = g.rng
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    assessment_id, revision_id, decision_id = _next_ids(Assessment, Revision, Decision)
    assessments, revisions, decisions, impacts, links, approvals = [], [], [], [], [], []
    answers, facts, negatives = [], [], []
    for _ in range(size):
        status = rng.choices(statuses, weights)[0]
        year = rng.choice(list(g.counters))
        g.counters[year] += 1
        reference = f"EQIA-{year}-{g.counters[year]:04d}"
        created = datetime(year, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(364 * 86400))
        created = min(created, g.now - timedelta(days=40))
        title = f"{rng.choice(CHANGES)} {rng.choice(SUBJECTS)} in {rng.choice(PLACES)}"
        answered = status is not Status.DRAFT or rng.random() < 0.6
        outcome = rng.choice(OUTCOMES).value if answered else None
        row = {
            "id": assessment_id,
            "reference": reference,
            "title": title,
            "owner_id": rng.choice(g.leads),
            "status": status.value,
            "revision": 1,
            "created_at": created,
            "updated_at": created,
            "directorate_id": rng.choice(g.directorates) if answered else None,
            "proposal_type": rng.choice(PROPOSAL_TYPES).value if answered else None,
            "outcome": outcome,
            "summary": rng.choice(SUMMARIES) if answered else "",
            "review_date": (created + timedelta(days=rng.randrange(300, 800))).date()
            if answered
            else None,
            "lock_version": 1,
            "submitted_at": None,
            "approved_at": None,
            "approved_by_id": None,
            "published_at": None,
        }
        if status in (Status.SUBMITTED, Status.RETURNED, Status.APPROVED):
            submitted = created + timedelta(hours=rng.randrange(24, 24 * 20))
            snapshot = dict(g.template, reference=reference, title=title, revision=1)
            digest = content_hash(snapshot)
            revisions.append(
                {
                    "id": revision_id,
                    "assessment_id": assessment_id,
                    "number": 1,
                    "snapshot": snapshot,
                    "content_hash": digest,
                    "created_at": submitted,
                    "created_by_id": row["owner_id"],
                }
            )
            row["submitted_at"] = row["updated_at"] = submitted
            if status is not Status.SUBMITTED:
                decided = submitted + timedelta(hours=rng.randrange(2, 24 * 15))
                reviewer, reviewer_name = rng.choice(g.supers)
                kind = DecisionKind.APPROVED if status is Status.APPROVED else DecisionKind.RETURNED
                decisions.append(
                    {
                        "id": decision_id,
                        "assessment_id": assessment_id,
                        "revision_id": revision_id,
                        "kind": kind.value,
                        "comment": "Generated for a benchmark.",
                        "reviewer_id": reviewer,
                        "reviewer_name": reviewer_name,
                        "reviewer_job_title": "EqIA Super User",
                        "content_hash": digest,
                        "decided_at": decided,
                    }
                )
                decision_id += 1
                row["updated_at"] = decided
                if kind is DecisionKind.APPROVED:
                    row["approved_at"], row["approved_by_id"] = decided, reviewer
                    approvals.append({"aid": assessment_id, "rid": revision_id})
                    facts.append(
                        {
                            "revision_id": revision_id,
                            "assessment_id": assessment_id,
                            "reference": reference,
                            "title": title,
                            "summary": row["summary"],
                            "directorate_id": row["directorate_id"],
                            "directorate": g.directorate_names.get(row["directorate_id"], ""),
                            "signed_off_at": decided,
                        }
                    )
                    negatives += [
                        {"revision_id": revision_id, "characteristic": code} for code in g.negatives
                    ]
                    if assessment_id % PUBLISHED_EVERY == 0:
                        row["published_at"] = decided
                else:
                    row["revision"] = 2
            revision_id += 1
        if answered:
            answers.append(
                {
                    "assessment_id": assessment_id,
                    "slug": "outcome",
                    "data": {
                        "outcome": row["outcome"],
                        "summary": row["summary"],
                        "monitoring": "Quarterly figures.",
                        "review_date": row["review_date"].isoformat(),
                    },
                    "version": 1,
                    "updated_at": created,
                }
            )
            for characteristic_id in g.characteristics:
                roll = rng.random()
                impacts.append(
                    {
                        "assessment_id": assessment_id,
                        "characteristic_id": characteristic_id,
                        "positive": 0.12 <= roll < 0.37,
                        "negative": roll < 0.12,
                        "neutral": roll >= 0.45,
                        "not_known": 0.37 <= roll < 0.45,
                        "evidence": "Generated evidence.",
                        "mitigation": "Generated mitigation." if roll < 0.12 else "",
                        "residual": "low" if roll < 0.12 else "",
                        "how_find_out": "",
                        "version": 1,
                        "updated_at": created,
                    }
                )
            for objective_id in rng.sample(g.objectives, min(len(g.objectives), rng.randrange(4))):
                links.append(
                    {
                        "assessment_id": assessment_id,
                        "objective_id": objective_id,
                        "how": "Generated link.",
                        "confirmed": True if status is Status.APPROVED else None,
                    }
                )
        assessments.append(row)
        assessment_id += 1
    db.session.execute(insert(Assessment.__table__), assessments)
    if revisions:
        db.session.execute(insert(Revision.__table__), revisions)
    if decisions:
        db.session.execute(insert(Decision.__table__), decisions)
    if approvals:
        db.session.execute(
            update(Assessment.__table__)
            .where(Assessment.__table__.c.id == bindparam("aid"))
            .values(approved_revision_id=bindparam("rid")),
            approvals,
        )
    if facts:
        db.session.execute(insert(SignedOffRevision.__table__), facts)
    if negatives:
        db.session.execute(insert(SignedOffNegative.__table__), negatives)
    if answers:
        db.session.execute(insert(SectionAnswers.__table__), answers)
    if impacts:
        db.session.execute(insert(Impact.__table__), impacts)
    if links:
        db.session.execute(insert(ObjectiveLink.__table__), links)

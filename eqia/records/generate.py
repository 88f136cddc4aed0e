"""Many EqIAs at once, for benchmarks: ``flask --app eqia generate-eqias --count 100000``.

Rows go in with Core bulk inserts, a few thousand at a time, with a realistic
spread: statuses, directorates, proposal types and outcomes, submission and
sign-off dates over six years, the outcome's answers, an impact on every
characteristic (some negative), confirmed links to objectives. Revisions copy the snapshot of the
latest real approved revision if there is one (``seed-demo`` makes one), so
their PDFs draw like a real EqIA's; otherwise a short screening-route snapshot.
``users`` tops the people up to a number (most of them staff, some super users, a few
admins and auditors, spread over the directorates), and ``audit_events`` tops the audit
trail up to a number of events: each generated EqIA's history (created, saved, submitted,
picked up, signed off or returned, withdrawn) and people being added, in time order,
chained as ``audit.record`` chains them. Refused under the production configuration.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, func, insert, select, text, update

from eqia.extensions import db
from eqia.models import (
    Assessment,
    AuditHead,
    Characteristic,
    Decision,
    DecisionKind,
    Directorate,
    Event,
    EventKind,
    Impact,
    Objective,
    ObjectiveLink,
    ReferenceCounter,
    Revision,
    Role,
    SectionAnswers,
    Status,
    User,
    UserRole,
)
from eqia.models.audit import GENESIS, HASHED, chain_hash
from eqia.questions import OUTCOMES, PROPOSAL_TYPES
from eqia.snapshot import SCHEMA_VERSION, content_hash
from eqia.timefmt import utcnow

STATUS_WEIGHTS = {
    Status.APPROVED: 45,
    Status.DRAFT: 32,
    Status.SUBMITTED: 8,
    Status.RETURNED: 7,
    Status.WITHDRAWN: 8,
}
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


def generate(
    count: int,
    *,
    seed: int = 2026,
    batch: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert ``count`` EqIAs; returns how many. Commits every ``batch``."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
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
        template=_template_snapshot(),
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
    answers = []
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
    if answers:
        db.session.execute(insert(SectionAnswers.__table__), answers)
    if impacts:
        db.session.execute(insert(Impact.__table__), impacts)
    if links:
        db.session.execute(insert(ObjectiveLink.__table__), links)


# Of the people generate.users adds: the share with each role (the rest are staff).
ROLE_SHARES = {Role.SUPER_USER: 0.04, Role.ADMIN: 0.005, Role.AUDITOR: 0.005}
JOB_TITLES = {
    None: ["Project Officer", "Service Manager", "Policy Adviser", "Team Leader", "Analyst"],
    Role.SUPER_USER: ["EqIA Super User"],
    Role.ADMIN: ["EqIA System Administrator"],
    Role.AUDITOR: ["Internal Auditor"],
}


def users(total: int, *, seed: int = 2026, batch: int = 5000) -> int:
    """Add people until there are ``total``; returns how many were added. They cannot sign
    in (no password)."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    existing = db.session.scalar(select(func.count(User.id))) or 0
    directorates = _directorates()
    start = (db.session.scalar(select(func.max(User.id))) or 0) + 1
    roles = [*ROLE_SHARES, None]
    weights = [*ROLE_SHARES.values(), 1 - sum(ROLE_SHARES.values())]
    made = 0
    while existing + made < total:
        size = min(batch, total - existing - made)
        rows, grants = [], []
        for uid in range(start + made, start + made + size):
            role = rng.choices(roles, weights)[0]
            rows.append(
                {
                    "id": uid,
                    "email": f"generated-person-{uid}@example.invalid",
                    "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    "job_title": rng.choice(JOB_TITLES[role]),
                    "directorate_id": rng.choice(directorates),
                    "active": rng.random() > 0.03,
                    "password_hash": "",
                    "created_at": utcnow() - timedelta(days=rng.randrange(6 * 365)),
                }
            )
            if role is not None:
                grants.append({"user_id": uid, "role": role.value})
        db.session.execute(insert(User.__table__), rows)
        if grants:
            db.session.execute(insert(UserRole.__table__), grants)
        made += size
    _set_sequences()
    db.session.commit()
    return made


def _history(rng: random.Random, row, saves: int) -> list[tuple]:
    """One generated EqIA's events, oldest first: (time, assessment, actor, kind, from, to,
    revision, note)."""
    aid, owner, status = row.id, row.owner_id, Status(row.status)
    end = row.submitted_at or row.updated_at
    if end <= row.created_at:
        end = row.created_at + timedelta(days=rng.randrange(1, 60))

    def at(low: datetime, high: datetime) -> datetime:
        return low + timedelta(seconds=rng.randrange(max(1, int((high - low).total_seconds()))))

    created = (row.created_at, aid, owner, EventKind.CREATED, None, Status.DRAFT, 1, row.title)
    events = [created]
    for when in sorted(at(row.created_at, end) for _ in range(saves)):
        events.append((when, aid, owner, EventKind.SAVED, None, None, 1, rng.choice(SECTIONS)))
    if status is Status.WITHDRAWN:
        events.append((end, aid, owner, EventKind.WITHDRAWN, Status.DRAFT, status, 1, ""))
    if row.submitted_at is not None:
        submitted = (EventKind.SUBMITTED, Status.DRAFT, Status.SUBMITTED, 1, "")
        events.append((row.submitted_at, aid, owner, *submitted))
    if row.decided_at is not None:
        picked = at(row.submitted_at, row.decided_at)
        events.append((picked, aid, row.reviewer_id, EventKind.ASSIGNED, None, None, 1, ""))
        kind = EventKind.APPROVED if status is Status.APPROVED else EventKind.RETURNED
        moved = (kind, Status.SUBMITTED, status, 1, "Generated for a benchmark.")
        events.append((row.decided_at, aid, row.reviewer_id, *moved))
    return events


SECTIONS = ["About the proposal", "Evidence", "Consultation", "Impacts", "Outcome", "Actions"]
FIXED_EVENTS = {
    Status.DRAFT: 1,
    Status.WITHDRAWN: 2,
    Status.SUBMITTED: 2,
    Status.RETURNED: 4,
    Status.APPROVED: 4,
}


def audit_events(total: int, *, seed: int = 2026, batch: int = 20000) -> int:
    """Append events until the audit trail has ``total``; returns how many were added.

    The EqIAs with no events yet get their histories, saves spread among them so the total
    comes out exact; then, oldest first, every event is chained to the one before (the same
    hash as ``audit.record``) and inserted a batch at a time, COPY on PostgreSQL."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    head = db.session.get(AuditHead, 1)
    if head is None:
        head = AuditHead(id=1, count=0, last_hash=GENESIS)
        db.session.add(head)
        db.session.flush()
    need = total - head.count
    if need <= 0:
        return 0
    has_events = select(Event.id).where(Event.assessment_id == Assessment.id).exists()
    pending = db.session.execute(
        select(
            Assessment.id,
            Assessment.owner_id,
            Assessment.status,
            Assessment.title,
            Assessment.created_at,
            Assessment.updated_at,
            Assessment.submitted_at,
            Decision.reviewer_id,
            Decision.decided_at,
        )
        .outerjoin(Decision, Decision.assessment_id == Assessment.id)
        .where(~has_events)
        .order_by(Assessment.id)
    ).all()
    # Admins adding people: one event for every generated person, as far as they go.
    admins = list(db.session.scalars(select(UserRole.user_id).where(UserRole.role == Role.ADMIN)))
    people = db.session.execute(
        select(User.id, User.name, User.created_at)
        .where(User.email.like("generated-person-%"))
        .order_by(User.id)
    ).all()
    fixed = sum(FIXED_EVENTS[Status(row.status)] for row in pending)
    added = people[: max(0, min(len(people), need - fixed))] if admins else []
    saves = [0] * len(pending)
    for index in rng.choices(range(len(pending)), k=need - fixed - len(added)) if pending else ():
        saves[index] += 1
    events = [e for row, n in zip(pending, saves, strict=True) for e in _history(rng, row, n)]
    user_added = (EventKind.USER_ADDED, None, None, None)
    for person in added:
        events.append((person.created_at, None, rng.choice(admins), *user_added, person.name))
    events.sort(key=lambda e: e[0])
    del events[need:]  # no EqIAs left to give histories: fewer than asked for
    seq, previous = head.count, head.last_hash
    event_id = db.session.scalar(select(func.max(Event.id))) or 0
    for start in range(0, len(events), batch):
        rows = []
        for when, *rest in events[start : start + batch]:
            seq, event_id = seq + 1, event_id + 1
            content = dict(zip(HASHED, (seq, *rest, when), strict=True))
            digest = chain_hash(previous, content)
            rows.append((event_id, previous, digest, content))
            previous = digest
        _insert_events(rows)
    db.session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(count=seq, last_hash=previous)
    )
    _set_sequences()
    db.session.commit()
    return len(events)


EVENT_COLUMNS = ("id", "prev_hash", "hash", *HASHED)


def _insert_events(rows: list[tuple]) -> None:
    """Insert events (id, prev_hash, hash, content): COPY on PostgreSQL, else executemany."""
    values = [
        (
            event_id,
            prev_hash,
            digest,
            *(
                value.value if isinstance(value, (EventKind, Status)) else value
                for value in content.values()
            ),
        )
        for event_id, prev_hash, digest, content in rows
    ]
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY events ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
    else:
        connection.execute(
            insert(Event.__table__), [dict(zip(EVENT_COLUMNS, row, strict=True)) for row in values]
        )

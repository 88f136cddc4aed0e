"""People and an audit trail for generated EqIAs, for benchmarks (``bench_load.py``).

``users`` tops the people up to a number (most of them staff, some super users, a few
admins and auditors, spread over the directorates), and ``audit_events`` tops the audit
trail up to a number of events: each generated EqIA's history (created, saved, submitted,
picked up, signed off or returned, withdrawn) and people being added, in time order,
chained as ``audit.record`` chains them.
"""

import random
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, update

from eqia.extensions import db
from eqia.models import (
    Assessment,
    AuditHead,
    Decision,
    Event,
    EventKind,
    Role,
    Status,
    User,
    UserRole,
)
from eqia.models.audit import GENESIS, HASHED, chain_hash
from eqia.records.generate import FIRST, LAST, _directorates, _set_sequences
from eqia.timefmt import utcnow

# Of the people users adds: the share with each role (the rest are staff).
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

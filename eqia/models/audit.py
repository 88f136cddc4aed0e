"""The audit trail: append-only events, each chained to the one before by SHA-256.

There is no update or delete path for events. ``record`` is the only way in; it
takes the chain head under a row lock (PostgreSQL) or the write lock (SQLite),
so two writers can never chain to the same predecessor.
"""

import hashlib
import json
from contextlib import closing
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Text, select, type_coerce, update
from sqlalchemy import event as orm_event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eqia.extensions import db
from eqia.models.types import EventKind, Status, enum_column
from eqia.models.users import User
from eqia.timefmt import utcnow

GENESIS = "0" * 64


class AuditHead(db.Model):
    """A single row: how many events there are and the hash of the newest."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS)


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_assessment_id_seq", "assessment_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, 40))
    from_status: Mapped[Status | None] = mapped_column(enum_column(Status))
    to_status: Mapped[Status | None] = mapped_column(enum_column(Status))
    revision: Mapped[int | None]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship(lazy="joined")

    def expected_hash(self) -> str:
        return chain_hash(self.prev_hash, self.content())

    def content(self) -> dict:
        return {column: getattr(self, column) for column in HASHED}


# What each event's hash covers, besides the hash of the event before it.
HASHED = (
    "seq",
    "assessment_id",
    "actor_id",
    "kind",
    "from_status",
    "to_status",
    "revision",
    "note",
    "created_at",
)


_canonical = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode


def chain_hash(prev_hash: str, content: dict) -> str:
    """An event's hash: SHA-256 of the previous event's hash and the event's content (the
    columns in HASHED as JSON with sorted keys; kinds and statuses as their values, the
    time in ISO 8601)."""
    canonical = dict(content, created_at=content["created_at"].isoformat())
    return hashlib.sha256((prev_hash + _canonical(canonical)).encode()).hexdigest()


@orm_event.listens_for(Event, "before_update")
@orm_event.listens_for(Event, "before_delete")
def _append_only(_mapper, _connection, target: Event) -> None:
    raise PermissionError(f"Audit event {target.seq} cannot be changed or removed")


def record(
    kind: EventKind,
    actor: User | None,
    assessment_id: int | None = None,
    *,
    from_status: Status | None = None,
    to_status: Status | None = None,
    revision: int | None = None,
    note: str = "",
) -> Event:
    """Append an event to the chain, in the caller's transaction."""
    seq, prev_hash = db.session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(count=AuditHead.count + 1)
        .returning(AuditHead.count, AuditHead.last_hash)
    ).one()
    event = Event(
        seq=seq,
        assessment_id=assessment_id,
        actor_id=actor.id if actor else None,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        revision=revision,
        note=note,
        created_at=utcnow(),
        prev_hash=prev_hash,
    )
    event.hash = event.expected_hash()
    db.session.add(event)
    db.session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=event.hash))
    return event


def verify() -> tuple[int, str | None]:
    """Walk the chain in order: how many events match, and what is wrong at the first that
    does not (its own content or its link to the one before), or with the chain's end.
    Rows of columns, streamed: memory stays flat however long the chain is."""
    previous, count = GENESIS, 0
    # Kinds and statuses as the strings stored (their JSON is the same as the enums').
    columns = [
        type_coerce(column, String) if isinstance(column.type, Enum) else column
        for column in (getattr(Event, name) for name in HASHED)
    ]
    query = (
        select(Event.prev_hash, Event.hash, *columns)
        .order_by(Event.seq)
        .execution_options(yield_per=5000)
    )
    with closing(db.session.execute(query)) as rows:
        for prev_hash, hash_, *values in rows:
            content = dict(zip(HASHED, values, strict=True))
            seq, kind = content["seq"], content["kind"]
            if seq != count + 1 or prev_hash != previous:
                return count, f"Event {seq} ({kind}) does not follow the event before it"
            if hash_ != chain_hash(prev_hash, content):
                return count, f"Event {seq} ({kind}) has been changed since it was written"
            previous, count = hash_, count + 1
    head = db.session.get(AuditHead, 1)
    if head is None or (head.count, head.last_hash) != (count, previous):
        return (
            count,
            f"The chain ends at event {count}, but {head.count if head else 0} were written",
        )
    return count, None

"""What admins (and people changing their own account) change is in the audit trail.

Users and their roles, directorates, programmes, the characteristics catalogue and
the action plan are audited where they are written: when a signed-in person's request flushes
a change to one of them, an event says who changed what, from what to what, in the
same transaction and the same hash chain as the EqIAs' events. Nobody can grant
themselves a role, use it and take it away again without it showing. Passwords are
never written down, only that one was changed. A plan import is one event (its
summary), not one for each of its actions. The admin audit page lists them.

Changes to accounts (one added, roles, passwords, deactivation) also go to the security
log once they are committed (``eqia.security_log``).

A change made for someone who is not signed in yet (single sign-on making or updating
their account as they sign in) names its actor with ``acting_as``: the person themselves.
When that person is new, their events are written once the flush has given them an id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import has_request_context, render_template
from flask_login import current_user
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from eqia.admin import bp
from eqia.extensions import db
from eqia.models import (
    Characteristic,
    Directorate,
    Event,
    EventKind,
    Objective,
    PlanAction,
    Programme,
    Role,
    Theme,
    User,
    UserRole,
)
from eqia.models.audit import record
from eqia.pagination import paginate
from eqia.permissions import ADMIN, allow
from eqia.security_log import after_commit

PER_PAGE = 25
# Set on the session by bulk changes that record their own, single event.
QUIET = "eqia.audit.quiet"
# Set on the session (by ``acting_as``) for a change made outside a signed-in request.
ACTOR = "eqia.audit.actor"
# Events whose actor had no id yet when they were noted: written after the flush.
_DEFERRED = "eqia.audit.deferred"


@contextmanager
def acting_as(actor: User) -> Iterator[None]:
    """Changes flushed in this block are recorded as made by ``actor``."""
    db.session.info[ACTOR] = actor
    try:
        yield
    finally:
        db.session.info.pop(ACTOR, None)


def _actor(session: Session) -> User | None:
    if (actor := session.info.get(ACTOR)) is not None:
        return actor
    if has_request_context() and current_user.is_authenticated:
        return current_user._get_current_object()
    return None


def _yes_no(value) -> str:
    return "yes" if value else "no"


def _name_of(model) -> Callable[[int | None], str]:
    def name(value: int | None) -> str:
        if value is None:
            return "none"
        found = db.session.get(model, value)
        return getattr(found, "name", None) or getattr(found, "title", None) or str(value)

    return name


def _objective(value: int | None) -> str:
    found = db.session.get(Objective, value) if value is not None else None
    return found.label if found else "none"


def _text(value) -> str:
    if value is None or value == "":
        return "none"
    return getattr(value, "label", None) or str(value)


@dataclass(frozen=True)
class Audited:
    added: EventKind
    changed: EventKind
    subject: Callable[[object], str]
    # column -> (its name in the trail, how its value reads)
    fields: dict[str, tuple[str, Callable]]


AUDITED: dict[type, Audited] = {
    User: Audited(
        EventKind.USER_ADDED,
        EventKind.USER_CHANGED,
        lambda u: f"{u.name} ({u.email})",
        {
            "email": ("Email address", _text),
            "name": ("Name", _text),
            "job_title": ("Job title", _text),
            "directorate_id": ("Directorate", _name_of(Directorate)),
            "active": ("Active", _yes_no),
            "password_hash": ("Password", lambda _value: "set"),
            "break_glass": ("Break-glass account", _yes_no),
            # When it was set up: the trail says only whether there is one.
            "totp_confirmed_at": ("Authenticator app", lambda value: "set up" if value else "none"),
            "oidc_subject": ("Single sign-on", lambda value: "linked" if value else "none"),
        },
    ),
    Directorate: Audited(
        EventKind.DIRECTORATE_ADDED,
        EventKind.DIRECTORATE_CHANGED,
        lambda d: d.name,
        {"name": ("Name", _text), "active": ("Active", _yes_no)},
    ),
    Programme: Audited(
        EventKind.PROGRAMME_ADDED,
        EventKind.PROGRAMME_CHANGED,
        lambda p: p.name,
        {
            "name": ("Name", _text),
            "description": ("Description", _text),
            "active": ("Leads can choose it", _yes_no),
        },
    ),
    Characteristic: Audited(
        EventKind.CHARACTERISTIC_ADDED,
        EventKind.CHARACTERISTIC_CHANGED,
        lambda c: c.name,
        {
            "name": ("Name", _text),
            "guidance": ("Guidance", _text),
            "kind": ("Kind", _text),
            "position": ("Position", _text),
            "active": ("Asked about in new EqIAs", _yes_no),
        },
    ),
    Theme: Audited(
        EventKind.PLAN_CHANGED,
        EventKind.PLAN_CHANGED,
        lambda t: f"Theme {t.name}",
        {"name": ("Name", _text), "description": ("Description", _text)},
    ),
    Objective: Audited(
        EventKind.PLAN_CHANGED,
        EventKind.PLAN_CHANGED,
        lambda o: f"Objective {o.number}",
        {
            "number": ("Number", _text),
            "title": ("Title", _text),
            "description": ("Description", _text),
            "theme_id": ("Theme", _name_of(Theme)),
            "active": ("Active", _yes_no),
        },
    ),
    PlanAction: Audited(
        EventKind.PLAN_CHANGED,
        EventKind.PLAN_CHANGED,
        lambda a: f"Action {a.reference}",
        {
            "reference": ("Reference", _text),
            "objective_id": ("Objective", _objective),
            "action": ("Action", _text),
            "responsible": ("Responsible", _text),
            "start_date": ("Start date", _text),
            "end_date": ("End date", _text),
            "success_measure": ("Success measure", _text),
            "status": ("Status", _text),
            "progress_note": ("Progress note", _text),
            "completed_on": ("Completed on", _text),
            "active": ("Active", _yes_no),
        },
    ),
}


def _roles(user: User) -> tuple[list[str], list[str]]:
    """The person's role codes before and after this change."""
    history = inspect(user).attrs.role_rows.history
    before = sorted(r.role for r in [*history.unchanged, *history.deleted])
    after = sorted(r.role for r in [*history.unchanged, *history.added])
    return before, after


def _role_words(roles: list[str]) -> str:
    return ", ".join(sorted(Role(r).label for r in roles)) or "project lead only"


def _change(obj, column: str) -> tuple | None:
    """A column's value before and after, if this change alters it."""
    history = inspect(obj).attrs[column].history
    if not history.has_changes():
        return None
    before = history.deleted[0] if history.deleted else None
    after = history.added[0] if history.added else None
    return None if before == after else (before, after)


def _changes(obj, audited: Audited, new: bool) -> list[str]:
    lines = []
    for column, (label, shown) in audited.fields.items():
        if new:
            value = getattr(obj, column)
            if value not in (None, "", False) and column != "password_hash":
                lines.append(f"{label}: {shown(value)}")
            continue
        if (change := _change(obj, column)) is None:
            continue
        if column == "password_hash":
            lines.append("Password: changed")
        elif column == "totp_confirmed_at" and all(change):
            lines.append(f"{label}: replaced")
        else:
            lines.append(f"{label}: {shown(change[0])} → {shown(change[1])}")
    if isinstance(obj, User):
        before, after = _roles(obj)
        if before != after or (new and after):
            after_words = _role_words(after)
            lines.append(
                f"Roles: {after_words}" if new else f"Roles: {_role_words(before)} → {after_words}"
            )
    return lines


def _log_account_change(session: Session, user: User, new: bool, actor: User) -> None:
    """What the security log says of a change to an account (README "Security log")."""
    before, after = _roles(user)
    if new:
        after_commit(session, "account.created", subject=user, roles=after)
        return
    if before != after:
        after_commit(session, "role.changed", subject=user, roles_before=before, roles_after=after)
    if _change(user, "password_hash"):
        by_themselves = user.id == actor.id
        after_commit(session, "password.changed" if by_themselves else "password.reset", user)
    if _change(user, "active"):
        after_commit(session, "account.reactivated" if user.active else "account.deactivated", user)


def _users_whose_roles_changed(session: Session) -> set[User]:
    return {
        session.get(User, row.user_id) or row
        for row in [*session.new, *session.deleted]
        if isinstance(row, UserRole) and row.user_id is not None
    } - {None}


def _audit(session: Session, _context, _instances) -> None:
    session.info.pop(_DEFERRED, None)  # left by a flush that failed
    if session.info.get(QUIET) or (actor := _actor(session)) is None:
        return
    touched = [o for o in [*session.new, *session.dirty] if type(o) in AUDITED]
    touched += [u for u in _users_whose_roles_changed(session) if isinstance(u, User)]
    seen = set()
    with session.no_autoflush:
        for obj in touched:
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            audited = AUDITED[type(obj)]
            new = obj in session.new
            lines = _changes(obj, audited, new)
            if not lines:
                continue
            if isinstance(obj, User):
                _log_account_change(session, obj, new, actor)
            kind = audited.added if new else audited.changed
            note = "\n".join([audited.subject(obj), *lines])
            if actor.id is None:
                session.info.setdefault(_DEFERRED, []).append((kind, actor, note))
            else:
                record(kind, actor, note=note)


def _record_deferred(session: Session, _context) -> None:
    for kind, actor, note in session.info.pop(_DEFERRED, []):
        record(kind, actor, note=note)


@bp.record_once
def _listen(_state) -> None:
    if not event.contains(db.session, "before_flush", _audit):
        event.listen(db.session, "before_flush", _audit)
        event.listen(db.session, "after_flush_postexec", _record_deferred)


@bp.route("/audit")
@allow(ADMIN)
def audit_trail():
    """What was changed outside any EqIA, newest first: people, roles, the catalogue, the
    plan."""
    query = select(Event).where(Event.assessment_id.is_(None)).order_by(Event.seq.desc())
    return render_template("admin/audit.html", page=paginate(query, PER_PAGE))

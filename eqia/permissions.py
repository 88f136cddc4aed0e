"""Who may do what: the one place access decisions are made.

Every view declares its audience with ``@allow(...)``; ``enforce_access`` (run
before every request) applies the declaration. A view that declares nothing is
refused, and a test fails for it.
"""

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import exists, select, union

from eqia import pending, tokens
from eqia.extensions import db
from eqia.models import Assessment, CoAuthor, Event, EventKind, Role, Status, User

ANYONE = "anyone"
SIGNED_IN = "signed_in"
# Reports reading the data feed with an API token (``eqia.tokens``), never with a session.
TOKEN = "api-token"  # noqa: S105 - an audience's name, not a secret

# Who may use each area of the service beyond what every member of staff may, declared
# once: views declare them with @allow, templates ask ``may("register")``.
GROUPS: dict[str, frozenset[Role]] = {
    # The sign-off queue and the review page.
    "sign-off": frozenset({Role.SUPER_USER}),
    # The register of every EqIA, the equality insight, and answers not yet signed off.
    "oversight": frozenset({Role.SUPER_USER, Role.AUDITOR, Role.ADMIN}),
    # Bulk exports of signed records.
    "audit": frozenset({Role.AUDITOR}),
    # The action plan as a spreadsheet.
    "plan-export": frozenset({Role.ADMIN, Role.AUDITOR}),
    # People, directorates, the characteristics catalogue and the action plan.
    "admin": frozenset({Role.ADMIN}),
}
SIGN_OFF = GROUPS["sign-off"]
OVERSIGHT = GROUPS["oversight"]
AUDIT = GROUPS["audit"]
PLAN_EXPORT = GROUPS["plan-export"]
ADMIN = GROUPS["admin"]

F = TypeVar("F", bound=Callable[..., Any])


def allow(*audience: str | Role | frozenset[Role]) -> Callable[[F], F]:
    """Declare who may use a view: ANYONE, SIGNED_IN, roles, or groups of them."""
    if not audience:
        raise ValueError("allow() needs at least one audience")
    flat = {
        member for item in audience for member in (item if isinstance(item, frozenset) else {item})
    }

    def mark(view: F) -> F:
        view.access = frozenset(flat)  # type: ignore[attr-defined]
        return view

    return mark


def declared_access(endpoint: str | None) -> frozenset | None:
    if endpoint is None:
        return frozenset({ANYONE})  # no route matched: let the 404 happen
    if endpoint == "static":
        return frozenset({ANYONE})
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access", None)


def may(user: User, audience: frozenset) -> bool:
    if ANYONE in audience:
        return True
    if not user.is_authenticated:
        return False
    if SIGNED_IN in audience:
        return True
    return user.has_role(*(a for a in audience if isinstance(a, Role)))


def enforce_access():
    audience = declared_access(request.endpoint)
    if audience is None:
        current_app.logger.error("Refused %s: the view declares no access", request.endpoint)
        abort(403)
    if TOKEN in audience:
        return tokens.enforce()
    if may(current_user, audience):
        return None
    if not current_user.is_authenticated:
        if request.method == "POST" and pending.keep(request):
            flash(
                "You were signed out, so your answers have not been saved yet. "
                "Sign in again and we will put them back."
            )
            return redirect(url_for("auth.sign_in", next=request.path))
        return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
    abort(403)


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site: no scheme, no host, no protocol-relative //."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(c) < 32 for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def in_group(user: User, name: str) -> bool:
    """For templates: whether the person is in one of the groups above."""
    return may(user, GROUPS[name])


# Who may read what of an EqIA, declared once. Every page and file that shows part of an
# EqIA asks ``can_read``; ``tests/integration/test_read_access.py`` walks every route for
# every kind of person and every stage of an EqIA's life and compares it with this table.


class Part(StrEnum):
    """What of an EqIA a page or file shows."""

    # Answers not signed off: being written, awaiting sign-off, returned.
    ANSWERS = "answers"
    # Signed-off revisions, their sealed records, and the evidence files they name.
    SIGNED_OFF = "signed-off"
    # A return's comments and each section's evaluation; reasons for withdrawing.
    COMMENTS = "comments"
    # Every event of the history (without it, only the sign-offs).
    HISTORY = "history"
    # The evidence files of the answers being written.
    FILES = "files"
    # Who the co-authors are, with their email addresses.
    AUTHORS = "authors"


class Relation(StrEnum):
    """A person's relation to an EqIA."""

    AUTHOR = "author"  # its owner or a co-author
    OVERSIGHT = "oversight"  # an EqIA super user, an auditor or an admin
    COLLEAGUE = "colleague"  # any other member of staff


class Stage(StrEnum):
    """Where an EqIA is, as far as reading it goes."""

    DRAFT = "draft"  # never signed off
    SUBMITTED = "submitted"  # awaiting its first sign-off
    RETURNED = "returned"  # returned before its first sign-off
    SIGNED_OFF = "signed-off"
    UNDER_REVIEW = "under-review"  # the next revision is being written or reviewed
    WITHDRAWN = "withdrawn"


EVERYTHING = frozenset(Part)
SIGNED_OFF_ONLY = frozenset({Part.SIGNED_OFF})
NOTHING: frozenset[Part] = frozenset()

READ_ACCESS: dict[Relation, dict[Stage, frozenset[Part]]] = {
    Relation.AUTHOR: dict.fromkeys(Stage, EVERYTHING),
    Relation.OVERSIGHT: dict.fromkeys(Stage, EVERYTHING),
    Relation.COLLEAGUE: {
        Stage.DRAFT: NOTHING,
        Stage.SUBMITTED: NOTHING,
        Stage.RETURNED: NOTHING,
        Stage.SIGNED_OFF: SIGNED_OFF_ONLY,
        Stage.UNDER_REVIEW: SIGNED_OFF_ONLY,
        Stage.WITHDRAWN: NOTHING,
    },
}


def stage(assessment: Assessment) -> Stage:
    if assessment.status is Status.WITHDRAWN:
        return Stage.WITHDRAWN
    if assessment.status is Status.APPROVED:
        return Stage.SIGNED_OFF
    if assessment.approved_revision_id is not None:
        return Stage.UNDER_REVIEW
    return {
        Status.DRAFT: Stage.DRAFT,
        Status.SUBMITTED: Stage.SUBMITTED,
        Status.RETURNED: Stage.RETURNED,
    }[assessment.status]


def relation(user: User, assessment: Assessment) -> Relation | None:
    if not user.is_authenticated or not user.is_active:
        return None
    if assessment.is_author(user):
        return Relation.AUTHOR
    if user.has_role(*OVERSIGHT):
        return Relation.OVERSIGHT
    return Relation.COLLEAGUE


def readable(user: User, assessment: Assessment) -> frozenset[Part]:
    """Everything of this EqIA the person may read, from the table."""
    who = relation(user, assessment)
    return NOTHING if who is None else READ_ACCESS[who][stage(assessment)]


def can_read(user: User, assessment: Assessment, part: Part) -> bool:
    return part in readable(user, assessment)


def can_read_drafts(user: User, assessment: Assessment) -> bool:
    """Whether the person may read answers that are not signed off."""
    return can_read(user, assessment, Part.ANSWERS)


def can_view(user: User, assessment: Assessment) -> bool:
    """Whether the person may read anything of it at all."""
    return bool(readable(user, assessment) & {Part.ANSWERS, Part.SIGNED_OFF})


def require_part(assessment: Assessment, part: Part) -> None:
    """403 unless the signed-in person may read this part of the EqIA."""
    if not can_read(current_user, assessment, part):
        abort(403)


def revision_part(signed_off: bool) -> Part:
    """A revision (its page and PDF) is the signed-off record, or answers not signed off."""
    return Part.SIGNED_OFF if signed_off else Part.ANSWERS


def can_edit(user: User, assessment: Assessment) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and assessment.status.editable
        and assessment.is_author(user)
    )


def can_manage_authors(user: User, assessment: Assessment) -> bool:
    """The owner adds and removes co-authors, but not while the EqIA awaits sign-off."""
    return (
        user.is_authenticated
        and user.id == assessment.owner_id
        and assessment.status not in (Status.SUBMITTED, Status.WITHDRAWN)
    )


# What a person does when they help write an EqIA: any of these by them means they did.
AUTHORING = (
    EventKind.CREATED,
    EventKind.SAVED,
    EventKind.FILE_ADDED,
    EventKind.FILE_REMOVED,
    EventKind.SUBMITTED,
    EventKind.RESUBMITTED,
    EventKind.REVIEW_STARTED,
)


def helped_write(assessment: Assessment):
    """The ids of everyone who co-authors or ever co-authored the EqIA, or ever wrote any
    part of it (its owner aside): one query, however many people there are."""
    return union(
        select(CoAuthor.user_id.label("user_id")).where(CoAuthor.assessment_id == assessment.id),
        select(Event.actor_id.label("user_id")).where(
            Event.assessment_id == assessment.id,
            Event.actor_id.is_not(None),
            Event.kind.in_(AUTHORING),
        ),
    )


def has_ever_authored(user: User, assessment: Assessment) -> bool:
    """Whether the person owns, co-authors or ever co-authored the EqIA, or ever wrote any
    part of it: separation of duties holds even after they are removed as a co-author."""
    if assessment.is_author(user):
        return True
    helpers = helped_write(assessment).subquery()
    return bool(db.session.scalar(select(exists().where(helpers.c.user_id == user.id))))


def can_review(user: User, assessment: Assessment) -> bool:
    """Super users sign off, never an EqIA they own, co-author, or ever helped write."""
    return (
        user.is_authenticated
        and user.is_active
        and user.has_role(Role.SUPER_USER)
        and not has_ever_authored(user, assessment)
    )


def can_start_review(user: User, assessment: Assessment) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and assessment.status is Status.APPROVED
        and assessment.is_author(user)
    )


ASSESSMENT_CHECKS = {
    "view": can_view,
    "edit": can_edit,
    "authors": can_manage_authors,
    "review": can_review,
}


def _not_editable(assessment: Assessment) -> str:
    why = {
        Status.SUBMITTED: "It is waiting for sign-off; you can change it if it is returned to you.",
        Status.APPROVED: "It has been signed off; start a review to write the next revision.",
        Status.WITHDRAWN: "It has been withdrawn.",
    }
    return f"{assessment.reference} cannot be changed now. {why.get(assessment.status, '')}"


def load_assessment(ref: str, action: str, answers: bool = True) -> Assessment:
    """The EqIA a URL names, when the person may ``action`` it: 404 if there is none, 403 if
    they may not (409, saying why, when an author may not change it now). Without
    ``answers``, only the EqIA and its authors are loaded."""
    assessment = Assessment.by_reference(ref, answers)
    if assessment is None:
        abort(404)
    if not ASSESSMENT_CHECKS[action](current_user, assessment):
        says_why = current_user.id == assessment.owner_id if action == "authors" else True
        if action in ("edit", "authors") and says_why and assessment.is_author(current_user):
            abort(409, description=_not_editable(assessment))
        abort(403)
    return assessment


def assessment_access(action: str):
    """A view of the EqIA named by ``ref`` in its URL, loaded by :func:`load_assessment`."""

    def decorate(view):
        @wraps(view)
        def wrapped(ref: str, *args, **kwargs):
            return view(load_assessment(ref, action), *args, **kwargs)

        return wrapped

    return decorate

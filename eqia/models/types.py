"""The service's vocabularies: each one an enum, used as the type of its column.

Columns are declared with :func:`enum_column`, so they hold the enum's *value*
(``"draft"``), read back as the member (``Status.DRAFT``), and refuse anything
else; there is no string beside the enum to compare against. Each enum carries
its label, and :data:`TAG_COLOURS` the colour of its GOV.UK tag, so one macro
(``templates/macros/status.html``) draws every status tag.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum


def enum_column(enum: type[StrEnum], length: int = 20) -> Enum:
    """A column of an enum's values: VARCHAR in the database, the enum in Python."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Role(StrEnum):
    """Roles an admin grants. Every active member of staff is a project lead."""

    SUPER_USER = "super_user"
    AUDITOR = "auditor"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {"super_user": "EqIA super user", "auditor": "Auditor", "admin": "Admin"}[self]


class Status(StrEnum):
    """Where an EqIA is in its life. Only ``eqia.workflow`` changes it."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {
            "draft": "Draft",
            "submitted": "Awaiting sign-off",
            "returned": "Returned",
            "approved": "Signed off",
            "withdrawn": "Withdrawn",
        }[self]

    @property
    def editable(self) -> bool:
        return self in EDITABLE

    @property
    def next_step(self) -> str:
        return {
            "draft": "Complete the sections and submit",
            "returned": "Respond to the comments and resubmit",
            "submitted": "Wait for sign-off",
            "approved": "Review when due",
            "withdrawn": "None",
        }[self]

    @classmethod
    def editable_states(cls) -> tuple[Status, ...]:
        return EDITABLE


EDITABLE = (Status.DRAFT, Status.RETURNED)


class DecisionKind(StrEnum):
    APPROVED = "approved"
    RETURNED = "returned"


class Rating(StrEnum):
    """The CNIL PIA model: each section is acceptable, improvable or to be fixed."""

    ACCEPTABLE = "acceptable"
    IMPROVABLE = "improvable"
    TO_BE_FIXED = "to-be-fixed"

    @property
    def label(self) -> str:
        return {
            "acceptable": "Acceptable",
            "improvable": "Could be improved",
            "to-be-fixed": "To be fixed",
        }[self]


class PlanStatus(StrEnum):
    NOT_STARTED = "not-started"
    ON_TRACK = "on-track"
    AT_RISK = "at-risk"
    COMPLETE = "complete"

    @property
    def label(self) -> str:
        return {
            "not-started": "Not started",
            "on-track": "On track",
            "at-risk": "At risk",
            "complete": "Complete",
        }[self]

    @classmethod
    def from_label(cls, text: str) -> PlanStatus | None:
        """The status a person typed ("On track", "on-track", "ON TRACK"); None if unknown."""
        wanted = " ".join(text.replace("-", " ").replace("_", " ").split()).lower()
        return next((s for s in cls if s.label.lower() == wanted), None)


class EventKind(StrEnum):
    """What an audit event records. The values are as first written: each event's hash
    covers its kind, so a value can never be renamed."""

    CREATED = "created"
    SAVED = "saved"
    SUBMITTED = "submitted"
    RESUBMITTED = "resubmitted"
    ASSIGNED = "assigned"
    APPROVED = "approved"
    RETURNED = "returned"
    REVIEW_STARTED = "review-started"
    WITHDRAWN = "withdrawn"
    CO_AUTHOR_ADDED = "co_author_added"
    CO_AUTHOR_REMOVED = "co_author_removed"
    PLAN_IMPORTED = "plan-imported"
    FILE_ADDED = "file-added"
    FILE_REMOVED = "file-removed"
    RELEASED = "released"
    USER_ADDED = "user-added"
    USER_CHANGED = "user-changed"
    DIRECTORATE_ADDED = "directorate-added"
    DIRECTORATE_CHANGED = "directorate-changed"
    CHARACTERISTIC_ADDED = "characteristic-added"
    CHARACTERISTIC_CHANGED = "characteristic-changed"
    PLAN_CHANGED = "plan-changed"
    OWNER_CHANGED = "owner-changed"
    SETTINGS_CHANGED = "settings-changed"
    PROGRAMME_ADDED = "programme-added"
    PROGRAMME_CHANGED = "programme-changed"
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"
    API_TOKEN_CREATED = "api-token-created"  # noqa: S105 - an event's name, not a secret
    API_TOKEN_REVOKED = "api-token-revoked"  # noqa: S105

    @property
    def label(self) -> str:
        return {
            "created": "Created",
            "saved": "Saved",
            "submitted": "Submitted for sign-off",
            "resubmitted": "Resubmitted",
            "assigned": "Picked up for review",
            "approved": "Signed off",
            "returned": "Returned with comments",
            "review-started": "Review started",
            "withdrawn": "Withdrawn",
            "co_author_added": "Co-author added",
            "co_author_removed": "Co-author removed",
            "plan-imported": "Action plan imported",
            "file-added": "Evidence file added",
            "file-removed": "Evidence file removed",
            "released": "Released for another super user",
            "user-added": "User added",
            "user-changed": "User changed",
            "directorate-added": "Directorate added",
            "directorate-changed": "Directorate changed",
            "characteristic-added": "Characteristic added",
            "characteristic-changed": "Characteristic changed",
            "plan-changed": "Action plan changed",
            "owner-changed": "Moved to a new project lead",
            "settings-changed": "Sign-in settings changed",
            "programme-added": "Programme added",
            "programme-changed": "Programme changed",
            "published": "Published on the public register",
            "unpublished": "Taken off the public register",
            "api-token-created": "API token created",
            "api-token-revoked": "API token revoked",
        }[self]

    @classmethod
    def of(cls, decision: DecisionKind) -> EventKind:
        return cls(decision.value)


class NotificationKind(StrEnum):
    """What an email tells someone; each has its template under ``templates/emails/``."""

    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"
    REVIEW_DUE = "review-due"
    REVIEW_OVERDUE = "review-overdue"
    OWNER_CHANGED = "owner-changed"


TAG_COLOURS: dict[StrEnum, str] = {
    Status.DRAFT: "grey",
    Status.SUBMITTED: "blue",
    Status.RETURNED: "orange",
    Status.APPROVED: "green",
    Status.WITHDRAWN: "red",
    Rating.ACCEPTABLE: "green",
    Rating.IMPROVABLE: "yellow",
    Rating.TO_BE_FIXED: "red",
    PlanStatus.NOT_STARTED: "grey",
    PlanStatus.ON_TRACK: "blue",
    PlanStatus.AT_RISK: "orange",
    PlanStatus.COMPLETE: "green",
}


def tag_class(value: StrEnum) -> str:
    """The GOV.UK tag class for a status, rating or plan status."""
    return f"govuk-tag--{TAG_COLOURS[value]}"

"""The feed's fields, defined once: the JSON and CSV writers and the OpenAPI schema all read
them from here, so a field's name, type and meaning cannot differ between the three.

Names are snake_case and stable within ``/api/v1``: a field is never renamed or given
another type there (a new version of the URL would be needed). Fields marked ``internal``
are only in what a token with the internal reach reads.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from eqia.models import Dataset, Reach


@dataclass(frozen=True)
class Field:
    name: str
    # string, integer, boolean, date (YYYY-MM-DD) or date-time (ISO 8601, UTC)
    type: str
    description: str
    nullable: bool = False
    internal: bool = False

    def json_schema(self) -> dict:
        kind = {"type": "string", "format": self.type} if "date" in self.type else None
        schema = kind or {"type": self.type}
        if self.nullable:
            schema["type"] = [schema["type"], "null"]
        return {**schema, "description": self.description}


def _f(name: str, kind: str, description: str, **more) -> Field:
    return Field(name, kind, description, **more)


REFERENCE = _f("reference", "string", "The EqIA's reference, such as EQIA-2027-0042.")
REVISION = _f("revision", "integer", "The number of the signed-off revision these rows are from.")

FIELDS: dict[Dataset, tuple[Field, ...]] = {
    Dataset.EQIAS: (
        REFERENCE,
        _f("title", "string", "The proposal's title."),
        _f("directorate", "string", "The directorate's name.", nullable=True),
        _f(
            "directorate_id",
            "integer",
            "The directorate's id: the value the directorate filter takes.",
            nullable=True,
        ),
        _f(
            "lead",
            "string",
            "The project lead: their name; in the public reach, as the public register names "
            "officers (their job title, unless the council chose names).",
        ),
        _f(
            "status",
            "string",
            "Where the EqIA is: draft, submitted (awaiting sign-off), returned, approved "
            "(signed off) or withdrawn.",
            internal=True,
        ),
        _f("status_label", "string", "The status as the service words it.", internal=True),
        _f(
            "proposal_type",
            "string",
            "The type of proposal, as a code (policy, strategy, service-change, ...).",
            nullable=True,
        ),
        _f("proposal_type_label", "string", "The type of proposal as the service words it."),
        _f(
            "outcome",
            "string",
            "The EHRC outcome, as a code: no-major-change, adjust, continue or stop.",
            nullable=True,
        ),
        _f("outcome_label", "string", "The outcome as the service words it."),
        _f("summary", "string", "The outcome's summary."),
        _f(
            "submitted_at",
            "date-time",
            "When it was last submitted for sign-off (UTC).",
            nullable=True,
            internal=True,
        ),
        _f(
            "signed_off_at",
            "date-time",
            "When the signed-off record in force was signed off (UTC).",
            nullable=True,
        ),
        _f(
            "signed_off_by",
            "string",
            "The EqIA super user who signed it off; in the public reach, as the public register "
            "names officers.",
            nullable=True,
        ),
        _f("review_date", "date", "When the EqIA is to be reviewed.", nullable=True),
        _f(
            "signed_off_revision",
            "integer",
            "The number of the signed-off revision in force.",
            nullable=True,
        ),
        _f(
            "published_at",
            "date-time",
            "When its record was put on the public register (UTC).",
            nullable=True,
        ),
    ),
    Dataset.IMPACTS: (
        REFERENCE,
        REVISION,
        _f("characteristic_code", "string", "The characteristic's code in the catalogue."),
        _f("characteristic", "string", "The characteristic's name when it was signed off."),
        _f("retired", "boolean", "Whether the characteristic has since left the catalogue."),
        _f("positive", "boolean", "A positive impact is likely."),
        _f("negative", "boolean", "A negative impact is likely."),
        _f("neutral", "boolean", "The impact is likely to be neutral."),
        _f("not_known", "boolean", "The impact is not known yet."),
        _f("evidence", "string", "The evidence for the impact."),
        _f("mitigation", "string", "How a negative impact will be mitigated."),
        _f("residual", "string", "The impact after mitigation: Low, Medium or High, or empty."),
        _f("how_find_out", "string", "How an impact not known will be found out."),
    ),
    Dataset.ACTIONS: (
        REFERENCE,
        REVISION,
        _f("number", "integer", "The action's number within the EqIA, from 1."),
        _f("action", "string", "The action."),
        _f("responsible", "string", "The person or team responsible."),
        _f("start_date", "date", "When the action starts."),
        _f("due_date", "date", "When the action is due."),
        _f(
            "characteristics",
            "string",
            "The characteristics the action addresses, separated by semicolons.",
        ),
        _f("success_measure", "string", "How the council will know the action has worked."),
        _f(
            "carried_from",
            "integer",
            "The signed-off revision the action was carried from on a review.",
            nullable=True,
        ),
        _f("progress", "string", "On a review, what happened to a carried action."),
        _f("progress_note", "string", "On a review, more about the action's progress."),
        _f("plan_action", "string", "The EDI action plan action it contributes to, if any."),
    ),
    Dataset.OBJECTIVE_LINKS: (
        REFERENCE,
        REVISION,
        _f("objective_number", "integer", "The EDI objective's number (1 to 12)."),
        _f("objective", "string", "The objective's title when the link was confirmed."),
        _f("theme", "string", "The objective's theme when the EqIA was submitted."),
        _f("how", "string", "How the proposal supports the objective, as the lead said."),
    ),
}


def fields(dataset: Dataset, reach: Reach) -> tuple[Field, ...]:
    """The fields a token of this reach reads of a dataset, in order."""
    return tuple(f for f in FIELDS[dataset] if reach is Reach.INTERNAL or not f.internal)


def json_value(value: object) -> object:
    """A value as the JSON feed writes it: dates and times as ISO 8601 text (times in UTC)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value

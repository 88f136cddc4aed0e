"""The feed's OpenAPI 3.1 document, built from the same field definitions the JSON and CSV
writers use (``eqia.api.fields``), so it describes exactly what they write."""

from eqia.api.feed import MAX_PER_PAGE, PER_PAGE
from eqia.api.fields import FIELDS
from eqia.database import MAX_ID
from eqia.models import Dataset, Status

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "code", "message"],
            "properties": {
                "status": {"type": "integer", "description": "The HTTP status."},
                "code": {
                    "type": "string",
                    "description": "unauthorised, forbidden, bad_parameter, unknown_parameter "
                    "or too_many_requests.",
                },
                "message": {"type": "string", "description": "What is wrong, in words."},
                "parameter": {"type": "string", "description": "The parameter that is wrong."},
            },
        }
    },
}


def _parameter(name: str, description: str, schema: dict, explode: bool = False) -> dict:
    found = {"name": name, "in": "query", "required": False, "description": description}
    if explode:
        found.update(style="form", explode=True)
    return {**found, "schema": schema}


FILTERS = [
    _parameter(
        "signed_off_from",
        "EqIAs whose signed-off record in force was signed off on or after this day (UK time).",
        {"type": "string", "format": "date"},
    ),
    _parameter(
        "signed_off_to",
        "EqIAs whose signed-off record in force was signed off on or before this day (UK time).",
        {"type": "string", "format": "date"},
    ),
    _parameter(
        "status",
        "EqIAs with this status; repeat it for several (status=approved&status=submitted). "
        "Tokens with the internal reach only.",
        {"type": "array", "items": {"type": "string", "enum": [s.value for s in Status]}},
        explode=True,
    ),
    _parameter(
        "directorate",
        "EqIAs of the directorate with this id (the directorate_id field of eqias).",
        {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    ),
]
PAGE = [
    _parameter(
        "per_page",
        f"Rows a page (default {PER_PAGE}, at most {MAX_PER_PAGE}).",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": PER_PAGE},
    ),
    _parameter(
        "after",
        "Where the page starts: the cursor in the previous page's links.next.",
        {"type": "string"},
    ),
]


def _row(dataset: Dataset) -> dict:
    chosen = FIELDS[dataset]
    return {
        "type": "object",
        "description": "Fields marked internal are only given to tokens with the internal reach.",
        "required": [f.name for f in chosen if not f.internal],
        "properties": {
            f.name: f.json_schema() | ({"x-eqia-internal": True} if f.internal else {})
            for f in chosen
        },
        "additionalProperties": False,
    }


def _errors() -> dict:
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {
        "400": {"description": "A parameter is unknown or its value is wrong.", "content": body},
        "401": {"description": "No API token, or one unknown, revoked, expired.", "content": body},
        "403": {"description": "The token may not read this dataset.", "content": body},
        "429": {
            "description": "The token has made too many requests; Retry-After says when to "
            "try again.",
            "content": body,
        },
    }


def _paths() -> dict:
    paths = {}
    for dataset in Dataset:
        name = dataset.value
        row = {"$ref": f"#/components/schemas/{name}"}
        paths[f"/{name}.json"] = {
            "get": {
                "operationId": f"{name.replace('-', '_')}_json",
                "summary": f"{dataset.label}, a page at a time, as JSON",
                "parameters": FILTERS + PAGE,
                "responses": {
                    "200": {
                        "description": "A page of rows, with a link to the next.",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "data": {"type": "array", "items": row},
                                        "links": {
                                            "type": "object",
                                            "properties": {
                                                "self": {"type": "string"},
                                                "next": {"type": ["string", "null"]},
                                            },
                                        },
                                        "meta": {"type": "object"},
                                    },
                                }
                            }
                        },
                    },
                    **_errors(),
                },
            }
        }
        paths[f"/{name}.csv"] = {
            "get": {
                "operationId": f"{name.replace('-', '_')}_csv",
                "summary": f"{dataset.label}, every row, as CSV (UTF-8 with a byte-order mark)",
                "description": "The columns are the fields of the JSON rows, in the same order. "
                "Without per_page or after, every row the filters choose; with them, a page, "
                'and a Link header (rel="next") to the next.',
                "parameters": FILTERS + PAGE,
                "responses": {
                    "200": {"description": "The rows.", "content": {"text/csv": {}}},
                    **_errors(),
                },
            }
        }
    return paths


def document(server: str) -> dict:
    """The OpenAPI document; ``server`` is where it is served (the feed is beside it)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "EqIA data feed",
            "version": "1",
            "description": "Read-only EqIAs, their impacts on each characteristic, actions and "
            "links to EDI objectives. Impacts, actions and links are those of the signed-off "
            "revision in force. Send an API token as a Bearer token, or as the password of "
            "Basic authentication (any user name).",
        },
        "servers": [{"url": server.rsplit("/", 1)[0]}],
        "security": [{"bearer": []}, {"basic": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "basic": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "Any user name; the API token as the password.",
                },
            },
            "schemas": {"Error": ERROR, **{d.value: _row(d) for d in Dataset}},
        },
    }

"""The feed's endpoints: each dataset as JSON (a page at a time) and as CSV (all of it, or
a page), and the OpenAPI schema that describes them.

Every answer but the schema needs an API token (``@allow(TOKEN)``: ``eqia.tokens``), which
must name the dataset. A refusal is JSON: ``{"error": {...}}`` with its status.
"""

import json
from collections.abc import Iterator

from flask import Response, jsonify, request, stream_with_context, url_for
from flask.typing import ResponseReturnValue

from eqia import tokens
from eqia.api import bp, feed, schema
from eqia.api.fields import Field, fields, json_value
from eqia.downloads import BOM, CSV_TYPE, csv_cell, download, line_writer
from eqia.errors import FeedError
from eqia.models import Dataset
from eqia.permissions import ANYONE, TOKEN, allow
from eqia.timefmt import uk_today

DATASETS = "<any(eqias, impacts, actions, 'objective-links'):dataset>"
JSON_TYPE = "application/json"


@bp.errorhandler(FeedError)
def _refused(error: FeedError):
    tokens.log_use(error.status)
    response = jsonify(error.body())
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def _next_url(cursor: feed.Cursor | None) -> str | None:
    if cursor is None:
        return None
    args = request.args.copy()
    args.setlist("after", [str(cursor)])
    return url_for(
        request.endpoint, **(request.view_args or {}), **args.to_dict(flat=False), _external=True
    )


def _page(
    items: Iterator[tuple[feed.Cursor, dict]], size: int
) -> tuple[list[dict], feed.Cursor | None]:
    """Up to ``size`` rows, and the cursor of the last if more follow."""
    page, last = [], None
    for cursor, item in items:
        if len(page) == size:
            return page, last
        page.append(item)
        last = cursor
    return page, None


def _json(item: dict, chosen: tuple[Field, ...]) -> str:
    row = {f.name: json_value(item[f.name]) for f in chosen}
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"))


def _asked(dataset: str, paged: bool):
    chosen = Dataset(dataset)
    token = tokens.require(chosen)
    return chosen, token.reach, feed.parse(request.args, token.reach, paged)


@bp.route(f"/{DATASETS}.json")
@allow(TOKEN)
def feed_json(dataset: str) -> ResponseReturnValue:
    chosen, reach, asked = _asked(dataset, paged=True)
    shown = fields(chosen, reach)
    meta = {"dataset": chosen.value, "reach": reach.value, "per_page": asked.per_page}
    if chosen is Dataset.EQIAS:
        meta["total"] = feed.total(reach, asked.criteria)
    page, more = _page(feed.rows(chosen, reach, asked.criteria, asked.after), asked.per_page)

    def body() -> Iterator[str]:
        sent = False
        try:
            yield '{"data":['
            for number, item in enumerate(page):
                yield ("," if number else "") + _json(item, shown)
            links = {"self": request.url, "next": _next_url(more)}
            rest = {"links": links, "meta": meta}
            yield "]," + json.dumps(rest, ensure_ascii=False, separators=(",", ":"))[1:]
            sent = True
        finally:
            tokens.log_use(200, len(page), complete=sent)

    response = Response(stream_with_context(body()), content_type=JSON_TYPE)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _csv_cells(item: dict, chosen: tuple[Field, ...]) -> list:
    cells = []
    for field in chosen:
        value = item[field.name]
        if isinstance(value, bool):
            cells.append("true" if value else "false")
        else:
            cells.append(csv_cell("" if value is None else json_value(value)))
    return cells


@bp.route(f"/{DATASETS}.csv")
@allow(TOKEN)
def feed_csv(dataset: str) -> ResponseReturnValue:
    chosen, reach, asked = _asked(dataset, paged=False)
    shown = fields(chosen, reach)
    items = feed.rows(chosen, reach, asked.criteria, asked.after)
    more = None
    if asked.per_page is not None:
        page, more = _page(items, asked.per_page)
        items = iter([(None, item) for item in page])

    def body() -> Iterator[str]:
        writer = line_writer()
        count, sent = 0, False
        try:
            yield BOM + writer.writerow([f.name for f in shown])
            for _cursor, item in items:
                yield writer.writerow(_csv_cells(item, shown))
                count += 1
            sent = True
        finally:
            # Logged however the answer ended: a client that stops reading closes the stream.
            tokens.log_use(200, count, complete=sent)

    name = f"eqia-{chosen.value}-{uk_today().isoformat()}.csv"
    response = download(stream_with_context(body()), CSV_TYPE, name)
    if (following := _next_url(more)) is not None:
        response.headers["Link"] = f'<{following}>; rel="next"'
    return response


@bp.route("/openapi.json")
@allow(ANYONE)
def openapi() -> ResponseReturnValue:
    return jsonify(schema.document(url_for("api.openapi", _external=True)))

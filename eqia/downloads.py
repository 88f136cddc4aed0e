"""Files people download: spreadsheet cells that never run as formulas, and attachments.

Every CSV the service writes (the register, the progress report, the action plan,
a bulk export's manifest) passes its text cells through :func:`neutralise`; the
plan's import takes the apostrophe off again with :func:`restore`, so an export
imports back exactly. Every download is an attachment named by :func:`attachment`.
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import quote

from flask import Response

CSV_TYPE = "text/csv; charset=utf-8"
# The byte-order mark that tells Excel a CSV file is UTF-8.
BOM = "\ufeff"
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP's CSV
# injection advice). A cell that starts with one, or with apostrophes and then one, gets
# one more apostrophe, so text that itself began with an apostrophe survives the round trip.
_NEEDS_ESCAPE = re.compile(r"^'*[=+\-@\t\r]")
_ESCAPED = re.compile(r"^'+[=+\-@\t\r]")


def neutralise(value: object) -> str:
    """A cell as text that a spreadsheet shows and never runs."""
    text = "" if value is None else str(value)
    return "'" + text if _NEEDS_ESCAPE.match(text) else text


def restore(text: str) -> str:
    """The inverse of :func:`neutralise`: the text as it was before the export escaped it."""
    return text[1:] if _ESCAPED.match(text) else text


def csv_cell(value: object) -> object:
    """Numbers as they are, anything else as neutralised text."""
    return (
        value
        if isinstance(value, int | float) and not isinstance(value, bool)
        else (neutralise(value))
    )


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    """Rows as CSV text with the byte-order mark, every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
    return BOM + out.getvalue()


class _Line:
    """csv.writer's file: writerow then returns the line instead of storing it."""

    def write(self, line: str) -> str:
        return line


def line_writer():
    """A csv.writer whose ``writerow`` returns the row's line, for a CSV sent as it is read."""
    return csv.writer(_Line())


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9 .()-]+", "_", plain).strip(" _")


def attachment(name: str, fallback_stem: str = "download") -> str:
    """A Content-Disposition that always downloads; a Unicode name in RFC 5987 form with an
    ASCII fallback."""
    stem, extension = os.path.splitext(name)
    fallback = (_ascii(stem) or fallback_stem) + _ascii(extension)
    header = f'attachment; filename="{fallback}"'
    if fallback != name:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header


def download(body, content_type: str, name: str) -> Response:
    """A private attachment: never cached, never sniffed as another type."""
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = attachment(name)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response

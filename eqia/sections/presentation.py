"""How a question page lays out its questions, and how saved answers read on a page.

Answers always read through the snapshot: :func:`rows` builds the live snapshot
and reads it as a revision would be read, so check answers, a conflict's "what
the other person saved" and a revision page can never disagree.
"""

from __future__ import annotations

from eqia.models import Assessment
from eqia.sections import snapshot as builder
from eqia.sections.registry import Context, Page
from eqia.snapshot import Row, Snapshot, read


def live(assessment: Assessment, ctx: Context) -> Snapshot:
    """The answers as they stand, read as a revision is read."""
    return read(builder.build(assessment, ctx))


def page_rows(assessment: Assessment, ctx: Context, page: Page) -> list[Row]:
    """The saved answers of one page."""
    return [
        row
        for section in live(assessment, ctx).sections
        for row in section.rows
        if row.page == page.key
    ]


def field_layout(form, conditions: dict) -> list[tuple]:
    """Each top-level question with its follow-ups grouped by the answer that reveals them."""
    followups: dict[str, dict] = {}
    for name, (parent, value) in conditions.items():
        if name in form:
            followups.setdefault(parent, {}).setdefault(value, []).append(form[name])
    return [
        (field, followups.get(field.name, {}))
        for field in form
        if field.name not in form.NOT_ANSWERS and field.name not in conditions
    ]

"""The PDF record of an EqIA: ``templates/pdf/record.html``, written as tagged PDF/UA-1.

No database here: ``documents`` gathers a :class:`~eqia.records.record.Record` from a
frozen revision, read through ``eqia.snapshot`` (so the PDF never disagrees with the
pages), and this module renders it with the app's Jinja environment (autoescaping, so
typed text prints as typed) and ``eqia.pdfbase`` (fonts, tagging, page furniture).

The same record always gives the same bytes: the document's dates are the decision's
time (or the submission's, or the start's) and its file identifier is a digest of its
content.
"""

from __future__ import annotations

import base64
from datetime import UTC

from flask import current_app

from eqia import pdfbase
from eqia.records.record import Record
from eqia.snapshot import ActionView
from eqia.timefmt import date_and_time, iso_long_date

WATERMARK = "Not signed off"
CLEARANCE_QUESTION = (
    "Have the equality and diversity implications been cleared by your EqIA Super User? Yes."
)
SUBJECT = "Equality Impact Assessment record"

# Drawn behind every page of a record that is not signed off: a page background, so an
# artifact, never read out as content (the red banner on the cover says it in words).
_WATERMARK_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 210 297" width="210mm" '
    'height="297mm"><text x="105" y="160" text-anchor="middle" font-size="23" '
    f'font-weight="bold" font-family="Noto Sans" fill="#d4351c" fill-opacity="0.13" '
    f'transform="rotate(-50 105 148.5)">{WATERMARK}</text></svg>'
)
WATERMARK_URL = "data:image/svg+xml;base64," + base64.b64encode(_WATERMARK_SVG.encode()).decode()


def _size(size: int | None) -> str:
    if size is None:
        return ""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"


def _cover(record: Record) -> list[tuple[str, str, str]]:
    decision = record.decision
    submitted = (
        f"{date_and_time(record.submitted_at)} by {record.submitted_by}"
        if record.submitted_at
        else "Not yet submitted"
    )
    rows = [
        ("Reference", record.reference, ""),
        ("Revision", str(record.revision), ""),
        ("Status", record.status, ""),
        ("Project lead", record.lead, ""),
        ("Co-authors", ", ".join(record.co_authors) or "None", ""),
        ("Directorate", record.directorate or "Not given", ""),
        ("Started", date_and_time(record.created_at), ""),
        ("Submitted", submitted, ""),
    ]
    if decision is not None:
        verb = "Signed off" if decision.approved else "Returned"
        rows.append((verb, f"{date_and_time(decision.decided_at)} by {decision.name}", ""))
    rows.append(("Review date", record.review_date or "Not set", ""))
    if record.content_hash:
        rows.append(("Content hash (SHA-256)", record.content_hash, "hash"))
    else:
        rows.append(
            ("Content hash (SHA-256)", "None: these answers are not yet frozen in a revision", "")
        )
    return rows


def _about(record: Record) -> str:
    if not record.content_hash:
        return (
            "This PDF shows the answers as they stand now: they have not been submitted for "
            "sign-off, so they may still change. It is not digitally signed."
        )
    if record.signed_off:
        return (
            "This record shows the revision as it was frozen when it was submitted for "
            "sign-off. It is digitally signed: any change to the file after signing can be "
            "detected."
        )
    return (
        "This PDF shows the revision as it was frozen when it was submitted for sign-off. "
        "That revision has not been signed off, so it is not digitally signed."
    )


def _action_rows(action: ActionView) -> list[tuple[str, str, str]]:
    rows = [
        ("Action", action.action, ""),
        ("Responsible", action.responsible, ""),
        (
            "Dates",
            f"{iso_long_date(action.start_date)} to {iso_long_date(action.due_date)}",
            "",
        ),
        ("Characteristics", ", ".join(action.characteristics) or "None chosen", ""),
        ("Success measure", action.success_measure, ""),
    ]
    if action.plan_action:
        rows.append(("EDI action plan", action.plan_action, ""))
    if action.carried_from:
        progress = action.progress or "Not answered"
        progress += f"\n{action.progress_note}" if action.progress_note else ""
        rows.append((f"Since revision {action.carried_from}", progress, ""))
    return rows


def _sign_off(record: Record) -> list[tuple[str, str, str]]:
    decision = record.decision
    rows = [
        ("Signed off by", decision.name, ""),
        ("Job title", decision.job_title or "Not given", ""),
        ("Signed off on", f"{date_and_time(decision.decided_at)} (UK time)", ""),
        ("Revision", str(record.revision), ""),
        ("Content hash (SHA-256)", record.content_hash, "hash"),
    ]
    if record.anchor is not None:
        rows += [
            ("Audit trail at sign-off", f"event {record.anchor.seq}", ""),
            ("Audit trail hash (SHA-256)", record.anchor.hash, "hash"),
        ]
    return rows


def html(record: Record) -> str:
    """The record as the HTML WeasyPrint draws (needs an app context for its templates)."""
    moment = (record.created or record.created_at).astimezone(UTC)
    template = current_app.jinja_env.get_template("pdf/record.html")
    return template.render(
        **pdfbase.context(),
        record=record,
        author=record.organisation,
        subject=SUBJECT,
        created=f"{moment:%Y-%m-%dT%H:%M:%S}Z",
        cover=_cover(record),
        about=_about(record),
        action_rows=_action_rows,
        sign_off=_sign_off(record) if record.decision and record.decision.approved else [],
        size=_size,
        clearance_question=CLEARANCE_QUESTION,
        watermark=WATERMARK_URL,
        watermark_text=WATERMARK,
    )


def render(record: Record) -> bytes:
    """The record as PDF bytes: the same record gives the same bytes."""
    return pdfbase.write(html(record), info=record.info)

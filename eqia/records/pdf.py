"""The PDF record of an EqIA, drawn with reportlab from plain data.

No Flask and no database here: ``documents`` gathers a
:class:`~eqia.records.record.Record` from a frozen revision, read through
``eqia.snapshot`` (so the PDF never disagrees with the pages), and this module
draws it with the fonts, colours and safe text of ``eqia.pdfbase``.

The same record always draws the same bytes: reportlab runs in invariant mode,
the creation date is the decision's time, and the document ID derives from the
content.
"""

from __future__ import annotations

import io
from datetime import UTC

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFInfo, PDFName, PDFString
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from eqia.pdfbase import (
    BLACK,
    BOLD,
    GREY,
    LINE,
    MONO,
    PALE,
    RED,
    REGULAR,
    body_style,
    document,
    markup,
    numbered_canvas,
    register_fonts,
)
from eqia.records.record import Record
from eqia.snapshot import SectionView
from eqia.timefmt import date_and_time, iso_long_date, long_date

WATERMARK = "Not signed off"
CLEARANCE_QUESTION = (
    "Have the equality and diversity implications been cleared by your EqIA Super User? Yes."
)


def _styles() -> dict[str, ParagraphStyle]:
    body = body_style()
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8.5, leading=11.5),
        "label": ParagraphStyle("label", parent=body, fontName=BOLD, spaceBefore=6),
        "row": ParagraphStyle("row", parent=body, spaceBefore=6),
        "caption": ParagraphStyle("caption", parent=body, fontSize=12, textColor=GREY),
        "title": ParagraphStyle(
            "title", parent=body, fontName=BOLD, fontSize=24, leading=30, spaceAfter=12
        ),
        "h1": ParagraphStyle(
            "h1", parent=body, fontName=BOLD, fontSize=16, leading=21, spaceBefore=6, spaceAfter=8
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=body,
            fontName=BOLD,
            fontSize=12.5,
            leading=16,
            spaceBefore=10,
            spaceAfter=4,
        ),
        "cell": ParagraphStyle("cell", parent=body, fontSize=9, leading=12),
        "cellhead": ParagraphStyle("cellhead", parent=body, fontName=BOLD, fontSize=9, leading=12),
        "hash": ParagraphStyle("hash", parent=body, fontName=MONO, fontSize=7, leading=10),
        "banner": ParagraphStyle(
            "banner", parent=body, fontName=BOLD, textColor=colors.white, fontSize=11, leading=15
        ),
    }


# Pages: header, footer ("Page N of M") and the watermark, drawn once the page count is known.


class _RecordInfo(PDFInfo):
    """reportlab's document information, with the decision's time and the record's identity."""

    def __init__(self, record: Record):
        super().__init__()
        self.title = f"{record.reference} revision {record.revision}: {record.title}"
        self.author = record.organisation
        self.subject = "Equality Impact Assessment record"
        self.creator = "EqIA"
        self.extra = record.info
        moment = (record.created or record.created_at).astimezone(UTC)
        self.date = f"D:{moment:%Y%m%d%H%M%S}+00'00'"

    def format(self, document):
        entries = {
            "Title": PDFString(self.title),
            "Author": PDFString(self.author),
            "Subject": PDFString(self.subject),
            "Creator": PDFString(self.creator),
            "Producer": PDFString(self.producer),
            "CreationDate": PDFString(self.date),
            "ModDate": PDFString(self.date),
            "Trapped": PDFName(self.trapped),
        }
        entries.update({key: PDFString(value) for key, value in self.extra.items()})
        return PDFDictionary(entries).format(document)


def _canvas_for(record: Record):
    return numbered_canvas(
        lambda canvas, number, total: _decorate(canvas, record, number, total),
        info=_RecordInfo(record),
    )


def _decorate(canvas: Canvas, record: Record, number: int, total: int) -> None:
    width, height = A4
    canvas.saveState()
    if not record.signed_off:
        canvas.setFillColor(colors.Color(0.83, 0.21, 0.11, alpha=0.13))
        canvas.setFont(BOLD, 64)
        canvas.translate(width / 2, height / 2)
        canvas.rotate(50)
        canvas.drawCentredString(0, -20, WATERMARK)
        canvas.rotate(-50)
        canvas.translate(-width / 2, -height / 2)
    canvas.setFont(REGULAR, 8)
    canvas.setFillColor(GREY)
    canvas.drawString(18 * mm, height - 12 * mm, record.organisation[:90])
    label = "Equality Impact Assessment record"
    if not record.signed_off:
        canvas.setFillColor(RED)
        canvas.setFont(BOLD, 8)
        label = f"{WATERMARK}: not the signed record"
    canvas.drawRightString(width - 18 * mm, height - 12 * mm, label)
    canvas.setStrokeColor(LINE)
    canvas.line(18 * mm, 14 * mm, width - 18 * mm, 14 * mm)
    canvas.setFont(REGULAR, 8)
    canvas.setFillColor(GREY)
    canvas.drawString(18 * mm, 9 * mm, f"{record.reference} revision {record.revision}")
    canvas.drawRightString(width - 18 * mm, 9 * mm, f"Page {number} of {total}")
    canvas.restoreState()


# Content.


def _table(rows, widths, styles, header: bool = False, zebra: bool = False) -> Table:
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, LINE),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    if header:
        style.append(("LINEBELOW", (0, 0), (-1, 0), 1, BLACK))
    if zebra:
        style.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, PALE]))
    return Table(
        rows,
        colWidths=widths,
        style=TableStyle(style),
        repeatRows=1 if header else 0,
        splitInRow=1,
        hAlign="LEFT",
    )


def _pairs(pairs: list[tuple], s) -> Table:
    """A summary list: a label in bold, its value (markup, already escaped) beside it, in the
    cell style unless the pair names another."""
    rows = [
        [Paragraph(markup(key), s["cellhead"]), Paragraph(value, s[style[0] if style else "cell"])]
        for key, value, *style in pairs
    ]
    return _table(rows, [52 * mm, None], s)


def _cover(record: Record, s) -> list:
    story = [
        Paragraph(markup(record.organisation), s["caption"]),
        Paragraph("Equality Impact Assessment", s["caption"]),
        Spacer(1, 6 * mm),
        Paragraph(markup(record.title), s["title"]),
    ]
    if not record.signed_off:
        banner = Table(
            [[Paragraph(f"{WATERMARK}. This is not the signed record of this EqIA.", s["banner"])]],
            colWidths=[None],
            style=TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, -1), RED),
                    ("LEFTPADDING", (0, 0), (-1, -1), 8),
                    ("TOPPADDING", (0, 0), (-1, -1), 6),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                ]
            ),
        )
        story += [banner, Spacer(1, 5 * mm)]
    decision = record.decision
    pairs = [
        ("Reference", markup(record.reference)),
        ("Revision", markup(record.revision)),
        ("Status", markup(record.status)),
        ("Project lead", markup(record.lead)),
        ("Co-authors", markup(", ".join(record.co_authors) or "None")),
        ("Directorate", markup(record.directorate or "Not given")),
        ("Started", markup(date_and_time(record.created_at))),
        (
            "Submitted",
            markup(
                f"{date_and_time(record.submitted_at)} by {record.submitted_by}"
                if record.submitted_at
                else "Not yet submitted"
            ),
        ),
    ]
    if decision is not None:
        verb = "Signed off" if decision.approved else "Returned"
        pairs.append((verb, markup(f"{date_and_time(decision.decided_at)} by {decision.name}")))
    pairs += [
        ("Review date", markup(record.review_date or "Not set")),
        (
            "Content hash (SHA-256)",
            markup(record.content_hash or "None: these answers are not yet frozen in a revision"),
            "hash" if record.content_hash else "cell",
        ),
    ]
    story.append(_pairs(pairs, s))
    story.append(Spacer(1, 6 * mm))
    if not record.content_hash:
        about = "This PDF shows the answers as they stand now: they have not been submitted "
        about += "for sign-off, so they may still change. It is not digitally signed."
    elif record.signed_off:
        about = "This record shows the revision as it was frozen when it was submitted for "
        about += "sign-off. It is digitally signed: any change to the file after signing can be "
        about += "detected."
    else:
        about = "This PDF shows the revision as it was frozen when it was submitted for "
        about += "sign-off. That revision has not been signed off, so it is not digitally signed."
    story.append(Paragraph(about, s["small"]))
    return story


def _rows(rows, s) -> list:
    """Each question in bold above its answer, as one paragraph: a long answer flows on to
    the next page, and a question is never left alone at the foot of one."""
    return [
        Paragraph(
            f"<b>{markup(row.question)}</b><br/>{markup(row.answer) or 'Not answered'}",
            s["row"],
        )
        for row in rows
    ]


def _answers(section: SectionView, s) -> list:
    return _rows(section.rows, s)


def _impacts(section: SectionView, s) -> list:
    rows = [
        [
            Paragraph("Characteristic", s["cellhead"]),
            Paragraph("Likely impact", s["cellhead"]),
            Paragraph("Impact after mitigation", s["cellhead"]),
        ]
    ]
    for entry in section.impacts:
        rows.append(
            [
                Paragraph(markup(entry.name), s["cell"]),
                Paragraph(markup(", ".join(entry.impacts) or "Not answered"), s["cell"]),
                Paragraph(markup(entry.residual or "–"), s["cell"]),
            ]
        )
    story: list = [_table(rows, [62 * mm, 60 * mm, None], s, header=True, zebra=True)]
    for entry in section.impacts:
        details = [
            f"<b>{label}:</b> {markup(value)}"
            for label, value in (
                ("Evidence", entry.evidence),
                ("Mitigation", entry.mitigation),
                ("Impact after mitigation", entry.residual),
                ("How we will find out", entry.how_find_out),
            )
            if value
        ]
        heading = Paragraph(f"{markup(entry.name)}: {markup(', '.join(entry.impacts))}", s["h2"])
        story.append(KeepTogether([heading, Paragraph("<br/>".join(details), s["body"])]))
    return story


def _actions(section: SectionView, s) -> list:
    if not section.actions:
        return [Paragraph("No actions.", s["body"])]
    story: list = []
    for number, action in enumerate(section.actions, 1):
        pairs = [
            ("Action", markup(action.action)),
            ("Responsible", markup(action.responsible)),
            (
                "Dates",
                markup(f"{iso_long_date(action.start_date)} to {iso_long_date(action.due_date)}"),
            ),
            ("Characteristics", markup(", ".join(action.characteristics) or "None chosen")),
            ("Success measure", markup(action.success_measure)),
        ]
        if action.plan_action:
            pairs.append(("EDI action plan", markup(action.plan_action)))
        if action.carried_from:
            progress = "\n".join(
                filter(None, [action.progress or "Not answered", action.progress_note])
            )
            pairs.append((f"Since revision {action.carried_from}", markup(progress)))
        story += [Paragraph(f"Action {number}", s["h2"]), _pairs(pairs, s)]
    return story


def _objectives(section: SectionView, s) -> list:
    if not section.objectives:
        return _answers(section, s)
    return [
        KeepTogether(
            [
                Paragraph(f"Objective {markup(link.number)}: {markup(link.objective)}", s["label"]),
                Paragraph(f"Theme: {markup(link.theme)}", s["small"]),
                Paragraph(markup(link.how) or "No explanation given", s["body"]),
            ]
        )
        for link in section.objectives
    ]


def _evidence(section: SectionView, s) -> list:
    story = _rows(section.answers, s)
    story.append(Paragraph("Evidence files", s["label"]))
    if not section.files:
        story.append(Paragraph("None attached", s["body"]))
        return story
    table = [
        [
            Paragraph("File", s["cellhead"]),
            Paragraph("Size", s["cellhead"]),
            Paragraph("SHA-256", s["cellhead"]),
        ]
    ]
    for item in section.files:
        table.append(
            [
                Paragraph(markup(item.name), s["cell"]),
                Paragraph(markup(_size(item.size)), s["cell"]),
                Paragraph(markup(item.sha256), s["hash"]),
            ]
        )
    story.append(_table(table, [56 * mm, 16 * mm, None], s, header=True))
    return story


def _size(size: int | None) -> str:
    if size is None:
        return ""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"


SECTION_DRAWERS = {
    "impacts": _impacts,
    "actions": _actions,
    "objectives": _objectives,
    "evidence": _evidence,
}


def _sections(record: Record, s) -> list:
    story: list = []
    for section in record.sections:
        story.append(CondPageBreak(40 * mm))
        story.append(Paragraph(markup(section.heading), s["h1"]))
        draw = SECTION_DRAWERS.get(section.slug, _answers)
        story.extend(draw(section, s))
    return story


def _decision(record: Record, s) -> list:
    decision = record.decision
    if decision is None:
        return []
    heading = "The super user's review" if decision.approved else "Returned with comments"
    story: list = [CondPageBreak(90 * mm), Paragraph(heading, s["h1"])]
    if decision.evaluations:
        rows = [
            [
                Paragraph("Section", s["cellhead"]),
                Paragraph("Evaluation", s["cellhead"]),
                Paragraph("Comment", s["cellhead"]),
            ]
        ]
        for evaluation in decision.evaluations:
            rows.append(
                [
                    Paragraph(markup(evaluation.section), s["cell"]),
                    Paragraph(markup(evaluation.rating), s["cell"]),
                    Paragraph(markup(evaluation.comment) or "None", s["cell"]),
                ]
            )
        story.append(_table(rows, [55 * mm, 32 * mm, None], s, header=True, zebra=True))
    story.append(Paragraph("Overall comment", s["label"]))
    story.append(Paragraph(markup(decision.comment) or "None", s["body"]))
    if decision.links:
        story.append(Paragraph("Links to EDI objectives", s["label"]))
        for link in decision.links:
            verdict = "confirmed" if link.confirmed else "removed"
            line = f"Objective {link.number}: {link.objective} ({verdict})"
            story.append(Paragraph(markup(line), s["body"]))
    if not decision.approved:
        return story
    story += [
        Paragraph("Sign-off", s["h1"]),
        _pairs(
            [
                ("Signed off by", markup(decision.name)),
                ("Job title", markup(decision.job_title or "Not given")),
                ("Signed off on", markup(f"{date_and_time(decision.decided_at)} (UK time)")),
                ("Revision", markup(record.revision)),
                ("Content hash (SHA-256)", markup(record.content_hash), "hash"),
                *_anchor(record),
            ],
            s,
        ),
        Paragraph("Text for the committee report", s["h2"]),
        Table(
            [
                [Paragraph(CLEARANCE_QUESTION, s["body"])],
                [Paragraph(f"Name of Officer: {markup(decision.name)}", s["body"])],
                [
                    Paragraph(
                        f"EqIA reference: {markup(record.reference)}, revision "
                        f"{markup(record.revision)}, signed off on "
                        f"{long_date(decision.decided_at)}.",
                        s["body"],
                    )
                ],
            ],
            colWidths=[None],
            hAlign="LEFT",
            style=TableStyle(
                [
                    ("LINEBEFORE", (0, 0), (0, -1), 4, LINE),
                    ("LEFTPADDING", (0, 0), (-1, -1), 10),
                ]
            ),
        ),
    ]
    return story


def _anchor(record: Record) -> list[tuple]:
    if record.anchor is None:
        return []
    return [
        ("Audit trail at sign-off", markup(f"event {record.anchor.seq}")),
        ("Audit trail hash (SHA-256)", markup(record.anchor.hash), "hash"),
    ]


def _history(record: Record, s) -> list:
    rows = [
        [
            Paragraph("When", s["cellhead"]),
            Paragraph("Who", s["cellhead"]),
            Paragraph("What happened", s["cellhead"]),
        ]
    ]
    for line in record.history:
        what = markup(line.what) + (f"<br/>{markup(line.detail)}" if line.detail else "")
        rows.append(
            [
                Paragraph(markup(date_and_time(line.at)), s["cell"]),
                Paragraph(markup(line.who), s["cell"]),
                Paragraph(what, s["cell"]),
            ]
        )
    return [
        CondPageBreak(60 * mm),
        Paragraph("History", s["h1"]),
        _table(rows, [42 * mm, 40 * mm, None], s, header=True, zebra=True),
    ]


def render(record: Record, font_dir) -> bytes:
    """The record as PDF bytes: the same record gives the same bytes."""
    register_fonts(font_dir)
    s = _styles()
    out = io.BytesIO()
    pdf = document(
        out,
        title=f"{record.reference} revision {record.revision}: {record.title}",
        author=record.organisation,
        invariant=1,
    )
    story = [
        *_cover(record, s),
        PageBreak(),
        *_sections(record, s),
        *_decision(record, s),
        *_history(record, s),
    ]
    pdf.build(story, canvasmaker=_canvas_for(record))
    return out.getvalue()

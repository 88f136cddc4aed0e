"""The PDF record of an EqIA, drawn with reportlab from plain data.

No Flask and no database here: ``documents`` gathers a :class:`Record` from a
frozen revision (so the PDF never disagrees with the form) and this module
draws it. Every piece of text a person typed goes through :func:`markup`,
which escapes it before reportlab's paragraph markup sees it: ``<b>`` or ``&``
print as typed and can never break the PDF.

The same record always draws the same bytes: reportlab runs in invariant mode,
the creation date is the decision's time, and the document ID derives from the
content. DejaVu Sans (Debian's fonts-dejavu-core) is embedded, so Latin with any
accent, Greek and Cyrillic print as typed.
"""

from __future__ import annotations

import io
import os
import re
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFInfo, PDFName, PDFString
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

FONT_DIR = Path(os.environ.get("EQIA_FONT_DIR", "/usr/share/fonts/truetype/dejavu"))
FONTS = {
    "DejaVuSans": "DejaVuSans.ttf",
    "DejaVuSans-Bold": "DejaVuSans-Bold.ttf",
    "DejaVuSansMono": "DejaVuSansMono.ttf",
}
REGULAR, BOLD, MONO = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSansMono"
LONDON = ZoneInfo("Europe/London")
WATERMARK = "Not signed off"

BLACK = colors.HexColor("#0b0c0c")
GREY = colors.HexColor("#505a5f")
LINE = colors.HexColor("#b1b4b6")
PALE = colors.HexColor("#f3f2f1")
RED = colors.HexColor("#d4351c")
CLEARANCE_QUESTION = (
    "Have the equality and diversity implications been cleared by your EqIA Super User? Yes."
)


# The record: plain data, gathered by ``documents``.


@dataclass(frozen=True)
class Evaluation:
    section: str
    rating: str
    comment: str


@dataclass(frozen=True)
class Decision:
    approved: bool
    name: str
    job_title: str
    decided_at: datetime
    comment: str
    evaluations: list[Evaluation] = field(default_factory=list)


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    who: str
    what: str
    detail: str = ""


@dataclass
class Record:
    organisation: str
    reference: str
    title: str
    revision: int
    status: str
    lead: str
    directorate: str
    created_at: datetime
    submitted_at: datetime | None
    submitted_by: str
    review_date: str
    content_hash: str  # empty for answers not yet frozen in a revision
    sections: list[dict]  # the snapshot's sections, as sections.snapshot() froze them
    decision: Decision | None
    history: list[HistoryLine]
    signed_off: bool  # False: watermarked "Not signed off" on every page

    @property
    def info(self) -> dict[str, str]:
        """What the PDF says it is, in its document information (read back by verify)."""
        return {
            "EqiaReference": self.reference,
            "EqiaRevision": str(self.revision),
            "EqiaContentHash": self.content_hash,
        }

    @property
    def created(self) -> datetime | None:
        return self.decision.decided_at if self.decision else self.submitted_at


# Text.

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def markup(value: object) -> str:
    """Text a person typed, safe inside reportlab's paragraph markup, line breaks kept."""
    text = "" if value is None else str(value)
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return escape(text).replace("\n", "<br/>")


def when(value: datetime | None) -> str:
    """UK time, GOV.UK style: 22 November 2026 at 8:05am."""
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    clock = f"{local:%-I:%M}{local:%p}".replace("AM", "am").replace("PM", "pm")
    return f"{local:%-d %B %Y} at {clock}"


def day(value: datetime | date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    return f"{value:%-d %B %Y}"


def _iso_day(value: str) -> str:
    try:
        return day(date.fromisoformat(value))
    except (TypeError, ValueError):
        return value or ""


# Fonts and styles.

_fonts_lock = threading.Lock()
_fonts_ready = False


def register_fonts() -> None:
    """Load DejaVu once per process; a clear error names the package when it is missing."""
    global _fonts_ready
    with _fonts_lock:
        if _fonts_ready:
            return
        for name, filename in FONTS.items():
            path = FONT_DIR / filename
            if not path.exists():
                raise RuntimeError(
                    f"The PDF font {path} is missing: install Debian's fonts-dejavu-core "
                    "(make fonts) or set EQIA_FONT_DIR"
                )
            pdfmetrics.registerFont(TTFont(name, str(path)))
        pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR)
        _fonts_ready = True


def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=10, leading=14, textColor=BLACK)
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
        moment = (record.created or record.created_at).astimezone(ZoneInfo("UTC"))
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


def numbered_canvas(decorate, info=None):
    """A canvas class that draws each page's header and footer once the number of pages is
    known, so every page can say "Page N of M": ``decorate(canvas, number, total)``."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if info is not None:
                self._doc.info = info
            self._pages: list[dict] = []

        def showPage(self):  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, 1):
                self.__dict__.update(state)
                decorate(self, number, total)
                super().showPage()
            super().save()

    return NumberedCanvas


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
        ("Directorate", markup(record.directorate or "Not given")),
        ("Started", markup(when(record.created_at))),
        (
            "Submitted",
            markup(
                f"{when(record.submitted_at)} by {record.submitted_by}"
                if record.submitted_at
                else "Not yet submitted"
            ),
        ),
    ]
    if decision is not None:
        verb = "Signed off" if decision.approved else "Returned"
        pairs.append((verb, markup(f"{when(decision.decided_at)} by {decision.name}")))
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


def _rows(section: dict, s) -> list:
    """Each question in bold above its answer, as one paragraph: a long answer flows on to
    the next page, and a question is never left alone at the foot of one."""
    return [
        Paragraph(
            f"<b>{markup(row['question'])}</b><br/>{markup(row['answer']) or 'Not answered'}",
            s["row"],
        )
        for row in section["rows"]
    ]


def _impacts(section: dict, s) -> list:
    entries = section.get("impacts")
    if entries is None:  # a snapshot without the table: print its rows
        return _rows(section, s)
    rows = [
        [
            Paragraph("Characteristic", s["cellhead"]),
            Paragraph("Likely impact", s["cellhead"]),
            Paragraph("Impact after mitigation", s["cellhead"]),
        ]
    ]
    for entry in entries:
        name = entry["characteristic"] + (" (retired)" if entry.get("retired") else "")
        rows.append(
            [
                Paragraph(markup(name), s["cell"]),
                Paragraph(markup(", ".join(entry["impacts"]) or "Not answered"), s["cell"]),
                Paragraph(markup(entry.get("residual") or "–"), s["cell"]),
            ]
        )
    story: list = [_table(rows, [62 * mm, 60 * mm, None], s, header=True, zebra=True)]
    for entry in entries:
        name = entry["characteristic"] + (" (retired)" if entry.get("retired") else "")
        details = [
            f"<b>{label}:</b> {markup(entry[key])}"
            for label, key in (
                ("Evidence", "evidence"),
                ("Mitigation", "mitigation"),
                ("Impact after mitigation", "residual"),
                ("How we will find out", "how_find_out"),
            )
            if entry.get(key)
        ]
        heading = Paragraph(f"{markup(name)}: {markup(', '.join(entry['impacts']))}", s["h2"])
        story.append(KeepTogether([heading, Paragraph("<br/>".join(details), s["body"])]))
    return story


def _actions(section: dict, s) -> list:
    actions = section.get("actions")
    if actions is None:
        return _rows(section, s)
    if not actions:
        return [Paragraph("No actions.", s["body"])]
    story: list = []
    for number, action in enumerate(actions, 1):
        pairs = [
            ("Action", markup(action["action"])),
            ("Responsible", markup(action["responsible"])),
            (
                "Dates",
                markup(f"{_iso_day(action['start_date'])} to {_iso_day(action['due_date'])}"),
            ),
            ("Characteristics", markup(", ".join(action["characteristics"]) or "None chosen")),
            ("Success measure", markup(action["success_measure"])),
        ]
        if action.get("carried_from"):
            pairs.append(
                (
                    f"Since revision {action['carried_from']}",
                    markup(
                        "\n".join(
                            filter(
                                None,
                                [
                                    action.get("progress") or "Not answered",
                                    action.get("progress_note"),
                                ],
                            )
                        )
                    ),
                )
            )
        story += [Paragraph(f"Action {number}", s["h2"]), _pairs(pairs, s)]
    return story


def _objectives(section: dict, s) -> list:
    links = section.get("objectives")
    if not links:
        return _rows(section, s)
    story: list = []
    for link in links:
        story.append(
            KeepTogether(
                [
                    Paragraph(
                        f"Objective {markup(link['number'])}: {markup(link['objective'])}",
                        s["label"],
                    ),
                    Paragraph(f"Theme: {markup(link.get('theme', ''))}", s["small"]),
                    Paragraph(markup(link.get("how")) or "No explanation given", s["body"]),
                ]
            )
        )
    return story


def _evidence(section: dict, s) -> list:
    rows = [r for r in section["rows"] if r["key"] != "evidence.files"]
    story = _rows({**section, "rows": rows}, s)
    files = section.get("files")
    if files is None:
        return _rows(section, s)
    story.append(Paragraph("Evidence files", s["label"]))
    if not files:
        story.append(Paragraph("None attached", s["body"]))
        return story
    table = [
        [
            Paragraph("File", s["cellhead"]),
            Paragraph("Size", s["cellhead"]),
            Paragraph("SHA-256", s["cellhead"]),
        ]
    ]
    for item in files:
        table.append(
            [
                Paragraph(markup(item["name"]), s["cell"]),
                Paragraph(markup(_size(item.get("size"))), s["cell"]),
                Paragraph(markup(item["sha256"]), s["hash"]),
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
        story.append(Paragraph(f"{markup(section['number'])}. {markup(section['title'])}", s["h1"]))
        draw = SECTION_DRAWERS.get(section["slug"], _rows)
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
    if not decision.approved:
        return story
    story += [
        Paragraph("Sign-off", s["h1"]),
        _pairs(
            [
                ("Signed off by", markup(decision.name)),
                ("Job title", markup(decision.job_title or "Not given")),
                ("Signed off on", markup(f"{when(decision.decided_at)} (UK time)")),
                ("Revision", markup(record.revision)),
                ("Content hash (SHA-256)", markup(record.content_hash), "hash"),
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
                        f"{markup(record.revision)}, signed off on {day(decision.decided_at)}.",
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
                Paragraph(markup(when(line.at)), s["cell"]),
                Paragraph(markup(line.who), s["cell"]),
                Paragraph(what, s["cell"]),
            ]
        )
    return [
        CondPageBreak(60 * mm),
        Paragraph("History", s["h1"]),
        _table(rows, [42 * mm, 40 * mm, None], s, header=True, zebra=True),
    ]


def render(record: Record) -> bytes:
    """The record as PDF bytes: the same record gives the same bytes."""
    register_fonts()
    s = _styles()
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=f"{record.reference} revision {record.revision}: {record.title}",
        author=record.organisation,
        invariant=1,
        lang="en-GB",
    )
    story = [
        *_cover(record, s),
        PageBreak(),
        *_sections(record, s),
        *_decision(record, s),
        *_history(record, s),
    ]
    document.build(story, canvasmaker=_canvas_for(record))
    return out.getvalue()

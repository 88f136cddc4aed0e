"""The progress report as a PDF: bar charts (reportlab.graphics) and the tables behind them.

No Flask and no database: it draws a :class:`eqia.plan.progress.Report`. The
tables are the report's own :meth:`Report.tables`, the same rows the HTML page and
the CSV show. Every bar carries its number, and each chart is followed by its
table, so no figure is told by colour alone. Fonts, colours and page layout are
``eqia.pdfbase``'s, as the PDF record's are.
"""

from __future__ import annotations

import io

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
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
    MARGIN,
    PALE,
    REGULAR,
    WIDTH,
    body_style,
    document,
    markup,
    numbered_canvas,
    register_fonts,
)
from eqia.plan import charts
from eqia.plan.counting import KIND_LABELS, KINDS
from eqia.plan.progress import STATUSES, Report, ReportTable
from eqia.timefmt import date_and_time, long_date

STATUS_COLOURS = [colors.HexColor(c) for c in charts.STATUS_COLOURS]
KIND_COLOURS = [colors.HexColor(c) for c in charts.PALETTE[:3]]


def _styles() -> dict[str, ParagraphStyle]:
    body = body_style()
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8.5, leading=11.5, textColor=GREY),
        "caption": ParagraphStyle("caption", parent=body, fontSize=12, textColor=GREY),
        "title": ParagraphStyle(
            "title", parent=body, fontName=BOLD, fontSize=22, leading=28, spaceAfter=8
        ),
        "h1": ParagraphStyle(
            "h1", parent=body, fontName=BOLD, fontSize=15, leading=20, spaceBefore=10, spaceAfter=6
        ),
        "h2": ParagraphStyle(
            "h2", parent=body, fontName=BOLD, fontSize=11.5, leading=15, spaceBefore=8, spaceAfter=4
        ),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8, leading=10),
        "cellbold": ParagraphStyle("cellbold", parent=body, fontName=BOLD, fontSize=8, leading=10),
        "number": ParagraphStyle("number", parent=body, fontSize=8, leading=10, alignment=2),
        "numberbold": ParagraphStyle(
            "numberbold", parent=body, fontName=BOLD, fontSize=8, leading=10, alignment=2
        ),
        "head": ParagraphStyle("head", parent=body, fontName=BOLD, fontSize=7, leading=9),
        "headnumber": ParagraphStyle(
            "headnumber", parent=body, fontName=BOLD, fontSize=7, leading=9, alignment=2
        ),
    }


# Tables.


def _table(table: ReportTable, s) -> list:
    """A report table: its caption, a header row, and a row for each row of figures."""
    numbers = len(table.head) - 1
    first = WIDTH - numbers * (18 * mm) if numbers > 3 else WIDTH - numbers * (28 * mm)
    widths = [first, *([(WIDTH - first) / numbers] * numbers)]
    rows = [
        [
            Paragraph(markup(table.head[0]), s["head"]),
            *(Paragraph(markup(h), s["headnumber"]) for h in table.head[1:]),
        ]
    ]
    for index, row in enumerate(table.rows):
        bold = table.total and index == len(table.rows) - 1
        rows.append(
            [
                Paragraph(markup(row[0]), s["cellbold" if bold else "cell"]),
                *(
                    Paragraph(markup(cell), s["numberbold" if bold else "number"])
                    for cell in row[1:]
                ),
            ]
        )
    style = TableStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.5, LINE),
            ("LINEBELOW", (0, 0), (-1, 0), 1, BLACK),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, PALE]),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
    )
    return [
        CondPageBreak(30 * mm),
        Paragraph(markup(table.caption), s["h2"]),
        Table(rows, colWidths=widths, style=style, repeatRows=1, hAlign="LEFT"),
        Spacer(1, 4 * mm),
    ]


# Charts.


def _axis_max(values: list[int]) -> tuple[int, int]:
    """The value axis: whole-number steps, with room above the longest bar for its number."""
    largest = max(values, default=0)
    step = charts.nice_step(largest)
    return step * (largest // step + 1), step


def _label_bars(chart) -> None:
    # Each bar's number just past its end; none on an empty bar (the table gives every 0).
    chart.barLabelFormat = lambda value: f"{int(value)}" if value else ""
    chart.barLabels.boxTarget = "hi"
    chart.barLabels.nudge = 6
    chart.barLabels.fontName = REGULAR
    chart.barLabels.fontSize = 7
    chart.barLabels.fillColor = BLACK


def _legend(names: list[str], fills: list, x: float, y: float) -> Legend:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.boxAnchor = "ne"
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 8
    legend.dx = legend.dy = 8
    legend.fontName, legend.fontSize = REGULAR, 8
    legend.colorNamePairs = list(zip(fills, names, strict=True))
    legend.strokeColor = BLACK
    legend.strokeWidth = 0.5
    return legend


def _title(drawing: Drawing, text: str, y: float) -> None:
    drawing.add(String(0, y, text, fontName=BOLD, fontSize=11, fillColor=BLACK))


def _status_chart(report: Report) -> Drawing:
    """Plan actions by status, one group of bars per theme."""
    height = 70 * mm
    drawing = Drawing(WIDTH, height)
    title = "Chart: plan actions by status, by theme"
    _title(drawing, title, height - 12)
    chart = VerticalBarChart()
    chart.x, chart.y = 12 * mm, 12 * mm
    chart.width, chart.height = WIDTH - 16 * mm, height - 36 * mm
    chart.data = [[t.figures.by_status[s] for t in report.themes] or [0] for s in STATUSES]
    top, step = _axis_max([v for series in chart.data for v in series])
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, top, step
    chart.valueAxis.labels.fontName, chart.valueAxis.labels.fontSize = REGULAR, 7
    chart.valueAxis.labelTextFormat = "%d"
    chart.categoryAxis.categoryNames = [t.name for t in report.themes] or [""]
    chart.categoryAxis.labels.fontName, chart.categoryAxis.labels.fontSize = REGULAR, 8
    chart.categoryAxis.labels.dy = -4
    chart.groupSpacing, chart.barSpacing = 10, 1
    for index, fill in enumerate(STATUS_COLOURS):
        chart.bars[index].fillColor = fill
        chart.bars[index].strokeColor = BLACK
        chart.bars[index].strokeWidth = 0.3
    _label_bars(chart)
    drawing.add(chart)
    drawing.add(
        _legend([s.label for s in STATUSES], STATUS_COLOURS, WIDTH, height - 22),
    )
    return drawing


def _horizontal_chart(
    title: str, categories: list[str], series: list[list[int]], names: list[str], fills: list
) -> Drawing:
    bar = 7 if len(series) > 1 else 9
    group = len(series) * bar + 6
    plot = max(len(categories), 1) * group
    height = plot + 30 * mm
    drawing = Drawing(WIDTH, height)
    _title(drawing, title, height - 12)
    chart = HorizontalBarChart()
    chart.x, chart.y = 52 * mm, 10 * mm
    chart.width, chart.height = WIDTH - 62 * mm, plot
    chart.data = [values or [0] for values in series]
    top, step = _axis_max([v for values in series for v in values])
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, top, step
    chart.valueAxis.labels.fontName, chart.valueAxis.labels.fontSize = REGULAR, 7
    chart.valueAxis.labelTextFormat = "%d"
    chart.categoryAxis.categoryNames = categories or [""]
    chart.categoryAxis.reverseDirection = 1  # the first category at the top, as in the table
    chart.categoryAxis.labels.fontName, chart.categoryAxis.labels.fontSize = REGULAR, 7.5
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -3
    chart.barWidth, chart.groupSpacing, chart.barSpacing = bar, 6, 0
    for index, fill in enumerate(fills):
        chart.bars[index].fillColor = fill
        chart.bars[index].strokeColor = BLACK
        chart.bars[index].strokeWidth = 0.3
    _label_bars(chart)
    drawing.add(chart)
    if len(names) > 1:
        drawing.add(_legend(names, fills, WIDTH, height - 22))
    return drawing


def _objectives_chart(report: Report) -> Drawing:
    lines = [o for t in report.themes for o in t.objectives]
    return _horizontal_chart(
        "Chart: EqIAs signed off in the period and linked, by objective",
        [f"Objective {o.number}" for o in lines],
        [[o.figures.eqias for o in lines]],
        ["EqIAs"],
        [colors.HexColor(charts.PALETTE[3])],
    )


def _impacts_chart(report: Report) -> Drawing:
    lines = report.characteristics
    return _horizontal_chart(
        "Chart: impacts on each characteristic in the EqIAs signed off in the period",
        [c.label if len(c.label) <= 34 else c.label[:33] + "…" for c in lines],
        [[c.counts[k] for c in lines] for k in KINDS],
        [KIND_LABELS[k] for k in KINDS],
        KIND_COLOURS,
    )


# Pages.


def _decorate(canvas: Canvas, report: Report, number: int, total: int) -> None:
    """The organisation, title, period and "Page N of M" on every page."""
    canvas.saveState()
    canvas.setFont(REGULAR, 8)
    canvas.setFillColor(GREY)
    width, height = A4
    canvas.drawString(MARGIN, height - 12 * mm, report.organisation[:90])
    canvas.drawRightString(width - MARGIN, height - 12 * mm, report.title)
    canvas.setStrokeColor(LINE)
    canvas.line(MARGIN, 14 * mm, width - MARGIN, 14 * mm)
    canvas.drawString(MARGIN, 9 * mm, report.period.label)
    canvas.drawRightString(width - MARGIN, 9 * mm, f"Page {number} of {total}")
    canvas.restoreState()


def _canvas_for(report: Report):
    return numbered_canvas(lambda canvas, number, total: _decorate(canvas, report, number, total))


def _introduction(report: Report, s) -> list:
    story = [
        Paragraph(markup(report.organisation), s["caption"]),
        Paragraph(markup(report.title), s["title"]),
        Paragraph(f"Period: {markup(report.period.label)}", s["body"]),
        Paragraph(f"Made on {markup(date_and_time(report.made_at))}", s["small"]),
        Spacer(1, 3 * mm),
        Paragraph(
            "EqIAs count when the record in force was signed off in the period; an objective "
            "counts an EqIA when the EqIA super user confirmed the link. Impacts and mitigating "
            "actions are those of the signed-off revisions. Plan actions are shown by their "
            f"status now; overdue means the end date had passed by {long_date(report.as_at)} and "
            "the action was not complete by then.",
            s["small"],
        ),
    ]
    if report.sample:
        story.append(
            Paragraph(
                "The action plan still holds sample data: replace it by importing the "
                "council's own plan.",
                s["small"],
            )
        )
    return story


def render(report: Report, font_dir) -> bytes:
    """The report as PDF bytes."""
    register_fonts(font_dir)
    s = _styles()
    out = io.BytesIO()
    pdf = document(
        out,
        title=f"{report.title}: {report.period.label}",
        author=report.organisation,
        subject="EDI action plan progress report",
    )
    tables = {t.key: t for t in report.tables()}
    objectives = [t for t in report.tables() if t.key.startswith("theme-")]
    story = [
        *_introduction(report, s),
        *_table(tables["summary"], s),
        Paragraph("Action plan", s["h1"]),
        KeepTogether([_status_chart(report)]),
        *_table(tables["themes"], s),
        CondPageBreak(80 * mm),
        KeepTogether([_objectives_chart(report)]),
    ]
    for table in objectives:
        story.extend(_table(table, s))
    story.extend(
        [
            CondPageBreak(120 * mm),
            Paragraph("Impacts in the EqIAs signed off in the period", s["h1"]),
            KeepTogether([_impacts_chart(report)]),
            *_table(tables["characteristics"], s),
        ]
    )
    pdf.build(story, canvasmaker=_canvas_for(report))
    return out.getvalue()

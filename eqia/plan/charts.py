"""Bar charts drawn on the server as inline SVG: no JavaScript, no images to fetch.

This module only lays a chart out (positions and sizes); ``templates/plan/_chart.html``
writes the SVG, for the pages and for the PDF report alike, so every label is escaped
by Jinja and the PDF's bars look exactly like the page's. Each series has a colour *and*
a pattern (solid, stripes, dots, crosses, back stripes, bands: white marks over the
colour) and every bar is labelled with its number, a zero as well, whose bar is a thin
mark at the axis; so colour is never the only signal. Every colour has at least 3:1
contrast with the white the charts are drawn on (and the white marks with the colour
under them). The table beside each chart is its accessible alternative, and the SVG's
title and description say so.

A :class:`Chart` is what is shown; it is drawn in one of two layouts:

- :meth:`Chart.stacked`, for the pages: each name on its own line above its bars, the
  text at its own size (14 CSS px) at any width and the bars a share of the width, so
  the chart is legible at 320 CSS px (WCAG 1.4.10, reflow) and as wide as the page on a
  desktop, without scrolling sideways;
- :meth:`Chart.wide`, for the PDF's A4 page: names beside the bars, the whole drawing
  scaled to the page's width (a stacked chart of every characteristic would not fit on
  a page).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from eqia.plan.counting import KIND_LABELS, KINDS
from eqia.plan.progress import STATUSES, Report

# Colours from GOV.UK Frontend's palettes, each with at least 3:1 contrast against BACKGROUND
# (tests/unit/test_charts.py measures every colour a drawn chart uses).
BACKGROUND = "#ffffff"
INK = "#0b0c0c"  # text, outlines and the axis
SECONDARY_INK = "#505a5f"  # the values along the axis
GRIDLINE = "#858686"
MARK = "#ffffff"  # a pattern's marks, drawn over the series colour
RED, GREEN, GREY, BLUE, ORANGE, PURPLE = (
    "#d4351c",
    "#00703c",
    "#505a5f",
    "#1d70b8",
    "#b7592a",
    "#4c2c92",
)
# The first three are negative, positive and not known; STATUS_COLOURS match the status
# tags (not started, on track, at risk, complete).
PALETTE = (RED, GREEN, GREY, BLUE, ORANGE, PURPLE)
STATUS_COLOURS = (GREY, BLUE, ORANGE, GREEN)
PATTERNS = ("solid", "stripes", "dots", "crosses", "back-stripes", "bands")

ZERO_BAR = 3  # a zero's bar: a thin mark at the axis, so that it is seen as zero
NUMBER_GAP = 4  # between a bar and its number
SWATCH_GAP = 6  # between a legend's swatch and its label
ITEM_GAP = 18  # between one legend entry and the next

# The wide layout, in viewBox units (about 0.95 of a CSS pixel on the PDF's A4 page).
WIDE_LABEL_WIDTH = 230  # category names, right-aligned against the bars
WIDE_LABEL_CHARS = 30
WIDE_BAR_AREA = 420
WIDE_NUMBER_ROOM = 40  # for the number after the longest bar
WIDE_FONT = 13
WIDE_NUMBER_FONT = 12
WIDE_BAR = 12
WIDE_GROUP_GAP = 12
WIDE_LEGEND = 34
BAR_GAP = 2
AXIS_HEIGHT = 24

# The stacked layout, in CSS pixels.
STACKED_MIN_WIDTH = 288  # a 320-pixel screen less GOV.UK's 15-pixel margins
STACKED_FONT = 14
STACKED_LABEL_CHARS = 34  # a name this long fits in STACKED_MIN_WIDTH
STACKED_PLOT_LEFT = 8  # room for the 0 centred under the axis
STACKED_SHARE = 78  # per cent of the width the longest bar takes: the rest is for its number
STACKED_KEY_ROW = 24
STACKED_LABEL_LINE = 20
STACKED_BAR = 14
STACKED_GROUP_GAP = 14


@dataclass(frozen=True)
class Series:
    index: int
    label: str
    colour: str
    pattern: str
    pattern_id: str
    values: tuple[int, ...]

    @property
    def patterned(self) -> bool:
        return self.pattern != "solid"


@dataclass(frozen=True)
class Key:
    """A legend entry: the series' swatch at (x, y), its label after it."""

    series: Series
    x: float
    y: float
    width: int
    height: int

    @property
    def text_x(self) -> float:
        return self.x + self.width + SWATCH_GAP

    @property
    def text_y(self) -> float:
        return self.y + self.height - 3


@dataclass(frozen=True)
class Label:
    """A category's name as drawn (SVG text does not wrap, so a long one is cut: the table
    and each bar's tooltip have it whole)."""

    text: str
    x: float
    y: float
    anchor: str


@dataclass(frozen=True)
class Bar:
    """One bar, in the plot's coordinates (x from the axis). ``length`` is an SVG length:
    user units, or a percentage of the drawing's width; the number is drawn at its end."""

    y: float
    height: int
    length: str
    value: int
    series: Series
    category: str

    @property
    def text_y(self) -> float:
        return self.y + self.height - 2


@dataclass(frozen=True)
class Tick:
    x: str
    value: int


@dataclass(frozen=True)
class Drawing:
    """A chart laid out: ``width`` is the viewBox's (scaled to the space it is given), or
    None for a drawing as wide as its container whose units are CSS pixels."""

    chart: Chart
    width: int | None
    height: int
    font_size: int
    number_font_size: int
    keys: list[Key]
    labels: list[Label]
    bars: list[Bar]
    ticks: list[Tick]
    plot_left: int
    bands: list[tuple[float, float]]  # where the axis and gridlines are drawn, top to bottom
    plot_bottom: float  # the values along the axis go under it

    ink: ClassVar[str] = INK
    secondary_ink: ClassVar[str] = SECONDARY_INK
    gridline: ClassVar[str] = GRIDLINE
    mark: ClassVar[str] = MARK
    number_gap: ClassVar[int] = NUMBER_GAP


@dataclass(frozen=True)
class Chart:
    """A grouped horizontal bar chart: for each category, one bar per series."""

    id: str
    title: str
    description: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]

    @property
    def largest(self) -> int:
        return max((v for s in self.series for v in s.values), default=0)

    @property
    def empty(self) -> bool:
        return not self.largest

    def wide(self) -> Drawing:
        """Names beside the bars, in a viewBox of fixed size scaled to the space given: for
        the PDF's page, whose width is known."""
        keys, x = [], 0
        for s in self.series:
            keys.append(Key(s, x, 6, 26, 16))
            x += 26 + SWATCH_GAP + _text_width(s.label, WIDE_FONT) + ITEM_GAP
        top, step = _scale(self.largest, lines=5)
        scale = WIDE_BAR_AREA / top

        def length(value: int) -> str:
            return _number(value * scale) if value else str(ZERO_BAR)

        group = len(self.series) * (WIDE_BAR + BAR_GAP) - BAR_GAP
        y = WIDE_LEGEND
        bars, labels = [], []
        for position, name in enumerate(self.categories):
            for s in self.series:
                value = s.values[position]
                bar_y = y + s.index * (WIDE_BAR + BAR_GAP)
                bars.append(Bar(bar_y, WIDE_BAR, length(value), value, s, name))
            labels.append(
                Label(_cut(name, WIDE_LABEL_CHARS), WIDE_LABEL_WIDTH - 8, y + group / 2 + 4, "end")
            )
            y += group + WIDE_GROUP_GAP
        return Drawing(
            chart=self,
            width=WIDE_LABEL_WIDTH + WIDE_BAR_AREA + WIDE_NUMBER_ROOM,
            height=y + AXIS_HEIGHT,
            font_size=WIDE_FONT,
            number_font_size=WIDE_NUMBER_FONT,
            keys=keys,
            labels=labels,
            bars=bars,
            ticks=[Tick(_number(v * scale), v) for v in range(0, top + 1, step)],
            plot_left=WIDE_LABEL_WIDTH,
            bands=[(WIDE_LEGEND - 4, y - WIDE_GROUP_GAP + 4)],
            plot_bottom=y - WIDE_GROUP_GAP + 4,
        )

    def stacked(self) -> Drawing:
        """Each name above its bars; the text in CSS pixels at its own size and the bars a
        share of the drawing's width: for pages, as wide as their container, from 288 CSS
        pixels (a 320-pixel screen) up."""
        keys, x, y = [], 0.0, 4.0
        for s in self.series:
            width = 24 + SWATCH_GAP + _text_width(s.label, STACKED_FONT)
            if x and x + width > STACKED_MIN_WIDTH:
                x, y = 0.0, y + STACKED_KEY_ROW
            keys.append(Key(s, x, y, 24, 16))
            x += width + ITEM_GAP
        top, step = _scale(self.largest, lines=4)

        def length(value: int) -> str:
            return f"{_number(value / top * STACKED_SHARE)}%" if value else str(ZERO_BAR)

        y += STACKED_KEY_ROW + 6
        bars, labels, bands = [], [], []
        for position, name in enumerate(self.categories):
            labels.append(Label(_cut(name, STACKED_LABEL_CHARS), 0, y + STACKED_FONT, "start"))
            y += STACKED_LABEL_LINE
            # The gridlines stop short of the name above, so they never cross it.
            bands.append((y - 2, y + len(self.series) * (STACKED_BAR + BAR_GAP) - BAR_GAP + 2))
            for s in self.series:
                value = s.values[position]
                bars.append(Bar(y, STACKED_BAR, length(value), value, s, name))
                y += STACKED_BAR + BAR_GAP
            y += STACKED_GROUP_GAP - BAR_GAP
        plot_bottom = bands[-1][1] if bands else y
        return Drawing(
            chart=self,
            width=None,
            height=round(plot_bottom + AXIS_HEIGHT),
            font_size=STACKED_FONT,
            number_font_size=STACKED_FONT,
            keys=keys,
            labels=labels,
            bars=bars,
            ticks=[
                Tick(f"{_number(v / top * STACKED_SHARE)}%", v) for v in range(0, top + 1, step)
            ],
            plot_left=STACKED_PLOT_LEFT,
            bands=bands,
            plot_bottom=plot_bottom,
        )


def _text_width(text: str, size: int) -> int:
    """Roughly how wide a line of text is drawn (a generous average letter)."""
    return round(len(text) * size * 0.6)


def _cut(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "…"


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _scale(largest: int, lines: int) -> tuple[int, int]:
    """The axis's end (a whole number of steps, at least one) and its step."""
    step = nice_step(largest, lines)
    return step * max(1, -(-largest // step)), step


def nice_step(largest: int, lines: int = 5) -> int:
    """A whole-number gridline step (1, 2, 5, 10, 20, 50 ...) giving about ``lines`` lines."""
    if largest <= lines:
        return 1
    raw = largest / lines
    magnitude = 10 ** (len(str(int(raw))) - 1)
    for multiple in (1, 2, 5, 10):
        if multiple * magnitude >= raw:
            return multiple * magnitude
    return 10 * magnitude


def horizontal_bars(
    chart_id: str,
    title: str,
    description: str,
    categories: list[str],
    series: list[tuple[str, list[int]]],
    colours: tuple[str, ...] = PALETTE,
) -> Chart:
    """A grouped horizontal bar chart: one group of bars per category, one bar per series
    (each in its colour from ``colours`` and its pattern)."""
    return Chart(
        id=chart_id,
        title=title,
        description=description,
        categories=tuple(categories),
        series=tuple(
            Series(
                index,
                label,
                colours[index % len(colours)],
                PATTERNS[index % len(PATTERNS)],
                f"{chart_id}-pattern-{index}",
                tuple(values),
            )
            for index, (label, values) in enumerate(series)
        ),
    )


def report_charts(report: Report) -> dict[str, Chart]:
    """The progress report's charts, from the same report object as its tables: the page
    shows ``themes`` and ``characteristics``, the PDF all three."""
    themes = report.themes
    objectives = [o for t in themes for o in t.objectives]
    return {
        "themes": horizontal_bars(
            "chart-plan-status",
            "Plan actions by status, by theme",
            "Bar chart: for each theme, how many of its plan actions are not started, on "
            "track, at risk and complete. The table that follows gives the same figures.",
            [t.name for t in themes],
            [(s.label, [t.figures.by_status[s] for t in themes]) for s in STATUSES],
            STATUS_COLOURS,
        ),
        "objectives": horizontal_bars(
            "chart-objective-eqias",
            "EqIAs signed off in the period and linked, by objective",
            "Bar chart: for each objective, how many EqIAs signed off in the period the EqIA "
            "super user confirmed as supporting it. The tables that follow give the same "
            "figures, theme by theme.",
            [f"Objective {o.number}" for o in objectives],
            [("EqIAs", [o.figures.eqias for o in objectives])],
            PALETTE[3:],
        ),
        "characteristics": horizontal_bars(
            "chart-report-impacts",
            "Impacts on each characteristic in the EqIAs signed off in the period",
            "Bar chart: for each characteristic, how many EqIAs signed off in the period "
            "found a negative, a positive or a not-known impact. The table that follows gives "
            "the same figures.",
            [c.label for c in report.characteristics],
            [(KIND_LABELS[k], [c.counts[k] for c in report.characteristics]) for k in KINDS],
        ),
    }

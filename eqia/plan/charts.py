"""Bar charts drawn on the server as inline SVG: no JavaScript, no images to fetch.

This module only lays the chart out (positions and sizes); ``templates/plan/_chart.html``
writes the SVG, so every label is escaped by Jinja. Each series has a colour *and*
a pattern (solid, stripes, dots, crosses) and every bar is labelled with its
number, so colour is never the only signal; the table beside each chart is its
accessible alternative, and the SVG's title and description say so.
"""

from __future__ import annotations

from dataclasses import dataclass

from eqia.plan.counting import KIND_LABELS, KINDS
from eqia.plan.progress import STATUSES, Report

# GOV.UK colours with at least 3:1 contrast against white, and a pattern for each. The
# first three are negative, positive and not known; STATUS_COLOURS match the status tags.
PALETTE = ("#d4351c", "#00703c", "#505a5f", "#1d70b8", "#f47738", "#4c2c92")
STATUS_COLOURS = ("#505a5f", "#1d70b8", "#f47738", "#00703c")
PATTERNS = ("solid", "stripes", "dots", "crosses", "solid", "stripes")

LABEL_WIDTH = 230  # category names, right-aligned against the bars
LABEL_CHARS = 30
BAR_AREA = 420
NUMBER_ROOM = 40  # for the number after the longest bar
BAR = 12
BAR_GAP = 2
GROUP_GAP = 12
LEGEND_HEIGHT = 34
AXIS_HEIGHT = 24


@dataclass(frozen=True)
class Series:
    index: int
    label: str
    colour: str
    pattern: str
    pattern_id: str
    legend_x: int


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    width: float
    height: int
    value: int
    series: Series
    category: str

    @property
    def text_x(self) -> float:
        return self.x + self.width + 4

    @property
    def text_y(self) -> float:
        return self.y + self.height - 2


@dataclass(frozen=True)
class Category:
    label: str
    y: float  # the baseline of its name, centred on its group of bars

    @property
    def short(self) -> str:
        """The name as drawn: SVG text does not wrap, so a long one is cut (the table and each
        bar's tooltip have it whole)."""
        return self.label if len(self.label) <= LABEL_CHARS else self.label[: LABEL_CHARS - 1] + "…"


@dataclass(frozen=True)
class Tick:
    x: float
    value: int


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    width: int
    height: int
    series: list[Series]
    categories: list[Category]
    bars: list[Bar]
    ticks: list[Tick]
    plot_top: int
    plot_bottom: int

    @property
    def left(self) -> int:
        return LABEL_WIDTH

    @property
    def empty(self) -> bool:
        return not any(bar.value for bar in self.bars)


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
    legend_x, made = 0, []
    for index, (label, _values) in enumerate(series):
        made.append(
            Series(
                index,
                label,
                colours[index % len(colours)],
                PATTERNS[index % len(PATTERNS)],
                f"{chart_id}-pattern-{index}",
                legend_x,
            )
        )
        legend_x += 34 + 8 * len(label) + 24
    largest = max((v for _label, values in series for v in values), default=0)
    step = nice_step(largest)
    top = step * max(1, -(-largest // step))  # round up to a whole step
    scale = BAR_AREA / top
    group = len(series) * (BAR + BAR_GAP) - BAR_GAP
    y = LEGEND_HEIGHT
    bars, labels = [], []
    for position, name in enumerate(categories):
        for s, (_label, values) in zip(made, series, strict=True):
            value = values[position]
            bars.append(
                Bar(LABEL_WIDTH, y + s.index * (BAR + BAR_GAP), value * scale, BAR, value, s, name)
            )
        labels.append(Category(name, y + group / 2 + 4))
        y += group + GROUP_GAP
    ticks = [Tick(LABEL_WIDTH + v * scale, v) for v in range(0, top + 1, step)]
    return Chart(
        id=chart_id,
        title=title,
        description=description,
        width=LABEL_WIDTH + BAR_AREA + NUMBER_ROOM,
        height=y + AXIS_HEIGHT,
        series=made,
        categories=labels,
        bars=bars,
        ticks=ticks,
        plot_top=LEGEND_HEIGHT - 4,
        plot_bottom=y - GROUP_GAP + 4,
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

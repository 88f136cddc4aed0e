"""The bar charts as drawn (templates/plan/_chart.html over eqia.plan.charts), read as SVG.

Drawn with the template itself, in a plain Jinja environment (no app, no database): what
is measured is what a page or the PDF gets.
"""

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from jinja2 import Environment, FileSystemLoader, select_autoescape

from eqia.plan import charts

TEMPLATES = Path(__file__).parents[2] / "templates"
HEX = re.compile(r"#[0-9a-f]{6}")


def draw(drawing: charts.Drawing, pdf: bool = False) -> BeautifulSoup:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape())
    macro = env.get_template("plan/_chart.html").module.chart_svg
    return BeautifulSoup(str(macro(drawing, pdf=pdf)), "html.parser")


def luminance(colour: str) -> float:
    """WCAG 2.2's relative luminance of an sRGB colour written #rrggbb."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    lighter, darker = sorted((luminance(one), luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def every_series() -> charts.Chart:
    """A chart with a series for every colour and pattern (the palette's six), and the
    progress report's status chart (its own colours), with zeros and a long name."""
    names = ["Our workforce", "A category whose name is much too long to draw whole", "Zero"]
    return charts.horizontal_bars(
        "every",
        "Every series",
        "All the colours.",
        names,
        [(f"Series {i}", [i + 1, 10 * i, 0]) for i in range(len(charts.PALETTE))],
    )


def status_chart() -> charts.Chart:
    return charts.horizontal_bars(
        "statuses",
        "Plan actions by status",
        "Statuses.",
        ["Our workforce", "Our communities"],
        [("Not started", [0, 1]), ("On track", [1, 1]), ("At risk", [2, 0]), ("Complete", [1, 2])],
        charts.STATUS_COLOURS,
    )


DRAWINGS = {
    f"{chart.id}, {layout}": getattr(chart, layout)()
    for chart in (every_series(), status_chart())
    for layout in ("stacked", "wide")
}


def test_known_contrast_ratios():
    """The formula, against WCAG's own figures: black on white 21:1, GOV.UK's old orange
    2.78:1 (which charts no longer use), its shade 4.69:1."""
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#f47738", "#ffffff") == pytest.approx(2.78, abs=0.005)
    assert contrast("#b7592a", "#ffffff") == pytest.approx(4.69, abs=0.005)


@pytest.mark.parametrize("name", DRAWINGS)
def test_every_colour_a_chart_draws_has_3_to_1_contrast_with_what_it_is_drawn_on(name):
    """WCAG 1.4.11: bars, swatches, outlines, the axis and gridlines at least 3:1 against the
    white the chart is drawn on; a pattern's marks at least 3:1 against the series colour
    they are drawn over; text (1.4.3) at least 4.5:1."""
    drawing = DRAWINGS[name]
    svg = draw(drawing)
    under = {s.pattern_id: s.colour for s in drawing.chart.series}
    seen = set()
    for element in svg.find_all(True):
        pattern = element.find_parent("pattern")
        for attribute in ("fill", "stroke"):
            colour = element.get(attribute, "")
            if not HEX.fullmatch(colour):
                assert colour in ("", "none") or colour.startswith("url(#"), colour
                continue
            seen.add(colour)
            if pattern is not None:
                behind = under[pattern["id"]]
                assert contrast(colour, behind) >= 3, (colour, "over", behind)
            elif element.name == "text":
                assert contrast(colour, charts.BACKGROUND) >= 4.5, colour
            else:
                assert contrast(colour, charts.BACKGROUND) >= 3, (colour, element)
    assert {s.colour for s in drawing.chart.series} <= seen
    assert charts.GRIDLINE in seen and charts.INK in seen


def test_the_palettes_meet_3_to_1_on_white_and_differ_from_each_other():
    for colour in {*charts.PALETTE, *charts.STATUS_COLOURS, charts.GRIDLINE}:
        assert contrast(colour, charts.BACKGROUND) >= 3, colour
    assert len(set(charts.PALETTE)) == len(charts.PALETTE)
    assert len(set(charts.PATTERNS)) == len(charts.PATTERNS), "no two series look alike"


@pytest.mark.parametrize("name", DRAWINGS)
def test_a_zero_has_a_visible_bar_and_its_number(name):
    svg = draw(DRAWINGS[name])
    zeros = [g for g in svg.select("g > title") if g.get_text().endswith(": 0")]
    assert zeros
    for title in zeros:
        bar = title.parent
        shape = bar.find_all("rect")[-1]  # the outlined one, over the colour
        width, height = shape["width"], float(shape["height"])
        assert not width.endswith("%") and float(width) == charts.ZERO_BAR
        assert height > 0
        assert float(shape["stroke-width"]) >= 1 and shape["stroke"] == charts.INK
        assert bar.find("text").get_text() == "0"


def test_a_non_zero_bar_is_as_long_as_its_value():
    drawing = status_chart().stacked()
    lengths = {(b.category, b.series.label): b.length for b in drawing.bars}
    assert lengths["Our workforce", "At risk"] == f"{charts.STACKED_SHARE}%"  # the largest
    assert lengths["Our workforce", "On track"] == f"{charts.STACKED_SHARE / 2:g}%"
    wide = {(b.category, b.series.label): b.length for b in status_chart().wide().bars}
    assert float(wide["Our workforce", "At risk"]) == charts.WIDE_BAR_AREA


def test_the_stacked_layout_fits_a_320_pixel_screen_at_its_own_text_size():
    """No viewBox: its units are CSS pixels, so text is drawn at 14 px whatever the width;
    the legend wraps and names are cut to fit 288 px; bars are shares of the width."""
    drawing = every_series().stacked()
    svg = draw(drawing).svg
    assert "viewBox" not in svg.attrs and svg["width"] == "100%"
    assert svg["font-size"] == "14" and drawing.number_font_size >= 12
    for key in drawing.keys:
        right = key.text_x + charts._text_width(key.series.label, drawing.font_size)
        assert right <= charts.STACKED_MIN_WIDTH, key
    assert len({key.y for key in drawing.keys}) > 1, "the legend wraps"
    for label in drawing.labels:
        assert charts._text_width(label.text, drawing.font_size) <= charts.STACKED_MIN_WIDTH
    assert drawing.labels[1].text.endswith("…")
    assert all(b.length.endswith("%") for b in drawing.bars if b.value)


def test_page_and_pdf_draw_the_same_patterns():
    chart = status_chart()
    page, pdf = draw(chart.stacked()), draw(chart.wide(), pdf=True)
    assert [str(p) for p in page.find_all("pattern")] == [str(p) for p in pdf.find_all("pattern")]
    kinds = [s.pattern for s in chart.series]
    assert kinds == ["solid", "stripes", "dots", "crosses"]
    # Each patterned series draws its colour, then its pattern over it.
    fills = [r["fill"] for r in page.select("g > g > rect")][:4]
    assert fills == [charts.GREY, charts.BLUE, "url(#statuses-pattern-1)", charts.ORANGE]


def test_names_are_escaped():
    chart = charts.horizontal_bars(
        "typed", "<b>Title</b>", "A & B", ["<script>x</script>"], [("S & <i>", [1])]
    )
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape())
    markup = str(env.get_template("plan/_chart.html").module.chart_svg(chart.stacked()))
    assert "<script>" not in markup and "<b>" not in markup and "<i>" not in markup
    assert "&lt;script&gt;" in markup

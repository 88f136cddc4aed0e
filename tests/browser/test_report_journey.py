"""The progress report and the equality insight in a real browser, checked with axe.

The live server's database holds the demo data (seed-demo): two signed-off EqIAs
linked to objectives, and sample plan actions, so every table has figures.
"""

from playwright.sync_api import Page, expect

from tests.browser.conftest import BROWSER_MARKS, follow, sign_in, visit

pytestmark = BROWSER_MARKS


def test_the_progress_report_for_a_chosen_period(page: Page):
    sign_in(page, "lead@example.org")
    follow(page, page.get_by_role("link", name="Progress report"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Progress report")

    page.get_by_label("The last 12 months").check()
    follow(page, page.get_by_role("button", name="Show the report"))
    expect(page.locator("#chosen-period")).to_contain_text("The last 12 months")
    summary = page.locator("#table-summary")
    expect(summary.locator("tr", has_text="EqIAs signed off in the period").first).to_contain_text(
        "4"
    )
    expect(page.get_by_role("img", name="Plan actions by status, by theme")).to_be_visible()

    # A custom period with a mistake gets the GOV.UK error summary, then the report.
    page.get_by_label("Choose the dates").check()
    start = page.get_by_role("group", name="Start date")
    start.get_by_label("Day").fill("45")
    start.get_by_label("Month").fill("13")
    start.get_by_label("Year").fill("2026")
    follow(page, page.get_by_role("button", name="Show the report"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Start date must be a real date")
    start = page.get_by_role("group", name="Start date")
    start.get_by_label("Day").fill("1")
    start.get_by_label("Month").fill("1")
    end = page.get_by_role("group", name="End date")
    end.get_by_label("Day").fill("31")
    end.get_by_label("Month").fill("12")
    end.get_by_label("Year").fill("2030")
    follow(page, page.get_by_role("button", name="Show the report"))
    expect(page.locator("#chosen-period")).to_have_text("1 January 2026 to 31 December 2030")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as PDF, with charts").click()
    assert download.value.suggested_filename == "edi-progress-report-2026-01-01-to-2030-12-31.pdf"


def test_the_equality_insight_and_the_eqias_behind_a_number(page: Page):
    sign_in(page, "auditor@example.org")
    follow(page, page.get_by_role("link", name="Equality insight"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Equality insight")
    expect(
        page.get_by_role("img", name="Impacts on each characteristic, all directorates")
    ).to_be_visible()
    negative = page.locator("#insight-negative")
    follow(
        page,
        negative.get_by_role("link", name="EqIAs with a negative impact on Age, all directorates"),
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Age: negative impact")
    expect(page.locator("#eqias tbody tr")).to_have_count(4)
    follow(page, page.get_by_role("link", name="Back to the equality insight"))
    visit(page, "/plan/insight?period=custom&start=2026-13-45&end=2026-01-01")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Start date must be a real date")


# Every chart's text as drawn: its font size on screen (the computed size times the SVG's
# scale), its box's height, and any text that runs outside the chart (and so is cut off).
_CHART_TEXT = """(figure) => {
    const svg = figure.querySelector("svg");
    const box = svg.getBoundingClientRect();
    const texts = [...svg.querySelectorAll("text")];
    return {
        right: box.right,
        sizes: texts.map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a),
        heights: texts.map(t => t.getBoundingClientRect().height),
        outside: texts.filter(t => {
            const r = t.getBoundingClientRect();
            return r.left < box.left - 0.5 || r.right > box.right + 0.5;
        }).map(t => t.textContent),
    };
}"""
# How wide the page is without its tables: the charts must not make it scroll sideways.
# (Wide tables are another matter, not the charts'.)
_WIDTH_WITHOUT_TABLES = """() => {
    for (const table of document.querySelectorAll("main table")) table.style.display = "none";
    return document.documentElement.scrollWidth;
}"""


def test_the_charts_are_legible_on_a_320_pixel_screen(page: Page):
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, "auditor@example.org")
    for path, charts in [("/plan/report?period=last-12-months", 2), ("/plan/insight", 1)]:
        visit(page, path)
        figures = page.locator("main figure")
        expect(figures).to_have_count(charts)
        for figure in figures.all():
            drawn = figure.evaluate(_CHART_TEXT)
            assert min(drawn["sizes"]) >= 12, (path, drawn["sizes"])
            assert min(drawn["heights"]) >= 12, (path, drawn["heights"])
            assert drawn["outside"] == [], path
            assert drawn["right"] <= 320, path
        assert page.evaluate(_WIDTH_WITHOUT_TABLES) <= 320, path

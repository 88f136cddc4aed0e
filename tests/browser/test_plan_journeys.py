"""The action plan in a real browser: reading it, grouping objectives, importing a file.

Every page the journeys load is checked with axe (see conftest.py).
"""

import csv
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from eqia.plan.spreadsheet import COLUMNS
from tests.browser.conftest import BROWSER_MARKS, follow, sign_in, visit

pytestmark = BROWSER_MARKS

ROW = {
    "Theme": "Our communities",
    "Objective number": "7",
    "Objective": "Reduce the impact of rural isolation on access to services.",
    "Action reference": "C7.1",
    "Action": "Run a mobile advice bus to the ten most isolated villages",
    "Person or team responsible": "Communities Service",
    "Start date": "2026-04-01",
    "End date": "2027-03-31",
    "Success measure": "Monthly visits to every village",
    "Status": "On track",
    "Progress note": "",
    "Completed on": "",
}


def write_plan(path: Path, *rows: dict) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([row[c] for c in COLUMNS])
    return path


def test_reading_the_plan_and_an_objective(page: Page):
    sign_in(page, "lead@example.org")
    visit(page, "/")
    follow(page, page.get_by_role("link", name="Action plan"))
    expect(page.get_by_role("heading", level=1)).to_have_text("EDI action plan")
    expect(page.get_by_text("Sample data: replace it by importing")).to_be_visible()
    follow(page, page.get_by_role("link", name="Our communities"))
    follow(page, page.get_by_role("link", name=re.compile(r"^7\. Reduce the impact")))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Reduce the impact of rural isolation on access to services."
    )
    eqias = page.locator("#supporting-eqias")
    expect(eqias).to_contain_text("Mobile library routes 2026")
    expect(page.locator(".govuk-summary-card", has_text="A7.2")).to_contain_text("On track")


def test_the_objectives_question_groups_objectives_by_theme(page: Page):
    sign_in(page, "lead@example.org")
    visit(page, "/eqia/")
    follow(
        page, page.locator("tr", has_text="Changes to library opening hours").get_by_role("link")
    )
    follow(page, page.get_by_role("link", name="EDI objectives this proposal supports"))
    dividers = page.locator(".govuk-checkboxes__divider")
    expect(dividers).to_have_text(["Our workforce", "Our communities", "Our services", "or"])


def test_an_admin_imports_a_plan_after_fixing_the_problems_the_preview_names(
    page: Page, app, tmp_path: Path
):
    bad = write_plan(tmp_path / "plan.csv", {**ROW, "End date": "2025-01-01"})
    sign_in(page, "admin@example.org")
    visit(page, "/plan/")
    follow(page, page.get_by_role("link", name="Import the action plan").first)
    page.get_by_label("Upload the action plan").set_input_files(bad)
    follow(page, page.get_by_role("button", name="Check the file"))
    expect(page.get_by_role("heading", level=1)).to_have_text("There are problems with your file")
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Row 2, End date: End date must be the same as or after the start date"
    )
    assert page.title().startswith("Error:")

    good = write_plan(tmp_path / "plan-fixed.csv", ROW)
    page.get_by_label("Upload the corrected file").set_input_files(good)
    follow(page, page.get_by_role("button", name="Check the file"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check the changes before you import them"
    )
    expect(page.locator("#added")).to_contain_text("C7.1")
    follow(page, page.get_by_role("button", name="Import the action plan"))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "The action plan has been imported: 1 action added"
    )

"""Checking a PDF record in a real browser: a file that is not a PDF, then a genuine record.

Every page is checked with axe (see conftest.py), the error summary and the result included.
"""

from playwright.sync_api import Page, expect
from sqlalchemy import select

from eqia.extensions import db
from eqia.models import Assessment
from tests.browser.conftest import BROWSER_MARKS, follow, sign_in, visit

pytestmark = BROWSER_MARKS


def test_the_auditor_checks_a_letter_then_a_signed_record(app, page: Page, tmp_path):
    sign_in(page, "auditor@example.org")
    visit(page, "/records/verify")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check a PDF record")

    letter = tmp_path / "letter.pdf"
    letter.write_text("Dear auditor, this is a letter, not a PDF.")
    page.get_by_label("Upload a PDF record").set_input_files(str(letter))
    follow(page, page.get_by_role("button", name="Check the PDF"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("The selected file must be a PDF")
    expect(page).to_have_title(
        "Error: Check a PDF record – Equality Impact Assessments – "
        f"{app.config['ORGANISATION_NAME']}"
    )

    with app.app_context():
        reference = db.session.scalar(
            select(Assessment.reference).where(Assessment.title == "Mobile library routes 2026")
        )
    visit(page, f"/eqia/{reference}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the record (PDF)").click()
    record = tmp_path / "record.pdf"
    download.value.save_as(record)
    assert download.value.suggested_filename == f"{reference}-revision-1.pdf"

    visit(page, "/records/verify")
    page.get_by_label("Upload a PDF record").set_input_files(str(record))
    follow(page, page.get_by_role("button", name="Check the PDF"))
    result = page.locator("#verdict")
    expect(result).to_contain_text("This is a genuine signed-off record")
    expect(result).to_contain_text(f"This is {reference} revision 1, signed off by Gwen Ellis")
    expect(result).to_contain_text("It has not been changed since it was signed.")

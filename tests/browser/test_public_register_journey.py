"""The public register in a real browser: a super user signs off with "publish", then
someone not signed in finds the EqIA, filters, reads it and downloads its sealed PDF.

Every page the journey loads is checked with axe (see conftest.py).
"""

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from eqia.extensions import db
from eqia.models import Assessment, SealedRecord
from tests.browser.conftest import BROWSER_MARKS, follow, sign_in, sign_out, visit
from tests.browser.test_sign_off_journey import confirm_every_objective, rate_every_section

pytestmark = BROWSER_MARKS

# The demo's EqIA awaiting the demo super user's sign-off.
TITLE = "Home to school transport: new eligibility assessment"
DIRECTORATE = "Children, Education & Families"


def sealed_record(app, reference: str) -> bytes:
    with app.app_context():
        revision_id = db.session.scalar(
            select(Assessment.approved_revision_id).where(Assessment.reference == reference)
        )
        content = db.session.scalar(
            select(SealedRecord.content).where(SealedRecord.revision_id == revision_id)
        )
        db.session.remove()
    return content


def signed_off_not_published(app) -> list[str]:
    """The demo's EqIAs that are signed off but were left off the public register."""
    with app.app_context():
        refs = db.session.scalars(
            select(Assessment.reference).where(
                Assessment.approved_revision_id.is_not(None), Assessment.published_at.is_(None)
            )
        ).all()
        db.session.remove()
    return list(refs)


def test_signed_off_with_publish_and_read_by_the_public(app, page: Page):
    left_off = signed_off_not_published(app)
    assert left_off, "the demo signs an EqIA off without publishing it"
    sign_in(page, "superuser@example.org")
    visit(page, "/reviews/")
    follow(page, page.locator("tr", has_text=TITLE).get_by_role("link").first)
    reference = page.locator(".govuk-caption-l").first.inner_text().split()[0]
    rate_every_section(page)
    confirm_every_objective(page)
    page.get_by_label("Approve and sign off").check()
    publish = page.get_by_role("group", name="Publish this EqIA on the public register?")
    publish.get_by_label("Yes").check()
    follow(page, page.get_by_role("button", name="Record decision"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "and published it on the public register"
    )
    expect(page.locator("#publication-status")).to_contain_text("Published on the public register")
    sign_out(page)

    # Signed out: the public register lists it, newest sign-off first.
    visit(page, "/public/eqias")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Published equality impact assessments"
    )
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    expect(page.locator("#register tbody tr").first).to_contain_text(reference)

    # Filters: directorate and a negative impact, then a date that does not exist.
    page.get_by_label("Directorate").select_option(label=DIRECTORATE)
    page.get_by_label("Negative impact on").select_option(label="Age")
    follow(page, page.get_by_role("button", name="Apply filters"))
    expect(page.locator("#register tbody tr")).to_have_count(1)
    expect(page.locator("#register tbody tr")).to_contain_text(reference)
    page.get_by_label("Signed off from").fill("31/2/2026")
    follow(page, page.get_by_role("button", name="Apply filters"))
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Signed off from must be a real date"
    )
    expect(page).to_have_title(re.compile(r"^Error: Published EqIAs"))

    # The EqIA's page, and its sealed PDF.
    follow(page, page.get_by_role("link", name=TITLE))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page).to_have_title(re.compile(rf"^{reference}: "))
    link = page.get_by_role("link", name=re.compile("Download the signed record"))
    assert link.get_attribute("href") == f"/public/eqias/{reference}.pdf"
    pdf = page.context.request.get(link.get_attribute("href"))
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body() == sealed_record(app, reference)

    # Signed off but not published: the same "Page not found" as no EqIA at all.
    for path in [f"/public/eqias/{left_off[0]}", "/public/eqias/EQIA-2099-9999"]:
        visit(page, path, status=404)
        expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
        expect(page.locator("main")).not_to_contain_text(left_off[0])
    assert page.context.request.get(f"/public/eqias/{left_off[0]}.pdf").status == 404

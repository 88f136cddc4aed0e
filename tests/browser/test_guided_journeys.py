"""The guided EqIA in a real browser: a lead starts one, answers it and submits it for sign-off.

The full route runs twice, with JavaScript and without it, through the same helpers (one per
section). Every page of the run with JavaScript is checked with axe (see conftest.py); the run
without it proves the pages still work there, GOV.UK follow-up questions included.
"""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import BROWSER_MARKS, follow, sign_in

pytestmark = BROWSER_MARKS

LEAD = "lead@example.org"
FULL_TITLE = "Closing Fenland household recycling centres on Mondays"
SCREENING_TITLE = "Upgrade of the council's payroll software"
EVIDENCE_FILE = "Recycling centre visits 2024.pdf"
ACTIONS = [
    ("Run a Monday booked-collection service for bulky waste", "Waste Services"),
    ("Publish the new opening times in Easy Read and large print", "Communications"),
]


def days_from_now(days: int) -> date:
    return date.today() + timedelta(days=days)


# --- reading and answering pages, as a person would ---------------------------------------------


def heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def on_page(page: Page, title: str | re.Pattern) -> None:
    expect(heading(page)).to_have_text(title)


def question(page: Page, legend: str) -> Locator:
    """A question answered by radios, checkboxes or a date: its fieldset, named by its legend."""
    return page.get_by_role("group", name=legend, exact=True)


def option(page: Page, legend: str, answer: str) -> Locator:
    return question(page, legend).get_by_label(answer, exact=True)


def choose(page: Page, legend: str, *answers: str) -> None:
    for answer in answers:
        option(page, legend, answer).check()


def enter_date(page: Page, legend: str, day: date) -> None:
    group = question(page, legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def scripted(page: Page) -> bool:
    """Whether GOV.UK Frontend's JavaScript runs on the page (it marks the body when it does)."""
    return "js-enabled" in (page.locator("body").get_attribute("class") or "").split()


# A follow-up question's text: its label, or its fieldset's legend.
_QUESTION_TEXT = """question => (question.labels?.[0] ?? question.querySelector("legend"))
    .textContent.replace(/\\s+/g, " ").trim()"""


def reveal(page: Page, answer: Locator, *followups: Locator) -> None:
    """Pick an answer that asks follow-up questions, and expect them to be shown.

    With JavaScript, GOV.UK Frontend hides follow-ups until their answer is picked. Without
    it they are always shown, so they can still be answered.
    """
    for followup in followups:
        if scripted(page):
            expect(followup).to_be_hidden()
        else:
            expect(followup).to_be_visible()
    answer.check()
    for followup in followups:
        expect(followup).to_be_visible()
    if scripted(page) and answer.get_attribute("type") == "radio":
        # ARIA allows no aria-expanded on a radio (axe fails it); a status message names the
        # questions that appeared instead (static/js/app.mjs).
        expect(answer).not_to_have_attribute("aria-expanded", re.compile(".*"))
        expect(answer).to_have_attribute("aria-controls", re.compile(r"^conditional-"))
        status = page.locator("#eqia-reveal-status")
        expect(status).to_have_attribute("role", "status")
        for followup in followups:
            name = followup.evaluate(_QUESTION_TEXT)
            expect(status).to_contain_text(f"shown: {name}")


def save_and_continue(page: Page) -> None:
    follow(page, page.get_by_role("button", name="Save and continue"))


def summary_value(page: Page, key: str) -> Locator:
    """The answer beside a question on check answers."""
    row = page.locator(".govuk-summary-list__row").filter(
        has=page.locator(".govuk-summary-list__key", has_text=re.compile(rf"^\s*{key}\s*$"))
    )
    return row.locator(".govuk-summary-list__value")


def write_pdf(path: Path) -> Path:
    """A small, well-formed one-page PDF (files.py keeps a .pdf only if it starts "%PDF-")."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(pdf))
    return path


# --- one helper per step of the journey ---------------------------------------------------------


def start_eqia(page: Page, title: str) -> str:
    """From the home page to a new EqIA's task list; its reference."""
    follow(page, page.get_by_role("link", name="Start a new EqIA"))
    on_page(page, "Start a new Equality Impact Assessment")
    page.get_by_label("What is the proposal called?").fill(title)
    follow(page, page.get_by_role("button", name="Start"))
    on_page(page, title)
    ref = re.search(r"/eqia/([^/]+)/tasks$", page.url).group(1)
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"{ref} has been started")
    follow(page, page.get_by_role("link", name="Screening"))
    return ref


def answer_screening(page: Page, relevant: bool) -> None:
    on_page(page, "Screening")
    legend = (
        "Could the proposal affect people differently because of a protected or local "
        "characteristic?"
    )
    if relevant:
        choose(page, legend, "Yes")
    else:
        reason = page.get_by_label("Why could it not affect people differently?")
        reveal(page, option(page, legend, "No"), reason)
        reason.fill("Staff are paid the same way on the new system; nothing changes for anyone.")
    save_and_continue(page)


def answer_about(page: Page, title: str, directorate: str) -> None:
    on_page(page, "About the proposal")
    page.get_by_label("Title of the proposal").fill(title)
    choose(page, "What type of proposal is it?", "Service change")
    page.get_by_label("What is changing, and why?").fill(
        "Close the three Fenland recycling centres on Mondays, their quietest day,\n"
        "to save £85,000 a year."
    )
    page.get_by_label("Directorate").select_option(label=directorate)
    page.get_by_label("Service", exact=True).fill("Waste and recycling")
    page.get_by_label("Who will make the decision?").fill("Environment and Green Investment")
    enter_date(page, "When will the decision be made?", days_from_now(60))
    choose(page, "Is it a key decision?", "No")
    choose(page, "Is the proposal new, a change to something, or removing something?", "A change")
    save_and_continue(page)


def answer_who(page: Page) -> None:
    on_page(page, "Who it affects")
    choose(page, "Who does the proposal affect?", "Residents", "Council staff")
    legend = "Where will the proposal have an effect?"
    districts = question(page, "Which districts?")
    reveal(page, option(page, legend, "In particular districts"), districts)
    choose(page, "Which districts?", "Fenland")
    page.get_by_label("Roughly how many people will it affect?").fill(
        "About 9,000 households and 12 staff"
    )
    save_and_continue(page)


def answer_evidence(page: Page) -> None:
    on_page(page, "Evidence and engagement")
    page.get_by_label("What data and evidence have you used?").fill(
        "Visits by day and hour from the site barriers, 2023 to 2024; Census 2021."
    )
    page.get_by_label("Are there gaps in the evidence? How will you fill them?").fill(
        "We do not know the age of visitors: site staff will survey them for a month."
    )
    page.get_by_label("What engagement and consultation have you done?").fill(
        "A four-week online survey and a drop-in session at each site."
    )
    page.get_by_label("What did people tell you?").fill(
        "Older residents without cars rely on lifts from family on Mondays."
    )
    save_and_continue(page)


def upload_evidence(page: Page, pdf: Path) -> None:
    on_page(page, "Evidence files")
    expect(page.get_by_text("No files have been attached yet.")).to_be_visible()
    page.get_by_label("Upload a file").set_input_files(pdf)
    follow(page, page.get_by_role("button", name="Upload file"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"{pdf.name} has been uploaded."
    )
    files = page.get_by_role("table", name="Files attached")
    expect(files.get_by_role("rowheader")).to_have_text([pdf.name])
    expect(files.get_by_role("link", name=f"Download {pdf.name}")).to_be_visible()
    follow(page, page.get_by_role("button", name="Continue"))


def answer_impact(page: Page, negative: bool) -> None:
    """One characteristic's page: a negative impact with its mitigation, or a neutral one."""
    kinds = "What is the likely impact on people with this characteristic?"
    if negative:
        mitigation = page.get_by_label("How will you mitigate the negative impact?")
        residual = question(page, "What impact will remain after mitigation?")
        reveal(page, option(page, kinds, "Negative"), mitigation, residual)
        page.get_by_label("What is your evidence for this?").fill(
            "Half of Monday visitors are over 65, by the barrier survey."
        )
        mitigation.fill("A booked Monday collection for bulky waste, free for over-75s.")
        choose(page, "What impact will remain after mitigation?", "Low")
    else:
        choose(page, kinds, "Neutral")
        page.get_by_label("What is your evidence for this?").fill("No different effect found.")
    save_and_continue(page)


def answer_impacts(page: Page, negative_on: str = "Age") -> int:
    """Every characteristic's page in turn; how many there were."""
    answered = 0
    while "/questions/impacts/" in page.url:
        expect(page.locator(".govuk-caption-l")).to_contain_text("Impact on each characteristic")
        name = heading(page).inner_text().strip()
        answer_impact(page, negative=name == negative_on)
        answered += 1
    return answered


def answer_aims(page: Page) -> None:
    on_page(page, "The three aims of the equality duty")
    page.get_by_label("Eliminating discrimination, harassment and victimisation").fill(
        "Nobody is treated less favourably; the booked collection covers indirect effects."
    )
    page.get_by_label("Advancing equality of opportunity").fill(
        "The booked collection helps residents who cannot drive to a site."
    )
    page.get_by_label("Fostering good relations").fill("No effect expected.")
    save_and_continue(page)


def add_actions(page: Page, actions: list[tuple[str, str]]) -> None:
    """The GOV.UK add-another pattern: each action on its own page, then "No" to add another."""
    on_page(page, "Actions")
    needs_one = page.get_by_text("You found a negative impact, so add at least one action")
    expect(needs_one).to_be_visible()
    for number, (action, responsible) in enumerate(actions, 1):
        legend = f"Do you need to add {'another' if number > 1 else 'an'} action?"
        choose(page, legend, "Yes")
        follow(page, page.get_by_role("button", name="Continue"))
        on_page(page, "Add an action")
        page.get_by_label("Action", exact=True).fill(action)
        page.get_by_label("Person or team responsible").fill(responsible)
        enter_date(page, "Start date", days_from_now(30))
        enter_date(page, "Due date", days_from_now(30 + 90 * number))
        choose(page, "Which characteristics does it address?", "Age", "Disability")
        page.get_by_label("How will you measure success?").fill("Every request met within a week")
        follow(page, page.get_by_role("button", name="Save action"))
        on_page(page, f"You have added {number} action{'s' if number > 1 else ''}")
        expect(page.locator(".govuk-summary-card")).to_have_count(number)
        expect(page.locator(".govuk-summary-card").last).to_contain_text(action)
    choose(page, "Do you need to add another action?", "No")
    follow(page, page.get_by_role("button", name="Continue"))


def answer_objectives(page: Page) -> None:
    on_page(page, "EDI objectives this proposal supports")
    objective = option(
        page,
        "Which EDI objectives does the proposal support?",
        "7. Reduce the impact of rural isolation on access to services.",
    )
    how = page.get_by_label("How does the proposal support objective 7?")
    reveal(page, objective, how)
    how.fill("The booked collection reaches villages without a bus to a site.")
    save_and_continue(page)


def answer_outcome(page: Page, outcome: str, justification: str = "") -> None:
    on_page(page, "Outcome")
    legend = "What is the outcome of the assessment?"
    if justification:
        why = page.get_by_label("Why is continuing proportionate and objectively justified?")
        reveal(page, option(page, legend, outcome), why)
        why.fill(justification)
    else:
        choose(page, legend, outcome)
    page.get_by_label("Summary of the assessment").fill(f"{outcome}: see the actions.")
    page.get_by_label("How will you monitor the impact?").fill("Monthly visits and bookings.")
    enter_date(page, "When will the EqIA be reviewed?", days_from_now(365))
    save_and_continue(page)


def submit_for_sign_off(page: Page, ref: str, warnings: tuple[str, ...] = ()) -> None:
    """Check answers, say why going past each of the due-regard ``warnings`` (their titles),
    confirm the declaration, submit; the confirmation shows the reference."""
    on_page(page, "Check your answers before submitting your EqIA")
    expect(page.get_by_text("You cannot submit this EqIA yet")).to_have_count(0)
    expect(page.locator("[id^=check-] .govuk-summary-card__title")).to_have_text(
        [re.compile(re.escape(title)) for title in warnings]
    )
    for title in warnings:
        page.get_by_label(f"Why are you going on despite this warning? {title}").fill(
            "Every site stays open at the weekend, when most people visit."
        )
    page.get_by_label(
        "I confirm the information in this EqIA is correct to the best of my knowledge"
    ).check()
    follow(page, page.get_by_role("button", name="Submit for sign-off"))
    on_page(page, "EqIA submitted for sign-off")
    expect(page.locator(".govuk-panel__body")).to_have_text(re.compile(rf"Your reference\s*{ref}"))


def expect_awaiting_sign_off(page: Page, ref: str, title: str) -> None:
    follow(page, page.get_by_role("link", name="Go to your EqIAs"))
    on_page(page, "Your EqIAs")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=ref, exact=True))
    expect(row.get_by_role("cell").nth(1)).to_have_text(title)
    expect(row.get_by_role("cell").nth(2)).to_have_text("Awaiting sign-off")


# --- the journeys -------------------------------------------------------------------------------


@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
def test_a_lead_completes_the_full_route_and_submits_it(new_context, tmp_path, javascript):
    page = new_context(java_script_enabled=javascript).new_page()
    sign_in(page, LEAD)
    assert scripted(page) is javascript

    ref = start_eqia(page, FULL_TITLE)
    answer_screening(page, relevant=True)
    answer_about(page, FULL_TITLE, "Place & Sustainability")
    answer_who(page)
    answer_evidence(page)
    upload_evidence(page, write_pdf(tmp_path / EVIDENCE_FILE))
    assert answer_impacts(page) > 1
    answer_aims(page)
    add_actions(page, ACTIONS)
    answer_objectives(page)
    answer_outcome(
        page,
        "Continue despite adverse impact",
        justification="The saving protects weekend opening, when most people visit.",
    )

    on_page(page, "Check your answers before submitting your EqIA")
    expect(summary_value(page, "Evidence files")).to_have_text(EVIDENCE_FILE)
    age = summary_value(page, "Age")
    expect(age).to_contain_text("Negative")
    expect(age).to_contain_text("Mitigation: A booked Monday collection")
    expect(age).to_contain_text("Impact after mitigation: Low")
    expect(summary_value(page, "Action 1")).to_contain_text(ACTIONS[0][0])
    expect(summary_value(page, "Action 2")).to_contain_text(ACTIONS[1][0])
    submit_for_sign_off(
        page,
        ref,
        warnings=(
            "The same evidence pasted for several characteristics",
            "A negative or not known impact with little evidence",
            "Continuing despite adverse impact without saying why it is proportionate",
        ),
    )
    expect_awaiting_sign_off(page, ref, FULL_TITLE)


def test_a_lead_submits_an_eqia_by_the_screening_route(new_context):
    page = new_context().new_page()
    sign_in(page, LEAD)

    ref = start_eqia(page, SCREENING_TITLE)
    answer_screening(page, relevant=False)
    answer_about(page, SCREENING_TITLE, "Finance & Resources")
    answer_outcome(page, "No major change needed")

    on_page(page, "Check your answers before submitting your EqIA")
    sections = page.get_by_role("heading", level=2).filter(has_text=re.compile(r"^\d+\. "))
    expect(sections).to_have_text(["0. Screening", "1. About the proposal", "8. Outcome"])
    submit_for_sign_off(page, ref)
    expect_awaiting_sign_off(page, ref, SCREENING_TITLE)

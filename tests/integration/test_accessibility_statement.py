"""The accessibility statement: every part the 2018 regulations (GOV.UK's model statement) ask
for, with the council's details and dates from configuration, printed as typed."""

from datetime import date, timedelta

import pytest

from tests.helpers import h1, soup, text

# The model statement's parts, as headings, in its order.
HEADINGS = [
    ("h2", "How accessible this service is"),
    ("h2", "Feedback and contact information"),
    ("h2", "Reporting accessibility problems with this service"),
    ("h2", "Enforcement procedure"),
    ("h2", "Technical information about this service’s accessibility"),
    ("h3", "Compliance status"),
    ("h2", "Non-accessible content"),
    ("h3", "Non-compliance with the accessibility regulations"),
    ("h3", "Disproportionate burden"),
    ("h3", "Content that’s not within the scope of the accessibility regulations"),
    ("h2", "What we’re doing to improve accessibility"),
    ("h2", "PDFs made by this service"),
    ("h2", "Preparation of this accessibility statement"),
    ("h3", "How we tested this service"),
]


def statement(client):
    response = client.get("/accessibility")
    assert response.status_code == 200
    return response, soup(response)


def sentence(element) -> str:
    """An element's text as read: inline elements run on, without spaces around them."""
    return " ".join(element.get_text().split())


def section(page, heading_id: str) -> str:
    """The text from a heading to the next heading of the same or a higher level."""
    heading = page.find(id=heading_id)
    parts = []
    for sibling in heading.find_next_siblings():
        if sibling.name in ("h2", heading.name):
            break
        parts.append(sentence(sibling))
    return " ".join(parts)


def test_the_statement_has_every_part_the_regulations_ask_for(client):
    _response, page = statement(client)
    assert h1(page) == "Accessibility statement for Equality Impact Assessments"
    headings = [(h.name, text(h)) for h in page.select("main h2, main h3")]
    assert headings == HEADINGS

    assert sentence(page.find(id="compliance")) == (
        "This service is partially compliant with the Web Content Accessibility Guidelines "
        "version 2.2 AA standard, due to the non-compliances listed below."
    )
    problems = section(page, "non-compliance")
    assert "2.2.1 (timing adjustable)" in problems and "12 hours after you signed in" in problems
    assert "1.4.10" not in problems  # wide tables scroll in their own region
    assert "Evidence files attached to an EqIA" in problems
    assert "not claiming" in section(page, "disproportionate-burden")
    assert "third-party content" in section(page, "out-of-scope")
    assert "tagged PDFs (PDF/UA-1)" in section(page, "pdfs")

    feedback = section(page, "feedback")
    assert "accessible PDF, large print, easy read, audio recording or braille" in feedback
    assert "We’ll consider your request and get back to you within 5 working days." in feedback
    assert "If you find any problems not listed on this page" in section(page, "reporting")

    enforcement = section(page, "enforcement")
    assert "Equality and Human Rights Commission (EHRC)" in enforcement
    assert "in England, Scotland and Wales" in enforcement
    assert "Equality Commission for Northern Ireland (ECNI)" in enforcement
    assert "Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility" in (
        enforcement
    )
    links = {text(a): a["href"] for a in page.select("main a")}
    assert links["contact the Equality Advisory and Support Service (EASS)"] == (
        "https://www.equalityadvisoryservice.com/"
    )
    assert links["Equality Commission for Northern Ireland (ECNI)"].startswith(
        "https://www.equalityni.org/"
    )

    tested = section(page, "how-tested")
    assert "axe against the WCAG 2.0, 2.1 and 2.2 level A and AA rules" in tested
    assert "320 pixels wide" in tested and "3:1" in tested and "PDF/UA checker" in tested
    assert sentence(page.find(id="manual-checks")).startswith(
        "The service has not yet been checked by hand"
    )


def test_the_demo_councils_details_by_default(client):
    _response, page = statement(client)
    assert text(page.find(id="contact-email")) == "equality@example.org"
    assert page.find(id="contact-email")["href"] == "mailto:equality@example.org"
    assert page.find(id="contact-phone")["href"] == "tel:01632960000"
    assert [line.strip() for line in page.find(id="contact-address").stripped_strings] == [
        "Equality, Diversity and Inclusion team",
        "Cambridgeshire County Council",
        "PO Box 100",
        "Cambridge",
        "CB1 0XX",
    ]
    assert text(page.find(id="prepared")) == "1 December 2026"
    assert text(page.find(id="reviewed")) == "1 December 2026"
    assert text(page.find(id="tested-by")) == "Cambridgeshire County Council"
    problems = section(page, "non-compliance")
    assert "signed out 12 hours after you signed in" in problems
    assert "After 60 minutes without activity you are warned" in problems


def test_the_details_come_from_configuration_and_print_as_typed(app, client):
    app.config.update(
        ORGANISATION_NAME="Fenland <District> Council",
        BASE_URL="https://eqia.fenland.example",
        ACCESSIBILITY_EMAIL="access&help@fenland.example",
        ACCESSIBILITY_PHONE="+44 1354 654 321",
        ACCESSIBILITY_ADDRESS=("Equality <b>team</b>", "Fenland Hall & Annexe", "PE15 8NQ"),
        ACCESSIBILITY_REPLY_DAYS=1,
        ACCESSIBILITY_PREPARED=date(2025, 9, 23),
        ACCESSIBILITY_REVIEWED=date(2026, 3, 2),
        ACCESSIBILITY_TESTED=date(2026, 2, 27),
        ACCESSIBILITY_TESTED_BY="The Digital Accessibility Centre <DAC>",
        ACCESSIBILITY_MANUAL_CHECKS=(
            "using only a keyboard, on every page",
            "at 320 pixels wide and 400% zoom",
            "with NVDA <2025.3> and Chrome",
        ),
        IDLE_TIMEOUT=timedelta(minutes=30),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
    )
    response, page = statement(client)
    raw = response.get_data(as_text=True)
    for typed in ("<b>team</b>", "<District>", "<DAC>", "<2025.3>", "access&help"):
        assert typed not in raw, typed
    assert "Equality &lt;b&gt;team&lt;/b&gt;" in raw and "Fenland Hall &amp; Annexe" in raw

    assert "Fenland <District> Council" in text(page.find("main"))
    assert text(page.find(id="service-url")) == "https://eqia.fenland.example"
    assert page.find(id="contact-email")["href"] == "mailto:access&help@fenland.example"
    assert text(page.find(id="contact-phone")) == "+44 1354 654 321"
    assert page.find(id="contact-phone")["href"] == "tel:+441354654321"
    assert list(page.find(id="contact-address").stripped_strings) == [
        "Equality <b>team</b>",
        "Fenland Hall & Annexe",
        "PE15 8NQ",
    ]
    assert sentence(page.find(id="reply-days")).endswith("within 1 working day.")
    assert sentence(page.find(id="dates")) == (
        "This statement was prepared on 23 September 2025. It was last reviewed on 2 March 2026."
    )
    assert sentence(page.find(id="tested")) == (
        "This service was last tested on 27 February 2026. The tests were carried out by "
        "The Digital Accessibility Centre <DAC>."
    )
    assert [text(li) for li in page.select("#manual-checks li")] == [
        "using only a keyboard, on every page",
        "at 320 pixels wide and 400% zoom",
        "with NVDA <2025.3> and Chrome",
    ]
    problems = section(page, "non-compliance")
    assert "signed out 8 hours after you signed in" in problems
    assert "After 30 minutes without activity you are warned" in problems


@pytest.mark.parametrize("who", ["anonymous", "lead", "auditor"])
def test_anyone_can_read_it(clients, who):
    response, page = statement(clients[who])
    assert page.find(id="compliance") is not None

"""The error summary's links go to the control each error is about, as GOV.UK's do: a date's
day input (or the first part missing), never the group around the three. Following them in
a browser, on every form, is tests/browser/test_error_summary_links.py."""

import pytest

from tests.helpers import soup
from tests.journeys import OUTCOME, save


def summary_links(page) -> list[tuple[str, str]]:
    return [(a.get_text(strip=True), a["href"]) for a in page.select(".govuk-error-summary a")]


def targets(page) -> list[str]:
    """The element each summary link goes to, as tag#id."""
    found = []
    for _text, href in summary_links(page):
        element = page.find(id=href.removeprefix("#"))
        found.append(f"{element.name}#{element['id']}" if element else f"nothing at {href}")
    return found


def highlighted(page, name: str) -> list[str]:
    return [
        i["id"].removeprefix(f"{name}-")
        for i in page.select(f"input[name={name}]")
        if "govuk-input--error" in i["class"]
    ]


@pytest.fixture
def lead(clients, ref):
    save(clients["lead"], ref, "screening", {"could_affect": "yes"})
    return clients["lead"]


def test_a_missing_date_links_to_its_day_input(lead, ref):
    page = soup(save(lead, ref, "about", {}, expect_errors=True))
    assert ("Enter the date of the decision", "#decision_date-day") in summary_links(page)
    assert all(target.startswith(("input#", "select#", "textarea#")) for target in targets(page))
    assert highlighted(page, "decision_date") == ["day", "month", "year"]


ALL = ["day", "month", "year"]


@pytest.mark.parametrize(
    "review_date, message, target, parts",
    [
        (["1", "", "2030"], "Review date must include a month", "month", ["month"]),
        (["", "", "2030"], "Review date must include a day and a month", "day", ["day", "month"]),
        (["1", "4", ""], "Review date must include a year", "year", ["year"]),
        (["31", "2", "2030"], "Review date must be a real date", "day", ALL),
        (["1", "1", "2020"], "The review date must be in the future", "day", ALL),
    ],
)
def test_a_date_links_to_the_first_part_in_error(lead, ref, review_date, message, target, parts):
    page = soup(save(lead, ref, "outcome", {**OUTCOME, "review_date": review_date}, True))
    assert summary_links(page) == [(message, f"#review_date-{target}")]
    assert targets(page) == [f"input#review_date-{target}"]
    assert highlighted(page, "review_date") == parts


def test_every_link_of_a_question_page_goes_to_a_control(lead, ref):
    page = soup(save(lead, ref, "outcome", {"review_date": ["", "", ""]}, True))
    assert targets(page) == [
        "input#outcome",  # the first radio
        "textarea#summary",
        "textarea#monitoring",
        "input#review_date-day",
    ]


def test_grouped_checkboxes_link_to_their_first_checkbox(lead, ref):
    page = soup(save(lead, ref, "objectives", {}, expect_errors=True))
    assert targets(page) == ["input#objectives"]
    checkboxes = page.select("input[name=objectives]")
    assert checkboxes[0]["id"] == "objectives"
    assert len({box["id"] for box in checkboxes}) == len(checkboxes)

"""Reading pages the way a person (or a screen reader) would, and counting what they cost."""

from contextlib import contextmanager

from bs4 import BeautifulSoup
from sqlalchemy import event

from eqia.extensions import db


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def text(element) -> str:
    return " ".join(element.get_text(" ").split()) if element else ""


def title(page: BeautifulSoup) -> str:
    return text(page.title)


def h1(page: BeautifulSoup) -> str:
    return text(page.find("h1"))


def error_summary(page: BeautifulSoup) -> list[str]:
    summary = page.select_one(".govuk-error-summary")
    return [text(item) for item in summary.select("li")] if summary else []


def inline_errors(page: BeautifulSoup) -> list[str]:
    return [text(e).removeprefix("Error: ") for e in page.select(".govuk-error-message")]


def banners(page: BeautifulSoup) -> list[str]:
    return [
        text(b.select_one(".govuk-notification-banner__content"))
        for b in page.select(".govuk-notification-banner")
    ]


def csrf_token(page: BeautifulSoup) -> str:
    """Any form's token on the page (the header's sign-out button has one)."""
    return page.select_one("input[name=csrf_token]")["value"]


def form_token(page: BeautifulSoup) -> str:
    """The token of the page's own form, in main: a form that lacks one cannot be sent."""
    field = page.select_one("main form input[name=csrf_token]")
    assert field is not None, "The page's form has no CSRF token"
    return field["value"]


def submit(client, url: str, data: dict, **kwargs):
    """GET the page, then POST its form with the page's own CSRF token, as a browser would."""
    page = soup(client.get(url))
    return client.post(url, data={"csrf_token": form_token(page), **data}, **kwargs)


def nav_links(page: BeautifulSoup) -> list[str]:
    return [
        text(a)
        for a in page.select(
            ".govuk-service-navigation__item a, .govuk-service-navigation__item button"
        )
    ]


def table_rows(page: BeautifulSoup, selector: str = "table") -> list[list[str]]:
    table = page.select_one(selector)
    if table is None:
        return []
    return [[text(cell) for cell in row.select("th, td")] for row in table.select("tbody tr")]


@contextmanager
def counting_queries(app):
    """Every SQL statement the app runs inside the block."""
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def queries_for(app, client, url: str) -> int:
    """How many SQL statements a page takes (it must answer 200)."""
    with counting_queries(app) as statements:
        assert client.get(url).status_code == 200
    return len(statements)

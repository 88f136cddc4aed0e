"""Reading pages the way a person (or a screen reader) would, and counting what they cost."""

import base64
import hashlib
import re
from collections import Counter
from contextlib import contextmanager

from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from sqlalchemy import event

from eqia.auth import mfa
from eqia.extensions import db
from tests.factories import authenticator_code

_NONCE = re.compile(r"script-src [^;]*'nonce-([^']+)'")
_SCRIPT_SRC = re.compile(r"script-src ([^;]*)")


def page_problems(response) -> list[str]:
    """What is wrong with an HTML page as a browser, or a screen reader, would meet it: it
    must have a title and one h1, no id twice, and a CSP nonce on every script."""
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    problems = []
    if page.html is None or page.body is None:
        problems.append("the page has no html or body element")
    if not text(page.title):
        problems.append("the page has no title")
    headings = page.find_all("h1")
    if len(headings) != 1:
        problems.append(f"the page has {len(headings)} h1 elements")
    repeated = [i for i, n in Counter(e["id"] for e in page.find_all(id=True)).items() if n > 1]
    if repeated:
        problems.append(f"ids used more than once: {', '.join(repeated)}")
    csp = response.headers.get("Content-Security-Policy", "")
    policy = _NONCE.search(csp)
    nonce = policy.group(1) if policy else None
    for script in page.find_all("script"):
        if nonce is None and _allowed_without_nonce(script, csp):
            continue  # a page the same for everyone (the public register) has no nonce
        if nonce is None or script.get("nonce") != nonce:
            problems.append(f"a script without the page's CSP nonce: {str(script)[:80]}")
    return problems


def _allowed_without_nonce(script, csp: str) -> bool:
    """An inline script whose hash the policy names, or a script file from this site."""
    scripts = _SCRIPT_SRC.search(csp)
    allowed = scripts.group(1).split() if scripts else []
    if script.get("src") is not None:
        src = script["src"]
        return "'self'" in allowed and src.startswith("/") and not src.startswith("//")
    digest = base64.b64encode(hashlib.sha256(script.string.encode()).digest()).decode()
    return f"'sha256-{digest}'" in allowed


class CheckedClient(FlaskClient):
    """The test client, checking every HTML page it is given (as notifications-admin's
    client_request does): a test that fetches a broken page fails, whatever it asserts."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        status = response.status_code
        is_page = response.mimetype == "text/html" and not (300 <= status < 400 or status == 204)
        if is_page:
            problems = page_problems(response)
            assert not problems, f"{response.request.path}: " + "; ".join(problems)
        return response


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


def sign_in_through_form(client, email: str, password: str, url: str = "/auth/sign-in"):
    """Sign in with the form, then (when the page asks for one) with the code the person's
    authenticator app shows; the last response."""
    response = submit(client, url, {"email": email, "password": password})
    if (response.location or "").startswith("/auth/sign-in/code"):
        with client.application.app_context():
            code = authenticator_code(email)
        response = submit(client, response.location, {"code": code})
    return response


def manual_key(page: BeautifulSoup) -> str:
    """The key the set-up page shows for typing into an authenticator app, without spaces."""
    return text(page.select_one(".eqia-manual-key")).replace(" ", "")


def set_up_authenticator(client, url: str, **more):
    """Set up an authenticator app on this set-up page as a person would: read the key it
    shows, and send the code an app would show for it now (with ``more`` of the form, such
    as the account page's ``current_password``). The key, and the response."""
    page = soup(client.get(url))
    key = manual_key(page)
    code = mfa.code_at(key, mfa.current_step())
    data = {"csrf_token": form_token(page), "code": code, **more}
    response = client.post(url, data=data)
    return key, response


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

"""Browser tests: Debian's Chromium, driven by Playwright, against the app on a live server.

Every page a test loads must pass axe (WCAG 2.2 AA rules) before the test ends:
``visit``, ``sign_in``, ``sign_out`` and ``follow`` check each page they land on,
and a test that loads a page some other way must call ``assert_accessible(page)``
on it, or the test fails at teardown naming the pages nobody checked.

Pages that are not the service's own (the loopback OpenID provider's sign-in and sign-out
forms, in the single sign-on journeys) are not checked: a test names their origin with the
``not_ours`` fixture, and pages loaded from it are neither checked nor reported unchecked.

Playwright never downloads a browser here: it launches /usr/bin/chromium. Without
it the browser tests skip (loudly), except under CI=true, where they fail.
"""

import os
import re
import threading
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from unittest.mock import patch
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import BrowserContext, Locator, Page, Response, expect
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from eqia import demo
from eqia.extensions import db
from tests import factories
from tests.oidc_provider import provider  # noqa: F401 - a fixture for the SSO journeys
from tests.processes import not_installed

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# The demo accounts' password in these tests (seeded per test by live_server).
PASSWORD = "a long browser test password"
# The app the live server is serving (set by live_server): sign_in reads the demo admins'
# and super users' authenticator secrets from its database, as their phones would hold them.
_served: dict[str, Flask] = {}

# WCAG 2.0, 2.1 and 2.2, levels A and AA: what the accessibility statement promises.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}

_axe = Axe()
# Runs axe if the document has it (see new_context); only the violations cross to Python.
_RUN_AXE = """async (options) => {
    if (!window.axe) return null;
    return (await window.axe.run(document, options)).violations;
}"""
# Per page: the URL of the document it loaded most recently that axe has not yet
# checked (None once checked), and every earlier document that was never checked.
_unchecked: "WeakKeyDictionary[Page, str | None]" = WeakKeyDictionary()
_missed: "WeakKeyDictionary[Page, list[str]]" = WeakKeyDictionary()
# Origins whose pages are someone else's (see not_ours), for the test under way.
_not_ours: set[str] = set()
# Contexts made with java_script_enabled=False, where axe cannot run.
_no_script_contexts: "WeakKeyDictionary[BrowserContext, bool]" = WeakKeyDictionary()

BROWSER_MARKS = [
    pytest.mark.browser,
    # pytest-playwright 0.10 defines its fallback `base_url` fixture as an instance
    # method of a plugin class, which pytest 9.2 deprecates (PytestRemovedIn10Warning)
    # when that fixture is set up; filterwarnings = ["error"] turns it into an error.
    # Only this message, only in browser tests. Drop it when pytest-playwright fixes it.
    pytest.mark.filterwarnings(
        "ignore:Session-scoped fixtures defined as instance methods are deprecated"
        ":pytest.PytestRemovedIn10Warning"
    ),
]


def pytest_collection_modifyitems(config, items) -> None:
    """Everything under tests/browser gets BROWSER_MARKS, so `pytest -m "not browser"` skips it."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            for mark in BROWSER_MARKS:
                item.add_marker(mark)


# --- the browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Launch Debian's Chromium; Playwright must never try to download one (there is no network)."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        reason = (
            f"!!! BROWSER TESTS NOT RUN: {CHROMIUM} is missing. "
            "Install it with `apt-get install chromium` (or `make chromium` as root). !!!"
        )
        not_installed(reason)
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@cache
def _hash_once(password: str, method: str = "scrypt", salt_length: int = 16) -> str:
    return generate_password_hash(password, method=method, salt_length=salt_length)


@pytest.fixture
def live_server(app, once) -> Iterator[str]:
    """The app (fresh migrated database, demo accounts seeded) served on 127.0.0.1; its base
    URL. The demo is seeded once a run (its sign-offs seal PDFs), its rows put back for each
    test after."""
    # The app fixture's SERVER_NAME="localhost" would make every route 404 on 127.0.0.1.
    app.config["SERVER_NAME"] = None

    def seed_demo():
        # Seeding hashes six passwords with scrypt; the demo accounts share one password, so
        # hash it once. set_password and sign-in are otherwise untouched (the patch fails
        # loudly if eqia.models.users stops importing generate_password_hash).
        with app.app_context(), patch("eqia.models.users.generate_password_hash", _hash_once):
            demo.seed(PASSWORD)
            db.session.remove()

    once(seed_demo)
    _served["app"] = app
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # Request threads are kept track of (werkzeug makes them daemons, never joined), so that
    # none is still using a database connection when the app's engine is disposed.
    server.daemon_threads, server.block_on_close = False, True
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="eqia-live-server",
        daemon=True,
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        for request_thread in list(vars(server).get("_threads", [])):
            request_thread.join(timeout=5)
        server.block_on_close = False  # any still running after 5 s are not waited for again
        server.server_close()
        thread.join(timeout=5)
        _served.clear()


@pytest.fixture
def browser_context_args(browser_context_args: dict, live_server: str) -> dict:
    """Every context gets the live server as its base URL, so tests use paths: visit(page, "/")."""
    return {**browser_context_args, "base_url": live_server}


@pytest.fixture
def new_context(new_context, request) -> Iterator[Callable[..., BrowserContext]]:
    """pytest-playwright's contexts (fresh per test, one browser per run), watched for axe.

    A context with java_script_enabled=False cannot run axe (Playwright's evaluate
    waits forever there), so its pages are not watched: check those pages' markup
    in a JavaScript context too.
    """
    watched: list[Page] = []

    def watch(page: Page) -> None:
        watched.append(page)
        _unchecked[page] = None
        _missed[page] = []
        page.on("load", _loaded)

    def make(**kwargs) -> BrowserContext:
        context = new_context(**kwargs)
        if kwargs.get("java_script_enabled") is False:
            _no_script_contexts[context] = True
        else:
            # Load axe into every document up front: half the cost of injecting it per check.
            context.add_init_script(script=_axe.axe_script)
            context.on("page", watch)
        return context

    yield make

    never_checked = []
    for page in watched:
        never_checked += _missed.pop(page, [])
        if last := _unchecked.pop(page, None):
            never_checked.append(last)
    # pytest-playwright records each phase's report on the item; a test that has
    # already failed would only get a second, misleading error here.
    test_failed = getattr(request.node, "rep_call", None) is None or request.node.rep_call.failed
    if never_checked and not test_failed:
        pytest.fail(
            "These pages were loaded but never checked with axe; call assert_accessible(page) "
            "after loading them (or use visit/follow):\n  " + "\n  ".join(never_checked),
            pytrace=False,
        )


@pytest.fixture
def not_ours() -> Iterator[Callable[[str], None]]:
    """Name an origin ("http://127.0.0.1:8000") whose pages are not the service's, so axe
    is not asked to answer for them."""
    yield _not_ours.add
    _not_ours.clear()


def _is_ours(url: str) -> bool:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" not in _not_ours


def _loaded(page: Page) -> None:
    if page.url == "about:blank":
        return
    if previous := _unchecked.get(page):
        _missed.setdefault(page, []).append(previous)
    _unchecked[page] = page.url if _is_ours(page.url) else None


# --- accessibility ------------------------------------------------------------------------------


def axe_report(url: str, violations: list[dict]) -> str:
    lines = [f"{len(violations)} accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(
            f"\n* {violation['id']} ({violation.get('impact') or 'no impact given'}): "
            f"{violation['help']}\n  {violation['helpUrl']}"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"  - {target}\n      {node['html'].strip()[:300]}")
            summary = (node.get("failureSummary") or "").strip()
            if summary:
                lines.append("      " + summary.replace("\n", "\n      "))
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Run axe on the page's current document; fail with every violation if there are any."""
    __tracebackhide__ = True
    if _no_script_contexts.get(page.context):
        raise AssertionError(
            "axe cannot run with JavaScript disabled; check this page in a JS context"
        )
    page.wait_for_load_state("load")
    url = page.url
    violations = page.evaluate(_RUN_AXE, AXE_OPTIONS)
    if violations is None:  # a page whose context did not preload axe
        violations = _axe.run(page, options=AXE_OPTIONS).response["violations"]
    # The axe round trip has delivered the document's load event, if it was still pending.
    if _unchecked.get(page) == url:
        _unchecked[page] = None
    if violations:
        raise AssertionError(axe_report(url, violations))


# --- moving around the service ------------------------------------------------------------------


def visit(page: Page, path: str, status: int = 200) -> Response:
    """Go to a path on the live server, expect that status (after redirects), check with axe.

    (Pages in a context without JavaScript cannot be checked: see new_context.)
    """
    __tracebackhide__ = True
    response = page.goto(path)
    assert response is not None, f"No response for {path}"
    assert response.status == status, f"{path} answered {response.status}, expected {status}"
    if not _no_script_contexts.get(page.context):
        assert_accessible(page)
    return response


def follow(page: Page, control: Locator) -> None:
    """Click a link or button that loads a new page, wait for it, and check it with axe."""
    __tracebackhide__ = True
    with page.expect_navigation():
        control.click()
    if not _no_script_contexts.get(page.context):
        assert_accessible(page)


def authenticator_code(email: str) -> str:
    """The code this demo account's authenticator app would show (one not used yet)."""
    with _served["app"].app_context():
        return factories.authenticator_code(email)


def sign_in(page: Page, email: str, password: str = PASSWORD, path: str = "/auth/sign-in") -> None:
    """Sign in through the GOV.UK sign-in form, as a person would, with the code from their
    authenticator app when the service asks for one, and expect to get in."""
    __tracebackhide__ = True
    visit(page, path)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    follow(page, page.get_by_role("button", name="Sign in"))
    if re.search(r"/auth/sign-in/code", page.url):
        page.get_by_label("Code", exact=True).fill(authenticator_code(email))
        follow(page, page.get_by_role("button", name="Continue"))
    expect(page, f"{email} could not sign in").not_to_have_url(re.compile(r"/auth/sign-in"))


def sign_out(page: Page) -> None:
    """Sign out with the header's Sign out button; land on the sign-in page."""
    __tracebackhide__ = True
    follow(page, page.get_by_role("button", name="Sign out"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sign in to Equality Impact Assessments"
    )

"""The check every test client runs on every HTML page finds what it is meant to find."""

from types import SimpleNamespace

from tests.helpers import page_problems

POLICY = {"Content-Security-Policy": "default-src 'self'; script-src 'self' 'nonce-abc'"}


def response(html: str, headers=None):
    return SimpleNamespace(
        get_data=lambda as_text: html, headers=POLICY if headers is None else headers
    )


GOOD = (
    "<html><head><title>Home</title></head><body><h1>Home</h1>"
    '<p id="a">x</p><script nonce="abc" src="/static/app.js"></script></body></html>'
)


def test_a_good_page_has_no_problems():
    assert page_problems(response(GOOD)) == []


def test_each_problem_is_named():
    bad = (
        "<html><head><title></title></head><body><h1>One</h1><h1>Two</h1>"
        '<p id="a"></p><p id="a"></p><script>alert(1)</script></body></html>'
    )
    problems = page_problems(response(bad))
    assert problems[0] == "the page has no title"
    assert problems[1] == "the page has 2 h1 elements"
    assert problems[2] == "ids used more than once: a"
    assert problems[3].startswith("a script without the page's CSP nonce")


def test_a_script_needs_this_pages_nonce_not_any():
    assert page_problems(response(GOOD.replace('nonce="abc"', 'nonce="other"')))
    assert page_problems(response(GOOD, headers={}))

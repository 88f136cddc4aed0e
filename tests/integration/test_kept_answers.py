"""Answers that arrive after a session ran out of time are kept, within bounds, and shown to
their owner to check and save: never saved in their name without them."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from eqia.extensions import db
from eqia.models import PendingSubmission
from tests import factories
from tests.helpers import soup, submit, text
from tests.journeys import save

TYPED = "Typed before the session ended"


@pytest.fixture
def url(clients, ref) -> str:
    save(clients["lead"], ref, "screening", {"could_affect": "yes"})
    return f"/eqia/{ref}/questions/evidence"


def late_post(app, client, url: str, data_used: str = TYPED, **fields):
    """Post the page's form after the session has been idle too long."""
    page = soup(client.get(url))
    with client.session_transaction() as session:
        session["last_seen"] -= app.config["IDLE_TIMEOUT"].total_seconds() + 60
    data = {
        "csrf_token": page.select_one("input[name=csrf_token]")["value"],
        "version": "0",
        "data_used": data_used,
        "gaps": "x",
        "engagement_done": "y",
        **fields,
    }
    return client.post(url, data=data)


def sign_in(client, email="lead@example.org"):
    return submit(client, "/auth/sign-in", {"email": email, "password": factories.PASSWORD})


def kept_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(PendingSubmission))


def saved_evidence(client, url) -> str:
    return soup(client.get(url)).select_one("textarea[name=data_used]").get_text()


def test_kept_answers_are_shown_to_check_and_saved_only_when_the_owner_saves(app, clients, url):
    lead = clients["lead"]
    response = late_post(app, lead, url)
    assert response.location == f"/auth/sign-in?next={url}"
    assert "Sign in again and we will put them back" in text(soup(lead.get(response.location)))
    response = submit(
        lead, response.location, {"email": "lead@example.org", "password": factories.PASSWORD}
    )
    assert response.location == url
    page = soup(lead.get(url))
    banner = text(page.select_one(".govuk-notification-banner"))
    assert "These answers were sent after you were signed out, and have not been saved" in banner
    assert page.select_one("textarea[name=data_used]").get_text() == TYPED
    # nothing saved yet: the saved answers are still the empty ones
    assert kept_count(app) == 0
    assert saved_evidence(lead, url) == ""
    # the owner saves them from the page shown
    response = lead.post(
        url,
        data={
            field["name"]: field.get("value", "")
            for field in page.select("main form input[type=hidden]")
        }
        | {"data_used": TYPED, "gaps": "x", "engagement_done": "y"},
    )
    assert response.status_code == 302
    assert saved_evidence(lead, url) == TYPED


def test_someone_else_signing_in_at_that_browser_does_not_get_them(app, clients, url):
    lead = clients["lead"]
    late_post(app, lead, url, "Private")
    sign_in(lead, "super@example.org")
    with lead.session_transaction() as session:
        assert "pending_submission" not in session


def test_only_the_newest_form_for_a_page_is_kept(app, clients, users, url):
    lead = clients["lead"]
    late_post(app, lead, url, "First")
    sign_in(lead)
    lead.get("/")  # signed in, but does not go back to the page
    late_post(app, lead, url, "Second")
    assert kept_count(app) == 1
    sign_in(lead)
    assert soup(lead.get(url)).select_one("textarea[name=data_used]").get_text() == "Second"


def test_a_form_over_256_kb_is_not_kept(app, clients, url):
    lead = clients["lead"]
    response = late_post(app, lead, url, "x" * (300 * 1024))
    assert response.location.startswith("/auth/sign-in")
    assert kept_count(app) == 0


def test_forms_for_pages_that_cannot_put_answers_back_are_not_kept(app, clients, ref, url):
    lead = clients["lead"]
    response = late_post(app, lead, f"/eqia/{ref}/check", declaration="agreed")
    assert response.location == f"/auth/sign-in?next=/eqia/{ref}/check"
    assert kept_count(app) == 0


def test_kept_answers_last_a_day_and_the_daily_job_forgets_them(app, clients, runner, url):
    lead = clients["lead"]
    late_post(app, lead, url)
    with app.app_context():
        kept = db.session.scalar(select(PendingSubmission))
        kept.created_at -= timedelta(days=1, minutes=1)
        db.session.commit()
    sign_in(lead)
    page = soup(lead.get(url))
    assert page.select_one(".govuk-notification-banner") is None
    assert page.select_one("textarea[name=data_used]").get_text() == ""
    result = runner.invoke(args=["send-reminders"])
    assert "Forgot 1 set(s) of kept answers more than a day old" in result.output
    assert kept_count(app) == 0

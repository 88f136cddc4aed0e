"""The timeout warning's two requests: "Stay signed in" counts as using the service, and
the end of the countdown ends the session as the idle timeout does. Both need the CSRF
token; neither brings back a session that has already ended. (The dialog itself is tested in
tests/browser/test_timeout_warning.py.)"""

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from eqia import create_app, pending, sessions
from eqia.extensions import db
from eqia.models import SignIn
from tests.helpers import banners, csrf_token, soup
from tests.journeys import save

IDLE_MESSAGE = "You were signed out because you had not used the service for a while."


def token(client) -> str:
    return csrf_token(soup(client.get("/auth/account")))


def last_seen(client) -> float:
    with client.session_transaction() as session:
        return session.get(sessions.LAST_SEEN_KEY, 0)


def idle_for(client, seconds: float) -> None:
    with client.session_transaction() as session:
        session[sessions.LAST_SEEN_KEY] -= seconds


def is_signed_in(client) -> bool:
    return client.get("/auth/account").status_code == 200


def open_sign_ins(app, user_id: int) -> int:
    with app.app_context():
        rows = db.session.scalars(
            select(SignIn).where(SignIn.user_id == user_id, SignIn.ended_at.is_(None))
        )
        return len(list(rows))


def test_signed_in_pages_carry_the_warning_closed(app, clients):
    page = soup(clients["lead"].get("/plan/"))
    dialog = page.select_one("dialog#timeout-warning")
    assert dialog is not None and not dialog.has_attr("open")
    assert dialog["aria-modal"] == "true"
    assert dialog["data-idle-seconds"] == "3600"
    assert dialog["data-warning-seconds"] == "300"
    assert dialog["data-stay-signed-in-url"] == "/auth/stay-signed-in"
    assert dialog["data-timed-out-url"] == "/auth/timed-out"
    assert dialog["data-sign-in-url"] == "/auth/sign-in?next=/plan/"
    assert dialog.select_one("form")["action"] == "/auth/sign-out"
    assert dialog.select_one("input[name=csrf_token]")["value"]
    assert [b.get_text(strip=True) for b in dialog.select("button")] == [
        "Stay signed in",
        "Sign out",
    ]


def test_pages_for_people_not_signed_in_have_no_warning(clients):
    for url in ("/auth/sign-in", "/accessibility"):
        assert soup(clients["anonymous"].get(url)).select_one("dialog") is None


def test_question_pages_mark_the_form_whose_answers_a_time_out_keeps(clients, ref):
    page = soup(clients["lead"].get(f"/eqia/{ref}/questions/screening"))
    assert page.select("main form[data-keep-on-timeout]") == page.select("main form")
    assert {"assessments.page"} == pending.RESTORING  # the pages whose forms are kept


def test_stay_signed_in_starts_the_idle_time_again(app, clients, users):
    lead = clients["lead"]
    csrf = token(lead)
    idle_for(lead, app.config["IDLE_TIMEOUT"].total_seconds() - 30)
    before = time.time()
    response = lead.post("/auth/stay-signed-in", data={"csrf_token": csrf})
    assert response.status_code == 200
    assert response.json == {"idle_timeout_seconds": 3600}
    assert last_seen(lead) >= before
    # Idle again for most of the timeout: the session would have ended, had it not stayed.
    idle_for(lead, app.config["IDLE_TIMEOUT"].total_seconds() - 30)
    assert is_signed_in(lead)
    assert open_sign_ins(app, users["lead"].id) == 1


def test_stay_signed_in_needs_the_csrf_token(app, clients):
    lead = clients["lead"]
    token(lead)
    idle_for(lead, 600)
    seen = last_seen(lead)
    response = lead.post("/auth/stay-signed-in")
    assert response.status_code == 400
    assert last_seen(lead) == seen


def test_stay_signed_in_is_refused_to_people_not_signed_in(clients):
    anonymous = clients["anonymous"]
    csrf = csrf_token(soup(anonymous.get("/auth/sign-in")))
    response = anonymous.post("/auth/stay-signed-in", data={"csrf_token": csrf})
    assert response.status_code == 302
    assert response.location.startswith("/auth/sign-in")
    assert last_seen(anonymous) == 0


def test_stay_signed_in_after_the_timeout_is_too_late(app, clients, users):
    lead = clients["lead"]
    csrf = token(lead)
    idle_for(lead, app.config["IDLE_TIMEOUT"].total_seconds() + 1)
    response = lead.post("/auth/stay-signed-in", data={"csrf_token": csrf})
    assert response.status_code == 302
    assert response.location.startswith("/auth/sign-in")
    assert open_sign_ins(app, users["lead"].id) == 0
    assert not is_signed_in(lead)


def test_timed_out_ends_the_session_as_the_idle_timeout_does(app, clients, users):
    lead = clients["lead"]
    csrf = token(lead)
    response = lead.post("/auth/timed-out", data={"csrf_token": csrf})
    assert response.status_code == 204
    assert open_sign_ins(app, users["lead"].id) == 0
    with lead.session_transaction() as session:
        assert session[pending.ENDED_KEY] == users["lead"].id  # late answers are kept
    response = lead.get("/auth/sign-in")
    assert banners(soup(response)) == [IDLE_MESSAGE]
    assert not is_signed_in(lead)


def test_timed_out_after_the_timeout_says_the_same(app, clients, users):
    lead = clients["lead"]
    csrf = token(lead)
    idle_for(lead, app.config["IDLE_TIMEOUT"].total_seconds() + 1)
    assert lead.post("/auth/timed-out", data={"csrf_token": csrf}).status_code == 204
    assert banners(soup(lead.get("/auth/sign-in"))) == [IDLE_MESSAGE]


def test_timed_out_needs_the_csrf_token(app, clients, users):
    lead = clients["lead"]
    token(lead)
    assert lead.post("/auth/timed-out").status_code == 400
    assert is_signed_in(lead)
    assert open_sign_ins(app, users["lead"].id) == 1


def test_answers_sent_after_the_warning_ran_out_are_kept(app, clients, ref):
    lead = clients["lead"]
    save(lead, ref, "screening", {"could_affect": "yes"})
    url = f"/eqia/{ref}/questions/evidence"
    csrf = csrf_token(soup(lead.get(url)))
    assert lead.post("/auth/timed-out", data={"csrf_token": csrf}).status_code == 204
    response = lead.post(url, data={"csrf_token": csrf, "version": "0", "data_used": "Typed"})
    assert response.location == f"/auth/sign-in?next={url}"
    assert "Sign in again and we will put them back" in " ".join(
        banners(soup(lead.get(response.location)))
    )


@pytest.mark.parametrize("warning", [timedelta(0), timedelta(minutes=60), timedelta(hours=2)])
def test_the_warning_must_come_before_the_timeout(warning):
    with pytest.raises(RuntimeError, match="EQIA_IDLE_WARNING_MINUTES must be more than 0"):
        create_app({"IDLE_TIMEOUT": timedelta(minutes=60), "IDLE_WARNING": warning})

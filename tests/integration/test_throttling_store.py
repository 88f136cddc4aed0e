"""Sign-in throttling kept in a real Redis (EQIA_RATELIMIT_STORAGE_URI), and what happens
while Redis is down: sign-in goes on, counted by each process, and the log says so."""

import json

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from eqia import create_app
from eqia.auth import throttle
from eqia.extensions import db
from tests import factories
from tests.helpers import CheckedClient, error_summary, soup, submit

EMAIL = "priya.shah@example.org"
INCORRECT = "Email address or password is incorrect"
THROTTLED = "You have tried to sign in too many times. Wait 15 minutes, then try again."


@pytest.fixture
def person(app):
    with app.app_context():
        return factories.make_user(email=EMAIL, name="Priya Shah").id


@pytest.fixture
def redis_app(app, redis_server, database_url, signing_folder):
    """The service keeping its sign-in counts in the test's Redis."""
    shared = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SERVER_NAME": "localhost",
            "SIGNING_FOLDER": signing_folder,
            "RATELIMIT_STORAGE_URI": redis_server.url,
        }
    )
    shared.test_client_class = CheckedClient
    throttle.FALLBACK.storage.reset()
    yield shared
    with shared.app_context():
        db.session.remove()
        db.engine.dispose()


def sign_in(client, password=factories.PASSWORD):
    return submit(client, "/auth/sign-in", {"email": EMAIL, "password": password})


def seen_elsewhere(redis_url: str) -> bool:
    """Whether another process, reading the same Redis, finds this person's tries used up."""
    limit = parse("5 per 15 minutes")
    other = FixedWindowRateLimiter(storage_from_string(redis_url))
    return not other.test(limit, "sign-in", f"{EMAIL} 127.0.0.1")


def degraded_events(capsys) -> list[dict]:
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    return [e for e in map(json.loads, lines) if e["event"] == "throttling.degraded"]


def test_the_counts_are_kept_in_redis_for_every_instance_to_see(redis_app, redis_server, person):
    client = redis_app.test_client()
    for _ in range(4):
        assert error_summary(soup(sign_in(client, "wrong"))) == [INCORRECT]
    assert not seen_elsewhere(redis_server.url)
    sign_in(client, "wrong")
    assert seen_elsewhere(redis_server.url)
    response = sign_in(client)
    assert response.status_code == 429
    assert error_summary(soup(response)) == [THROTTLED]


def test_with_redis_down_sign_in_works_is_still_limited_and_is_logged(
    redis_app, redis_server, person, capsys
):
    client = redis_app.test_client()
    sign_in(client, "wrong")  # counted in Redis
    redis_server.stop()
    capsys.readouterr()
    assert sign_in(client).location == "/"
    (event,) = degraded_events(capsys)
    assert "Connection refused" in event["reason"] and event["path"] == "/auth/sign-in"
    # This process counts on its own: five wrong tries, and the sixth waits.
    client.delete_cookie("eqia_session", domain="localhost")
    for _ in range(5):
        assert error_summary(soup(sign_in(client, "wrong"))) == [INCORRECT]
    assert sign_in(client).status_code == 429
    assert len(degraded_events(capsys)) == 6
    # Redis back (empty: it keeps nothing on disk), the counts go there again.
    redis_server.start()
    for _ in range(5):
        sign_in(client, "wrong")
    assert degraded_events(capsys) == []
    assert seen_elsewhere(redis_server.url)


def test_healthz_reports_redis_and_stays_ready_without_it(redis_app, redis_server):
    client = redis_app.test_client()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "throttling_store": "ok"}
    redis_server.stop()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {
        "status": "degraded",
        "database": "ok",
        "throttling_store": "unreachable",
    }


def test_pages_other_than_sign_in_never_wait_for_redis(redis_app, redis_server, users):
    from tests.conftest import sign_in_as

    client = redis_app.test_client()
    sign_in_as(client, users["lead"].id)
    redis_server.stop()
    assert client.get("/").status_code == 200

"""Every database connection cut (a failover, a restart, a firewall dropping idle ones):
the next requests reconnect and succeed, never a 500. PostgreSQL only: the cut is
``pg_terminate_backend`` on every connection the app holds."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import sign_in_as

CLIENTS = 4


@pytest.fixture
def postgresql(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("cutting connections is a PostgreSQL test (EQIA_TEST_DATABASE_URL)")
    return database_url


def cut_every_connection(database_url: str) -> int:
    """Terminate every other session on the suite's database; how many there were."""
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            return connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
    finally:
        engine.dispose()


def test_the_requests_after_every_connection_is_cut_succeed(postgresql, app, users):
    clients = [app.test_client() for _ in range(CLIENTS)]
    for client in clients:
        sign_in_as(client, users["lead"].id)

    def home_pages() -> list[int]:
        with ThreadPoolExecutor(CLIENTS) as pool:
            return list(pool.map(lambda client: client.get("/").status_code, clients))

    assert home_pages() == [200] * CLIENTS  # the pool now holds several connections
    assert cut_every_connection(postgresql) >= 1
    assert home_pages() == [200] * CLIENTS
    assert clients[0].get("/healthz").json == {"status": "ok", "database": "ok"}
    assert cut_every_connection(postgresql) >= 1
    assert clients[0].get("/healthz").status_code == 200

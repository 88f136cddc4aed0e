"""Fixtures: an app on a clean database per test, and a signed-in client per role.

The suite runs on SQLite by default and on PostgreSQL when EQIA_TEST_DATABASE_URL
is set. The schema is built once per run by the real migrations; each test then
starts from what the migrations left (reference data included).
"""

import os
import tempfile
import uuid

import pytest
from flask_migrate import upgrade
from sqlalchemy import bindparam, create_engine, insert, inspect, make_url, select, text

from eqia import create_app, sessions
from eqia.extensions import db, limiter
from eqia.models import Role, User
from tests import factories
from tests.helpers import CheckedClient
from tests.processes import free_port
from tests.redis_server import RedisServer

ROLE_USERS = {
    "lead": ("lead@example.org", "Lee Lead", set()),
    "super_user": ("super@example.org", "Sue Super", {Role.SUPER_USER}),
    "auditor": ("auditor@example.org", "Audrey Auditor", {Role.AUDITOR}),
    "admin": ("admin@example.org", "Adam Admin", {Role.ADMIN}),
}


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("EQIA_TEST_DATABASE_URL")
    return url or f"sqlite:///{tmp_path_factory.mktemp('db') / 'eqia-test.sqlite3'}"


@pytest.fixture
def scratch_database(database_url, tmp_path):
    """An empty database of its own on the suite's engine, for tests that migrate from the
    start or from an older version (dropped afterwards on PostgreSQL)."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    name = f"eqia_scratch_{uuid.uuid4().hex[:12]}"
    server = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def _tables():
    return list(db.metadata.sorted_tables)


@pytest.fixture(scope="session")
def reference_rows(database_url):
    """Migrate an empty database once, and remember the rows the migrations put there."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        with db.engine.begin() as connection:
            existing = inspect(connection).get_table_names()
            if db.engine.dialect.name == "postgresql":
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            else:
                for table in existing:
                    connection.execute(text(f'DROP TABLE IF EXISTS "{table}"'))
        upgrade()
        rows = _rows()
        db.engine.dispose()
    return rows


def _rows() -> dict[str, list[dict]]:
    """Every row of every table, by table name."""
    with db.engine.connect() as connection:
        return {
            table.name: [dict(row._mapping) for row in connection.execute(select(table))]
            for table in _tables()
        }


def _reset_database(saved: dict[str, list[dict]]) -> None:
    """Empty every table, then put back the rows ``saved`` (by table name)."""
    tables = _tables()
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            # Break the cycles first (an EqIA points at its approved revision).
            for table in tables:
                for fk in table.foreign_keys:
                    if fk.constraint.use_alter:
                        connection.execute(table.update().values({fk.parent.name: None}))
            for table in reversed(tables):
                connection.execute(table.delete())
            if inspect(connection).has_table("sqlite_sequence"):
                connection.execute(text("DELETE FROM sqlite_sequence"))
        # Columns of a cycle are filled in last, once the rows they point at are there.
        deferred = []
        for table in tables:
            if rows := saved.get(table.name):
                later = [fk.parent.name for fk in table.foreign_keys if fk.constraint.use_alter]
                connection.execute(insert(table), [dict(r, **dict.fromkeys(later)) for r in rows])
                deferred += [(table, name, rows) for name in later]
                if db.engine.dialect.name == "postgresql" and "id" in table.c:
                    # Table names come from our own metadata, not from input.
                    sql = f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    sql += f'(SELECT max(id) FROM "{table.name}"))'  # noqa: S608
                    connection.execute(text(sql))
        for table, name, rows in deferred:
            filled = [{"pk": r["id"], "value": r[name]} for r in rows if r[name] is not None]
            if filled:
                statement = table.update().where(table.c.id == bindparam("pk"))
                connection.execute(statement.values({name: bindparam("value")}), filled)


@pytest.fixture(scope="session")
def signing_folder(tmp_path_factory):
    """Where test apps keep their self-signed development certificate: one for the run."""
    return str(tmp_path_factory.mktemp("signing"))


@pytest.fixture
def app(database_url, reference_rows, signing_folder):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SERVER_NAME": "localhost",
            # Nothing a test writes lands in the repository's instance folder.
            "SIGNING_FOLDER": signing_folder,
        }
    )
    app.test_client_class = CheckedClient
    with app.app_context():
        _reset_database(reference_rows)
        limiter.reset()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def _built():
    """What each ``once`` builder left: its return value and every row, by builder."""
    return {}


@pytest.fixture
def once(request, app, reference_rows, _built):
    """``once(build)``: the database ``build()`` leaves, built in the first test that asks and
    then saved, so that each later test starts from those rows, put back, rather than building
    it again (a builder that signs EqIAs off seals their PDFs: seconds each). ``build`` returns
    plain values (references, ids), which every test is given.

    Only the role users (``users``) may be in the database before it: the builder's rows
    replace them, the same people with the same ids. The role clients (``clients``) are signed
    in again after."""

    def run(build):
        with app.app_context():
            written = {
                name
                for name, now in _rows().items()
                if name not in ("users", "user_roles", "sign_ins")
                and len(now) != len(reference_rows.get(name, []))
            }
        assert not written, f"ask for the once-built fixture before what writes {written}"
        key = f"{build.__module__}.{build.__qualname__}"
        if key not in _built:
            value = build()
            with app.app_context():
                _built[key] = (value, _rows())
            return value
        value, rows = _built[key]
        with app.app_context():
            _reset_database(rows)
        if "clients" in request.fixturenames:
            clients = request.getfixturevalue("clients")
            for role, person in request.getfixturevalue("users").items():
                sign_in_as(clients[role], person.id)
        return value

    return run


@pytest.fixture
def temporary(tmp_path, monkeypatch):
    """The folder temporary files go in during the test (``tempfile``'s), to show what is
    left there."""
    folder = tmp_path / "temporary"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def ctx(app):
    """An application context for a test's own reads and writes."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def users(app):
    """One person per role, by role name; each is a plain object with id and email."""
    made = {}
    with app.app_context():
        for role, (email, name, roles) in ROLE_USERS.items():
            user = factories.make_user(email=email, name=name, roles=roles)
            made[role] = type("Person", (), {"id": user.id, "email": email, "name": name})
    return made


@pytest.fixture
def runner(app):
    """The command line, as ``flask --app eqia …`` runs it."""
    return app.test_cli_runner()


@pytest.fixture
def directorate_id(app) -> int:
    with app.app_context():
        return factories.make_directorate("Place & Sustainability").id


@pytest.fixture
def ref(app, users) -> str:
    """A draft EqIA of the lead's, just started."""
    with app.app_context():
        lead = db.session.get(User, users["lead"].id)
        return factories.make_assessment(lead).reference


def sign_in_as(client, user_id: int) -> None:
    """Start a signed-in session directly (the sign-in form has its own tests)."""
    with client.application.app_context():
        cookie = sessions.cookie_for(db.session.get(User, user_id))
    with client.session_transaction() as session:
        session.update(cookie)


@pytest.fixture
def clients(app, users):
    """A signed-in test client per role, plus an anonymous one under "anonymous"."""
    made = {"anonymous": app.test_client()}
    for role, person in users.items():
        made[role] = app.test_client()
        sign_in_as(made[role], person.id)
    return made


@pytest.fixture
def redis_server(tmp_path):
    """A redis-server of the test's own on a free loopback port (tests/redis_server.py)."""
    folder = tmp_path / "redis"
    folder.mkdir()
    server = RedisServer(folder, free_port()).start()
    yield server
    server.stop()

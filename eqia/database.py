"""Database settings the ORM does not give on its own, and the one dialect-aware insert."""

import sqlite3

from flask import Flask
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from eqia.extensions import db


def _on_sqlite_connect(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA busy_timeout = 10000")
        cursor.close()


def init_app(app: Flask) -> None:
    if not event.contains(Engine, "connect", _on_sqlite_connect):
        event.listen(Engine, "connect", _on_sqlite_connect)


def is_reachable() -> bool:
    try:
        db.session.execute(db.text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means unreachable
        db.session.rollback()
        return False
    return True


def insert_unless_present(model, values: dict, conflict_on: list[str] | None = None):
    """INSERT … ON CONFLICT DO NOTHING, on SQLite and PostgreSQL alike: a row that would
    break a unique constraint (``conflict_on``, or any) is left out, not an error."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return insert(model).values(**values).on_conflict_do_nothing(index_elements=conflict_on)

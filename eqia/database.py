"""Database settings the ORM does not give on its own, and the one dialect-aware insert."""

import re
import sqlite3

from flask import Flask
from psycopg.pq import Format
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter

from eqia.extensions import db


def _on_sqlite_connect(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA busy_timeout = 10000")
        cursor.close()


def _binary_results(_connection, cursor, _statement, _parameters, context, _many) -> None:
    """Rows of a query run with ``execution_options(binary_results=True)`` come from
    PostgreSQL in binary. psycopg asks for text, in which a bytea is sent as hex: twice
    its size, encoded by the server and decoded by the client."""
    if context.execution_options.get("binary_results") and hasattr(cursor, "format"):
        cursor.format = Format.BINARY


# The largest id an INTEGER column holds (PostgreSQL's int4): any larger number in a URL or
# a form names nothing, and must never reach the database.
MAX_ID = 2**31 - 1
_ID = re.compile(r"[0-9]{1,10}")


def id_from(text: str | None) -> int | None:
    """An id typed into a URL or form (ASCII digits, in range); None for anything else."""
    if text is None or not _ID.fullmatch(text):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: a number beyond any id is no match (404), never an
    out-of-range query."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    if not event.contains(Engine, "connect", _on_sqlite_connect):
        event.listen(Engine, "connect", _on_sqlite_connect)
    if not event.contains(Engine, "before_cursor_execute", _binary_results):
        event.listen(Engine, "before_cursor_execute", _binary_results)


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

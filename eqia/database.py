"""Database engine settings that the ORM does not give on its own."""

import sqlite3

from flask import Flask
from sqlalchemy import event
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

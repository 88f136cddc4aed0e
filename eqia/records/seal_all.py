"""Sealing the signed-off revisions that have no sealed record yet, on every core.

Revisions signed off before records were sealed at sign-off have none. ``flask --app
eqia seal-records`` seals them: each in its own transaction, so it can be stopped
and run again (it carries on where it stopped), and a revision sealed meanwhile by a
download or another run is left as it is. Drawing and signing take the time, so the
work is spread over forked processes, each with its own database connections.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from eqia.extensions import db
from eqia.models import Assessment, Decision, DecisionKind, Revision, SealedRecord
from eqia.records import sealing
from eqia.timefmt import utcnow

_app: Flask | None = None


def unsealed() -> list[int]:
    """The signed-off revisions that have no sealed record yet, oldest first."""
    has_record = select(SealedRecord.id).where(SealedRecord.revision_id == Decision.revision_id)
    return list(
        db.session.scalars(
            select(Decision.revision_id)
            .where(Decision.kind == DecisionKind.APPROVED, ~has_record.exists())
            .order_by(Decision.revision_id)
        )
    )


def seal_one(revision_id: int) -> str:
    """Seal one revision: "sealed", "skipped" (it already was) or "failed"."""
    try:
        if SealedRecord.of(revision_id) is not None:
            return "skipped"
        revision = db.session.get(Revision, revision_id)
        assessment = db.session.get(Assessment, revision.assessment_id)
        sealing.seal(assessment, revision, utcnow())
        db.session.commit()
        return "sealed"
    except IntegrityError:
        db.session.rollback()
        return "skipped"
    except Exception:  # noqa: BLE001 - reported, and the run goes on with the others
        db.session.rollback()
        current_app.logger.exception("Could not seal revision %s", revision_id)
        return "failed"
    finally:
        db.session.remove()


def _start_worker() -> None:
    with _app.app_context():
        db.engine.dispose(close=False)  # the parent's connections are the parent's


def _in_worker(revision_id: int) -> str:
    with _app.app_context():
        return seal_one(revision_id)


def seal(revision_ids: Iterable[int], workers: int) -> Iterator[str]:
    """Seal each revision, yielding each outcome as it comes."""
    ids = list(revision_ids)
    if workers <= 1 or len(ids) <= 1:
        for revision_id in ids:
            yield seal_one(revision_id)
        return
    global _app
    _app = current_app._get_current_object()  # type: ignore[attr-defined]
    db.session.remove()
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_start_worker) as pool:
        yield from pool.imap_unordered(_in_worker, ids, chunksize=4)

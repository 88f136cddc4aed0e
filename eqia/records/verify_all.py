"""verify-audit's checks, side by side on every core.

The chain walk, the sealed records' anchors and the revisions do not depend on each
other, and over a large database each takes seconds. The anchors and the revisions
are split by id into as many parts as there are processes, and the chain walk and
every part run at once in forked processes, each with its own database connections
(as in ``seal_all``). Each part reports at most ``LIMIT`` problems.

The checks stream rows, and what they build of each row is freed by reference counting
as soon as the next comes, so the cyclic garbage collector is paused while they run: its
passes over the objects the rows are decoded into only cost time (a third of it).
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing

from flask import Flask, current_app

from eqia.extensions import db
from eqia.models import Revision, audit
from eqia.records import sealing

LIMIT = 20

CHECKS = {
    "anchors": ("every sealed record's anchor is in the chain", sealing.anchor_problems),
    "revisions": ("every revision matches its content hash and can be read", Revision.problems),
}

_app: Flask | None = None


def check(name: str, part: int = 0, parts: int = 1):
    """One check ("chain", or one of ``CHECKS`` over one part of its rows), as verify-audit
    runs it: the chain walk's outcome, or the check's first problems."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        if name == "chain":
            return audit.verify()
        return list(itertools.islice(CHECKS[name][1](part, parts), LIMIT))
    finally:
        db.session.remove()
        if collecting:
            gc.enable()


def _start_worker() -> None:
    with _app.app_context():
        db.engine.dispose(close=False)  # the parent's connections are the parent's


def _in_worker(task: tuple[str, int, int]):
    with _app.app_context():
        return check(*task)


def run(workers: int) -> tuple[tuple[int, str | None], list[tuple[str, list[str]]]]:
    """The chain walk's outcome (events matched, the problem), and each other check's
    description with its first problems (none when it passed)."""
    tasks = [("chain", 0, 1)] + [(n, p, workers) for n in CHECKS for p in range(workers)]
    if workers <= 1:
        results = [check(*task) for task in tasks]
    else:
        global _app
        _app = current_app._get_current_object()  # type: ignore[attr-defined]
        db.session.remove()
        context = multiprocessing.get_context("fork")
        with context.Pool(min(workers, len(tasks)), initializer=_start_worker) as pool:
            results = pool.map(_in_worker, tasks, chunksize=1)
    found: dict[str, list[str]] = {name: [] for name in CHECKS}
    for (name, _, _), result in zip(tasks[1:], results[1:], strict=True):
        found[name] += result
    checks = [(CHECKS[name][0], problems[:LIMIT]) for name, problems in found.items()]
    return results[0], checks

"""What the benchmarks share: an app on a database of their own, and a signed-in client.

Run a benchmark from the repository root (``make bench`` runs them all). Each one
keeps its database, signing key and results under ``benchmarks/results/``
(ignored by git); ``BENCH_DATABASE_URL`` points one at PostgreSQL instead.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
RESULTS.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("EQIA_INSTANCE_PATH", str(RESULTS / "instance"))
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from eqia import create_app, sessions  # noqa: E402
from eqia.extensions import db  # noqa: E402
from eqia.models import Assessment, Role, SealedRecord, User  # noqa: E402

AUDITOR = "bench-auditor@example.org"


def make_app(name: str) -> Flask:
    """The app on the benchmark's own database (created and migrated on first use)."""
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{RESULTS / name}.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    app.config.update(TESTING=False, PROPAGATE_EXCEPTIONS=True)
    with app.app_context():
        upgrade()
    return app


def eqia_count() -> int:
    return db.session.scalar(select(func.count(Assessment.id))) or 0


def generate_up_to(count: int) -> bool:
    """Top the benchmark's database up to ``count`` generated EqIAs; whether any were made."""
    from eqia.records import generate

    existing = eqia_count()
    if existing >= count:
        return False
    started = time.perf_counter()
    generate.generate(count - existing, seed=2026, batch=5000)
    print(f"Generated {count - existing:,} EqIAs in {time.perf_counter() - started:.1f} s")
    return True


def vacuum_analyze() -> None:
    """On PostgreSQL, what autovacuum does soon after a bulk load: statistics, and the
    visibility map (index-only scans for counts)."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("VACUUM ANALYZE")


def seal_copies() -> bool:
    """A sealed record for every signed-off revision: real ones for the demo's, copies of
    one of them for the generated ones (sealing thousands for real is bench_seal's job).
    Whether any were added."""
    from eqia.records import seal_all

    unsealed = seal_all.unsealed()
    if not unsealed:
        return False
    real = [r for r in unsealed[:10] if seal_all.seal_one(r) == "sealed"]
    model = db.session.scalar(select(SealedRecord).where(SealedRecord.revision_id == real[0]))
    content = db.session.scalar(select(SealedRecord.content).where(SealedRecord.id == model.id))
    rows = [
        {
            "revision_id": revision_id,
            "content": content,
            "sha256": model.sha256,
            "size": model.size,
            "certificate_fingerprint": model.certificate_fingerprint,
            "signed_at": model.signed_at,
            "audit_seq": model.audit_seq,
            "audit_hash": model.audit_hash,
            "created_at": model.created_at,
        }
        for revision_id in unsealed[len(real) :]
    ]
    for first in range(0, len(rows), 1000):
        db.session.execute(insert(SealedRecord.__table__), rows[first : first + 1000])
    db.session.commit()
    return True


def auditor_id() -> int:
    user = User.by_email(AUDITOR)
    if user is None:
        user = User(email=AUDITOR, name="Benchmark Auditor", job_title="Internal Auditor")
        user.roles = {Role.AUDITOR}
        db.session.add(user)
        db.session.commit()
    return user.id


def signed_in_client(app: Flask, user_id: int):
    client = app.test_client()
    with app.app_context():
        cookie = sessions.cookie_for(db.session.get(User, user_id))
    with client.session_transaction() as session:
        session.update(cookie)
    return client


def keep_report(lines: list[str], name: str) -> None:
    """Print the benchmark's report and keep it as benchmarks/results/<name>."""
    report = "\n".join(lines)
    print(report)
    (RESULTS / name).write_text(report + "\n")


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of a list of numbers."""
    ordered = sorted(values)
    rank = max(1, round(p / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return statistics.median(values)


def database_name(app: Flask) -> str:
    """Which database the benchmark ran on: "sqlite" or "postgresql"."""
    with app.app_context():
        return db.engine.dialect.name

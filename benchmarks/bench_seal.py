"""seal-records: sealing signed-off revisions that have no sealed record, on one core and on all.

    python benchmarks/bench_seal.py [--count 10000] [--sample 1000]

The database (benchmarks/results/seal.sqlite3) gets the demo data and generated EqIAs
until ``--count`` signed-off revisions have no sealed record; each generated revision
copies the demo's signed-off snapshot, so each record drawn is a full EqIA's. Then
``--sample`` of them (by default half) are sealed by one process and as many again by one
process per core, with the same code as ``flask --app eqia seal-records``
(``eqia.records.seal_all``, which finds what is unsealed among all of them), and the
records a second each way are reported. Every record sealed is checked afterwards: its
stored SHA-256 matches its bytes.
"""

import argparse
import hashlib
import os
import time

from common import eqia_count, keep_report, make_app
from sqlalchemy import select

from eqia import demo
from eqia.extensions import db
from eqia.models import SealedRecord
from eqia.records import documents, generate, seal_all

NAME = "seal"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--sample", type=int, help="records sealed each way (default: half)")
    args = parser.parse_args()
    app = make_app(NAME)
    cores = os.cpu_count() or 1
    with app.app_context():
        if eqia_count() == 0:
            demo.seed("a long benchmark password")
            for revision_id in seal_all.unsealed():  # the template generated EqIAs copy
                seal_all.seal_one(revision_id)
        while len(seal_all.unsealed()) < args.count:
            generate.generate(max(500, (args.count - len(seal_all.unsealed())) * 5 // 2))
        documents.keys()
        unsealed = seal_all.unsealed()
        half = args.sample or len(unsealed[: args.count]) // 2
        pending = unsealed[: 2 * half]
        timings = {}
        for label, ids, workers in (
            ("1 process", pending[:half], 1),
            (f"{cores} processes", pending[half:], cores),
        ):
            started = time.perf_counter()
            outcomes = list(seal_all.seal(ids, workers))
            elapsed = time.perf_counter() - started
            assert outcomes.count("sealed") == len(ids), outcomes[:5]
            timings[label] = (len(ids), elapsed)
        for record_id, sha, content in db.session.execute(
            select(SealedRecord.id, SealedRecord.sha256, SealedRecord.content)
            .where(SealedRecord.revision_id.in_(pending))
            .execution_options(yield_per=200)
        ):
            assert hashlib.sha256(content).hexdigest() == sha, record_id
        dialect = db.engine.dialect.name
    lines = [
        f"seal-records among {len(unsealed):,} unsealed signed-off revisions ({dialect}):",
        "",
        "| processes | records | seconds | records a second |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, (count, elapsed) in timings.items():
        lines.append(f"| {label} | {count:,} | {elapsed:.1f} | {count / elapsed:.1f} |")
    keep_report(lines, "seal.txt")


if __name__ == "__main__":
    main()

"""Bulk export of sealed records: 100, 1,000 and 10,000, total time and peak memory.

    python benchmarks/bench_export.py [--sizes 100,1000,10000]

The database (benchmarks/results/export.sqlite3) gets the demo data and enough
generated EqIAs for the largest size; the demo's signed-off revisions are sealed
as sign-off seals them, and every generated one gets a copy of a real sealed
record's bytes (a full EqIA's record), as its sealed record. Each size
runs in a fresh process, twice: once for time and peak RSS (the process's
resident memory, from getrusage, beside its RSS before the export started), once
under tracemalloc for the peak of Python allocations during the export. The ZIP
is written to a file under benchmarks/results/ and checked: it unzips and every
PDF's SHA-256 matches manifest.csv. Same code as the web download and
``flask --app eqia export``: ``exports.stream_zip(exports.approved(criteria))``.
"""

import argparse
import csv
import hashlib
import io
import json
import resource
import subprocess
import sys
import time
import tracemalloc
import zipfile
from itertools import islice

from common import RESULTS, eqia_count, keep_report, make_app, seal_copies
from sqlalchemy import func, select

from eqia import demo
from eqia.extensions import db
from eqia.models import Assessment
from eqia.records import exports, generate
from eqia.records.register import Criteria

NAME = "export"


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def prepare(largest: int) -> None:
    app = make_app(NAME)
    with app.app_context():
        if eqia_count() == 0:
            demo.seed("a long benchmark password")
        approved = select(func.count(Assessment.id)).where(
            Assessment.approved_revision_id.is_not(None)
        )
        while (db.session.scalar(approved) or 0) < largest:
            generate.generate(max(500, (largest - db.session.scalar(approved)) * 5 // 2))
        seal_copies()


def run(size: int, trace: bool) -> dict:
    """One export in this process (called in a child process by main)."""
    app = make_app(NAME)
    out = RESULTS / f"export-{size}.zip"
    with app.app_context():
        from eqia.records import documents

        documents.keys()  # load the signing key before measuring
        items = islice(exports.approved(Criteria()), size)
        before = rss_mb()
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        first_byte = None
        written = 0
        with open(out, "wb") as file:
            for chunk in exports.stream_zip(items):
                if first_byte is None and chunk:
                    first_byte = time.perf_counter() - started
                written += len(chunk)
                file.write(chunk)
        elapsed = time.perf_counter() - started
        result = {"size": size, "seconds": elapsed, "first_byte": first_byte, "bytes": written}
        if trace:
            result["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        else:
            result["rss_before_mb"] = before
            result["rss_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def check(size: int) -> None:
    archive = zipfile.ZipFile(RESULTS / f"export-{size}.zip")
    assert archive.testzip() is None
    manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    assert len(manifest) == size, (len(manifest), size)
    for row in manifest:
        assert hashlib.sha256(archive.read(row["File"])).hexdigest() == row["PDF SHA-256"]


def child(size: int, trace: bool) -> dict:
    command = [sys.executable, __file__, "--child", str(size)] + (["--trace"] if trace else [])
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--child", type=int)
    parser.add_argument("--trace", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run(args.child, args.trace)))
        return

    sizes = [int(s) for s in args.sizes.split(",")]
    prepare(max(sizes))
    lines = [
        "Bulk export of sealed records (the kept bytes of each, streamed into a ZIP):",
        "",
        "| PDFs | total s | per PDF ms | first byte ms | ZIP MB | RSS before → peak MB "
        "| Python heap peak MB (tracemalloc) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size in sizes:
        timed = child(size, trace=False)
        check(size)
        traced = child(size, trace=True)
        lines.append(
            f"| {size:,} | {timed['seconds']:.1f} | {timed['seconds'] / size * 1000:.0f} "
            f"| {timed['first_byte'] * 1000:.0f} | {timed['bytes'] / 2**20:.1f} "
            f"| {timed['rss_before_mb']:.0f} → {timed['rss_peak_mb']:.0f} "
            f"| {traced['traced_peak_mb']:.1f} |"
        )
    lines.append("")
    lines.append("Every ZIP unzipped and each PDF's SHA-256 matched manifest.csv.")
    keep_report(lines, "export.txt")


if __name__ == "__main__":
    main()

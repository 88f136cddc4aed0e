"""The data feed's full CSV of EqIAs: time, rows a second and peak memory, at two sizes.

    python benchmarks/bench_feed.py [--sizes 10000,100000] [--dataset eqias]

Each size has its database (benchmarks/results/feed-<size>.sqlite3, or
``BENCH_DATABASE_URL``), topped up to that many generated EqIAs (``generate-eqias``'s
code). Each size is fetched in a fresh process, as Power BI fetches it: one request to
``/api/v1/<dataset>.csv`` with an API token as Basic authentication's password, through the
WSGI app in-process, the body read as it streams and thrown away (its bytes and lines
counted). Then again under tracemalloc, for the peak of Python allocations during the
request. The resident memory's peak (VmHWM) beside its size before the request shows
what the request added: flat, whatever the number of rows.
"""

import argparse
import base64
import json
import subprocess
import sys
import time
import tracemalloc

from common import auditor_id, generate_up_to, keep_report, make_app, vacuum_analyze

from eqia import tokens
from eqia.extensions import db
from eqia.models import Dataset, Reach, User


def status_mb(field: str) -> float:
    """A memory figure of this process from /proc: VmRSS now, or VmHWM, its peak. (Not
    getrusage's ru_maxrss, which a process started by another keeps from its parent: after
    generating the EqIAs, that is the parent's peak, not the child's.)"""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return 0.0


def prepare(size: int) -> None:
    app = make_app(f"feed-{size}")
    with app.app_context():
        if generate_up_to(size):
            vacuum_analyze()


def run(size: int, dataset: str, trace: bool) -> dict:
    """One full CSV feed in this process (called in a child process by main)."""
    app = make_app(f"feed-{size}")
    app.config["API_RATE_LIMIT"] = "1000 per minute"
    with app.app_context():
        creator = db.session.get(User, auditor_id())
        _token, secret = tokens.issue(
            f"bench {time.time_ns()}", list(Dataset), Reach.INTERNAL, None, creator
        )
        db.session.commit()
    client = app.test_client(use_cookies=False)
    headers = {"Authorization": "Basic " + base64.b64encode(f"bench:{secret}".encode()).decode()}
    before = status_mb("VmRSS")
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    response = client.get(f"/api/v1/{dataset}.csv", headers=headers, buffered=False)
    assert response.status_code == 200, response.get_data(as_text=True)
    first_byte, written, lines = None, 0, 0
    for chunk in response.response:
        if first_byte is None:
            first_byte = time.perf_counter() - started
        written += len(chunk)
        lines += chunk.count(b"\n")
    response.close()
    elapsed = time.perf_counter() - started
    result = {
        "size": size,
        "rows": lines - 1,
        "seconds": elapsed,
        "first_byte": first_byte,
        "bytes": written,
    }
    if trace:
        result["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    else:
        result["rss_before_mb"] = before
        result["rss_peak_mb"] = status_mb("VmHWM")
    return result


def child(size: int, dataset: str, trace: bool) -> dict:
    command = [sys.executable, __file__, "--child", str(size), "--dataset", dataset]
    command += ["--trace"] if trace else []
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--dataset", default="eqias", choices=[d.value for d in Dataset])
    parser.add_argument("--child", type=int)
    parser.add_argument("--trace", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run(args.child, args.dataset, args.trace)))
        return

    sizes = [int(s) for s in args.sizes.split(",")]
    lines = [
        f"The data feed's full CSV ({args.dataset}, internal reach), streamed, one request:",
        "",
        "| EqIAs | rows | total s | rows/s | first byte ms | CSV MB | RSS before → peak MB "
        "| Python heap peak MB (tracemalloc) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size in sizes:
        prepare(size)
        timed = child(size, args.dataset, trace=False)
        traced = child(size, args.dataset, trace=True)
        lines.append(
            f"| {size:,} | {timed['rows']:,} | {timed['seconds']:.1f} "
            f"| {timed['rows'] / timed['seconds']:,.0f} | {timed['first_byte'] * 1000:.0f} "
            f"| {timed['bytes'] / 2**20:.1f} "
            f"| {timed['rss_before_mb']:.0f} → {timed['rss_peak_mb']:.0f} "
            f"| {traced['traced_peak_mb']:.1f} |"
        )
    keep_report(lines, f"feed-{args.dataset}.txt")


if __name__ == "__main__":
    main()

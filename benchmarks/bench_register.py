"""Register with 100,000 EqIAs: p50/p95 server time and SQL queries, by filter and page.

    python benchmarks/bench_register.py [--count 100000] [--runs 30]

The first run generates the EqIAs (``generate-eqias``'s code) into
benchmarks/results/register-<count>.sqlite3 and keeps it; later runs reuse it.
Each URL is requested ``--runs`` times through the WSGI app in-process (routing,
access check, queries, template, response), after one warm-up request; the time
is the whole request, the query count is what the engine executed for it.
"""

import argparse
import time

from common import (
    auditor_id,
    eqia_count,
    generate_up_to,
    keep_report,
    make_app,
    median,
    percentile,
    signed_in_client,
    vacuum_analyze,
)
from sqlalchemy import event, select

from eqia.extensions import db
from eqia.models import Assessment, Characteristic, Directorate, Objective

URLS = [
    ("first page (newest reference first)", "/records/"),
    ("page 2,000 of 4,000", "/records/?page=2000"),
    ("last page", "/records/?page=1000000000000"),
    ("signed off, newest sign-off first", "/records/?status=approved&sort=approved&order=desc"),
    (
        "awaiting sign-off or returned, by submission",
        "/records/?status=submitted&status=returned&sort=submitted",
    ),
    ("search 'library' (title and summary)", "/records/?q=library"),
    ("search a reference prefix", "/records/?q=EQIA-{year}-01"),
    ("search a whole reference", "/records/?q=eqia-{year}-0100"),
    ("negative impact on age, by title", "/records/?negative={age}&sort=title&order=asc"),
    ("supports objective 7, signed off", "/records/?objective={objective}&status=approved"),
    (
        "directorate + type + outcome",
        "/records/?directorate={directorate}&proposal_type=policy&outcome=adjust",
    ),
    (
        "signed off in a year, by one super user",
        "/records/?approved_from={year}-01-01&approved_to={year}-12-31&approved_by={approver}",
    ),
    ("review date, latest first, page 50", "/records/?sort=review&order=desc&page=50"),
    ("bad date + unknown status (errors shown)", "/records/?approved_from=2026-13-45&status=lost"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    app = make_app(f"register-{args.count}")
    with app.app_context():
        generate_up_to(args.count)
        vacuum_analyze()
        user_id = auditor_id()
        values = {
            "age": db.session.scalar(select(Characteristic.id).where(Characteristic.code == "age")),
            "objective": db.session.scalar(select(Objective.id).where(Objective.number == 7)),
            "directorate": db.session.scalar(select(Directorate.id).order_by(Directorate.id)),
            "approver": db.session.scalar(
                select(Assessment.approved_by_id).where(Assessment.approved_by_id.is_not(None))
            ),
            "year": db.session.scalar(select(Assessment.reference).order_by(Assessment.id))[5:9],
        }
        total = eqia_count()
        dialect = db.engine.dialect.name
        engine = db.engine

    client = signed_in_client(app, user_id)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    lines = [
        f"Register with {total:,} EqIAs on {dialect}, {args.runs} requests each "
        "(in-process WSGI, whole request):",
        "",
        f"| {'view':<46} | {'rows':>7} | {'p50 ms':>7} | {'p95 ms':>7} | queries |",
        f"| {'-' * 46} | {'-' * 7}: | {'-' * 7}: | {'-' * 7}: | ------: |",
    ]
    for label, template in URLS:
        url = template.format(**values)
        response = client.get(url)  # warm-up
        assert response.status_code == 200, (url, response.status_code)
        body = response.get_data(as_text=True)
        rows = body.split('id="result-count">', 1)[1].split(" ", 1)[0]
        timings, counts = [], set()
        for _ in range(args.runs):
            statements.clear()
            started = time.perf_counter()
            response = client.get(url)
            response.get_data()
            timings.append((time.perf_counter() - started) * 1000)
            counts.add(len(statements))
        queries = ",".join(str(c) for c in sorted(counts))
        lines.append(
            f"| {label:<46} | {rows:>7} | {median(timings):7.1f} | "
            f"{percentile(timings, 95):7.1f} | {queries:>7} |"
        )

    statements.clear()
    started = time.perf_counter()
    response = client.get("/records/register.csv")
    size = sum(len(chunk) for chunk in response.response)
    elapsed = time.perf_counter() - started
    lines += [
        "",
        f"CSV of all {total:,}: {elapsed:.1f} s, {size / 1e6:.1f} MB, "
        f"{len(statements)} queries (streamed in batches of 500)",
    ]
    keep_report(lines, f"register-{dialect}.txt")


if __name__ == "__main__":
    main()

"""The public register with 100,000 EqIAs (some thousands published): its first page, a
filtered page, a search and a published EqIA's page against /healthz, in the same run.

    python benchmarks/bench_public.py [--eqias 100000] [--runs 30]
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/eqia_bench_public ...

Set-up (skipped when the database already holds as many): the demo data (so generated
revisions copy a real signed-off snapshot, negative impacts and all), then generated EqIAs
(``generate-eqias``'s code: one signed-off EqIA in ten published), then VACUUM ANALYZE.
Each URL is requested ``--runs`` times through the WSGI app in-process with no cookie, as
a member of the public would, after one warm-up: once plainly, and once with the ETag the
warm-up gave in If-None-Match (a browser or cache revalidating: 304). The report gives p50
and p95 of each, and whether each page's p50 is within 3x /healthz's; "drawn" is the warm-up, the
page drawn afresh (as after any audit event).
"""

import argparse
import time

from common import (
    eqia_count,
    generate_up_to,
    keep_report,
    make_app,
    median,
    percentile,
    vacuum_analyze,
)
from sqlalchemy import func, select

from eqia import demo
from eqia.extensions import db
from eqia.models import Assessment, SignedOffRevision
from eqia.publishing import published

PASSWORD = "a long benchmark password"  # noqa: S105 - the demo accounts', made here
TARGET = 3  # a page's p50, as a multiple of /healthz's


def set_up(count: int) -> dict:
    if eqia_count() == 0:
        demo.seed(PASSWORD)
    if generate_up_to(count):
        vacuum_analyze()
    ref, directorate = db.session.execute(
        select(Assessment.reference, SignedOffRevision.directorate_id)
        .join(SignedOffRevision, SignedOffRevision.revision_id == Assessment.approved_revision_id)
        .where(published())
        .order_by(Assessment.id.desc())
        .limit(1)
    ).one()
    return {
        "ref": ref,
        "directorate": directorate,
        "total": eqia_count(),
        "published": db.session.scalar(select(func.count(Assessment.id)).where(published())),
        "dialect": db.engine.dialect.name,
    }


def timed(client, url: str, runs: int, headers: dict | None = None) -> tuple[list[float], int]:
    timings, status = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, headers=headers or {})
        response.get_data()
        timings.append((time.perf_counter() - started) * 1000)
        status = response.status_code
    return timings, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eqias", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    app = make_app(f"public-{args.eqias}")
    with app.app_context():
        facts = set_up(args.eqias)
    client = app.test_client()
    urls = [
        ("/healthz", "/healthz"),
        ("register, first page", "/public/eqias"),
        (
            "register, directorate + negative impact on age",
            f"/public/eqias?directorate={facts['directorate']}&negative=age",
        ),
        ("register, search 'library'", "/public/eqias?q=library"),
        ("a published EqIA's page", f"/public/eqias/{facts['ref']}"),
        ("its sealed PDF", f"/public/eqias/{facts['ref']}.pdf"),
        ("the Atom feed", "/public/eqias.atom"),
    ]
    lines = [
        f"Public register with {facts['total']:,} EqIAs ({facts['published']:,} published) on "
        f"{facts['dialect']}, {args.runs} requests each (in-process WSGI, whole request, no "
        "cookie):",
        "",
        f"| {'page':<48} | {'drawn ms':>8} | {'p50 ms':>7} | {'p95 ms':>7} | {'304 p50':>7} "
        f"| {'304 p95':>7} | {'x healthz':>9} | within {TARGET}x |",
        f"| {'-' * 48} | {'-' * 7}: | {'-' * 6}: | {'-' * 6}: | {'-' * 6}: | {'-' * 6}: "
        f"| {'-' * 8}: | -------- |",
    ]
    healthz = None
    for label, url in urls:
        started = time.perf_counter()
        warm = client.get(url)
        warm.get_data()
        drawn = (time.perf_counter() - started) * 1000
        assert warm.status_code == 200, (url, warm.status_code)
        plain, _ = timed(client, url, args.runs)
        etag = warm.headers.get("ETag")
        cached, status = timed(client, url, args.runs, {"If-None-Match": etag}) if etag else ([], 0)
        assert not etag or status == 304, (url, status)
        p50 = median(plain)
        if healthz is None:
            healthz = p50
        multiple = p50 / healthz
        revalidated = (
            f"{median(cached):7.1f} | {percentile(cached, 95):7.1f}"
            if cached
            else (f"{'–':>7} | {'–':>7}")
        )
        within = "–" if url == "/healthz" else ("yes" if multiple <= TARGET else "no")
        lines.append(
            f"| {label:<48} | {drawn:8.1f} | {p50:7.1f} | {percentile(plain, 95):7.1f} "
            f"| {revalidated} | {multiple:9.1f} | {within:<8} |"
        )
    keep_report(lines, f"public-{facts['dialect']}.txt")


if __name__ == "__main__":
    main()

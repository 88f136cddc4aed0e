"""Progress report and equality insight with 100,000 EqIAs: median build time and queries.

    python benchmarks/bench_report.py [--count 100000] [--runs 15]
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench python benchmarks/...

The first run generates the EqIAs (``generate-eqias``'s code) into
benchmarks/results/report-<count>.sqlite3, then adds what the generator does not
make and the report counts: mitigating actions on the signed-off EqIAs with a
negative impact, 2% of the signed-off EqIAs under review (their figures are read
from the signed-off revision's JSON snapshot), and 300 plan actions. Later runs
reuse the database.

For each period it times ``progress.build`` and ``insight.insight`` (the functions
the pages call: every query and the Python around them), median of ``--runs``
after one warm-up; then whole requests for the HTML page, the CSV, the PDF and
the insight page, through the WSGI app in-process, and the Python heap's peak while
the report PDF is drawn.
"""

import argparse
import random
import resource
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta

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
from sqlalchemy import event, func, insert, select, update

from eqia.extensions import db
from eqia.models import (
    Assessment,
    AssessmentAction,
    Characteristic,
    Impact,
    Objective,
    PlanAction,
    PlanStatus,
    Revision,
    Status,
)
from eqia.plan import insight, progress
from eqia.plan.periods import Period
from eqia.questions import IMPACT_KINDS
from eqia.snapshot import SCHEMA_VERSION, coded
from eqia.timefmt import LONDON, uk_today

UNDER_REVIEW = 0.02


def _kinds(row) -> list[dict]:
    """The impact's kinds as a snapshot records them: codes and labels."""
    return [coded(c.value, c.label) for c in IMPACT_KINDS if getattr(row, c.value)]


def add_what_reports_count(rng: random.Random) -> None:
    """Mitigating actions, EqIAs under review with real snapshots, and plan actions."""
    approved = select(Assessment.id).where(Assessment.status == Status.APPROVED)
    negative = list(
        db.session.scalars(
            select(Impact.assessment_id)
            .where(Impact.negative.is_(True), Impact.assessment_id.in_(approved))
            .distinct()
        )
    )
    start = date(2026, 1, 1)
    rows = [
        {
            "assessment_id": assessment_id,
            "action": "Generated mitigating action",
            "responsible": "Service team",
            "start_date": start,
            "due_date": start + timedelta(days=180),
            "success_measure": "Measured",
            "progress": "",
            "progress_note": "",
            "version": 1,
            "updated_at": datetime.now(UTC),
        }
        for assessment_id in negative
        for _ in range(rng.choice((1, 1, 2)))
    ]
    for first in range(0, len(rows), 5000):
        db.session.execute(insert(AssessmentAction.__table__), rows[first : first + 5000])

    # Some signed-off EqIAs are under review: the live rows change, the figures must not.
    chosen = [i for i in db.session.scalars(approved) if rng.random() < UNDER_REVIEW]
    names = {c.id: c for c in db.session.scalars(select(Characteristic))}
    impacts: dict[int, list] = {}
    for row in db.session.execute(select(Impact).where(Impact.assessment_id.in_(chosen))).scalars():
        characteristic = names[row.characteristic_id]
        impacts.setdefault(row.assessment_id, []).append(
            {
                "characteristic": coded(characteristic.code, characteristic.name),
                "retired": False,
                "kinds": _kinds(row),
                "evidence": row.evidence,
                "mitigation": "",
                "residual": None,
                "how_find_out": "",
            }
        )
    actions = dict(
        db.session.execute(
            select(AssessmentAction.assessment_id, func.count())
            .where(AssessmentAction.assessment_id.in_(chosen))
            .group_by(AssessmentAction.assessment_id)
        ).all()
    )
    revisions = dict(
        db.session.execute(
            select(Assessment.id, Assessment.approved_revision_id).where(Assessment.id.in_(chosen))
        ).all()
    )
    for assessment_id in chosen:
        snapshot = {
            "schema_version": SCHEMA_VERSION,
            "route": "full",
            "sections": [
                {
                    "slug": "impacts",
                    "number": 4,
                    "title": "Impact on each characteristic",
                    "impacts": impacts.get(assessment_id, []),
                },
                {
                    "slug": "actions",
                    "number": 6,
                    "title": "Actions",
                    "actions": [{"action": "x"}] * actions.get(assessment_id, 0),
                },
            ],
        }
        db.session.execute(
            update(Revision)
            .where(Revision.id == revisions[assessment_id])
            .values(snapshot=snapshot)
        )
    db.session.execute(
        update(Assessment)
        .where(Assessment.id.in_(chosen))
        .values(status=Status.DRAFT, revision=2)
        .execution_options(synchronize_session=False)
    )
    # ... and their live answers have moved on.
    db.session.execute(update(Impact).where(Impact.assessment_id.in_(chosen)).values(negative=True))

    objectives = list(db.session.scalars(select(Objective.id)))
    today = uk_today()
    plan = []
    for n in range(300):
        status = rng.choice(list(PlanStatus))
        begin = today - timedelta(days=rng.randrange(30, 900))
        plan.append(
            {
                "objective_id": rng.choice(objectives),
                "reference": f"B{n}",
                "action": "Generated plan action",
                "responsible": "EDI team",
                "start_date": begin,
                "end_date": begin + timedelta(days=rng.randrange(60, 720)),
                "success_measure": "Measured",
                "status": status.value,
                "progress_note": "",
                "completed_on": begin + timedelta(days=rng.randrange(10, 400))
                if status is PlanStatus.COMPLETE
                else None,
                "updated_at": datetime.now(UTC),
                "active": True,
                "sample": False,
                "version": 1,
            }
        )
    db.session.execute(insert(PlanAction.__table__), plan)
    db.session.commit()
    print(
        f"Added {len(rows):,} mitigating actions, {len(chosen):,} EqIAs under review, "
        f"{len(plan)} plan actions"
    )


def timed(function, runs: int, statements: list) -> tuple[float, float, int]:
    function()  # warm-up
    timings, counts = [], set()
    for _ in range(runs):
        statements.clear()
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
        counts.add(len(statements))
        db.session.expire_all()
    return median(timings), percentile(timings, 95), max(counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    app = make_app(f"report-{args.count}")
    with app.app_context():
        if generate_up_to(args.count):
            add_what_reports_count(random.Random(2026))  # noqa: S311 - test data
            vacuum_analyze()
        total = eqia_count()
        dialect = db.engine.dialect.name
        engine = db.engine
        user_id = auditor_id()
        first = db.session.scalar(select(func.min(Assessment.approved_at)))
        today = datetime.now(LONDON).date()
        periods = [
            ("last quarter", Period.of("last-quarter", today)),
            ("last half-year", Period.of("last-half-year", today)),
            ("last financial year", Period.of("last-financial-year", today)),
            ("last 12 months", Period.of("last-12-months", today)),
            ("everything (6 years)", Period(first.astimezone(LONDON).date(), today)),
        ]
        statements: list[str] = []
        event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        lines = [
            f"Progress report and equality insight with {total:,} EqIAs on {dialect}, "
            f"median of {args.runs} runs after a warm-up:",
            "",
            "| period | signed off | report p50 ms | p95 ms | queries "
            "| insight p50 ms | p95 ms | queries |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for label, period in periods:
            built = progress.build(period, "Bench", today, datetime.now(UTC))
            r50, r95, rq = timed(
                lambda p=period: progress.build(p, "Bench", today, datetime.now(UTC)),
                args.runs,
                statements,
            )
            i50, i95, iq = timed(lambda p=period: insight.insight(p), args.runs, statements)
            lines.append(
                f"| {label}: {period.label} | {built.approved:,} | {r50:.1f} | {r95:.1f} | {rq} "
                f"| {i50:.1f} | {i95:.1f} | {iq} |"
            )

    client = signed_in_client(app, user_id)
    lines += [
        "",
        "Whole requests (in-process WSGI: access check, queries, template or drawing), "
        "last 12 months:",
        "",
        "| request | p50 ms | p95 ms | queries | bytes |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for url in (
        "/plan/report?period=last-12-months",
        "/plan/report.csv?period=last-12-months",
        "/plan/report.pdf?period=last-12-months",
        "/plan/insight?period=last-12-months",
    ):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        timings, counts = [], set()
        for _ in range(args.runs):
            statements.clear()
            started = time.perf_counter()
            response = client.get(url)
            size = len(response.get_data())
            timings.append((time.perf_counter() - started) * 1000)
            counts.add(len(statements))
        lines.append(
            f"| {url} | {median(timings):.1f} | {percentile(timings, 95):.1f} "
            f"| {','.join(str(c) for c in sorted(counts))} | {size:,} |"
        )
    tracemalloc.start()
    client.get("/plan/report.pdf?period=last-12-months")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines += [
        "",
        f"Memory of the report PDF, last 12 months: Python heap peak {peak / 2**20:.1f} MB "
        f"during one request (tracemalloc); the process's peak RSS over the whole run "
        f"{rss:.0f} MB.",
    ]
    keep_report(lines, f"report-{dialect}.txt")


if __name__ == "__main__":
    main()

"""What the due-regard checks cost: check answers and the review page with them and without.

    python benchmarks/bench_due_regard.py [--runs 200] [--eqias 100000]

On the demo (seeded into benchmarks/results/due_regard.sqlite3, or BENCH_DATABASE_URL) topped
up to ``--eqias`` generated EqIAs: the demo lead's thin draft on check answers (seven checks
warn, so the page also asks seven reasons), the demo lead's sound draft on check answers (no
warning: the checks' own cost) and the thin EqIA awaiting sign-off on the review page, each
fetched through the WSGI app ``--runs`` times with every check on and again with every check
off, the two interleaved so that both see the same machine. Also the checks alone,
in-process, on the draft's answers.
"""

import argparse
import time

from common import database_name, generate_up_to, keep_report, make_app, median, percentile
from common import signed_in_client as client_for
from sqlalchemy import select

from eqia import demo, due_regard, sections
from eqia.due_regard.checks import CHECKS
from eqia.extensions import db
from eqia.models import Assessment, Setting, User
from eqia.timefmt import uk_today

DRAFT = "Whittlesey recycling centre: weekday closures"
SOUND = "Changes to library opening hours"  # the demo lead's draft that trips no check
WAITING = "Whittlesey recycling centre: Tuesday closures"
ALL_OFF = due_regard.DueRegardPolicy(checks={c.code: {"enabled": False} for c in CHECKS})


def _set(policy: due_regard.DueRegardPolicy | None) -> None:
    row = db.session.get(Setting, due_regard.DueRegardPolicy.KEY)
    if row is not None:
        db.session.delete(row)
    if policy is not None:
        db.session.flush()
        policy.save(None)
    db.session.commit()


def _fetch(app, client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--eqias", type=int, default=100_000)
    args = parser.parse_args()
    app = make_app("due_regard")
    with app.app_context():
        if User.by_email("lead@example.org") is None:
            demo.seed("bench-password-1234")
        generate_up_to(args.eqias)
        draft = db.session.scalar(select(Assessment).where(Assessment.title == DRAFT))
        sound = db.session.scalar(select(Assessment).where(Assessment.title == SOUND))
        waiting = db.session.scalar(select(Assessment).where(Assessment.title == WAITING))
        lead, super_user = draft.owner_id, waiting.submitted_to_id
        pages = {
            "check answers, no warnings": (f"/eqia/{sound.reference}/check", sound.owner_id),
            "check answers, seven warnings": (f"/eqia/{draft.reference}/check", lead),
            "review page": (f"/reviews/{waiting.reference}", super_user),
        }
        snapshot = sections.live(draft, sections.Context.load(draft))
        policy = due_regard.DueRegardPolicy()
        due_regard.run(snapshot, policy, uk_today())
        started = time.perf_counter()
        for _ in range(1000):
            due_regard.run(snapshot, policy, uk_today())
        alone = (time.perf_counter() - started) * 1000 / 1000
    clients = {name: client_for(app, user) for name, (_url, user) in pages.items()}
    print(f"Database: {database_name(app)}, {args.eqias:,} generated EqIAs and the demo")
    print(f"The eleven checks alone, in-process: {alone:.3f} ms a run")
    lines = []
    for name, (url, _user) in pages.items():
        times = {"on": [], "off": []}
        for which in ("on", "off"):  # warm-up
            with app.app_context():
                _set(None if which == "on" else ALL_OFF)
            _fetch(app, clients[name], url)
        for _ in range(args.runs):
            for which in ("on", "off"):
                with app.app_context():
                    _set(None if which == "on" else ALL_OFF)
                times[which].append(_fetch(app, clients[name], url))
        on, off = median(times["on"]), median(times["off"])
        lines.append(
            f"{name}: checks on median {on:.1f} ms (p95 {percentile(times['on'], 95):.1f}), "
            f"off {off:.1f} ms (p95 {percentile(times['off'], 95):.1f}): "
            f"the checks add {on - off:+.1f} ms"
        )
    with app.app_context():
        _set(None)
    keep_report(lines, "due_regard.txt")


if __name__ == "__main__":
    main()

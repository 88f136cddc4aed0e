"""Pages under load through gunicorn, per role, with 100,000 EqIAs, 10,000 people and
1,000,000 audit events; then verify-audit over those events.

    python benchmarks/bench_load.py [--count 100000] [--users 10000] [--events 1000000]
        [--seconds 5] [--connections 20] [--profile 3]
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/eqia_bench_load ...

Set-up (skipped when the database already holds as much): the demo data, generated
EqIAs (``generate-eqias``'s code), people up to ``--users`` and the audit trail up to
``--events`` (``eqia.records.generate``: a valid hash chain, inserted in bulk), a sealed
record for every signed-off revision (``common.seal_copies``), and 20 generated drafts
given to the demo lead; then VACUUM ANALYZE. The app is served by gunicorn under the
production configuration (``GUNICORN`` below is the one place its command is chosen),
each role's demo account signs in through the sign-in form, and wrk requests each page
with that session's cookie (benchmarks/load/*.lua): once with 1 connection and once with
``--connections``, ``--seconds`` each. The section save loads a question page and sends it
back with the version and CSRF token the page gave (benchmarks/load/save.lua), and only
the POSTs are timed. The report (markdown on stdout, JSON in results/load-<db>.json) gives
each page's p50 and p95, requests a second, failures, its p50 as a multiple of /healthz's
and the size of its HTML, and which targets are met; then a profile of the slowest pages
(one request in-process: Python by cProfile, every SQL statement timed) and verify-audit's
time and peak memory under /usr/bin/time.
"""

import argparse
import cProfile
import http.client
import json
import os
import pstats
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from urllib.parse import urlencode

from bs4 import BeautifulSoup
from common import (
    RESULTS,
    ROOT,
    eqia_count,
    generate_up_to,
    make_app,
    seal_copies,
    signed_in_client,
    vacuum_analyze,
)
from sqlalchemy import event, func, select, update

from config import Config
from eqia import demo, permissions
from eqia.extensions import db
from eqia.models import Assessment, Objective, SealedRecord, Status, User
from eqia.records import certificates, population

NAME = "load"
PASSWORD = "a long benchmark password"  # noqa: S105 - the demo accounts', made here
LOAD = ROOT / "benchmarks" / "load"
BIN = Path(sys.executable).parent
# The demo accounts that sign in, one a role.
ACCOUNTS = {
    "staff": "lead@example.org",
    "super user": "superuser@example.org",
    "admin": "admin@example.org",
    "auditor": "auditor@example.org",
}
STAFF_DRAFTS = 20
# Targets: a page's p50 at 1 connection, as a multiple of /healthz's.
TARGETS = {"form": 5, "list": 8, "report": 15}


def gunicorn_command(port: int) -> list[str]:
    """The one place the server's command is chosen: the project's gunicorn configuration
    when there is one, else the same settings given on the command line."""
    bind = ["--bind", f"127.0.0.1:{port}"]
    conf = ROOT / "eqia" / "gunicorn_conf.py"
    if conf.exists():
        return [str(BIN / "gunicorn"), "-c", str(conf), *bind, "eqia:create_app()"]
    settings = ["--workers", "2", "--threads", "4", "--timeout", "60"]
    return [str(BIN / "gunicorn"), *settings, *bind, "eqia:create_app()"]


# Set-up.


def set_up(args) -> None:
    app = make_app(NAME)
    with app.app_context():
        started = time.perf_counter()
        made = False
        if eqia_count() == 0:
            demo.seed(PASSWORD)
            made = True
        made |= generate_up_to(args.count)
        for label, step, total in (
            ("people", population.users, args.users),
            ("audit events", population.audit_events, args.events),
        ):
            step_started = time.perf_counter()
            if added := step(total):
                took = time.perf_counter() - step_started
                print(f"Added {added:,} {label} in {took:.1f} s")
                made = True
        made |= seal_copies()
        made |= _staff_drafts()
        if made:
            vacuum_analyze()
            print(f"Set-up took {time.perf_counter() - started:.1f} s")
        else:
            print("Set-up skipped: the database already holds everything")
        db.session.remove()
        db.engine.dispose()


def _staff_drafts() -> bool:
    """Generated drafts for the demo lead, so their lists are a busy lead's and each
    connection of the save has an EqIA of its own."""
    lead = User.by_email(ACCOUNTS["staff"])
    owned = select(func.count(Assessment.id)).where(
        Assessment.owner_id == lead.id,
        Assessment.status == Status.DRAFT,
        Assessment.outcome.is_not(None),
    )
    missing = STAFF_DRAFTS - db.session.scalar(owned)
    if missing <= 0:
        return False
    drafts = select(Assessment.id).where(
        Assessment.status == Status.DRAFT,
        Assessment.outcome.is_not(None),
        Assessment.owner_id != lead.id,
    )
    ids = list(db.session.scalars(drafts.order_by(Assessment.id.desc()).limit(missing)))
    db.session.execute(update(Assessment).where(Assessment.id.in_(ids)).values(owner_id=lead.id))
    db.session.commit()
    return True


@dataclass
class Page:
    label: str
    role: str
    paths: list[str]
    kind: str = ""  # which target: form, list or report ("" for none)
    save: list[dict] = field(default_factory=list)  # for the save: path and body a page


def pages() -> tuple[list[Page], list[str]]:
    """Each role's pages, with real EqIAs of the benchmark's database."""
    app = make_app(NAME)
    with app.app_context():
        lead = User.by_email(ACCOUNTS["staff"])
        super_user = User.by_email(ACCOUNTS["super user"])
        drafts = list(
            db.session.scalars(
                select(Assessment.reference)
                .where(
                    Assessment.owner_id == lead.id,
                    Assessment.status == Status.DRAFT,
                    Assessment.outcome.is_not(None),
                )
                .order_by(Assessment.id.desc())
                .limit(STAFF_DRAFTS)
            )
        )
        submitted = db.session.scalars(
            select(Assessment)
            .where(Assessment.status == Status.SUBMITTED)
            .order_by((Assessment.submitted_to_id == super_user.id).desc(), Assessment.id)
            .limit(50)
        )
        review = next(a.reference for a in submitted if permissions.can_review(super_user, a))
        sealed = db.session.scalar(
            select(Assessment.reference)
            .join(SealedRecord, SealedRecord.revision_id == Assessment.approved_revision_id)
            .where(Assessment.owner_id == lead.id)
            .limit(1)
        )
        objective = db.session.scalar(select(func.min(Objective.number)))
        db.session.remove()
        db.engine.dispose()
    few = drafts[:5]
    return [
        Page("/healthz", "anyone", ["/healthz"]),
        Page("dashboard (staff)", "staff", ["/"], "list"),
        Page("your EqIAs (staff)", "staff", ["/eqia/"], "list"),
        Page("task list", "staff", [f"/eqia/{r}/tasks" for r in few], "form"),
        Page("question page", "staff", [], "form"),  # paths found from the task list
        Page("check answers", "staff", [f"/eqia/{r}/check" for r in few], "form"),
        Page("section save (GET then POST)", "staff", [], "form"),
        Page("objective page", "staff", [f"/plan/objectives/{objective}"], "report"),
        Page("action plan", "staff", ["/plan/"], "report"),
        Page("progress report", "staff", ["/plan/report"], "report"),
        Page("sealed record PDF", "staff", [f"/records/{sealed}.pdf"]),
        Page("dashboard (super user)", "super user", ["/"], "list"),
        Page("review queue", "super user", ["/reviews/"], "list"),
        Page("review page", "super user", [f"/reviews/{review}"]),
        Page("register, first page", "super user", ["/records/"], "list"),
        Page("register, a filter", "super user", ["/records/?status=approved"], "list"),
        Page("register, a search", "super user", ["/records/?q=library"], "list"),
        Page("equality insight", "super user", ["/plan/insight"], "report"),
        Page("dashboard (admin)", "admin", ["/"], "list"),
        Page("people (admin)", "admin", ["/admin/users"], "list"),
        Page("audit trail (admin)", "admin", ["/admin/audit"], "list"),
        Page("dashboard (auditor)", "auditor", ["/"], "list"),
        Page("register (auditor)", "auditor", ["/records/"], "list"),
    ], drafts


# HTTP, as a browser does it: the session cookie it is given, kept.


class Browser:
    def __init__(self, port: int):
        self.port, self.cookie = port, ""

    def request(self, method: str, path: str, body: dict | str | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = body if isinstance(body, str) else urlencode(body)
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name_value = header.split(";", 1)[0]
            if name_value.startswith("eqia_session="):
                self.cookie = name_value
        connection.close()
        return response.status, response.headers, content

    def sign_in(self, email: str) -> None:
        status, _headers, html = self.request("GET", "/auth/sign-in")
        token = _csrf(html)
        form = {"email": email, "password": PASSWORD, "csrf_token": token}
        status, headers, _html = self.request("POST", "/auth/sign-in", form)
        if status not in (302, 303):
            raise SystemExit(f"Signing in as {email} gave {status}, not a redirect")


def _csrf(html: bytes) -> str:
    found = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', html)
    if not found:
        raise SystemExit("No CSRF token on the page")
    return found.group(1).decode()


def _form_fields(html: bytes) -> list[tuple[str, str]]:
    """What a browser sends for the page's form as it stands (its saved answers), as a
    draft ("Save and come back later" when the page has it), without the version."""
    soup = BeautifulSoup(html, "lxml")
    form = soup.find("input", attrs={"name": "version"}).find_parent("form")
    fields = []
    for element in form.find_all(["input", "textarea", "select", "button"]):
        name = element.get("name")
        if not name or name == "version":
            continue
        kind = element.get("type", "")
        if element.name == "button":
            if name == "save_later":
                fields.append((name, element.get("value", "")))
        elif element.name == "textarea":
            fields.append((name, element.text))
        elif element.name == "select":
            chosen = element.find("option", selected=True) or element.find("option")
            fields.append((name, chosen.get("value", "") if chosen else ""))
        elif kind in ("radio", "checkbox"):
            if element.has_attr("checked"):
                fields.append((name, element.get("value", "on")))
        elif kind not in ("submit", "file"):
            fields.append((name, element.get("value", "")))
    return fields


def question_pages(browser: Browser, drafts: list[str]) -> list[dict]:
    """For each draft: a question page whose form, sent back as it stands, is saved (a
    redirect); its path and body."""
    found = []
    for reference in drafts:
        _status, _headers, html = browser.request("GET", f"/eqia/{reference}/tasks")
        links = re.findall(rf'href="(/eqia/{reference}/questions/[^"#?]+)"'.encode(), html)
        for link in dict.fromkeys(links):
            path = link.decode()
            status, _headers, page = browser.request("GET", path)
            if status != 200 or b'name="version"' not in page:
                continue
            body = urlencode(_form_fields(page))
            version = re.search(rb'name="version"[^>]*value="(\d*)"', page).group(1).decode()
            status, _headers, _html = browser.request("POST", path, f"{body}&version={version}")
            if status in (302, 303):
                found.append({"path": path, "body": body})
                break
    if len(found) < len(drafts):
        raise SystemExit(f"Only {len(found)} of {len(drafts)} drafts have a page that saves")
    return found


# Serving.


def database_url() -> str:
    """The benchmark's database, as common.make_app chooses it."""
    return os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{RESULTS / NAME}.sqlite3"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(port: int, log: Path) -> subprocess.Popen:
    """gunicorn under the production configuration, on the benchmark's database, with the
    development signing certificate standing in for the organisation's."""
    folder = RESULTS / "instance" / "signing"
    signing = folder / certificates.DEVELOPMENT_FILE
    certificates.development_certificate(folder, Config.ORGANISATION_NAME)  # made if missing
    env = dict(
        os.environ,
        EQIA_CONFIG="production",
        SECRET_KEY=secrets.token_hex(32),
        EQIA_BASE_URL="https://eqia.example.org",
        EQIA_SIGNING_CERT=str(signing),
        EQIA_SIGNING_KEY=str(signing),
        DATABASE_URL=database_url(),
    )
    server = subprocess.Popen(  # noqa: S603 - our own command
        gunicorn_command(port),
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited ({server.returncode}): see {log}")
        try:
            if Browser(port).request("GET", "/healthz")[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    stop(server)
    raise SystemExit(f"gunicorn did not answer /healthz within 60 s: see {log}")


def _cpu_ticks(server: subprocess.Popen) -> int:
    """CPU time the server's processes have used so far, in clock ticks."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    ticks = 0
    for pid in [str(server.pid), *children]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks


def settle(server: subprocess.Popen) -> None:
    """Wait until the server has finished what wrk left it (requests still queued when a
    run ends): its processes used under 2% of a core for half a second, or two minutes
    have passed. /healthz alone can answer quickly while other threads are still busy."""
    deadline = time.monotonic() + 120
    before = _cpu_ticks(server)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        after = _cpu_ticks(server)
        if after - before <= os.sysconf("SC_CLK_TCK") // 100:
            return
        before = after


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, 15)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, 9)
        server.wait()


# wrk.


def _lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


def wrk(port: int, page: Page, cookie: str, connections: int, seconds: int) -> dict:
    data = RESULTS / "load-data.lua"
    if page.save:
        items = ", ".join(
            f"{{path = {_lua_string(p['path'])}, body = {_lua_string(p['body'])}}}"
            for p in page.save
        )
        data.write_text(f"return {{cookie = {_lua_string(cookie)}, pages = {{{items}}}}}\n")
        script, threads = LOAD / "save.lua", connections  # one connection a thread
    else:
        paths = ", ".join(_lua_string(p) for p in page.paths)
        data.write_text(f"return {{cookie = {_lua_string(cookie)}, paths = {{{paths}}}}}\n")
        script, threads = LOAD / "page.lua", min(2, connections)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}",
        "--",
        str(data),
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603
    line = next(x for x in output.splitlines() if x.startswith("WRK_JSON "))
    result = json.loads(line.removeprefix("WRK_JSON "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["failed"] = result["non_2xx_3xx"] + result.get("not_redirected", 0)
    # None finished within the run: each took longer than it (wrk times out only at 10 s).
    result["none_finished"] = result["requests"] == 0
    result["socket_errors"] = sum(result[k] for k in ("connect", "read", "write", "timeout"))
    return result


# Profiling, in-process.


def profile(page: Page, top: int = 12) -> str:
    """One request of the page through the WSGI app in this process: where the time goes
    (cProfile, the app's own functions first) and each SQL statement's time."""
    app = make_app(NAME)
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        context._bench_started = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        statements.append((time.perf_counter() - context._bench_started, statement))

    with app.app_context():
        user = User.by_email(ACCOUNTS[page.role]) if page.role in ACCOUNTS else None
        user_id = user.id if user else None
        db.session.remove()
    client = signed_in_client(app, user_id) if user_id else app.test_client()
    path = page.paths[0] if page.paths else page.save[0]["path"]
    client.get(path)  # warm: templates compiled, caches filled
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", before)
        event.listen(db.engine, "after_cursor_execute", after)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    response = client.get(path)
    profiler.disable()
    elapsed = time.perf_counter() - started
    with app.app_context():
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)
        db.session.remove()
        db.engine.dispose()
    sql = sum(t for t, _ in statements)
    out = StringIO()
    out.write(
        f"### {page.label}: GET {path} ({response.status_code}, {len(response.data):,} bytes)\n\n"
        f"{elapsed * 1000:.1f} ms in-process under cProfile (which slows Python), "
        f"{len(statements)} SQL statements taking {sql * 1000:.1f} ms.\n\n"
        "Slowest statements:\n\n"
    )
    for took, statement in sorted(statements, reverse=True)[:5]:
        flat = " ".join(statement.split())
        out.write(f"- {took * 1000:.1f} ms: `{flat[:300]}{'…' if len(flat) > 300 else ''}`\n")
    stats = StringIO()
    pstats.Stats(profiler, stream=stats).sort_stats("cumulative").print_stats(
        r"eqia/|jinja2/environment|sqlalchemy/orm/(loading|session)", top
    )
    body = stats.getvalue()
    body = body[body.find("   ncalls") :] if "   ncalls" in body else body
    out.write("\nPython, cumulative (the app's own functions, Jinja rendering, ORM loading):\n\n")
    out.write("```\n" + body.replace(str(ROOT) + "/", "").strip() + "\n```\n")
    return out.getvalue()


# verify-audit.


def verify_stage(stage: str) -> None:
    """One of verify-audit's checks, in this (child) process, run as the command runs it
    (in one part): how many and how long."""
    from eqia.models import Revision
    from eqia.records import verify_all

    app = make_app(NAME)
    with app.app_context():
        started = time.perf_counter()
        if stage == "chain":
            count, problem = verify_all.check(stage)
            problems = [problem] if problem else []
        else:
            problems = verify_all.check(stage)
            model = Revision if stage == "revisions" else SealedRecord
            count = db.session.scalar(select(func.count(model.id)))
        seconds = time.perf_counter() - started
        db.session.remove()
        db.engine.dispose()
    print(json.dumps({"count": count, "seconds": seconds, "problems": problems}))


def _timed(command: list[str], env: dict) -> tuple[subprocess.CompletedProcess, float, float]:
    """A command under /usr/bin/time -v: its result, wall-clock seconds and peak RSS (MB)."""
    done = subprocess.run(  # noqa: S603 - our own command
        ["/usr/bin/time", "-v", *command], cwd=ROOT, env=env, capture_output=True, text=True
    )
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", done.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    seconds = 0.0
    for part in wall.group(1).split(":"):
        seconds = seconds * 60 + float(part)
    return done, seconds, int(rss.group(1)) / 1024


def verify_audit(full: bool) -> list[dict]:
    """verify-audit's three checks, each in a process of its own under /usr/bin/time; with
    ``full``, the command itself, ``flask --app eqia verify-audit`` (the checks side by
    side on every core)."""
    rows = []
    for stage in ("chain", "revisions", "anchors"):
        command = [sys.executable, __file__, "--verify-stage", stage]
        done, seconds, rss = _timed(command, dict(os.environ))
        result = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append({"check": stage, "process_seconds": seconds, "peak_rss_mb": rss} | result)
    if full:
        env = dict(os.environ, DATABASE_URL=database_url(), FLASK_RUN_FROM_CLI="true")
        env.pop("EQIA_CONFIG", None)
        command = [str(BIN / "flask"), "--app", "eqia", "verify-audit"]
        done, seconds, rss = _timed(command, env)
        output = (done.stdout + done.stderr.split("\tCommand being")[0]).strip().splitlines()
        rows.append(
            {"check": "flask --app eqia verify-audit", "exit": done.returncode}
            | {"process_seconds": seconds, "peak_rss_mb": rss, "output": output}
        )
    return rows


def verify_report(rows: list[dict]) -> str:
    lines = [
        "| verify-audit check | checked | seconds (check) | seconds (process) | peak RSS MB |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        checked = f"{row['count']:,}" if "count" in row else f"exit {row['exit']}"
        seconds = f"{row['seconds']:.1f}" if "seconds" in row else "—"
        lines.append(
            f"| {row['check']} | {checked} | {seconds} | {row['process_seconds']:.1f} | "
            f"{row['peak_rss_mb']:.0f} |"
        )
    return "\n".join(lines)


# The report.


def _ms(us: float) -> str:
    return f"{us / 1000:.1f}"


def _p50(run: dict) -> float:
    """A run's p50, µs; infinite when no request finished within it."""
    return float("inf") if run["none_finished"] else run["p50_us"]


def _latency(run: dict) -> str:
    if run["none_finished"]:
        return "none finished"
    return f"{_ms(run['p50_us'])} / {_ms(run['p95_us'])}"


def verdict(result: dict, healthz: float) -> str:
    """The page's target (its p50 at 1 connection within so many times /healthz's) and no
    failures, errors or timeouts at either number of connections."""
    target = TARGETS.get(result["kind"])
    one, many = result["one"], result["many"]
    troubles = []
    if target and _p50(one) / healthz > target:
        troubles.append(f"over {target}×")
    for run in (one, many):
        if run["failed"] or run["socket_errors"] or run["none_finished"]:
            troubles.append("failures" if run is one else "failures under load")
    head = f"≤ {target}×" if target else "no failures"
    return f"{head}: " + (f"NOT met ({', '.join(troubles)})" if troubles else "met")


def report(results: list[dict], connections: int, dialect: str) -> str:
    healthz = results[0]["one"]["p50_us"]
    lines = [
        f"Pages through gunicorn ({dialect}); p50 / p95 in ms; x = p50 at 1 connection as a "
        "multiple of /healthz's; failed = not 2xx/3xx (for the save, not redirected); errors "
        "= socket errors and timeouts; none finished = no request ended within the run.",
        "",
        f"| page | role | bytes | 1 conn p50 / p95 | x | 1 conn req/s | {connections} conn "
        f"p50 / p95 | {connections} conn req/s | failed | errors | target |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    verdicts = []
    for r in results:
        one, many = r["one"], r["many"]
        ratio = _p50(one) / healthz
        verdicts.append(verdict(r, healthz))
        lines.append(
            f"| {r['label']} | {r['role']} | {r['bytes']:,} | {_latency(one)} | {ratio:.1f} | "
            f"{one['rps']:.0f} | {_latency(many)} | {many['rps']:.0f} | "
            f"{one['failed'] + many['failed']} | {one['socket_errors'] + many['socket_errors']} "
            f"| {verdicts[-1]} |"
        )
    met = sum("NOT met" not in v for v in verdicts)
    lines += ["", f"Targets met: {met} of {len(verdicts)}"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="EqIAs")
    parser.add_argument("--users", type=int, default=10_000, help="people")
    parser.add_argument("--events", type=int, default=1_000_000, help="audit events")
    parser.add_argument("--seconds", type=int, default=5, help="each wrk run")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--profile", type=int, default=3, help="slowest pages to profile")
    parser.add_argument(
        "--only", help="only the pages whose label contains this (and no verify-audit)"
    )
    parser.add_argument("--verify-full", action="store_true", help="and all of verify-audit")
    parser.add_argument("--verify-stage", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.verify_stage:
        verify_stage(args.verify_stage)
        return
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: make wrk (Debian's wrk)")
    set_up(args)
    page_list, drafts = pages()
    if args.only:
        page_list = [p for p in page_list if p.label == "/healthz" or args.only in p.label]
    port = _free_port()
    log = RESULTS / "load-gunicorn.log"
    server = serve(port, log)
    results = []
    try:
        browsers = {}
        for role, email in ACCOUNTS.items():
            browsers[role] = Browser(port)
            browsers[role].sign_in(email)
        browsers["anyone"] = Browser(port)
        staff = browsers["staff"]
        saves = question_pages(staff, drafts)
        for page in page_list:
            if page.label == "question page":
                page.paths = [s["path"] for s in saves[:5]]
            elif page.label.startswith("section save"):
                page.save = saves
        for page in page_list:
            browser = browsers[page.role]
            path = page.paths[0] if page.paths else page.save[0]["path"]
            status, _headers, body = browser.request("GET", path)
            if status != 200:
                raise SystemExit(f"{page.label}: GET {path} gave {status}")
            settle(server)
            one = wrk(port, page, browser.cookie, 1, args.seconds)
            settle(server)
            many = wrk(port, page, browser.cookie, args.connections, args.seconds)
            settle(server)
            results.append(
                {"label": page.label, "role": page.role, "kind": page.kind, "paths": page.paths}
                | {"bytes": len(body), "one": one, "many": many}
            )
            print(
                f"{page.label}: p50 {_ms(one['p50_us'])} ms at 1, {_ms(many['p50_us'])} ms "
                f"at {args.connections}",
                file=sys.stderr,
            )
    finally:
        stop(server)
    dialect = database_url().split(":", 1)[0].split("+", 1)[0]
    text = report(results, args.connections, dialect)
    print(text)
    healthz = results[0]["one"]["p50_us"]
    slowest = sorted(results[1:], key=lambda r: _p50(r["one"]), reverse=True)
    profiles = []
    for r in slowest[: args.profile]:
        page = next(p for p in page_list if p.label == r["label"])
        profiles.append(f"{_p50(r['one']) / healthz:.1f}× /healthz\n\n" + profile(page))
    if profiles:
        print("\n## Profiles of the slowest pages\n\n" + "\n".join(profiles))
    audit = [] if args.only else verify_audit(args.verify_full)
    audit_text = verify_report(audit) if audit else ""
    print("\n" + audit_text)
    out = RESULTS / f"load-{dialect}.json"
    out.write_text(json.dumps({"pages": results, "verify_audit": audit}, indent=2) + "\n")
    (RESULTS / f"load-{dialect}.md").write_text("\n\n".join([text, audit_text, *profiles]))
    print(f"\nWrote {out}")


if __name__ == "__main__":
    main()

"""`flask --app eqia …` commands."""

import os
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from eqia import demo, notifications, passwords, pending
from eqia.auth import mfa
from eqia.errors import UnknownSnapshot
from eqia.extensions import db
from eqia.forms import FIRST_YEAR, LAST_YEAR, iso_date
from eqia.models import Role, User
from eqia.security_log import security_event

ROLE_CHOICES = ["lead", *[role.value for role in Role]]


def _check_password(password: str, email: str = "") -> None:
    if problem := passwords.problem(password, email):
        raise click.BadParameter(problem, param_hint="--password")


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--name", required=True, help="The person's full name.")
@click.option("--job-title", default="", help="Their job title.")
@click.option(
    "--role", "roles", multiple=True, type=click.Choice(ROLE_CHOICES), help="Repeat for several."
)
@click.option("--password", help="Prompted for when not given.")
def create_user(
    email: str, name: str, job_title: str, roles: tuple[str, ...], password: str | None
):
    """Create a user who can sign in (every user can act as a project lead)."""
    email = User.normalise_email(email)
    if "@" not in email:
        raise click.BadParameter("is not an email address", param_hint="EMAIL")
    if User.by_email(email) is not None:
        raise click.ClickException(f"A user with the email address {email} already exists")
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    _check_password(password, email)
    user = User(email=email, name=name, job_title=job_title)
    user.roles = {Role(role) for role in roles if role != "lead"}
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    security_event("account.created", subject_id=user.id, roles=sorted(user.roles))
    click.echo(f"Created {email} ({', '.join(roles) or 'lead'})")


@click.command("seed-demo")
@with_appcontext
@click.option(
    "--password", envvar="EQIA_DEMO_PASSWORD", required=True, help="For every demo account."
)
def seed_demo(password: str):
    """Create the demo accounts and data (refused in production)."""
    if current_app.config["PRODUCTION"]:
        raise click.ClickException("seed-demo is refused under the production configuration")
    _check_password(password)
    users = demo.seed(password)
    click.echo("Demo accounts (password as given):")
    for user in users:
        roles = ", ".join(role.label for role in sorted(user.roles)) or "Project lead"
        click.echo(f"  {user.email:<26} {roles}")
    click.echo(
        "Admins and super users also enter a code from an authenticator app. Add each key\n"
        "to one as a time-based key for that email address, or run "
        "`flask --app eqia demo-code EMAIL`:"
    )
    for user in users:
        if user.has_totp:
            click.echo(f"  {user.email:<26} key {mfa.grouped(user.totp_secret)}")


@click.command("demo-code")
@with_appcontext
@click.argument("email")
def demo_code(email: str):
    """Print the code a demo account's authenticator app shows now (refused in production)."""
    if current_app.config["PRODUCTION"]:
        raise click.ClickException("demo-code is refused under the production configuration")
    user = User.by_email(User.normalise_email(email))
    if user is None or not user.has_totp:
        raise click.ClickException(f"{email} has no authenticator app")
    click.echo(mfa.code_at(user.totp_secret, mfa.current_step()))


def _report(delivery: notifications.Delivery) -> None:
    backend = notifications.backend_name(current_app.config)
    click.echo(
        f"Sent {delivery.sent} email(s) through {backend}; {delivery.failed} failed and will be"
        f" tried again; {notifications.waiting()} waiting in the outbox"
    )


@click.command("send-notifications")
@with_appcontext
def send_notifications():
    """Send every email that is due, including retries (run every few minutes)."""
    _report(notifications.deliver_due())


@click.command("send-reminders")
@with_appcontext
def send_reminders():
    """Remind owners of EqIAs due or overdue for review, once each (run daily), then send;
    forget answers kept after a session ended once they are a day old."""
    queued = notifications.queue_reminders()
    purged = pending.purge()
    db.session.commit()
    click.echo(f"Queued {queued} review reminder(s)")
    click.echo(f"Forgot {purged} set(s) of kept answers more than a day old")
    _report(notifications.deliver_due())


@click.command("verify-audit")
@with_appcontext
@click.option(
    "--checkpoint",
    type=click.File("r"),
    help="A checkpoint made by audit-checkpoint and kept off site: the chain must reach it.",
)
@click.option("--workers", type=click.IntRange(1, 64), help="Processes (default: every core).")
def verify_audit(checkpoint, workers: int | None):
    """Check that no audit event has been changed, removed or inserted since it was written,
    that the chain reaches the head every sealed record (and a checkpoint) holds, and that
    every revision still matches its content hash and can be read."""
    from eqia.records import sealing, verify_all

    (count, problem), checks = verify_all.run(workers or os.cpu_count() or 1)
    if problem:
        click.echo(f"FAILED after {count} matching event(s): {problem}", err=True)
        raise SystemExit(1)
    click.echo(f"OK: all {count} audit events match their hashes and follow in order")
    if checkpoint is not None:
        found = sealing.checkpoint_problems(checkpoint.read())
        checks.insert(0, ("the chain reaches the checkpoint", found))
    failed = False
    for passed, problems in checks:
        for line in problems:
            click.echo(f"FAILED: {line}", err=True)
        failed = failed or bool(problems)
        if not problems:
            click.echo(f"OK: {passed}")
    if failed:
        raise SystemExit(1)


@click.command("audit-checkpoint")
@with_appcontext
def audit_checkpoint():
    """Print the audit chain's head, signed with the organisation's key, to keep off site
    (check the chain against it with verify-audit --checkpoint FILE)."""
    import json

    from eqia.records import sealing

    click.echo(json.dumps(sealing.checkpoint(), indent=2))


@click.command("seal-records")
@with_appcontext
@click.option("--workers", type=click.IntRange(1, 64), help="Processes (default: every core).")
def seal_records(workers: int | None):
    """Seal every signed-off revision that has no sealed record yet (resumable: run it again
    and it carries on)."""
    from eqia.records import seal_all

    pending = seal_all.unsealed()
    if not pending:
        click.echo("Every signed-off revision already has its sealed record")
        return
    workers = workers or os.cpu_count() or 1
    done = failed = 0
    with click.progressbar(length=len(pending), label=f"Sealing ({workers} processes)") as bar:
        for outcome in seal_all.seal(pending, workers):
            done += outcome == "sealed"
            failed += outcome == "failed"
            bar.update(1)
    already = len(pending) - done - failed
    click.echo(
        f"Sealed {done} record(s); {already} sealed meanwhile by someone else; {failed} failed"
    )
    if failed:
        raise SystemExit(1)


@click.command("verify-pdf")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def verify_pdf(file: str):
    """Check a PDF record as the verify page does: exit 0 if it is a genuine, unchanged
    record signed off in this service, 1 otherwise."""
    from eqia.records import documents

    with open(file, "rb") as pdf:
        verdict = documents.check_upload(pdf)
    click.echo(f"{verdict.title}\n{verdict.message}", err=not verdict.valid)
    raise SystemExit(0 if verdict.valid else 1)


def _iso_date(_ctx, param, value: str | None):
    if value is None:
        return None
    if (day := iso_date(value)) is None:
        raise click.BadParameter(
            f"must be a real date, as YYYY-MM-DD, in {FIRST_YEAR} to {LAST_YEAR}", param=param
        )
    return day


@click.command("export")
@with_appcontext
@click.option("--approved-from", callback=_iso_date, help="Signed off on or after (YYYY-MM-DD).")
@click.option("--approved-to", callback=_iso_date, help="Signed off on or before (YYYY-MM-DD).")
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, writable=True), help="The ZIP file."
)
def export(approved_from, approved_to, out: str):
    """Write the signed PDFs of approved EqIAs, with manifest.csv, to a ZIP file."""
    from eqia.records import exports
    from eqia.records.register import Criteria

    if approved_from and approved_to and approved_to < approved_from:
        raise click.BadParameter("must not be before --approved-from", param_hint="--approved-to")
    criteria = Criteria(approved_from=approved_from, approved_to=approved_to)
    total = exports.count_approved(criteria)
    try:
        with click.progressbar(length=total, label="Signing PDFs") as bar:
            exports.write_zip(criteria, Path(out), progress=lambda _item: bar.update(1))
    except UnknownSnapshot as error:
        raise click.ClickException(f"Nothing was exported: {error}") from None
    security_event("data.exported", what="signed-records", file=out, filters=criteria, count=total)
    click.echo(f"Wrote {total} signed PDF(s) and manifest.csv to {out}")


@click.command("generate-eqias")
@with_appcontext
@click.option("--count", type=click.IntRange(1, 2_000_000), default=100_000, show_default=True)
@click.option("--seed", type=int, default=2026, show_default=True, help="For the same data again.")
def generate_eqias(count: int, seed: int):
    """Insert many generated EqIAs for benchmarks (refused in production)."""
    from eqia.records import generate

    if current_app.config["PRODUCTION"]:
        raise click.ClickException("generate-eqias is refused under the production configuration")
    with click.progressbar(length=count, label="Generating EqIAs") as bar:
        made = generate.generate(count, seed=seed, progress=bar.update)
    click.echo(f"Generated {made} EqIAs")


def init_app(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo)
    app.cli.add_command(demo_code)
    app.cli.add_command(send_notifications)
    app.cli.add_command(send_reminders)
    app.cli.add_command(verify_audit)
    app.cli.add_command(audit_checkpoint)
    app.cli.add_command(seal_records)
    app.cli.add_command(verify_pdf)
    app.cli.add_command(export)
    app.cli.add_command(generate_eqias)

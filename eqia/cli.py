"""`flask --app eqia …` commands."""

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from eqia import demo, notifications
from eqia.extensions import db
from eqia.models import Role, User, audit

ROLE_CHOICES = ["lead", *[role.value for role in Role]]


def _check_password(password: str, email: str) -> None:
    if len(password) < 12:
        raise click.BadParameter("must be at least 12 characters", param_hint="--password")
    if password.strip().lower() == email:
        raise click.BadParameter("must not be the email address", param_hint="--password")


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
    if len(password) < 12:
        raise click.BadParameter("must be at least 12 characters", param_hint="--password")
    users = demo.seed(password)
    click.echo("Demo accounts (password as given):")
    for user in users:
        roles = ", ".join(role.label for role in sorted(user.roles)) or "Project lead"
        click.echo(f"  {user.email:<26} {roles}")


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
    """Remind owners of EqIAs due or overdue for review, once each (run daily), then send."""
    queued = notifications.queue_reminders()
    db.session.commit()
    click.echo(f"Queued {queued} review reminder(s)")
    _report(notifications.deliver_due())


@click.command("verify-audit")
@with_appcontext
def verify_audit():
    """Check that no audit event has been changed, removed or inserted since it was written."""
    count, problem = audit.verify()
    if problem:
        click.echo(f"FAILED after {count} matching event(s): {problem}", err=True)
        raise SystemExit(1)
    click.echo(f"OK: all {count} audit events match their hashes and follow in order")


def init_app(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo)
    app.cli.add_command(send_notifications)
    app.cli.add_command(send_reminders)
    app.cli.add_command(verify_audit)

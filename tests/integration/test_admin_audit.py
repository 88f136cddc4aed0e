"""Admin actions are audited: people, roles, activation, passwords, directorates, the
characteristics catalogue and the action plan, each an event in the one hash chain."""

from sqlalchemy import select, text

from eqia.extensions import db
from eqia.models import Event, EventKind, User
from tests import factories
from tests.helpers import soup, submit, table_rows

JO = {
    "email": "jo@example.org",
    "name": "Jo Bloggs",
    "job_title": "Transport Planner",
    "directorate_id": "0",
    "roles": [],
    "password": "",
    "active": "y",
}


def admin_events(app) -> list[tuple[EventKind, str, str]]:
    with app.app_context():
        rows = db.session.scalars(
            select(Event).where(Event.assessment_id.is_(None)).order_by(Event.seq)
        ).all()
        return [(e.kind, e.actor.email if e.actor else "", e.note) for e in rows]


def test_changing_a_persons_roles_activation_and_password_is_recorded(app, clients, users):
    with app.app_context():
        jo = factories.make_user("jo@example.org", "Jo Bloggs", job_title="Transport Planner").id
    url = f"/admin/users/{jo}"
    submit(clients["admin"], url, {**JO, "roles": ["super_user"]})
    submit(clients["admin"], url, {**JO, "roles": [], "active": "", "password": "a brand new pass"})
    events = admin_events(app)
    assert events == [
        (
            EventKind.USER_CHANGED,
            "admin@example.org",
            "Jo Bloggs (jo@example.org)\nRoles: project lead only → EqIA super user",
        ),
        (
            EventKind.USER_CHANGED,
            "admin@example.org",
            "Jo Bloggs (jo@example.org)\nActive: yes → no\nPassword: changed\n"
            "Roles: EqIA super user → project lead only",
        ),
    ]
    with app.app_context():
        password_hash = db.session.get(User, jo).password_hash
    assert all(password_hash not in note for _, _, note in events)


def test_adding_a_person_directorate_and_characteristic_is_recorded(app, clients, users):
    submit(
        clients["admin"],
        "/admin/users/new",
        {**JO, "roles": ["auditor"], "password": "a long starter password"},
    )
    submit(clients["admin"], "/admin/directorates/new", {"name": "Public Health", "active": "y"})
    submit(
        clients["admin"],
        "/admin/characteristics/new",
        {
            "name": "Digital exclusion",
            "guidance": "People offline.",
            "kind": "local",
            "active": "y",
        },
    )
    kinds = [(kind, note.splitlines()[0]) for kind, _, note in admin_events(app)]
    assert kinds == [
        (EventKind.USER_ADDED, "Jo Bloggs (jo@example.org)"),
        (EventKind.DIRECTORATE_ADDED, "Public Health"),
        (EventKind.CHARACTERISTIC_ADDED, "Digital exclusion"),
    ]
    notes = [note for _, _, note in admin_events(app)]
    assert "Roles: Auditor" in notes[0] and "Password" not in notes[0]


def test_a_progress_update_to_the_plan_is_recorded(app, clients, users):
    submit(
        clients["admin"],
        "/plan/actions/1/progress",
        {"status": "at-risk", "progress_note": "Supplier capacity"},
    )
    [(kind, who, note)] = admin_events(app)
    assert (kind, who) == (EventKind.PLAN_CHANGED, "admin@example.org")
    assert note.splitlines()[0] == "Action A1.1"
    assert "Status: Complete → At risk" in note
    assert "Progress note: All templates reviewed and in use. → Supplier capacity" in note


def test_changing_your_own_password_is_recorded(app, clients, users):
    submit(
        clients["lead"],
        "/auth/account",
        {
            "current_password": factories.PASSWORD,
            "new_password": "another long password",
            "confirm_password": "another long password",
        },
    )
    assert admin_events(app) == [
        (
            EventKind.USER_CHANGED,
            "lead@example.org",
            "Lee Lead (lead@example.org)\nPassword: changed",
        )
    ]


def test_the_admin_audit_page_lists_them_newest_first_and_verify_audit_covers_them(
    app, clients, users, runner
):
    for name in ("First directorate", "Second directorate"):
        submit(clients["admin"], "/admin/directorates/new", {"name": name, "active": "y"})
    rows = table_rows(soup(clients["admin"].get("/admin/audit")), "#audit")
    assert [row[2] for row in rows] == ["Directorate added", "Directorate added"]
    assert rows[0][3].startswith("Second directorate") and rows[0][1] == "Adam Admin"
    assert clients["lead"].get("/admin/audit").status_code == 403
    assert runner.invoke(args=["verify-audit"]).exit_code == 0
    with app.app_context():
        db.session.execute(text("UPDATE events SET note = 'Nothing' WHERE assessment_id IS NULL"))
        db.session.commit()
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 1 and "has been changed since it was written" in result.output

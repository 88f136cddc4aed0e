"""An admin moves what a person who leaves leads to someone else, in one action: audited
on each EqIA, both people emailed, and the new lead can edit the drafts."""

import pytest
from sqlalchemy import select

from eqia import workflow
from eqia.extensions import db
from eqia.models import Assessment, Event, EventKind, OutboxMessage, Role, Status, User
from tests import factories, journeys
from tests.conftest import sign_in_as
from tests.helpers import csrf_token, error_summary, h1, soup, submit, table_rows


@pytest.fixture
def leads(app, users, once):
    """The lead's four EqIAs, one at each stage that moves, one withdrawn that does not, and
    the colleague who takes them on: built once a run."""
    return once(lambda: make_leads(app, users))


def make_leads(app, users) -> tuple[dict[str, str], int]:
    with app.app_context():
        factories.make_directorate()
        refs = {
            stage: factories.make_eqia(f"Proposal {stage}", stage=stage).reference
            for stage in ("complete", "returned", "submitted", "approved")
        }
        withdrawn = factories.make_eqia("Proposal withdrawn", stage="complete")
        lead = db.session.get(User, users["lead"].id)
        workflow.withdraw(withdrawn, lead, "No longer needed")
        db.session.commit()
        refs["withdrawn"] = withdrawn.reference
        colleague = factories.make_user("nia.new@example.org", "Nia New", job_title="Librarian")
        return refs, colleague.id


def _owners(app, refs) -> dict[str, str]:
    with app.app_context():
        return {stage: Assessment.by_reference(ref).owner.email for stage, ref in refs.items()}


def test_an_admin_moves_everything_a_leaver_leads(app, clients, users, leads):
    refs, colleague_id = leads
    url = f"/admin/users/{users['lead'].id}/eqias"
    page = soup(clients["admin"].get(url))
    assert h1(page) == "Move Lee Lead’s EqIAs"
    listed = {row[0]: row[2] for row in table_rows(page)}
    assert listed == {
        refs["complete"]: "Draft",
        refs["returned"]: "Returned",
        refs["submitted"]: "Awaiting sign-off",
        refs["approved"]: "Signed off",
    }

    response = submit(clients["admin"], url, {"to_email": "Nia.New@example.org"})
    assert response.status_code == 302
    assert (
        "4 EqIAs moved from Lee Lead to Nia New."
        in soup(clients["admin"].get(response.location)).get_text()
    )
    owners = _owners(app, refs)
    assert owners == {
        "complete": "nia.new@example.org",
        "returned": "nia.new@example.org",
        "submitted": "nia.new@example.org",
        "approved": "nia.new@example.org",
        "withdrawn": "lead@example.org",
    }
    with app.app_context():
        events = db.session.scalars(
            select(Event).where(Event.kind == EventKind.OWNER_CHANGED).order_by(Event.seq)
        ).all()
        assert sorted(e.assessment_id for e in events) == sorted(
            Assessment.by_reference(refs[s]).id
            for s in ("complete", "returned", "submitted", "approved")
        )
        assert {(e.actor.email, e.note) for e in events} == {
            ("admin@example.org", "Lee Lead → Nia New")
        }
        mail = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "owner-changed")
        ).all()
        assert sorted(m.to_email for m in mail) == ["lead@example.org", "nia.new@example.org"]
        to_lead = next(m for m in mail if m.to_email == "lead@example.org")
        assert to_lead.subject == "Your EqIAs have been moved to Nia New"
        to_new = next(m for m in mail if m.to_email == "nia.new@example.org")
        assert to_new.subject == "You are now the project lead of 4 EqIAs"
        for stage in ("complete", "returned", "submitted", "approved"):
            assert refs[stage] in to_new.body and refs[stage] in to_lead.body
        assert refs["withdrawn"] not in to_new.body

    # The new lead edits the draft; the leaver no longer can.
    new_lead = app.test_client()
    sign_in_as(new_lead, colleague_id)
    assert new_lead.get(f"/eqia/{refs['complete']}/tasks").status_code == 200
    journeys.save(new_lead, refs["complete"], "screening", {"could_affect": "yes"})
    assert clients["lead"].get(f"/eqia/{refs['complete']}/tasks").status_code == 403
    history = soup(clients["admin"].get(f"/eqia/{refs['complete']}/history")).get_text()
    assert "Moved to a new project lead" in history


def test_the_super_user_who_picked_it_up_and_becomes_its_lead_no_longer_holds_it(
    app, clients, users, leads
):
    refs, _ = leads
    with app.app_context():
        assessment = Assessment.by_reference(refs["submitted"])
        workflow.assign(assessment, db.session.get(User, users["super_user"].id))
        db.session.commit()
    url = f"/admin/users/{users['lead'].id}/eqias"
    submit(clients["admin"], url, {"to_email": "super@example.org"})
    with app.app_context():
        assessment = Assessment.by_reference(refs["submitted"])
        assert assessment.owner.email == "super@example.org"
        assert assessment.assigned_to_id is None
        assert assessment.status is Status.SUBMITTED


@pytest.mark.parametrize(
    "email, message",
    [
        ("", "Enter the email address of the person to move them to"),
        ("not an address", "Enter an email address in the correct format, like name@example.org"),
        ("nobody@example.org", "There is no user with this email address"),
        ("lead@example.org", "Enter someone other than Lee Lead"),
        ("gone@example.org", "Gus Gone's account is deactivated: choose someone else"),
    ],
)
def test_a_wrong_new_lead_is_explained_and_nothing_moves(
    app, clients, users, leads, email, message
):
    refs, _ = leads
    with app.app_context():
        factories.make_user("gone@example.org", "Gus Gone", active=False)
    response = submit(
        clients["admin"], f"/admin/users/{users['lead'].id}/eqias", {"to_email": email}
    )
    assert response.status_code == 200
    page = soup(response)
    assert error_summary(page) == [message]
    assert page.select_one("input[name=to_email]")["value"] == email
    assert set(_owners(app, refs).values()) == {"lead@example.org"}


def test_only_admins_move_eqias(app, clients, users, leads):
    refs, _ = leads
    url = f"/admin/users/{users['lead'].id}/eqias"
    for who in ("lead", "super_user", "auditor"):
        assert clients[who].get(url).status_code == 403
        token = csrf_token(soup(clients[who].get("/")))
        data = {"csrf_token": token, "to_email": "nia.new@example.org"}
        assert clients[who].post(url, data=data).status_code == 403
    assert set(_owners(app, refs).values()) == {"lead@example.org"}
    assert clients["admin"].get("/admin/users/999999/eqias").status_code == 404


def test_someone_who_leads_nothing_is_told_so(clients, users):
    page = soup(clients["admin"].get(f"/admin/users/{users['auditor'].id}/eqias"))
    assert "Audrey Auditor does not lead any EqIAs that need a new project lead." in page.get_text()
    assert page.select_one("input[name=to_email]") is None


def test_deactivating_a_super_user_releases_what_they_picked_up(app, clients, users, leads):
    refs, _ = leads
    with app.app_context():
        workflow.assign(
            Assessment.by_reference(refs["submitted"]), db.session.get(User, users["super_user"].id)
        )
        db.session.commit()
    url = f"/admin/users/{users['super_user'].id}"
    form = {
        "email": "super@example.org",
        "name": "Sue Super",
        "job_title": "Officer",
        "directorate_id": "0",
        "roles": [Role.SUPER_USER.value],
    }
    assert submit(clients["admin"], url, form).status_code == 302
    with app.app_context():
        assessment = Assessment.by_reference(refs["submitted"])
        assert assessment.assigned_to_id is None
        assert not db.session.get(User, users["super_user"].id).active

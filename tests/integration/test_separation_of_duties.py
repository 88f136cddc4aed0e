"""Separation of duties that cannot be side-stepped: nobody signs off what they helped write,
co-authors stay put while an EqIA awaits sign-off, and one sent to a named super user is
theirs to decide until they release it or an admin gives it to someone else."""

import pytest
from sqlalchemy import select

from eqia.extensions import db
from eqia.models import Assessment, Decision, Event, EventKind, Role, Status, User
from tests import factories
from tests.conftest import sign_in_as
from tests.helpers import h1, soup, submit, text
from tests.journeys import save


@pytest.fixture
def sam(app, clients):
    """A second super user, signed in."""
    with app.app_context():
        sam_id = factories.make_user("sam@example.org", "Sam Second", roles={Role.SUPER_USER}).id
    clients["sam"] = app.test_client()
    sign_in_as(clients["sam"], sam_id)
    return sam_id


@pytest.fixture
def draft(app, users):
    with app.app_context():
        factories.make_directorate("Place & Sustainability")
        return factories.make_eqia("Library hours", stage="complete").reference


def send(app, ref: str, to: int | None = None) -> None:
    with app.app_context():
        assessment = Assessment.by_reference(ref)
        factories.submit(assessment, assessment.owner, db.session.get(User, to) if to else None)
        db.session.commit()


def approve(app, client, ref: str):
    """A complete approval posted by this person, whether or not their page offers one."""
    page = client.get(f"/reviews/{ref}")
    if page.status_code != 200:
        return page
    with app.app_context():
        assessment = Assessment.by_reference(ref)
        slugs = [s.slug for s in assessment.revisions[-1].read().sections]
        links = [link.objective_id for link in assessment.objective_links]
    data = {
        "csrf_token": soup(page).select_one("input[name=csrf_token]")["value"],
        "decision": "approved",
        "revision": "1",
        **{f"rating_{slug}": "acceptable" for slug in slugs},
        **{f"objective_{i}": "yes" for i in links},
    }
    return client.post(f"/reviews/{ref}", data=data)


def test_a_super_user_who_once_helped_write_it_cannot_sign_it_off(app, clients, sam, draft):
    lead = clients["lead"]
    submit(lead, f"/eqia/{draft}/co-authors", {"email": "sam@example.org"})
    save(clients["sam"], draft, "aims", {"eliminate": "x", "advance": "y", "foster": "z"})
    submit(lead, f"/eqia/{draft}/co-authors/{sam}/remove", {})
    offered = soup(lead.get(f"/eqia/{draft}/check")).select("select[name=super_user_id] option")
    assert [o.text for o in offered] == ["Any EqIA super user", "Sue Super, Officer"]
    send(app, draft)
    response = approve(app, clients["sam"], draft)
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Decision)) is None
        assessment = Assessment.by_reference(draft)
        assert not assessment.is_author(db.session.get(User, sam)), "no longer a co-author"
    queue = text(soup(clients["sam"].get("/reviews/")))
    assert draft not in queue
    assert approve(app, clients["super_user"], draft).status_code == 302


def test_a_former_co_author_who_wrote_nothing_is_still_kept_off_it(app, clients, sam, draft):
    lead = clients["lead"]
    submit(lead, f"/eqia/{draft}/co-authors", {"email": "sam@example.org"})
    submit(lead, f"/eqia/{draft}/co-authors/{sam}/remove", {})
    send(app, draft)
    assert approve(app, clients["sam"], draft).status_code == 403


def test_co_authors_cannot_be_changed_while_it_awaits_sign_off(app, clients, users, draft):
    send(app, draft)
    with app.app_context():
        factories.make_user("cora@example.org", "Cora Author")
    response = clients["lead"].get(f"/eqia/{draft}/co-authors")
    assert response.status_code == 409
    assert "It is waiting for sign-off" in text(soup(response))
    token = soup(clients["lead"].get("/")).select_one("input[name=csrf_token]")["value"]
    posted = clients["lead"].post(
        f"/eqia/{draft}/co-authors", data={"csrf_token": token, "email": "cora@example.org"}
    )
    assert posted.status_code == 409
    with app.app_context():
        assert Assessment.by_reference(draft).co_authors == []


def test_one_sent_to_a_named_super_user_is_theirs_until_they_release_it(app, clients, sam, draft):
    send(app, draft, to=sam)
    page = soup(clients["super_user"].get(f"/reviews/{draft}"))
    assert "Sam Second has picked up this EqIA, so only they can decide on it" in text(page)
    assert approve(app, clients["super_user"], draft).status_code == 409
    review = soup(clients["sam"].get(f"/reviews/{draft}"))
    token = review.select_one(f"form[action='/reviews/{draft}/release'] input")["value"]
    released = clients["sam"].post(f"/reviews/{draft}/release", data={"csrf_token": token})
    assert released.status_code == 302
    assert approve(app, clients["super_user"], draft).status_code == 302
    with app.app_context():
        kinds = [e.kind for e in db.session.scalars(select(Event).order_by(Event.seq))]
        assert EventKind.RELEASED in kinds


def test_only_the_holder_or_an_admin_releases_it(app, clients, sam, draft):
    send(app, draft, to=sam)
    token = soup(clients["super_user"].get("/")).select_one("input[name=csrf_token]")["value"]
    refused = clients["super_user"].post(f"/reviews/{draft}/release", data={"csrf_token": token})
    assert refused.status_code == 403
    assert "Only Sam Second or an admin can release this EqIA" in text(soup(refused))
    view = soup(clients["admin"].get(f"/eqia/{draft}"))
    form = view.select_one(f"form[action='/reviews/{draft}/release']")
    token = form.select_one("input[name=csrf_token]")["value"]
    assert (
        clients["admin"].post(f"/reviews/{draft}/release", data={"csrf_token": token}).status_code
        == 302
    )
    with app.app_context():
        assert Assessment.by_reference(draft).assigned_to_id is None


def test_an_admin_gives_it_to_another_super_user(app, clients, users, sam, draft):
    send(app, draft, to=sam)
    view = soup(clients["admin"].get(f"/eqia/{draft}"))
    form = view.select_one(f"form[action='/reviews/{draft}/reassign']")
    assert h1(view) == "Library hours"
    response = clients["admin"].post(
        f"/reviews/{draft}/reassign",
        data={
            "csrf_token": form.select_one("input[name=csrf_token]")["value"],
            "super_user_id": str(users["super_user"].id),
        },
    )
    assert response.status_code == 302
    assert approve(app, clients["sam"], draft).status_code == 409
    assert approve(app, clients["super_user"], draft).status_code == 302


def test_deactivating_the_holder_releases_what_they_held(app, clients, users, sam, draft):
    send(app, draft, to=sam)
    edit = soup(clients["admin"].get(f"/admin/users/{sam}"))
    data = {
        "csrf_token": edit.select_one("main form input[name=csrf_token]")["value"],
        "email": "sam@example.org",
        "name": "Sam Second",
        "job_title": "EqIA Super User",
        "directorate_id": "0",
        "roles": ["super_user"],
        "password": "",
    }
    response = clients["admin"].post(f"/admin/users/{sam}", data=data)  # active unticked
    assert response.status_code == 302
    with app.app_context():
        assessment = Assessment.by_reference(draft)
        assert assessment.assigned_to_id is None
        assert assessment.status is Status.SUBMITTED
    assert approve(app, clients["super_user"], draft).status_code == 302

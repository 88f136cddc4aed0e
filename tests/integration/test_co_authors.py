"""The owner of an EqIA adds colleagues as co-authors, who can then edit and submit it."""

import threading

import pytest
from flask import has_request_context, request
from sqlalchemy import event, select

from eqia.extensions import db
from eqia.models import Assessment, CoAuthor, Event, EventKind, Status, audit
from tests import factories, journeys
from tests.conftest import sign_in_as
from tests.helpers import (
    banners,
    csrf_token,
    error_summary,
    h1,
    inline_errors,
    soup,
    submit,
    table_rows,
    text,
    title,
)


@pytest.fixture
def colleagues(app, users):
    """A colleague to add, and a lead who has nothing to do with the EqIA."""
    with app.app_context():
        lena = factories.make_user("lena.second@example.org", "Lena Second", job_title="Librarian")
        olly = factories.make_user("olly.outsider@example.org", "Olly Outsider")
        return {"lead2": lena.id, "outsider": olly.id}


@pytest.fixture
def people(app, clients, colleagues):
    """Signed-in clients: the owner ("lead"), lead2, the outsider and the other roles."""
    for name, user_id in colleagues.items():
        clients[name] = app.test_client()
        sign_in_as(clients[name], user_id)
    return clients


def add(client, ref: str, email: str):
    return submit(client, f"/eqia/{ref}/co-authors", {"email": email})


def co_author_ids(app, ref: str) -> list[int]:
    with app.app_context():
        return [c.user_id for c in Assessment.by_reference(ref).co_authors]


class TestAdding:
    def test_a_co_author_sees_edits_and_saves_the_eqia(self, app, people, colleagues, ref):
        response = add(people["lead"], ref, "Lena.Second@EXAMPLE.org")
        assert response.location == f"/eqia/{ref}/co-authors"
        assert co_author_ids(app, ref) == [colleagues["lead2"]]

        page = soup(people["lead"].get(response.location))
        assert banners(page) == [
            "Lena Second has been added as a co-author. They can now edit and submit this EqIA."
        ]
        assert table_rows(page) == [
            ["Lee Lead", "lead@example.org", "Officer", "Owner", ""],
            [
                "Lena Second",
                "lena.second@example.org",
                "Librarian",
                "Co-author",
                "Remove Lena Second",
            ],
        ]

        lena = people["lead2"]
        rows = table_rows(soup(lena.get("/eqia/")))
        assert [row[:3] for row in rows] == [[ref, "Changes to library opening hours", "Draft"]]
        assert lena.get(f"/eqia/{ref}/tasks").status_code == 200
        response = submit(
            lena, f"/eqia/{ref}/questions/screening", {"could_affect": "yes", "version": "0"}
        )
        assert response.status_code == 302
        with app.app_context():
            answers = Assessment.by_reference(ref).sections["screening"]
            assert answers.data["could_affect"] == "yes"
            assert answers.updated_by_id == colleagues["lead2"]

    def test_an_outsider_cannot_edit_or_manage(self, people, ref):
        assert people["outsider"].get(f"/eqia/{ref}/tasks").status_code == 403
        assert people["outsider"].get(f"/eqia/{ref}/co-authors").status_code == 403
        assert table_rows(soup(people["outsider"].get("/eqia/"))) == []

    @pytest.mark.parametrize(
        "who, expected",
        [
            ("anonymous", 302),
            ("lead", 200),
            ("lead2", 403),
            ("outsider", 403),
            ("super_user", 403),
            ("auditor", 403),
            ("admin", 403),
        ],
    )
    def test_only_the_owner_manages_co_authors(self, people, colleagues, ref, who, expected):
        add(people["lead"], ref, "lena.second@example.org")  # lead2 is a co-author
        remove = f"/eqia/{ref}/co-authors/{colleagues['lead2']}/remove"
        for url in (f"/eqia/{ref}/co-authors", remove):
            assert people[who].get(url).status_code == expected, url

    def test_a_co_author_cannot_add_others(self, app, people, colleagues, ref):
        add(people["lead"], ref, "lena.second@example.org")
        token = csrf_token(soup(people["lead2"].get(f"/eqia/{ref}/tasks")))
        response = people["lead2"].post(
            f"/eqia/{ref}/co-authors",
            data={"email": "olly.outsider@example.org", "csrf_token": token},
        )
        assert response.status_code == 403
        assert co_author_ids(app, ref) == [colleagues["lead2"]]

    def test_an_unknown_eqia_is_not_found(self, people):
        assert people["lead"].get("/eqia/EQIA-2020-9999/co-authors").status_code == 404


class TestErrors:
    @pytest.fixture
    def prepared(self, app, people, ref):
        with app.app_context():
            factories.make_user("gone@example.org", "Gina Gone", active=False)
        add(people["lead"], ref, "lena.second@example.org")

    @pytest.mark.parametrize(
        "email, expected",
        [
            ("", "Enter your colleague's email address"),
            ("   ", "Enter your colleague's email address"),
            ("not an email", "Enter an email address in the correct format, like name@example.org"),
            ("nobody@example.org", "There is no active user with that email address"),
            ("gone@example.org", "There is no active user with that email address"),
            ("LEAD@example.org", "You are already the owner of this EqIA"),
            ("lena.second@example.org", "Lena Second is already a co-author"),
            (" Lena.Second@Example.ORG ", "Lena Second is already a co-author"),
        ],
    )
    def test_bad_emails_are_explained(
        self, app, people, colleagues, ref, prepared, email, expected
    ):
        response = add(people["lead"], ref, email)
        page = soup(response)
        assert response.status_code == 200
        assert error_summary(page) == [expected]
        assert inline_errors(page) == [expected]
        assert title(page).startswith("Error: ")
        assert co_author_ids(app, ref) == [colleagues["lead2"]]

    def test_html_in_the_email_is_shown_as_typed(self, people, ref):
        typed = '<script>alert("x")</script>@example.org'
        response = add(people["lead"], ref, typed)
        assert "<script>" not in response.get_data(as_text=True)
        assert soup(response).select_one("#email")["value"] == typed

    def test_names_are_escaped(self, app, people, ref):
        with app.app_context():
            factories.make_user("bold@example.org", "<b>Bo</b> O'Brien & Co")
        add(people["lead"], ref, "bold@example.org")
        response = people["lead"].get(f"/eqia/{ref}/co-authors")
        assert "<b>Bo</b>" not in response.get_data(as_text=True)
        assert table_rows(soup(response))[1][0] == "<b>Bo</b> O'Brien & Co"

    def test_nobody_is_added_while_it_awaits_sign_off(self, app, people, users, ref):
        with app.app_context():
            assessment = Assessment.by_reference(ref)
            assessment.status = Status.SUBMITTED  # arranging a state, not making a move
            assessment.submitted_to_id = users["super_user"].id
            db.session.commit()
        response = people["lead"].get(f"/eqia/{ref}/co-authors")
        assert response.status_code == 409
        assert "It is waiting for sign-off" in text(soup(response))


class TestRemoving:
    def test_removal_is_confirmed_and_revokes_access(self, app, people, colleagues, ref):
        add(people["lead"], ref, "lena.second@example.org")
        url = f"/eqia/{ref}/co-authors/{colleagues['lead2']}/remove"
        page = soup(people["lead"].get(url))
        assert h1(page) == "Are you sure you want to remove Lena Second as a co-author?"
        assert co_author_ids(app, ref) == [colleagues["lead2"]]  # a GET changes nothing

        response = submit(people["lead"], url, {})
        assert response.location == f"/eqia/{ref}/co-authors"
        page = soup(people["lead"].get(response.location))
        assert banners(page) == ["Lena Second has been removed as a co-author."]
        assert [row[0] for row in table_rows(page)] == ["Lee Lead"]
        assert co_author_ids(app, ref) == []
        assert people["lead2"].get(f"/eqia/{ref}/tasks").status_code == 403
        assert table_rows(soup(people["lead2"].get("/eqia/"))) == []

    def test_removal_needs_the_csrf_token(self, app, people, colleagues, ref):
        add(people["lead"], ref, "lena.second@example.org")
        url = f"/eqia/{ref}/co-authors/{colleagues['lead2']}/remove"
        assert people["lead"].post(url).status_code == 400
        assert co_author_ids(app, ref) == [colleagues["lead2"]]

    def test_someone_who_is_not_a_co_author_is_not_found(self, people, colleagues, users, ref):
        for user_id in (colleagues["outsider"], users["lead"].id, 99999):
            url = f"/eqia/{ref}/co-authors/{user_id}/remove"
            assert people["lead"].get(url).status_code == 404


def test_adding_and_removing_are_in_the_audit_trail(app, people, colleagues, users, ref):
    add(people["lead"], ref, "lena.second@example.org")
    submit(people["lead"], f"/eqia/{ref}/co-authors/{colleagues['lead2']}/remove", {})
    with app.app_context():
        assessment = Assessment.by_reference(ref)
        events = db.session.scalars(
            select(Event)
            .where(
                Event.assessment_id == assessment.id,
                Event.kind.in_((EventKind.CO_AUTHOR_ADDED, EventKind.CO_AUTHOR_REMOVED)),
            )
            .order_by(Event.seq)
        ).all()
        assert [(e.kind, e.actor_id, e.note) for e in events] == [
            ("co_author_added", users["lead"].id, "Lena Second (lena.second@example.org)"),
            ("co_author_removed", users["lead"].id, "Lena Second (lena.second@example.org)"),
        ]
        assert audit.verify()[1] is None
        kept = db.session.scalar(select(CoAuthor))
        assert kept.removed_at is not None, "kept on record, for separation of duties"
        assert Assessment.by_reference(ref).co_authors == []


def test_co_authors_saving_different_pages_at_the_same_moment_are_both_saved(
    app, people, colleagues, ref
):
    """Two requests that have both read the EqIA before either writes: each saves its own
    section, and neither is told that someone else saved their page."""
    add(people["lead"], ref, "lena.second@example.org")
    lead, lena = people["lead"], people["lead2"]
    journeys.save(lead, ref, "screening", {"could_affect": "yes"})
    posts = {}
    for client, key, answers in (
        (lead, "evidence", journeys.EVIDENCE),
        (lena, "aims", journeys.AIMS),
    ):
        url = f"/eqia/{ref}/questions/{key}"
        page = soup(client.get(url))
        posts[key] = (
            client,
            url,
            {
                "csrf_token": page.select_one("main form input[name=csrf_token]")["value"],
                "version": page.select_one("input[name=version]")["value"],
                **answers,
            },
        )
    both_read = threading.Barrier(2, timeout=10)
    waited = threading.local()

    def hold_the_first_write(_session, _context, _instances):
        if has_request_context() and request.method == "POST" and not getattr(waited, "yes", 0):
            waited.yes = 1
            both_read.wait()

    responses = {}

    def post(key):
        client, url, data = posts[key]
        responses[key] = client.post(url, data=data)

    event.listen(db.session, "before_flush", hold_the_first_write)
    try:
        threads = [threading.Thread(target=post, args=(key,)) for key in posts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        event.remove(db.session, "before_flush", hold_the_first_write)
    assert {key: r.status_code for key, r in responses.items()} == {"evidence": 302, "aims": 302}
    with app.app_context():
        answers = Assessment.by_reference(ref).sections
        assert answers["evidence"].data["data_used"] == journeys.EVIDENCE["data_used"]
        assert answers["aims"].data["advance"] == journeys.AIMS["advance"]
        saves = db.session.scalars(
            select(Event.note).where(Event.kind == EventKind.SAVED).order_by(Event.seq)
        ).all()
        assert sorted(saves[-2:]) == [
            "Evidence and engagement",
            "The three aims of the equality duty",
        ]

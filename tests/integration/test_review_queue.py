"""The super users' sign-off queue, picking an EqIA up, and what the dashboards say."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from eqia import workflow
from eqia.extensions import db
from eqia.models import Assessment, CoAuthor, DecisionKind, Event, Revision, User
from tests import factories
from tests.conftest import sign_in_as
from tests.helpers import banners, counting_queries, h1, queries_for, soup, table_rows, text, title
from tests.journeys import submitted_eqia


@pytest.fixture
def directorates(app):
    with app.app_context():
        return {
            "place": factories.make_directorate("Place & Sustainability").id,
            "children": factories.make_directorate("Children, Education & Families").id,
        }


@pytest.fixture
def people(app, clients, users):
    """A second super user and a second lead, signed in, beside the role clients."""
    with app.app_context():
        sam = factories.make_user("sam.second@example.org", "Sam Second", {"super_user"})
        lena = factories.make_user("lena.lead@example.org", "Lena Lead")
        ids = {"super_user2": sam.id, "lead2": lena.id}
    for name, user_id in ids.items():
        clients[name] = app.test_client()
        sign_in_as(clients[name], user_id)
        users[name] = type("Person", (), {"id": user_id})
    return clients


def waited(app, ref: str, days: int) -> None:
    """Pretend the EqIA was submitted this many days ago."""
    when = datetime.now(UTC) - timedelta(days=days)
    with app.app_context():
        assessment = Assessment.by_reference(ref)
        db.session.execute(
            update(Revision).where(Revision.assessment_id == assessment.id).values(created_at=when)
        )
        assessment.submitted_at = when  # as submitting would have set it
        db.session.commit()


def assign_to(app, ref: str, user_id: int) -> None:
    with app.app_context():
        workflow.assign(Assessment.by_reference(ref), db.session.get(User, user_id))
        db.session.commit()


def queue_rows(client, url: str = "/reviews/") -> list[list[str]]:
    return table_rows(soup(client.get(url)))


class TestQueue:
    def test_lists_submitted_eqias_oldest_first_with_their_details(
        self, app, people, users, directorates
    ):
        newer = submitted_eqia(app, users["lead"].id, directorates["place"], "Library hours")
        older = submitted_eqia(
            app,
            users["lead2"].id,
            directorates["children"],
            "School transport",
            to_id=users["super_user"].id,
        )
        waited(app, newer, 3)
        waited(app, older, 10)
        page = soup(people["super_user"].get("/reviews/"))
        assert h1(page) == "Sign-off queue"
        assert title(page).startswith("Sign-off queue – ")
        assert text(page.select_one("table caption")) == "2 EqIAs waiting for sign-off"
        rows = table_rows(page)
        assert [row[:4] for row in rows] == [
            [older, "School transport", "Children, Education & Families", "Lena Lead"],
            [newer, "Library hours", "Place & Sustainability", "Lee Lead"],
        ]
        assert [row[5] for row in rows] == ["10 days", "3 days"]
        assert rows[0][6] == "Assigned to you Sent to you", "sent to them: theirs to decide"
        assert rows[1][6] == "Unassigned"
        links = [a["href"] for a in page.select("tbody tr td:first-child a, tbody tr th a")]
        assert links == [f"/reviews/{older}", f"/reviews/{newer}"]
        # "Sent to you" is only for the super user the lead chose.
        assert queue_rows(people["super_user2"])[0][6] == "Assigned to Sue Super"

    def test_a_new_submission_waits_since_today(self, app, people, users, directorates):
        submitted_eqia(app, users["lead"].id, directorates["place"])
        assert queue_rows(people["super_user"])[0][5] == "Today"

    def test_only_eqias_awaiting_sign_off_are_listed(self, app, people, users, directorates):
        waiting = submitted_eqia(app, users["lead"].id, directorates["place"], "Waiting")
        returned = submitted_eqia(app, users["lead"].id, directorates["place"], "Returned")
        approved = submitted_eqia(app, users["lead"].id, directorates["place"], "Approved")
        factories.decide(app, returned, users["super_user2"].id, DecisionKind.RETURNED)
        factories.decide(app, approved, users["super_user2"].id, DecisionKind.APPROVED)
        with app.app_context():
            factories.make_assessment(db.session.get(User, users["lead"].id), "A draft")
        assert [row[0] for row in queue_rows(people["super_user"])] == [waiting]

    def test_a_super_user_never_sees_an_eqia_they_own_or_co_author(
        self, app, people, users, directorates
    ):
        own = submitted_eqia(app, users["super_user"].id, directorates["place"], "Own")
        shared = submitted_eqia(app, users["lead"].id, directorates["place"], "Shared")
        other = submitted_eqia(app, users["lead"].id, directorates["place"], "Other")
        with app.app_context():
            assessment = Assessment.by_reference(shared)
            db.session.add(
                CoAuthor(
                    assessment_id=assessment.id,
                    user_id=users["super_user"].id,
                    added_by_id=users["lead"].id,
                )
            )
            db.session.commit()
        assert [row[0] for row in queue_rows(people["super_user"])] == [other]
        assert sorted(row[0] for row in queue_rows(people["super_user2"])) == [own, shared, other]
        # Nor can they pick one up by posting to it.
        token = soup(people["super_user"].get("/reviews/")).select_one("input[name=csrf_token]")
        for ref in (own, shared):
            response = people["super_user"].post(
                f"/reviews/{ref}/assign", data={"csrf_token": token["value"]}
            )
            assert response.status_code == 403

    def test_who_has_picked_each_eqia_up(self, app, people, users, directorates):
        mine = submitted_eqia(app, users["lead"].id, directorates["place"], "Mine")
        theirs = submitted_eqia(app, users["lead"].id, directorates["place"], "Theirs")
        free = submitted_eqia(app, users["lead"].id, directorates["place"], "Free")
        for days, ref in ((3, mine), (2, theirs), (1, free)):
            waited(app, ref, days)
        assign_to(app, mine, users["super_user"].id)
        assign_to(app, theirs, users["super_user2"].id)
        page = soup(people["super_user"].get("/reviews/"))
        assert [row[6:] for row in table_rows(page)] == [
            ["Assigned to you", ""],
            ["Assigned to Sam Second", ""],
            ["Unassigned", f"Pick up {free}"],
        ]
        forms = page.select("tbody form")
        assert [f["action"] for f in forms] == [f"/reviews/{free}/assign"]
        assert forms[0]["method"] == "post"
        assert forms[0].select_one("input[name=csrf_token]")["value"]

    def test_filter_by_directorate(self, app, people, users, directorates):
        place = submitted_eqia(app, users["lead"].id, directorates["place"], "Roads")
        children = submitted_eqia(app, users["lead"].id, directorates["children"], "Schools")
        client = people["super_user"]
        page = soup(client.get("/reviews/"))
        form = page.select_one("main form[method=get]")
        assert form.select_one("select[name=directorate]")
        assert text(form.select_one("button")) == "Filter"
        options = [text(o) for o in form.select("option")]
        assert options == [
            "All directorates",
            "Children, Education & Families",
            "Place & Sustainability",
        ]
        url = f"/reviews/?directorate={directorates['children']}"
        page = soup(client.get(url))
        assert [row[0] for row in table_rows(page)] == [children]
        assert text(page.select_one("table caption")) == (
            "1 EqIA waiting for sign-off in Children, Education & Families"
        )
        selected = page.select_one("option[selected]")
        assert selected["value"] == str(directorates["children"])
        for ignored in ("", "999999", "abc", "-1", "1" * 40):
            response = client.get("/reviews/", query_string={"directorate": ignored})
            assert response.status_code == 200, ignored
            assert sorted(r[0] for r in table_rows(soup(response))) == sorted([place, children])

    def test_an_empty_queue_says_so(self, people, directorates):
        page = soup(people["super_user"].get(f"/reviews/?directorate={directorates['place']}"))
        assert page.select_one("table") is None
        assert "No EqIAs are waiting for sign-off in Place & Sustainability" in text(page)

    def test_what_people_typed_is_shown_as_typed(self, app, people, users, directorates):
        typed = '<b>Bins</b> & "recycling" <script>alert(1)</script>'
        submitted_eqia(app, users["lead"].id, directorates["place"], typed)
        response = people["super_user"].get("/reviews/")
        page = soup(response)
        assert table_rows(page)[0][1] == typed
        assert "<b>Bins</b>" not in response.get_data(as_text=True)
        assert not [s for s in page.select("script") if "alert" in s.get_text()]

    def test_the_queue_runs_a_fixed_number_of_queries(self, app, people, users, directorates):
        def count() -> int:
            return queries_for(app, people["super_user"], "/reviews/")

        first = submitted_eqia(app, users["lead"].id, directorates["place"], "First")
        assign_to(app, first, users["super_user"].id)
        before = count()
        for n, (owner, directorate) in enumerate(
            [("lead", "children"), ("lead2", "place"), ("lead2", "children")]
        ):
            ref = submitted_eqia(app, users[owner].id, directorates[directorate], f"More {n}")
            if n == 1:
                assign_to(app, ref, users["super_user2"].id)
        assert len(queue_rows(people["super_user"])) == 4
        assert count() == before


class TestPickingUp:
    def pick_up(self, client, ref: str):
        """POST the queue's "Pick up" form, with the token the page carries."""
        page = soup(client.get("/reviews/"))
        token = page.select_one("input[name=csrf_token]")["value"]
        return client.post(f"/reviews/{ref}/assign", data={"csrf_token": token})

    def test_a_super_user_picks_up_an_eqia(self, app, people, users, directorates):
        ref = submitted_eqia(app, users["lead"].id, directorates["place"])
        response = self.pick_up(people["super_user"], ref)
        assert response.status_code == 302
        assert response.location == f"/reviews/{ref}"
        with app.app_context():
            assessment = Assessment.by_reference(ref)
            assert assessment.assigned_to_id == users["super_user"].id
            assert assessment.assigned_at is not None
            kinds = db.session.scalars(
                select(Event.kind).where(Event.assessment_id == assessment.id).order_by(Event.seq)
            ).all()
            assert kinds[-1] == "assigned"
        page = soup(people["super_user"].get("/reviews/"))
        assert banners(page) == [f"You have picked up {ref}."]
        assert table_rows(page)[0][6:] == ["Assigned to you", ""]
        assert table_rows(soup(people["super_user2"].get("/reviews/")))[0][6:] == [
            "Assigned to Sue Super",
            "",
        ]

    def test_an_eqia_someone_else_holds_cannot_be_picked_up(self, app, people, users, directorates):
        ref = submitted_eqia(app, users["lead"].id, directorates["place"])
        assign_to(app, ref, users["super_user2"].id)
        response = self.pick_up(people["super_user"], ref)
        assert response.location == "/reviews/"
        page = soup(people["super_user"].get("/reviews/"))
        assert banners(page) == ["Sam Second has already picked up this EqIA"]
        with app.app_context():
            assert Assessment.by_reference(ref).assigned_to_id == users["super_user2"].id

    def test_an_eqia_not_awaiting_sign_off_cannot_be_picked_up(
        self, app, people, users, directorates
    ):
        ref = submitted_eqia(app, users["lead"].id, directorates["place"])
        factories.decide(app, ref, users["super_user2"].id, DecisionKind.RETURNED)
        response = self.pick_up(people["super_user"], ref)
        assert response.location == "/reviews/"
        page = soup(people["super_user"].get("/reviews/"))
        assert banners(page) == ["This EqIA is returned, so it cannot be signed off now"]
        with app.app_context():
            assert Assessment.by_reference(ref).assigned_to_id is None

    def test_two_super_users_picking_up_at_the_same_moment(
        self, app, people, users, directorates, monkeypatch
    ):
        ref = submitted_eqia(app, users["lead"].id, directorates["place"])
        real_assign = workflow.assign

        def racing(assessment, by):
            # Sam picks it up, and commits, just after Sue's request has read the EqIA.
            with db.engine.begin() as connection:
                connection.execute(
                    update(Assessment.__table__)
                    .where(Assessment.__table__.c.id == assessment.id)
                    .values(
                        assigned_to_id=users["super_user2"].id,
                        assigned_at=datetime.now(UTC),
                        lock_version=Assessment.__table__.c.lock_version + 1,
                    )
                )
            real_assign(assessment, by)
            db.session.flush()

        monkeypatch.setattr(workflow, "assign", racing)
        response = self.pick_up(people["super_user"], ref)
        assert response.location == "/reviews/"
        page = soup(people["super_user"].get("/reviews/"))
        assert banners(page) == [
            f"Someone else picked up or changed {ref} at the same moment, so you have not "
            "picked it up. Check the queue to see who has it."
        ]
        assert table_rows(page)[0][6] == "Assigned to Sam Second"
        with app.app_context():
            assessment = Assessment.by_reference(ref)
            assert assessment.assigned_to_id == users["super_user2"].id
            assigned = db.session.scalars(
                select(Event).where(Event.assessment_id == assessment.id, Event.kind == "assigned")
            ).all()
            assert assigned == []

    def test_picking_up_needs_the_csrf_token(self, app, people, users, directorates):
        ref = submitted_eqia(app, users["lead"].id, directorates["place"])
        response = people["super_user"].post(f"/reviews/{ref}/assign")
        assert response.status_code == 400
        with app.app_context():
            assert Assessment.by_reference(ref).assigned_to_id is None

    def test_an_unknown_eqia_is_not_found(self, people):
        response = self.pick_up(people["super_user"], "EQIA-2020-9999")
        assert response.status_code == 404

    @pytest.mark.parametrize("who", ["lead", "auditor", "admin", "lead2"])
    def test_only_super_users_pick_up(self, app, people, users, directorates, who):
        ref = submitted_eqia(app, users["lead"].id, directorates["place"])
        token = soup(people[who].get("/")).select_one("input[name=csrf_token]")["value"]
        response = people[who].post(f"/reviews/{ref}/assign", data={"csrf_token": token})
        assert response.status_code == 403
        with app.app_context():
            assert Assessment.by_reference(ref).assigned_to_id is None


class TestDashboard:
    def sign_off(self, client) -> list[str]:
        section = soup(client.get("/")).select_one("section[aria-labelledby=sign-off]")
        return [text(p) for p in section.select("p")]

    def test_super_users_see_how_many_eqias_wait(self, app, people, users, directorates):
        assert self.sign_off(people["super_user"])[:2] == [
            "0 EqIAs are waiting for sign-off",
            "0 assigned to you",
        ]
        first = submitted_eqia(app, users["lead"].id, directorates["place"], "First")
        assert self.sign_off(people["super_user"])[:2] == [
            "1 EqIA is waiting for sign-off",
            "0 assigned to you",
        ]
        submitted_eqia(app, users["lead"].id, directorates["place"], "Second")
        submitted_eqia(app, users["super_user"].id, directorates["place"], "Their own")
        assign_to(app, first, users["super_user"].id)
        assert self.sign_off(people["super_user"])[:2] == [
            "2 EqIAs are waiting for sign-off",
            "1 assigned to you",
        ]
        assert self.sign_off(people["super_user2"])[:2] == [
            "3 EqIAs are waiting for sign-off",
            "0 assigned to you",
        ]
        link = soup(people["super_user"].get("/")).select_one("#sign-off ~ p a")
        assert link["href"] == "/reviews/"

    def test_leads_see_reviews_due_and_overdue(self, app, people, users, directorates):
        today = date.today()
        soon = submitted_eqia(app, users["lead"].id, directorates["place"], "Due soon")
        late = submitted_eqia(app, users["lead"].id, directorates["place"], "Overdue")
        later = submitted_eqia(app, users["lead"].id, directorates["place"], "Not yet due")
        shared = submitted_eqia(app, users["lead2"].id, directorates["place"], "Co-authored")
        theirs = submitted_eqia(app, users["lead2"].id, directorates["place"], "Not mine")
        with app.app_context():
            db.session.add(
                CoAuthor(
                    assessment_id=Assessment.by_reference(shared).id,
                    user_id=users["lead"].id,
                    added_by_id=users["lead2"].id,
                )
            )
            db.session.commit()
        for ref, due in (
            (soon, today + timedelta(days=30)),
            (late, today - timedelta(days=1)),
            (later, today + timedelta(days=31)),
            (shared, today),
            (theirs, today - timedelta(days=5)),
        ):
            factories.decide(
                app, ref, users["super_user"].id, DecisionKind.APPROVED, review_date=due
            )
        page = soup(people["lead"].get("/"))
        items = page.select("#reviews-due-list li")
        assert [text(item.select_one("a")) for item in items] == [
            f"{late}: Overdue",
            f"{shared}: Co-authored",
            f"{soon}: Due soon",
        ]
        assert [item.select_one("a")["href"] for item in items] == [
            f"/eqia/{late}",
            f"/eqia/{shared}",
            f"/eqia/{soon}",
        ]
        assert [text(item.select_one(".govuk-tag")) for item in items] == [
            "Review overdue",
            "Review due within 30 days",
            "Review due within 30 days",
        ]
        assert page.select_one("#returned") is None

    def test_nothing_due(self, people):
        page = soup(people["lead"].get("/"))
        assert page.select_one("#reviews-due-list") is None
        assert "None of your signed-off EqIAs is due for review in the next 30 days" in text(page)

    def test_leads_see_returned_eqias_to_act_on(self, app, people, users, directorates):
        ref = submitted_eqia(app, users["lead"].id, directorates["place"], "Needs work")
        other = submitted_eqia(app, users["lead2"].id, directorates["place"], "Not mine")
        factories.decide(app, ref, users["super_user"].id, DecisionKind.RETURNED)
        factories.decide(app, other, users["super_user"].id, DecisionKind.RETURNED)
        page = soup(people["lead"].get("/"))
        items = page.select("#returned-list li")
        assert [text(item) for item in items] == [f"{ref}: Needs work Returned with comments"]
        assert items[0].select_one("a")["href"] == f"/eqia/{ref}/tasks"
        headings = [text(h) for h in page.select("main h2")]
        assert headings == [
            "Your EqIAs",
            "Returned with comments",
            "Reviews due",
            "EDI action plan",
        ]

    def test_the_dashboard_runs_few_queries(self, app, people, users, directorates):
        for n in range(3):
            ref = submitted_eqia(app, users["lead"].id, directorates["place"], f"EqIA {n}")
            factories.decide(app, ref, users["super_user2"].id, DecisionKind.RETURNED)
        with counting_queries(app) as statements:
            assert people["lead"].get("/").status_code == 200
        assert len(statements) <= 4, statements

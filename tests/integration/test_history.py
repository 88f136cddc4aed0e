"""An EqIA's history: every event in plain words, saves collapsed, and every revision."""

import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from eqia import workflow
from eqia.assessments.history import timeline
from eqia.extensions import db
from eqia.models import Assessment, CoAuthor, DecisionKind, EventKind, Revision, Status, User
from tests import factories
from tests.conftest import sign_in_as
from tests.helpers import h1, queries_for, soup, table_rows, text, title
from tests.journeys import EVIDENCE, save, submitted_eqia

COMMENT = 'Say more about <b>older residents</b> & "carers".\n\nSecond paragraph <script>x</script>'
MESSAGE = "Ready for sign-off.\nThanks & regards"

WHAT, WHO, STATUS, DETAILS = 1, 2, 3, 4


@pytest.fixture
def lena(app, clients):
    """A co-author, signed in."""
    with app.app_context():
        user_id = factories.make_user("lena.second@example.org", "Lena Second").id
    clients["lead2"] = app.test_client()
    sign_in_as(clients["lead2"], user_id)
    return user_id


def act(app, ref: str, fn, user_id: int, *args, **kwargs):
    with app.app_context():
        result = fn(Assessment.by_reference(ref), db.session.get(User, user_id), *args, **kwargs)
        db.session.commit()
        return result


@pytest.fixture
def story(app, clients, users, directorate_id) -> str:
    """Submitted, picked up, returned, corrected, resubmitted, signed off, reviewed."""
    ref = submitted_eqia(app, users["lead"].id, directorate_id, "Library hours", message=MESSAGE)
    act(app, ref, workflow.assign, users["super_user"].id)
    act(
        app,
        ref,
        workflow.decide,
        users["super_user"].id,
        DecisionKind.RETURNED,
        revision_number=1,
        comment=COMMENT,
    )
    save(clients["lead"], ref, "screening", {"could_affect": "no", "no_effect_reason": "IT"})
    act(app, ref, factories.submit, users["lead"].id)
    act(
        app,
        ref,
        workflow.decide,
        users["super_user"].id,
        DecisionKind.APPROVED,
        revision_number=2,
        comment="Clear and proportionate",
    )
    act(app, ref, workflow.start_review, users["lead"].id)
    return ref


def history_rows(client, ref: str) -> list[list[str]]:
    return table_rows(soup(client.get(f"/eqia/{ref}/history")), "#history")


class TestHistory:
    def test_every_event_in_plain_words_in_order(self, clients, story):
        page = soup(clients["lead"].get(f"/eqia/{story}/history"))
        assert h1(page) == "History of Library hours"
        assert title(page).startswith("History – Library hours – ")
        rows = table_rows(page, "#history")
        assert [(r[WHAT], r[WHO], r[STATUS]) for r in rows] == [
            ("Created", "Lee Lead", "Draft"),
            ("Saved 3 sections", "Lee Lead", ""),
            ("Submitted for sign-off", "Lee Lead", "Draft to Awaiting sign-off"),
            ("Picked up for review", "Sue Super", ""),
            ("Returned with comments", "Sue Super", "Awaiting sign-off to Returned"),
            ("Saved 1 section", "Lee Lead", ""),
            ("Resubmitted", "Lee Lead", "Returned to Awaiting sign-off"),
            ("Signed off", "Sue Super", "Awaiting sign-off to Signed off"),
            ("Review started", "Lee Lead", "Signed off to Draft"),
        ]
        assert rows[1][DETAILS] == "Screening About the proposal Outcome"
        assert rows[5][DETAILS] == "Screening"
        assert rows[2][DETAILS] == "Ready for sign-off. Thanks & regards"
        assert rows[7][DETAILS] == "Clear and proportionate"
        # When, in UK time, in GOV.UK style.
        assert re.fullmatch(r"\d{1,2} \w+ \d{4} at \d{1,2}:\d{2}(am|pm)", rows[0][0])

    def test_notes_are_shown_exactly_as_typed(self, clients, story):
        response = clients["lead"].get(f"/eqia/{story}/history")
        page = soup(response)
        cell = page.select("#history tbody tr")[4].select("td, th")[DETAILS]
        assert cell.get_text().strip() == COMMENT.replace("\n", "")
        assert len(cell.select("br")) == 2
        assert cell.select("b, script") == []
        html = response.get_data(as_text=True)
        assert "&lt;b&gt;older residents&lt;/b&gt;" in html
        assert "<script>x</script>" not in html

    def test_every_revision_with_its_hash_and_decision(self, app, clients, story):
        page = soup(clients["lead"].get(f"/eqia/{story}/history"))
        rows = table_rows(page, "#revision-list")
        with app.app_context():
            hashes = db.session.scalars(
                select(Revision.content_hash).order_by(Revision.number)
            ).all()
        assert [row[0] for row in rows] == ["1", "2"]
        assert all(row[1].endswith(" by Lee Lead") for row in rows)
        assert [row[2] for row in rows] == hashes
        codes = page.select("#revision-list code.eqia-hash")
        assert [c.get_text() for c in codes] == hashes
        assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes)
        assert rows[0][3].startswith("Returned by Sue Super, Officer, on ")
        assert rows[1][3].startswith("Signed off by Sue Super, Officer, on ")

    def test_a_revision_awaiting_a_decision(self, app, clients, users, directorate_id):
        ref = submitted_eqia(app, users["lead"].id, directorate_id)
        rows = table_rows(soup(clients["super_user"].get(f"/eqia/{ref}/history")), "#revision-list")
        assert [row[3] for row in rows] == ["No decision yet"]

    def test_a_draft_has_no_revisions_yet(self, app, clients, users):
        with app.app_context():
            ref = factories.make_assessment(db.session.get(User, users["lead"].id)).reference
        page = soup(clients["lead"].get(f"/eqia/{ref}/history"))
        assert page.select_one("#revision-list") is None
        assert "This EqIA has not been submitted yet, so it has no revisions." in text(page)
        assert [r[WHAT] for r in table_rows(page, "#history")] == ["Created"]

    def test_each_persons_saves_are_collapsed(self, app, clients, users, lena):
        with app.app_context():
            assessment = factories.make_assessment(db.session.get(User, users["lead"].id))
            ref = assessment.reference
            assessment.co_authors.append(CoAuthor(user_id=lena, added_by_id=users["lead"].id))
            db.session.commit()
        save(clients["lead"], ref, "screening", {"could_affect": "yes"})
        save(clients["lead2"], ref, "screening", {"could_affect": "no", "no_effect_reason": "x"})
        save(clients["lead"], ref, "screening", {"could_affect": "yes"})
        save(clients["lead"], ref, "evidence", EVIDENCE)
        rows = history_rows(clients["lead"], ref)
        assert [(r[WHAT], r[WHO], r[DETAILS]) for r in rows] == [
            ("Created", "Lee Lead", "Changes to library opening hours"),
            ("Saved 2 sections", "Lee Lead", "Screening Evidence and engagement"),
            ("Saved 1 section", "Lena Second", "Screening"),
        ]

    def test_the_view_page_links_to_the_history(self, clients, story):
        page = soup(clients["lead"].get(f"/eqia/{story}"))
        link = next(a for a in page.select("main a") if text(a).startswith("View history"))
        assert link["href"] == f"/eqia/{story}/history"

    def test_the_page_runs_a_fixed_number_of_queries(self, app, clients, users, directorate_id):
        def count(ref) -> int:
            return queries_for(app, clients["lead"], f"/eqia/{ref}/history")

        ref = submitted_eqia(app, users["lead"].id, directorate_id)
        before = count(ref)
        act(app, ref, workflow.assign, users["super_user"].id)
        act(
            app,
            ref,
            workflow.decide,
            users["super_user"].id,
            DecisionKind.RETURNED,
            revision_number=1,
            comment="More",
        )
        save(clients["lead"], ref, "screening", {"could_affect": "no", "no_effect_reason": "IT"})
        act(app, ref, factories.submit, users["lead"].id)
        assert count(ref) == before


class TestAccess:
    @pytest.mark.parametrize(
        "who, expected",
        [("anonymous", 302), ("lead", 200), ("lead2", 403), ("super_user", 200), ("auditor", 200)],
    )
    def test_a_draft_history_is_for_its_authors_and_privileged_readers(
        self, app, clients, users, lena, who, expected
    ):
        with app.app_context():
            ref = factories.make_assessment(db.session.get(User, users["lead"].id)).reference
        assert clients[who].get(f"/eqia/{ref}/history").status_code == expected

    def test_another_member_of_staff_cannot_read_the_history_awaiting_sign_off(
        self, app, clients, users, lena, directorate_id
    ):
        ref = submitted_eqia(app, users["lead"].id, directorate_id)
        assert clients["lead2"].get(f"/eqia/{ref}/history").status_code == 403
        assert clients["super_user"].get(f"/eqia/{ref}/history").status_code == 200

    def test_an_unknown_eqia_is_not_found(self, clients):
        assert clients["lead"].get("/eqia/EQIA-2020-9999/history").status_code == 404


def _event(seq, kind, actor, at, note="", from_status=None, to_status=None):
    """An audit event as the database reads one back."""
    return SimpleNamespace(
        seq=seq,
        kind=EventKind(kind),
        actor=actor,
        actor_id=actor.id if actor else None,
        created_at=at,
        note=note,
        from_status=Status(from_status) if from_status else None,
        to_status=Status(to_status) if to_status else None,
        revision=1,
    )


class TestTimeline:
    """How saves are grouped: per person, per UK day, never across another event."""

    lee = SimpleNamespace(id=1, name="Lee Lead")
    lena = SimpleNamespace(id=2, name="Lena Second")

    def test_saves_group_by_uk_day(self):
        # 23:30 UTC on 1 July is 00:30 on 2 July in London (BST).
        events = [
            _event(1, "saved", self.lee, datetime(2026, 7, 1, 22, 0, tzinfo=UTC), "About"),
            _event(2, "saved", self.lee, datetime(2026, 7, 1, 22, 40, tzinfo=UTC), "Who"),
            _event(3, "saved", self.lee, datetime(2026, 7, 1, 23, 30, tzinfo=UTC), "Aims"),
            _event(4, "saved", self.lee, datetime(2026, 7, 2, 8, 0, tzinfo=UTC), "Aims"),
        ]
        entries = timeline(events)
        assert [(e.what, e.sections) for e in entries] == [
            ("Saved 2 sections", ["About", "Who"]),
            ("Saved 1 section", ["Aims"]),
        ]
        assert entries[0].until_time == "11:40pm"
        assert entries[1].until_time == "9:00am"

    def test_another_event_ends_a_group(self):
        day = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        events = [
            _event(1, "saved", self.lee, day, "About"),
            _event(2, "saved", self.lena, day, "Who"),
            _event(3, "saved", self.lee, day, "Aims"),
            _event(4, "submitted", self.lee, day, "Please", "draft", "submitted"),
            _event(5, "saved", self.lee, day, "About"),
            _event(6, "co_author_added", None, day, "Lena Second (lena@example.org)"),
            _event(7, "withdrawn", self.lee, day),
        ]
        entries = timeline(events)
        assert [(e.what, e.who, e.sections) for e in entries] == [
            ("Saved 2 sections", "Lee Lead", ["About", "Aims"]),
            ("Saved 1 section", "Lena Second", ["Who"]),
            ("Submitted for sign-off", "Lee Lead", []),
            ("Saved 1 section", "Lee Lead", ["About"]),
            ("Co-author added", "The system", []),
            ("Withdrawn", "Lee Lead", []),
        ]
        assert entries[2].status_change == "Draft to Awaiting sign-off"
        assert entries[0].until_time == ""

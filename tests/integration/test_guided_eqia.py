"""A lead completes an EqIA: start, every section and rule, check answers, submit."""

import pytest
from sqlalchemy import select

from eqia import sections
from eqia.extensions import db
from eqia.models import Assessment, Characteristic, Event, EventKind, Revision, Status
from eqia.sections import completeness
from tests import factories
from tests.conftest import sign_in_as
from tests.helpers import (
    banners,
    error_summary,
    form_token,
    h1,
    queries_for,
    soup,
    submit,
    table_rows,
    text,
    title,
)
from tests.journeys import ABOUT, ACTION, NEGATIVE, NEUTRAL, OUTCOME, complete, save


@pytest.fixture
def codes(app):
    with app.app_context():
        return [c.code for c in Characteristic.active_in_order()]


def task_statuses(client, ref) -> dict[str, str]:
    page = soup(client.get(f"/eqia/{ref}/tasks"))
    statuses = {}
    for item in page.select(".govuk-task-list__item"):
        name = item.select_one(
            ".govuk-task-list__name-and-hint > a, "
            ".govuk-task-list__name-and-hint > div:not(.govuk-task-list__hint)"
        )
        number_and_title = name.get_text(strip=True)
        statuses[number_and_title.split(". ", 1)[1]] = item.select_one(
            ".govuk-task-list__status"
        ).get_text(strip=True)
    return statuses


class TestStart:
    def test_start_gives_a_reference_and_a_task_list(self, clients):
        response = submit(
            clients["lead"], "/eqia/start", {"title": "Changes to library opening hours"}
        )
        ref = response.location.split("/")[2]
        assert ref.startswith("EQIA-20") and ref.endswith("-0001")
        assert banners(soup(clients["lead"].get(response.location))) == [
            f"{ref} has been started. Your answers are saved as you go."
        ]
        page = soup(clients["lead"].get(f"/eqia/{ref}/tasks"))
        assert h1(page) == "Changes to library opening hours"
        assert "You have completed 0 of 9 sections" in page.get_text()

    def test_references_are_sequential(self, clients, ref):
        second = submit(clients["lead"], "/eqia/start", {"title": "Hybrid working policy"})
        assert second.location.split("/")[2] == ref[:-4] + "0002"

    def test_a_title_is_needed(self, clients):
        response = submit(clients["lead"], "/eqia/start", {"title": "   "})
        assert error_summary(soup(response)) == ["Enter the title of the proposal"]

    def test_a_started_eqia_is_in_your_eqias(self, clients, ref):
        rows = table_rows(soup(clients["lead"].get("/eqia/")))
        assert rows[0][:3] == [ref, "Changes to library opening hours", "Draft"]
        assert rows[0][4] == "Complete the sections and submit"


class TestTaskList:
    def test_everything_waits_for_the_screening(self, clients, ref):
        statuses = task_statuses(clients["lead"], ref)
        assert statuses["Screening"] == "Not yet started"
        assert statuses["About the proposal"] == "Cannot start yet"

    def test_statuses_follow_the_answers(self, clients, ref, directorate_id):
        lead = clients["lead"]
        save(lead, ref, "screening", {"could_affect": "yes"})
        save(lead, ref, "about", {"title": "Half done", "save_later": "later"})
        statuses = task_statuses(lead, ref)
        assert statuses["Screening"] == "Completed"
        assert statuses["About the proposal"] == "In progress"
        assert statuses["Who it affects"] == "Not yet started"
        assert statuses["Actions"] == "Cannot start yet"

    def test_screening_route_has_three_sections(self, clients, ref):
        lead = clients["lead"]
        save(
            lead,
            ref,
            "screening",
            {"could_affect": "no", "no_effect_reason": "An internal IT upgrade"},
        )
        page = soup(lead.get(f"/eqia/{ref}/tasks"))
        assert "You have completed 1 of 3 sections" in page.get_text()
        assert list(task_statuses(lead, ref)) == ["Screening", "About the proposal", "Outcome"]


class TestRules:
    @pytest.mark.parametrize(
        "key, data, expected",
        [
            ("screening", {}, ["Select yes if the proposal could affect people differently"]),
            (
                "screening",
                {"could_affect": "no"},
                ["Explain why the proposal could not affect people differently"],
            ),
            (
                "impacts/age",
                {},
                ["Select the likely impact", "Describe the evidence for the impact"],
            ),
            (
                "impacts/age",
                {"kinds": ["negative"], "evidence": "e"},
                [
                    "Describe how you will mitigate the negative impact",
                    "Select the impact that will remain after mitigation",
                ],
            ),
            (
                "impacts/age",
                {"kinds": ["not_known"], "evidence": "e"},
                ["Explain how you will find out what the impact is"],
            ),
            (
                "impacts/age",
                {"kinds": ["neutral", "positive"], "evidence": "e"},
                ["Select neutral on its own, or select the impacts you expect"],
            ),
            (
                "impacts/age",
                {"kinds": ["tomorrow"], "evidence": "e"},
                ["'tomorrow' is not a valid choice for this field."],
            ),
            (
                "outcome",
                {**OUTCOME, "outcome": "continue"},
                ["Explain why continuing is proportionate and objectively justified"],
            ),
            (
                "outcome",
                {**OUTCOME, "outcome": "stop"},
                ["Explain why the proposal must stop and be removed"],
            ),
            (
                "outcome",
                {**OUTCOME, "review_date": ["1", "1", "2020"]},
                ["The review date must be in the future"],
            ),
            (
                "outcome",
                {**OUTCOME, "review_date": ["31", "2", "2030"]},
                ["Review date must be a real date"],
            ),
            (
                "outcome",
                {**OUTCOME, "review_date": ["tomorrow", "", ""]},
                ["Review date must include a month and a year"],
            ),
            (
                "outcome",
                {**OUTCOME, "summary": "x" * 10_001},
                ["Summary must be 10,000 characters or fewer"],
            ),
        ],
    )
    def test_each_rule_has_its_message_and_keeps_what_was_typed(
        self, clients, ref, directorate_id, key, data, expected
    ):
        lead = clients["lead"]
        if key != "screening":
            save(lead, ref, "screening", {"could_affect": "yes"})
        response = save(lead, ref, key, data, expect_errors=True)
        page = soup(response)
        assert response.status_code == 200
        assert error_summary(page) == expected
        assert title(page).startswith("Error: ")
        if "evidence" in data:
            assert page.select_one("textarea[name=evidence]").get_text() == data["evidence"]

    def test_a_negative_impact_needs_an_action(self, clients, ref, codes, directorate_id):
        lead = clients["lead"]
        save(lead, ref, "screening", {"could_affect": "yes"})
        save(lead, ref, "impacts/age", NEGATIVE)
        response = submit(lead, f"/eqia/{ref}/actions", {"add_another": "no"})
        assert error_summary(soup(response)) == [
            "Add at least one action, because you found a negative impact"
        ]

    def test_due_date_not_before_start(self, clients, ref):
        response = submit(
            clients["lead"],
            f"/eqia/{ref}/actions/new",
            {"version": "0", **ACTION, "due_date": ["1", "1", "2027"]},
        )
        assert error_summary(soup(response)) == [
            "The due date must be the same as or after the start date"
        ]

    def test_save_and_come_back_later_keeps_half_answers(self, app, clients, ref):
        lead = clients["lead"]
        save(lead, ref, "screening", {"could_affect": "yes"})
        response = save(lead, ref, "about", {"title": "Only a title", "save_later": "later"})
        assert response.location == f"/eqia/{ref}/tasks"
        page = soup(lead.get(f"/eqia/{ref}/questions/about"))
        assert page.select_one("input[name=title]")["value"] == "Only a title"

    def test_save_later_still_refuses_over_long_text(self, clients, ref):
        lead = clients["lead"]
        save(lead, ref, "screening", {"could_affect": "yes"})
        response = save(
            lead, ref, "about", {"title": "x" * 301, "save_later": "later"}, expect_errors=True
        )
        assert error_summary(soup(response)) == [
            "Title of the proposal must be 300 characters or fewer"
        ]

    def test_retired_or_unknown_characteristics_have_no_page(self, app, clients, ref):
        lead = clients["lead"]
        save(lead, ref, "screening", {"could_affect": "yes"})
        with app.app_context():
            db.session.scalar(
                select(Characteristic).where(Characteristic.code == "carers")
            ).active = False
            db.session.commit()
        assert lead.get(f"/eqia/{ref}/questions/impacts/carers").status_code == 404
        assert lead.get(f"/eqia/{ref}/questions/impacts/unicorns").status_code == 404


class TestTextComesBackAsTyped:
    TEXT = (
        "Zażółć gęślą jaźń — Łódź · Ελληνικά · Кириллица · <b>not bold</b> & "
        '<script>alert(1)</script> O\'Brien "quoted" 😀 مرحبا'
    )

    def test_in_the_form_check_answers_and_view(self, clients, ref, directorate_id, codes):
        lead = clients["lead"]
        save(lead, ref, "screening", {"could_affect": "yes"})
        save(lead, ref, "evidence", {"data_used": self.TEXT, "gaps": "x", "engagement_done": "y"})
        page = soup(lead.get(f"/eqia/{ref}/questions/evidence"))
        assert page.select_one("textarea[name=data_used]").get_text() == self.TEXT
        body = lead.get(f"/eqia/{ref}").get_data(as_text=True)
        assert "<script>alert(1)</script>" not in body
        values = [
            dd.get_text()
            for dd in soup(lead.get(f"/eqia/{ref}")).select(".govuk-summary-list__value")
        ]
        assert any(v.strip() == self.TEXT for v in values)

    def test_a_10000_character_answer_survives(self, clients, ref):
        lead = clients["lead"]
        text = ("Evidence line with & and <tags>. " * 400)[:10_000]
        save(lead, ref, "screening", {"could_affect": "yes"})
        save(lead, ref, "evidence", {"data_used": text, "gaps": "x", "engagement_done": "y"})
        page = soup(lead.get(f"/eqia/{ref}/questions/evidence"))
        assert page.select_one("textarea[name=data_used]").get_text() == text


class TestAccess:
    @pytest.fixture
    def lead2(self, app, clients):
        with app.app_context():
            other_id = factories.make_user("lead2@example.org", "Tom Okafor").id
        client = app.test_client()
        sign_in_as(client, other_id)
        return client

    @pytest.mark.parametrize("path", ["", "/tasks", "/questions/screening", "/check", "/actions"])
    def test_another_lead_cannot_read_or_change_a_draft(self, lead2, ref, path):
        assert lead2.get(f"/eqia/{ref}{path}").status_code == 403

    def test_another_lead_cannot_post_to_a_draft(self, lead2, ref):
        page = soup(lead2.get("/eqia/start"))
        token = page.select_one("input[name=csrf_token]")["value"]
        response = lead2.post(
            f"/eqia/{ref}/questions/screening",
            data={"csrf_token": token, "could_affect": "yes", "version": "0"},
        )
        assert response.status_code == 403

    def test_an_unknown_reference_is_not_found(self, clients):
        assert clients["lead"].get("/eqia/EQIA-2026-9999/tasks").status_code == 404
        assert clients["lead"].get("/eqia/<script>/tasks").status_code == 404

    @pytest.mark.parametrize("who", ["super_user", "auditor", "admin"])
    def test_privileged_roles_read_drafts_but_do_not_edit(self, clients, ref, who):
        assert clients[who].get(f"/eqia/{ref}").status_code == 200
        assert clients[who].get(f"/eqia/{ref}/tasks").status_code == 403


class TestConflicts:
    def test_the_second_save_is_told_and_nothing_is_lost(self, app, clients, ref):
        lead = clients["lead"]
        save(lead, ref, "screening", {"could_affect": "yes"})
        url = f"/eqia/{ref}/questions/evidence"
        first_tab = soup(lead.get(url))
        second_tab = soup(lead.get(url))
        base = {"gaps": "x", "engagement_done": "y"}
        lead.post(
            url,
            data={
                "csrf_token": first_tab.select_one("input[name=csrf_token]")["value"],
                "version": first_tab.select_one("input[name=version]")["value"],
                "data_used": "First tab's evidence",
                **base,
            },
        )
        response = lead.post(
            url,
            data={
                "csrf_token": second_tab.select_one("input[name=csrf_token]")["value"],
                "version": second_tab.select_one("input[name=version]")["value"],
                "data_used": "Second tab's evidence",
                **base,
            },
        )
        page = soup(response)
        assert response.status_code == 200
        banner = page.select_one(".govuk-notification-banner").get_text(" ", strip=True)
        assert "Someone else saved changes to this page" in banner
        assert "First tab's evidence" in banner
        assert page.select_one("textarea[name=data_used]").get_text() == "Second tab's evidence"
        # saving again, knowingly, keeps the second person's answers
        response = lead.post(
            url,
            data={
                "csrf_token": page.select_one("input[name=csrf_token]")["value"],
                "version": page.select_one("input[name=version]")["value"],
                "data_used": "Second tab's evidence",
                **base,
            },
        )
        assert response.status_code == 302
        assert soup(lead.get(url)).select_one("textarea[name=data_used]").get_text() == (
            "Second tab's evidence"
        )


class TestSubmit:
    def test_a_complete_eqia_is_submitted_as_a_frozen_revision(
        self, app, clients, ref, codes, directorate_id
    ):
        lead = clients["lead"]
        complete(lead, ref, codes, directorate_id)
        page = soup(lead.get(f"/eqia/{ref}/check"))
        assert h1(page) == "Check your answers before submitting your EqIA"
        change = page.select_one("a[href*='questions/about']")
        assert change["href"].endswith("?return=check")
        response = submit(
            lead,
            f"/eqia/{ref}/check",
            {"declaration": ["agreed"], "super_user_id": "", "message": "Please"},
        )
        assert response.location == f"/eqia/{ref}/submitted"
        with app.app_context():
            assessment = Assessment.by_reference(ref)
            assert assessment.status is Status.SUBMITTED
            revision = db.session.scalar(select(Revision))
            assert revision.number == 1 and len(revision.content_hash) == 64
            titles = [s["title"] for s in revision.snapshot["sections"]]
            assert titles[0] == "Screening" and titles[-1] == "Outcome"
            events = [
                (e.kind, e.from_status, e.to_status)
                for e in db.session.scalars(select(Event).order_by(Event.seq))
            ]
            assert events[0] == ("created", None, "draft")
            assert events[-1] == ("submitted", "draft", "submitted")
        # read-only to its authors now
        refused = lead.get(f"/eqia/{ref}/questions/about")
        assert refused.status_code == 409
        assert "It is waiting for sign-off" in text(soup(refused))
        assert lead.get(f"/eqia/{ref}").status_code == 200

    def test_an_eqia_awaiting_sign_off_is_read_by_its_authors_and_reviewers_only(
        self, app, clients, ref, codes, directorate_id
    ):
        complete(clients["lead"], ref, codes, directorate_id)
        submit(clients["lead"], f"/eqia/{ref}/check", {"declaration": ["agreed"]})
        with app.app_context():
            other_id = factories.make_user("colleague@example.org").id
        client = app.test_client()
        sign_in_as(client, other_id)
        assert client.get(f"/eqia/{ref}").status_code == 403
        for who in ("lead", "super_user", "auditor"):
            assert clients[who].get(f"/eqia/{ref}").status_code == 200, who

    def test_an_incomplete_eqia_lists_what_is_missing(self, app, clients, ref):
        lead = clients["lead"]
        save(lead, ref, "screening", {"could_affect": "yes"})
        page = soup(lead.get(f"/eqia/{ref}/check"))
        missing = [a.get_text(strip=True) for a in page.select(".govuk-error-summary a")]
        assert missing[:2] == ["1. About the proposal", "2. Who it affects"]
        assert page.select_one("input[name=declaration]") is None
        token = soup(lead.get("/eqia/start")).select_one("input[name=csrf_token]")["value"]
        response = lead.post(
            f"/eqia/{ref}/check", data={"csrf_token": token, "declaration": ["agreed"]}
        )
        assert "You cannot submit this EqIA yet" in response.get_data(as_text=True)
        with app.app_context():
            assert Assessment.by_reference(ref).status is Status.DRAFT

    def test_the_declaration_is_needed(self, clients, ref, codes, directorate_id):
        complete(clients["lead"], ref, codes, directorate_id)
        response = submit(clients["lead"], f"/eqia/{ref}/check", {"message": "x"})
        assert error_summary(soup(response)) == ["Confirm the declaration to submit the EqIA"]

    def test_screening_route_submits(self, app, clients, ref, directorate_id):
        lead = clients["lead"]
        save(lead, ref, "screening", {"could_affect": "no", "no_effect_reason": "Internal IT"})
        save(lead, ref, "about", {**ABOUT, "directorate_id": str(directorate_id)})
        save(lead, ref, "outcome", {**OUTCOME, "outcome": "no-major-change"})
        submit(lead, f"/eqia/{ref}/check", {"declaration": ["agreed"]})
        with app.app_context():
            revision = db.session.scalar(select(Revision))
            assert revision.snapshot["route"] == "screening"
            assert [s["slug"] for s in revision.snapshot["sections"]] == [
                "screening",
                "about",
                "outcome",
            ]

    def test_withdraw(self, app, clients, ref):
        response = submit(clients["lead"], f"/eqia/{ref}/withdraw", {"reason": "Not going ahead"})
        assert response.location == f"/eqia/{ref}"
        with app.app_context():
            assert Assessment.by_reference(ref).status is Status.WITHDRAWN

    def test_submitting_judges_each_section_once(
        self, app, clients, ref, codes, directorate_id, monkeypatch
    ):
        lead = clients["lead"]
        complete(lead, ref, codes, directorate_id)
        url = f"/eqia/{ref}/check"
        page = soup(lead.get(url))
        judged = []
        original = completeness.status

        def counted(section, *args):
            judged.append(section.slug)
            return original(section, *args)

        monkeypatch.setattr(completeness, "status", counted)
        response = lead.post(url, data={"csrf_token": form_token(page), "declaration": "agreed"})
        assert response.location == f"/eqia/{ref}/submitted"
        assert judged == [s.slug for s in sections.SECTIONS], "once per section, not per use"

    def test_a_refused_move_gets_a_page_saying_why_and_changes_nothing(self, app, clients, ref):
        submit(clients["lead"], f"/eqia/{ref}/withdraw", {"reason": "Not going ahead"})
        response = submit(clients["lead"], f"/eqia/{ref}/withdraw", {"reason": "Again"})
        assert response.status_code == 409
        page = soup(response)
        assert h1(page) == "This change has not been made"
        assert "This EqIA is withdrawn, so it cannot be withdrawn" in text(page)
        with app.app_context():
            kinds = [e.kind for e in db.session.scalars(select(Event).order_by(Event.seq))]
            assert kinds.count(EventKind.WITHDRAWN) == 1


class TestQueryCounts:
    """Pages run a fixed number of queries, however many EqIAs, impacts or actions exist."""

    def count(self, app, client, url) -> int:
        return queries_for(app, client, url)

    def test_pages_do_not_grow_with_data(self, app, clients, users, ref, codes, directorate_id):
        lead = clients["lead"]
        save(lead, ref, "screening", {"could_affect": "yes"})
        save(lead, ref, "impacts/age", NEGATIVE)
        submit(lead, f"/eqia/{ref}/actions/new", {"version": "0", **ACTION})
        urls = [
            f"/eqia/{ref}/tasks",
            f"/eqia/{ref}/questions/impacts/race",
            f"/eqia/{ref}/check",
            f"/eqia/{ref}/actions",
            "/eqia/",
            f"/eqia/{ref}",
        ]
        before = {url: self.count(app, lead, url) for url in urls}
        for code in codes:
            save(lead, ref, f"impacts/{code}", NEGATIVE if code == "age" else NEUTRAL)
        for _ in range(5):
            submit(lead, f"/eqia/{ref}/actions/new", {"version": "0", **ACTION})
        with app.app_context():
            from eqia.models import User

            owner = db.session.get(User, users["lead"].id)
            for n in range(10):
                factories.make_assessment(owner, f"Another {n}")
        after = {url: self.count(app, lead, url) for url in urls}
        assert after == before

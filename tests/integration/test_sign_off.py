"""Sign-off: the review page, returning and resubmitting, approval, the review cycle."""

import threading

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from eqia import workflow
from eqia.errors import NotAllowed
from eqia.extensions import db
from eqia.models import (
    Assessment,
    CoAuthor,
    Decision,
    Event,
    Objective,
    Status,
    User,
)
from eqia.models.catalogue import Characteristic
from tests import factories
from tests.conftest import sign_in_as
from tests.helpers import (
    banners,
    csrf_token,
    error_summary,
    soup,
    submit,
    table_rows,
    text,
)
from tests.journeys import complete, save

COMMENT = 'Say who the <b>evidence</b> covers & why — «Zażółć» 😀 <script>alert("x")</script>'


@pytest.fixture
def ref(app, clients, once):
    """A complete EqIA, submitted by the lead to the pool."""

    def build():
        with app.app_context():
            directorate_id = factories.make_directorate("Place & Sustainability").id
            codes = [c.code for c in Characteristic.active_in_order()]
            objective_id = db.session.scalar(select(Objective.id).order_by(Objective.number))
        lead = clients["lead"]
        response = submit(lead, "/eqia/start", {"title": "Changes to library opening hours"})
        ref = response.location.split("/")[2]
        complete(lead, ref, codes, directorate_id)
        save(
            lead,
            ref,
            "objectives",
            {"objectives": [str(objective_id)], f"how_{objective_id}": "Saturday opening"},
        )
        response = submit(lead, f"/eqia/{ref}/check", {"declaration": ["agreed"]})
        assert response.status_code == 302, error_summary(soup(response))
        return ref

    return once(build)


def task_status(page, title: str) -> str:
    item = next(i for i in page.select(".govuk-task-list__item") if title in text(i))
    return text(item.select_one(".govuk-task-list__status"))


def review_data(page, decision: str, comment: str = "", **ratings) -> dict:
    """Every section acceptable unless named, every objective link confirmed."""
    data = {"csrf_token": csrf_token(page), "decision": decision, "comment": comment}
    data["revision"] = page.select_one("input[name=revision]")["value"]
    for radio in page.select("input[type=radio][name^=rating_]"):
        data[radio["name"]] = ratings.get(radio["name"].removeprefix("rating_"), "acceptable")
    for radio in page.select("input[type=radio][name^=objective_]"):
        data[radio["name"]] = "yes"
    return data


def decide(client, ref, decision, comment="", **ratings):
    page = soup(client.get(f"/reviews/{ref}"))
    return client.post(f"/reviews/{ref}", data=review_data(page, decision, comment, **ratings))


def decisions(app, ref) -> list[Decision]:
    with app.app_context():
        assessment = Assessment.by_reference(ref)
        return list(
            db.session.scalars(select(Decision).where(Decision.assessment_id == assessment.id))
        )


def state(app, ref) -> Status:
    with app.app_context():
        return Assessment.by_reference(ref).status


class TestReturnResubmitApprove:
    def test_the_lead_sees_what_to_fix_and_the_reviewer_sees_what_changed(self, app, clients, ref):
        lead, sue = clients["lead"], clients["super_user"]
        response = decide(
            sue, ref, "returned", "Please look again at the evidence", evidence="to-be-fixed"
        )
        assert response.status_code == 302, error_summary(soup(response))
        assert state(app, ref) is Status.RETURNED

        tasks = soup(lead.get(f"/eqia/{ref}/tasks"))
        assert any(
            "Sue Super returned revision 1" in b and "Please look again" in b
            for b in banners(tasks)
        )
        hints = [text(h) for h in tasks.select(".govuk-task-list__hint")]
        assert "Super user: To be fixed" in " ".join(hints)
        section = soup(lead.get(f"/eqia/{ref}/questions/evidence"))
        assert "To be fixed" in text(section.select_one(".govuk-inset-text"))

        save(
            lead,
            ref,
            "evidence",
            {
                "data_used": "Visit counts by hour and by age band",
                "gaps": "None",
                "engagement_done": "Six-week consultation",
            },
        )
        assert submit(lead, f"/eqia/{ref}/check", {"declaration": ["agreed"]}).status_code == 302

        page = soup(sue.get(f"/reviews/{ref}"))
        changed = table_rows(page, "#changes-evidence")
        assert any(
            "Visit counts by hour, 2022 to 2023" in r[1] and "by age band" in r[2]
            for r in changed
            if len(r) == 3
        )
        assert "Earlier evaluation: To be fixed" in text(page)

        assert decide(sue, ref, "approved", "Well evidenced now").status_code == 302
        view = soup(lead.get(f"/eqia/{ref}"))
        block = view.select_one("#clearance")
        # A region named by its heading, so a screen reader can find the text to copy.
        assert block["role"] == "region"
        assert text(view.select_one("#" + block["aria-labelledby"])) == (
            "Text for your committee report"
        )
        clearance = text(block)
        assert (
            "Have the equality and diversity implications been cleared by your EqIA Super User?"
            " Yes." in clearance
        )
        assert "Name of Officer: Sue Super" in clearance
        assert ref in clearance and "revision 2" in clearance

        kinds = [e[0] for e in db_events(app, ref)]
        assert kinds[-4:] == ["returned", "saved", "resubmitted", "approved"]
        found = decisions(app, ref)
        assert [(d.kind, d.reviewer_name) for d in found] == [
            ("returned", "Sue Super"),
            ("approved", "Sue Super"),
        ]
        with app.app_context():
            assessment = Assessment.by_reference(ref)
            assert assessment.approved_revision.number == 2
            assert found[1].content_hash == assessment.approved_revision.content_hash
            assert [link.confirmed for link in assessment.objective_links] == [True]

    def test_an_approved_eqia_is_read_only(self, app, clients, ref):
        assert decide(clients["super_user"], ref, "approved").status_code == 302
        response = clients["lead"].get(f"/eqia/{ref}/questions/about")
        assert response.status_code == 409
        assert "has been signed off" in text(soup(response))

    def test_comments_come_back_exactly_as_typed(self, app, clients, ref):
        decide(clients["super_user"], ref, "returned", COMMENT, about="to-be-fixed")
        page = soup(clients["lead"].get(f"/eqia/{ref}/tasks"))
        assert COMMENT in " ".join(banners(page))
        assert not page.select("b") and "alert" not in " ".join(
            s.text for s in page.select("script")
        )


def db_events(app, ref) -> list[tuple]:
    with app.app_context():
        assessment = Assessment.by_reference(ref)
        query = select(Event.kind, Event.note).where(Event.assessment_id == assessment.id)
        return list(db.session.execute(query.order_by(Event.seq)))


class TestBadDecisions:
    @pytest.mark.parametrize(
        "decision, comment, ratings, field, message",
        [
            ("", "", {}, "decision", "Select whether to approve the EqIA or return it"),
            (
                "approved",
                "",
                {"impacts": "to-be-fixed"},
                "decision",
                "You cannot approve the EqIA while section 4 is to be fixed",
            ),
            (
                "returned",
                "",
                {},
                "comment",
                "To return the EqIA, mark a section as to be fixed or write a comment",
            ),
            (
                "returned",
                "x" * 1_000_000,
                {},
                "comment",
                "Your comment must be 2,000 characters or fewer",
            ),
            ("maybe", "", {}, "decision", "Not a valid choice."),
        ],
    )
    def test_gets_a_message_and_records_nothing(
        self, app, clients, ref, decision, comment, ratings, field, message
    ):
        response = decide(clients["super_user"], ref, decision, comment, **ratings)
        assert response.status_code == 200
        page = soup(response)
        assert message in error_summary(page)
        assert decisions(app, ref) == []
        if comment:
            assert page.select_one("textarea[name=comment]").text == comment

    def test_a_missing_rating_is_named(self, app, clients, ref):
        page = soup(clients["super_user"].get(f"/reviews/{ref}"))
        data = review_data(page, "approved")
        del data["rating_who"]
        response = clients["super_user"].post(f"/reviews/{ref}", data=data)
        assert "Select how well section 2 meets the standard" in error_summary(soup(response))

    def test_a_stale_revision_is_refused(self, app, clients, ref):
        page = soup(clients["super_user"].get(f"/reviews/{ref}"))
        data = review_data(page, "approved")
        data["revision"] = "7"
        response = clients["super_user"].post(f"/reviews/{ref}", data=data)
        assert response.status_code == 409
        assert "changed since you opened it" in text(soup(response))
        assert decisions(app, ref) == []

    def test_an_eqia_not_submitted_cannot_be_decided(self, app, clients, users):
        with app.app_context():
            draft = factories.make_assessment(db.session.get(User, users["lead"].id)).reference
        response = clients["super_user"].get(f"/reviews/{draft}")
        assert response.status_code == 409
        assert "not waiting for sign-off" in text(soup(response))

    def test_someone_elses_assignment_is_respected(self, app, clients, ref):
        with app.app_context():
            other = factories.make_user("super2@example.org", "Sam Second", roles={"super_user"})
            workflow.assign(Assessment.by_reference(ref), other)
            db.session.commit()
        page = soup(clients["super_user"].get(f"/reviews/{ref}"))
        assert "Sam Second has picked up this EqIA" in text(page)
        assert page.select_one("input[name=decision]") is None
        data = {"csrf_token": csrf_token(page), "decision": "approved", "revision": "1"}
        with app.app_context():
            assessment = Assessment.by_reference(ref)
            sections = [
                s["slug"] for s in workflow.latest_revision(assessment).snapshot["sections"]
            ]
            links = [link.objective_id for link in assessment.objective_links]
        data |= {f"rating_{s}": "acceptable" for s in sections}
        data |= {f"objective_{i}": "yes" for i in links}
        # A complete, valid decision posted anyway (a stale tab) is refused by the workflow.
        response = clients["super_user"].post(f"/reviews/{ref}", data=data)
        assert response.status_code == 409
        assert "Sam Second has picked up this EqIA" in text(soup(response))
        assert decisions(app, ref) == []


class TestSeparationOfDuties:
    def test_a_co_author_cannot_review(self, app, clients, users, ref):
        with app.app_context():
            assessment = Assessment.by_reference(ref)
            db.session.add(
                CoAuthor(
                    assessment_id=assessment.id,
                    user_id=users["super_user"].id,
                    added_by_id=users["lead"].id,
                )
            )
            db.session.commit()
            with pytest.raises(NotAllowed):
                workflow.decide(
                    Assessment.by_reference(ref),
                    db.session.get(User, users["super_user"].id),
                    workflow.DecisionKind.APPROVED,
                    revision_number=1,
                )
        assert clients["super_user"].get(f"/reviews/{ref}").status_code == 403
        assert decisions(app, ref) == []

    @pytest.mark.parametrize(
        "who, expected", [("lead", 403), ("auditor", 403), ("admin", 403), ("anonymous", 302)]
    )
    def test_only_super_users_decide(self, app, clients, ref, who, expected):
        assert clients[who].get(f"/reviews/{ref}").status_code == expected
        assert clients[who].post(f"/reviews/{ref}", data={"decision": "approved"}).status_code in (
            expected,
            400,
        )
        assert decisions(app, ref) == []


class TestConcurrency:
    def test_two_super_users_deciding_at_once_record_one_decision(self, app, clients, ref):
        with app.app_context():
            second = factories.make_user(
                "super2@example.org", "Sam Second", roles={"super_user"}
            ).id
        sam = app.test_client()
        sign_in_as(sam, second)
        sue = clients["super_user"]
        posts = [
            (sue, review_data(soup(sue.get(f"/reviews/{ref}")), "approved")),
            (sam, review_data(soup(sam.get(f"/reviews/{ref}")), "returned", "Not yet")),
        ]
        both_checked = threading.Barrier(2, timeout=10)
        waited = threading.local()

        def meet_before_writing(_session, _context, _instances):
            # Both requests have passed every check and are about to write their decision.
            if not getattr(waited, "done", False):
                waited.done = True
                both_checked.wait()

        responses = {}

        def post(client, data):
            responses[data["decision"]] = client.post(f"/reviews/{ref}", data=data)

        event.listen(Session, "before_flush", meet_before_writing)
        try:
            threads = [threading.Thread(target=post, args=p) for p in posts]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
        finally:
            event.remove(Session, "before_flush", meet_before_writing)

        found = decisions(app, ref)
        assert len(found) == 1
        winner = found[0]
        loser = responses["returned" if winner.kind == "approved" else "approved"]
        assert loser.status_code == 409
        assert (
            f"{winner.reviewer_name} {'signed off' if winner.kind == 'approved' else 'returned'}"
            in text(soup(loser))
        )
        with app.app_context():
            assert (
                db.session.scalar(
                    select(func.count())
                    .select_from(Event)
                    .where(Event.kind.in_(("approved", "returned")))
                )
                == 1
            )

    def test_resubmitting_while_under_review_is_refused_with_a_message(self, app, clients, ref):
        token = csrf_token(soup(clients["lead"].get("/")))
        response = clients["lead"].post(
            f"/eqia/{ref}/check", data={"csrf_token": token, "declaration": ["agreed"]}
        )
        assert response.status_code == 409
        assert "waiting for sign-off" in text(soup(response))


class TestReviewCycle:
    def test_start_review_keeps_the_approved_record_in_force(self, app, clients, ref):
        lead = clients["lead"]
        decide(clients["super_user"], ref, "approved")
        assert submit(lead, f"/eqia/{ref}/start-review", {}).status_code == 302
        with app.app_context():
            assessment = Assessment.by_reference(ref)
            assert (assessment.status, assessment.revision) == (Status.DRAFT, 2)
            assert assessment.approved_revision.number == 1

        # Carried actions must say what happened to them before the section is complete.
        tasks = soup(lead.get(f"/eqia/{ref}/tasks"))
        assert task_status(tasks, "6. Actions") == "In progress"
        with app.app_context():
            action_id = Assessment.by_reference(ref).actions[0].id
        form = soup(lead.get(f"/eqia/{ref}/actions/{action_id}"))
        assert "What has happened to this action since the last sign-off?" in text(form)
        response = submit(
            lead,
            f"/eqia/{ref}/actions/{action_id}",
            {
                "version": form.select_one("input[name=version]")["value"],
                "action": "Extend the home library service",
                "responsible": "Library Services",
                "start_date": ["1", "4", "2027"],
                "due_date": ["30", "9", "2027"],
                "success_measure": "All offered",
            },
        )
        assert "Select what has happened to this action" in error_summary(soup(response))

        # Everyone else still reads the signed-off revision.
        with app.app_context():
            colleague = factories.make_user("colleague@example.org", "Cal Colleague").id
        other = app.test_client()
        sign_in_as(other, colleague)
        page = soup(other.get(f"/eqia/{ref}"))
        assert "Revision 1 is the signed-off record in force" in text(page)
        assert other.get(f"/eqia/{ref}/revisions/1").status_code == 200
        assert [k for k, _ in db_events(app, ref)][-1] == "review-started"

    def test_only_authors_start_a_review_of_an_approved_eqia(self, app, clients, ref):
        assert clients["lead"].get(f"/eqia/{ref}/start-review").status_code == 403
        decide(clients["super_user"], ref, "approved")
        assert clients["auditor"].get(f"/eqia/{ref}/start-review").status_code == 403
        assert clients["lead"].get(f"/eqia/{ref}/start-review").status_code == 200

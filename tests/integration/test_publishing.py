"""Publishing: the sign-off choice, taking an EqIA off the public register and putting it
back, who may, the events it leaves, and the admin's settings."""

import pytest
from sqlalchemy import select

from eqia import workflow
from eqia.errors import IllegalMove, NotAllowed
from eqia.extensions import db
from eqia.models import Assessment, Event, EventKind, User
from eqia.publishing import PublishingPolicy
from tests import factories
from tests.helpers import banners, error_summary, inline_errors, soup, submit, table_rows, text
from tests.integration.test_sign_off import review_data

REASON = "Names a member of the public <b>by mistake</b> & must come down — «Zażółć» 😀"


@pytest.fixture
def directorate(app):
    with app.app_context():
        return factories.make_directorate("Place & Sustainability").id


def make(app, title: str, stage: str = "approved", publish: bool = False) -> str:
    with app.app_context():
        assessment = factories.make_eqia(title, stage=stage)
        if publish:
            workflow.publish(assessment, User.by_email("super@example.org"))
            db.session.commit()
        return assessment.reference


def events(app, ref: str, *kinds: EventKind) -> list[tuple[EventKind, str, str]]:
    with app.app_context():
        assessment = Assessment.by_reference(ref)
        rows = db.session.execute(
            select(Event.kind, User.name, Event.note)
            .join(User, User.id == Event.actor_id)
            .where(Event.assessment_id == assessment.id, Event.kind.in_(kinds))
            .order_by(Event.seq)
        )
        return [tuple(row) for row in rows]


def reopen(app, ref: str, submit_it: bool = True) -> None:
    """Start the next revision as its lead would, say what happened to each action, and
    (with ``submit_it``) send it for sign-off."""
    with app.app_context():
        assessment = Assessment.by_reference(ref)
        workflow.start_review(assessment, assessment.owner)
        for action in assessment.actions:
            action.progress = "completed"
        db.session.commit()
        if submit_it:
            assessment = Assessment.by_reference(ref)
            factories.submit(assessment, assessment.owner)
            db.session.commit()


def published_at(app, ref: str):
    with app.app_context():
        return Assessment.by_reference(ref).published_at


def publish_radio(page) -> str | None:
    checked = page.select_one("input[name=publish][checked]")
    return checked["value"] if checked else None


def sign_off(client, ref: str, publish: str | None, decision: str = "approved"):
    page = soup(client.get(f"/reviews/{ref}"))
    data = review_data(page, decision, "Returned for more work" if decision == "returned" else "")
    if publish is not None:
        data["publish"] = publish
    return client.post(f"/reviews/{ref}", data=data)


PUBLISHING = (EventKind.PUBLISHED, EventKind.UNPUBLISHED)


class TestTheSignOffChoice:
    def test_the_question_starts_from_the_admins_default(self, app, clients, users, directorate):
        ref = make(app, "Library hours", stage="submitted")
        page = soup(clients["super_user"].get(f"/reviews/{ref}"))
        legend = text(page.select_one("input[name=publish]").find_parent("fieldset").legend)
        assert legend == "Publish this EqIA on the public register?"
        assert publish_radio(page) == "no"
        with app.app_context():
            PublishingPolicy(by_default=True).save(None)
            db.session.commit()
        assert publish_radio(soup(clients["super_user"].get(f"/reviews/{ref}"))) == "yes"

    def test_approving_with_publish_puts_it_on_the_register_with_an_event(
        self, app, clients, directorate
    ):
        ref = make(app, "Library hours", stage="submitted")
        response = sign_off(clients["super_user"], ref, "yes")
        assert response.status_code == 302
        page = soup(clients["super_user"].get(response.location))
        wanted = f"You have signed off {ref} and published it on the public register."
        assert any(wanted in banner for banner in banners(page))
        assert published_at(app, ref) is not None
        assert events(app, ref, *PUBLISHING) == [(EventKind.PUBLISHED, "Sue Super", "")]
        assert clients["anonymous"].get(f"/public/eqias/{ref}").status_code == 200

    def test_approving_without_publish_leaves_it_off(self, app, clients, directorate):
        ref = make(app, "Library hours", stage="submitted")
        assert sign_off(clients["super_user"], ref, "no").status_code == 302
        assert published_at(app, ref) is None
        assert events(app, ref, *PUBLISHING) == []
        assert clients["anonymous"].get(f"/public/eqias/{ref}").status_code == 404

    @pytest.mark.parametrize(
        "answer, error",
        [
            ("", "Select whether to publish this EqIA on the public register"),
            ("maybe", "Not a valid choice."),
        ],
    )
    def test_an_approval_must_answer_the_question(self, app, clients, directorate, answer, error):
        ref = make(app, "Library hours", stage="submitted")
        page = soup(sign_off(clients["super_user"], ref, answer))
        assert error_summary(page) == [error]
        assert published_at(app, ref) is None

    def test_a_return_ignores_it(self, app, clients, directorate):
        ref = make(app, "Library hours", stage="submitted")
        assert sign_off(clients["super_user"], ref, "yes", "returned").status_code == 302
        assert published_at(app, ref) is None
        assert events(app, ref, *PUBLISHING) == []

    def test_signing_off_again_starts_from_whether_it_is_published_now(
        self, app, clients, users, directorate
    ):
        with app.app_context():
            PublishingPolicy(by_default=False).save(None)
            db.session.commit()
        ref = make(app, "Library hours", publish=True)
        reopen(app, ref)
        page = soup(clients["super_user"].get(f"/reviews/{ref}"))
        assert publish_radio(page) == "yes"
        # Signed off again without publishing: it comes off, and the history says why.
        assert sign_off(clients["super_user"], ref, "no").status_code == 302
        assert published_at(app, ref) is None
        assert events(app, ref, *PUBLISHING) == [
            (EventKind.PUBLISHED, "Sue Super", ""),
            (EventKind.UNPUBLISHED, "Sue Super", "Revision 2 was signed off without publishing it"),
        ]


class TestTakingItOffAndPuttingItBack:
    def test_the_page_shows_super_users_and_admins_where_it_stands(self, app, clients, directorate):
        ref = make(app, "Library hours", publish=True)
        for who in ("super_user", "admin"):
            page = soup(clients[who].get(f"/eqia/{ref}"))
            status = text(page.select_one("#publication-status"))
            assert status.startswith("Published on the public register on ")
            assert page.select_one(f"a[href='/public/eqias/{ref}']") is not None
        for who in ("lead", "auditor"):
            page = soup(clients[who].get(f"/eqia/{ref}"))
            assert page.select_one("#public-register") is None

    def test_unpublishing_needs_a_reason(self, app, clients, directorate):
        ref = make(app, "Library hours", publish=True)
        response = submit(clients["admin"], f"/eqia/{ref}/unpublish", {"reason": "  "})
        page = soup(response)
        assert response.status_code == 200
        assert error_summary(page) == ["Enter why you are taking this EqIA off the public register"]
        assert inline_errors(page) == ["Enter why you are taking this EqIA off the public register"]
        assert text(page.title).startswith("Error:")
        assert published_at(app, ref) is not None

    def test_unpublishing_takes_it_off_with_the_reason_in_the_history(
        self, app, clients, directorate
    ):
        ref = make(app, "Library hours", publish=True)
        response = submit(clients["admin"], f"/eqia/{ref}/unpublish", {"reason": REASON})
        assert response.status_code == 302
        assert response.location == f"/eqia/{ref}#public-register"
        assert published_at(app, ref) is None
        assert events(app, ref, EventKind.UNPUBLISHED) == [
            (EventKind.UNPUBLISHED, "Adam Admin", REASON)
        ]
        assert clients["anonymous"].get(f"/public/eqias/{ref}").status_code == 404
        history = table_rows(soup(clients["lead"].get(f"/eqia/{ref}/history")), "#history")
        taken_off = [row for row in history if "Taken off the public register" in row]
        assert taken_off and REASON in " ".join(taken_off[0])
        page = soup(clients["super_user"].get(f"/eqia/{ref}"))
        assert text(page.select_one("#publication-status")) == "Not on the public register."

    def test_republishing_puts_it_back(self, app, clients, directorate):
        ref = make(app, "Library hours", publish=True)
        submit(clients["admin"], f"/eqia/{ref}/unpublish", {"reason": "Checking a name"})
        page = soup(clients["super_user"].get(f"/eqia/{ref}"))
        button = page.select_one(f"form[action='/eqia/{ref}/publish']")
        assert text(button) == "Publish it on the public register"
        token = button.select_one("input[name=csrf_token]")["value"]
        response = clients["super_user"].post(f"/eqia/{ref}/publish", data={"csrf_token": token})
        assert response.status_code == 302
        assert response.location == f"/eqia/{ref}#public-register"
        assert published_at(app, ref) is not None
        assert [k for k, _, _ in events(app, ref, *PUBLISHING)] == [
            EventKind.PUBLISHED,
            EventKind.UNPUBLISHED,
            EventKind.PUBLISHED,
        ]
        assert clients["anonymous"].get(f"/public/eqias/{ref}").status_code == 200

    @pytest.mark.parametrize("who", ["lead", "auditor"])
    def test_nobody_else_may(self, app, clients, who, directorate):
        ref = make(app, "Library hours", publish=True)
        token = soup(clients[who].get(f"/eqia/{ref}")).select_one("input[name=csrf_token]")
        data = {"csrf_token": token["value"], "reason": "Mine"}
        assert clients[who].post(f"/eqia/{ref}/unpublish", data=data).status_code == 403
        assert clients[who].post(f"/eqia/{ref}/publish", data=data).status_code == 403
        assert published_at(app, ref) is not None

    def test_the_workflow_refuses_what_cannot_be_done(self, app, users, directorate):
        draft = make(app, "Library hours", stage="complete")
        signed_off = make(app, "Mobile library routes")
        with app.app_context():
            admin, lead = User.by_email("admin@example.org"), User.by_email("lead@example.org")
            with pytest.raises(IllegalMove, match="no signed-off record in force"):
                workflow.publish(Assessment.by_reference(draft), admin)
            with pytest.raises(IllegalMove, match="is not on the public register"):
                workflow.unpublish(Assessment.by_reference(signed_off), admin, "Why not")
            with pytest.raises(NotAllowed):
                workflow.publish(Assessment.by_reference(signed_off), lead)
            workflow.publish(Assessment.by_reference(signed_off), admin)
            with pytest.raises(IllegalMove, match="already on the public register"):
                workflow.publish(Assessment.by_reference(signed_off), admin)
            with pytest.raises(NotAllowed, match="Enter why"):
                workflow.unpublish(Assessment.by_reference(signed_off), admin, " ")
            db.session.rollback()

    def test_a_withdrawn_eqia_is_off_the_register(self, app, clients, directorate):
        ref = make(app, "Library hours", publish=True)
        with app.app_context():
            assessment = Assessment.by_reference(ref)
            workflow.start_review(assessment, assessment.owner)
            workflow.withdraw(assessment, assessment.owner, "Not going ahead")
            db.session.commit()
        assert clients["anonymous"].get(f"/public/eqias/{ref}").status_code == 404
        assert clients["anonymous"].get(f"/public/eqias/{ref}.pdf").status_code == 404


class TestTheSettings:
    URL = "/admin/public-register"

    def test_only_admins(self, clients):
        assert clients["super_user"].get(self.URL).status_code == 403
        assert clients["admin"].get(self.URL).status_code == 200

    def test_linked_from_the_admin_pages(self, clients):
        for url in ("/admin/users", "/"):
            page = soup(clients["admin"].get(url))
            assert page.select_one(f"a[href='{self.URL}']") is not None, url

    def test_saving_keeps_them_and_audits_the_change(self, app, clients):
        page = soup(clients["admin"].get(self.URL))
        assert page.select_one("input[name=by_default][checked]")["value"] == "no"
        assert page.select_one("input[name=officers][checked]")["value"] == "titles"
        response = submit(clients["admin"], self.URL, {"by_default": "yes", "officers": "names"})
        assert response.location == self.URL
        assert banners(soup(clients["admin"].get(self.URL)))
        with app.app_context():
            assert PublishingPolicy.load() == PublishingPolicy(by_default=True, officers="names")
            note = db.session.scalar(
                select(Event.note).where(Event.kind == EventKind.SETTINGS_CHANGED)
            )
        assert note == (
            "Sign-off starts from publishing: no → yes\n"
            "Officers on the public register: by job title → by name"
        )

    def test_a_choice_is_required(self, clients):
        page = soup(submit(clients["admin"], self.URL, {"by_default": "", "officers": ""}))
        assert error_summary(page) == [
            "Select whether sign-off starts from publishing the EqIA",
            "Select how officers are shown on the public register",
        ]

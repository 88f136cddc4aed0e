"""The EDI action plan: reading it, keeping it, and which EqIAs count as supporting it."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from eqia import demo, workflow
from eqia.extensions import db
from eqia.models import (
    Assessment,
    AssessmentAction,
    Characteristic,
    Decision,
    DecisionKind,
    Objective,
    ObjectiveLink,
    PlanAction,
    PlanStatus,
    Revision,
    Status,
    Theme,
    User,
)
from tests import factories
from tests.conftest import sign_in_as
from tests.helpers import (
    banners,
    counting_queries,
    error_summary,
    h1,
    soup,
    submit,
    table_rows,
    text,
    title,
)
from tests.journeys import ACTION, complete, save

SAMPLE_BANNER = "Sample data: replace it by importing your council's action plan."


def objective_id(app, number: int) -> int:
    with app.app_context():
        return db.session.scalar(select(Objective.id).where(Objective.number == number))


def plan_action(app, reference: str) -> PlanAction:
    with app.app_context():
        action = db.session.scalar(select(PlanAction).where(PlanAction.reference == reference))
        db.session.expunge(action)
        return action


# Reading the plan ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["lead", "super_user", "auditor", "admin"])
def test_everyone_signed_in_reads_the_plan_its_themes_and_objectives(clients, who):
    client = clients[who]
    page = soup(client.get("/plan/"))
    assert h1(page) == "EDI action plan"
    headings = [text(h) for h in page.select("h2.govuk-heading-m")]
    assert headings[:3] == ["Our workforce", "Our communities", "Our services"]
    assert "Foster an inclusive, supportive and safe working environment" in text(page)
    assert SAMPLE_BANNER in " ".join(banners(page))

    theme = soup(client.get(page.select_one("h2 a")["href"]))
    assert h1(theme) == "Our workforce"
    objectives = [row[0] for row in table_rows(theme)]
    assert objectives[0].startswith("1. Make recruitment fair and accessible at every stage.")
    assert len(objectives) == 4

    objective = soup(client.get("/plan/objectives/1"))
    assert h1(objective) == "Make recruitment fair and accessible at every stage."
    assert "Objective 1 · Our workforce" in text(objective.select_one(".govuk-caption-l"))
    card = objective.select_one(".govuk-summary-card")
    assert "A1.1" in text(card.select_one(".govuk-summary-card__title"))
    assert "Complete" in text(card.select_one(".govuk-summary-card__title"))
    assert "Review every job advert template" in text(card)
    admin_links = [text(a) for a in objective.select(".govuk-summary-card__actions a")]
    assert bool(admin_links) is (who == "admin")


def test_a_missing_objective_or_theme_is_not_found(clients):
    assert clients["lead"].get("/plan/objectives/99").status_code == 404
    assert clients["lead"].get("/plan/themes/99").status_code == 404


def test_the_plan_counts_actions_by_status_overdue_and_supporting_eqias(app, clients):
    with app.app_context():
        today = date.today()
        first = db.session.scalar(select(Objective).where(Objective.number == 1))
        db.session.add_all(
            [
                PlanAction(
                    objective_id=first.id,
                    reference="T1",
                    action="Late and at risk",
                    responsible="Team",
                    start_date=today - timedelta(days=90),
                    end_date=today - timedelta(days=1),
                    success_measure="Done",
                    status=PlanStatus.AT_RISK,
                ),
                PlanAction(
                    objective_id=first.id,
                    reference="T2",
                    action="Due today, on track",
                    responsible="Team",
                    start_date=today - timedelta(days=90),
                    end_date=today,
                    success_measure="Done",
                    status=PlanStatus.ON_TRACK,
                ),
                PlanAction(
                    objective_id=first.id,
                    reference="T3",
                    action="Retired",
                    responsible="Team",
                    start_date=today - timedelta(days=90),
                    end_date=today - timedelta(days=30),
                    success_measure="Done",
                    active=False,
                ),
            ]
        )
        db.session.commit()
    rows = table_rows(soup(clients["lead"].get("/plan/")))
    row = next(r for r in rows if r[0].startswith("1. "))
    # Actions, complete, at risk, overdue, supporting EqIAs: A1.1 (complete) plus T1 and T2.
    assert row[1:] == ["3", "1", "1", "1", "0"]
    page = soup(clients["lead"].get("/plan/objectives/1"))
    cards = {
        text(c.select_one(".govuk-summary-card__title")): c
        for c in page.select(".govuk-summary-card")
    }
    assert any(t.startswith("T1") and "Overdue" in t for t in cards)
    assert any(t.startswith("T2") and "Overdue" not in t for t in cards)
    assert not any(t.startswith("T3") for t in cards), "retired actions are for admins only"
    admin_page = text(soup(clients["admin"].get("/plan/objectives/1")))
    assert "T3" in admin_page and "Retired" in admin_page


# Which EqIAs support an objective -----------------------------------------------------------------


def _characteristic_codes(app) -> list[str]:
    with app.app_context():
        return [c.code for c in Characteristic.active_in_order()]


def proposed_eqia(app, client, title_text: str, links: dict[int, str]) -> str:
    """A complete EqIA whose lead proposes links to objectives (by number), submitted."""
    with app.app_context():
        directorate_id = factories.make_directorate(f"Directorate for {title_text}").id
    ref = submit(client, "/eqia/start", {"title": title_text}).location.split("/")[2]
    complete(client, ref, _characteristic_codes(app), directorate_id)
    ids = {number: objective_id(app, number) for number in links}
    save(
        client,
        ref,
        "objectives",
        {
            "objectives": [str(i) for i in ids.values()],
            **{f"how_{ids[number]}": how for number, how in links.items()},
        },
    )
    return ref


def send(app, client, ref: str) -> None:
    response = submit(client, f"/eqia/{ref}/check", {"declaration": ["agreed"]})
    assert response.status_code == 302, error_summary(soup(response))


def supporting(client, number: int) -> list[list[str]]:
    return table_rows(soup(client.get(f"/plan/objectives/{number}")), "#supporting-eqias")


def test_only_links_confirmed_at_sign_off_of_signed_off_eqias_count(app, clients, users):
    lead, sue = clients["lead"], users["super_user"].id
    approved = proposed_eqia(
        app, lead, "Library opening hours", {1: "Fair recruitment", 2: "Pay gaps"}
    )
    returned = proposed_eqia(app, lead, "Returned proposal", {1: "Also recruitment"})
    waiting = proposed_eqia(app, lead, "Waiting proposal", {1: "Waiting"})
    draft = proposed_eqia(app, lead, "Draft proposal", {1: "Draft"})
    for ref in (approved, returned, waiting):
        send(app, lead, ref)
    factories.decide(app, approved, sue, DecisionKind.APPROVED, links={1: True, 2: False})
    factories.decide(app, returned, sue, DecisionKind.RETURNED, links={1: True})

    rows = supporting(lead, 1)
    assert [row[0] for row in rows] == [approved]
    reference, name, directorate, signed_off, how = rows[0]
    assert name == "Changes to library opening hours"  # the title the journey answers
    assert directorate == "Directorate for Library opening hours"
    assert signed_off == f"{date.today():%-d %B %Y}"
    assert how == "Fair recruitment"
    assert supporting(lead, 2) == [], "the super user removed this link"
    with app.app_context():
        states = {r: Assessment.by_reference(r).status for r in (returned, waiting, draft)}
    assert states == {
        returned: Status.RETURNED,
        waiting: Status.SUBMITTED,
        draft: Status.DRAFT,
    }
    counts = {r[0][:2]: r[5] for r in table_rows(soup(lead.get("/plan/")))}
    assert counts["1."] == "1" and counts["2."] == "0"

    # Under review the signed-off record still stands, so the link still counts.
    with app.app_context():
        assessment = Assessment.by_reference(approved)
        workflow.start_review(assessment, db.session.get(User, users["lead"].id))
        db.session.commit()
        assert Assessment.by_reference(approved).status is Status.DRAFT
    assert [row[0] for row in supporting(lead, 1)] == [approved]


def approved_directly(app, owner_id: int, reviewer_id: int, number: int, count: int) -> list[str]:
    """Signed-off EqIAs linked to an objective, written straight to the tables (fast)."""
    refs = []
    with app.app_context():
        owner, reviewer = db.session.get(User, owner_id), db.session.get(User, reviewer_id)
        target = objective_id(app, number)
        start = datetime(2026, 1, 1, tzinfo=UTC)
        for n in range(count):
            assessment = workflow.start(f"Proposal {n:03d}", owner)
            revision = Revision(
                assessment_id=assessment.id,
                number=1,
                snapshot={},
                content_hash="0" * 64,
                created_by_id=owner.id,
            )
            db.session.add(revision)
            db.session.flush()
            db.session.add(
                Decision(
                    assessment_id=assessment.id,
                    revision_id=revision.id,
                    kind=DecisionKind.APPROVED,
                    comment="",
                    reviewer_id=reviewer.id,
                    reviewer_name=reviewer.name,
                    reviewer_job_title="",
                    content_hash="0" * 64,
                    decided_at=start + timedelta(days=n),
                )
            )
            assessment.status = Status.APPROVED
            assessment.approved_revision_id = revision.id
            assessment.objective_links.append(
                ObjectiveLink(objective_id=target, how=f"Reason {n}", confirmed=True)
            )
            refs.append(assessment.reference)
        db.session.commit()
    return refs


def test_the_objective_page_pages_newest_first_in_a_fixed_number_of_queries(app, clients, users):
    lead = clients["lead"]
    first = approved_directly(app, users["lead"].id, users["super_user"].id, 3, 1)
    with counting_queries(app) as few:
        assert lead.get("/plan/objectives/3").status_code == 200
    more = approved_directly(app, users["lead"].id, users["super_user"].id, 3, 44)
    with counting_queries(app) as many:
        assert lead.get("/plan/objectives/3").status_code == 200
    assert len(many) == len(few), "the page's queries must not grow with the number of EqIAs"

    page = soup(lead.get("/plan/objectives/3"))
    rows = table_rows(page, "#supporting-eqias")
    assert len(rows) == 20
    assert rows[0][0] == more[-1] and rows[0][4] == "Reason 43", "newest sign-off first"
    assert "45 signed-off EqIAs support this objective" in text(page)
    last = soup(lead.get("/plan/objectives/3?page=3"))
    assert [r[0] for r in table_rows(last, "#supporting-eqias")][-1] == first[0]
    beyond = soup(lead.get("/plan/objectives/3?page=99"))
    assert table_rows(beyond, "#supporting-eqias") == table_rows(last, "#supporting-eqias")


# Keeping the plan (admins) ------------------------------------------------------------------------


def test_an_admin_adds_an_objective_with_gov_uk_errors_first(app, clients):
    admin = clients["admin"]
    response = submit(admin, "/plan/objectives/new", {"number": "", "title": ""})
    page = soup(response)
    assert title(page).startswith("Error:")
    assert error_summary(page) == [
        "Enter the objective number",
        "Select the theme",
        "Enter the objective",
    ]
    response = submit(
        admin, "/plan/objectives/new", {"number": "3", "theme_id": "1", "title": "Again"}
    )
    assert error_summary(soup(response)) == ["Objective 3 already exists: choose another number"]
    response = submit(
        admin, "/plan/objectives/new", {"number": "x", "theme_id": "1", "title": "Again"}
    )
    assert error_summary(soup(response)) == [
        "Objective number must be a whole number from 1 to 9,999"
    ]
    with app.app_context():
        communities = db.session.scalar(select(Theme.id).where(Theme.name == "Our communities"))
    response = submit(
        admin,
        "/plan/objectives/new",
        {
            "number": "13",
            "theme_id": str(communities),
            "title": "Tackle digital exclusion",
            "description": "Zażółć gęślą jaźń <b>not bold</b>",
            "active": "y",
        },
    )
    assert response.location == "/plan/objectives/13"
    page = soup(admin.get("/plan/objectives/13"))
    assert h1(page) == "Tackle digital exclusion"
    assert "Zażółć gęślą jaźń <b>not bold</b>" in text(page) and not page.select("main b")
    with app.app_context():
        objective = db.session.scalar(select(Objective).where(Objective.number == 13))
        assert (objective.theme_id, objective.sample, objective.active) == (
            communities,
            False,
            True,
        )


def test_a_retired_objective_leaves_the_plan_and_new_eqias(app, clients):
    admin = clients["admin"]
    data = {"number": "4", "theme_id": "1", "title": "Become an anti-racist organisation."}
    response = submit(admin, "/plan/objectives/4/change", data)  # "active" unticked
    assert response.location == "/plan/objectives/4"
    rows = [r[0] for r in table_rows(soup(clients["lead"].get("/plan/")))]
    assert not any(r.startswith("4. ") for r in rows)
    with app.app_context():
        offered = [o.number for _, group in Objective.active_by_theme() for o in group]
        assert 4 not in offered
        assert db.session.scalar(select(Objective.sample).where(Objective.number == 4)) is False
    assert "Retired" in text(soup(admin.get("/plan/")))


def _action_data(**changes) -> dict:
    data = {
        "objective_id": "1",
        "reference": " a1.2 ",
        "action": "Publish the recruitment data",
        "responsible": "HR Services",
        "start_date": ["1", "4", "2027"],
        "end_date": ["31", "3", "2028"],
        "success_measure": "Published every year",
        "active": "y",
    }
    return {**data, **changes}


def test_an_admin_adds_changes_and_retires_an_action(app, clients, users):
    admin = clients["admin"]
    page = soup(submit(admin, "/plan/actions/new", _action_data(end_date=["1", "1", "2027"])))
    assert error_summary(page) == ["The end date must be the same as or after the start date"]
    page = soup(submit(admin, "/plan/actions/new", _action_data(reference="A1.1")))
    assert error_summary(page) == ["Action reference A1.1 is already used by another action"]
    page = soup(submit(admin, "/plan/actions/new", {"objective_id": ""}))
    assert error_summary(page) == [
        "Select the objective",
        "Enter the action reference",
        "Enter the action",
        "Enter the person or team responsible",
        "Enter the start date",
        "Enter the end date",
        "Enter the success measure",
    ]

    response = submit(admin, "/plan/actions/new", _action_data())
    action = plan_action(app, "A1.2")
    assert response.location == f"/plan/objectives/1#action-{action.id}"
    assert (action.status, action.sample, action.updated_by_id) == (
        "not-started",
        False,
        users["admin"].id,
    )

    url = f"/plan/actions/{action.id}/change"
    response = submit(admin, url, _action_data(reference="A1.2", active=""))
    assert response.status_code == 302
    assert plan_action(app, "A1.2").active is False
    assert "A1.2" not in text(soup(clients["lead"].get("/plan/objectives/1")))


def test_two_admins_changing_one_action_do_not_overwrite_each_other(app, clients, users):
    admin = clients["admin"]
    action = plan_action(app, "A2.1")
    url = f"/plan/actions/{action.id}/change"
    page = soup(admin.get(url))
    token = page.select_one("main form input[name=csrf_token]")["value"]
    version = page.select_one("input[name=version]")["value"]
    with app.app_context():
        row = db.session.get(PlanAction, action.id)
        row.responsible = "Someone else's change"
        db.session.commit()
    data = _action_data(reference="A2.1", objective_id=str(action.objective_id))
    response = admin.post(url, data={"csrf_token": token, "version": version, **data})
    assert response.status_code == 200
    assert "Someone else changed this action" in text(soup(response))
    assert plan_action(app, "A2.1").responsible == "Someone else's change"


def test_progress_updates_record_when_an_action_was_completed(app, clients):
    admin = clients["admin"]
    action = plan_action(app, "A3.1")
    url = f"/plan/actions/{action.id}/progress"
    page = soup(admin.get(url))
    assert page.select_one("input[name=status][value=on-track]").has_attr("checked")
    response = submit(admin, url, {"status": "complete", "progress_note": "All trained"})
    assert response.location == f"/plan/objectives/3#action-{action.id}"
    done = plan_action(app, "A3.1")
    assert (done.status, done.completed_on, done.progress_note) == (
        "complete",
        date.today(),
        "All trained",
    )
    submit(admin, url, {"status": "at-risk", "progress_note": ""})
    assert plan_action(app, "A3.1").completed_on is None
    response = submit(
        admin,
        url,
        {
            "status": "complete",
            "completed_on": ["1", "1", str(date.today().year + 2)],
        },
    )
    assert error_summary(soup(response)) == ["Date completed must be today or in the past"]
    submit(
        admin,
        url,
        {
            "status": "complete",
            "completed_on": ["2", "3", "2026"],
        },
    )
    assert plan_action(app, "A3.1").completed_on == date(2026, 3, 2)
    page = soup(clients["lead"].get("/plan/objectives/3"))
    assert "Completed on 2 March 2026" in text(page)


# An EqIA's actions and the plan's actions ---------------------------------------------------------


def test_an_eqia_action_can_contribute_to_a_plan_action(app, clients, users):
    lead = clients["lead"]
    ref = proposed_eqia(app, lead, "Mobile library routes", {7: "Rural villages"})
    with app.app_context():
        eqia_action = db.session.scalar(
            select(AssessmentAction).join(Assessment).where(Assessment.reference == ref)
        )
    target = plan_action(app, "A7.1")
    url = f"/eqia/{ref}/actions/{eqia_action.id}"
    page = soup(lead.get(url))
    question = page.select_one("label[for=plan_action_id]")
    assert text(question) == "Does this action contribute to an action in the EDI action plan?"
    options = [text(o) for o in page.select("select[name=plan_action_id] option")]
    assert options[0] == "No, or not sure"
    assert any(o.startswith("A7.1: Map service access times") for o in options)
    version = page.select_one("input[name=version]")["value"]
    bogus = submit(lead, url, {**ACTION, "version": version, "plan_action_id": "999"})
    assert error_summary(soup(bogus)) == ["Not a valid choice."]
    response = submit(lead, url, {**ACTION, "version": version, "plan_action_id": str(target.id)})
    assert response.status_code == 302, error_summary(soup(response))
    listing = text(soup(lead.get(f"/eqia/{ref}/actions")))
    assert "A7.1: Map service access times" in listing
    check = text(soup(lead.get(f"/eqia/{ref}/check")))
    assert "Contributes to the EDI action plan: A7.1" in check

    def contributing() -> str:
        page = soup(lead.get("/plan/objectives/7"))
        card = next(
            c for c in page.select(".govuk-summary-card") if "A7.1" in text(c.select_one("h3"))
        )
        row = next(r for r in card.select(".govuk-summary-list__row") if "Contributing" in text(r))
        return text(row.select_one("dd"))

    assert contributing() == "0 actions of signed-off EqIAs", "not until it is signed off"
    send(app, lead, ref)
    factories.decide(app, ref, users["super_user"].id, DecisionKind.APPROVED, links={7: True})
    assert contributing() == "1 action of a signed-off EqIA"
    with app.app_context():
        revision = Assessment.by_reference(ref).approved_revision
        actions = revision.read().section("actions").actions
        assert actions[0].plan_action.startswith("A7.1: Map service")
        frozen = next(s for s in revision.snapshot["sections"] if s["slug"] == "actions")
        assert frozen["actions"][0]["plan_action"]["code"] == "A7.1", "by its reference"


def test_the_objectives_question_groups_objectives_under_their_themes(app, clients):
    lead = clients["lead"]
    ref = submit(lead, "/eqia/start", {"title": "Grouped"}).location.split("/")[2]
    save(lead, ref, "screening", {"could_affect": "yes"})
    page = soup(lead.get(f"/eqia/{ref}/questions/objectives"))
    boxes = page.select_one(".govuk-checkboxes")
    assert "eqia-grouped-checkboxes" in boxes["class"]
    order = [
        ("divider", text(child))
        if "govuk-checkboxes__divider" in child.get("class", [])
        else ("objective", text(child.select_one("label")))
        for child in boxes.find_all("div", recursive=False)
        if "govuk-checkboxes__divider" in child.get("class", [])
        or "govuk-checkboxes__item" in child.get("class", [])
    ]
    dividers = [value for kind, value in order if kind == "divider"]
    assert dividers == ["Our workforce", "Our communities", "Our services", "or"]
    assert order[1] == ("objective", "1. Make recruitment fair and accessible at every stage.")
    assert order[5] == ("divider", "Our communities")
    assert order[-1] == ("objective", "None of these")


# The demo -----------------------------------------------------------------------------------------


def test_seed_demo_gives_every_plan_page_something_to_show(app, clients, users):
    with app.app_context():
        demo.seed("a long demo password")  # a new password for the lead: signed out
    sign_in_as(clients["lead"], users["lead"].id)
    with app.app_context():
        today = date.today()
        overdue = db.session.scalars(
            select(PlanAction.reference).where(PlanAction.overdue_clause(today))
        ).all()
        recent = db.session.scalars(
            select(PlanAction.reference).where(
                PlanAction.completed_on >= today - timedelta(days=90)
            )
        ).all()
        linked = db.session.scalars(
            select(PlanAction.reference)
            .join(AssessmentAction, AssessmentAction.plan_action_id == PlanAction.id)
            .join(Assessment, Assessment.id == AssessmentAction.assessment_id)
            .where(Assessment.approved_revision_id.is_not(None))
        ).all()
        demo.seed("a long demo password")  # safe to run again
        assert db.session.scalar(select(db.func.count()).select_from(PlanAction)) == 16
    assert "A11.2" in overdue
    assert recent == ["A9.2"]
    assert {"A7.1", "A7.2"} <= set(linked)
    page = soup(clients["lead"].get("/plan/objectives/7"))
    titles = [r[1] for r in table_rows(page, "#supporting-eqias")]
    assert set(titles) == {
        "Mobile library routes 2026",
        "Community warm spaces grant scheme",
        "Reduce the subsidy for rural bus routes",
    }
    eight = [
        r[1]
        for r in table_rows(soup(clients["lead"].get("/plan/objectives/8")), "#supporting-eqias")
    ]
    assert eight == ["Community warm spaces grant scheme"]

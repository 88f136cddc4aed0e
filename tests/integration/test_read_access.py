"""Who may read what: every reading route, for every kind of person, at every stage of an
EqIA's life, answers as ``eqia.permissions.READ_ACCESS`` declares."""

import pytest
from sqlalchemy import select

from eqia import workflow
from eqia.extensions import db
from eqia.models import Assessment, DecisionKind, EvidenceFile, Role, User
from eqia.permissions import READ_ACCESS, Part, Relation, Stage
from tests import factories
from tests.conftest import sign_in_as
from tests.helpers import soup, submit, table_rows
from tests.integration.test_evidence_files import make_pdf, upload

# Who asks, and their relation to every EqIA here (None: not signed in).
PEOPLE = {
    "anonymous": None,
    "owner": Relation.AUTHOR,
    "co_author": Relation.AUTHOR,
    "another_lead": Relation.COLLEAGUE,
    "super_user": Relation.OVERSIGHT,
    "picked_up_by": Relation.OVERSIGHT,
    "auditor": Relation.OVERSIGHT,
    "admin": Relation.OVERSIGHT,
}
STAGES = list(Stage)
# The stages at which an EqIA here is on the public register: published when signed off.
PUBLISHED = {Stage.SIGNED_OFF, Stage.UNDER_REVIEW}


@pytest.fixture
def world(app, users, once):
    """One EqIA at each stage, each with a file its first revision names (when it has one),
    and the EqIA under review with a file only its new draft has."""

    def build():
        with app.app_context():
            factories.make_directorate("Place & Sustainability")
            made = {
                "co_author": factories.make_user("co@example.org", "Cora Author").id,
                "another_lead": factories.make_user("other@example.org", "Olly Other").id,
                "picked_up_by": factories.make_user(
                    "picker@example.org", "Pat Picker", roles={Role.SUPER_USER}
                ).id,
            }
        owner = app.test_client()
        sign_in_as(owner, users["lead"].id)
        eqias, files = {}, {}
        for stage in STAGES:
            with app.app_context():
                ref = factories.make_eqia(f"EqIA {stage.value}", stage="complete").reference
            submit(owner, f"/eqia/{ref}/co-authors", {"email": "co@example.org"})
            eqias[stage] = ref
            if stage is Stage.DRAFT:
                continue
            upload(owner, ref, make_pdf(), "Named by revision 1.pdf")
            with app.app_context():
                assessment = Assessment.by_reference(ref)
                files[stage, "first"] = assessment.files[0].id
                factories.submit(assessment, assessment.owner)
                db.session.commit()
            picker = made["picked_up_by"]
            if stage is Stage.SUBMITTED:
                with app.app_context():
                    workflow.assign(Assessment.by_reference(ref), db.session.get(User, picker))
                    db.session.commit()
            elif stage in (Stage.RETURNED, Stage.WITHDRAWN):
                factories.decide(app, ref, picker, DecisionKind.RETURNED)
            else:
                factories.decide(app, ref, picker, DecisionKind.APPROVED)
            with app.app_context():
                assessment = Assessment.by_reference(ref)
                if stage is Stage.WITHDRAWN:
                    workflow.withdraw(assessment, assessment.owner, "Not going ahead: budget moved")
                if stage in PUBLISHED:
                    workflow.publish(assessment, User.by_email("super@example.org"))
                if stage is Stage.UNDER_REVIEW:
                    workflow.start_review(assessment, assessment.owner)
                db.session.commit()
            if stage is Stage.UNDER_REVIEW:
                upload(owner, ref, make_pdf(), "Only in the new draft.pdf")
                with app.app_context():
                    files[stage, "draft"] = db.session.scalar(
                        select(EvidenceFile.id).where(EvidenceFile.original_name.like("Only in%"))
                    )
        return {"eqias": eqias, "files": files, "people": made}

    return once(build)


@pytest.fixture
def clients_by_person(app, users, world):
    ids = {
        "owner": users["lead"].id,
        "super_user": users["super_user"].id,
        "auditor": users["auditor"].id,
        "admin": users["admin"].id,
        **world["people"],
    }
    made = {"anonymous": app.test_client()}
    for person, user_id in ids.items():
        made[person] = app.test_client()
        sign_in_as(made[person], user_id)
    return made


def reads(stage: Stage, world) -> list[tuple[str, str, set[Part]]]:
    """Each reading route of the EqIA at this stage, and the parts any one of which lets a
    person read it (from what the route shows at this stage)."""
    ref = world["eqias"][stage]
    first_signed_off = stage in (Stage.SIGNED_OFF, Stage.UNDER_REVIEW)
    revision = {Part.SIGNED_OFF} if first_signed_off else {Part.ANSWERS}
    routes = [
        ("the EqIA's page", f"/eqia/{ref}", {Part.ANSWERS, Part.SIGNED_OFF}),
        ("its history", f"/eqia/{ref}/history", {Part.ANSWERS, Part.SIGNED_OFF}),
        ("its record in force", f"/records/{ref}.pdf", revision),
    ]
    if stage is not Stage.DRAFT:
        routes += [
            ("revision 1", f"/eqia/{ref}/revisions/1", revision),
            ("revision 1's PDF", f"/records/{ref}/revisions/1.pdf", revision),
            (
                "a file revision 1 names",
                f"/eqia/{ref}/evidence/files/{world['files'][stage, 'first']}",
                {Part.SIGNED_OFF} if first_signed_off else {Part.FILES},
            ),
        ]
    if stage is Stage.UNDER_REVIEW:
        routes += [
            (
                "the draft's own file",
                f"/eqia/{ref}/evidence/files/{world['files'][stage, 'draft']}",
                {Part.FILES},
            ),
            ("the next revision's page", f"/records/{ref}/revisions/2.pdf", set()),
        ]
    return routes


@pytest.mark.parametrize("stage", STAGES, ids=[s.value for s in STAGES])
def test_every_reading_route_answers_as_the_table_declares(clients_by_person, world, stage):
    answers, expected = {}, {}
    for person, relation in PEOPLE.items():
        allowed = READ_ACCESS[relation][stage] if relation else frozenset()
        for name, url, parts in reads(stage, world):
            response = clients_by_person[person].get(url)
            response.close()
            answers[person, name] = response.status_code
            if relation is None:
                expected[person, name] = 302
            elif url.endswith("revisions/2.pdf"):
                expected[person, name] = 404  # not submitted yet: no such revision
            else:
                expected[person, name] = 200 if allowed & parts else 403
    assert answers == expected


@pytest.mark.parametrize("stage", [Stage.SIGNED_OFF, Stage.UNDER_REVIEW])
def test_a_colleague_reads_only_the_sign_off_in_the_history(clients_by_person, world, stage):
    ref = world["eqias"][stage]
    mine = table_rows(soup(clients_by_person["owner"].get(f"/eqia/{ref}/history")), "#history")
    theirs = table_rows(
        soup(clients_by_person["another_lead"].get(f"/eqia/{ref}/history")), "#history"
    )
    assert [row[1] for row in theirs] == ["Signed off"]
    assert len(mine) > len(theirs)
    assert any("co@example.org" in cell for row in mine for cell in row)
    assert not any("co@example.org" in cell for row in theirs for cell in row)


def test_a_colleague_reads_the_record_in_force_not_the_draft_under_review(
    app, clients_by_person, world
):
    ref = world["eqias"][Stage.UNDER_REVIEW]
    with app.app_context():
        assessment = Assessment.by_reference(ref)
        answers = assessment.sections["evidence"]
        answers.data = {**answers.data, "what_people_said": "A draft nobody has signed off"}
        db.session.commit()
    mine = clients_by_person["owner"].get(f"/eqia/{ref}").get_data(as_text=True)
    theirs = clients_by_person["another_lead"].get(f"/eqia/{ref}").get_data(as_text=True)
    assert "A draft nobody has signed off" in mine
    assert "A draft nobody has signed off" not in theirs


@pytest.mark.parametrize("stage", STAGES, ids=[s.value for s in STAGES])
def test_the_public_register_shows_only_published_eqias_to_everyone(
    clients_by_person, world, stage
):
    """Signed in or not, the same: the page and the sealed PDF of a published EqIA, and the
    same "Page not found" at every other stage."""
    ref = world["eqias"][stage]
    expected = 200 if stage in PUBLISHED else 404
    answers = {}
    for person in PEOPLE:
        for url in (f"/public/eqias/{ref}", f"/public/eqias/{ref}.pdf"):
            response = clients_by_person[person].get(url)
            response.close()
            answers[person, url] = response.status_code
    assert set(answers.values()) == {expected}


def test_the_public_reads_the_record_in_force_not_the_draft_under_review(
    app, clients_by_person, world
):
    ref = world["eqias"][Stage.UNDER_REVIEW]
    with app.app_context():
        assessment = Assessment.by_reference(ref)
        answers = assessment.sections["evidence"]
        answers.data = {**answers.data, "what_people_said": "A draft nobody has signed off"}
        db.session.commit()
    for person in ("anonymous", "owner"):
        page = clients_by_person[person].get(f"/public/eqias/{ref}")
        assert page.status_code == 200
        assert "A draft nobody has signed off" not in page.text
        rows = soup(page).select(".govuk-summary-list__row")
        summary = {" ".join(r.dt.get_text().split()): r.dd.get_text().strip() for r in rows}
        assert summary["Revision"] == "1"

"""A revision's snapshot: a typed, versioned document that every reader reads the same way."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from eqia import workflow
from eqia.extensions import db
from eqia.models import Assessment, Characteristic, Revision, SealedRecord
from eqia.plan import insight, progress
from eqia.plan.periods import Period
from eqia.snapshot import SCHEMA_VERSION, content_hash
from eqia.timefmt import uk_now, uk_today
from tests import factories
from tests.helpers import soup, submit, text, title

PLACE = "Place & Sustainability"


@pytest.fixture
def people(app, users):
    with app.app_context():
        factories.make_directorate(PLACE)


@pytest.fixture
def signed_off(app, people):
    """Two signed-off EqIAs; the second is under review, so it counts from its snapshot."""
    with app.app_context():
        live = factories.make_eqia("Mobile library routes").reference
        reviewed = factories.make_eqia("Warm spaces grants")
        workflow.start_review(reviewed, reviewed.owner)
        db.session.commit()
        return live, reviewed.reference


def test_a_revision_freezes_codes_with_their_labels_and_the_cover_facts(app, signed_off):
    live, _reviewed = signed_off
    with app.app_context():
        revision = Assessment.by_reference(live).approved_revision
        document = revision.snapshot
        assert document["schema_version"] == SCHEMA_VERSION
        assert revision.content_hash == content_hash(document)
        assert revision.original_snapshot is None
        assert document["reference"] == live and document["revision"] == 1
        assert document["title"] == "Mobile library routes"
        assert document["lead"]["name"] == "Lee Lead"
        assert document["submitted_by"]["name"] == "Lee Lead"
        assert document["directorate"]["label"] == PLACE
        assert document["proposal_type"] == {"code": "service-change", "label": "Service change"}
        assert document["outcome"] == {"code": "adjust", "label": "Adjust the proposal"}
        assert document["summary"] == "Keep Tuesday mornings at two libraries."
        sections = {s["slug"]: s for s in document["sections"]}
        about = {a["key"]: a for a in sections["about"]["answers"]}
        assert about["decision_date"] == {
            "key": "decision_date",
            "question": "When will the decision be made?",
            "type": "date",
            "value": "2027-03-12",
        }
        assert about["key_decision"]["value"] == {"code": "yes", "label": "Yes"}
        age = next(
            i for i in sections["impacts"]["impacts"] if i["characteristic"]["code"] == "age"
        )
        assert age["characteristic"]["label"] == "Age"
        assert age["kinds"] == [{"code": "negative", "label": "Negative"}]
        assert age["residual"] == {"code": "low", "label": "Low"}


def counts(period: Period):
    report = progress.build(period, "Council", uk_today(), uk_now())
    view = insight.insight(period)
    return (
        {c.code: c.counts for c in report.characteristics},
        {key: dict(value) for key, value in view.cells.items()},
        report.actions,
    )


def test_renaming_a_characteristic_changes_no_count_and_old_revisions_keep_their_label(
    app, clients, signed_off
):
    live, reviewed = signed_off
    period = Period(uk_today() - timedelta(days=7), uk_today())
    with app.app_context():
        before = counts(period)
        age = db.session.scalar(select(Characteristic).where(Characteristic.code == "age"))
    assert before[0]["age"]["negative"] == 2, "one counted live, one from its snapshot"
    response = submit(
        clients["admin"],
        f"/admin/characteristics/{age.id}",
        {"name": "Age (any age)", "guidance": "Every age.", "kind": "protected", "active": "y"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert counts(period) == before
    for ref in (live, reviewed):
        page = soup(clients["auditor"].get(f"/eqia/{ref}/revisions/1"))
        rows = dict(r for r in answer_rows(page))
        assert rows["Age"].startswith("Negative"), ref
        assert "Age (any age)" not in rows


@pytest.fixture
def unreadable(app, signed_off):
    """A revision frozen in a schema this version of the service does not know."""
    live, _reviewed = signed_off
    with app.app_context():
        revision = Assessment.by_reference(live).approved_revision
        document = dict(revision.snapshot, schema_version=99)
        db.session.execute(
            update(Revision).where(Revision.id == revision.id).values(snapshot=document)
        )
        db.session.commit()
    return live


def test_an_unknown_schema_gets_a_plain_error_page_never_a_500(clients, unreadable):
    response = clients["auditor"].get(f"/eqia/{unreadable}/revisions/1")
    assert response.status_code == 409
    page = soup(response)
    assert title(page).startswith("This revision cannot be shown")
    assert f"{unreadable} revision 1 was saved in a form this version" in text(page)
    assert "snapshot schema version 99" in text(page)
    # The record sealed at sign-off does not depend on reading the snapshot again.
    sealed = clients["auditor"].get(f"/records/{unreadable}.pdf")
    assert sealed.status_code == 200 and sealed.mimetype == "application/pdf"


def test_an_unknown_schema_gets_a_clear_error_from_the_command_line(
    app, runner, unreadable, tmp_path
):
    with app.app_context():
        db.session.execute(SealedRecord.__table__.delete())  # as if signed off before sealing
        db.session.commit()
    exported = runner.invoke(args=["export", "--out", str(tmp_path / "records.zip")])
    assert exported.exit_code == 1
    assert "Nothing was exported" in exported.output and "schema version 99" in exported.output
    assert not (tmp_path / "records.zip").exists()
    checked = runner.invoke(args=["verify-audit"])
    assert checked.exit_code == 1
    assert f"FAILED: {unreadable} revision 1 was saved in a form" in checked.output
    sealed = runner.invoke(args=["seal-records"])
    assert sealed.exit_code == 1 and "1 failed" in sealed.output


def test_verify_audit_names_a_revision_changed_since_it_was_frozen(app, runner, signed_off):
    live, _reviewed = signed_off
    with app.app_context():
        revision = Assessment.by_reference(live).approved_revision
        number, assessment_id = revision.number, revision.assessment_id
        document = dict(revision.snapshot, summary="Quietly changed")
        db.session.execute(
            update(Revision).where(Revision.id == revision.id).values(snapshot=document)
        )
        db.session.commit()
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 1
    assert (
        f"FAILED: Revision {number} of EqIA {assessment_id} has been changed since it was frozen"
        in result.output
    )


def answer_rows(page) -> list[tuple[str, str]]:
    rows = page.select("h2[id^=section-] + .govuk-summary-list .govuk-summary-list__row")
    return [(text(r.select_one("dt")), text(r.select_one("dd"))) for r in rows]


def test_the_answers_as_they_stand_and_the_frozen_revision_read_alike(clients, signed_off):
    """Before a review starts, the EqIA's page (built from the live answers) and its
    revision (read from the snapshot) show the same answers, through the same reader."""
    live, _reviewed = signed_off
    frozen = answer_rows(soup(clients["auditor"].get(f"/eqia/{live}/revisions/1")))
    current = answer_rows(soup(clients["auditor"].get(f"/eqia/{live}")))
    assert len(frozen) > 20 and frozen == current

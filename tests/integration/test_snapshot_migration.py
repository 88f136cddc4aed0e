"""Migration 0007 converts revisions frozen as schema 1, and nothing already issued breaks.

``tests/fixtures/schema-1`` holds what the service wrote and signed at 0006 (see its
README): the rows go into a database at 0006, the database is migrated, and the
records signed back then must still verify as genuine, every revision must read
exactly as it did, and the audit trail must still hold.
"""

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import MetaData, create_engine, insert, select, text, update

from eqia import create_app
from eqia.extensions import db
from eqia.models import Assessment, Revision
from eqia.records import documents
from eqia.snapshot import SCHEMA_VERSION, content_hash
from tests.conftest import sign_in_as
from tests.helpers import soup
from tests.helpers import text as page_text

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "schema-1"
# The fixture's tables in an order their foreign keys allow (an EqIA's approved revision
# is set once the revisions are in).
TABLES = [
    "directorates",
    "users",
    "user_roles",
    "plan_actions",
    "assessments",
    "co_authors",
    "section_answers",
    "impacts",
    "assessment_actions",
    "action_characteristics",
    "objective_links",
    "evidence_files",
    "revisions",
    "decisions",
    "section_evaluations",
    "events",
    "audit_head",
    "reference_counters",
]


def _decoded(value):
    if isinstance(value, dict) and set(value) == {"$datetime"}:
        return datetime.fromisoformat(value["$datetime"])
    if isinstance(value, dict) and set(value) == {"$date"}:
        return date.fromisoformat(value["$date"])
    return value


def load_fixture(url: str) -> dict:
    """The fixture's rows, put into a database already migrated to the fixture's version."""
    fixture = json.loads((FIXTURE / "rows.json").read_text())
    engine = create_engine(url)
    tables = MetaData()
    tables.reflect(engine, only=TABLES)
    with engine.begin() as connection:
        connection.execute(update(tables.tables["assessments"]).values(approved_revision_id=None))
        for name in reversed(TABLES):
            connection.execute(tables.tables[name].delete())
        approved = {}
        for name in TABLES:
            rows = [{k: _decoded(v) for k, v in r.items()} for r in fixture["rows"][name]]
            if name == "assessments":
                approved = {r["id"]: r.pop("approved_revision_id") for r in rows}
                for r in rows:
                    r["approved_revision_id"] = None
            if rows:
                connection.execute(insert(tables.tables[name]), rows)
        assessments = tables.tables["assessments"]
        for assessment_id, revision_id in approved.items():
            connection.execute(
                update(assessments)
                .where(assessments.c.id == assessment_id)
                .values(approved_revision_id=revision_id)
            )
    engine.dispose()
    return fixture


@pytest.fixture
def migrated(scratch_database):
    """A database at 0006 holding the fixture, then migrated to the newest version."""
    signing = str(FIXTURE / "signing.pem")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": scratch_database,
            "SERVER_NAME": "localhost",
            "SIGNING_CERT": signing,
            "SIGNING_KEY": signing,
        }
    )
    fixture = json.loads((FIXTURE / "rows.json").read_text())
    with app.app_context():
        upgrade(revision=fixture["alembic_version"])
        db.engine.dispose()
        load_fixture(scratch_database)
        upgrade()
    yield app, fixture
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def schema_1_rows(document: dict) -> dict[str, list[tuple]]:
    return {
        s["slug"]: [(r["key"], r["question"], r["answer"], r["page"]) for r in s["rows"]]
        for s in document["sections"]
    }


def test_records_signed_before_the_migration_still_verify_as_genuine(migrated):
    app, fixture = migrated
    with app.app_context():
        for name in fixture["pdfs"]:
            with open(FIXTURE / name, "rb") as pdf:
                verdict = documents.check_upload(pdf)
            assert verdict.valid, (name, verdict.title, verdict.message)
            assert verdict.message.startswith(f"This is {name.split('-revision')[0]} revision")


def test_every_revision_keeps_its_hash_and_reads_as_it_did(migrated):
    app, fixture = migrated
    frozen = {r["id"]: r for r in fixture["rows"]["revisions"]}
    with app.app_context():
        revisions = db.session.scalars(select(Revision).order_by(Revision.id)).all()
        assert len(revisions) == len(frozen) == 7
        for revision in revisions:
            before = frozen[revision.id]
            assert revision.content_hash == before["content_hash"]
            assert revision.original_snapshot == before["snapshot"]
            assert content_hash(revision.hashed_document) == revision.content_hash
            assert revision.snapshot["schema_version"] == SCHEMA_VERSION
            assert revision.snapshot["converted_from"] == 1
            read = revision.read()
            assert {
                s.slug: [(r.key, r.question, r.answer, r.page) for r in s.rows]
                for s in read.sections
            } == schema_1_rows(before["snapshot"]), f"revision {revision.id}"


def test_converted_revisions_carry_codes_for_what_was_frozen_as_labels(migrated):
    app, _fixture = migrated
    with app.app_context():
        reviewed = Assessment.by_reference("EQIA-2026-0005")
        snapshot = reviewed.approved_revision.snapshot
        assert reviewed.approved_revision.number == 2
        assert snapshot["outcome"] == {"code": "adjust", "label": "Adjust the proposal"}
        assert snapshot["proposal_type"]["code"] == "service-change"
        assert snapshot["directorate"] == {
            "code": str(reviewed.directorate_id),
            "label": "Place & Sustainability",
        }
        assert snapshot["review_date"] == "2027-11-30"
        assert snapshot["lead"]["name"] == "Priya Shah"
        sections = {s["slug"]: s for s in snapshot["sections"]}
        age = next(
            i for i in sections["impacts"]["impacts"] if i["characteristic"]["code"] == "age"
        )
        assert age["kinds"] == [{"code": "negative", "label": "Negative"}]
        assert age["residual"] == {"code": "low", "label": "Low"}
        first = sections["actions"]["actions"][0]
        assert first["progress"] == {"code": "completed", "label": "Completed"}
        assert first["plan_action"]["code"] == "A7.2"
        assert [c["code"] for c in first["characteristics"]] == ["age", "disability"]
        districts = next(a for a in sections["who"]["answers"] if a["key"] == "districts")
        assert (
            districts["type"] == "choices"
            and districts["value"][0]["label"] == "East Cambridgeshire"
        )
        screening = Assessment.by_reference("EQIA-2026-0009").approved_revision.snapshot
        assert screening["route"] == "screening"
        assert screening["sections"][0]["answers"][0]["value"] == {"code": "no", "label": "No"}


def test_the_migrated_database_passes_verify_audit_and_shows_its_revisions(migrated):
    app, _fixture = migrated
    result = app.test_cli_runner().invoke(args=["verify-audit"])
    assert result.exit_code == 0, result.output
    assert "OK: every revision matches its content hash and can be read" in result.output
    with app.app_context():
        auditor = db.session.scalar(
            text("SELECT id FROM users WHERE email = 'auditor@example.org'")
        )
    client = app.test_client()
    sign_in_as(client, auditor)
    page = soup(client.get("/eqia/EQIA-2026-0005/revisions/2"))
    words = page_text(page)
    assert "Visit counts 2025 <final>.pdf" in words
    assert "Zażółć gęślą jaźń" in words and "<script>alert(1)</script>" in words
    assert "Since revision 1: Under way but delayed" in words

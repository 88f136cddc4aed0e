"""Migration 0011 moves the evidence files kept in the old upload folder into the
database, and its downgrade writes them back.

A database at 0010 holds three files' rows as the service wrote them then: one whose
file is in the folder, one whose file has gone, and one whose file is not the one that
was uploaded (its bytes no longer match the recorded hash).
"""

import hashlib
import logging
import os
from datetime import UTC, datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from eqia import create_app
from eqia.extensions import db
from eqia.models import EvidenceChunk, User
from tests import factories
from tests.conftest import sign_in_as
from tests.helpers import CheckedClient, h1, soup
from tests.integration.test_evidence_files import make_pdf

PRESENT = make_pdf("Visit counts") + os.urandom(2 * 1024 * 1024 + 1000)  # three chunks
ALTERED = make_pdf("Altered since")
ROWS = [
    # (id, name, stored_name, the bytes uploaded, what the folder holds)
    (1, "Visit counts.pdf", "a" * 32, PRESENT, PRESENT),
    (2, "Gone.pdf", "b" * 32, make_pdf("Gone"), None),
    (3, "Altered.pdf", "c" * 32, make_pdf("As uploaded"), ALTERED),
]


@pytest.fixture
def app(scratch_database, signing_folder):
    """An app on a database of its own, migrated to 0010."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": scratch_database,
            "SERVER_NAME": "localhost",
            "SIGNING_FOLDER": signing_folder,
        }
    )
    app.test_client_class = CheckedClient
    with app.app_context():
        upgrade(revision="0010")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def old_folder(app, tmp_path, monkeypatch):
    """The files' rows at 0010, and the folder (EQIA_UPLOAD_FOLDER) holding their files."""
    folder = tmp_path / "uploads"
    folder.mkdir()
    monkeypatch.setenv("EQIA_UPLOAD_FOLDER", str(folder))
    with app.app_context():
        # As the service wrote them at 0010: today's models have columns 0010 did not.
        at = datetime(2026, 11, 30, 12, tzinfo=UTC)
        lead_id = db.session.execute(
            text(
                "INSERT INTO users (email, name, job_title, active, password_hash, created_at) "
                "VALUES ('lead@example.org', 'Lee Lead', 'Officer', :yes, :hash, :at) "
                "RETURNING id"
            ),
            {"yes": True, "hash": factories.password_hash(), "at": at},
        ).scalar_one()
        reference = "EQIA-2026-0001"
        assessment_id = db.session.execute(
            text(
                "INSERT INTO assessments (reference, title, owner_id, status, revision, "
                "created_at, updated_at, summary, lock_version) VALUES (:reference, "
                "'Changes to library opening hours', :lead, 'draft', 1, :at, :at, '', 1) "
                "RETURNING id"
            ),
            {"reference": reference, "lead": lead_id, "at": at},
        ).scalar_one()
        for file_id, name, stored_name, uploaded, held in ROWS:
            db.session.execute(
                text(
                    "INSERT INTO evidence_files (id, assessment_id, original_name, stored_name, "
                    "content_type, size, sha256, uploaded_by_id, uploaded_at) VALUES (:id, "
                    ":assessment, :name, :stored, 'application/pdf', :size, :sha256, :lead, :at)"
                ),
                {
                    "id": file_id,
                    "assessment": assessment_id,
                    "name": name,
                    "stored": stored_name,
                    "size": len(uploaded),
                    "sha256": hashlib.sha256(uploaded).hexdigest(),
                    "lead": lead_id,
                    "at": at,
                },
            )
            if held is not None:
                (folder / stored_name).write_bytes(held)
        db.session.commit()
        db.session.remove()
    return folder, reference, lead_id


def chunks(app) -> dict[int, list[bytes]]:
    with app.app_context():
        query = select(EvidenceChunk.evidence_file_id, EvidenceChunk.data).order_by(
            EvidenceChunk.evidence_file_id, EvidenceChunk.seq
        )
        held: dict[int, list[bytes]] = {}
        for file_id, data in db.session.execute(query):
            held.setdefault(file_id, []).append(data)
        return held


def test_the_upgrade_moves_the_files_into_the_database(app, old_folder, caplog):
    folder, reference, lead_id = old_folder
    with app.app_context(), caplog.at_level(logging.WARNING):
        upgrade()
        db.session.remove()
    held = chunks(app)
    assert list(held) == [1], "only the file that is there and unchanged"
    assert [len(c) for c in held[1]] == [1024 * 1024, 1024 * 1024, len(PRESENT) - 2 * 1024 * 1024]
    assert b"".join(held[1]) == PRESENT
    messages = [r.getMessage() for r in caplog.records]
    assert any(f"Evidence file 2 is not in {folder / ('b' * 32)}" in m for m in messages)
    [altered] = [r for r in caplog.records if "Evidence file 3" in r.getMessage()]
    assert altered.levelname == "ERROR"
    assert "is not the file that was uploaded" in altered.getMessage()
    assert sorted(os.listdir(folder)) == ["a" * 32, "c" * 32], "the folder is left as it was"

    with app.app_context():
        client = app.test_client()
        sign_in_as(client, db.session.get(User, lead_id).id)
    response = client.get(f"/eqia/{reference}/evidence/files/1")
    assert response.status_code == 200
    assert response.data == PRESENT
    for missing in (2, 3):
        response = client.get(f"/eqia/{reference}/evidence/files/{missing}")
        assert response.status_code == 404
        assert h1(soup(response)) == "This file cannot be downloaded"


def test_the_downgrade_writes_the_files_back(app, old_folder):
    folder, _, _ = old_folder
    with app.app_context():
        upgrade()
        for path in folder.iterdir():
            path.unlink()
        downgrade(revision="0010")
        query = text("SELECT id, stored_name FROM evidence_files ORDER BY id")
        names = {row.id: row.stored_name for row in db.session.execute(query)}
        db.session.remove()
    assert len(set(names.values())) == 3
    assert sorted(os.listdir(folder)) == [names[1]], "the two left with no bytes have none"
    assert (folder / names[1]).read_bytes() == PRESENT
    assert oct((folder / names[1]).stat().st_mode & 0o777) == oct(0o600)

    with app.app_context():
        upgrade()  # and up again: the same bytes
        db.session.remove()
    assert b"".join(chunks(app)[1]) == PRESENT

"""Sign-off seals the record: made once at the decision, kept, and served byte for byte;
everything it shows frozen; the evidence it names kept; the audit chain anchored by it."""

import hashlib
import io
import json
import threading
import zipfile

import pytest
from pyhanko.pdf_utils import generic
from sqlalchemy import event, func, select, text, update
from sqlalchemy.orm import Session

from eqia import workflow
from eqia.extensions import db
from eqia.models import (
    Assessment,
    AuditHead,
    Decision,
    DecisionKind,
    Event,
    EventKind,
    EvidenceChunk,
    EvidenceFile,
    Objective,
    Revision,
    SealedRecord,
    Status,
    User,
)
from eqia.records import documents
from tests import factories
from tests.conftest import sign_in_as
from tests.helpers import soup, submit, table_rows
from tests.helpers import text as page_text
from tests.integration.test_evidence_files import make_pdf, upload
from tests.integration.test_long_term_records import _append
from tests.integration.test_sign_off import review_data

PLACE = "Place & Sustainability"
CHUNKS = select(func.count()).select_from(EvidenceChunk)


@pytest.fixture
def people(app, users):
    with app.app_context():
        factories.make_directorate(PLACE)
        co_author = factories.make_user("cora@example.org", "Cora Author", job_title="Analyst")
        return {"co_author": co_author.id}


@pytest.fixture
def submitted(app, people):
    """A full EqIA, submitted to any super user and waiting for sign-off."""
    with app.app_context():
        assessment = factories.make_eqia("Mobile library routes", stage="complete")
        factories.submit(assessment, assessment.owner)
        db.session.commit()
        return assessment.reference


def sealed_record(app, ref: str) -> SealedRecord | None:
    with app.app_context():
        assessment = Assessment.by_reference(ref)
        revision = assessment.approved_revision
        if revision is None:
            return None
        return db.session.scalar(
            select(SealedRecord)
            .where(SealedRecord.revision_id == revision.id)
            .execution_options(populate_existing=True)
        )


def approve_on_the_page(client, ref: str):
    page = soup(client.get(f"/reviews/{ref}"))
    return client.post(f"/reviews/{ref}", data=review_data(page, "approved"))


def content_of(app, ref: str) -> bytes:
    with app.app_context():
        revision = Assessment.by_reference(ref).approved_revision
        return db.session.scalar(
            select(SealedRecord.content).where(SealedRecord.revision_id == revision.id)
        )


class TestSealedAtSignOff:
    def test_signing_off_keeps_the_signed_record_with_its_hash_certificate_and_time(
        self, app, clients, submitted
    ):
        assert approve_on_the_page(clients["super_user"], submitted).status_code == 302
        with app.app_context():
            assessment = Assessment.by_reference(submitted)
            decision = Decision.on(assessment.approved_revision)
            record = SealedRecord.of(assessment.approved_revision_id)
            content = content_of(app, submitted)
            assert record.sha256 == hashlib.sha256(content).hexdigest()
            assert record.size == len(content)
            assert record.certificate_fingerprint == documents.keys().certificate.fingerprint
            assert record.signed_at == decision.decided_at
            head = db.session.get(AuditHead, 1)
            approval = db.session.scalar(
                select(Event).where(Event.kind == EventKind.APPROVED).order_by(Event.seq.desc())
            )
            assert (record.audit_seq, record.audit_hash) == (approval.seq, approval.hash)
            assert head.count == approval.seq, "the approval was the newest event"

    def test_every_download_the_zip_and_the_command_line_give_the_same_bytes(
        self, app, clients, submitted, runner, tmp_path
    ):
        approve_on_the_page(clients["super_user"], submitted)
        first = clients["auditor"].get(f"/records/{submitted}.pdf").data
        # A day later: people and the catalogue have changed, events have been written.
        with app.app_context():
            lead = User.by_email("lead@example.org")
            lead.name = "Leigh Renamed"
            db.session.execute(update(Objective).values(title="A renamed objective"))
            workflow.start_review(Assessment.by_reference(submitted), lead)
            db.session.commit()
        later = clients["auditor"].get(f"/records/{submitted}/revisions/1.pdf").data
        assert later == first
        archive = zipfile.ZipFile(io.BytesIO(clients["auditor"].get("/records/export.zip").data))
        name = f"{submitted}-revision-1.pdf"
        assert archive.read(name) == first
        manifest = archive.read("manifest.csv").decode("utf-8-sig").splitlines()
        row = next(line for line in manifest if line.startswith(submitted))
        assert hashlib.sha256(first).hexdigest() in row.split(",")
        out = tmp_path / "records.zip"
        assert runner.invoke(args=["export", "--out", str(out)]).exit_code == 0
        assert zipfile.ZipFile(out).read(name) == first

    def test_without_a_usable_signing_key_nothing_is_recorded(
        self, app, clients, submitted, tmp_path
    ):
        with app.app_context():
            before = db.session.scalar(select(func.count(Event.id)))
        app.config.update(SIGNING_CERT=str(tmp_path / "gone.pem"), SIGNING_KEY=str(tmp_path / "x"))
        app.extensions.pop(documents.EXTENSION_KEY, None)
        response = approve_on_the_page(clients["super_user"], submitted)
        assert response.status_code == 503
        page = soup(response)
        assert page_text(page.find("h1")) == "Your decision has not been recorded"
        assert f"The service cannot sign the record, so {submitted} has not been" in page_text(page)
        with app.app_context():
            assessment = Assessment.by_reference(submitted)
            assert assessment.status is Status.SUBMITTED
            assert db.session.scalar(select(func.count(Decision.id))) == 0
            assert db.session.scalar(select(func.count(SealedRecord.id))) == 0
            assert db.session.scalar(select(func.count(Event.id))) == before

    def test_two_super_users_approving_at_once_make_one_decision_and_one_record(
        self, app, clients, submitted
    ):
        with app.app_context():
            second = factories.make_user("sam@example.org", "Sam Second", roles={"super_user"})
            second_id = second.id
        sam = app.test_client()
        sign_in_as(sam, second_id)
        sue = clients["super_user"]
        posts = [
            (c, review_data(soup(c.get(f"/reviews/{submitted}")), "approved")) for c in (sue, sam)
        ]
        both_ready = threading.Barrier(2, timeout=10)
        waited = threading.local()

        def meet(_session, _context, _instances):
            if not getattr(waited, "done", False):
                waited.done = True
                both_ready.wait()

        responses = []
        event.listen(Session, "before_flush", meet)
        try:
            threads = [
                threading.Thread(
                    target=lambda c, d: responses.append(c.post(f"/reviews/{submitted}", data=d)),
                    args=post,
                )
                for post in posts
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
        finally:
            event.remove(Session, "before_flush", meet)
        assert sorted(r.status_code for r in responses) == [302, 409]
        with app.app_context():
            assert db.session.scalar(select(func.count(Decision.id))) == 1
            assert db.session.scalar(select(func.count(SealedRecord.id))) == 1


class TestFrozen:
    def test_the_record_and_the_revision_page_show_what_was_approved(self, app, clients, people):
        with app.app_context():
            assessment = factories.make_eqia("Mobile library routes", stage="complete")
            factories.add_co_author(assessment, people["co_author"])
            factories.submit(assessment, assessment.owner)
            db.session.commit()
            submitted = assessment.reference
        approve_on_the_page(clients["super_user"], submitted)
        sealed = content_of(app, submitted)
        with app.app_context():
            assessment = Assessment.by_reference(submitted)
            first_link = sorted(assessment.objective_links, key=lambda link: link.objective.number)[
                0
            ]
            number, title = first_link.objective.number, first_link.objective.title
            User.by_email("lead@example.org").name = "Leigh Renamed"
            db.session.get(User, people["co_author"]).active = False
            first_link.objective.title = "A renamed objective"
            workflow.start_review(assessment, assessment.owner)
            assessment.objective_links.remove(first_link)  # a link removed in the review
            db.session.commit()
        assert clients["auditor"].get(f"/records/{submitted}.pdf").data == sealed
        page = soup(clients["auditor"].get(f"/eqia/{submitted}/revisions/1"))
        words = page_text(page)
        assert "Lee Lead" in words and "Leigh Renamed" not in words
        assert "Cora Author" in words
        assert f"Objective {number}: {title} (confirmed)" in words
        assert "A renamed objective" not in words


class TestEvidenceKept:
    def test_a_file_an_approved_revision_names_stays_downloadable_after_removal(
        self, app, clients, people, users
    ):
        with app.app_context():
            ref = factories.make_eqia("Library hours", stage="complete").reference
        content = make_pdf()
        upload(clients["lead"], ref, content, "Visit counts.pdf")
        with app.app_context():
            assessment = Assessment.by_reference(ref)
            factories.submit(assessment, assessment.owner)
            db.session.commit()
        factories.decide(app, ref, users["super_user"].id, DecisionKind.APPROVED)
        with app.app_context():
            assessment = Assessment.by_reference(ref)
            evidence = assessment.files[0]
            file_id = evidence.id
            workflow.start_review(assessment, assessment.owner)
            db.session.commit()
        url = f"/eqia/{ref}/evidence/files/{file_id}"
        removed = submit(clients["lead"], f"{url}/remove", {})
        assert removed.status_code == 302
        listing = soup(clients["lead"].get(f"/eqia/{ref}/evidence/files"))
        assert "No files have been attached yet" in page_text(listing.find("main"))
        with clients["auditor"].get(url) as response:
            assert response.status_code == 200
            assert response.data == content
        assert hashlib.sha256(response.data).hexdigest() == hashlib.sha256(content).hexdigest()
        with app.app_context():
            notes = db.session.scalars(
                select(Event.note)
                .where(Event.kind.in_((EventKind.FILE_ADDED, EventKind.FILE_REMOVED)))
                .order_by(Event.seq)
            ).all()
        digest = hashlib.sha256(content).hexdigest()
        assert notes == [f"Visit counts.pdf (SHA-256 {digest})"] * 2
        rows = table_rows(soup(clients["lead"].get(f"/eqia/{ref}/history")), "#history")
        assert any("Evidence file removed" in cell for row in rows for cell in row)

    def test_a_file_no_revision_names_is_deleted_when_removed(self, app, clients, ref):
        upload(clients["lead"], ref, make_pdf(), "Draft notes.pdf")
        with app.app_context():
            evidence = Assessment.by_reference(ref).files[0]
            file_id = evidence.id
            assert db.session.scalar(CHUNKS.where(EvidenceChunk.evidence_file_id == file_id))
        submit(clients["lead"], f"/eqia/{ref}/evidence/files/{file_id}/remove", {})
        assert clients["lead"].get(f"/eqia/{ref}/evidence/files/{file_id}").status_code == 404
        with app.app_context():
            assert db.session.get(EvidenceFile, file_id) is None
            assert db.session.scalar(CHUNKS.where(EvidenceChunk.evidence_file_id == file_id)) == 0


class TestAnchors:
    @pytest.fixture
    def sealed(self, app, clients, users, submitted):
        """Signed off after a dozen other events, so the sealed record anchors the newest."""
        with app.app_context():
            lead = db.session.get(User, users["lead"].id)
            for n in range(12):
                factories.make_assessment(lead, f"Another proposal {n}")
        approve_on_the_page(clients["super_user"], submitted)
        return submitted

    def verify(self, runner, *args):
        return runner.invoke(args=["verify-audit", *args])

    def test_an_untouched_trail_passes_with_its_anchors(self, runner, sealed):
        result = self.verify(runner)
        assert result.exit_code == 0, result.output
        assert "OK: every sealed record's anchor is in the chain" in result.output

    def replace(self, app, content: bytes) -> None:
        """Replace the sealed record's bytes, and their hash with them."""
        digest = hashlib.sha256(content).hexdigest()
        with app.app_context():
            db.session.execute(update(SealedRecord).values(content=content, sha256=digest))
            db.session.commit()

    def test_a_record_updated_to_hold_another_anchor_holds_the_update_s(self, app, runner, sealed):
        def claim_event_999999(writer) -> None:
            info = writer.trailer["/Info"]
            info[generic.NameObject("/EqiaAuditSeq")] = generic.TextStringObject("999999")
            writer.update_container(info)

        updated = _append(content_of(app, sealed), claim_event_999999)
        assert updated.count(b"/EqiaAuditSeq") == 2, "the bytes name both anchors"
        self.replace(app, updated)
        result = self.verify(runner)
        assert result.exit_code == 1
        assert (
            f"The sealed record of {sealed} revision 1 holds audit event 999999, which the "
            "audit trail no longer has"
        ) in result.output

    def test_an_anchor_written_after_the_end_of_a_record_is_not_the_one_it_holds(
        self, app, runner, sealed
    ):
        forged = b"\n/EqiaAuditSeq (999999)\n/EqiaAuditHash (" + b"0" * 64 + b")\n"
        self.replace(app, content_of(app, sealed) + forged)
        result = self.verify(runner)
        assert result.exit_code == 0, result.output
        assert "OK: every sealed record's anchor is in the chain" in result.output

    @pytest.mark.parametrize("workers", ["1", "3"])
    def test_deleting_the_newest_events_is_found_by_the_sealed_records(
        self, app, runner, sealed, workers
    ):
        with app.app_context():
            count = db.session.get(AuditHead, 1).count
            assert count > 10
            keep = count - 10
            db.session.execute(text("DELETE FROM events WHERE seq > :keep"), {"keep": keep})
            last = db.session.scalar(select(Event.hash).where(Event.seq == keep))
            db.session.execute(update(AuditHead).values(count=keep, last_hash=last))
            db.session.commit()
        result = self.verify(runner, "--workers", workers)
        assert result.exit_code == 1
        assert f"OK: all {keep} audit events match" in result.output, "the chain itself holds"
        assert "which the audit trail no longer has" in result.output

    def test_rewriting_an_event_and_rehashing_the_rest_is_found(self, app, runner, sealed):
        with app.app_context():
            events = db.session.scalars(select(Event).order_by(Event.seq)).all()
            db.session.expunge_all()  # worked on outside the session: the ORM refuses it
            previous = events[0].prev_hash
            for index, row in enumerate(events):
                if index == 1:
                    db.session.execute(
                        text("UPDATE events SET note = 'Nothing happened' WHERE id = :id"),
                        {"id": row.id},
                    )
                    row.note = "Nothing happened"
                row.prev_hash = previous
                digest = row.expected_hash()
                db.session.execute(
                    text("UPDATE events SET prev_hash = :p, hash = :h WHERE id = :id"),
                    {"p": previous, "h": digest, "id": row.id},
                )
                previous = digest
            db.session.execute(update(AuditHead).values(last_hash=previous))
            db.session.commit()
        result = self.verify(runner)
        assert result.exit_code == 1
        assert "OK: all" in result.output, "the rewritten chain holds together by itself"
        assert "with another hash: the trail was rewritten" in result.output

    def test_a_changed_sealed_record_is_found(self, app, runner, clients, sealed):
        genuine = content_of(app, sealed)
        altered = genuine.replace(b"Mobile library routes", b"Mobile library roads!", 1)
        with app.app_context():
            db.session.execute(update(SealedRecord).values(content=altered))
            db.session.commit()
        result = self.verify(runner)
        assert result.exit_code == 1
        assert f"The sealed record of {sealed} revision 1 has been changed" in result.output
        # A genuine copy kept by an auditor no longer matches what the service holds now
        # that its bytes changed as well as its hash.
        with app.app_context():
            db.session.execute(
                update(SealedRecord).values(sha256=hashlib.sha256(altered).hexdigest())
            )
            db.session.commit()
        page = submit(
            clients["auditor"],
            "/records/verify",
            {"file": (io.BytesIO(genuine), "record.pdf")},
            content_type="multipart/form-data",
        )
        assert "This PDF does not match the records of this service" in page_text(soup(page))

    def test_a_checkpoint_kept_off_site_finds_a_truncated_trail(
        self, app, runner, sealed, tmp_path
    ):
        made = runner.invoke(args=["audit-checkpoint"])
        assert made.exit_code == 0
        checkpoint = json.loads(made.output)
        assert checkpoint["events"] > 0 and len(checkpoint["head"]) == 64
        path = tmp_path / "checkpoint.json"
        path.write_text(made.output)
        assert self.verify(runner, "--checkpoint", str(path)).exit_code == 0
        forged = tmp_path / "forged.json"
        forged.write_text(json.dumps(checkpoint | {"events": checkpoint["events"] - 1}))
        result = self.verify(runner, "--checkpoint", str(forged))
        assert result.exit_code == 1 and "changed since it was signed" in result.output
        with app.app_context():
            keep = checkpoint["events"] - 1
            db.session.execute(text("DELETE FROM events WHERE seq > :keep"), {"keep": keep})
            last = db.session.scalar(select(Event.hash).where(Event.seq == keep))
            db.session.execute(update(AuditHead).values(count=keep, last_hash=last))
            db.session.commit()
        result = self.verify(runner, "--checkpoint", str(path))
        assert result.exit_code == 1
        assert f"no longer has event {checkpoint['events']}" in result.output


class TestSealRecords:
    def test_seal_records_seals_what_was_signed_off_before_sealing_and_carries_on(
        self, app, runner, people
    ):
        with app.app_context():
            refs = [factories.make_eqia(f"Signed off {n}").reference for n in range(3)]
            db.session.execute(SealedRecord.__table__.delete())
            db.session.commit()
        result = runner.invoke(args=["seal-records", "--workers", "2"])
        assert result.exit_code == 0, result.output
        assert "Sealed 3 record(s)" in result.output
        with app.app_context():
            assert db.session.scalar(select(func.count(SealedRecord.id))) == 3
            for ref in refs:
                revision = Assessment.by_reference(ref).approved_revision
                assert SealedRecord.of(revision.id) is not None
        again = runner.invoke(args=["seal-records"])
        assert again.exit_code == 0
        assert "Every signed-off revision already has its sealed record" in again.output

    def test_a_record_signed_off_before_sealing_is_sealed_at_its_first_download(
        self, app, clients, people
    ):
        with app.app_context():
            ref = factories.make_eqia("Signed off long ago").reference
            db.session.execute(SealedRecord.__table__.delete())
            db.session.commit()
        first = clients["auditor"].get(f"/records/{ref}.pdf").data
        assert clients["auditor"].get(f"/records/{ref}.pdf").data == first
        with app.app_context():
            revision = db.session.scalar(select(Revision))
            assert SealedRecord.of(revision.id) is not None

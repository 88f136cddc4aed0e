"""PDF records: what they hold, their signature, who may download them, and checking one."""

import hashlib
import io
import os
import re
import subprocess
import tempfile
import zlib
from collections import defaultdict

import pytest
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select, update

from eqia import workflow
from eqia.extensions import db
from eqia.models import Assessment, Decision, DecisionKind, Rating, Revision, SealedRecord, User
from eqia.models.catalogue import Characteristic
from eqia.records import certificates, documents, pdf, sealing, signing
from eqia.records.record import AuditAnchor
from tests import factories, pdfs
from tests.certificates import PASSPHRASE, make_certificate, make_tsa
from tests.conftest import sign_in_as
from tests.helpers import error_summary, h1, soup, submit, text, title
from tests.integration.test_evidence_files import make_pdf, upload
from tests.journeys import ABOUT, EVIDENCE, complete, save, submitted_eqia

# Text that would become markup if it were not escaped, and text in
# Latin with accents, Greek and Cyrillic, which must print as typed.
TRICKY = {
    "what_is_changing": "Close on Mondays <b>& open</b> on Saturdays, as the <font> tag says",
    "data_used": "Zażółć gęślą jaźń: the survey of Fenland villages",
    "eliminate": "Ελληνικά: the leaflet in Greek",
    "advance": "Кириллица: the leaflet in Russian and Ukrainian",
    "foster": 'A <font color="red">red</font> line & a <br/> break <script>x</script>',
    "impact": "Older residents <b>& carers</b> use weekday mornings most",
    "action": "Extend the home library <service> & add a Saturday bus",
    "comment": "Approved <i>with</i> thanks & no changes — Ωmega",
}
EVIDENCE_NAME = "Survey «Zażółć» <b>&.pdf"
TITLE = "Library hours: «Zażółć» & Ελληνικά"


@pytest.fixture(scope="session")
def certificate_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("signing")
    cert, key = make_certificate("Test County Council EqIA records")
    (folder / "cert.pem").write_bytes(cert)
    (folder / "key.pem").write_bytes(key)
    return folder / "cert.pem", folder / "key.pem"


@pytest.fixture(autouse=True)
def configured(app, certificate_files):
    """The organisation's certificate, configured by path with its passphrase."""
    cert, key = certificate_files
    app.config.update(
        SIGNING_CERT=str(cert),
        SIGNING_KEY=str(key),
        SIGNING_PASSPHRASE=PASSPHRASE,
    )
    return cert


def approve(app, ref: str, super_user_id: int, comment: str = "") -> None:
    """Signed off with every section acceptable but the evidence, on which the super user
    comments with text that must print as typed."""
    with app.app_context():
        revision = workflow.latest_revision(Assessment.by_reference(ref))
        evaluations = {s.slug: (Rating.ACCEPTABLE, "") for s in revision.read().sections}
    if "evidence" in evaluations:
        evaluations["evidence"] = (Rating.IMPROVABLE, TRICKY["comment"])
    factories.decide(
        app, ref, super_user_id, DecisionKind.APPROVED, comment=comment, evaluations=evaluations
    )


def approved_now(app, users) -> str:
    """A screening-route EqIA, submitted and signed off (so sealed) now: quick to make."""
    with app.app_context():
        directorate_id = factories.make_directorate().id
    ref = submitted_eqia(app, users["lead"].id, directorate_id)
    approve(app, ref, users["super_user"].id)
    return ref


@pytest.fixture
def approved(app, users, once):
    """A screening-route EqIA signed off: built once a run."""
    return once(lambda: approved_now(app, users))


@pytest.fixture
def full(app, clients, users, once):
    """A full EqIA with awkward answers and an evidence file, submitted and signed off: built
    once a run."""
    return once(lambda: full_eqia(app, clients, users))


def full_eqia(app, clients, users) -> str:
    with app.app_context():
        directorate_id = factories.make_directorate("Place & Sustainability").id
        codes = [c.code for c in Characteristic.active_in_order()]
        db.session.get(User, users["super_user"].id).job_title = "EqIA Super User"
        db.session.commit()
    lead = clients["lead"]
    ref = submit(lead, "/eqia/start", {"title": TITLE}).location.split("/")[2]
    complete(lead, ref, codes, directorate_id)
    about = {**ABOUT, "title": TITLE, "what_is_changing": TRICKY["what_is_changing"]}
    save(lead, ref, "about", {**about, "directorate_id": str(directorate_id)})
    save(lead, ref, "evidence", {**EVIDENCE, "data_used": TRICKY["data_used"]})
    save(lead, ref, "aims", {k: TRICKY[k] for k in ("eliminate", "advance", "foster")})
    save(
        lead,
        ref,
        f"impacts/{codes[0]}",
        {
            "kinds": ["negative"],
            "evidence": TRICKY["impact"],
            "mitigation": "Home library service",
            "residual": "low",
        },
    )
    with app.app_context():
        action_id = Assessment.by_reference(ref).actions[0].id
    page = soup(lead.get(f"/eqia/{ref}/actions/{action_id}"))
    version = page.select_one("input[name=version]")["value"]
    submit(
        lead,
        f"/eqia/{ref}/actions/{action_id}",
        {
            "version": version,
            "action": TRICKY["action"],
            "responsible": "Library Services",
            "start_date": ["1", "4", "2027"],
            "due_date": ["30", "9", "2027"],
            "success_measure": "All eligible residents offered the service",
        },
    )
    upload(lead, ref, make_pdf("Survey"), EVIDENCE_NAME)
    reason = {"reason_thin_evidence": "The attached survey is the evidence."}
    response = submit(lead, f"/eqia/{ref}/check", {"declaration": ["agreed"], **reason})
    assert response.status_code == 302, error_summary(soup(response))
    approve(app, ref, users["super_user"].id, comment=TRICKY["comment"])
    return ref


def pdf_text(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def flat(value: str) -> str:
    return " ".join(value.split())


def validate(content: bytes, certificate_path) -> object:
    root = certificates.load_certificates(str(certificate_path), "certificate")[0]
    reader = PdfFileReader(io.BytesIO(content))
    [embedded] = reader.embedded_signatures
    context = ValidationContext(trust_roots=[certificates.asn1_certificate(root)])
    return signing.outside_event_loop(validate_pdf_signature, embedded, context)


def download(client, ref: str, number: int | None = None):
    url = f"/records/{ref}.pdf" if number is None else f"/records/{ref}/revisions/{number}.pdf"
    return client.get(url)


def verify_page(client, content: bytes, name: str = "record.pdf"):
    return submit(
        client,
        "/records/verify",
        {"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def outcome(response) -> str:
    verdict = soup(response).select_one("#verdict")
    return verdict["data-outcome"] if verdict else ""


def flip_a_byte_of_the_content(content: bytes) -> bytes:
    """Change one byte in the middle of the first page's compressed content stream."""
    start = content.index(b"stream\r\n" if b"stream\r\n" in content else b"stream\n", 2000)
    changed = bytearray(content)
    changed[start + 40] ^= 0x01
    return bytes(changed)


# The signed record.


def test_the_auditor_downloads_a_signed_record_that_validates(app, clients, full, configured):
    response = download(clients["auditor"], full)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{full}-revision-1.pdf"'
    )
    assert "no-store" in response.headers["Cache-Control"]
    status = validate(response.data, configured)
    assert status.intact and status.bottom_line and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.docmdp_ok


def test_the_record_holds_every_answer_exactly_as_typed(app, clients, full):
    content = download(clients["auditor"], full).data
    pages = pdf_text(content)
    everything = flat(" ".join(pages))
    with app.app_context():
        revision = Assessment.by_reference(full).approved_revision
        snapshot, content_hash = revision.read(), revision.content_hash
        evidence = Assessment.by_reference(full).files[0]
    for section in snapshot.sections:
        assert flat(section.heading) in everything
        for row in section.answers:  # impacts, actions and objectives are checked below
            assert flat(row.question) in everything, row.question
            assert flat(row.answer) in everything, row.answer
    for value in TRICKY.values():
        assert flat(value) in everything, value
    for entry in snapshot.section("impacts").impacts:
        assert flat(entry.characteristic) in everything
        assert flat(entry.evidence) in everything
    assert "Zażółć gęślą jaźń" in everything
    assert "Ελληνικά" in everything and "Кириллица" in everything
    # Evidence files with their SHA-256, the sign-off block and the clearance text.
    assert flat(EVIDENCE_NAME) in everything
    assert evidence.sha256 in everything
    assert content_hash in everything
    assert "Signed off by Sue Super" in everything
    assert "Job title EqIA Super User" in everything
    assert "Could be improved" in everything
    assert (
        "Have the equality and diversity implications been cleared by your EqIA Super User? Yes."
        in everything
    )
    assert "Name of Officer: Sue Super" in everything
    assert re.search(
        rf"EqIA reference: {full}, revision 1, signed off on \d+ \w+ \d{{4}}\.", everything
    )
    # The history, and the reference and "Page N of M" on every page.
    assert "Submitted for sign-off" in everything and "Signed off" in everything
    for number, page in enumerate(pages, 1):
        assert f"Page {number} of {len(pages)}" in page
        assert f"{full} revision 1" in page
        assert "Not signed off" not in page


def test_every_download_of_a_signed_off_revision_is_the_record_sealed_at_sign_off(
    app, clients, full
):
    first = download(clients["auditor"], full)
    second = download(clients["lead"], full, 1)
    assert first.data == second.data
    digest = hashlib.sha256(first.data).hexdigest()
    assert first.headers["ETag"] == f'"{digest}"'
    again = clients["auditor"].get(f"/records/{full}.pdf", headers={"If-None-Match": digest})
    assert again.status_code == 304 and again.data == b""
    with app.app_context():
        assessment = Assessment.by_reference(full)
        revision = assessment.approved_revision
        sealed = db.session.scalar(
            select(SealedRecord).where(SealedRecord.revision_id == revision.id)
        )
        assert sealed.content == first.data and sealed.sha256 == digest
        assert sealed.signed_at == Decision.on(revision).decided_at
        # Drawing it again from the frozen data gives the same record, byte for byte.
        anchor = AuditAnchor(sealed.audit_seq, sealed.audit_hash)
        drawn = [pdf.render(documents.record(assessment, revision, anchor)) for _ in range(2)]
    assert drawn[0] == drawn[1]
    assert pdf_text(drawn[0]) == pdf_text(first.data)
    info = PdfReader(io.BytesIO(first.data)).metadata
    assert info["/EqiaContentHash"] == revision.content_hash
    assert info["/EqiaAuditSeq"] == str(sealed.audit_seq)


# Tagged PDF/UA-1: what a screen reader, or an auditor's checker, meets.


def test_the_signed_record_is_tagged_for_screen_readers(app, clients, full):
    content = download(clients["auditor"], full).data
    with app.app_context():
        snapshot = Assessment.by_reference(full).approved_revision.read()
    assert pdfs.tagging_problems(content, f"{full} revision 1: {TITLE}") == []
    tree, document = pdfs.structure(content)
    # Read in order, the headings are the record's: its title, then every section, the
    # due-regard checks, the review, the sign-off and the history, and the bookmarks are the
    # same.
    expected = [
        ("H1", TITLE),
        *(("H2", section.heading) for section in snapshot.sections),
        ("H2", "Due regard checks"),
        ("H2", "The super user's review"),
        ("H2", "Sign-off"),
        ("H2", "History"),
    ]
    assert pdfs.headings(tree) == expected
    assert pdfs.outline_titles(document) == [heading for _level, heading in expected]
    # Each answer is read after its own section's heading, before the next heading.
    current, under = None, defaultdict(set)
    for element in tree.walk():
        if element.type == "H2":
            current = flat(element.all_text)
        elif element.type == "P":
            under[flat(element.all_text)].add(current)
    for section in snapshot.sections:
        for row in section.answers:
            if row.answer:
                assert section.heading in under[flat(row.answer)], row.question


def test_the_page_furniture_is_an_artifact_on_every_page(app, clients, full):
    content = download(clients["auditor"], full).data
    marked = pdfs.marked_content(content)
    tree, _document = pdfs.structure(content)
    read_out = flat(tree.all_text)
    pages = len(marked.artifacts)
    for number, furniture in enumerate(marked.artifacts, 1):
        assert f"Page {number} of {pages}" in furniture
        assert f"{full} revision 1" in furniture
        assert "Equality Impact Assessment record" in furniture
    assert "Page 1 of" not in read_out
    assert "Equality Impact Assessment record" not in read_out
    assert flat(TRICKY["what_is_changing"]) in read_out


def test_the_watermark_is_on_every_page_of_a_draft_and_never_read_out(app, clients, users, full):
    with app.app_context():
        ref = factories.make_assessment(db.session.get(User, users["lead"].id)).reference
    draft = download(clients["lead"], ref).data
    signed = download(clients["auditor"], full).data
    marked = pdfs.marked_content(draft)
    tree, _document = pdfs.structure(draft)
    for number, furniture in enumerate(marked.artifacts, 1):
        assert "Not signed off: not the signed record" in furniture
        # The pale red watermark across the middle of the page (light grey in grey scale).
        assert pdfs.ink(draft, number, 150, 330, 300, 200, below=250) > 500, number
    assert pdfs.ink(signed, 1, 150, 480, 300, 150, below=250) == 0
    assert "Not signed off. This is not the signed record of this EqIA." in flat(tree.all_text)
    assert "not the signed record" not in flat(tree.all_text).replace(
        "not the signed record of", ""
    )


def test_qpdf_finds_nothing_wrong_with_a_signed_record(clients, full, tmp_path):
    path = tmp_path / "record.pdf"
    path.write_bytes(download(clients["auditor"], full).data)
    result = subprocess.run(
        [pdfs.tool("qpdf"), "--check", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors found" in result.stdout


def test_later_events_do_not_change_the_signed_record(app, clients, users, approved):
    before = pdf_text(download(clients["auditor"], approved).data)
    with app.app_context():
        workflow.start_review(
            Assessment.by_reference(approved), db.session.get(User, users["lead"].id)
        )
        db.session.commit()
    after = download(clients["auditor"], approved)
    assert pdf_text(after.data) == before
    assert after.headers["Content-Disposition"].endswith(f'{approved}-revision-1.pdf"')


# Records that are not signed off.


def test_a_draft_is_watermarked_and_not_signed(app, clients, users):
    with app.app_context():
        ref = factories.make_assessment(db.session.get(User, users["lead"].id)).reference
    response = download(clients["lead"], ref)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith(f'{ref}-draft-not-signed-off.pdf"')
    assert PdfFileReader(io.BytesIO(response.data)).embedded_signatures == []
    for page in pdf_text(response.data):
        assert "Not signed off" in page


def test_a_revision_awaiting_sign_off_is_watermarked_and_not_signed(app, clients, users):
    with app.app_context():
        directorate_id = factories.make_directorate().id
    ref = submitted_eqia(app, users["lead"].id, directorate_id)
    for response in (download(clients["auditor"], ref), download(clients["auditor"], ref, 1)):
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].endswith('revision-1-not-signed-off.pdf"')
        assert PdfFileReader(io.BytesIO(response.data)).embedded_signatures == []
        pages = pdf_text(response.data)
        assert all("Not signed off" in page for page in pages)
        assert "Awaiting sign-off" in " ".join(pages)
    assert outcome(verify_page(clients["auditor"], response.data)) == "not-signed"


# Who may download.


@pytest.mark.parametrize("who", ["super_user", "auditor", "admin", "lead"])
def test_an_unknown_eqia_has_no_record(clients, who):
    assert download(clients[who], "EQIA-2020-9999").status_code == 404
    assert download(clients[who], "EQIA-2020-9999", 1).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(clients, approved):
    response = download(clients["anonymous"], approved)
    assert response.status_code == 302
    assert response.location.startswith("/auth/sign-in?next=")


def test_a_lead_who_may_not_see_a_draft_gets_403(app, users):
    with app.app_context():
        ref = factories.make_assessment(db.session.get(User, users["lead"].id)).reference
        other = factories.make_user(email="other@example.org", name="Olu Other").id
    client = app.test_client()
    sign_in_as(client, other)
    assert download(client, ref).status_code == 403
    assert download(client, ref, 1).status_code == 403


def test_another_lead_reads_the_signed_record_of_an_approved_eqia(app, approved):
    with app.app_context():
        other = factories.make_user(email="other@example.org", name="Olu Other").id
    client = app.test_client()
    sign_in_as(client, other)
    assert download(client, approved).status_code == 200
    assert download(client, approved, 2).status_code == 404


def test_the_eqia_and_revision_pages_link_to_the_record(clients, approved):
    page = soup(clients["auditor"].get(f"/eqia/{approved}"))
    assert page.select_one("#record-pdf")["href"] == f"/records/{approved}.pdf"
    page = soup(clients["auditor"].get(f"/eqia/{approved}/revisions/1"))
    assert page.select_one("#record-pdf")["href"] == f"/records/{approved}/revisions/1.pdf"
    assert "Download the record (PDF)" in text(page.select_one("#record-pdf"))


# Checking a PDF: the page and the command.


def test_a_genuine_record_is_valid(app, clients, approved, runner, tmp_path):
    content = download(clients["auditor"], approved).data
    response = verify_page(clients["lead"], content)
    assert response.status_code == 200
    assert outcome(response) == "valid"
    message = text(soup(response).select_one("#verdict-message"))
    assert re.fullmatch(
        rf"This is {approved} revision 1, signed off by Sue Super on \d+ \w+ \d{{4}} at "
        r"\d+:\d\d[ap]m\. It has not been changed since it was signed\.",
        message,
    )
    path = tmp_path / "record.pdf"
    path.write_bytes(content)
    result = runner.invoke(args=["verify-pdf", str(path)])
    assert result.exit_code == 0, result.output
    assert "It has not been changed since it was signed." in result.output


def test_flipping_one_byte_says_altered(app, clients, full, runner, tmp_path):
    changed = flip_a_byte_of_the_content(download(clients["auditor"], full).data)
    response = verify_page(clients["auditor"], changed)
    assert response.status_code == 200
    assert outcome(response) == "altered"
    assert "altered since it was signed" in text(soup(response).select_one("#verdict"))
    path = tmp_path / "changed.pdf"
    path.write_bytes(changed)
    result = runner.invoke(args=["verify-pdf", str(path)])
    assert result.exit_code == 1
    assert "altered since it was signed" in result.output


def test_a_pdf_signed_with_another_certificate(app, clients, approved, runner, tmp_path):
    cert, key = make_certificate("Test County Council EqIA records")  # the same name, even
    (tmp_path / "c.pem").write_bytes(cert)
    (tmp_path / "k.pem").write_bytes(key)
    other = certificates.load_pem(str(tmp_path / "c.pem"), str(tmp_path / "k.pem"), PASSPHRASE)
    with app.app_context():
        assessment = Assessment.by_reference(approved)
        content = pdf.render(documents.record(assessment, assessment.approved_revision))
    forged = signing.sign(content, other, reason="Forged", location="Elsewhere")
    response = verify_page(clients["auditor"], forged)
    assert outcome(response) == "other-certificate"
    assert "not with this organisation's certificate" in text(soup(response).select_one("#verdict"))
    (tmp_path / "forged.pdf").write_bytes(forged)
    result = runner.invoke(args=["verify-pdf", str(tmp_path / "forged.pdf")])
    assert result.exit_code == 1
    assert "not signed with this organisation's certificate" in result.output


def test_an_unsigned_pdf_is_not_signed_by_this_service(clients, runner, tmp_path):
    response = verify_page(clients["auditor"], make_pdf("Anything"))
    assert outcome(response) == "not-signed"
    assert "not signed by this service" in text(soup(response).select_one("#verdict"))
    (tmp_path / "plain.pdf").write_bytes(make_pdf())
    result = runner.invoke(args=["verify-pdf", str(tmp_path / "plain.pdf")])
    assert result.exit_code == 1
    assert "not signed by this service" in result.output


def test_a_signed_record_that_the_database_does_not_hold(app, clients, approved):
    content = download(clients["auditor"], approved).data
    with app.app_context():
        db.session.execute(update(Revision).values(content_hash="0" * 64))
        db.session.commit()
    response = verify_page(clients["auditor"], content)
    assert outcome(response) == "not-our-record"
    assert "does not match" in text(soup(response).select_one("#verdict"))


def test_an_earlier_certificate_still_counts(app, clients, approved, tmp_path, certificate_files):
    content = download(clients["auditor"], approved).data
    cert, key = make_certificate("Next year's certificate")
    (tmp_path / "c.pem").write_bytes(cert)
    (tmp_path / "k.pem").write_bytes(key)
    app.config.update(
        SIGNING_CERT=str(tmp_path / "c.pem"),
        SIGNING_KEY=str(tmp_path / "k.pem"),
    )
    app.extensions.pop(documents.EXTENSION_KEY, None)
    assert outcome(verify_page(clients["auditor"], content)) == "other-certificate"
    app.config["SIGNING_PREVIOUS_CERTS"] = str(certificate_files[0])
    app.extensions.pop(documents.EXTENSION_KEY, None)
    assert outcome(verify_page(clients["auditor"], content)) == "valid"


def encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(make_pdf()))
    writer.encrypt(user_password="secret", owner_password="secret", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_bomb(megabytes: int = 64) -> bytes:
    """A small PDF whose catalog sits in an object stream that inflates to `megabytes`."""
    head = b"2 0 "
    catalog = b"<< /Type /Catalog /Pages 3 0 R >>"
    compressor = zlib.compressobj(6)
    data = compressor.compress(head + catalog)
    block = b" " * (1024 * 1024)
    for _ in range(megabytes):
        data += compressor.compress(block)
    data += compressor.flush()
    out = bytearray(b"%PDF-1.7\n")
    offsets = {}
    offsets[1] = len(out)
    out += (
        b"1 0 obj\n<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
        % (len(head), len(data))
    )
    out += data + b"\nendstream\nendobj\n"
    offsets[3] = len(out)
    out += b"3 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    offsets[4] = len(out)
    rows = b"".join(
        [
            bytes([0]) + (0).to_bytes(4, "big") + (65535).to_bytes(2, "big"),
            bytes([1]) + offsets[1].to_bytes(4, "big") + (0).to_bytes(2, "big"),
            bytes([2]) + (1).to_bytes(4, "big") + (0).to_bytes(2, "big"),
            bytes([1]) + offsets[3].to_bytes(4, "big") + (0).to_bytes(2, "big"),
            bytes([1]) + offsets[4].to_bytes(4, "big") + (0).to_bytes(2, "big"),
        ]
    )
    out += b"4 0 obj\n<< /Type /XRef /Size 5 /W [1 4 2] /Root 2 0 R /Length %d >>\nstream\n" % len(
        rows
    )
    out += rows + b"\nendstream\nendobj\n"
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[4]
    return bytes(out)


@pytest.mark.parametrize(
    "content, name, message",
    [
        (b"", "empty.pdf", "The selected file is empty"),
        (b"Dear auditor, this is a letter.", "letter.pdf", "The selected file must be a PDF"),
        (make_pdf()[:200], "cut.pdf", "The selected file is damaged or incomplete"),
        ("encrypted", "encrypted.pdf", "The selected file is protected with a password"),
        ("bomb", "bomb.pdf", "The selected file expands to too much data to check"),
    ],
    ids=["empty", "not-a-pdf", "truncated", "encrypted", "bomb"],
)
def test_files_that_cannot_be_checked_get_a_clear_message(
    clients, runner, tmp_path, content, name, message
):
    content = {"encrypted": encrypted_pdf, "bomb": pdf_bomb}.get(content, lambda: content)()
    before = set(os.listdir(tempfile.gettempdir()))
    response = verify_page(clients["auditor"], content, name)
    assert response.status_code == 200
    page = soup(response)
    assert error_summary(page)[0].startswith(message)
    assert title(page).startswith("Error:")
    assert page.select_one("#verdict") is None
    assert {f for f in os.listdir(tempfile.gettempdir()) if f.startswith("eqia-verify")} <= before
    (tmp_path / name).write_bytes(content)
    result = runner.invoke(args=["verify-pdf", str(tmp_path / name)])
    assert result.exit_code == 1
    assert message in result.output


def test_a_truncated_signed_record_is_not_taken_as_genuine(clients, approved):
    content = download(clients["auditor"], approved).data
    response = verify_page(clients["auditor"], content[: len(content) - 300])
    assert response.status_code == 200
    assert outcome(response) in ("", "altered")
    assert outcome(response) != "valid"


def close_request_body(response) -> None:
    """The test client spools a big request body to a temporary file that nothing closes
    (the app may refuse it unread); close it rather than leave it to the garbage collector."""
    response.request.environ["wsgi.input"].close()


@pytest.mark.parametrize("megabytes", [27, 200])
def test_a_file_over_25mb_is_refused_unread(clients, megabytes):
    big = b"%PDF-1.7\n" + b"0" * (megabytes * 1024 * 1024)
    response = verify_page(clients["auditor"], big)
    close_request_body(response)
    assert response.status_code == 413
    page = soup(response)
    assert error_summary(page) == ["The selected file must be smaller than 25MB"]
    assert h1(page) == "Check a PDF record"


def test_a_file_just_over_25mb_within_the_request_limit_is_refused(clients):
    big = b"%PDF-1.7\n" + b"0" * (documents.MAX_PDF_BYTES + 10)
    response = verify_page(clients["auditor"], big)
    close_request_body(response)
    assert error_summary(soup(response)) == ["The selected file must be smaller than 25MB"]


def test_the_verify_page_asks_for_a_file(clients):
    page = soup(clients["lead"].get("/records/verify"))
    assert h1(page) == "Check a PDF record"
    assert page.select_one("input[type=file][name=file]") is not None
    response = submit(clients["lead"], "/records/verify", {})
    assert error_summary(soup(response)) == ["Select a PDF"]


def test_the_verify_page_needs_sign_in(clients):
    response = clients["anonymous"].get("/records/verify")
    assert response.status_code == 302
    assert response.location.startswith("/auth/sign-in?next=")


# The certificate.


def test_development_makes_a_self_signed_certificate_once_and_says_so(app, tmp_path, caplog):
    app.config.update(SIGNING_CERT="", SIGNING_KEY="", SIGNING_FOLDER=str(tmp_path / "signing"))
    with caplog.at_level("WARNING", logger="eqia.records.signing"):
        first = documents.load_keys(app)
    assert "Created a self-signed development certificate" in caplog.text
    path = tmp_path / "signing" / certificates.DEVELOPMENT_FILE
    assert path.stat().st_mode & 0o777 == 0o600
    caplog.clear()
    with caplog.at_level("WARNING", logger="eqia.records.signing"):
        second = documents.load_keys(app)
    assert caplog.text == ""
    assert first.certificate.fingerprint == second.certificate.fingerprint
    assert first.certificate.self_signed_for_development


def test_a_wrong_passphrase_is_a_clear_error(app):
    app.config["SIGNING_PASSPHRASE"] = "not the passphrase"
    with pytest.raises(certificates.CertificateError, match="check EQIA_SIGNING_PASSPHRASE"):
        documents.load_keys(app)


def test_a_pkcs12_file_signs_as_well(app, clients, approved, tmp_path, certificate_files):
    from cryptography.hazmat.primitives.serialization import pkcs12

    cert_path, key_path = certificate_files
    loaded = certificates.load_pem(str(cert_path), str(key_path), PASSPHRASE)
    bundle = pkcs12.serialize_key_and_certificates(
        b"eqia",
        loaded.key,
        loaded.certificate,
        None,
        serialization.BestAvailableEncryption(b"p12 passphrase"),
    )
    (tmp_path / "org.p12").write_bytes(bundle)
    app.config.update(
        SIGNING_CERT="",
        SIGNING_KEY="",
        SIGNING_PKCS12=str(tmp_path / "org.p12"),
        SIGNING_PASSPHRASE="p12 passphrase",
    )
    content = download(clients["auditor"], approved).data
    assert validate(content, cert_path).bottom_line
    assert outcome(verify_page(clients["auditor"], content)) == "valid"


def test_a_timestamp_authority_needs_its_root_certificate(app):
    app.config.update(TSA_URL="https://tsa.example.org/", TSA_CERT="")
    with pytest.raises(certificates.CertificateError, match="EQIA_TSA_URL needs EQIA_TSA_CERT"):
        documents.load_keys(app)


def test_records_are_still_signed_while_the_timestamp_authority_is_down(
    app, clients, users, tmp_path, caplog
):
    root, _cert, _key = make_tsa()
    (tmp_path / "tsa-root.pem").write_bytes(root)
    # Nothing listens on port 9 here: the request fails at once.
    app.config.update(TSA_URL="http://127.0.0.1:9/", TSA_CERT=str(tmp_path / "tsa-root.pem"))
    response = download(clients["auditor"], approved_now(app, users))
    assert response.status_code == 200
    assert "The timestamp authority or a revocation service failed" in caplog.text
    assert outcome(verify_page(clients["auditor"], response.data)) == "valid"


def test_the_demo_approved_eqias_export(app, runner):
    result = runner.invoke(args=["seed-demo", "--password", "a long demo password"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        approved = db.session.scalars(
            select(Assessment).where(Assessment.approved_revision_id.is_not(None))
        ).all()
        assert len(approved) >= 2
        for assessment in approved:
            document = sealing.in_force(assessment)
            assert document.signed
            assert documents.check(io.BytesIO(document.content)).valid

"""Evidence files: upload, list, download and remove, with content checked and names cleaned."""

import gc
import hashlib
import io
import os
import struct
import threading
import zipfile
import zlib
from urllib.parse import unquote

import pytest
from flask import has_request_context, request
from sqlalchemy import delete, event, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from config import INSTANCE_PATH
from eqia.extensions import db
from eqia.models import Assessment, DecisionKind, Event, EvidenceChunk, EvidenceFile, User
from eqia.uploads import MAX_FILE_BYTES, clean_name
from tests import factories
from tests.conftest import sign_in_as
from tests.helpers import (
    banners,
    csrf_token,
    error_summary,
    h1,
    inline_errors,
    soup,
    submit,
    table_rows,
    text,
    title,
)

WRONG_TYPE = "The selected file must be a PDF, Word, Excel, CSV, OpenDocument, PNG or JPEG"


# Real (small) files of each kind, made by hand.


def make_pdf(text: str = "Evidence") -> bytes:
    """A minimal valid one-page PDF, with a correct cross-reference table."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def make_zip(entries: dict[str, bytes], stored_first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first:
            archive.writestr(
                zipfile.ZipInfo(stored_first), entries[stored_first], zipfile.ZIP_STORED
            )
        for name, data in entries.items():
            if name != stored_first:
                archive.writestr(name, data)
    return buffer.getvalue()


CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
    b"</Types>"
)


def make_docx(extra: dict[str, bytes] | None = None) -> bytes:
    return make_zip(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "_rels/.rels": b"<Relationships/>",
            "word/document.xml": b"<w:document><w:body><w:p/></w:body></w:document>",
            **(extra or {}),
        }
    )


def make_xlsx() -> bytes:
    return make_zip(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "_rels/.rels": b"<Relationships/>",
            "xl/workbook.xml": b"<workbook/>",
        }
    )


def make_odf(kind: str) -> bytes:
    return make_zip(
        {
            "mimetype": f"application/vnd.oasis.opendocument.{kind}".encode(),
            "META-INF/manifest.xml": b"<manifest/>",
            "content.xml": b"<office:document-content/>",
        },
        stored_first="mimetype",
    )


def make_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def make_ole2(stream: str) -> bytes:
    """An OLE2 compound file header and a directory with a root and one named stream."""

    def entry(name: str, kind: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + b"\xff" * 12
            + b"\0" * 48
        )

    header = bytes.fromhex("d0cf11e0a1b11ae1").ljust(512, b"\0")
    return header + entry("Root Entry", 5) + entry(stream, 2) + b"\0" * 256


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\0" * 120
WINDOWS_PROGRAM = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\0" * 118 + b"This program cannot be run"
)


# Fixtures and helpers.


@pytest.fixture
def eqia(app, users, temporary):
    """A draft EqIA owned by the lead; returns its reference."""
    with app.app_context():
        return factories.make_assessment(db.session.get(User, users["lead"].id)).reference


def files_url(ref: str) -> str:
    return f"/eqia/{ref}/evidence/files"


def upload(client, ref: str, content: bytes, name: str, url: str | None = None):
    return submit(
        client,
        url or files_url(ref),
        {"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def token_from(client, url: str = "/") -> str:
    """The session's CSRF token, from any page the person may see."""
    return csrf_token(soup(client.get(url)))


def big_upload(client, ref: str, content: bytes, name: str):
    """Upload a large file, its request body built in memory rather than in a temporary file."""
    upload = FileStorage(io.BytesIO(content), filename=name, content_type="application/pdf")
    boundary, body = encode_multipart(
        {"csrf_token": token_from(client, files_url(ref)), "file": upload}
    )
    return client.post(
        files_url(ref),
        input_stream=io.BytesIO(body),
        content_type=f'multipart/form-data; boundary="{boundary}"',
    )


def stored(app) -> list[EvidenceFile]:
    with app.app_context():
        return list(db.session.scalars(select(EvidenceFile).order_by(EvidenceFile.id)))


def on_disk(folder) -> list[str]:
    return sorted(os.listdir(folder)) if folder.exists() else []


def stored_bytes(app) -> dict[int, bytes]:
    """Each evidence file's bytes as the database holds them, by the file's id."""
    held: dict[int, bytes] = {}
    with app.app_context():
        query = select(EvidenceChunk.evidence_file_id, EvidenceChunk.data).order_by(
            EvidenceChunk.evidence_file_id, EvidenceChunk.seq
        )
        for file_id, data in db.session.execute(query):
            held[file_id] = held.get(file_id, b"") + data
    return held


def chunks_of(app, file_id: int) -> list[int]:
    with app.app_context():
        query = select(EvidenceChunk.seq).where(EvidenceChunk.evidence_file_id == file_id)
        return list(db.session.scalars(query.order_by(EvidenceChunk.seq)))


def saved_events(app) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(select(Event.note).where(Event.kind == "saved").order_by(Event.seq))
        )


def assert_refused(app, temporary, response, message: str) -> None:
    page = soup(response)
    assert response.status_code == 200
    assert error_summary(page) == [message]
    assert inline_errors(page) == [message]
    assert title(page).startswith("Error:")
    assert page.select_one(".govuk-error-summary a")["href"] == "#file"
    assert stored(app) == []
    assert stored_bytes(app) == {}
    assert on_disk(temporary) == []  # the temporary copy is deleted
    assert saved_events(app) == []


# Uploading, listing and downloading.


def test_the_page_lists_nothing_at_first_and_offers_an_upload(clients, eqia):
    page = soup(clients["lead"].get(files_url(eqia)))
    assert h1(page) == "Evidence files"
    assert title(page).startswith("Evidence files")
    assert page.select_one("#no-files") is not None
    form = page.select_one("form[enctype='multipart/form-data']")
    field = form.select_one("input[type=file]#file")
    assert field["name"] == "file"
    assert ".pdf" in field["accept"] and ".docx" in field["accept"]
    assert form.select_one("label[for=file]").get_text(strip=True) == "Upload a file"
    assert [b.get_text(strip=True) for b in form.select("button")] == ["Upload file"]


def test_a_pdf_is_uploaded_listed_and_downloaded_unchanged(app, clients, users, eqia, temporary):
    pdf = make_pdf()
    response = upload(clients["lead"], eqia, pdf, "Library usage 2024.pdf")
    assert response.status_code == 302
    assert response.location == files_url(eqia)

    [row] = stored(app)
    assert row.original_name == "Library usage 2024.pdf"
    assert row.sha256 == hashlib.sha256(pdf).hexdigest()
    assert row.size == len(pdf)
    assert row.content_type == "application/pdf"
    assert row.uploaded_by_id == users["lead"].id
    assert stored_bytes(app) == {row.id: pdf}
    assert on_disk(temporary) == []
    assert saved_events(app) == ["Evidence and engagement"]

    page = soup(clients["lead"].get(files_url(eqia)))
    assert banners(page) == ["Library usage 2024.pdf has been uploaded."]
    [cells] = table_rows(page, "#evidence-files")
    assert cells[0] == "Library usage 2024.pdf"
    assert cells[1] == "1 KB"
    assert cells[2].startswith("Lee Lead, ")
    assert cells[3] == "Download Library usage 2024.pdf Remove Library usage 2024.pdf"
    download = page.select_one(f"#evidence-files a[href$='/evidence/files/{row.id}']")
    assert download["href"] == f"/eqia/{eqia}/evidence/files/{row.id}"

    response = clients["lead"].get(download["href"])
    assert response.status_code == 200
    assert response.is_streamed
    assert response.data == pdf
    assert response.headers["Content-Length"] == str(len(pdf))
    assert response.headers["ETag"] == f'"{hashlib.sha256(pdf).hexdigest()}"'
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="Library usage 2024.pdf"'
    )
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"

    again = clients["lead"].get(
        download["href"], headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304
    assert again.data == b""


@pytest.mark.parametrize(
    "name, content, content_type",
    [
        ("Consultation.docx", make_docx(), "wordprocessingml.document"),
        ("Budget.XLSX", make_xlsx(), "spreadsheetml.sheet"),
        ("Old report.doc", make_ole2("WordDocument"), "application/msword"),
        ("Old figures.xls", make_ole2("Workbook"), "application/vnd.ms-excel"),
        ("Responses.csv", "\ufeffname,age\nZoë,42\n".encode(), "text/csv"),
        ("Plain.csv", b"a,b\n1,2\n", "text/csv"),
        ("Notes.odt", make_odf("text"), "opendocument.text"),
        ("Numbers.ods", make_odf("spreadsheet"), "opendocument.spreadsheet"),
        ("Slides.odp", make_odf("presentation"), "opendocument.presentation"),
        ("Map.png", make_png(), "image/png"),
        ("Photo.jpg", JPEG, "image/jpeg"),
        ("Photo.jpeg", JPEG, "image/jpeg"),
    ],
)
def test_every_accepted_kind_is_recognised_by_its_content(
    app, clients, eqia, name, content, content_type
):
    response = upload(clients["lead"], eqia, content, name)
    assert response.status_code == 302, error_summary(soup(response))
    [row] = stored(app)
    assert content_type in row.content_type
    assert stored_bytes(app) == {row.id: content}


@pytest.mark.parametrize(
    "name, content",
    [
        ("report.pdf", ELF),
        ("report.pdf", WINDOWS_PROGRAM),
        ("report.pdf", make_png()),
        ("report.pdf", b" %PDF-1.4 not at the start"),
        ("picture.png", JPEG),
        ("photo.jpg", make_pdf()),
        ("setup.exe", WINDOWS_PROGRAM),
        ("page.html", b"<html><script>alert(1)</script></html>"),
        ("report", make_pdf()),
        ("report.pdf.exe", make_pdf()),
        ("letter.docx", make_xlsx()),
        ("sheet.xlsx", make_docx()),
        ("letter.docx", make_zip({"word/document.xml": b"<w:document/>"})),
        ("macros.docx", make_docx({"word/vbaProject.bin": b"\0" * 16})),
        ("letter.docx", WINDOWS_PROGRAM + make_docx()),
        ("letter.docx", b"PK\x03\x04 but not really a zip"),
        ("notes.odt", make_odf("spreadsheet")),
        ("notes.odt", make_zip({"content.xml": b"<x/>"})),
        ("old.doc", make_ole2("Workbook")),
        ("old.xls", make_ole2("WordDocument")),
        ("old.doc", ELF),
        ("data.csv", "name,town\nJosé,Ely\n".encode("latin-1")),
        ("data.csv", b"a,b\n1,\x002\n"),
        ("data.csv", ELF),
    ],
)
def test_content_that_is_not_what_the_name_says_is_refused(
    app, clients, eqia, temporary, name, content
):
    response = upload(clients["lead"], eqia, content, name)
    assert_refused(app, temporary, response, WRONG_TYPE)


def test_no_file_chosen(app, clients, eqia, temporary):
    response = submit(clients["lead"], files_url(eqia), {}, content_type="multipart/form-data")
    assert_refused(app, temporary, response, "Select a file")
    # What a browser sends when nothing is chosen: a part with no name and no content.
    response = upload(clients["lead"], eqia, b"", "")
    assert_refused(app, temporary, response, "Select a file")


def test_an_empty_file_is_refused(app, clients, eqia, temporary):
    response = upload(clients["lead"], eqia, b"", "empty.pdf")
    assert_refused(app, temporary, response, "The selected file is empty")


def test_a_file_over_20mb_is_refused(app, clients, eqia, temporary):
    content = make_pdf() + b"\0" * (MAX_FILE_BYTES + 1 - len(make_pdf()))
    assert len(content) == 20 * 1024 * 1024 + 1
    response = big_upload(clients["lead"], eqia, content, "big.pdf")
    assert_refused(app, temporary, response, "The selected file must be smaller than 20MB")


def test_a_file_of_exactly_20mb_is_accepted_kept_in_chunks_and_streamed_back(
    app, clients, eqia, temporary
):
    content = make_pdf() + os.urandom(MAX_FILE_BYTES - len(make_pdf()))
    response = big_upload(clients["lead"], eqia, content, "exactly.pdf")
    assert response.status_code == 302
    [row] = stored(app)
    assert row.size == MAX_FILE_BYTES
    assert row.sha256 == hashlib.sha256(content).hexdigest()
    assert chunks_of(app, row.id) == list(range(20))  # 1 MiB each
    assert on_disk(temporary) == []

    response = clients["lead"].get(f"{files_url(eqia)}/{row.id}")
    assert response.is_streamed
    assert response.headers["Content-Length"] == str(MAX_FILE_BYTES)
    body = response.data
    assert body == content
    assert response.headers["ETag"] == f'"{hashlib.sha256(body).hexdigest()}"'


def instance_files() -> list[str]:
    return sorted(str(path) for path in INSTANCE_PATH.rglob("*"))


def test_nothing_is_written_under_the_instance_folder(app, clients, eqia):
    """Any instance of the service behind the load balancer has every file: none is on
    one machine's disk."""
    assert not {"UPLOAD_FOLDER", "PLAN_IMPORT_FOLDER"} & set(app.config)
    before = instance_files()
    assert upload(clients["lead"], eqia, make_pdf(), "report.pdf").status_code == 302
    [row] = stored(app)
    assert clients["lead"].get(f"{files_url(eqia)}/{row.id}").data == make_pdf()
    assert instance_files() == before


# The limit on an EqIA's files together.

MB = 1024 * 1024


def pdf_of(size: int) -> bytes:
    return make_pdf() + b"\n" * (size - len(make_pdf()))


def space(client, ref: str) -> str:
    return text(soup(client.get(files_url(ref))).select_one("#evidence-space"))


def test_the_files_of_a_draft_together_must_fit_the_evidence_limit(app, clients, eqia, temporary):
    app.config["EVIDENCE_LIMIT"] = 3 * MB
    assert big_upload(clients["lead"], eqia, pdf_of(2 * MB), "first.pdf").status_code == 302
    [first] = stored(app)
    assert (
        space(clients["lead"], eqia) == "These files take up 2 MB of the 3 MB this EqIA can hold."
    )

    response = big_upload(clients["lead"], eqia, pdf_of(MB + MB // 2), "second.pdf")
    message = (
        "The evidence files for this EqIA can be 3 MB in total. This file is 1.5 MB and 2 MB "
        "is used already. Remove a file or make this one smaller."
    )
    page = soup(response)
    assert response.status_code == 200
    assert error_summary(page) == [message]
    assert inline_errors(page) == [message]
    assert title(page).startswith("Error:")
    assert [f.id for f in stored(app)] == [first.id]
    assert list(stored_bytes(app)) == [first.id]
    assert saved_events(app) == ["Evidence and engagement"]

    # Up to the limit exactly is allowed.
    assert big_upload(clients["lead"], eqia, pdf_of(MB), "third.pdf").status_code == 302
    assert [f.original_name for f in stored(app)] == ["first.pdf", "third.pdf"]


def test_two_uploads_at_once_cannot_both_take_the_last_of_the_limit(app, users, eqia):
    """Both requests have stored their file before either writes to the database."""
    app.config["EVIDENCE_LIMIT"] = 3 * MB
    posts = []
    for name in ("first.pdf", "second.pdf"):
        client = app.test_client()
        sign_in_as(client, users["lead"].id)
        body = FileStorage(io.BytesIO(pdf_of(2 * MB)), filename=name)
        boundary, data = encode_multipart(
            {"csrf_token": token_from(client, files_url(eqia)), "file": body}
        )
        posts.append((client, data, f"multipart/form-data; boundary={boundary}"))
    both_stored = threading.Barrier(2, timeout=10)
    waited = threading.local()

    def hold_the_first_write(_session, _context, _instances):
        if has_request_context() and request.method == "POST" and not getattr(waited, "yes", 0):
            waited.yes = 1
            both_stored.wait()

    responses = []

    def post(client, data, content_type):
        responses.append(client.post(files_url(eqia), data=data, content_type=content_type))

    event.listen(db.session, "before_flush", hold_the_first_write)
    try:
        threads = [threading.Thread(target=post, args=args) for args in posts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        event.remove(db.session, "before_flush", hold_the_first_write)
    assert sorted(r.status_code for r in responses) == [200, 302]
    [refused] = [soup(r) for r in responses if r.status_code == 200]
    assert "2 MB is used already" in error_summary(refused)[0]
    [kept] = stored(app)
    assert list(stored_bytes(app)) == [kept.id]


def test_a_file_bigger_than_the_whole_limit_is_refused(app, clients, eqia, temporary):
    app.config["EVIDENCE_LIMIT"] = MB
    response = big_upload(clients["lead"], eqia, pdf_of(2 * MB), "big.pdf")
    assert_refused(
        app,
        temporary,
        response,
        "The evidence files for this EqIA can be 1 MB in total. This file is 2 MB. "
        "Make it smaller.",
    )


def test_files_kept_only_for_a_frozen_revision_do_not_count(app, clients, users, directorate_id):
    app.config["EVIDENCE_LIMIT"] = 3 * MB
    with app.app_context():
        ref = factories.make_eqia("Library hours", stage="complete").reference
    big_upload(clients["lead"], ref, pdf_of(2 * MB), "Visit counts.pdf")
    with app.app_context():
        assessment = Assessment.by_reference(ref)
        factories.submit(assessment, assessment.owner)
        db.session.commit()
    factories.decide(app, ref, users["super_user"].id, DecisionKind.RETURNED)

    response = big_upload(clients["lead"], ref, pdf_of(2 * MB), "Visit counts 2025.pdf")
    assert "2 MB is used already" in error_summary(soup(response))[0]
    [frozen] = stored(app)
    submit(clients["lead"], f"{files_url(ref)}/{frozen.id}/remove", {})
    [kept] = stored(app)
    assert kept.removed_at is not None  # revision 1 names it

    response = big_upload(clients["lead"], ref, pdf_of(2 * MB), "Visit counts 2025.pdf")
    assert response.status_code == 302
    assert space(clients["lead"], ref) == "These files take up 2 MB of the 3 MB this EqIA can hold."


def test_a_request_over_the_body_limit_gets_413_and_stores_nothing(app, clients, eqia, temporary):
    content = b"%PDF-1.4\n" + b"\0" * app.config["MAX_CONTENT_LENGTH"]
    response = big_upload(clients["lead"], eqia, content, "huge.pdf")
    assert response.status_code == 413
    assert h1(soup(response)) == "The file or form you sent is too large"
    assert stored(app) == []
    assert stored_bytes(app) == {}
    assert on_disk(temporary) == []


class EndlessBody(io.RawIOBase):
    """A request body of the given length, produced as it is read, never held in memory."""

    def __init__(self, size: int, prefix: bytes):
        self.left, self.prefix = size, prefix
        self.read_so_far = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.left)
        data = (self.prefix + b"\0" * n)[:n]
        self.prefix = self.prefix[n:]
        buffer[:n] = data
        self.left -= n
        self.read_so_far += n
        return n


@pytest.mark.parametrize(
    "declared",
    [
        pytest.param(True, id="content-length"),
        # Werkzeug stops reading at the limit and drops its half-filled, already unlinked
        # temporary file without closing it: Python closes it, with a ResourceWarning.
        pytest.param(
            False,
            id="chunked",
            marks=[
                pytest.mark.filterwarnings("ignore::ResourceWarning"),
                pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
            ],
        ),
    ],
)
def test_a_200mb_upload_gets_413_without_being_read(app, clients, eqia, temporary, declared):
    size = 200 * 1024 * 1024
    prefix = (
        b"--boundary\r\n"
        b'Content-Disposition: form-data; name="csrf_token"\r\n\r\n'
        + token_from(clients["lead"], files_url(eqia)).encode()
        + b"\r\n--boundary\r\n"
        b'Content-Disposition: form-data; name="file"; filename="huge.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
    )
    body = EndlessBody(size, prefix)
    environ = {"wsgi.input": body, "CONTENT_TYPE": "multipart/form-data; boundary=boundary"}
    if declared:
        environ["CONTENT_LENGTH"] = str(size)
    else:  # as a server passes on a chunked body: no length, read to the end
        environ.update({"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True})
    response = clients["lead"].post(files_url(eqia), environ_overrides=environ)
    assert response.status_code == 413
    assert body.read_so_far <= app.config["MAX_CONTENT_LENGTH"] + 1024 * 1024
    assert stored(app) == []
    assert stored_bytes(app) == {}
    assert on_disk(temporary) == []
    gc.collect()  # while this test's warning filters still apply


# Names.


@pytest.mark.parametrize(
    "raw, cleaned",
    [
        ("../../etc/passwd<script>.pdf", "passwd<script>.pdf"),
        ("C:\\Users\\lee\\Desktop\\report.pdf", "report.pdf"),
        ("report\x00\x07.pdf", "report.pdf"),
        ("line\nbreak.pdf", "line break.pdf"),
        ("zero\u200b width.pdf", "zero width.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("  lots   of\tspace .pdf ", "lots of space .pdf"),
        ("...hidden.pdf", "hidden.pdf"),
        ("Zaz\u0307o\u0301\u0142c\u0301.pdf", "Zażółć.pdf"),
        ("", ""),
        ("../", ""),
        ("x" * 300 + ".docx", "x" * 145 + ".docx"),
        ("x" * 300, "x" * 150),
    ],
)
def test_names_are_cleaned(raw, cleaned):
    assert clean_name(raw) == cleaned


def test_a_hostile_name_is_cleaned_and_shown_as_text(app, clients, eqia, temporary):
    response = upload(clients["lead"], eqia, make_pdf(), "../../etc/passwd<script>.pdf")
    assert response.status_code == 302
    [row] = stored(app)
    assert row.original_name == "passwd<script>.pdf"
    assert stored_bytes(app) == {row.id: make_pdf()}
    assert on_disk(temporary) == []

    response = clients["lead"].get(files_url(eqia))
    html = response.get_data(as_text=True)
    assert "passwd&lt;script&gt;.pdf" in html
    assert "<script>" not in html
    assert table_rows(soup(response), "#evidence-files")[0][0] == "passwd<script>.pdf"

    response = clients["lead"].get(f"/eqia/{eqia}/evidence/files/{row.id}", buffered=True)
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"passwd_script.pdf\"; filename*=UTF-8''passwd%3Cscript%3E.pdf"
    )


@pytest.mark.parametrize(
    "name, content, fallback",
    [
        ("Zażółć.pdf", make_pdf(), "Zazoc.pdf"),
        ("Ελληνικά.docx", make_docx(), "evidence.docx"),
    ],
)
def test_unicode_names_are_kept_and_sent_back(app, clients, eqia, name, content, fallback):
    response = upload(clients["lead"], eqia, content, name)
    assert response.status_code == 302, error_summary(soup(response))
    [row] = stored(app)
    assert row.original_name == name
    page = soup(clients["lead"].get(files_url(eqia)))
    assert table_rows(page, "#evidence-files")[0][0] == name

    response = clients["lead"].get(f"/eqia/{eqia}/evidence/files/{row.id}", buffered=True)
    assert response.data == content
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="{fallback}"; ')
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == name
    disposition.encode("latin-1")  # a header must be plain bytes


# Who may do what.


@pytest.fixture
def with_file(app, clients, eqia):
    upload(clients["lead"], eqia, make_pdf(), "report.pdf")
    [row] = stored(app)
    return row


@pytest.fixture
def other_lead(app):
    with app.app_context():
        user_id = factories.make_user(email="lead2@example.org", name="Les Lead").id
    client = app.test_client()
    sign_in_as(client, user_id)
    return client


def test_another_lead_can_do_nothing_with_a_draft_that_is_not_theirs(
    app, other_lead, eqia, with_file
):
    base = files_url(eqia)
    token = token_from(other_lead)
    assert other_lead.get(base).status_code == 403
    response = other_lead.post(
        base, data={"csrf_token": token, "file": (io.BytesIO(make_pdf()), "x.pdf")}
    )
    assert response.status_code == 403
    assert other_lead.get(f"{base}/{with_file.id}").status_code == 403
    assert other_lead.get(f"{base}/{with_file.id}/remove").status_code == 403
    response = other_lead.post(f"{base}/{with_file.id}/remove", data={"csrf_token": token})
    assert response.status_code == 403
    assert [f.id for f in stored(app)] == [with_file.id]
    assert list(stored_bytes(app)) == [with_file.id]


@pytest.mark.parametrize(
    "who, upload_status, download_status, remove_status",
    [
        ("lead", 200, 200, 200),
        ("super_user", 403, 200, 403),
        ("auditor", 403, 200, 403),
        ("admin", 403, 200, 403),
        ("anonymous", 302, 302, 302),
    ],
)
def test_readers_download_and_only_authors_change(
    clients, eqia, with_file, who, upload_status, download_status, remove_status
):
    base = files_url(eqia)
    assert clients[who].get(base).status_code == upload_status
    response = clients[who].get(f"{base}/{with_file.id}", buffered=True)
    assert response.status_code == download_status
    assert clients[who].get(f"{base}/{with_file.id}/remove").status_code == remove_status


def test_an_auditor_cannot_upload(app, clients, eqia, temporary):
    response = clients["auditor"].post(
        files_url(eqia),
        data={
            "csrf_token": token_from(clients["auditor"]),
            "file": (io.BytesIO(make_pdf()), "x.pdf"),
        },
    )
    assert response.status_code == 403
    assert stored(app) == []
    assert stored_bytes(app) == {}


def test_a_file_of_another_eqia_is_not_found(app, clients, users, eqia, with_file):
    with app.app_context():
        other = factories.make_assessment(db.session.get(User, users["lead"].id), "Other")
        other_ref = other.reference
    assert clients["lead"].get(f"{files_url(other_ref)}/{with_file.id}").status_code == 404
    assert clients["lead"].get(f"{files_url(other_ref)}/{with_file.id}/remove").status_code == 404
    assert clients["lead"].get(f"{files_url(eqia)}/999999").status_code == 404


# Removing.


def test_removing_a_file_deletes_the_row_and_its_bytes(app, clients, eqia, with_file):
    assert list(stored_bytes(app)) == [with_file.id]
    url = f"{files_url(eqia)}/{with_file.id}/remove"
    page = soup(clients["lead"].get(url))
    assert h1(page) == "Are you sure you want to remove this file?"
    assert "report.pdf" in page.get_text()

    response = submit(clients["lead"], url, {})
    assert response.status_code == 302
    assert response.location == files_url(eqia)
    assert stored(app) == []
    assert stored_bytes(app) == {}
    assert saved_events(app) == ["Evidence and engagement", "Evidence and engagement"]
    page = soup(clients["lead"].get(files_url(eqia)))
    assert banners(page) == ["report.pdf has been removed."]
    assert page.select_one("#no-files") is not None
    assert clients["lead"].get(f"{files_url(eqia)}/{with_file.id}").status_code == 404


def test_removing_needs_the_csrf_token(app, clients, eqia, with_file):
    response = clients["lead"].post(f"{files_url(eqia)}/{with_file.id}/remove")
    assert response.status_code == 400
    assert [f.id for f in stored(app)] == [with_file.id]
    assert list(stored_bytes(app)) == [with_file.id]


def test_a_file_whose_bytes_were_never_found_says_so_and_can_still_be_removed(
    app, clients, eqia, with_file
):
    """As migration 0011 leaves a file that was missing from the old folder."""
    with app.app_context():
        db.session.execute(delete(EvidenceChunk))
        db.session.commit()
    response = clients["lead"].get(f"{files_url(eqia)}/{with_file.id}")
    assert response.status_code == 404
    page = soup(response)
    assert h1(page) == "This file cannot be downloaded"
    assert "Ask the person who uploaded it to upload it again" in text(page.find("main"))
    response = submit(clients["lead"], f"{files_url(eqia)}/{with_file.id}/remove", {})
    assert response.status_code == 302
    assert stored(app) == []


# Moving on.


def test_continue_goes_to_the_next_page_or_back_to_check_answers(app, clients, eqia):
    page = soup(clients["lead"].get(files_url(eqia)))
    [continue_link] = [
        a for a in page.select("a.govuk-button") if a.get_text(strip=True) == "Continue"
    ]
    with app.test_request_context():
        from eqia import sections

        assessment = Assessment.by_reference(eqia)
        ctx = sections.Context.load(assessment)
        here = sections.find_page(assessment, ctx, "evidence/files")
        expected = sections.next_page(assessment, ctx, here).url(assessment)
    assert continue_link["href"] == expected
    assert expected.startswith(f"/eqia/{eqia}/questions/impacts/")

    url = files_url(eqia) + "?return=check"
    page = soup(clients["lead"].get(url))
    [continue_link] = [
        a for a in page.select("a.govuk-button") if a.get_text(strip=True) == "Continue"
    ]
    assert continue_link["href"] == f"/eqia/{eqia}/check"
    response = upload(clients["lead"], eqia, make_pdf(), "report.pdf", url=url)
    assert response.location == url

"""Evidence files attached to the evidence section.

Files are kept outside the web root, under ``UPLOAD_FOLDER`` (by default
``<instance>/uploads``), each under a random name; the name the person gave is
kept, cleaned, for display and downloads only. A file is accepted only when its
content is what its name says it is and clamd (when configured, see ``eqia.scanning``)
finds no virus in it, and is only ever sent back as an attachment. The files a draft
holds may add up to ``EVIDENCE_LIMIT`` (by default 100 MB); files kept only for frozen
revisions do not count.

Once a revision is submitted, the files it names are that revision's: removing one
from a later draft hides it from the draft but keeps its bytes, which stay
downloadable with the same hash. Each file added or removed is an audit event with
its name and SHA-256.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_login import current_user
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from eqia import scanning, sections
from eqia.assessments import bp
from eqia.downloads import attachment
from eqia.errors import IllegalMove
from eqia.extensions import db
from eqia.forms import ConfirmForm, Form, Required
from eqia.models import Assessment, Decision, EventKind, EvidenceFile, User
from eqia.models.audit import record
from eqia.permissions import SIGNED_IN, Part, allow, assessment_access, can_read
from eqia.sections import saving
from eqia.timefmt import utcnow

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_NAME_LENGTH = 150
CHUNK = 64 * 1024  # a multiple of 128, which the OLE2 directory scan relies on

SELECT_A_FILE = "Select a file"
EMPTY = "The selected file is empty"
WRONG_TYPE = "The selected file must be a PDF, Word, Excel, CSV, OpenDocument, PNG or JPEG"
TOO_BIG = "The selected file must be smaller than 20MB"
CONFLICT = "Someone else changed this EqIA at the same moment. Try again."


class Refused(Exception):
    """The upload cannot be kept; the message says why, in GOV.UK words."""


# Recognising content. Each check reads the stored file; none trusts the name alone.


def _head(path: str, size: int = 16) -> bytes:
    with open(path, "rb") as file:
        return file.read(size)


def _starts_with(*signatures: bytes) -> Callable[[str], bool]:
    def check(path: str) -> bool:
        return _head(path).startswith(signatures)

    return check


ZIP_SIGNATURE = b"PK\x03\x04"
OLE2_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")
ZIP_ERRORS = (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError, EOFError)


def _zip_names(path: str) -> list[str] | None:
    """The entries of a ZIP that starts as one (not a program with a ZIP appended)."""
    if not _head(path).startswith(ZIP_SIGNATURE):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.namelist()
    except ZIP_ERRORS:
        return None


def _office_open_xml(part_folder: str) -> Callable[[str], bool]:
    """A .docx or .xlsx: a ZIP with its content types and its main part folder, no macros."""

    def check(path: str) -> bool:
        names = _zip_names(path)
        if not names or "[Content_Types].xml" not in names:
            return False
        if any(name.rsplit("/", 1)[-1].lower() == "vbaproject.bin" for name in names):
            return False  # macro-enabled (.docm, .xlsm) under another name
        return any(name.startswith(part_folder) for name in names)

    return check


def _open_document(mimetype: str) -> Callable[[str], bool]:
    """An OpenDocument file: a ZIP whose ``mimetype`` entry names its kind."""

    def check(path: str) -> bool:
        if _zip_names(path) is None:
            return False
        try:
            with zipfile.ZipFile(path) as archive, archive.open("mimetype") as entry:
                return entry.read(len(mimetype) + 1) == mimetype.encode("ascii")
        except (KeyError, *ZIP_ERRORS):
            return False

    return check


def _ole2(*streams: str) -> Callable[[str], bool]:
    """A .doc or .xls: an OLE2 compound file holding one of the named streams.

    Directory entries are 128 bytes on 128-byte boundaries: a UTF-16 name, its
    length in bytes at offset 64 and the entry type (2, a stream) at 66.
    """
    needles = [(name + "\0").encode("utf-16-le") for name in streams]

    def check(path: str) -> bool:
        with open(path, "rb") as file:
            if file.read(len(OLE2_SIGNATURE)) != OLE2_SIGNATURE:
                return False
            file.seek(0)
            while chunk := file.read(CHUNK):
                for needle in needles:
                    at = chunk.find(needle)
                    while at != -1:
                        entry = chunk[at : at + 128]
                        if (
                            at % 128 == 0
                            and len(entry) == 128
                            and int.from_bytes(entry[64:66], "little") == len(needle)
                            and entry[66] == 2
                        ):
                            return True
                        at = chunk.find(needle, at + 1)
        return False

    return check


def _utf8_text(path: str) -> bool:
    """CSV: UTF-8 text (a byte order mark is allowed), with no NUL bytes."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        with open(path, "rb") as file:
            while chunk := file.read(CHUNK):
                if b"\0" in chunk:
                    return False
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


@dataclass(frozen=True)
class Kind:
    content_type: str
    matches: Callable[[str], bool]


PDF = Kind("application/pdf", _starts_with(b"%PDF-"))
JPEG = Kind("image/jpeg", _starts_with(b"\xff\xd8\xff"))
OPENDOCUMENT = "application/vnd.oasis.opendocument."
KINDS: dict[str, Kind] = {
    "pdf": PDF,
    "doc": Kind("application/msword", _ole2("WordDocument")),
    "docx": Kind(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _office_open_xml("word/"),
    ),
    "xls": Kind("application/vnd.ms-excel", _ole2("Workbook", "Book")),
    "xlsx": Kind(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _office_open_xml("xl/"),
    ),
    "csv": Kind("text/csv", _utf8_text),
    "odt": Kind(OPENDOCUMENT + "text", _open_document(OPENDOCUMENT + "text")),
    "ods": Kind(OPENDOCUMENT + "spreadsheet", _open_document(OPENDOCUMENT + "spreadsheet")),
    "odp": Kind(OPENDOCUMENT + "presentation", _open_document(OPENDOCUMENT + "presentation")),
    "png": Kind("image/png", _starts_with(b"\x89PNG\r\n\x1a\n")),
    "jpg": JPEG,
    "jpeg": JPEG,
}
ACCEPT = ",".join(f".{extension}" for extension in KINDS)


# Names and storage.


def clean_name(raw: str | None) -> str:
    """A readable name to show: no folders, no control or format characters, not too long."""
    name = unicodedata.normalize("NFC", raw or "")
    # Tabs and line breaks become spaces; other Cc control, Cf format (such as
    # right-to-left overrides), Cs, Co and Cn characters go.
    name = "".join(
        " " if c.isspace() else c
        for c in name
        if c.isspace() or not unicodedata.category(c).startswith("C")
    )
    name = re.split(r"[/\\]", name)[-1]
    name = " ".join(name.split()).strip(" .")
    if len(name) > MAX_NAME_LENGTH:
        stem, extension = os.path.splitext(name)
        if len(extension) > 10:
            stem, extension = name, ""
        name = stem[: MAX_NAME_LENGTH - len(extension)].rstrip(" .") + extension
    return name


def extension_of(name: str) -> str:
    return os.path.splitext(name)[1].lower().removeprefix(".")


def upload_folder() -> str:
    return current_app.config["UPLOAD_FOLDER"]


def _stored_path(stored_name: str) -> str:
    return os.path.join(upload_folder(), stored_name)


def discard(stored_name: str) -> None:
    """Delete a stored file; one already gone is not an error."""
    try:
        os.remove(_stored_path(stored_name))
    except FileNotFoundError:
        pass
    except OSError:
        current_app.logger.exception("Could not delete evidence file %s", stored_name)


@dataclass(frozen=True)
class Received:
    original_name: str
    stored_name: str
    content_type: str
    size: int
    sha256: str


def receive(upload: FileStorage, uploader: str) -> Received:
    """Store an upload under a random name, hashing it as it streams; refuse bad ones,
    and any in which clamd finds a virus (``uploader`` says whose, in the log).

    Nothing is left on disk when the upload is refused.
    """
    name = clean_name(upload.filename)
    kind = KINDS.get(extension_of(name))
    if kind is None:
        raise Refused(WRONG_TYPE)
    folder = upload_folder()
    os.makedirs(folder, mode=0o700, exist_ok=True)
    stored_name = secrets.token_hex(16)
    path = os.path.join(folder, stored_name)
    digest, size, kept = hashlib.sha256(), 0, False
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as out:
            while chunk := upload.stream.read(CHUNK):
                size += len(chunk)
                if size > MAX_FILE_BYTES:
                    raise Refused(TOO_BIG)
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise Refused(EMPTY)
        if not kind.matches(path):
            raise Refused(WRONG_TYPE)
        with open(path, "rb") as stored:
            scanning.check(stored, f"evidence file {name!r} {uploader}")
        kept = True
    except scanning.ScanError as refusal:
        raise Refused(refusal.message) from refusal
    finally:
        if not kept:
            discard(stored_name)
    return Received(name, stored_name, kind.content_type, size, digest.hexdigest())


def file_size(size: int) -> str:
    """12 KB, 1.5 MB: as GOV.UK pages show file sizes."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"


def check_room(assessment: Assessment, size: int) -> None:
    """Refuse a file of ``size`` bytes, already added to the session, that takes the draft's
    files over EVIDENCE_LIMIT. Called after the EqIA's row has been updated in the same
    transaction (which locks it), so that two uploads at once are counted one after the
    other."""
    limit = current_app.config["EVIDENCE_LIMIT"]
    total = db.session.scalar(
        select(func.coalesce(func.sum(EvidenceFile.size), 0)).where(
            EvidenceFile.assessment_id == assessment.id, EvidenceFile.removed_at.is_(None)
        )
    )
    if total <= limit:
        return
    message = f"The evidence files for this EqIA can be {file_size(limit)} in total. "
    if total == size:
        raise Refused(message + f"This file is {file_size(size)}. Make it smaller.")
    raise Refused(
        message + f"This file is {file_size(size)} and {file_size(total - size)} is used "
        "already. Remove a file or make this one smaller."
    )


# The form and the views.


class UploadForm(Form):
    file = FileField(
        "Upload a file",
        widget=GovFileInput(),
        validators=[Required(SELECT_A_FILE)],
        description="PDF, Word, Excel, CSV, OpenDocument, PNG or JPEG, smaller than 20MB",
    )


def _return_args() -> dict:
    return {"return": "check"} if request.args.get("return") == "check" else {}


def _files_url(assessment: Assessment) -> str:
    return url_for("assessments.files", ref=assessment.reference, **_return_args())


def _context(assessment: Assessment) -> sections.Context:
    return sections.Context.load(assessment)


def _continue_url(assessment: Assessment) -> str:
    if request.args.get("return") == "check":
        return url_for("assessments.check", ref=assessment.reference)
    ctx = _context(assessment)
    page = sections.find_page(assessment, ctx, "evidence/files")
    if page is None:  # not on this EqIA's route (screening only)
        return url_for("assessments.task_list", ref=assessment.reference)
    following = sections.next_page(assessment, ctx, page)
    if following is None:
        return url_for("assessments.check", ref=assessment.reference)
    return following.url(assessment)


def _listing(assessment: Assessment) -> list[dict]:
    ids = {f.uploaded_by_id for f in assessment.files}
    query = select(User).where(User.id.in_(ids))
    people = {u.id: u for u in db.session.scalars(query)} if ids else {}
    return [
        {
            "id": f.id,
            "name": f.original_name,
            "size": file_size(f.size),
            "uploaded_by": people[f.uploaded_by_id].name if f.uploaded_by_id in people else "",
            "uploaded_at": f.uploaded_at,
            "download_url": url_for(
                "assessments.download_file", ref=assessment.reference, file_id=f.id
            ),
            "remove_url": url_for(
                "assessments.remove_file",
                ref=assessment.reference,
                file_id=f.id,
                **_return_args(),
            ),
        }
        for f in assessment.files
    ]


def _named_by_a_revision(
    assessment: Assessment, evidence: EvidenceFile, signed_off_only: bool = False
) -> bool:
    """Whether a frozen revision (or a signed-off one) lists this file (by id, or by name and
    hash for revisions frozen before files were named by id)."""
    for revision in assessment.revisions:
        if signed_off_only and not _signed_off(revision):
            continue
        section = revision.read().section(sections.EVIDENCE.slug)
        for frozen in (section.files or []) if section else []:
            if frozen.id == evidence.id or (
                frozen.id is None
                and (frozen.name, frozen.sha256) == (evidence.original_name, evidence.sha256)
            ):
                return True
    return False


def _signed_off(revision) -> bool:
    decision = Decision.on(revision)
    return bool(decision and decision.approved)


def _find_file(assessment: Assessment, file_id: int) -> EvidenceFile:
    """A file of the draft, for changing it."""
    evidence = next((f for f in assessment.files if f.id == file_id), None)
    if evidence is None:
        abort(404)
    return evidence


def _readable_file(assessment: Assessment, file_id: int) -> EvidenceFile:
    """A file the person may download: one of the draft's, or one a frozen revision names,
    for those who may read the answers; only one a signed-off revision names, for others."""
    evidence = next((f for f in assessment.evidence if f.id == file_id), None)
    if evidence is None:
        abort(404)
    if can_read(current_user, assessment, Part.FILES):
        if evidence.removed_at is None or _named_by_a_revision(assessment, evidence):
            return evidence
        abort(404)
    if _named_by_a_revision(assessment, evidence, signed_off_only=True):
        return evidence
    abort(403)


def _describe(evidence: EvidenceFile) -> str:
    return f"{evidence.original_name} (SHA-256 {evidence.sha256})"


@bp.route("/<ref>/evidence/files", methods=["GET", "POST"])
@allow(SIGNED_IN)
@assessment_access("edit")
def files(assessment: Assessment):
    form = UploadForm()
    if form.validate_on_submit():
        uploader = f"for {assessment.reference} from user {current_user.id}"
        try:
            received = receive(form.file.data, uploader)
        except Refused as refusal:
            form.file.errors.append(str(refusal))
        else:
            evidence = EvidenceFile(
                original_name=received.original_name,
                stored_name=received.stored_name,
                content_type=received.content_type,
                size=received.size,
                sha256=received.sha256,
                uploaded_by_id=current_user.id,
                uploaded_at=utcnow(),
            )
            assessment.evidence.append(evidence)
            try:
                record(
                    EventKind.FILE_ADDED,
                    current_user,
                    assessment.id,
                    revision=assessment.revision,
                    note=_describe(evidence),
                )
                saving.touch(
                    assessment, current_user, sections.EVIDENCE.title, _context(assessment)
                )
                check_room(assessment, received.size)
                db.session.commit()
            except (IllegalMove, Refused) as refusal:
                db.session.rollback()
                discard(received.stored_name)
                form.file.errors.append(str(refusal) if isinstance(refusal, Refused) else CONFLICT)
            except BaseException:
                db.session.rollback()
                discard(received.stored_name)
                raise
            else:
                flash(f"{received.original_name} has been uploaded.", "success")
                return redirect(_files_url(assessment))
    return render_template(
        "assessments/files.html",
        assessment=assessment,
        section=sections.EVIDENCE,
        form=form,
        files=_listing(assessment),
        used=file_size(sum(f.size for f in assessment.files)),
        limit=file_size(current_app.config["EVIDENCE_LIMIT"]),
        continue_url=_continue_url(assessment),
        accept=ACCEPT,
    )


@bp.route("/<ref>/evidence/files/<int:file_id>")
@allow(SIGNED_IN)
@assessment_access("view")
def download_file(assessment: Assessment, file_id: int) -> Response:
    evidence = _readable_file(assessment, file_id)
    response = send_from_directory(
        upload_folder(),
        evidence.stored_name,
        mimetype=evidence.content_type,
        etag=evidence.sha256,
        max_age=0,
    )
    response.headers["Content-Disposition"] = attachment(evidence.original_name, "evidence")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<ref>/evidence/files/<int:file_id>/remove", methods=["GET", "POST"])
@allow(SIGNED_IN)
@assessment_access("edit")
def remove_file(assessment: Assessment, file_id: int):
    evidence = _find_file(assessment, file_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        stored_name, name = evidence.stored_name, evidence.original_name
        record(
            EventKind.FILE_REMOVED,
            current_user,
            assessment.id,
            revision=assessment.revision,
            note=_describe(evidence),
        )
        # A file a frozen revision names is that revision's: it leaves the draft only.
        kept = _named_by_a_revision(assessment, evidence)
        if kept:
            evidence.removed_at, evidence.removed_by_id = utcnow(), current_user.id
        else:
            assessment.evidence.remove(evidence)
        saving.touch(assessment, current_user, sections.EVIDENCE.title, _context(assessment))
        db.session.commit()
        if not kept:
            discard(stored_name)  # only once the row has gone for good
        flash(f"{name} has been removed.", "success")
        return redirect(_files_url(assessment))
    return render_template(
        "assessments/file_remove.html",
        assessment=assessment,
        section=sections.EVIDENCE,
        evidence=evidence,
        form=form,
        files_url=_files_url(assessment),
    )

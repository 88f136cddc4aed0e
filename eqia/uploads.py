"""Uploaded files, received safely: evidence files and action plan imports.

A file is accepted only when its content is what its name says it is (checked from
its bytes, not from what the browser claims) and clamd, when configured (see
``eqia.scanning``), finds no virus in it. While it is checked an evidence file is a
temporary file of the request's own, deleted however the request ends; once accepted, its
bytes go into the database (``EvidenceFile.keep``), so that every instance of the service
behind the load balancer has it. The name the person gave is kept, cleaned, for display
and downloads only.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from eqia import scanning
from eqia.extensions import db
from eqia.models import Assessment, EvidenceFile

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_NAME_LENGTH = 150
CHUNK = 64 * 1024  # a multiple of 128, which the OLE2 directory scan relies on

SELECT_A_FILE = "Select a file"
EMPTY = "The selected file is empty"
WRONG_TYPE = "The selected file must be a PDF, Word, Excel, CSV, OpenDocument, PNG or JPEG"
TOO_BIG = "The selected file must be smaller than 20MB"


class Refused(Exception):
    """The upload cannot be kept; the message says why, in GOV.UK words."""


# Recognising content. Each check reads the received file; none trusts the name alone.


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


# Names and receiving.


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


@dataclass(frozen=True)
class Received:
    original_name: str
    content_type: str
    size: int
    sha256: str
    file: BinaryIO  # at its start, to be kept


@contextmanager
def receive(upload: FileStorage, uploader: str) -> Iterator[Received]:
    """The upload, copied into a temporary file and hashed as it streams; Refused for bad
    ones, and any in which clamd finds a virus (``uploader`` says whose, in the log).

    The temporary file is deleted when the ``with`` block ends, whatever happens.
    """
    name = clean_name(upload.filename)
    kind = KINDS.get(extension_of(name))
    if kind is None:
        raise Refused(WRONG_TYPE)
    with tempfile.NamedTemporaryFile(prefix="eqia-upload-") as held:
        digest, size = hashlib.sha256(), 0
        while chunk := upload.stream.read(CHUNK):
            size += len(chunk)
            if size > MAX_FILE_BYTES:
                raise Refused(TOO_BIG)
            digest.update(chunk)
            held.write(chunk)
        held.flush()
        if size == 0:
            raise Refused(EMPTY)
        if not kind.matches(held.name):
            raise Refused(WRONG_TYPE)
        held.seek(0)
        try:
            scanning.check(held, f"evidence file {name!r} {uploader}")
        except scanning.ScanError as refusal:
            raise Refused(refusal.message) from refusal
        held.seek(0)
        yield Received(name, kind.content_type, size, digest.hexdigest(), held)


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

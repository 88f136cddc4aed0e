"""Bulk export: the signed PDFs of the approved EqIAs a register filter selects, as a ZIP.

The ZIP is written as it is sent. ``zipfile`` writes into a sink the generator
empties after every entry, so the download starts with the first file's header
and memory holds one PDF at a time, however many there are (plus the ZIP's
central directory, about half a kilobyte a file in zipfile, which any ZIP writer
keeps to the end). The EqIAs are read in batches by reference, the manifest is spooled to a
temporary file, and ``manifest.csv`` closes the archive: reference, revision,
who signed it off and when, the revision's content hash and each PDF's SHA-256.

The web download and ``flask --app eqia export`` run this same code.
"""

import csv
import hashlib
import io
import os
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from tempfile import SpooledTemporaryFile

from flask import stream_with_context
from sqlalchemy import Select, func, select

from eqia.downloads import BOM, download, neutralise
from eqia.extensions import db
from eqia.models import Assessment, Decision, DecisionKind, Revision, SealedRecord
from eqia.permissions import AUDIT, allow
from eqia.records import bp, sealing
from eqia.records.register import Criteria, Register
from eqia.security_log import security_event
from eqia.timefmt import LONDON, uk_now, uk_today

BATCH = 50
MANIFEST_HEADER = [
    "Reference",
    "Revision",
    "Signed off by",
    "Signed off at (UTC)",
    "Content hash (SHA-256)",
    "PDF SHA-256",
    "File",
]


@dataclass(frozen=True)
class Approved:
    """One approved revision to export."""

    assessment_id: int
    reference: str
    revision_id: int
    revision: int
    approved_by: str
    approved_at: datetime
    content_hash: str

    @property
    def filename(self) -> str:
        return f"{self.reference}-revision-{self.revision}.pdf"


def approved_query(criteria: Criteria) -> Select:
    """The record in force of each EqIA the criteria select that has one, by reference."""
    return (
        select(
            Assessment.id,
            Assessment.reference,
            Revision.id,
            Revision.number,
            Decision.reviewer_name,
            Decision.decided_at,
            Decision.content_hash,
        )
        .join(Revision, Revision.id == Assessment.approved_revision_id)
        .join(
            Decision,
            (Decision.revision_id == Revision.id) & (Decision.kind == DecisionKind.APPROVED),
        )
        .where(*criteria.conditions())
        .order_by(Assessment.reference)
    )


def count_approved(criteria: Criteria) -> int:
    query = select(func.count()).select_from(approved_query(criteria).order_by(None).subquery())
    return db.session.scalar(query) or 0


def approved(criteria: Criteria, batch: int = BATCH) -> Iterator[Approved]:
    """Every approved revision the criteria select, a batch of rows at a time (keyset by
    reference, so no cursor stays open while PDFs are drawn and nothing accumulates)."""
    after = None
    query = approved_query(criteria)
    while True:
        page = query if after is None else query.where(Assessment.reference > after)
        rows = db.session.execute(page.limit(batch)).all()
        for row in rows:
            yield Approved(*row)
        if len(rows) < batch:
            return
        after = rows[-1].reference


def signed_pdf(item: Approved) -> bytes:
    """The sealed record of one approved revision, as kept (sealed now if it never was)."""
    content = db.session.scalar(
        select(SealedRecord.content).where(SealedRecord.revision_id == item.revision_id)
    )
    if content is None:
        assessment = db.session.get(Assessment, item.assessment_id)
        revision = db.session.get(Revision, item.revision_id)
        content = sealing.sealed(assessment, revision).content
        db.session.expunge_all()  # what sealing loaded is not needed again
    return content


class _Sink(io.RawIOBase):
    """Where zipfile writes: kept until the generator takes it. Not seekable, so zipfile
    writes each entry's sizes after its data (a data descriptor) instead of seeking back."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def _entry(name: str, when: datetime) -> zipfile.ZipInfo:
    local = when.astimezone(LONDON)
    info = zipfile.ZipInfo(name, date_time=local.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def stream_zip(
    items: Iterator[Approved],
    pdf_for: Callable[[Approved], bytes] | None = None,
    progress: Callable[[Approved], None] | None = None,
) -> Iterator[bytes]:
    """The ZIP's bytes, a piece at a time: each PDF, then manifest.csv."""
    pdf_for = pdf_for or signed_pdf
    sink = _Sink()
    with (
        SpooledTemporaryFile(max_size=1 << 20, mode="w+", newline="", encoding="utf-8") as spool,
        zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive,
    ):
        manifest = csv.writer(spool)
        manifest.writerow(MANIFEST_HEADER)
        for item in items:
            with archive.open(_entry(item.filename, item.approved_at), "w") as entry:
                yield sink.take()  # this entry's header: the download starts before any PDF
                pdf = pdf_for(item)
                entry.write(pdf)
            manifest.writerow(
                [
                    neutralise(item.reference),
                    item.revision,
                    neutralise(item.approved_by),
                    item.approved_at.isoformat(timespec="seconds"),
                    item.content_hash,
                    hashlib.sha256(pdf).hexdigest(),
                    item.filename,
                ]
            )
            del pdf
            yield sink.take()
            if progress:
                progress(item)
        spool.seek(0)
        with archive.open(_entry("manifest.csv", uk_now()), "w") as entry:
            entry.write(BOM.encode())
            while chunk := spool.read(1 << 16):
                entry.write(chunk.encode())
                yield sink.take()
    yield sink.take()  # the central directory


def export_name(criteria: Criteria) -> str:
    start, end = criteria.approved_from, criteria.approved_to
    span = f"-{start or 'start'}-to-{end or 'now'}" if start or end else ""
    return f"eqia-signed-records{span}-{uk_today().isoformat()}.zip"


@bp.route("/export.zip")
@allow(AUDIT)
def export_zip():
    view = Register.from_request()
    if refused := view.refused_export():
        return refused
    name = export_name(view.criteria)
    security_event("data.exported", what="signed-records", file=name, filters=view.criteria)
    body = stream_with_context(stream_zip(approved(view.criteria)))
    return download(body, "application/zip", name)


def write_zip(
    criteria: Criteria, out: Path, progress: Callable[[Approved], None] | None = None
) -> None:
    """The command line's export: the same stream, into a file. It is written beside the
    target and renamed when complete, so a failure leaves no half-written ZIP behind."""
    partial = out.with_name(f".{out.name}.part")
    try:
        with open(partial, "wb") as file:
            for chunk in stream_zip(approved(criteria), progress=progress):
                file.write(chunk)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)

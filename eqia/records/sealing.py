"""Sealing: the signed record of a signed-off revision, made once and served for ever.

:func:`seal` runs inside the sign-off's transaction (``workflow.decide``): it draws
the revision with its decision, the history up to it and the audit chain's head,
signs it, and keeps the bytes. If the record cannot be signed the whole decision
fails, so there is never a sign-off without its record. Every later download,
export and check reads the kept bytes (:func:`sealed`).

The anchors: each sealed record carries the chain's head (the newest event's
number and hash) in its signed bytes. :func:`anchor_problems` holds every sealed
record's anchor against the chain, so deleting the newest events, or rewriting one
and re-hashing all after it, shows. A signed checkpoint (:func:`checkpoint`) does the
same for a head kept off site.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from flask import current_app
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import undefer

from eqia.errors import WorkflowError
from eqia.extensions import db
from eqia.models import (
    Assessment,
    AuditHead,
    Decision,
    Event,
    Revision,
    SealedRecord,
    Status,
)
from eqia.records import certificates, documents, pdf
from eqia.records.record import AuditAnchor
from eqia.timefmt import utcnow


class CannotSeal(WorkflowError):
    status = 503
    title = "Your decision has not been recorded"


def _head() -> AuditAnchor:
    count, last_hash = db.session.execute(select(AuditHead.count, AuditHead.last_hash)).one()
    return AuditAnchor(count, last_hash)


def seal(assessment: Assessment, revision: Revision, signed_at) -> SealedRecord:
    """Draw, sign and keep the record of a signed-off revision, in the caller's transaction.
    The chain's head is taken after the sign-off's own event, so the record anchors it."""
    db.session.flush()
    anchor = _head()
    drawn = documents.record(assessment, revision, anchor=anchor)
    try:
        content = documents.sign(pdf.render(drawn), drawn)
        fingerprint = documents.keys().certificate.fingerprint
    except certificates.CertificateError as error:
        raise CannotSeal(
            f"The service cannot sign the record, so {assessment.reference} has not been "
            f"signed off: {error}. Contact your EqIA administrator."
        ) from error
    except Exception as error:  # noqa: BLE001 - any signing failure refuses the sign-off
        current_app.logger.exception("Signing %s failed", assessment.reference)
        raise CannotSeal(
            f"The service could not sign the record, so {assessment.reference} has not been "
            "signed off. Try again later, or contact your EqIA administrator."
        ) from error
    record = SealedRecord(
        revision_id=revision.id,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        certificate_fingerprint=fingerprint,
        signed_at=signed_at,
        audit_seq=anchor.seq,
        audit_hash=anchor.hash,
    )
    db.session.add(record)
    return record


def sealed(assessment: Assessment, revision: Revision) -> SealedRecord:
    """The sealed record of a signed-off revision. One signed off before records were sealed
    at sign-off is sealed now, once (``seal-records`` does them all)."""
    query = (
        select(SealedRecord)
        .where(SealedRecord.revision_id == revision.id)
        .options(undefer(SealedRecord.content))
    )
    found = db.session.scalar(query)
    if found is not None:
        return found
    try:
        seal(assessment, revision, utcnow())
        db.session.commit()
    except IntegrityError:  # sealed at the same moment by another request
        db.session.rollback()
    return db.session.scalar(query)


# What a download hands out.


@dataclass(frozen=True)
class Document:
    content: bytes
    filename: str
    signed: bool
    reference: str
    revision: int
    sha256: str = ""


def _sealed_document(assessment: Assessment, revision_id: int) -> Document:
    """A sealed record as a download, read with one query (sealed first if it never was)."""
    query = (
        select(SealedRecord.content, SealedRecord.sha256, Revision.number)
        .join(Revision, Revision.id == SealedRecord.revision_id)
        .where(SealedRecord.revision_id == revision_id)
    )
    found = db.session.execute(query).first()
    if found is None:
        sealed(assessment, db.session.get(Revision, revision_id))
        found = db.session.execute(query).one()
    content, digest, number = found
    name = f"{assessment.reference}-revision-{number}.pdf"
    return Document(content, name, True, assessment.reference, number, digest)


def record_pdf(assessment: Assessment, revision: Revision | None = None) -> Document:
    """The PDF of a revision (or of the answers as they stand): the sealed record of a
    signed-off revision, byte for byte; anything else drawn now, watermarked and unsigned."""
    decision = Decision.on(revision) if revision is not None else None
    if decision is not None and decision.approved:
        return _sealed_document(assessment, revision.id)
    drawn = documents.record(assessment, revision)
    content = pdf.render(drawn)
    if revision is not None:
        name = f"{assessment.reference}-revision-{drawn.revision}-not-signed-off.pdf"
    else:
        name = f"{assessment.reference}-draft-not-signed-off.pdf"
    return Document(content, name, False, assessment.reference, drawn.revision)


def current_revision(assessment: Assessment) -> Revision | None:
    """The record in force: the signed-off revision; else the one awaiting sign-off."""
    if assessment.approved_revision is not None:
        return assessment.approved_revision
    if assessment.status is Status.SUBMITTED:
        return next((r for r in assessment.revisions if r.number == assessment.revision), None)
    return None


def in_force(assessment: Assessment) -> Document:
    """The record in force: the sealed record of the signed-off revision (read without the
    revision's answers), or the answers awaiting sign-off or being written."""
    if assessment.approved_revision_id is not None:
        return _sealed_document(assessment, assessment.approved_revision_id)
    return record_pdf(assessment, current_revision(assessment))


# The anchors.


# The anchor, as sealing writes it into the Info dictionary (which is not compressed).
_SEQ = re.compile(rb"/EqiaAuditSeq \((\d+)\)")
_HASH = re.compile(rb"/EqiaAuditHash \(([0-9a-f]{64})\)")


def _info(content: bytes) -> dict[str, str]:
    """The document information the signed bytes carry. A record that names its anchor
    once, as sealing writes it, is read from its bytes; any other (one naming no anchor,
    or more than one, as an incremental update that added an Info would) is parsed."""
    if content.count(b"/EqiaAuditSeq") == 1 and content.count(b"/EqiaAuditHash") == 1:
        seq, head = _SEQ.search(content), _HASH.search(content)
        if seq and head:
            return {"EqiaAuditSeq": seq[1].decode(), "EqiaAuditHash": head[1].decode()}
    try:
        info = PdfFileReader(io.BytesIO(content), strict=False).trailer_view["/Info"]
        return {str(k)[1:]: str(v) for k, v in info.items()}
    except (KeyError, TypeError, ValueError):
        return {}


def anchor_problems(part: int = 0, parts: int = 1, batch: int = 100) -> Iterator[str]:
    """Every sealed record whose bytes or anchor no longer agree with the database, of
    those whose id leaves ``part`` when divided by ``parts``. The records are streamed
    as rows, a batch at a time, and the events a batch's records hold are read with
    one query."""
    query = (
        select(SealedRecord.content, SealedRecord.sha256, Revision.number, Assessment.reference)
        .join(Revision, Revision.id == SealedRecord.revision_id)
        .join(Assessment, Assessment.id == Revision.assessment_id)
        .where(SealedRecord.id % parts == part)
        .order_by(SealedRecord.id)
        .execution_options(yield_per=batch, binary_results=True)
    )
    for rows in db.session.execute(query).partitions():
        anchors = []
        for content, digest, number, reference in rows:
            name = f"The sealed record of {reference} revision {number}"
            if hashlib.sha256(content).hexdigest() != digest:
                yield f"{name} has been changed since it was sealed"
                continue
            info = _info(content)
            seq, head = info.get("EqiaAuditSeq"), info.get("EqiaAuditHash")
            if not (seq and seq.isdigit() and head):
                yield f"{name} does not say where the audit trail stood"
                continue
            anchors.append((name, int(seq), head))
        held = select(Event.seq, Event.hash).where(Event.seq.in_({a[1] for a in anchors}))
        hashes = dict(db.session.execute(held).all())
        for name, seq, head in anchors:
            if seq not in hashes:
                yield f"{name} holds audit event {seq}, which the audit trail no longer has"
            elif hashes[seq] != head:
                yield f"{name} holds audit event {seq} with another hash: the trail was rewritten"


# Checkpoints kept off site.


def _checkpoint_body(count: int, head: str, at: str, organisation: str, fingerprint: str):
    body = {
        "organisation": organisation,
        "events": count,
        "head": head,
        "at": at,
        "certificate": fingerprint,
    }
    return body, json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def _sign_bytes(key, data: bytes) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return key.sign(data, ec.ECDSA(hashes.SHA256()))


def _verify_bytes(public_key, signature: bytes, data: bytes) -> None:
    if isinstance(public_key, rsa.RSAPublicKey):
        public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    else:
        public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))


def checkpoint() -> dict:
    """The chain's head now, signed with the organisation's key: for keeping off site."""
    keys = documents.keys()
    head = _head()
    body, data = _checkpoint_body(
        head.seq,
        head.hash,
        utcnow().isoformat(timespec="seconds"),
        current_app.config["ORGANISATION_NAME"],
        keys.certificate.fingerprint,
    )
    signature = _sign_bytes(keys.certificate.key, data)
    return body | {"signature": base64.b64encode(signature).decode()}


def checkpoint_problems(text: str) -> list[str]:
    """What is wrong with the chain, judged against a checkpoint kept off site (or with the
    checkpoint itself)."""
    try:
        given = json.loads(text)
        body, data = _checkpoint_body(
            int(given["events"]),
            str(given["head"]),
            str(given["at"]),
            str(given["organisation"]),
            str(given["certificate"]),
        )
        signature = base64.b64decode(given["signature"], validate=True)
    except (ValueError, KeyError, TypeError):
        return ["The checkpoint file is not a checkpoint made by audit-checkpoint"]
    certificates = {
        hashlib.sha256(c.public_bytes(Encoding.DER)).hexdigest(): c
        for c in documents.keys().trusted
    }
    certificate = certificates.get(body["certificate"])
    if certificate is None:
        return ["The checkpoint is not signed with this organisation's certificate"]
    try:
        _verify_bytes(certificate.public_key(), signature, data)
    except InvalidSignature:
        return ["The checkpoint has been changed since it was signed"]
    event = db.session.scalar(select(Event).where(Event.seq == body["events"]))
    if event is None:
        return [
            f"The audit trail no longer has event {body['events']}, the head of the "
            f"checkpoint made at {body['at']}"
        ]
    if event.hash != body["head"]:
        return [
            f"Event {body['events']} has another hash than the checkpoint made at "
            f"{body['at']} records: the trail was rewritten"
        ]
    return []

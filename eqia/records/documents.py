"""PDF records of EqIAs: which revision a record shows, signing it, and checking one.

``pdf`` draws and ``signing`` signs; this module joins them to the database:

- :func:`record_pdf` draws a revision (or the answers not yet frozen) and signs it
  when, and only when, that revision was signed off. Anything else is
  watermarked "Not signed off" and left unsigned.
- :func:`in_force` is the record to hand out for an EqIA: its signed-off
  revision, or (when there is none) its current state, unsigned.
- :func:`check` says what an uploaded PDF is, in plain words: the signature
  (pyHanko, against this organisation's certificate) and the content hash the
  PDF carries, compared with the revision this database holds.

The bulk export calls :func:`record_pdf` for each approved revision.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

from cryptography import x509
from flask import Flask, current_app
from sqlalchemy import select

from eqia import sections
from eqia.extensions import db
from eqia.models import Assessment, Decision, Event, EventKind, Revision, SealedRecord, Status
from eqia.records import certificates, signing
from eqia.records import record as printed
from eqia.snapshot import Snapshot
from eqia.timefmt import date_and_time, long_date

MAX_PDF_BYTES = 25 * 1024 * 1024
CHUNK = 64 * 1024
EXTENSION_KEY = "eqia.signing"
_lock = threading.Lock()


# The organisation's certificate, loaded once per app.


@dataclass(frozen=True)
class Keys:
    certificate: certificates.OrgCertificate
    previous: tuple[x509.Certificate, ...]
    timestamp_roots: tuple[x509.Certificate, ...]
    tsa_url: str

    @property
    def trusted(self) -> list[x509.Certificate]:
        """Certificates whose signatures are this organisation's: today's, then earlier ones."""
        return [self.certificate.certificate, *self.previous]


def load_keys(app: Flask) -> Keys:
    """Read the configured certificate (a development install makes its own)."""
    config = app.config
    pkcs12, cert, key = (
        config.get("SIGNING_PKCS12"),
        config.get("SIGNING_CERT"),
        config.get("SIGNING_KEY"),
    )
    passphrase = config.get("SIGNING_PASSPHRASE") or None
    if pkcs12:
        certificate = certificates.load_pkcs12(pkcs12, passphrase)
    elif cert and key:
        certificate = certificates.load_pem(cert, key, passphrase)
    elif cert or key:
        raise certificates.CertificateError(
            "Set both EQIA_SIGNING_CERT and EQIA_SIGNING_KEY, or EQIA_SIGNING_PKCS12"
        )
    elif config.get("PRODUCTION"):
        raise certificates.CertificateError(
            "The organisation's signing certificate must be configured in production "
            "(EQIA_SIGNING_CERT and EQIA_SIGNING_KEY, or EQIA_SIGNING_PKCS12)"
        )
    else:
        folder = Path(config["SIGNING_FOLDER"])
        certificate = certificates.development_certificate(folder, config["ORGANISATION_NAME"])
    previous = config.get("SIGNING_PREVIOUS_CERTS")
    tsa_url, tsa_cert = config.get("TSA_URL") or "", config.get("TSA_CERT")
    if tsa_url and not tsa_cert:
        raise certificates.CertificateError(
            "EQIA_TSA_URL needs EQIA_TSA_CERT: the timestamp authority's root certificate, "
            "so that its timestamps can be checked"
        )
    return Keys(
        certificate=certificate,
        previous=tuple(
            certificates.load_certificates(previous, "earlier certificates") if previous else ()
        ),
        timestamp_roots=tuple(
            certificates.load_certificates(tsa_cert, "timestamp authority certificate")
            if tsa_cert
            else ()
        ),
        tsa_url=tsa_url,
    )


def keys(app: Flask | None = None) -> Keys:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    loaded = app.extensions.get(EXTENSION_KEY)
    if loaded is None:
        with _lock:
            loaded = app.extensions.get(EXTENSION_KEY)
            if loaded is None:
                loaded = app.extensions[EXTENSION_KEY] = load_keys(app)
    return loaded


def _timestamp_authority(keys: Keys) -> certificates.TimestampAuthority | None:
    if not keys.tsa_url:
        return None
    return certificates.TimestampAuthority(keys.tsa_url, keys.timestamp_roots)


# What a record shows.


def _decision_event(assessment: Assessment, decision: Decision) -> int | None:
    """The audit event that recorded a decision: a record's history stops there."""
    return db.session.scalar(
        select(Event.seq)
        .where(
            Event.assessment_id == assessment.id,
            Event.kind == EventKind.of(decision.kind),
            Event.revision == decision.revision.number,
        )
        .order_by(Event.seq)
        .limit(1)
    )


def _history(assessment: Assessment, until: int | None) -> list[printed.HistoryLine]:
    from eqia.assessments.history import timeline

    query = select(Event).where(Event.assessment_id == assessment.id)
    if until is not None:
        query = query.where(Event.seq <= until)
    entries = timeline(list(db.session.scalars(query.order_by(Event.seq))))
    lines = []
    for entry in entries:
        facts = [entry.status_change, f"Revision {entry.revision}" if entry.revision else ""]
        detail = [" · ".join(f for f in facts if f)]
        if entry.sections:
            detail.append(", ".join(entry.sections))
        if entry.note:
            detail.append(entry.note)
        lines.append(
            printed.HistoryLine(
                at=entry.at,
                who=entry.who,
                what=entry.what,
                detail="\n".join(d for d in detail if d),
            )
        )
    return lines


def _decision(decision: Decision, snapshot: Snapshot) -> printed.Decision:
    titles = {s.slug: s.heading for s in snapshot.sections}
    order = list(titles)
    evaluations = sorted(
        decision.evaluations,
        key=lambda e: order.index(e.slug) if e.slug in order else len(order),
    )
    return printed.Decision(
        approved=decision.approved,
        name=decision.reviewer_name,
        job_title=decision.reviewer_job_title,
        decided_at=decision.decided_at,
        comment=decision.comment,
        evaluations=[
            printed.Evaluation(
                section=titles.get(e.slug, e.slug), rating=e.rating.label, comment=e.comment
            )
            for e in evaluations
        ],
        links=[
            printed.LinkDecision(link["code"], link["label"], link["confirmed"])
            for link in decision.links or []
        ],
    )


def record(
    assessment: Assessment,
    revision: Revision | None = None,
    anchor: printed.AuditAnchor | None = None,
) -> printed.Record:
    """A revision as frozen, or (without one) the answers as they stand now; a record being
    sealed carries the audit chain's head."""
    organisation = current_app.config["ORGANISATION_NAME"]
    if revision is not None:
        snapshot = revision.read()
        decision = Decision.on(revision)
        if decision is None:
            status = Status.SUBMITTED.label
        else:
            status = "Signed off" if decision.approved else "Returned with comments"
        until = _decision_event(assessment, decision) if decision else None
        number, content_hash = revision.number, revision.content_hash
        submitted_at, submitted_by = revision.created_at, snapshot.submitted_by
    else:
        snapshot = sections.live(assessment, sections.Context.load(assessment))
        decision, until, status = None, None, assessment.status.label
        number, content_hash = assessment.revision, ""
        submitted_at, submitted_by = None, ""
    return printed.Record(
        organisation=organisation,
        reference=assessment.reference,
        title=snapshot.title,
        revision=number,
        status=status,
        lead=snapshot.lead,
        co_authors=snapshot.co_authors,
        directorate=snapshot.directorate,
        created_at=assessment.created_at,
        submitted_at=submitted_at,
        submitted_by=submitted_by,
        review_date=long_date(snapshot.review_date),
        content_hash=content_hash,
        sections=snapshot.sections,
        decision=_decision(decision, snapshot) if decision else None,
        history=_history(assessment, until),
        signed_off=bool(decision and decision.approved),
        anchor=anchor,
        due_regard=snapshot.due_regard,
    )


def sign(content: bytes, record: printed.Record) -> bytes:
    """Sign a signed-off record: PAdES B-LTA with a timestamp authority, else B-B.

    When the authority, or a certificate authority's revocation service, cannot be reached,
    the record is signed B-B all the same (it must be available while they are down), and
    the error is logged.
    """
    loaded = keys()
    reason = (
        f"Signed-off record of {record.reference} revision {record.revision} "
        f"(content hash {record.content_hash})"
    )
    location = record.organisation
    tsa = _timestamp_authority(loaded)
    try:
        return signing.sign(content, loaded.certificate, reason=reason, location=location, tsa=tsa)
    except Exception:
        if tsa is None:
            raise
        current_app.logger.exception(
            "The timestamp authority or a revocation service failed: %s signed without a "
            "timestamp or validation data (PAdES B-B)",
            record.reference,
        )
        return signing.sign(content, loaded.certificate, reason=reason, location=location)


# Checking an uploaded PDF.


class Outcome(StrEnum):
    VALID = "valid"
    ALTERED = "altered"
    OTHER_CERTIFICATE = "other-certificate"
    NOT_SIGNED = "not-signed"
    NOT_OUR_RECORD = "not-our-record"
    # The upload itself cannot be checked.
    EMPTY = "empty"
    NOT_PDF = "not-pdf"
    DAMAGED = "damaged"
    ENCRYPTED = "encrypted"
    TOO_COMPLEX = "too-complex"
    TOO_BIG = "too-big"


UPLOAD_PROBLEMS = {
    Outcome.EMPTY: "The selected file is empty",
    Outcome.NOT_PDF: "The selected file must be a PDF",
    Outcome.DAMAGED: "The selected file is damaged or incomplete, so it cannot be read as a PDF",
    Outcome.ENCRYPTED: "The selected file is protected with a password. Upload the record as "
    "you downloaded it from this service",
    Outcome.TOO_COMPLEX: "The selected file expands to too much data to check. Upload the "
    "record as you downloaded it from this service",
    Outcome.TOO_BIG: "The selected file must be smaller than 25MB",
}


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    title: str
    message: str
    # Of the file checked, when it was read whole.
    sha256: str | None = None

    @property
    def valid(self) -> bool:
        return self.outcome is Outcome.VALID

    @property
    def upload_problem(self) -> bool:
        return self.outcome in UPLOAD_PROBLEMS

    @classmethod
    def problem(cls, outcome: Outcome) -> Verdict:
        return cls(outcome, "The file cannot be checked", UPLOAD_PROBLEMS[outcome])


ALTERED = Verdict(
    Outcome.ALTERED,
    "This PDF has been altered since it was signed",
    "Something in the file has changed since this service signed it, so it is not a true "
    "record. Do not rely on it: download the record again from the service.",
)
OTHER_CERTIFICATE = Verdict(
    Outcome.OTHER_CERTIFICATE,
    "This PDF is not signed with this organisation's certificate",
    "The PDF is signed, but not with this organisation's certificate, so it is not a record "
    "from this service.",
)
NOT_SIGNED = Verdict(
    Outcome.NOT_SIGNED,
    "This PDF is not signed by this service",
    "The PDF has no digital signature from this service, so it is not a signed-off record. "
    "Records of EqIAs that are not signed off are marked “Not signed off” and are never signed.",
)

FINDINGS = {
    signing.Finding.EMPTY: Verdict.problem(Outcome.EMPTY),
    signing.Finding.NOT_PDF: Verdict.problem(Outcome.NOT_PDF),
    signing.Finding.DAMAGED: Verdict.problem(Outcome.DAMAGED),
    signing.Finding.ENCRYPTED: Verdict.problem(Outcome.ENCRYPTED),
    signing.Finding.TOO_COMPLEX: Verdict.problem(Outcome.TOO_COMPLEX),
    signing.Finding.NOT_SIGNED: NOT_SIGNED,
    signing.Finding.OTHER_CERTIFICATE: OTHER_CERTIFICATE,
    signing.Finding.ALTERED: ALTERED,
}


def _not_ours(what: str) -> Verdict:
    return Verdict(
        Outcome.NOT_OUR_RECORD,
        "This PDF does not match the records of this service",
        f"The PDF is signed with this organisation's certificate, but {what}. "
        "Contact your EqIA administrator.",
    )


def _against_database(found: signing.Inspection, digest: str) -> Verdict:
    if not (found.reference and found.revision and found.content_hash):
        return _not_ours("it does not say which EqIA revision it records")
    named = f"{found.reference} revision {found.revision}"
    revision = db.session.scalar(
        select(Revision)
        .join(Assessment, Assessment.id == Revision.assessment_id)
        .where(Assessment.reference == found.reference, Revision.number == found.revision)
    )
    if revision is None:
        return _not_ours(f"this service holds no {named}")
    decision = Decision.on(revision)
    if revision.content_hash != found.content_hash or (
        decision and decision.content_hash != found.content_hash
    ):
        return _not_ours(f"its content differs from {named} as this service holds it")
    if decision is None or not decision.approved:
        return _not_ours(f"this service holds no sign-off of {named}")
    sealed = SealedRecord.of(revision.id)
    if sealed is not None and digest != sealed.sha256:
        return _not_ours(f"it is not the record of {named} this service sealed")
    message = (
        f"This is {named}, signed off by {decision.reviewer_name} on "
        f"{date_and_time(decision.decided_at)}. It has not been changed since it was signed."
    )
    assessment = db.session.get(Assessment, revision.assessment_id)
    current = assessment.approved_revision if assessment else None
    if current is not None and current.number > revision.number:
        message += f" Revision {current.number} has since been signed off and replaces it."
    return Verdict(Outcome.VALID, "This is a genuine signed-off record", message)


def check(stream: BinaryIO) -> Verdict:
    """What a PDF is, judged from its bytes and this service's records. Never raises for
    bad input."""
    if refused := signing.precheck(stream):
        return FINDINGS[refused]
    loaded = keys()
    found = signing.inspect(stream, loaded.trusted, list(loaded.timestamp_roots))
    if found.finding is signing.Finding.SIGNED:
        stream.seek(0)
        return _against_database(found, hashlib.file_digest(stream, "sha256").hexdigest())
    return FINDINGS[found.finding]


def check_upload(source: BinaryIO, limit: int = MAX_PDF_BYTES) -> Verdict:
    """Copy an upload to a temporary file (never all in memory, gone once checked) and
    check it; anything over the limit is refused before it is read further."""
    with tempfile.TemporaryFile(prefix="eqia-verify-") as spool:
        size = 0
        digest = hashlib.sha256()
        while chunk := source.read(CHUNK):
            size += len(chunk)
            if size > limit:
                return Verdict.problem(Outcome.TOO_BIG)
            spool.write(chunk)
            digest.update(chunk)
        return replace(check(spool), sha256=digest.hexdigest())

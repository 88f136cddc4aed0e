"""The organisation's signature on a PDF record (PAdES, with pyHanko), and checking one.

No Flask and no database here. ``documents`` decides what to sign and what a
checked signature means for the EqIAs this service holds; ``certificates`` loads
the certificate signed with.

A check trusts exactly the organisation's certificate: a signature counts only
when pyHanko finds it intact, trusted with the configured certificate as the
root, and covering the whole file (``bottom_line``, never ``valid`` alone), or,
for a PAdES B-LTA record, followed by exactly what B-LTA adds: validation data,
then one document timestamp, from the configured timestamp authority, that
covers the whole file.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import BinaryIO

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.decode_limits import (
    DecodeLimits,
    DocumentDecodeBudget,
    StreamDecodeLimits,
)
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfDecodeLimitError
from pyhanko.pdf_utils.reader import HistoricalResolver, PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_signer import (
    DSSContentSettings,
    SigDSSPlacementPreference,
    TimestampDSSContentSettings,
)
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from eqia.records.certificates import OrgCertificate, TimestampAuthority, asn1_certificate

log = logging.getLogger(__name__)

FIELD_NAME = "EqIA record"
# The document timestamp that seals a B-LTA record.
TIMESTAMP_FIELD = "EqIA record timestamp"
# Keys of the document information dictionary that say which record a PDF is.
INFO_REFERENCE = "/EqiaReference"
INFO_REVISION = "/EqiaRevision"
INFO_CONTENT_HASH = "/EqiaContentHash"

MiB = 1024 * 1024
# A record is a few hundred kilobytes; these bound what a hostile upload can make
# pyHanko decompress (a "PDF bomb") well below what would hurt the server.
UNTRUSTED = DecodeLimits(
    per_stream=StreamDecodeLimits(max_ratio=1100, ratio_floor=MiB, max_output_size=32 * MiB),
    document_budget=DocumentDecodeBudget(base_allowance=64 * MiB, max_ratio=10),
)


# The validation data goes into the revision of the document timestamp, before the
# timestamp itself, so that the timestamp seals it and is the last thing in the file. (No
# per-signature VRI entries: PAdES no longer uses them, and they would need a revision
# after the timestamp.)
LONG_TERM_DSS = DSSContentSettings(
    include_vri=False,
    placement=SigDSSPlacementPreference.TOGETHER_WITH_NEXT_TS,
    next_ts_settings=TimestampDSSContentSettings(include_vri=False, update_before_ts=True),
)


def _long_term_context(org: OrgCertificate, tsa: TimestampAuthority) -> ValidationContext:
    """What signing checks the certificates against, and where the revocation information
    it embeds comes from: the certificate authorities' CRL or OCSP addresses, fetched now.

    "hard-fail": a certificate that names where its revocation status is published must get
    an answer from there, or the record is not signed this way at all.
    """
    return ValidationContext(
        trust_roots=[asn1_certificate(org.anchor), *(asn1_certificate(c) for c in tsa.roots)],
        other_certs=[asn1_certificate(c) for c in org.chain],
        allow_fetching=True,
        revocation_mode="hard-fail",
    )


def sign(
    pdf: bytes,
    org: OrgCertificate,
    *,
    reason: str,
    location: str,
    tsa: TimestampAuthority | None = None,
) -> bytes:
    """Certify the PDF (no later change allowed) with a PAdES signature.

    Without a timestamp authority, PAdES B-B. With one, PAdES B-LTA: the signature carries
    the authority's timestamp; the certificates and revocation information of the
    organisation's chain and of the authority's are then stored in the file (its document
    security store); and a document timestamp over all of it comes last. That lets the
    record be validated after the certificate has expired or been revoked. Raises when the
    authority, or a revocation service, does not answer.
    """
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        reason=reason,
        location=location,
        name=org.common_name or None,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    timestamper = None
    if tsa is not None:
        timestamper = tsa.timestamper()
        meta = dataclasses.replace(
            meta,
            embed_validation_info=True,
            use_pades_lta=True,
            timestamp_field_name=TIMESTAMP_FIELD,
            validation_context=_long_term_context(org, tsa),
            dss_settings=LONG_TERM_DSS,
        )
    signer = org.signer()
    reserved = org.bytes_reserved(timestamper is not None)
    try:
        output = _sign(pdf, meta, signer, timestamper, reserved)
    except SigningError as error:
        if not _too_small(error):
            raise
        output = _sign(pdf, meta, signer, timestamper, None)  # let pyHanko measure
    return output


def _too_small(error: SigningError) -> bool:
    """pyHanko's word for a signature that outgrew the room reserved for it."""
    return "larger than expected" in str(error)


def outside_event_loop(function, *args, **kwargs):
    """Call one of pyHanko's synchronous functions, which start their own asyncio loop:
    directly, or in a worker thread when this thread already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(function, *args, **kwargs).result()


def _sign(pdf, meta, signer, timestamper, reserved) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    out = outside_event_loop(
        signers.sign_pdf,
        writer,
        meta,
        signer=signer,
        timestamper=timestamper,
        bytes_reserved=reserved,
    )
    return out.getvalue()


# Checking.


class Finding(StrEnum):
    """What a check found, before asking the database what the record should be."""

    EMPTY = "empty"
    NOT_PDF = "not-pdf"
    DAMAGED = "damaged"
    ENCRYPTED = "encrypted"
    TOO_COMPLEX = "too-complex"
    NOT_SIGNED = "not-signed"
    OTHER_CERTIFICATE = "other-certificate"
    ALTERED = "altered"
    SIGNED = "signed"


@dataclass(frozen=True)
class Inspection:
    finding: Finding
    # When SIGNED: what the PDF says it is (None where it says nothing).
    reference: str | None = None
    revision: int | None = None
    content_hash: str | None = None
    signed_at: datetime | None = None
    signer: str = ""


def _looks_signed(stream: BinaryIO) -> bool:
    stream.seek(0)
    tail = b""
    while chunk := stream.read(1024 * 1024):
        if b"/ByteRange" in tail + chunk:
            return True
        tail = chunk[-16:]
    return False


def _is_pdf(stream: BinaryIO) -> bool:
    stream.seek(0)
    return b"%PDF-" in stream.read(1024)


def _info(revision: PdfFileReader | HistoricalResolver) -> dict[str, str]:
    """The record's reference, revision and content hash from the document information
    dictionary, as it stood in the given revision (or, for the reader, in the last).

    Read through the revision's own resolver: the trailer's reference alone would resolve
    to the object as the last revision left it."""
    try:
        info = revision.trailer_view.raw_get("/Info")
        if isinstance(info, generic.IndirectObject):
            info = revision.get_object(info.reference)
        keys = (INFO_REFERENCE, INFO_REVISION, INFO_CONTENT_HASH)
        return {key: str(info[key]) for key in keys if key in info}
    except (KeyError, TypeError, ValueError):
        return {}


def _revision(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 9 else None


def precheck(stream: BinaryIO) -> Finding | None:
    """What can be said without reading the PDF: empty, or not a PDF at all."""
    stream.seek(0, os.SEEK_END)
    if stream.tell() == 0:
        return Finding.EMPTY
    if not _is_pdf(stream):
        return Finding.NOT_PDF
    return None


def inspect(
    stream: BinaryIO,
    ours: list[x509.Certificate],
    timestamp_roots: list[x509.Certificate] | None = None,
) -> Inspection:
    """Read an untrusted PDF and judge its signature against the organisation's certificates
    (the one it signs with now, then any it signed with before).

    Never raises for bad input: whatever the file is, the answer is a Finding.
    """
    if refused := precheck(stream):
        return Inspection(refused)
    stream.seek(0)
    try:
        return _inspect(stream, ours, timestamp_roots or [])
    except PdfDecodeLimitError:
        return Inspection(Finding.TOO_COMPLEX)
    except Exception as error:
        # A parser meeting a hostile or broken file can fail in any way at all (including
        # RecursionError and MemoryError): whatever it is, the file cannot be trusted.
        log.info("Could not read an uploaded PDF: %r", error)
        return Inspection(Finding.ALTERED if _looks_signed(stream) else Finding.DAMAGED)


def _inspect(stream: BinaryIO, ours: list[x509.Certificate], timestamp_roots) -> Inspection:
    reader = PdfFileReader(stream, strict=False, decode_limits=UNTRUSTED)
    if reader.encrypted:
        return Inspection(Finding.ENCRYPTED)
    signatures = reader.embedded_regular_signatures
    if not signatures:
        return Inspection(Finding.NOT_SIGNED)
    known = {c.public_bytes(serialization.Encoding.DER): c for c in ours}
    mine = [s for s in signatures if s.signer_cert.dump() in known]
    if not mine:
        subject = signatures[0].signer_cert.subject.human_friendly
        return Inspection(Finding.OTHER_CERTIFICATE, signer=subject)
    if len(signatures) > 1:
        return Inspection(Finding.ALTERED)  # someone else signed it after us
    embedded = mine[0]
    certificate = known[embedded.signer_cert.dump()]
    root = asn1_certificate(certificate)
    tsa_roots = [asn1_certificate(c) for c in timestamp_roots]
    # Judged as at the time the signature says it was made: the signature is checked
    # with our own key, so the time is our own claim, and a certificate that has
    # expired since still vouches for what it signed while it was valid. So does the
    # timestamp authority's, for a timestamp it made then (as at the time it states).
    at = embedded.self_reported_timestamp
    stamped_at = _signature_timestamp_time(embedded) or at
    try:
        status = outside_event_loop(
            validate_pdf_signature,
            embedded,
            signer_validation_context=ValidationContext(trust_roots=[root], moment=at),
            ts_validation_context=ValidationContext(
                trust_roots=[root, *tsa_roots], moment=stamped_at
            ),
        )
    except SignatureValidationError:
        return Inspection(Finding.ALTERED)
    if not (status.intact and status.bottom_line):
        return Inspection(Finding.ALTERED)
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    if not (whole or _sealed_for_the_long_term(reader, embedded, status, tsa_roots)):
        return Inspection(Finding.ALTERED)
    info = _info(reader.get_historical_resolver(embedded.signed_revision))
    if _info(reader) != info:
        return Inspection(Finding.ALTERED)  # what the record says it is, changed after signing
    return Inspection(
        Finding.SIGNED,
        reference=info.get(INFO_REFERENCE),
        revision=_revision(info.get(INFO_REVISION)),
        content_hash=info.get(INFO_CONTENT_HASH),
        signed_at=status.signer_reported_dt,
        signer=certificate.subject.rfc4514_string(),
    )


def _token_time(signed_data) -> datetime:
    """When a timestamp token says it was made (its TSTInfo's genTime)."""
    return signed_data["encap_content_info"]["content"].parsed["gen_time"].native


def _signature_timestamp_time(embedded) -> datetime | None:
    """When the signature's own timestamp (an unsigned attribute) says it was made."""
    for attribute in embedded.signer_info["unsigned_attrs"] or ():
        if attribute["type"].native == "signature_time_stamp_token":
            return _token_time(attribute["values"][0]["content"])
    return None


def _sealed_for_the_long_term(reader, embedded, status, tsa_roots) -> bool:
    """Whether what follows our signature is exactly what B-LTA adds, and nothing else:
    validation data (the document security store) and then one document timestamp, from
    the configured timestamp authority, covering the whole file.

    pyHanko's difference analysis says whether every revision after ours only maintains
    signatures (``LTA_UPDATES``: the security store, a timestamp field, and the document
    information and metadata that any writer touches; what the record says it is must
    read the same in the revision we signed and in the file). A certification that allows
    no changes allows exactly those (``docmdp_ok``).
    """
    if status.coverage != SignatureCoverageLevel.ENTIRE_REVISION:
        return False
    if status.modification_level != ModificationLevel.LTA_UPDATES or not status.docmdp_ok:
        return False
    timestamps = reader.embedded_timestamp_signatures
    if len(timestamps) != 1 or not tsa_roots or "/DSS" not in reader.root:
        return False
    [timestamp] = timestamps
    if timestamp.signed_revision <= embedded.signed_revision:
        return False
    try:
        found = outside_event_loop(
            validate_pdf_timestamp,
            timestamp,
            validation_context=ValidationContext(
                trust_roots=tsa_roots, moment=_token_time(timestamp.signed_data)
            ),
        )
    except (SignatureValidationError, KeyError, ValueError):
        return False
    return bool(
        found.intact
        and found.valid
        and found.trusted
        and found.coverage == SignatureCoverageLevel.ENTIRE_FILE
    )

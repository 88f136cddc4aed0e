"""The organisation's signature on a PDF record (PAdES, with pyHanko), and checking one.

No Flask and no database here. ``documents`` decides what to sign and what a
checked signature means for the EqIAs this service holds.

The certificate comes from configuration: a PEM certificate and key, or a
PKCS#12 file, with the passphrase from the environment. A development or test
install without one gets a self-signed certificate, made once under the
instance folder. A check trusts exactly that certificate: a signature counts
only when pyHanko finds it intact, trusted with the configured certificate as
the root, and covering the whole file (``bottom_line``, never ``valid`` alone),
or, for a PAdES B-LTA record, followed by exactly what B-LTA adds: validation
data, then one document timestamp, from the configured timestamp authority,
that covers the whole file.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import io
import logging
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
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
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from eqia.timefmt import utcnow

log = logging.getLogger(__name__)

FIELD_NAME = "EqIA record"
# The document timestamp that seals a B-LTA record.
TIMESTAMP_FIELD = "EqIA record timestamp"
DEVELOPMENT_FILE = "development-signing.pem"
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


class CertificateError(RuntimeError):
    """The configured signing certificate cannot be used; the message says why."""


# The organisation's certificate.


def _asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _asn1_key(key) -> asn1_keys.PrivateKeyInfo:
    return asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _public_der(public_key) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@dataclass(frozen=True)
class OrgCertificate:
    """The key and certificate records are signed with, ready for pyHanko."""

    certificate: x509.Certificate
    key: object = field(repr=False)
    chain: tuple[x509.Certificate, ...] = ()
    source: str = ""
    self_signed_for_development: bool = False

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.der).hexdigest()

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()

    @property
    def common_name(self) -> str:
        names = self.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(names[0].value) if names else ""

    @property
    def asn1(self) -> asn1_x509.Certificate:
        return _asn1_certificate(self.certificate)

    @property
    def anchor(self) -> x509.Certificate:
        """Where the certificate's chain ends: the root given with it, else the last
        certificate given, else the certificate itself (when it is self-signed)."""
        for certificate in self.chain:
            if certificate.subject == certificate.issuer:
                return certificate
        return self.chain[-1] if self.chain else self.certificate

    def signer(self) -> signers.SimpleSigner:
        certificate = self.asn1
        store = SimpleCertificateStore.from_certs(
            [certificate, *(_asn1_certificate(c) for c in self.chain)]
        )
        return signers.SimpleSigner(
            signing_cert=certificate, signing_key=_asn1_key(self.key), cert_registry=store
        )

    def bytes_reserved(self, timestamped: bool) -> int:
        """Room for the signature in the file (hex digits), so pyHanko need not sign twice
        to find out how big it will be."""
        certificates = sum(len(c.public_bytes(serialization.Encoding.DER)) for c in self.chain)
        estimate = len(self.der) + certificates + 4096 + (12288 if timestamped else 0)
        return 2 * estimate


def _check_pair(certificate: x509.Certificate, key, source: str) -> None:
    if _public_der(certificate.public_key()) != _public_der(key.public_key()):
        raise CertificateError(f"The signing key in {source} does not match its certificate")


def _read(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise CertificateError(f"Cannot read the signing {what} {path}: {error.strerror}") from None


def _passphrase(passphrase: str | None) -> bytes | None:
    return passphrase.encode() if passphrase else None


def load_pem(cert_path: str, key_path: str, passphrase: str | None = None) -> OrgCertificate:
    """A PEM (or DER) certificate, optionally followed by its chain, and its private key."""
    data = _read(cert_path, "certificate")
    try:
        certificates = (
            x509.load_pem_x509_certificates(data)
            if b"-----BEGIN" in data
            else [x509.load_der_x509_certificate(data)]
        )
    except ValueError:
        raise CertificateError(f"{cert_path} is not a PEM or DER certificate") from None
    key_data = _read(key_path, "key")
    try:
        if b"-----BEGIN" in key_data:
            key = serialization.load_pem_private_key(key_data, _passphrase(passphrase))
        else:
            key = serialization.load_der_private_key(key_data, _passphrase(passphrase))
    except (ValueError, TypeError):
        raise CertificateError(
            f"Cannot open the signing key {key_path}: check EQIA_SIGNING_PASSPHRASE"
        ) from None
    _check_pair(certificates[0], key, key_path)
    return OrgCertificate(certificates[0], key, tuple(certificates[1:]), source=cert_path)


def load_pkcs12(path: str, passphrase: str | None = None) -> OrgCertificate:
    data = _read(path, "PKCS#12 file")
    try:
        key, certificate, others = pkcs12.load_key_and_certificates(data, _passphrase(passphrase))
    except (ValueError, TypeError):
        raise CertificateError(
            f"Cannot open the PKCS#12 file {path}: check EQIA_SIGNING_PASSPHRASE"
        ) from None
    if key is None or certificate is None:
        raise CertificateError(f"{path} must hold the signing key and its certificate")
    _check_pair(certificate, key, path)
    return OrgCertificate(certificate, key, tuple(others or ()), source=path)


def self_signed(
    common_name: str, organisation: str = "", days: int = 3650, passphrase: str = ""
) -> tuple[bytes, bytes]:
    """A P-256 key and a self-signed certificate for it, both in PEM (the key encrypted
    under the passphrase, if one is given)."""
    key = ec.generate_private_key(ec.SECP256R1())
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organisation:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    name = x509.Name(attributes)
    now = utcnow()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    encryption = (
        serialization.BestAvailableEncryption(passphrase.encode())
        if passphrase
        else serialization.NoEncryption()
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM)


def development_certificate(folder: Path, organisation: str) -> OrgCertificate:
    """The self-signed certificate under ``folder``, made (and logged) on first use.

    Key and certificate are one file, written whole and linked into place, so two
    processes starting at once agree on one certificate.
    """
    path = folder / DEVELOPMENT_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        key_pem, cert_pem = self_signed(f"{organisation} EqIA records (development)", organisation)
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".signing-")
        created = False
        try:
            with os.fdopen(descriptor, "wb") as out:
                out.write(key_pem + cert_pem)
            os.link(temporary, path)
            created = True
        except FileExistsError:
            pass  # another process made it first: use theirs
        except OSError:  # a file system without hard links
            os.replace(temporary, path)
            created = True
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
        if created:
            log.warning(
                "Created a self-signed development certificate for signing PDF records at %s."
                " Set EQIA_SIGNING_CERT and EQIA_SIGNING_KEY (or EQIA_SIGNING_PKCS12) to sign"
                " with the organisation's certificate.",
                path,
            )
    loaded = load_pem(str(path), str(path))
    return OrgCertificate(
        loaded.certificate, loaded.key, source=str(path), self_signed_for_development=True
    )


def load_certificates(path: str, what: str) -> list[x509.Certificate]:
    """Certificates to trust: earlier signing certificates, or a timestamp authority's root."""
    data = _read(path, what)
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise CertificateError(f"{path} is not a PEM or DER certificate") from None


# Signing.


@dataclass(frozen=True)
class TimestampAuthority:
    """An RFC 3161 timestamp authority, and the root certificates its certificates chain to
    (to check its timestamps, and to gather their revocation information when signing)."""

    url: str
    roots: tuple[x509.Certificate, ...]
    timeout: int = 10

    def timestamper(self) -> TimeStamper:
        from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper

        return RequestsHTTPTimeStamper(self.url, timeout=self.timeout)


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
        trust_roots=[_asn1_certificate(org.anchor), *(_asn1_certificate(c) for c in tsa.roots)],
        other_certs=[_asn1_certificate(c) for c in org.chain],
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
    root = _asn1_certificate(certificate)
    tsa_roots = [_asn1_certificate(c) for c in timestamp_roots]
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

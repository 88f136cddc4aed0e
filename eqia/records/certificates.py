"""The organisation's signing certificate, and the timestamp authority's: loading them
from configuration, and the self-signed certificate a development or test install makes.

The certificate comes from configuration: a PEM certificate and key, or a PKCS#12
file, with the passphrase from the environment. A development or test install without
one gets a self-signed certificate, made once under the instance folder. No Flask and
no database here; ``signing`` signs and checks PDFs with what this loads.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.sign import signers
from pyhanko.sign.timestamps import TimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from eqia.timefmt import utcnow

log = logging.getLogger(__name__)

DEVELOPMENT_FILE = "development-signing.pem"


class CertificateError(RuntimeError):
    """The configured signing certificate cannot be used; the message says why."""


# The organisation's certificate.


def asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
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
        return asn1_certificate(self.certificate)

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
            [certificate, *(asn1_certificate(c) for c in self.chain)]
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

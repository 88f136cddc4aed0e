"""PAdES B-LTA records: with a timestamp authority configured, a signed-off record carries a
signature timestamp, the validation data of every certificate it relies on and a document
timestamp, so that it still validates after the signing certificate has expired or been
revoked.

The timestamp authority and the certificate authorities' CRLs run for real on loopback
(tests/trust_services.py), configured through TSA_URL and TSA_CERT as a council's would be.
"Later" is pyHanko's PAdES LTA validation (ETSI EN 319 102-1) at a time after the
certificate's expiry, from what the file carries and nothing fetched: by then the
certificate authority no longer says anything about a certificate that has expired.
"""

import asyncio
import io
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.ades.report import AdESPassed, AdESStatus
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
from pyhanko.sign.validation import add_validation_info, ades, validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.policy_decl import (
    LocalKnowledge,
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator import policy_decl as revocation
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.registry import SimpleTrustManager
from pyhanko_certvalidator.revinfo.archival import CRLContainer
from sqlalchemy import select

from eqia.extensions import db
from eqia.models import Assessment, SealedRecord
from eqia.records import documents, pdf, signing
from tests.certificates import PASSPHRASE, make_certificate, make_tsa
from tests.integration.conftest import sign_off
from tests.integration.test_records import (
    download,
    flip_a_byte_of_the_content,
    outcome,
    verify_page,
)
from tests.trust_services import TSA_PATH


def asn1(certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _spec(pki, known_crls) -> SignatureValidationSpec:
    """Trust the two roots, require revocation information for every other certificate,
    and use only what the file carries and the CRLs given (what a verifier would know
    then): fetch nothing."""
    return SignatureValidationSpec(
        cert_validation_policy=CertValidationPolicySpec(
            trust_manager=SimpleTrustManager.build(
                [asn1(pki.org_ca.certificate), asn1(pki.tsa_ca.certificate)]
            ),
            revinfo_policy=revocation.CertRevTrustPolicy(
                revocation_checking_policy=revocation.REQUIRE_REVINFO,
                freshness_req_type=revocation.FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION,
            ),
        ),
        revinfo_gathering_policy=RevocationInfoGatheringSpec(
            online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY
        ),
        local_knowledge=LocalKnowledge(
            known_crls=[CRLContainer(asn1_crl.CertificateList.load(c)) for c in known_crls]
        ),
    )


def _timing(at: datetime) -> ValidationTimingInfo:
    return ValidationTimingInfo(
        validation_time=at, best_signature_time=at, point_in_time_validation=True
    )


def synchronously(coroutine_function, *args, **kwargs):
    """Run one of pyHanko's coroutines to the end, in a thread of its own if this one
    already runs an event loop (as it does once the browser tests have run)."""
    return signing.outside_event_loop(lambda: asyncio.run(coroutine_function(*args, **kwargs)))


def validate_later(content: bytes, pki, at: datetime, *known_crls: bytes):
    """PAdES LTA validation (ETSI EN 319 102-1, 5.6.3) as at ``at``."""
    [embedded] = PdfFileReader(io.BytesIO(content)).embedded_regular_signatures
    spec = PdfSignatureValidationSpec(_spec(pki, known_crls))
    return synchronously(ades.ades_lta_validation, embedded, spec, _timing(at))


def validate_now(content: bytes, pki, *known_crls: bytes):
    """Validation of a signature with time (ETSI EN 319 102-1, 5.5), as at now."""
    [embedded] = PdfFileReader(io.BytesIO(content)).embedded_regular_signatures
    return synchronously(
        ades.ades_with_time_validation,
        embedded.signed_data,
        _spec(pki, known_crls),
        _timing(datetime.now(UTC)),
        raw_digest=embedded.compute_digest(),
    )


def signed_at(content: bytes) -> datetime:
    [embedded] = PdfFileReader(io.BytesIO(content)).embedded_regular_signatures
    return embedded.self_reported_timestamp


def drawn(app, ref: str) -> bytes:
    """The record of the signed-off revision, drawn but not signed."""
    with app.app_context():
        assessment = Assessment.by_reference(ref)
        return pdf.render(documents.record(assessment, assessment.approved_revision))


def b_t_record(app, ref: str, pki) -> bytes:
    """The same record, certified with the same certificate and timestamped by the same
    authority, but PAdES B-T: no validation data, no document timestamp."""
    meta = signers.PdfSignatureMetadata(
        field_name=signing.FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    org = documents.load_keys(app).certificate
    out = signing.outside_event_loop(
        signers.sign_pdf,
        IncrementalPdfFileWriter(io.BytesIO(drawn(app, ref))),
        meta,
        signer=org.signer(),
        timestamper=RequestsHTTPTimeStamper(pki.tsa_url),
    )
    return out.getvalue()


def b_b_record(app, ref: str) -> bytes:
    org = documents.load_keys(app).certificate
    return signing.sign(drawn(app, ref), org, reason="Signed off", location="Here")


def document_timestamp(content: bytes, timestamper, change=None) -> bytes:
    """Add a document timestamp to a PDF (after an incremental change of its own, if any)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(content))
    if change is not None:
        change(writer)
    stamper = signers.PdfTimeStamper(timestamper, field_name="Another timestamp")
    out = signing.outside_event_loop(stamper.timestamp_pdf, writer, md_algorithm="sha256")
    return out.getvalue()


def dss_crl_issuers(reader) -> set[str]:
    dss = DocumentSecurityStore.read_dss(reader)
    return {
        asn1_crl.CertificateList.load(crl.get_object().data).issuer.human_friendly
        for crl in dss.crls
    }


def dss_subjects(reader) -> set[str]:
    return {c.subject.human_friendly for c in DocumentSecurityStore.read_dss(reader).load_certs()}


# What a B-LTA record holds.


def test_signing_off_with_a_timestamp_authority_seals_a_b_lta_record(app, users, long_term):
    ref = sign_off(app, users)
    with app.app_context():
        revision = Assessment.by_reference(ref).approved_revision
        content = db.session.scalar(
            select(SealedRecord.content).where(SealedRecord.revision_id == revision.id)
        )
    reader = PdfFileReader(io.BytesIO(content))
    assert len(reader.embedded_regular_signatures) == 1
    assert len(reader.embedded_timestamp_signatures) == 1
    assert "/DSS" in reader.root


def test_with_a_timestamp_authority_the_record_is_pades_b_lta(
    app, clients, signed_off, long_term, trust_services
):
    content = download(clients["auditor"], signed_off).data
    reader = PdfFileReader(io.BytesIO(content))
    [signature] = reader.embedded_regular_signatures
    [timestamp] = reader.embedded_timestamp_signatures
    assert (signature.field_name, timestamp.field_name) == (
        signing.FIELD_NAME,
        signing.TIMESTAMP_FIELD,
    )
    assert signature.docmdp_level == fields.MDPPerm.NO_CHANGES
    # The certified signature, timestamped by the authority; only signature maintenance after.
    status = signing.outside_event_loop(
        validate_pdf_signature,
        signature,
        ValidationContext(trust_roots=[asn1(long_term.org_ca.certificate)]),
        ts_validation_context=ValidationContext(trust_roots=[asn1(long_term.tsa_ca.certificate)]),
    )
    assert status.bottom_line and status.trusted
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
    assert status.modification_level == ModificationLevel.LTA_UPDATES
    assert status.docmdp_ok
    # The validation data of both chains, then the document timestamp, last in the file.
    assert {
        "Common Name: Test County Council EqIA records",
        "Common Name: Test County Council root CA",
        "Common Name: Test TSA",
        "Common Name: Test TSA root",
    } <= dss_subjects(reader)
    assert dss_crl_issuers(reader) == {
        "Common Name: Test County Council root CA",
        "Common Name: Test TSA root",
    }
    assert timestamp.signed_revision == reader.xrefs.total_revisions - 1
    assert timestamp.evaluate_signature_coverage() == SignatureCoverageLevel.ENTIRE_FILE
    assert timestamp.signed_revision > signature.signed_revision
    # All of it asked of the services, over HTTP.
    assert {"GET /org-ca.crl", "GET /tsa-ca.crl", f"POST {TSA_PATH}"} <= set(
        trust_services.requests
    )


def test_without_a_timestamp_authority_the_record_stays_pades_b_b(
    app, clients, signed_off, long_term, trust_services
):
    app.config.update(TSA_URL="", TSA_CERT="")
    content = download(clients["auditor"], signed_off).data
    reader = PdfFileReader(io.BytesIO(content))
    [signature] = reader.embedded_signatures
    assert signature.sig_object_type == "/Sig"
    assert signature.evaluate_signature_coverage() == SignatureCoverageLevel.ENTIRE_FILE
    assert "/DSS" not in reader.root
    assert trust_services.requests == []
    assert outcome(verify_page(clients["auditor"], content)) == "valid"


# Validating it later.


def test_a_b_lta_record_validates_after_the_certificate_has_expired(
    app, clients, signed_off, long_term
):
    content = download(clients["auditor"], signed_off).data
    expiry = long_term.signer.not_valid_after_utc
    later = expiry + timedelta(days=365)
    # By then the only revocation information to be had is the timestamp authority's.
    result = validate_later(content, long_term, later, long_term.tsa_ca.crl(at=later))
    assert result.ades_subindic == AdESPassed.OK, result.failure_msg
    # It was proven to exist (by the timestamps) when it was signed, before the expiry.
    assert abs(result.best_signature_time - signed_at(content)) < timedelta(minutes=1)
    assert result.best_signature_time < expiry


def test_a_b_t_record_does_not_validate_after_the_certificate_has_expired(
    app, clients, signed_off, long_term
):
    record = b_t_record(app, signed_off, long_term)
    assert outcome(verify_page(clients["auditor"], record)) == "valid"  # as signed before
    # Sound today, while the certificate authority answers for the certificate.
    today = validate_now(record, long_term, long_term.org_ca.crl(), long_term.tsa_ca.crl())
    assert today.ades_subindic == AdESPassed.OK, today.failure_msg
    later = long_term.signer.not_valid_after_utc + timedelta(days=365)
    result = validate_later(record, long_term, later, long_term.tsa_ca.crl(at=later))
    assert result.ades_subindic.status == AdESStatus.INDETERMINATE, result.ades_subindic


@pytest.mark.parametrize("days_later", [2, 400])  # after the revocation; after the expiry too
def test_a_b_lta_record_validates_after_the_certificate_has_been_revoked(
    app, clients, signed_off, long_term, days_later
):
    content = download(clients["auditor"], signed_off).data
    long_term.org_ca.revoke(long_term.signer, at=datetime.now(UTC) + timedelta(hours=1))
    later = datetime.now(UTC) + timedelta(days=days_later)
    crls = long_term.org_ca.crl(at=later), long_term.tsa_ca.crl(at=later)
    assert long_term.signer.serial_number in {
        r.serial_number for r in x509.load_der_x509_crl(crls[0])
    }
    result = validate_later(content, long_term, later, *crls)
    assert result.ades_subindic == AdESPassed.OK, result.failure_msg


def test_a_b_lta_record_fails_when_the_certificate_was_revoked_before_it_was_signed(
    app, clients, signed_off, long_term
):
    content = download(clients["auditor"], signed_off).data
    # Revoked, say, for a compromised key, from the day before the record was signed.
    long_term.org_ca.revoke(long_term.signer, at=signed_at(content) - timedelta(days=1))
    later = datetime.now(UTC) + timedelta(days=2)
    crls = long_term.org_ca.crl(at=later), long_term.tsa_ca.crl(at=later)
    assert validate_later(content, long_term, later, *crls).ades_subindic != AdESPassed.OK


# Checking it in this service.


def test_the_verify_page_and_command_call_a_b_lta_record_genuine(
    app, clients, signed_off, long_term, runner, tmp_path
):
    content = download(clients["auditor"], signed_off).data
    assert PdfFileReader(io.BytesIO(content)).embedded_timestamp_signatures
    response = verify_page(clients["lead"], content)
    assert outcome(response) == "valid"
    path = tmp_path / "record.pdf"
    path.write_bytes(content)
    result = runner.invoke(args=["verify-pdf", str(path)])
    assert result.exit_code == 0, result.output
    assert "It has not been changed since it was signed." in result.output


def _lang(writer) -> None:
    writer.root["/Lang"] = generic.TextStringObject("fr")
    writer.update_root()


def _claim_revision_2(writer) -> None:
    info = writer.trailer["/Info"]
    info[generic.NameObject(signing.INFO_REVISION)] = generic.TextStringObject("2")
    writer.update_container(info)


def _append(content: bytes, change) -> bytes:
    """The PDF with an incremental update making ``change``."""
    writer = IncrementalPdfFileWriter(io.BytesIO(content))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _context(pki) -> ValidationContext:
    return ValidationContext(
        trust_roots=[asn1(pki.org_ca.certificate), asn1(pki.tsa_ca.certificate)],
        allow_fetching=True,
    )


def _with_validation_data(app, ref, pki) -> bytes:
    """Our signature, timestamped, then validation data in a revision of its own (B-LT)."""
    org = documents.load_keys(app).certificate
    meta = signers.PdfSignatureMetadata(
        field_name=signing.FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        embed_validation_info=True,
        validation_context=_context(pki),
    )
    return signing.outside_event_loop(
        signers.sign_pdf,
        IncrementalPdfFileWriter(io.BytesIO(drawn(app, ref))),
        meta,
        signer=org.signer(),
        timestamper=RequestsHTTPTimeStamper(pki.tsa_url),
    ).getvalue()


def _validation_data_after(record: bytes, pki) -> bytes:
    """The record with validation data for its document timestamp added after it."""
    reader = PdfFileReader(io.BytesIO(record))
    [timestamp] = reader.embedded_timestamp_signatures
    out = signing.outside_event_loop(
        add_validation_info, timestamp, _context(pki), force_write=True
    )
    return out.getvalue()


def _unknown_tsa() -> DummyTimeStamper:
    _root, certificate, key = make_tsa()
    return DummyTimeStamper(certificate, key)


def _resealed(app, ref, pki, timestamper=None, change=None) -> bytes:
    """Our signature with validation data, then (as someone else might add them) a change
    and a document timestamp: the B-LTA structure, save for what is given."""
    timestamper = timestamper or RequestsHTTPTimeStamper(pki.tsa_url)
    return document_timestamp(_with_validation_data(app, ref, pki), timestamper, change)


# Each breaks one rule of the B-LTA structure; test_..._a_timestamp_that_changes_nothing
# below shows that the structure itself is accepted.
CHANGES = {
    "one byte of a page changed": lambda app, ref, pki, record: flip_a_byte_of_the_content(record),
    "an update after the document timestamp": lambda app, ref, pki, record: _append(record, _lang),
    "validation data after the document timestamp": lambda app, ref, pki, record: (
        _validation_data_after(record, pki)
    ),
    "a second document timestamp": lambda app, ref, pki, record: document_timestamp(
        record, RequestsHTTPTimeStamper(pki.tsa_url)
    ),
    "a document timestamp by an authority not configured": lambda app, ref, pki, record: _resealed(
        app, ref, pki, timestamper=_unknown_tsa()
    ),
    "a claim to be another revision, then a document timestamp": lambda app, ref, pki, r: _resealed(
        app, ref, pki, change=_claim_revision_2
    ),
    "a change to the document, then a document timestamp": lambda app, ref, pki, record: _resealed(
        app, ref, pki, change=_lang
    ),
    "a document timestamp without validation data": lambda app, ref, pki, record: (
        document_timestamp(b_b_record(app, ref), RequestsHTTPTimeStamper(pki.tsa_url))
    ),
    "validation data without a document timestamp": lambda app, ref, pki, record: (
        _with_validation_data(app, ref, pki)
    ),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_changed_b_lta_record_is_altered(app, clients, signed_off, long_term, change):
    record = download(clients["auditor"], signed_off).data
    changed = CHANGES[change](app, signed_off, long_term, record)
    assert changed != record
    assert outcome(verify_page(clients["auditor"], changed)) == "altered"


def test_the_b_lta_checks_do_accept_a_timestamp_that_changes_nothing(
    app, clients, signed_off, long_term
):
    """The control for the cases above: the same signature with validation data, then a
    document timestamp by the configured authority and no other change, is the record as
    signed (whoever added the timestamp)."""
    assert outcome(verify_page(clients["auditor"], _resealed(app, signed_off, long_term))) == (
        "valid"
    )


# When the services fail.


def _revoked_yesterday(pki, services) -> None:
    pki.org_ca.revoke(pki.signer, at=datetime.now(UTC) - timedelta(days=1))


def _down(pki, services) -> None:
    services.down = True


def _no_crl(pki, services) -> None:
    del services.crls["/org-ca.crl"]


@pytest.mark.parametrize(
    "failure",
    [_down, _no_crl, _revoked_yesterday],
    ids=["the timestamp authority is down", "the CRL cannot be had", "the certificate is revoked"],
)
def test_when_b_lta_cannot_be_made_the_record_is_signed_b_b_and_the_error_logged(
    app, clients, signed_off, long_term, trust_services, caplog, failure
):
    failure(long_term, trust_services)
    response = download(clients["auditor"], signed_off)
    assert response.status_code == 200
    assert "signed without a timestamp or validation data (PAdES B-B)" in caplog.text
    reader = PdfFileReader(io.BytesIO(response.data))
    [signature] = reader.embedded_signatures
    assert signature.evaluate_signature_coverage() == SignatureCoverageLevel.ENTIRE_FILE
    assert "/DSS" not in reader.root
    assert outcome(verify_page(clients["auditor"], response.data)) == "valid"


def test_a_self_signed_certificate_is_sealed_b_lta_as_well(
    app, clients, signed_off, long_term, tmp_path
):
    cert, key = make_certificate("Test County Council EqIA records")
    (tmp_path / "self.pem").write_bytes(cert)
    (tmp_path / "self-key.pem").write_bytes(key)
    app.config.update(
        SIGNING_CERT=str(tmp_path / "self.pem"),
        SIGNING_KEY=str(tmp_path / "self-key.pem"),
        SIGNING_PASSPHRASE=PASSPHRASE,
    )
    content = download(clients["auditor"], signed_off).data
    reader = PdfFileReader(io.BytesIO(content))
    assert len(reader.embedded_timestamp_signatures) == 1
    assert dss_crl_issuers(reader) == {"Common Name: Test TSA root"}
    assert outcome(verify_page(clients["auditor"], content)) == "valid"

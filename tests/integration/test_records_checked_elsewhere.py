"""Signed records as tools other than ours see them: poppler's ``pdfsig`` (the signature
code of many Linux PDF readers, on NSS) and ``qpdf --check`` (the file's structure).

pdfsig checks the signature's digest and signature itself; whether it trusts the
certificate depends on its NSS database, so each test gives it one of its own (made with
NSS's ``certutil``): empty, or trusting the test root. It cannot validate a PAdES
document timestamp ("Unable to validate this type of signature"), so for B-LTA it is
asked only what the file's signatures cover.

The tools are Debian's poppler-utils, qpdf and libnss3-tools (``make pdf-tools``). Without
them these tests skip, loudly; under CI=true they fail.
"""

import io
import re
import shutil
import subprocess

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from tests.certificates import PASSPHRASE, make_certificate, pem
from tests.integration.test_records import download, flip_a_byte_of_the_content
from tests.processes import not_installed

TOOLS = ("pdfsig", "qpdf", "certutil")


@pytest.fixture(autouse=True)
def tools():
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        reason = (
            f"!!! PDF TOOL TESTS NOT RUN: {', '.join(missing)} missing. Install Debian's "
            "poppler-utils, qpdf and libnss3-tools (`make pdf-tools` as root). !!!"
        )
        not_installed(reason)


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def nss_database(folder, *trusted: bytes) -> str:
    """An NSS database of its own, trusting the PEM certificates given (to issue
    certificates, and for signed email and code, which is what pdfsig asks of NSS)."""
    folder.mkdir()
    database = f"sql:{folder}"
    assert run("certutil", "-N", "-d", database, "--empty-password").returncode == 0
    for number, certificate in enumerate(trusted):
        path = folder / f"trusted-{number}.pem"
        path.write_bytes(certificate)
        name = f"trusted {number}"
        added = run("certutil", "-A", "-d", database, "-n", name, "-t", "CT,C,C", "-i", str(path))
        assert added.returncode == 0, added.stderr
    return database


def pdfsig(content: bytes, tmp_path, nss: str) -> list[dict[str, str]]:
    """What pdfsig says about each signature in the file, line by line."""
    path = tmp_path / "record.pdf"
    path.write_bytes(content)
    # Not -no-ocsp: poppler 22.12 then calls every certificate "Unknown issue with
    # Certificate". The test certificates name no OCSP responder, so nothing is fetched.
    result = run("pdfsig", "-nssdir", nss, str(path))
    assert result.returncode == 0, result.stderr
    signatures = []
    for block in re.split(r"^Signature #\d+:$", result.stdout, flags=re.MULTILINE)[1:]:
        lines = [line.strip().removeprefix("- ") for line in block.strip().splitlines()]
        facts = {}
        for line in lines:
            key, _, value = line.partition(": ")
            facts[key] = value if value else key
        facts["lines"] = "\n".join(lines)
        signatures.append(facts)
    return signatures


def qpdf_check(content: bytes, tmp_path) -> subprocess.CompletedProcess:
    path = tmp_path / "checked.pdf"
    path.write_bytes(content)
    return run("qpdf", "--check", str(path))


def covered_to(facts: dict[str, str]) -> int:
    """Where the signed byte ranges end."""
    return int(re.findall(r"\[(\d+) - (\d+)\]", facts["Signed Ranges"])[-1][1])


@pytest.fixture
def self_signed(app, tmp_path):
    """The organisation's certificate self-signed, as a development install makes it."""
    cert, key = make_certificate("Test County Council EqIA records")
    (tmp_path / "cert.pem").write_bytes(cert)
    (tmp_path / "key.pem").write_bytes(key)
    app.config.update(
        SIGNING_CERT=str(tmp_path / "cert.pem"),
        SIGNING_KEY=str(tmp_path / "key.pem"),
        SIGNING_PASSPHRASE=PASSPHRASE,
    )
    return cert


def test_pdfsig_finds_a_b_b_record_valid_and_wholly_signed(
    app, clients, signed_off, self_signed, tmp_path
):
    content = download(clients["auditor"], signed_off).data
    [signature] = pdfsig(content, tmp_path, nss_database(tmp_path / "empty"))
    assert signature["Signature Field Name"] == "EqIA record"
    assert signature["Signer Certificate Common Name"] == "Test County Council EqIA records"
    assert signature["Signature Type"] == "ETSI.CAdES.detached"
    assert signature["Signature Validation"] == "Signature is Valid."
    assert "Total document signed" in signature["lines"]
    assert covered_to(signature) == len(content)
    # A self-signed certificate is trusted by nobody but those told to trust it.
    assert signature["Certificate Validation"] == "Certificate issuer isn't Trusted."
    trusting = nss_database(tmp_path / "trusting", self_signed)
    [signature] = pdfsig(content, tmp_path, trusting)
    assert signature["Certificate Validation"] == "Certificate is Trusted."


def test_pdfsig_finds_a_changed_record_invalid(app, clients, signed_off, self_signed, tmp_path):
    changed = flip_a_byte_of_the_content(download(clients["auditor"], signed_off).data)
    [signature] = pdfsig(changed, tmp_path, nss_database(tmp_path / "empty"))
    assert signature["Signature Validation"] == "Digest Mismatch."


def test_pdfsig_on_a_b_lta_record(app, clients, signed_off, long_term, tmp_path):
    content = download(clients["auditor"], signed_off).data
    nss = nss_database(tmp_path / "trusting", pem(long_term.org_ca.certificate))
    signature, timestamp = pdfsig(content, tmp_path, nss)
    # Our signature, valid and trusted, covering the record as signed: all that follows it
    # is the validation data and the document timestamp.
    assert signature["Signature Field Name"] == "EqIA record"
    assert signature["Signature Validation"] == "Signature is Valid."
    assert signature["Certificate Validation"] == "Certificate is Trusted."
    assert "Not total document signed" in signature["lines"]
    reader = PdfFileReader(io.BytesIO(content))
    [embedded] = reader.embedded_regular_signatures
    assert covered_to(signature) == embedded.byte_range[-2] + embedded.byte_range[-1]
    # The document timestamp, by the timestamp authority, covering the whole file.
    assert timestamp["Signature Field Name"] == "EqIA record timestamp"
    assert timestamp["Signer Certificate Common Name"] == "Test TSA"
    assert "Total document signed" in timestamp["lines"]
    assert covered_to(timestamp) == len(content)


@pytest.mark.parametrize("profile", ["B-B", "B-LTA"])
def test_qpdf_finds_nothing_wrong_with_a_signed_record(
    app, clients, signed_off, long_term, tmp_path, profile
):
    if profile == "B-B":
        app.config.update(TSA_URL="", TSA_CERT="")
    content = download(clients["auditor"], signed_off).data
    assert bool(PdfFileReader(io.BytesIO(content)).embedded_timestamp_signatures) == (
        profile == "B-LTA"
    )
    result = qpdf_check(content, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors found" in result.stdout


def test_qpdf_finds_a_truncated_record_damaged(app, clients, signed_off, long_term, tmp_path):
    content = download(clients["auditor"], signed_off).data
    result = qpdf_check(content[: len(content) // 2], tmp_path)
    assert result.returncode != 0

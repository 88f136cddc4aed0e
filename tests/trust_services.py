"""A timestamp authority and CRL distribution points on 127.0.0.1, for tests.

A B-LTA record is only as good as what the services it relies on answered when it was
signed: the timestamp authority (RFC 3161 over HTTP) and the certificate authorities' CRLs.
These run for real, in a thread of the test process, on a loopback port, so signing talks
to them exactly as it would talk to a council's, and nothing leaves the machine.

The timestamps are made by pyHanko's ``DummyTimeStamper`` (a real RFC 3161 responder, with
the test TSA's certificate and key); each CRL is drawn when asked for, so revoking a
certificate shows in the next one fetched.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from tests.certificates import Authority, key_pem, pem

TSA_PATH = "/tsa"


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _reply(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        services = self.server.services
        services.requests.append(f"GET {self.path}")
        authority = services.crls.get(self.path)
        if authority is None or services.down:
            self._reply(404, "text/plain", b"Not found")
            return
        self._reply(200, "application/pkix-crl", authority.crl())

    def do_POST(self) -> None:  # noqa: N802
        services = self.server.services
        services.requests.append(f"POST {self.path}")
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path != TSA_PATH or services.timestamper is None or services.down:
            self._reply(503, "text/plain", b"Unavailable")
            return
        request = tsp.TimeStampReq.load(body)
        response = services.timestamper.request_tsa_response(request)
        self._reply(200, "application/timestamp-reply", response.dump())

    def log_message(self, format, *args) -> None:  # noqa: A002 (http.server's name)
        pass  # keep test output quiet


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    services: TrustServices


@dataclass
class TrustServices:
    """The server, what it serves, and every request it was sent."""

    crls: dict[str, Authority] = field(default_factory=dict)
    timestamper: DummyTimeStamper | None = None
    requests: list[str] = field(default_factory=list)
    down: bool = False  # answer every request with an error, as a failing service would
    _server: _Server | None = None

    def start(self) -> TrustServices:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.services = self
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def url(self, path: str) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def publish_crl(self, path: str, authority: Authority) -> str:
        self.crls[path] = authority
        return self.url(path)


@dataclass
class LoopbackPKI:
    """An organisation's CA and signing certificate, and a timestamp authority, each
    certificate with its CRL served on loopback."""

    services: TrustServices
    org_ca: Authority
    signer: object  # cryptography certificate
    signer_key: object
    tsa_ca: Authority
    tsa: object
    tsa_key: object

    @property
    def tsa_url(self) -> str:
        return self.services.url(TSA_PATH)

    def signing_files(self, folder, passphrase: str) -> tuple[str, str]:
        """The signing certificate followed by its chain, and its key, as configured."""
        (folder / "org.pem").write_bytes(pem(self.signer, self.org_ca.certificate))
        (folder / "org-key.pem").write_bytes(key_pem(self.signer_key, passphrase))
        return str(folder / "org.pem"), str(folder / "org-key.pem")

    def tsa_root_file(self, folder) -> str:
        (folder / "tsa-root.pem").write_bytes(pem(self.tsa_ca.certificate))
        return str(folder / "tsa-root.pem")


def make_pki(services: TrustServices, signer_days: int = 30) -> LoopbackPKI:
    """A signing certificate that expires in ``signer_days`` days, and a TSA whose
    certificate lasts ten years: the record must outlive the first."""
    org_ca = Authority.create("Test County Council root CA")
    signer, signer_key = org_ca.issue(
        "Test County Council EqIA records",
        days=signer_days,
        crl_url=services.publish_crl("/org-ca.crl", org_ca),
    )
    tsa_ca = Authority.create("Test TSA root")
    tsa, tsa_key = tsa_ca.issue(
        "Test TSA",
        days=3650,
        crl_url=services.publish_crl("/tsa-ca.crl", tsa_ca),
        key=rsa.generate_private_key(public_exponent=65537, key_size=2048),  # DummyTimeStamper
        time_stamping=True,
    )
    services.timestamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(tsa.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            tsa_key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
    )
    return LoopbackPKI(services, org_ca, signer, signer_key, tsa_ca, tsa, tsa_key)

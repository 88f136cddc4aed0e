"""A real OpenID provider on loopback (oidc-provider-mock), which a test can make misbehave.

``provider`` serves the mock's Flask app on 127.0.0.1 and a free port, in a thread joined
at teardown. A test sets people's claims (``provider.person(sub, **claims)``, the mock's
``PUT /users/{sub}``), signs in as one (``provider.authorize``: the POST of ``sub`` the
mock's form makes), and can change what the token endpoint answers (every ID token is
signed again with its key id in the header, as real providers' are): ``tamper`` rewrites
the ID token's claims and signs it again (with the provider's key, or with a key nobody
published), ``slow_down`` makes it answer later than the app waits, and ``rotate_key``
replaces the provider's signing key as a real provider's key rotation does.
"""

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import flask
import pytest
import requests
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

from tests.processes import free_port

CLIENT_ID = "eqia-tests"
CLIENT_SECRET = "a client secret for the tests"  # noqa: S105


@dataclass
class Provider:
    url: str
    app: flask.Flask
    # Changes the token endpoint's ID token: claims in, claims out.
    rewrite: Callable[[dict], dict] | None = None
    # Signs the rewritten ID token (default: the provider's own key).
    signing_key: RSAKey | None = None
    delay: float = 0
    _storage: object = field(default=None, repr=False)

    def person(self, sub: str, **claims) -> None:
        response = requests.put(f"{self.url}/users/{sub}", json=claims, timeout=5)
        response.raise_for_status()

    def authorize(self, authorize_url: str, sub: str) -> str:
        """Sign in at the provider as ``sub``; the callback URL it sends the browser to."""
        response = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=5)
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    def deny(self, authorize_url: str) -> str:
        response = requests.post(
            authorize_url, data={"action": "deny"}, allow_redirects=False, timeout=5
        )
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    def tamper(self, rewrite: Callable[[dict], dict], key: RSAKey | None = None) -> None:
        self.rewrite, self.signing_key = rewrite, key

    def slow_down(self, seconds: float) -> None:
        self.delay = seconds

    def key(self) -> RSAKey:
        """The provider's signing key now, as joserfc reads it."""
        return RSAKey.import_key(self._storage.jwk.as_dict(is_private=True))

    def rotate_key(self) -> None:
        """A new signing key, published in place of the old one."""
        self._storage.jwk = type(self._storage.jwk).generate_key(is_private=True)

    def _token_response(self, response: flask.Response) -> flask.Response:
        if flask.request.path != "/oauth2/token" or response.status_code != 200:
            return response
        time.sleep(self.delay)
        body = json.loads(response.get_data())
        signed = jwt.decode(body["id_token"], self.key())
        claims = dict(signed.claims) if self.rewrite is None else self.rewrite(dict(signed.claims))
        key = self.signing_key or self.key()
        # The mock leaves the key id out of the ID token's header; real providers (Entra ID,
        # Google, Okta, Keycloak) name the key they signed with, so every token here does.
        body["id_token"] = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
        response.set_data(json.dumps(body))
        return response


def foreign_key() -> RSAKey:
    """A signing key the provider never published."""
    return RSAKey.generate_key(2048, auto_kid=True)


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


@pytest.fixture
def provider() -> Iterator[Provider]:
    import oidc_provider_mock  # here, so its deprecation warnings meet the suite's filters

    app = oidc_provider_mock.app()
    port = free_port()
    found = Provider(url=f"http://127.0.0.1:{port}", app=app)
    app.after_request(found._token_response)
    with app.test_request_context():
        app.preprocess_request()
        found._storage = flask.g.oidc_provider_mock_storage
    server = make_server("127.0.0.1", port, app, threaded=True)
    server.daemon_threads, server.block_on_close = False, True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def settings(provider: Provider, **more) -> dict:
    """The app's settings for single sign-on through this provider."""
    return {
        "OIDC_ISSUER": provider.url,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_ACCOUNT_NAME": "council account",
        "OIDC_TIMEOUT": 2,
        **more,
    }

"""Fixtures for records signed against real trust services: a timestamp authority and CRL
distribution points on loopback (see tests/trust_services.py), the app configured to use
them, as a council's would be, and an EqIA signed off."""

import pytest

from eqia import workflow
from eqia.extensions import db
from eqia.models import Assessment, DecisionKind, Rating, SealedRecord
from eqia.records import documents
from eqia.settings import SignInPolicy
from tests import factories
from tests.certificates import PASSPHRASE
from tests.integration.test_security_log import security_log  # noqa: F401 - shared fixture
from tests.journeys import submitted_eqia
from tests.oidc_provider import provider, settings  # noqa: F401 - provider: a shared fixture
from tests.trust_services import TrustServices, make_pki


@pytest.fixture
def trust_services():
    services = TrustServices().start()
    yield services
    services.stop()


@pytest.fixture
def pki(trust_services):
    return make_pki(trust_services)


@pytest.fixture
def long_term(app, pki, tmp_path):
    """The app signing with a certificate its CA issued, and with the loopback timestamp
    authority configured: records are PAdES B-LTA."""
    cert, key = pki.signing_files(tmp_path, PASSPHRASE)
    app.config.update(
        SIGNING_CERT=cert,
        SIGNING_KEY=key,
        SIGNING_PASSPHRASE=PASSPHRASE,
        TSA_URL=pki.tsa_url,
        TSA_CERT=pki.tsa_root_file(tmp_path),
    )
    return pki


def sign_off(app, users) -> str:
    """A screening-route EqIA, submitted and signed off (so sealed) with every section
    acceptable."""
    with app.app_context():
        directorate_id = factories.make_directorate().id
    ref = submitted_eqia(app, users["lead"].id, directorate_id)
    with app.app_context():
        revision = workflow.latest_revision(Assessment.by_reference(ref))
        evaluations = {s.slug: (Rating.ACCEPTABLE, "") for s in revision.read().sections}
    factories.decide(
        app, ref, users["super_user"].id, DecisionKind.APPROVED, evaluations=evaluations
    )
    return ref


@pytest.fixture
def signed_off(app, users, once):
    """An EqIA signed off before its record was sealed: it is sealed at its first download,
    with the signing configuration the test has set by then. Built once a run."""

    def build():
        ref = sign_off(app, users)
        with app.app_context():
            db.session.execute(SealedRecord.__table__.delete())
            db.session.commit()
        return ref

    ref = once(build)
    app.extensions.pop(documents.EXTENSION_KEY, None)  # read the configuration afresh
    return ref


@pytest.fixture
def sso(app, provider):  # noqa: F811 - the fixture imported above
    """The app signing people in through the loopback OpenID provider (tests/oidc_provider.py)."""
    app.config.update(settings(provider))
    return provider


@pytest.fixture
def anyone(app, sso):
    """The sign-in settings let anyone from example.org make an account."""
    with app.app_context():
        SignInPolicy(new_accounts="anyone", allowed_domains=("example.org",)).save(None)
        db.session.commit()

"""Single sign-on through a real OpenID provider on loopback: who gets in, to which
account, with which roles; what the audit trail and the security log say; signing out at
the provider too. What is refused is in test_sso_refusals.py."""

import pytest
from sqlalchemy import select

from eqia import create_app
from eqia.extensions import db
from eqia.models import Event, EventKind, Role, SignIn, User
from tests import factories
from tests.helpers import csrf_token, h1, soup, text
from tests.oidc_provider import CLIENT_ID, path_and_query, query

ROLE_MAP = ("EqIA.SuperUser=super_user", "EqIA.Auditor=auditor", "EqIA.Admin=admin")


@pytest.fixture
def roles_claim(app, sso):
    app.config.update(OIDC_ROLES_CLAIM="roles", OIDC_ROLE_MAP=ROLE_MAP)


def start(client, target: str | None = None) -> str:
    response = client.get("/auth/sign-in/sso", query_string={"next": target} if target else {})
    assert response.status_code == 302
    return response.location


def sso_sign_in(client, provider, sub: str, target: str | None = None, **claims):
    """Sign in at the provider as ``sub`` (with these claims, if given); the app's answer."""
    if claims:
        provider.person(sub, **claims)
    return client.get(path_and_query(provider.authorize(start(client, target), sub)))


def signed_in_as(client) -> int | None:
    """Whose open session the client's cookie holds, as the service sees it."""
    response = client.get("/")
    if response.status_code != 200:
        return None
    with client.session_transaction() as session:
        return int(session["_user_id"])


def person(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def admin_events() -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.assessment_id.is_(None))))


def test_the_sign_in_page_offers_the_council_account_only_when_it_is_set_up(app, client):
    assert "Sign in with your" not in soup(client.get("/auth/sign-in")).get_text()
    app.config.update(OIDC_ISSUER="https://login.example.org", OIDC_CLIENT_ID="eqia")
    app.config.update(OIDC_ACCOUNT_NAME="Cambridgeshire account")
    button = soup(client.get("/auth/sign-in?next=/plan")).select_one("main a.govuk-button")
    assert text(button) == "Sign in with your Cambridgeshire account"
    assert button["href"] == "/auth/sign-in/sso?next=/plan"


def test_single_sign_on_is_not_there_when_it_is_not_set_up(client):
    assert client.get("/auth/sign-in/sso").status_code == 404
    assert client.get("/auth/sign-in/sso/callback?code=x&state=y").status_code == 404


def test_the_flow_uses_pkce_state_and_nonce(client, sso):
    asked = query(start(client))
    assert asked["client_id"] == CLIENT_ID
    assert asked["redirect_uri"] == "http://localhost/auth/sign-in/sso/callback"
    assert asked["code_challenge_method"] == "S256"
    assert asked["code_challenge"] and asked["state"] and asked["nonce"]
    assert set(asked["scope"].split()) == {"openid", "email", "profile"}


def test_a_first_sign_in_makes_the_account_when_anyone_may(app, client, sso, anyone, security_log):
    response = sso_sign_in(client, sso, "sub-1", email="Nia.Okafor@example.org", name="Nia Okafor")
    assert response.location == "/"
    with app.app_context():
        nia = person("nia.okafor@example.org")
        assert (nia.name, nia.job_title, nia.roles) == ("Nia Okafor", "", frozenset())
        assert (nia.oidc_issuer, nia.oidc_subject) == (sso.url, "sub-1")
        assert not nia.has_password
        [added] = [e for e in admin_events() if e.kind == EventKind.USER_ADDED]
        assert added.actor_id == nia.id
        assert added.note.splitlines()[0] == "Nia Okafor (nia.okafor@example.org)"
        assert "Single sign-on: linked" in added.note
        sign_in_row = db.session.scalar(select(SignIn).where(SignIn.user_id == nia.id))
        assert sign_in_row.id_token and sign_in_row.id_token.count(".") == 2
        nia_id = nia.id
    assert signed_in_as(client) == nia_id
    assert security_log.one("account.created")["subject_id"] == nia_id
    succeeded = security_log.one("sign_in.succeeded")
    assert (succeeded["authentication"], succeeded["user_id"]) == ("sso", nia_id)
    assert sign_in_row.id_token not in security_log.text


def test_the_name_is_the_email_address_when_the_provider_gives_none(app, client, sso, anyone):
    sso_sign_in(client, sso, "sub-1", email="kai@example.org")
    with app.app_context():
        assert person("kai@example.org").name == "kai@example.org"


@pytest.mark.parametrize(
    "target, lands_on", [("/plan", "/plan"), ("https://evil.example/", "/"), ("//evil", "/")]
)
def test_where_people_asked_to_go_is_kept_through_the_flow(client, sso, anyone, target, lands_on):
    response = sso_sign_in(client, sso, "sub-1", target, email="kai@example.org")
    assert response.location == lands_on


def test_an_invited_person_is_linked_to_their_account(app, client, sso, security_log):
    with app.app_context():
        invited = factories.make_user(email="ola@example.org", name="Ola Invited").id
    sso_sign_in(client, sso, "ola-sub", email="OLA@example.org", email_verified=True)
    assert signed_in_as(client) == invited
    with app.app_context():
        ola = db.session.get(User, invited)
        assert (ola.oidc_issuer, ola.oidc_subject, ola.name) == (sso.url, "ola-sub", "Ola Invited")
        [changed] = [e for e in admin_events() if e.kind == EventKind.USER_CHANGED]
        assert changed.actor_id == invited
        assert "Single sign-on: none → linked" in changed.note
    assert security_log.one("account.linked")["subject_id"] == invited


def test_the_linked_identity_is_matched_on_subject_not_email(app, client, sso, anyone):
    sso_sign_in(client, sso, "sub-1", email="first@example.org", name="First Name")
    with app.app_context():
        first = person("first@example.org").id
    client.post("/auth/sign-out", data={"csrf_token": csrf_token(soup(client.get("/")))})
    sso_sign_in(client, sso, "sub-1", email="renamed@example.org", name="Changed Name")
    assert signed_in_as(client) == first
    with app.app_context():
        renamed = db.session.get(User, first)
        assert (renamed.email, renamed.name) == ("renamed@example.org", "Changed Name")
        [changed] = [e for e in admin_events() if e.kind == EventKind.USER_CHANGED]
        assert changed.actor_id == first
        assert "Email address: first@example.org → renamed@example.org" in changed.note
        assert (
            db.session.scalar(select(db.func.count(User.id)).where(User.oidc_subject.is_not(None)))
            == 1
        )


class TestRolesFromTheClaim:
    def test_the_roles_are_exactly_those_the_claim_maps_to(
        self, app, client, sso, anyone, roles_claim, security_log
    ):
        roles = ["EqIA.Admin", "EqIA.Auditor", "Something.Else"]
        sso_sign_in(client, sso, "sub-1", email="rhys@example.org", roles=roles)
        with app.app_context():
            assert person("rhys@example.org").roles == {Role.ADMIN, Role.AUDITOR}
        assert security_log.one("account.created")["roles"] == ["admin", "auditor"]

    def test_the_roles_are_refreshed_at_each_sign_in(
        self, app, client, sso, anyone, roles_claim, security_log
    ):
        sso_sign_in(client, sso, "sub-1", email="rhys@example.org", roles=["EqIA.Admin"])
        client.post("/auth/sign-out", data={"csrf_token": csrf_token(soup(client.get("/")))})
        sso_sign_in(client, sso, "sub-1", email="rhys@example.org", roles=["EqIA.SuperUser"])
        with app.app_context():
            rhys = person("rhys@example.org")
            assert rhys.roles == {Role.SUPER_USER}
            [changed] = [e for e in admin_events() if e.kind == EventKind.USER_CHANGED]
            assert changed.actor_id == rhys.id
            assert "Roles: Admin → EqIA super user" in changed.note
            rhys_id = rhys.id
        assert signed_in_as(client) == rhys_id
        event = security_log.one("role.changed")
        assert (event["roles_before"], event["roles_after"]) == (["admin"], ["super_user"])

    def test_no_claim_means_no_roles(self, app, client, sso, roles_claim):
        with app.app_context():
            factories.make_user(email="ada@example.org", roles={Role.ADMIN})
        sso_sign_in(client, sso, "sub-1", email="ada@example.org")
        with app.app_context():
            assert person("ada@example.org").roles == frozenset()

    def test_roles_managed_in_the_service_are_left_alone_without_the_setting(
        self, app, client, sso
    ):
        with app.app_context():
            factories.make_user(email="ada@example.org", roles={Role.ADMIN})
        sso_sign_in(client, sso, "sub-1", email="ada@example.org", roles=["EqIA.Auditor"])
        with app.app_context():
            assert person("ada@example.org").roles == {Role.ADMIN}


class TestAdminPages:
    def test_they_say_roles_are_managed_here(self, clients):
        page = soup(clients["admin"].get("/admin/users"))
        assert "Roles are managed here" in text(page.select_one(".govuk-inset-text"))

    def test_they_say_roles_come_from_the_claim_and_lock_them(
        self, app, clients, users, sso, roles_claim
    ):
        with app.app_context():
            linked = factories.make_user(email="sso@example.org", name="Sam Sso")
            linked.oidc_issuer, linked.oidc_subject = sso.url, "sam"
            db.session.commit()
            linked_id = linked.id
        admin = clients["admin"]
        inset = text(soup(admin.get("/admin/users")).select_one(".govuk-inset-text"))
        assert inset.startswith(
            "Roles come from people's council account (the roles claim), at each sign-in:"
        )
        assert "EqIA.SuperUser: EqIA super user" in inset
        page = soup(admin.get(f"/admin/users/{linked_id}"))
        boxes = page.select("input[name=roles]")
        assert boxes and all(box.has_attr("disabled") for box in boxes)
        assert "which gives their roles" in text(page.select_one("#roles-hint"))
        others = soup(admin.get(f"/admin/users/{users['lead'].id}")).select("input[name=roles]")
        assert not any(box.has_attr("disabled") for box in others)
        form = {
            "csrf_token": csrf_token(page),
            "email": "sso@example.org",
            "name": "Sam Sso",
            "job_title": "Officer",
            "directorate_id": "0",
            "roles": ["admin"],
            "active": "y",
        }
        assert admin.post(f"/admin/users/{linked_id}", data=form).status_code == 302
        with app.app_context():
            assert db.session.get(User, linked_id).roles == frozenset()


def test_a_provider_key_rotation_is_followed(app, client, sso, anyone):
    sso_sign_in(client, sso, "sub-1", email="kai@example.org")
    client.post("/auth/sign-out", data={"csrf_token": csrf_token(soup(client.get("/")))})
    sso.rotate_key()
    response = sso_sign_in(client, sso, "sub-1", email="kai@example.org")
    assert response.location == "/"
    assert signed_in_as(client) is not None


def test_signing_out_signs_out_at_the_provider_too(app, client, sso, anyone, security_log):
    sso_sign_in(client, sso, "sub-1", email="kai@example.org")
    with app.app_context():
        id_token = db.session.scalar(select(SignIn.id_token))
    response = client.post("/auth/sign-out", data={"csrf_token": csrf_token(soup(client.get("/")))})
    assert response.location.startswith(f"{sso.url}/oauth2/end_session?")
    assert query(response.location) == {
        "id_token_hint": id_token,
        "client_id": CLIENT_ID,
        "post_logout_redirect_uri": "http://localhost/auth/signed-out",
    }
    assert signed_in_as(client) is None
    with app.app_context():
        assert db.session.scalar(select(SignIn.ended_at)) is not None
    page = soup(client.get("/auth/signed-out"))
    assert h1(page) == "You have signed out"
    assert page.select_one("main a[href='/auth/sign-in']").get_text() == "Sign in again"


def test_a_password_session_signs_out_as_before(client, sso, users):
    response = client.post(
        "/auth/sign-in",
        data={
            "csrf_token": csrf_token(soup(client.get("/auth/sign-in"))),
            "email": users["lead"].email,
            "password": factories.PASSWORD,
        },
    )
    assert response.status_code == 302
    response = client.post("/auth/sign-out", data={"csrf_token": csrf_token(soup(client.get("/")))})
    assert response.location == "/auth/sign-in"
    assert signed_in_as(client) is None


def test_a_malformed_role_map_stops_the_service_starting(database_url):
    with pytest.raises(RuntimeError, match="EQIA_OIDC_ROLE_MAP: 'EqIA.Admin=owner'"):
        create_app(
            {"SQLALCHEMY_DATABASE_URI": database_url, "OIDC_ROLE_MAP": ("EqIA.Admin=owner",)}
        )

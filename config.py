"""Configuration classes, read from the environment.

``create_app`` picks one by ``EQIA_CONFIG`` (development, testing, production);
the README lists every variable. Without ``EQIA_CONFIG`` only the ``flask`` command
(``flask run``, ``flask seed-demo``, …) runs as development: a server that imports
the app any other way (gunicorn, uWSGI) refuses to start rather than run as development.
"""

import os
import secrets
from datetime import date, timedelta
from pathlib import Path

INSTANCE_PATH = Path(os.environ.get("EQIA_INSTANCE_PATH", Path(__file__).parent / "instance"))


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _date(name: str, default: str) -> date:
    value = os.environ.get(name) or default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name} must be a date like 2026-12-01, not {value!r}") from None


def _lines(name: str, default: str = "") -> tuple[str, ...]:
    """A list written with semicolons between its items (an address, say)."""
    value = os.environ.get(name, default)
    return tuple(item.strip() for item in value.split(";") if item.strip())


class Config:
    ORGANISATION_NAME = os.environ.get("EQIA_ORGANISATION_NAME", "Cambridgeshire County Council")
    SERVICE_NAME = "Equality Impact Assessments"

    # The accessibility statement (/accessibility, README "Accessibility statement"): where
    # to ask for an accessible format or report a problem, and within how many working days
    # a reply comes; when the statement was prepared and last reviewed; when the service was
    # last tested and by whom (unset: the organisation); what was checked by hand (none: the
    # statement says so). The defaults are the demo council's invented contact details (an
    # Ofcom drama number): a council sets its own.
    ACCESSIBILITY_EMAIL = os.environ.get("EQIA_ACCESSIBILITY_EMAIL", "equality@example.org")
    ACCESSIBILITY_PHONE = os.environ.get("EQIA_ACCESSIBILITY_PHONE", "01632 960 000")
    ACCESSIBILITY_ADDRESS = _lines(
        "EQIA_ACCESSIBILITY_ADDRESS",
        "Equality, Diversity and Inclusion team; Cambridgeshire County Council; PO Box 100; "
        "Cambridge; CB1 0XX",
    )
    ACCESSIBILITY_REPLY_DAYS = _int("EQIA_ACCESSIBILITY_REPLY_DAYS", 5)
    ACCESSIBILITY_PREPARED = _date("EQIA_ACCESSIBILITY_PREPARED", "2026-12-01")
    ACCESSIBILITY_REVIEWED = _date("EQIA_ACCESSIBILITY_REVIEWED", "2026-12-01")
    ACCESSIBILITY_TESTED = _date("EQIA_ACCESSIBILITY_TESTED", "2026-12-01")
    ACCESSIBILITY_TESTED_BY = os.environ.get("EQIA_ACCESSIBILITY_TESTED_BY", "")
    ACCESSIBILITY_MANUAL_CHECKS = _lines("EQIA_ACCESSIBILITY_MANUAL_CHECKS")

    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_PATH / 'eqia.sqlite3'}"
    )
    # Every connection is checked before use (a restarted or failed-over database, or one
    # that cut idle connections, costs a reconnect, not an error) and replaced after
    # EQIA_DB_POOL_RECYCLE_SECONDS. On PostgreSQL each process keeps up to
    # EQIA_DB_POOL_SIZE connections, and EQIA_DB_POOL_OVERFLOW more at busy moments
    # (README "Running in production": mind the server's max_connections).
    SQLALCHEMY_ENGINE_OPTIONS = {
        "pool_pre_ping": True,
        "pool_recycle": _int("EQIA_DB_POOL_RECYCLE_SECONDS", 1800),
    }
    DB_POOL_SIZE = _int("EQIA_DB_POOL_SIZE", 5)
    DB_POOL_OVERFLOW = _int("EQIA_DB_POOL_OVERFLOW", 5)

    # Signed-in sessions end after this much inactivity. Signed-in pages warn this long
    # before, offering to stay signed in (WCAG 2.2.1); it must be shorter than the timeout.
    IDLE_TIMEOUT = timedelta(minutes=_int("EQIA_IDLE_TIMEOUT_MINUTES", 60))
    IDLE_WARNING = timedelta(minutes=_int("EQIA_IDLE_WARNING_MINUTES", 5))
    PERMANENT_SESSION_LIFETIME = timedelta(hours=_int("EQIA_SESSION_LIFETIME_HOURS", 12))
    SESSION_COOKIE_NAME = "eqia_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("EQIA_SECURE_COOKIES", False)
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)

    # The CSRF token lives as long as the session that holds it.
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = _int("EQIA_MAX_UPLOAD_MB", 25) * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 2 * 1024 * 1024

    # Evidence files and plan imports are kept in the database. On disk: only (development
    # and testing) the self-signed signing certificate.
    SIGNING_FOLDER = os.environ.get("EQIA_SIGNING_FOLDER", str(INSTANCE_PATH / "signing"))
    # The evidence files an EqIA's draft holds may add up to this much.
    EVIDENCE_LIMIT = _int("EQIA_EVIDENCE_LIMIT_MB", 100) * 1024 * 1024

    # ClamAV's clamd, which scans every evidence file and plan import before it is kept: a
    # Unix socket, or else a host and port. With neither, uploads are not scanned (the
    # development default). Seconds to wait for clamd before refusing the upload.
    CLAMD_SOCKET = os.environ.get("EQIA_CLAMD_SOCKET", "")
    CLAMD_HOST = os.environ.get("EQIA_CLAMD_HOST", "")
    CLAMD_PORT = _int("EQIA_CLAMD_PORT", 3310)
    CLAMD_TIMEOUT = _int("EQIA_CLAMD_TIMEOUT_SECONDS", 30)

    # Sign-in attempts allowed before the next must wait (README, "Throttling"): for one
    # account from one address, for one account from anywhere, and from one address (high:
    # a whole office may share an address). Checks of the current password, to change it.
    SIGN_IN_LIMIT_PER_ACCOUNT_AND_ADDRESS = os.environ.get(
        "EQIA_SIGN_IN_LIMIT_PER_ACCOUNT_AND_ADDRESS", "5 per 15 minutes"
    )
    SIGN_IN_LIMIT_PER_ACCOUNT = os.environ.get("EQIA_SIGN_IN_LIMIT_PER_ACCOUNT", "20 per hour")
    SIGN_IN_LIMIT_PER_ADDRESS = os.environ.get(
        "EQIA_SIGN_IN_LIMIT_PER_ADDRESS", "300 per 15 minutes"
    )
    PASSWORD_CHECK_LIMIT = os.environ.get("EQIA_PASSWORD_CHECK_LIMIT", "5 per 15 minutes")
    # Requests one API token may make to the data feed (README "Data feed").
    API_RATE_LIMIT = os.environ.get("EQIA_API_RATE_LIMIT", "120 per minute")
    # How many proxies in front of the service add X-Forwarded-For (and -Proto): their
    # word is taken for the client's address. 0 (the default) takes nobody's.
    TRUSTED_PROXIES = _int("EQIA_TRUSTED_PROXIES", 0)
    # Where the counts are kept: memory:// (each process its own) or redis://host:port/db,
    # shared by every instance. Seconds to wait for Redis before counting in this process
    # alone (README "Throttling").
    RATELIMIT_STORAGE_URI = os.environ.get("EQIA_RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_STORAGE_TIMEOUT = _int("EQIA_RATELIMIT_STORAGE_TIMEOUT_SECONDS", 2)
    RATELIMIT_HEADERS_ENABLED = False

    # Single sign-on with the council's own accounts (README "Single sign-on"): OpenID
    # Connect, found from the provider's issuer URL. Off while EQIA_OIDC_ISSUER is empty.
    OIDC_ISSUER = os.environ.get("EQIA_OIDC_ISSUER", "").rstrip("/")
    OIDC_CLIENT_ID = os.environ.get("EQIA_OIDC_CLIENT_ID", "")
    OIDC_CLIENT_SECRET = os.environ.get("EQIA_OIDC_CLIENT_SECRET", "")
    OIDC_SCOPES = os.environ.get("EQIA_OIDC_SCOPES", "openid email profile")
    # What the sign-in button calls the account: "Sign in with your <this>".
    OIDC_ACCOUNT_NAME = os.environ.get("EQIA_OIDC_ACCOUNT_NAME", "council account")
    # The claims that say who someone is: the subject (Entra ID: oid), email and name.
    OIDC_SUBJECT_CLAIM = os.environ.get("EQIA_OIDC_SUBJECT_CLAIM", "sub")
    OIDC_EMAIL_CLAIM = os.environ.get("EQIA_OIDC_EMAIL_CLAIM", "email")
    OIDC_NAME_CLAIM = os.environ.get("EQIA_OIDC_NAME_CLAIM", "name")
    # Roles from a claim (Entra ID: roles, or groups) when set; otherwise admins manage
    # them in the service. The map: claim value=role, semicolons between, roles being
    # super_user, auditor and admin.
    OIDC_ROLES_CLAIM = os.environ.get("EQIA_OIDC_ROLES_CLAIM", "")
    OIDC_ROLE_MAP = _lines("EQIA_OIDC_ROLE_MAP")
    # Seconds to wait for the provider before saying it cannot be reached.
    OIDC_TIMEOUT = _int("EQIA_OIDC_TIMEOUT_SECONDS", 10)

    # Links in emails start with this (the address people use to reach the service).
    BASE_URL = os.environ.get("EQIA_BASE_URL", "http://127.0.0.1:5000")
    # Email goes through GOV.UK Notify when a key and template are set, else through
    # MAIL_SERVER when that is set, else only to the log (the development default).
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")  # STARTTLS
    MAIL_FROM = os.environ.get("MAIL_FROM", "eqia@example.org")
    # Seconds to wait for the mail server or Notify before trying again later.
    MAIL_TIMEOUT = _int("MAIL_TIMEOUT_SECONDS", 10)
    NOTIFY_API_KEY = os.environ.get("NOTIFY_API_KEY", "")
    # One template whose subject is ((subject)) and whose body is ((body)).
    NOTIFY_TEMPLATE_ID = os.environ.get("NOTIFY_TEMPLATE_ID", "")
    NOTIFY_BASE_URL = os.environ.get("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk")

    # The organisation's certificate for signing PDF records: a PEM certificate (its chain
    # may follow) and key, or one PKCS#12 file; the passphrase, if any, for either. Without
    # them, development and testing make a self-signed certificate under instance/signing.
    SIGNING_CERT = os.environ.get("EQIA_SIGNING_CERT", "")
    SIGNING_KEY = os.environ.get("EQIA_SIGNING_KEY", "")
    SIGNING_PKCS12 = os.environ.get("EQIA_SIGNING_PKCS12", "")
    SIGNING_PASSPHRASE = os.environ.get("EQIA_SIGNING_PASSPHRASE", "")
    # Certificates the organisation signed with before (PEM), still accepted by verify.
    SIGNING_PREVIOUS_CERTS = os.environ.get("EQIA_SIGNING_PREVIOUS_CERTS", "")
    # A timestamp authority (RFC 3161) and its root certificate (PEM): with them, records are
    # PAdES B-LTA (timestamps and validation data in the file); without, B-B.
    TSA_URL = os.environ.get("EQIA_TSA_URL", "")
    TSA_CERT = os.environ.get("EQIA_TSA_CERT", "")

    SECRET_KEY = os.environ.get("SECRET_KEY")
    # Seed-demo and other development conveniences refuse to run when this is set.
    PRODUCTION = False

    @classmethod
    def finalise(cls, config: dict) -> None:
        """Fill in what depends on other settings; refuse a configuration that cannot work."""
        warning = config.get("IDLE_WARNING", cls.IDLE_WARNING)
        if not timedelta(0) < warning < config.get("IDLE_TIMEOUT", cls.IDLE_TIMEOUT):
            raise RuntimeError(
                "EQIA_IDLE_WARNING_MINUTES must be more than 0 and less than "
                "EQIA_IDLE_TIMEOUT_MINUTES: refusing to start"
            )
        options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS", cls.SQLALCHEMY_ENGINE_OPTIONS))
        if config.get("SQLALCHEMY_DATABASE_URI", "").startswith("postgresql"):
            # SQLite's pool is not one to size: these are PostgreSQL's alone.
            options.setdefault("pool_size", config.get("DB_POOL_SIZE", cls.DB_POOL_SIZE))
            options.setdefault("max_overflow", config.get("DB_POOL_OVERFLOW", cls.DB_POOL_OVERFLOW))
        config["SQLALCHEMY_ENGINE_OPTIONS"] = options
        # A storage failure arrives as limits' StorageError, whatever the store.
        storage = {"wrap_exceptions": True}
        if config.get("RATELIMIT_STORAGE_URI", "").startswith(("redis://", "rediss://")):
            timeout = config.get("RATELIMIT_STORAGE_TIMEOUT", cls.RATELIMIT_STORAGE_TIMEOUT)
            storage.update(socket_connect_timeout=timeout, socket_timeout=timeout)
        config["RATELIMIT_STORAGE_OPTIONS"] = {
            **storage,
            **config.get("RATELIMIT_STORAGE_OPTIONS", {}),
        }


class DevelopmentConfig(Config):
    @classmethod
    def finalise(cls, config: dict) -> None:
        super().finalise(config)
        if not config.get("SECRET_KEY"):
            # Generated once and kept under instance/, so sessions survive restarts.
            key_file = INSTANCE_PATH / "secret_key"
            if not key_file.exists():
                INSTANCE_PATH.mkdir(parents=True, exist_ok=True)
                key_file.write_text(secrets.token_hex(32))
                key_file.chmod(0o600)
            config["SECRET_KEY"] = key_file.read_text().strip()


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-only-secret-key"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "EQIA_TEST_DATABASE_URL", f"sqlite:///{INSTANCE_PATH / 'test.sqlite3'}"
    )
    RATELIMIT_ENABLED = True
    # Email goes to the log unless a test points it at its own server.
    BASE_URL = "http://localhost"
    MAIL_SERVER = ""
    NOTIFY_API_KEY = ""
    NOTIFY_TEMPLATE_ID = ""
    # Uploads are scanned only when a test points them at its own clamd.
    CLAMD_SOCKET = ""
    CLAMD_HOST = ""


class ProductionConfig(Config):
    PRODUCTION = True
    SESSION_COOKIE_SECURE = True
    # Links in emails must point at the real service, never at a development address.
    BASE_URL = os.environ.get("EQIA_BASE_URL", "")

    @classmethod
    def finalise(cls, config: dict) -> None:
        super().finalise(config)
        if not config.get("SECRET_KEY"):
            raise RuntimeError("SECRET_KEY must be set in production: refusing to start")
        if not config.get("BASE_URL", "").startswith("https://"):
            raise RuntimeError(
                "EQIA_BASE_URL must be the service's https:// address in production: "
                "refusing to start"
            )
        if not config.get("SIGNING_PKCS12") and not (
            config.get("SIGNING_CERT") and config.get("SIGNING_KEY")
        ):
            raise RuntimeError(
                "The organisation's signing certificate must be set in production "
                "(EQIA_SIGNING_CERT and EQIA_SIGNING_KEY, or EQIA_SIGNING_PKCS12): "
                "refusing to start"
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def chosen(environ=os.environ) -> type[Config]:
    """The configuration class ``EQIA_CONFIG`` names; refuses to guess outside ``flask``."""
    name = environ.get("EQIA_CONFIG")
    if name is None:
        # The flask command sets this for every command it runs, before loading the app.
        if environ.get("FLASK_RUN_FROM_CLI") == "true":
            return DevelopmentConfig
        raise RuntimeError(
            "EQIA_CONFIG must be set (production, or development on a developer's machine) "
            "when the app is served other than by the flask command: refusing to start"
        )
    if name not in CONFIGS:
        raise RuntimeError(
            f"EQIA_CONFIG must be one of {', '.join(CONFIGS)}, not {name!r}: refusing to start"
        )
    return CONFIGS[name]

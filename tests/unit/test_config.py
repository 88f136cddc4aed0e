import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from config import CONFIGS
from eqia.permissions import is_safe_next


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    from eqia import create_app

    monkeypatch.setenv("EQIA_CONFIG", "production")
    monkeypatch.setattr(CONFIGS["production"], "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
        create_app()


@pytest.mark.parametrize("base_url", ["", "http://eqia.example.org"])
def test_production_refuses_to_start_without_its_https_address(monkeypatch, base_url):
    from eqia import create_app

    monkeypatch.setenv("EQIA_CONFIG", "production")
    monkeypatch.setattr(CONFIGS["production"], "SECRET_KEY", "a production secret")
    monkeypatch.setattr(CONFIGS["production"], "BASE_URL", base_url)
    with pytest.raises(RuntimeError, match="EQIA_BASE_URL must be"):
        create_app()


def _production(monkeypatch, **settings) -> None:
    monkeypatch.setenv("EQIA_CONFIG", "production")
    defaults = {
        "SECRET_KEY": "a production secret",
        "BASE_URL": "https://eqia.example.org",
        "SIGNING_CERT": "",
        "SIGNING_KEY": "",
        "SIGNING_PKCS12": "",
        "SIGNING_PASSPHRASE": "",
    }
    for name, value in {**defaults, **settings}.items():
        monkeypatch.setattr(CONFIGS["production"], name, value)


def test_production_refuses_to_start_without_a_signing_certificate(monkeypatch):
    from eqia import create_app

    _production(monkeypatch)
    with pytest.raises(RuntimeError, match="signing certificate must be set in production"):
        create_app()


@pytest.fixture
def signing_files(tmp_path):
    from tests.certificates import make_certificate

    cert, key = make_certificate("Test County Council EqIA records")
    (tmp_path / "cert.pem").write_bytes(cert)
    (tmp_path / "key.pem").write_bytes(key)
    return str(tmp_path / "cert.pem"), str(tmp_path / "key.pem")


def test_production_refuses_a_signing_key_it_cannot_open(monkeypatch, signing_files):
    from eqia import create_app

    cert, key = signing_files
    _production(monkeypatch, SIGNING_CERT=cert, SIGNING_KEY=key, SIGNING_PASSPHRASE="wrong")
    with pytest.raises(RuntimeError, match="check EQIA_SIGNING_PASSPHRASE"):
        create_app()


def test_production_starts_with_its_signing_certificate(monkeypatch, signing_files, tmp_path):
    from eqia import create_app
    from eqia.records import documents
    from tests.certificates import PASSPHRASE

    cert, key = signing_files
    _production(monkeypatch, SIGNING_CERT=cert, SIGNING_KEY=key, SIGNING_PASSPHRASE=PASSPHRASE)
    app = create_app()
    loaded = documents.keys(app).certificate
    assert not loaded.self_signed_for_development
    assert loaded.source == cert


@pytest.mark.parametrize("clamd, warned", [({}, True), ({"CLAMD_SOCKET": "/run/clamd.ctl"}, False)])
def test_production_warns_when_uploads_are_not_scanned(
    monkeypatch, signing_files, caplog, clamd, warned
):
    from eqia import create_app
    from tests.certificates import PASSPHRASE

    cert, key = signing_files
    settings = {"CLAMD_SOCKET": "", "CLAMD_HOST": "", **clamd}
    _production(
        monkeypatch, SIGNING_CERT=cert, SIGNING_KEY=key, SIGNING_PASSPHRASE=PASSPHRASE, **settings
    )
    with caplog.at_level("WARNING", logger="eqia"):
        create_app()
    assert ("uploads are not scanned for viruses" in caplog.text) is warned


def test_production_cookies_are_secure():
    assert CONFIGS["production"].SESSION_COOKIE_SECURE is True


def test_development_keeps_a_generated_secret_key(monkeypatch, tmp_path):
    import config

    monkeypatch.setattr(config, "INSTANCE_PATH", tmp_path)
    first, second = {}, {}
    CONFIGS["development"].finalise(first)
    CONFIGS["development"].finalise(second)
    assert len(first["SECRET_KEY"]) == 64
    assert first == second
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


ROOT = Path(__file__).resolve().parents[2]


def run(command: list[str], tmp_path, **settings) -> subprocess.CompletedProcess:
    """A command as an operator would run it, in a fresh process, with no EQIA_CONFIG unless
    given (and its instance folder, with the development secret key, under tmp_path)."""
    env = {k: v for k, v in os.environ.items() if k not in ("EQIA_CONFIG", "FLASK_RUN_FROM_CLI")}
    env.update(EQIA_INSTANCE_PATH=str(tmp_path), **settings)
    return subprocess.run(
        [sys.executable, "-m", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_server_refuses_to_start_without_eqia_config(tmp_path):
    """gunicorn (or any WSGI server) never runs the app as development by default."""
    result = run(["gunicorn", "--check-config", "eqia:create_app()"], tmp_path)
    assert result.returncode != 0
    assert "EQIA_CONFIG must be set" in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_a_server_told_it_is_development_starts(tmp_path):
    result = run(
        ["gunicorn", "--check-config", "eqia:create_app()"], tmp_path, EQIA_CONFIG="development"
    )
    assert result.returncode == 0, result.stderr


def test_the_flask_command_runs_as_development_without_eqia_config(tmp_path):
    """What make run uses (flask run, db upgrade, seed-demo) works from a fresh clone."""
    result = run(["flask", "--app", "eqia", "routes"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "auth.sign_in" in result.stdout
    assert (tmp_path / "secret_key").exists()  # the development configuration made it


def test_an_unknown_configuration_is_refused(monkeypatch):
    from eqia import create_app

    monkeypatch.setenv("EQIA_CONFIG", "staging")
    with pytest.raises(RuntimeError, match="EQIA_CONFIG must be one of development, testing"):
        create_app()


def test_the_accessibility_statement_settings_are_read_from_the_environment(monkeypatch):
    from config import _date, _lines

    monkeypatch.setenv("EQIA_ACCESSIBILITY_PREPARED", "2025-09-23")
    assert _date("EQIA_ACCESSIBILITY_PREPARED", "2026-12-01") == date(2025, 9, 23)
    monkeypatch.setenv("EQIA_ACCESSIBILITY_PREPARED", "")
    assert _date("EQIA_ACCESSIBILITY_PREPARED", "2026-12-01") == date(2026, 12, 1)
    monkeypatch.setenv("EQIA_ACCESSIBILITY_PREPARED", "23/09/2025")
    with pytest.raises(ValueError, match="EQIA_ACCESSIBILITY_PREPARED must be a date like"):
        _date("EQIA_ACCESSIBILITY_PREPARED", "2026-12-01")
    monkeypatch.setenv("EQIA_ACCESSIBILITY_ADDRESS", "EDI team, Fenland; Fenland Hall ;; PE15 8NQ;")
    assert _lines("EQIA_ACCESSIBILITY_ADDRESS") == ("EDI team, Fenland", "Fenland Hall", "PE15 8NQ")
    monkeypatch.delenv("EQIA_ACCESSIBILITY_MANUAL_CHECKS", raising=False)
    assert _lines("EQIA_ACCESSIBILITY_MANUAL_CHECKS") == ()


@pytest.mark.parametrize(
    "target, safe",
    [
        ("/", True),
        ("/auth/account?x=1", True),
        (None, False),
        ("", False),
        ("https://evil.example.com", False),
        ("//evil.example.com", False),
        ("/\\evil.example.com", False),
        ("\\\\evil", False),
        ("/\tevil", False),
        ("javascript:alert(1)", False),
    ],
)
def test_safe_next(target, safe):
    assert is_safe_next(target) is safe


def test_postgresql_pools_are_sized_and_sqlite_pools_are_left_alone():
    postgresql = {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://eqia@db/eqia"}
    sqlite = {"SQLALCHEMY_DATABASE_URI": "sqlite:///instance/eqia.sqlite3"}
    for config in (postgresql, sqlite):
        CONFIGS["testing"].finalise(config)
    checked = {"pool_pre_ping": True, "pool_recycle": 1800}
    assert postgresql["SQLALCHEMY_ENGINE_OPTIONS"] == {
        **checked,
        "pool_size": 5,
        "max_overflow": 5,
    }
    assert sqlite["SQLALCHEMY_ENGINE_OPTIONS"] == checked


def test_only_a_redis_store_gets_timeouts_and_every_store_reports_failures_alike():
    redis = {"RATELIMIT_STORAGE_URI": "redis://cache:6379/0"}
    memory = {"RATELIMIT_STORAGE_URI": "memory://"}
    for config in (redis, memory):
        CONFIGS["testing"].finalise(config)
    assert redis["RATELIMIT_STORAGE_OPTIONS"] == {
        "wrap_exceptions": True,
        "socket_connect_timeout": 2,
        "socket_timeout": 2,
    }
    assert memory["RATELIMIT_STORAGE_OPTIONS"] == {"wrap_exceptions": True}


def test_gunicorn_takes_its_settings_from_the_environment(tmp_path):
    """What `gunicorn -c python:eqia.gunicorn_conf` would run with (it prints them)."""
    command = ["gunicorn", "-c", "python:eqia.gunicorn_conf", "--print-config"]
    result = run(
        command, tmp_path, EQIA_CONFIG="development", EQIA_WORKERS="3", EQIA_BIND="10.0.0.5:8080"
    )
    assert result.returncode == 0, result.stderr
    settings = dict(
        (part.strip() for part in line.split("=", 1))
        for line in result.stdout.splitlines()
        if " = " in line
    )
    assert settings["wsgi_app"] == "eqia:create_app()"
    assert settings["bind"] == "['10.0.0.5:8080']"
    assert (settings["workers"], settings["worker_class"]) == ("3", "gthread")
    assert settings["access_log_format"].endswith("request_id=%({x-request-id}o)s")
    assert settings["control_socket_disable"] == "True"

"""Uploads scanned by a real clamd before they are kept: evidence files and plan imports.

One clamd serves the module (tests/clamd.py): on a Unix socket and on TCP, with a single
EICAR signature. A file it flags, or one it could not be asked about, is refused with a
GOV.UK message and leaves nothing behind: no row, no bytes, no temporary file, no audit
event.
"""

import io
import logging
import socket

import pytest
from sqlalchemy import func, select

from eqia.extensions import db
from eqia.models import Event, PlanAction
from eqia.scanning import CHUNK, INFECTED, NOT_CHECKED, Clamd, Infected, NotScanned
from tests.clamd import EICAR, SIGNATURE
from tests.clamd import Clamd as Daemon
from tests.helpers import error_summary, inline_errors, soup
from tests.integration import test_plan_import as plan
from tests.integration.test_evidence_files import (
    assert_refused,
    big_upload,
    make_docx,
    make_pdf,
    on_disk,
    stored,
    stored_bytes,
    upload,
)
from tests.processes import free_port

EICAR_FILES = [
    pytest.param(EICAR, "eicar.csv", id="the-eicar-file"),
    pytest.param(make_docx({"word/media/eicar.txt": EICAR}), "Consultation.docx", id="in-a-docx"),
]


@pytest.fixture(scope="module")
def clamd(tmp_path_factory):
    daemon = Daemon.start(tmp_path_factory.mktemp("clamd"))
    yield daemon
    daemon.stop()


@pytest.fixture(params=["unix", "tcp"])
def scanning(request, app, clamd):
    """The app scanning uploads with the test's clamd, over its Unix socket or TCP."""
    if request.param == "unix":
        app.config["CLAMD_SOCKET"] = clamd.socket_path
    else:
        app.config.update(CLAMD_HOST="127.0.0.1", CLAMD_PORT=clamd.port)
    return clamd


def events(app) -> list[str]:
    with app.app_context():
        return [str(kind) for kind in db.session.scalars(select(Event.kind).order_by(Event.seq))]


# The protocol, straight to clamd.


@pytest.mark.parametrize("over", ["unix", "tcp"])
def test_clamd_says_what_it_found_and_passes_clean_files(clamd, over):
    scanner = (
        Clamd(socket_path=clamd.socket_path)
        if over == "unix"
        else Clamd(host="127.0.0.1", port=clamd.port)
    )
    scanner.scan(io.BytesIO(make_pdf()))
    scanner.scan(io.BytesIO(b""))
    with pytest.raises(Infected) as found:
        scanner.scan(io.BytesIO(EICAR))
    assert str(found.value).startswith(SIGNATURE)
    with pytest.raises(Infected):  # split across two chunks of the stream
        scanner.scan(io.BytesIO(b"\0" * (CHUNK - 30) + EICAR))


def test_clamd_that_stops_reading_a_stream_is_a_failure_not_a_verdict(tmp_path):
    small = Daemon.start(tmp_path, StreamMaxLength="1M")
    try:
        with pytest.raises(NotScanned, match="size limit exceeded"):
            Clamd(socket_path=small.socket_path).scan(io.BytesIO(b"\0" * (2 * 1024 * 1024)))
    finally:
        small.stop()


# Evidence files.


@pytest.mark.parametrize("content, name", EICAR_FILES)
def test_evidence_with_a_virus_is_refused_and_nothing_is_kept(
    app, clients, ref, temporary, scanning, caplog, content, name
):
    with caplog.at_level(logging.WARNING, logger="eqia"):
        response = upload(clients["lead"], ref, content, name)
    assert_refused(app, temporary, response, INFECTED)
    assert "file-added" not in events(app)
    [entry] = [r for r in caplog.records if "clamd found" in r.getMessage()]
    assert entry.levelname == "WARNING"
    assert f"{name!r} for {ref}" in entry.getMessage()
    assert SIGNATURE in entry.getMessage()


def test_a_clean_file_is_scanned_and_kept(app, clients, ref, temporary, scanning):
    pdf = make_pdf()
    before = scanning.scanned()
    response = upload(clients["lead"], ref, pdf, "Library usage 2024.pdf")
    assert response.status_code == 302
    assert scanning.scanned() == [*before, "OK"]
    [row] = stored(app)
    assert stored_bytes(app) == {row.id: pdf}
    assert events(app)[-2:] == ["file-added", "saved"]


def test_a_20mb_file_fits_the_stream_limit_debian_gives_clamd(app, clients, ref, temporary, clamd):
    app.config["CLAMD_SOCKET"] = clamd.socket_path
    content = make_pdf() + b"\n" * (20 * 1024 * 1024 - len(make_pdf()))
    before = clamd.scanned()
    response = big_upload(clients["lead"], ref, content, "Census tables.pdf")
    assert response.status_code == 302, error_summary(soup(response))
    assert clamd.scanned() == [*before, "OK"]
    [row] = stored(app)
    assert stored_bytes(app) == {row.id: content}
    assert on_disk(temporary) == []


# Plan imports.


@pytest.mark.parametrize(
    "data, name",
    [
        pytest.param(EICAR, "plan.csv", id="the-eicar-file"),
        pytest.param(
            plan.xlsx_bytes([["Our workforce", 1, "", "A1.1", EICAR.decode()]]),
            "plan.xlsx",
            id="in-a-workbook",
        ),
    ],
)
def test_a_plan_import_with_a_virus_is_refused_and_nothing_is_kept(
    app, clients, scanning, data, name
):
    before = plan.plan_state(app)
    response = plan.upload(clients["admin"], data, name)
    page = soup(response)
    assert response.status_code == 200
    assert error_summary(page) == [INFECTED]
    assert inline_errors(page) == [INFECTED]
    assert plan.uploads_left(app) == []
    assert plan.plan_state(app) == before
    with clients["admin"].session_transaction() as session:
        assert "plan_import" not in session


def test_a_clean_plan_is_scanned_and_previewed(app, clients, scanning):
    data = plan.csv_bytes(plan.council_rows(clients["admin"]))
    before = scanning.scanned()
    url, page = plan.preview(clients["admin"], data)
    assert scanning.scanned() == [*before, "OK"]
    response = plan.confirm(clients["admin"], url, page)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PlanAction)) > 0


# clamd unreachable, or not answering: the upload fails closed.


@pytest.fixture(params=["no-socket", "closed-port", "silent"])
def clamd_down(request, app, tmp_path):
    """No clamd where the configuration says, or one that accepts and never answers."""
    if request.param == "no-socket":
        app.config["CLAMD_SOCKET"] = str(tmp_path / "nothing-here.sock")
        yield
    elif request.param == "closed-port":
        app.config.update(CLAMD_HOST="127.0.0.1", CLAMD_PORT=free_port())
        yield
    else:
        with socket.create_server(("127.0.0.1", 0)) as server:
            app.config.update(
                CLAMD_HOST="127.0.0.1", CLAMD_PORT=server.getsockname()[1], CLAMD_TIMEOUT=0.2
            )
            yield


def test_evidence_is_refused_when_clamd_cannot_be_reached(
    app, clients, ref, temporary, clamd_down, caplog
):
    with caplog.at_level(logging.ERROR, logger="eqia"):
        response = upload(clients["lead"], ref, make_pdf(), "report.pdf")
    assert_refused(app, temporary, response, NOT_CHECKED)
    assert "file-added" not in events(app)
    [entry] = [r for r in caplog.records if "could not be scanned" in r.getMessage()]
    assert entry.levelname == "ERROR"


def test_a_plan_import_is_refused_when_clamd_cannot_be_reached(app, clients, clamd_down):
    data = plan.csv_bytes(plan.council_rows(clients["admin"]))
    response = plan.upload(clients["admin"], data)
    assert response.status_code == 200
    assert error_summary(soup(response)) == [NOT_CHECKED]
    assert plan.uploads_left(app) == []

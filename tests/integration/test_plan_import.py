"""Importing and exporting the action plan: the preview, all-or-nothing, idempotence, bad files."""

import csv
import io
import os
import time
import zipfile
from datetime import date, timedelta

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from eqia import create_app, downloads
from eqia.extensions import db
from eqia.models import Event, Objective, PlanAction, PlanImportUpload
from eqia.plan import importer, spreadsheet
from eqia.plan.spreadsheet import COLUMNS
from eqia.timefmt import utcnow
from tests.conftest import sign_in_as
from tests.helpers import (
    CheckedClient,
    banners,
    error_summary,
    form_token,
    h1,
    soup,
    table_rows,
    text,
    title,
)
from tests.integration.test_evidence_files import instance_files

# Helpers ------------------------------------------------------------------------------------------


def csv_bytes(rows: list[list], headings: list[str] = COLUMNS, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headings)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list], headings: list[str] = COLUMNS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headings)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def template_rows(client) -> list[list[str]]:
    rows = read_csv(client.get("/plan/template.csv").data)
    assert rows[0] == COLUMNS
    return rows[1:]


def council_rows(client) -> list[list[str]]:
    """The template filled in with the council's own actions (new references, in progress)."""
    rows = template_rows(client)
    for row in rows:
        row[3] = row[3].replace("A", "C")
        row[9], row[11] = "On track", ""
    return rows


def upload(client, data: bytes, name: str = "plan.csv"):
    """Upload a file on the import page; the response (a redirect to the preview, or errors)."""
    page = soup(client.get("/plan/import"))
    # Encoded here, in memory: the test client would spool a large body to a temporary
    # file that it never closes (a ResourceWarning, which the suite treats as an error).
    boundary, body = encode_multipart(
        {"csrf_token": form_token(page), "file": FileStorage(io.BytesIO(data), name)}
    )
    return client.post(
        "/plan/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def preview(client, data: bytes, name: str = "plan.csv"):
    response = upload(client, data, name)
    assert response.status_code == 302, error_summary(soup(response))
    url = response.location
    return url, soup(client.get(url))


def problems(page) -> list[list[str]]:
    return table_rows(page, "#problems")


def summary(page) -> dict[str, str]:
    return {
        text(row.select_one("dt")): text(row.select_one("dd"))
        for row in page.select("#import-summary .govuk-summary-list__row")
    }


def confirm(client, url: str, page):
    token = page.select_one("main form input[name=csrf_token]")["value"]
    fingerprint = page.select_one("input[name=fingerprint]")["value"]
    return client.post(url, data={"csrf_token": token, "fingerprint": fingerprint})


def plan_state(app) -> list[tuple]:
    """Every column of every action and objective: to show that nothing changed."""
    with app.app_context():
        actions = [
            tuple(getattr(a, c.key) for c in PlanAction.__table__.columns)
            for a in db.session.scalars(select(PlanAction).order_by(PlanAction.id))
        ]
        objectives = [
            tuple(getattr(o, c.key) for c in Objective.__table__.columns)
            for o in db.session.scalars(select(Objective).order_by(Objective.id))
        ]
    return actions + objectives


def uploads_left(app) -> list[str]:
    """The tokens of the uploads kept in the database, waiting to be imported."""
    with app.app_context():
        query = select(PlanImportUpload.token).order_by(PlanImportUpload.id)
        return list(db.session.scalars(query))


@pytest.fixture
def admin(clients):
    return clients["admin"]


# The template and the layout ----------------------------------------------------------------------


def test_the_template_downloads_as_csv_and_xlsx_with_the_documented_columns(admin):
    response = admin.get("/plan/template.csv")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="action-plan-template.csv"'
    )
    assert response.data.startswith("\ufeff".encode())  # Excel then reads it as UTF-8
    rows = template_rows(admin)
    assert len(rows) == 12
    assert rows[0][:5] == [
        "Our workforce",
        "1",
        "Make recruitment fair and accessible at every stage.",
        "A1.1",
        "Review every job advert template for inclusive language and essential criteria.",
    ]
    workbook = load_workbook(io.BytesIO(admin.get("/plan/template.xlsx").data))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == COLUMNS
    assert sheet.max_row == 13
    assert workbook.sheetnames == ["Action plan", "How to fill this in"]
    guidance = [c.value for c in workbook["How to fill this in"]["A"]][1:]
    assert guidance == COLUMNS

    page = soup(admin.get("/plan/import"))
    documented = [row[0] for row in table_rows(page)]
    assert documented == COLUMNS


def test_the_readme_documents_the_same_columns():
    path = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")
    with open(path, encoding="utf-8") as file:
        readme = file.read()
    section = readme[readme.index("## Action plan") :]
    for column in COLUMNS:
        assert f"| {column} |" in section, column


# Done when: one bad row, fixed, then exported and imported again ----------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_one_bad_row_changes_nothing_fixing_it_imports_all_and_a_round_trip_changes_nothing(
    app, admin, kind
):
    rows = council_rows(admin)
    rows[3][7] = "2023-01-01"  # row 5 of the spreadsheet: an end date before its start
    write = csv_bytes if kind == "csv" else xlsx_bytes
    before = plan_state(app)

    url, page = preview(admin, write(rows), f"plan.{kind}")
    assert title(page).startswith("Error:")
    assert h1(page) == "There are problems with your file"
    assert problems(page) == [
        ["5", "End date", "End date must be the same as or after the start date"]
    ]
    assert error_summary(page) == [
        "Row 5, End date: End date must be the same as or after the start date"
    ]
    assert not page.select("input[name=fingerprint]"), "no way to import a file with problems"
    response = admin.post(url, data={"csrf_token": form_token(page), "fingerprint": "x"})
    assert response.status_code == 200
    assert plan_state(app) == before

    rows[3][7] = "2025-06-30"
    url, page = preview(admin, write(rows), f"plan.{kind}")
    assert h1(page) == "Check the changes before you import them"
    assert summary(page) == {
        "Actions to add": "12",
        "Actions to change": "0",
        "Actions unchanged": "0",
        "Sample actions to retire": "12",
        "Objectives to update": "12",
        "Actions in the plan but not in the file": "0",
    }
    assert plan_state(app) == before, "a preview writes nothing"
    response = confirm(admin, url, page)
    assert response.location == "/plan/"
    assert banners(soup(admin.get("/plan/"))) == [
        "The action plan has been imported: 12 actions added, 0 changed, 0 unchanged; "
        "12 actions of sample data retired; 12 objectives updated."
    ], "and the sample data banner has gone"
    with app.app_context():
        imported = db.session.scalars(
            select(PlanAction).where(PlanAction.active).order_by(PlanAction.id)
        ).all()
        assert [a.reference for a in imported] == [r[3] for r in rows]
        assert imported[3].end_date == date(2025, 6, 30)
        assert all(a.status == "on-track" and not a.sample for a in imported)
        assert db.session.scalar(select(db.func.count()).where(PlanAction.sample)) == 12
        assert not db.session.scalar(select(db.func.count()).where(Objective.sample))
    assert uploads_left(app) == []
    with app.app_context():
        event = db.session.scalars(select(Event).order_by(Event.seq.desc())).first()
        assert (event.kind, event.assessment_id) == ("plan-imported", None)
        assert event.note.startswith(f"plan.{kind}: The action plan has been imported: 12")

    after_import = plan_state(app)
    for export_kind in ("csv", "xlsx"):
        exported = admin.get(f"/plan/export.{export_kind}").data
        url, page = preview(admin, exported, f"export.{export_kind}")
        assert summary(page)["Actions unchanged"] == "12"
        assert summary(page)["Actions to add"] == summary(page)["Actions to change"] == "0"
        assert "already matches this file" in text(page)
        assert not page.select("input[name=fingerprint]")
    assert plan_state(app) == after_import

    # The very same file, imported a second time, changes nothing either.
    url, page = preview(admin, write(rows), f"plan.{kind}")
    assert summary(page)["Actions unchanged"] == "12"
    assert plan_state(app) == after_import


def test_an_import_updates_matched_actions_and_objectives_and_says_what_changes(app, admin):
    rows = template_rows(admin)
    rows[0][9], rows[0][11] = "On track", ""  # A1.1 was complete
    rows[1][2] = "Close the pay gaps"  # objective 2 renamed
    rows[2][4] = "Roll out the Wellbeing passport everywhere."
    url, page = preview(admin, csv_bytes(rows))
    assert summary(page)["Actions to change"] == "2"
    assert summary(page)["Actions unchanged"] == "10"
    assert summary(page)["Objectives to update"] == "3"
    changed = {r[1]: r[3] for r in table_rows(page, "#changed")}
    assert changed == {"A1.1": "Status, completed on", "A3.1": "Action"}
    objectives = {r[0]: (r[1], r[3]) for r in table_rows(page, "#objectives")}
    assert objectives == {
        "1": ("Make recruitment fair and accessible at every stage.", "No longer sample data"),
        "2": ("Close the pay gaps", "Title, no longer sample data"),
        "3": (
            "Support colleagues with disabilities, long-term conditions and neurodivergence.",
            "No longer sample data",
        ),
    }
    confirm(admin, url, page)
    with app.app_context():
        a11 = PlanAction.by_reference("A1.1")
        assert (a11.status, a11.completed_on, a11.sample) == ("on-track", None, False)
        assert PlanAction.by_reference("A2.1").sample is True, "unchanged sample stays sample"
        two = db.session.scalar(select(Objective).where(Objective.number == 2))
        assert (two.title, two.sample) == ("Close the pay gaps", False)


# Bad input: every problem by row and column, nothing written --------------------------------------


def _row(**changes) -> list[str]:
    values = {
        "Theme": "Our services",
        "Objective number": "9",
        "Objective": "Make every significant decision with due regard, through good-quality EqIAs.",
        "Action reference": "N9.1",
        "Action": "Publish EqIA guidance",
        "Person or team responsible": "EDI team",
        "Start date": "2025-04-01",
        "End date": "31/03/2026",
        "Success measure": "Guidance published",
        "Status": "on track",
        "Progress note": "",
        "Completed on": "",
    }
    values.update({k.replace("_", " "): v for k, v in changes.items()})
    return [values[c] for c in COLUMNS]


@pytest.mark.parametrize(
    "row, column, message",
    [
        (
            _row(**{"Objective number": "13"}),
            "Objective number",
            "There is no objective 13 in the plan: add it on the action plan page first, "
            "or use the number of an existing objective",
        ),
        (
            _row(**{"Objective number": "three"}),
            "Objective number",
            "Objective number must be a whole number, like 3",
        ),
        (
            _row(**{"End date": "2024-03-31"}),
            "End date",
            "End date must be the same as or after the start date",
        ),
        (
            _row(**{"Start date": "31/02/2025"}),
            "Start date",
            "Start date must be a real date, like 2024-04-01 or 01/04/2024",
        ),
        (
            _row(**{"Start date": "April 2025"}),
            "Start date",
            "Start date must be a real date, like 2024-04-01 or 01/04/2024",
        ),
        (
            _row(**{"End date": "2026/03/31"}),
            "End date",
            "End date must be a real date, like 2024-04-01 or 01/04/2024",
        ),
        (
            _row(Action='=HYPERLINK("http://evil.example","Click")'),
            "Action",
            "Action contains a formula: type the text itself instead",
        ),
        (
            _row(Status="Done"),
            "Status",
            "Status must be one of: Not started, On track, At risk, Complete",
        ),
        (
            _row(Theme="Our partners"),
            "Theme",
            "Theme must be one of: Our workforce, Our communities, Our services",
        ),
        (_row(Action=""), "Action", "Enter the action"),
        (
            _row(**{"Completed on": "2025-05-01"}),
            "Completed on",
            "Completed on must be blank unless the status is Complete",
        ),
        (
            _row(Status="Complete", **{"Completed on": f"01/01/{date.today().year + 1}"}),
            "Completed on",
            "Completed on must be today or in the past",
        ),
        (
            _row(**{"Action reference": "N 9.1!"}),
            "Action reference",
            "Action reference must start with a letter or number and use only letters, "
            "numbers, full stops, hyphens, slashes and underscores",
        ),
        (
            _row(Action="x" * 2_001),
            "Action",
            "Action must be 2,000 characters or fewer",
        ),
    ],
)
def test_each_problem_is_named_by_row_and_column(app, admin, row, column, message):
    before = plan_state(app)
    good = _row(**{"Action reference": "N9.0"})
    _, page = preview(admin, csv_bytes([good, row]))
    assert problems(page) == [["3", column, message]]
    assert plan_state(app) == before


def test_every_problem_in_the_file_is_listed_at_once(app, admin):
    rows = [
        _row(**{"Objective number": "13", "End date": "soon"}),
        _row(**{"Action reference": "N9.2", "Objective": "Another title"}),
        _row(**{"Action reference": "n9.2"}),
    ]
    _, page = preview(admin, csv_bytes(rows, COLUMNS + ["Budget"]))
    assert problems(page) == [
        ["1", "Budget", "‘Budget’ is not a column of the action plan layout: remove the column"],
        [
            "2",
            "Objective number",
            "There is no objective 13 in the plan: add it on the action plan page first, "
            "or use the number of an existing objective",
        ],
        ["2", "End date", "End date must be a real date, like 2024-04-01 or 01/04/2024"],
        [
            "4",
            "Objective",
            "Objective 9 is called ‘Another title’ on row 3: give it the same title on every row",
        ],
        [
            "4",
            "Action reference",
            "Action reference N9.2 is also on row 3: give each action its own reference",
        ],
    ]
    assert len(error_summary(page)) == 5


def test_missing_and_repeated_columns_are_named(admin):
    headings = [c for c in COLUMNS if c != "Success measure"] + ["Action"]
    _, page = preview(admin, csv_bytes([["x"] * len(headings)], headings))
    assert problems(page) == [
        ["1", "Action", "The column ‘Action’ appears more than once"],
        ["1", "Success measure", "The column ‘Success measure’ is missing"],
    ]


def test_headings_are_matched_whatever_their_order_and_case(app, admin):
    order = list(reversed(COLUMNS))
    row = dict(zip(COLUMNS, _row(), strict=True))
    data = csv_bytes([[row[c] for c in order]], [c.upper() for c in order])
    url, page = preview(admin, data)
    assert summary(page)["Actions to add"] == "1"


def test_formulas_in_an_excel_file_are_problems_never_evaluated(app, admin):
    row = _row()
    row[4] = '=HYPERLINK("http://evil.example","Click")'
    row[7] = "=DATE(2026,3,31)"
    _, page = preview(admin, xlsx_bytes([row]), "plan.xlsx")
    assert problems(page) == [
        ["2", "Action", "Action contains a formula: type the text itself instead"],
        ["2", "End date", "End date contains a formula: type the date itself instead"],
    ]


def test_dates_typed_as_excel_dates_are_read_as_dates(app, admin):
    row = _row()
    row[6], row[7] = date(2025, 4, 1), date(2026, 3, 31)
    row[1] = 9
    url, page = preview(admin, xlsx_bytes([row]), "plan.xlsx")
    assert summary(page)["Actions to add"] == "1"
    confirm(admin, url, page)
    with app.app_context():
        action = PlanAction.by_reference("N9.1")
        assert (action.start_date, action.end_date) == (date(2025, 4, 1), date(2026, 3, 31))


def test_a_csv_saved_by_excel_in_windows_1252_keeps_its_pound_signs(app, admin):
    row = _row(Action="Add equality clauses to contracts above £100k")
    url, page = preview(admin, csv_bytes([row], encoding="cp1252"))
    confirm(admin, url, page)
    with app.app_context():
        assert PlanAction.by_reference("N9.1").action.endswith("£100k")


@pytest.mark.parametrize(
    "data, name, message",
    [
        (b"", "plan.csv", "The selected file is empty"),
        (
            b"%PDF-1.7\n\x00\x01binary",
            "plan.csv",
            "The selected file must be a CSV or Excel (.xlsx) file",
        ),
        (b"%PDF-1.7\n", "plan.pdf", "The selected file must be a CSV or Excel (.xlsx) file"),
        (
            b"\xd0\xcf\x11\xe0",
            "plan.xls",
            "The selected file must be a CSV or Excel (.xlsx) file: save it as .xlsx or .csv",
        ),
        (
            b"PK\x03\x04 not really a zip",
            "plan.csv",
            "The selected file must be a CSV or Excel (.xlsx) file",
        ),
        (b"x" * (5 * 1024 * 1024 + 1), "plan.csv", "The selected file must be smaller than 5MB"),
    ],
)
def test_files_that_are_not_a_plan_are_refused_on_the_upload_page(app, admin, data, name, message):
    response = upload(admin, data, name)
    page = soup(response)
    assert response.status_code == 200
    assert error_summary(page) == [message]
    assert uploads_left(app) == []


def test_no_file_chosen(admin):
    page = soup(
        admin.post("/plan/import", data={"csrf_token": form_token(soup(admin.get("/plan/import")))})
    )
    assert error_summary(page) == ["Select a CSV or Excel file"]


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize(
    "data, message",
    [
        (b"PK\x03\x04 damaged", "The selected file must be a CSV or Excel (.xlsx) file"),
        (
            _zip({"word/document.xml": b"<w/>"}),
            "The selected file must be a CSV or Excel (.xlsx) file",
        ),
        (
            _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<broken"}),
            "The selected file could not be opened as an Excel workbook",
        ),
        (
            _zip({"[Content_Types].xml": b"<T/>", "xl/vbaProject.bin": b"", "xl/x.xml": b""}),
            "The selected file must not contain macros: save it as .xlsx",
        ),
        (
            _zip({"[Content_Types].xml": b"<T/>", "xl/big.xml": b"0" * (101 * 1024 * 1024)}),
            "The selected file is too large once unpacked: remove anything but the plan",
        ),
    ],
)
def test_damaged_or_dangerous_workbooks_are_named_in_the_preview(app, admin, data, message):
    before = plan_state(app)
    _, page = preview(admin, data, "plan.xlsx")
    assert problems(page) == [["Whole file", "–", message]]
    assert plan_state(app) == before


@pytest.mark.parametrize(
    "data, message",
    [
        (csv_bytes([]), "The file has the column headings but no actions"),
        (
            ";".join(COLUMNS).encode() + b"\r\n",
            "The columns must be separated by commas, not semicolons or tabs",
        ),
        (
            b"\r\n\r\n" + csv_bytes([_row()]),
            "The column headings must be in the first row, with nothing above them",
        ),
    ],
)
def test_files_without_a_plan_in_them(admin, data, message):
    _, page = preview(admin, data)
    assert message in [row[2] for row in problems(page)]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_ten_thousand_rows_are_refused_with_a_clear_message_and_quickly(app, admin, kind):
    rows = [_row(**{"Action reference": f"N{n}"}) for n in range(10_000)]
    data = csv_bytes(rows) if kind == "csv" else xlsx_bytes(rows)
    started = time.perf_counter()
    _, page = preview(admin, data, f"plan.{kind}")
    elapsed = time.perf_counter() - started
    assert problems(page) == [
        [
            "Whole file",
            "–",
            "The file has more than 5,000 actions. An action plan can have up to 5,000: "
            "split the file, or remove rows that are not actions",
        ]
    ]
    assert elapsed < 30, elapsed  # a guard against pathological slowness, not a benchmark


# Formula injection on export, and exact round trips -----------------------------------------------


RISKY = {
    "action": '=HYPERLINK("http://evil.example","Click")',
    "responsible": "+44 1223 000000",
    "success_measure": "-5% gap by 2027",
    "progress_note": "@EDI team: '=already quoted",
}


def test_exports_neutralise_formulas_and_import_back_exactly(app, admin):
    with app.app_context():
        action = PlanAction.by_reference("A1.1")
        for name, value in RISKY.items():
            setattr(action, name, value)
        db.session.commit()
    before = plan_state(app)

    rows = read_csv(admin.get("/plan/export.csv").data)
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Action"] == "'" + RISKY["action"]
    assert first["Person or team responsible"] == "'" + RISKY["responsible"]
    assert first["Success measure"] == "'" + RISKY["success_measure"]
    assert first["Progress note"] == "'" + RISKY["progress_note"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)

    sheet = load_workbook(io.BytesIO(admin.get("/plan/export.xlsx").data)).worksheets[0]
    cells = {c.value: c for c in sheet[2]}
    assert cells[RISKY["action"]].data_type == "s", "text, never a formula"

    for kind in ("csv", "xlsx"):
        url, page = preview(admin, admin.get(f"/plan/export.{kind}").data, f"plan.{kind}")
        assert summary(page)["Actions unchanged"] == "12", kind
    assert plan_state(app) == before


def test_an_import_takes_off_only_the_apostrophe_an_export_added():
    for value in ["=1+1", "'=1+1", "''@x", "'Twas", "plain", "-", "+", "\tTab", "\rReturn"]:
        assert downloads.restore(spreadsheet.escape(value)) == value


# Concurrency and the kept file --------------------------------------------------------------------


def test_a_plan_changed_between_preview_and_import_is_checked_again(app, admin):
    rows = template_rows(admin)
    rows[0][4] = "Review every job advert, again."
    url, page = preview(admin, csv_bytes(rows))
    with app.app_context():
        PlanAction.by_reference("A2.1").responsible = "Changed by another admin"
        db.session.commit()
    before = plan_state(app)
    response = confirm(admin, url, page)
    page = soup(response)
    assert "The action plan has changed since you checked this file" in text(page)
    assert plan_state(app) == before
    assert summary(page)["Actions to change"] == "2"
    assert confirm(admin, url, page).location == "/plan/"
    with app.app_context():
        assert PlanAction.by_reference("A1.1").action == "Review every job advert, again."


def test_a_failure_while_importing_writes_nothing(app, admin, monkeypatch):
    rows = council_rows(admin)
    url, page = preview(admin, csv_bytes(rows))
    before = plan_state(app)
    real_apply = importer.apply

    def half_then_fail(preview, by):
        real_apply(preview, by)
        db.session.flush()  # the rows are written in the transaction...
        raise StaleDataError("...and then something goes wrong")

    monkeypatch.setattr(importer, "apply", half_then_fail)
    response = confirm(admin, url, page)
    assert response.status_code == 200
    assert plan_state(app) == before
    assert len(uploads_left(app)) == 1, "kept, to be imported again"


def test_the_kept_file_belongs_to_one_session_and_is_removed(app, admin, users):
    data = csv_bytes([_row()])
    url, _ = preview(admin, data)
    with app.app_context():
        [kept] = db.session.scalars(select(PlanImportUpload))
        assert (kept.data, kept.kind, kept.name) == (data, "csv", "plan.csv")
        assert kept.user_id == users["admin"].id
        assert url == f"/plan/import/{kept.token}"
    other = app.test_client()
    sign_in_as(other, users["admin"].id)
    assert other.get(url).status_code == 404
    assert admin.get("/plan/import/not-a-token").status_code == 404

    page = soup(admin.get(url))
    token = page.select_one("form[action$=cancel] input[name=csrf_token]")["value"]
    response = admin.post(url + "/cancel", data={"csrf_token": token})
    assert response.location == "/plan/import"
    assert uploads_left(app) == []
    assert admin.get(url).status_code == 404


def test_old_uploads_are_swept_away(app, admin, users):
    """Each admin's upload from a session of their own, so only the sweep removes it."""
    url, _ = preview(admin, csv_bytes([_row()]))
    [old] = uploads_left(app)
    with app.app_context():
        db.session.execute(
            update(PlanImportUpload).values(created_at=utcnow() - timedelta(hours=2, minutes=1))
        )
        db.session.commit()

    def another_session():
        client = app.test_client()
        sign_in_as(client, users["admin"].id)
        preview(client, csv_bytes([_row()]))

    another_session()
    [recent] = uploads_left(app)
    assert recent != old
    another_session()
    assert uploads_left(app)[0] == recent, "one less than two hours old stays"
    response = admin.get(url)
    assert response.location == "/plan/import"
    assert banners(soup(admin.get("/plan/import"))) == [
        "The file you checked is no longer here (files are kept for 2 hours). Upload it again."
    ]


def test_another_instance_of_the_service_imports_what_this_one_previewed(
    app, admin, database_url, signing_folder
):
    """Behind a load balancer the import may reach another server than the preview did:
    another app on the same database, sent the same session cookie, has the upload."""
    before = instance_files()
    url, page = preview(admin, csv_bytes([_row()]))
    other = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SERVER_NAME": "localhost",
            "SIGNING_FOLDER": signing_folder,
        }
    )
    other.test_client_class = CheckedClient
    try:
        client = other.test_client()
        cookie = admin.get_cookie(app.config["SESSION_COOKIE_NAME"])
        client.set_cookie(cookie.key, cookie.value)
        assert h1(soup(client.get(url))) == h1(page)
        response = confirm(client, url, page)
        assert response.location == "/plan/"
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
    assert uploads_left(app) == []
    with app.app_context():
        assert PlanAction.by_reference("N9.1").action == "Publish EqIA guidance"
    assert instance_files() == before


def test_data_in_a_column_without_a_heading_is_a_problem(admin):
    _, page = preview(admin, csv_bytes([_row() + ["stray"]]))
    assert problems(page) == [["1", "Column M", "Column M has no heading: add one"]]


def test_a_file_with_thousands_of_problems_lists_the_first_thousand_and_counts_the_rest(app, admin):
    rows = [_row(**{"Action reference": f"N{n}", "Action": ""}) for n in range(1_500)]
    _, page = preview(admin, csv_bytes(rows))
    assert len(problems(page)) == 1_000
    assert problems(page)[-1] == ["1001", "Action", "Enter the action"]
    assert text(page.select_one("#more-problems")) == (
        "The first 1,000 problems are listed. There are 500 more: fix these, then upload "
        "the file again to see them."
    )
    assert len(error_summary(page)) == 21
    assert error_summary(page)[-1] == "and 1,480 more problems, listed below"

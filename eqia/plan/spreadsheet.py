"""The action plan as a spreadsheet: one column layout, read and written as CSV and XLSX.

No Flask and no database here: reading turns a file into rows of cells (text,
or a date from an Excel date cell, and whether the cell held a formula);
writing turns rows of values into a file. ``eqia.plan.transfer`` checks the
rows against the plan.

Formulas are never evaluated. An XLSX formula cell, or a CSV cell that starts
with "=", is reported as a problem. On export, a CSV cell that a spreadsheet
would run as a formula gets a leading apostrophe (``eqia.downloads.neutralise``,
as every CSV the service writes); reading a CSV takes that apostrophe off again,
so export and import round-trip exactly. XLSX cells are written as typed text,
which needs no escape.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from eqia.downloads import neutralise, restore

COLUMNS = [
    "Theme",
    "Objective number",
    "Objective",
    "Action reference",
    "Action",
    "Person or team responsible",
    "Start date",
    "End date",
    "Success measure",
    "Status",
    "Progress note",
    "Completed on",
]

# What each column holds, for the README, the import page and the template's guidance sheet.
COLUMN_GUIDANCE = {
    "Theme": "The theme of the EDI Strategy, exactly as the plan names it, like Our workforce.",
    "Objective number": "The number of an objective that exists in the plan, like 3.",
    "Objective": "The objective's title. The import renames the objective if this differs.",
    "Action reference": "A short reference for the action, unique across the plan, like A3.1. "
    "An action with a reference already in the plan is updated; a new reference adds an action.",
    "Action": "The specific action.",
    "Person or team responsible": "Who leads the action.",
    "Start date": "Like 2024-04-01 (year-month-day) or 01/04/2024 (day/month/year).",
    "End date": "The same as or after the start date, in the same format.",
    "Success measure": "How the council will know the action has worked.",
    "Status": "Not started, On track, At risk or Complete. Blank means Not started.",
    "Progress note": "Optional: the latest progress.",
    "Completed on": "Optional, only for a complete action: the day it was completed "
    "(blank means today, or keeps the date already recorded).",
}

MAX_FILE_BYTES = 5 * 1024 * 1024
# Rows of actions a file may hold: an action plan has tens or hundreds of actions.
MAX_ACTIONS = 5_000
# Rows read at most, blank ones included (spreadsheets often carry many empty rows).
MAX_ROWS_READ = 50_000
# An XLSX is a ZIP: refuse one that would unpack to more than this (a "zip bomb").
MAX_UNPACKED_BYTES = 100 * 1024 * 1024

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Unreadable(Exception):
    """The file is not a CSV or XLSX file this service can read; the message says why."""


@dataclass(frozen=True)
class Cell:
    text: str
    value: date | None = None  # a real date, when the cell was an Excel date
    formula: bool = False


@dataclass
class Sheet:
    headings: list[str]
    # (row number as the spreadsheet shows it, cells)
    rows: list[tuple[int, list[Cell]]]
    too_many: bool = False


# Reading ----------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    """UTF-8 (with or without a byte order mark), else Windows-1252, as Excel's plain CSV is."""
    if b"\0" in data:
        raise Unreadable("The selected file must be a CSV or Excel (.xlsx) file")
    try:
        return codecs.decode(data, "utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise Unreadable(
            "The selected file must be a CSV file saved as UTF-8 (in Excel, choose "
            "CSV UTF-8), or an Excel (.xlsx) file"
        ) from None


def read_csv(data: bytes) -> Sheet:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    try:
        return _collect([_csv_cell(cell) for cell in row] for row in reader)
    except csv.Error as error:
        raise Unreadable(
            f"The file could not be read as CSV at line {reader.line_num}: {error}"
        ) from None


def _csv_cell(raw: str) -> Cell:
    stripped = raw.strip()
    if stripped.startswith("="):
        return Cell(stripped, formula=True)
    return Cell(restore(stripped))


def _xlsx_text(value) -> tuple[str, date | None]:
    if value is None:
        return "", None
    if isinstance(value, datetime):
        if value.time() == datetime.min.time():
            return value.date().isoformat(), value.date()
        return value.isoformat(sep=" "), None
    if isinstance(value, date):
        return value.isoformat(), value
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), None
    if isinstance(value, float) and value.is_integer():
        return str(int(value)), None
    return str(value).strip(), None


def read_xlsx(data: bytes) -> Sheet:
    """The first worksheet of an Excel workbook; formulas are reported, never evaluated."""
    from openpyxl import load_workbook

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise Unreadable("The selected file must be a CSV or Excel (.xlsx) file") from None
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise Unreadable("The selected file must be a CSV or Excel (.xlsx) file")
    if any(name.rsplit("/", 1)[-1].lower() == "vbaproject.bin" for name in names):
        raise Unreadable("The selected file must not contain macros: save it as .xlsx")
    if unpacked > MAX_UNPACKED_BYTES:
        raise Unreadable(
            "The selected file is too large once unpacked: remove anything but the plan"
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds on a damaged file; none may become a 500
        raise Unreadable("The selected file could not be opened as an Excel workbook") from None
    try:
        if not workbook.worksheets:
            raise Unreadable("The workbook has no worksheet")
        sheet = workbook.worksheets[0]

        def rows() -> Iterator[list[Cell]]:
            for row in sheet.iter_rows():
                cells = []
                for cell in row:
                    if getattr(cell, "data_type", None) == "f":
                        cells.append(Cell(str(cell.value), formula=True))
                    else:
                        text, value = _xlsx_text(cell.value)
                        cells.append(Cell(text, value))
                yield cells

        try:
            return _collect(rows())
        except Unreadable:
            raise
        except Exception:  # a damaged sheet part, found only while reading it
            raise Unreadable("The selected file could not be read as an Excel workbook") from None
    finally:
        workbook.close()


def _collect(rows: Iterable[list[Cell]]) -> Sheet:
    """The heading row, then every row that is not blank, up to the limits."""
    headings: list[str] | None = None
    kept: list[tuple[int, list[Cell]]] = []
    for number, cells in enumerate(rows, 1):
        if number > MAX_ROWS_READ:
            return Sheet(headings or [], kept, too_many=True)
        if headings is None:
            if any(c.text for c in cells):
                if number != 1:
                    raise Unreadable(
                        "The column headings must be in the first row, with nothing above them"
                    )
                headings = [c.text for c in cells]
            continue
        if not any(c.text for c in cells):
            continue
        if len(kept) == MAX_ACTIONS:
            return Sheet(headings, kept, too_many=True)
        kept.append((number, cells))
    if headings is None:
        raise Unreadable("The selected file is empty")
    return Sheet(headings, kept)


def read(data: bytes, kind: str) -> Sheet:
    if kind == "xlsx":
        return read_xlsx(data)
    if kind == "csv":
        return read_csv(data)
    raise Unreadable("The selected file must be a CSV or Excel (.xlsx) file")


def kind_of(data: bytes, filename: str) -> str:
    """csv or xlsx, from the content and the name together; Unreadable if neither."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension == "xlsx" and data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if extension in ("csv", "txt") and not data.startswith(b"PK\x03\x04") and b"\0" not in data:
        return "csv"
    if extension in ("xls", "xlsm", "ods", "numbers"):
        raise Unreadable(
            "The selected file must be a CSV or Excel (.xlsx) file: save it as .xlsx or .csv"
        )
    raise Unreadable("The selected file must be a CSV or Excel (.xlsx) file")


# Writing ----------------------------------------------------------------------------------------


def escape(value) -> str:
    """A CSV cell's text, safe to open in a spreadsheet: no cell starts a formula."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(value)


def write_csv(rows: Iterable[list]) -> bytes:
    """UTF-8 with a byte order mark (so Excel reads it as UTF-8), comma-separated, CRLF."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([escape(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


WIDTHS = [18, 10, 40, 12, 50, 30, 12, 12, 40, 12, 40, 12]


def write_xlsx(rows: Iterable[list]) -> bytes:
    """The plan on a sheet called "Action plan", then a sheet that explains each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Action plan"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, width in enumerate(WIDTHS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for number, row in enumerate(rows, 2):
        for column, value in enumerate(row, 1):
            cell = sheet.cell(row=number, column=column)
            if isinstance(value, date):
                cell.value = value
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, int):
                cell.value = value
            else:
                cell.value = "" if value is None else str(value)
                cell.data_type = "s"  # text, never a formula, whatever it starts with
                if neutralise(cell.value) != cell.value:
                    cell.quotePrefix = True  # Excel keeps it as text when the cell is edited
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    guidance = workbook.create_sheet("How to fill this in")
    guidance.append(["Column", "What to put in it"])
    for cell in guidance[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        guidance.append([column, COLUMN_GUIDANCE[column]])
    guidance.column_dimensions["A"].width = 28
    guidance.column_dimensions["B"].width = 100
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

"""Bulk registration of assets from a sheet (Excel or UTF-8 CSV): one asset per row, headers
in Thai with the field name in brackets (``รหัสทรัพย์สิน (code)``) or the field name alone.
Every bad cell is named; nothing is registered unless every row is good."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from services.infra.files import UNPACK_ERRORS, UnpackTooLarge, check_unpacked_size

COLUMNS = (  # field, Thai header, required
    ("code", "รหัสทรัพย์สิน", True), ("project", "รหัสโครงการ", True),
    ("fiscal_year", "ปีงบประมาณ พ.ศ.", True), ("category", "ประเภท", True),
    ("description_th", "รายการ", True), ("description_en", "Description", False),
    ("quantity", "จำนวน", True), ("unit", "หน่วยนับ", True),
    ("unit_value_thb", "ราคาต่อหน่วย (บาท)", True), ("acquired_on", "วันที่ได้มา (ค.ศ. YYYY-MM-DD)", True),
    ("province", "จังหวัด (รหัส ISO เช่น TH-34)", True), ("district", "อำเภอ", False),
    ("latitude", "ละติจูด", False), ("longitude", "ลองจิจูด", False),
    ("custodian", "หน่วยงานผู้ครอบครอง (รหัส)", True),
)
NUMBERS = {"fiscal_year": int, "quantity": float, "unit_value_thb": float, "latitude": float,
           "longitude": float}
_BRACKETED = re.compile(r"\(([a-z_]+)\)\s*$")


@dataclass(frozen=True)
class CellProblem:
    row: int | None
    column: str | None
    message: str


class SheetError(ValueError):
    def __init__(self, problems: list[CellProblem]):
        super().__init__(f"{len(problems)} problem(s) in the sheet")
        self.problems = problems


def template_xlsx() -> bytes:
    """An empty sheet with the headers, for agencies to fill in."""
    book = Workbook()
    sheet = book.active
    sheet.title = "ทรัพย์สิน (assets)"
    sheet.append([f"{th} ({field})" for field, th, _ in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_rows(data: bytes, fmt: str) -> list[tuple[int, dict]]:
    """(row number as a person sees it, {field: text}) for every non-empty row."""
    if fmt == "csv":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SheetError([CellProblem(None, None, "not UTF-8 text: in Excel save it as "
                                                      "'CSV UTF-8 (Comma delimited)'")]) from None
        table = list(csv.reader(io.StringIO(text)))
    else:
        _check_unpacked_size(data)
        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        except Exception:
            raise SheetError([CellProblem(None, None, "not an Excel workbook (.xlsx)")]) from None
        table = [list(row) for row in sheet.iter_rows(values_only=True)]
    if not table:
        raise SheetError([CellProblem(None, None, "the sheet is empty")])
    fields = [_field_of(h) for h in table[0]]
    known = {f for f, _, _ in COLUMNS}
    problems = [CellProblem(1, str(h), f"unknown column {h!r}")
                for h, f in zip(table[0], fields) if h not in (None, "") and f not in known]
    missing = [f for f, _, required in COLUMNS if required and f not in fields]
    problems += [CellProblem(1, f, f"missing column {f}") for f in missing]
    if problems:
        raise SheetError(problems)
    rows = []
    for number, row in enumerate(table[1:], start=2):
        values = {f: row[i] for i, f in enumerate(fields) if f in known and i < len(row)}
        if all(v in (None, "") for v in values.values()):
            continue
        rows.append((number, values))
    return rows


MAX_UNPACKED = 50 * 2**20  # a registration sheet unpacks to far less: more is a zip bomb


def _check_unpacked_size(data: bytes) -> None:
    """Counted by unpacking, a chunk at a time: a zip bomb's declared sizes can lie."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise SheetError([CellProblem(None, None, "not an Excel workbook (.xlsx)")]) from None
    try:
        with archive:
            check_unpacked_size(archive, MAX_UNPACKED)
    except UnpackTooLarge as exc:
        raise SheetError([CellProblem(None, None, f"the file unpacks to {exc.size // 2**20} MB, "
                                                  f"more than {MAX_UNPACKED // 2**20} MB")]) from None
    except UNPACK_ERRORS as exc:
        raise SheetError([CellProblem(None, None, "the file cannot be unpacked "
                                                  f"({type(exc).__name__}: {exc})")]) from None


def _field_of(header) -> str | None:
    text = str(header or "").strip()
    match = _BRACKETED.search(text)
    return match.group(1) if match else text


def to_documents(rows: list[tuple[int, dict]]) -> tuple[list[tuple[int, dict]], list[CellProblem]]:
    """Cell values to registration documents; problems of type, cell by cell."""
    documents, problems = [], []
    for number, values in rows:
        doc, location = {}, {}
        for field, value in values.items():
            if value in (None, ""):
                continue
            try:
                value = _convert(field, value)
            except ValueError as exc:
                problems.append(CellProblem(number, field, str(exc)))
                continue
            if field in ("province", "district", "latitude", "longitude"):
                location[field] = value
            else:
                doc[field] = value
        doc["location"] = location
        documents.append((number, doc))
    return documents, problems


def _convert(field: str, value):
    if field in NUMBERS:
        try:
            number = NUMBERS[field](str(value).replace(",", "").strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a number") from None
        return number
    if field == "acquired_on":
        if isinstance(value, (datetime, date)):
            return (value.date() if isinstance(value, datetime) else value).isoformat()
        return str(value).strip()
    return str(value).strip()

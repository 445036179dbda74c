"""Bulk registration of assets from a sheet (Excel or UTF-8 CSV): one asset per row, headers
in Thai with the field name in brackets (``รหัสทรัพย์สิน (code)``) or the field name alone.
Every bad cell is named, in Thai and English; nothing is registered unless every row is good.
Cells are read by the spreadsheet kernel (services/infra/spreadsheet)."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from services.infra.spreadsheet import (ASSET_LIMITS, Bad, CellProblem, SheetUnreadable, as_text,
                                        csv_grid, english_name, is_blank, number, off_hub,
                                        parse_date, whole_number, xlsx_grids)

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
NUMBERS = {"fiscal_year": whole_number, "quantity": number, "unit_value_thb": number,
           "latitude": number, "longitude": number}
SHEET_TITLE = "ทรัพย์สิน (assets)"
CSV_SHEET = "csv"


class SheetError(ValueError):
    def __init__(self, problems: list[CellProblem]):
        super().__init__(f"{len(problems)} problem(s) in the sheet")
        self.problems = problems


def problem(row: int | None, column: str | None, message_th: str, message_en: str,
            sheet: str = "") -> CellProblem:
    """A problem of the registration sheet (it has one sheet: its name is left out)."""
    return CellProblem(sheet, row, column, message_en, message_th)


def template_xlsx() -> bytes:
    """An empty sheet with the headers, for agencies to fill in."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_TITLE
    sheet.append([f"{th} ({field})" for field, th, _ in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_rows(data: bytes, fmt: str) -> list[tuple[int, dict]]:
    """(row number as a person sees it, {field: cell}) for every non-empty row; read off the
    eventlet hub."""
    return off_hub(_read_rows, data, fmt)


def _read_rows(data: bytes, fmt: str) -> list[tuple[int, dict]]:
    try:
        if fmt == "csv":
            grid = csv_grid(data, CSV_SHEET, ASSET_LIMITS)
        else:
            grids = xlsx_grids(data, ASSET_LIMITS)
            if not grids:
                raise SheetUnreadable("ไฟล์ Excel ไม่มีแผ่นงาน", "the Excel workbook has no sheet")
            grid = grids[0]
    except SheetUnreadable as exc:
        raise SheetError([problem(None, None, exc.message_th, exc.message_en)]) from None
    if not grid.rows or grid.rows[0][0] != 1:
        raise SheetError([problem(None, None, "แผ่นงานว่างเปล่า: แถวที่ 1 ต้องเป็นหัวคอลัมน์",
                                  "the sheet is empty: row 1 must hold the column headers")])
    header = grid.rows[0][1]
    fields = [english_name(as_text(h)) for h in header]
    known = {f for f, _, _ in COLUMNS}
    problems = [problem(1, as_text(h), f"ไม่รู้จักคอลัมน์ {as_text(h)!r}",
                        f"unknown column {as_text(h)!r}")
                for h, f in zip(header, fields) if not is_blank(h) and f not in known]
    missing = [f for f, _, required in COLUMNS if required and f not in fields]
    problems += [problem(1, f, f"ไม่มีคอลัมน์ {f}", f"missing column {f}") for f in missing]
    if problems:
        raise SheetError(problems)
    rows = []
    for number_, cells in grid.rows[1:]:
        values = {f: cells[i] for i, f in enumerate(fields) if f in known and i < len(cells)}
        if all(is_blank(v) for v in values.values()):
            continue
        rows.append((number_, values))
    return rows


def to_documents(rows: list[tuple[int, dict]]) -> tuple[list[tuple[int, dict]], list[CellProblem]]:
    """Cell values to registration documents; problems of type, cell by cell."""
    documents, problems = [], []
    for row, values in rows:
        doc, location = {}, {}
        for field, value in values.items():
            if is_blank(value):
                continue
            try:
                value = _convert(field, value)
            except Bad as bad:
                problems.append(bad.at("", row, field))
                continue
            if field in ("province", "district", "latitude", "longitude"):
                location[field] = value
            else:
                doc[field] = value
        doc["location"] = location
        documents.append((row, doc))
    return documents, problems


def _convert(field: str, value):
    if field in NUMBERS:
        return NUMBERS[field](value)
    if field == "acquired_on":
        return parse_date(value).isoformat()
    return as_text(value).strip()

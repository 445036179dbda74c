"""The eMENSCR workbook of a plan and fiscal year (openpyxl): a sheet of projects - Thai
headers, English headers under them, then each column's verification mark - and a sheet naming
each field's source and whether it was checked against an NESDC document. Nothing typed runs as
a formula (services/infra/spreadsheet/writing.py); sample data says so, as every export does."""
from __future__ import annotations

import io
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from services.contracts.periods import thai_date
from services.infra.spreadsheet import keep_as_text

from ..exports import SAMPLE_CELL, SAMPLE_HEADER, SAMPLE_NOTE, SAMPLE_SHEET

PROJECTS_SHEET = "โครงการ (projects)"
SOURCES_SHEET = "แหล่งที่มา (sources)"
HEADER_ROWS = 3  # Thai, English, verification: the projects start on row 4
VERIFIED_WORDS = {True: "ตรวจสอบกับเอกสาร สศช. แล้ว (verified)",
                  False: "ยังไม่ได้ตรวจสอบ (unverified)"}
UNVERIFIED_FILL = PatternFill("solid", fgColor="FFF2CC")  # a pale yellow: to be checked
SOURCES_HEADER = ["ลำดับ (order)", "รหัสข้อมูล (key)", "หัวคอลัมน์ (header_th)", "Column (header_en)",
                  "แหล่งที่มา (source)", "ตรวจสอบแล้ว (verified)"]
INTERNAL_HEADER = ("รวมข้อมูลภายใน ไม่เผยแพร่สู่สาธารณะ", "includes internal figures")
ORIGIN_WORDS = {"shipped": "รายการที่มากับระบบ (shipped with the system)",
                "admin": "รายการที่ผู้ดูแลระบบกำหนด (set by the admin)"}


def workbook(plan: dict, fiscal_year: int, listed: dict, rows: list[list],
             sample: list[bool], now: datetime, internal: list[str] | None = None) -> bytes:
    """``listed``: the field list in force (fields.in_force); ``rows``: one per project, a cell
    per field (rows.rows_of); ``sample``: which rows are sample data; ``internal``: each row's
    note that its figures include internal reports (rows.internal_notes) - a column after the
    fields whenever one row has it, whatever the admin's field list says."""
    fields = listed["fields"]
    labelled = any(sample)
    internal = internal or [""] * len(rows)
    marked = any(internal)
    book = Workbook()
    sheet = book.active
    sheet.title = PROJECTS_SHEET
    thai = [f.header_th for f in fields] + ([INTERNAL_HEADER[0]] if marked else []) \
        + ([SAMPLE_HEADER] if labelled else [])
    english = [f.header_en for f in fields] + ([INTERNAL_HEADER[1]] if marked else []) \
        + (["sample"] if labelled else [])
    marks = [VERIFIED_WORDS[f.verified] for f in fields] + ([""] if marked else []) \
        + ([""] if labelled else [])
    for header in (thai, english, marks):
        sheet.append(header)
    for row, flag, note in zip(rows, sample, internal):
        sheet.append(row + ([note] if marked else [])
                     + ([SAMPLE_CELL if flag else ""] if labelled else []))
    _style_projects(sheet, fields)
    _sources(book.create_sheet(SOURCES_SHEET), plan, fiscal_year, listed, now)
    if labelled:
        note = book.create_sheet(SAMPLE_SHEET)
        for line in SAMPLE_NOTE:
            note.append([line])
        note.column_dimensions["A"].width = 100
    for each in book.worksheets:
        for line in each.iter_rows():
            for cell in line:
                keep_as_text(cell)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _style_projects(sheet, fields) -> None:
    for number in range(1, HEADER_ROWS + 1):
        for cell in sheet[number]:
            cell.font = Font(bold=number == 1, italic=number == 3)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for cell, field in zip(sheet[HEADER_ROWS], fields):
        if not field.verified:
            cell.fill = UNVERIFIED_FILL
    for line in sheet.iter_rows(min_row=HEADER_ROWS + 1):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = sheet.cell(row=HEADER_ROWS + 1, column=3)  # the code and name stay
    for column in sheet.columns:
        width = max(max((len(part) for part in str(c.value or "").split("\n")), default=0)
                    for c in column)
        sheet.column_dimensions[column[0].column_letter].width = min(50, max(12, width + 2))


def _sources(sheet, plan: dict, fiscal_year: int, listed: dict, now: datetime) -> None:
    sheet.append(SOURCES_HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for f in listed["fields"]:
        sheet.append([f.order, f.key, f.header_th, f.header_en, f.source,
                      VERIFIED_WORDS[f.verified]])
    changed = listed.get("changed_at")
    sheet.append([])
    for label, value in (
            ("แผน (plan)", f"{plan['title_th']} ({plan['id']}, ฉบับที่ {plan.get('version', 1)})"),
            ("ปีงบประมาณ (fiscal year)", f"พ.ศ. {fiscal_year}"),
            ("รายการข้อมูล (field list)", f"{ORIGIN_WORDS[listed['origin']]}, ฉบับที่ "
                                          f"{listed['version']}"
             + (f", แก้ไขโดย {listed['changed_by']} เมื่อ {thai_date(datetime.fromisoformat(changed).date())}"
                if changed and listed["origin"] == "admin" else "")),
            ("สร้างเมื่อ (made)", thai_date(now.date())),
            ("หมายเหตุ (note)", "ช่องที่ยังไม่ได้ตรวจสอบกับเอกสาร สศช. ต้องตรวจก่อนนำเข้า eMENSCR / "
                               "fields not checked against an NESDC document must be checked "
                               "before entry into eMENSCR")):
        sheet.append([label, value])
    for letter, width in zip("ABCDEF", (22, 22, 36, 36, 80, 30)):
        sheet.column_dimensions[letter].width = width

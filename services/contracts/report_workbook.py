"""The province reporting workbook (docs/report-workbook.md): provinces without an AMQP-capable
system download it, fill it in in Excel (or write a CSV file) and upload it; its rows become the
same report bodies a provincial system would publish (``contracts/reports.py``).

Pure: bytes in, bytes out, no other I/O.

* :func:`due_items` - what a province reports for a period of a plan;
* :func:`build_workbook` - the ``.xlsx`` to fill in: sheets ``ตัวชี้วัด (indicators)``,
  ``โครงการ (projects)`` and ``เกี่ยวกับแบบฟอร์ม (about)``, headers ``Thai label (english_name)``;
* :func:`read_workbook` - an uploaded ``.xlsx`` or ``.csv`` as :class:`Row` s, every problem of
  every cell collected at once (:class:`CellError`); :class:`WorkbookUnreadable` when the whole
  file is unusable;
* :func:`report_bodies` - the rows without problems as ``IndicatorReportSchema`` /
  ``ProjectReportSchema`` bodies, with :func:`stable_event_id` ids: the same content always
  gets the same id, so uploading a file again sends nothing new.
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time

from services.infra.files import (UNPACK_ERRORS, UnpackTooLarge, check_unpacked_size,
                                  filled_rows, is_blank)

from .periods import BE_OFFSET, PeriodError, parse_period
from .plans import iter_indicators
from .reports import PROCUREMENT_STAGE_TH, PROCUREMENT_STAGES, PROVINCE_CODE

SCHEMA = "cluster-planning-report-workbook/1"
NAMESPACE = uuid.UUID("6f1d7e2a-3c4b-4e5f-9a8b-1c2d3e4f5a6b")  # stable event ids

MAX_UNPACKED = 32 * 1024 * 1024  # bytes an upload may unpack to (or a CSV may hold)
MAX_NOTE = 4000                  # IndicatorReportSchema.note
MAX_TEXT = 8000                  # ProjectReportSchema.problems / solutions
MAX_CODE = 64                    # indicator and project codes
MIN_YEAR, MAX_YEAR = 2000, 2200  # the schemas' plausible C.E. years
HEADER_SEARCH_ROWS = 20          # the header row is looked for in this many rows at the top

INDICATORS_KEY, PROJECTS_KEY, ABOUT_KEY, LISTS_KEY = "indicators", "projects", "about", "lists"
SHEET_LABELS = {INDICATORS_KEY: "ตัวชี้วัด", PROJECTS_KEY: "โครงการ",
                ABOUT_KEY: "เกี่ยวกับแบบฟอร์ม"}
SHEET_TITLES = {key: f"{label} ({key})" for key, label in SHEET_LABELS.items()}
LISTS_TITLE = LISTS_KEY  # hidden: the Thai procurement stages the drop-down offers
CSV_SHEET = "csv"

# (english name, Thai label, is input)
INDICATOR_COLUMNS = (
    ("indicator", "รหัสตัวชี้วัด", False),
    ("name_th", "ตัวชี้วัด", False),
    ("name_en", "Indicator", False),
    ("unit", "หน่วย", False),
    ("target", "เป้าหมายปีงบประมาณ", False),
    ("last_value", "ค่าที่รายงานล่าสุด", False),
    ("value", "ค่าที่รายงาน", True),
    ("note", "หมายเหตุ", True),
)
PROJECT_COLUMNS = (
    ("project", "รหัสโครงการ", False),
    ("title_th", "โครงการ", False),
    ("budget_thb", "งบประมาณ บาท", False),
    ("last_progress_pct", "ความก้าวหน้าล่าสุด %", False),
    ("last_disbursed_thb", "เบิกจ่ายล่าสุด บาท", False),
    ("last_stage", "ขั้นตอนล่าสุด", False),
    ("as_of", "ข้อมูล ณ วันที่", True),
    ("physical_progress_pct", "ความก้าวหน้า %", True),
    ("disbursed_thb", "เบิกจ่ายสะสม บาท", True),
    ("procurement_stage", "ขั้นตอนจัดซื้อจัดจ้าง", True),
    ("problems", "ปัญหาอุปสรรค", True),
    ("solutions", "แนวทางแก้ไข", True),
)
INDICATOR_INPUTS = tuple(name for name, _, is_input in INDICATOR_COLUMNS if is_input)
PROJECT_INPUTS = tuple(name for name, _, is_input in PROJECT_COLUMNS if is_input)
INDICATOR_REQUIRED = ("value",)
PROJECT_REQUIRED = ("as_of", "physical_progress_pct", "disbursed_thb", "procurement_stage")
LABELS = {name: label for name, label, _ in INDICATOR_COLUMNS + PROJECT_COLUMNS}

ABOUT_ROWS = (  # (key, Thai label)
    ("schema", "รุ่นของแบบฟอร์ม"),
    ("plan_id", "รหัสแผน"),
    ("plan_version", "ฉบับของแผน"),
    ("province", "จังหวัด"),
    ("period", "งวดรายงาน"),
    ("period_th", "งวดรายงาน ภาษาไทย"),
    ("period_en", "งวดรายงาน ภาษาอังกฤษ"),
    ("generated_at", "สร้างเมื่อ"),
    ("instructions_th", "คำแนะนำ"),
    ("instructions_en", "Instructions"),
)
INSTRUCTIONS_TH = (
    "กรอกเฉพาะช่องสีเหลือง แผ่นงาน ตัวชี้วัด: ค่าที่รายงาน (และหมายเหตุ ถ้ามี) "
    "แผ่นงาน โครงการ: วันที่ของข้อมูล (ปี ค.ศ. เช่น 2025-03-31) ความก้าวหน้า % เบิกจ่ายสะสม "
    "และขั้นตอนจัดซื้อจัดจ้าง (ปัญหาอุปสรรคและแนวทางแก้ไข ถ้ามี) แถวที่ไม่ได้กรอกจะไม่ถูกส่ง "
    "จากนั้นอัปโหลดไฟล์นี้กลับเข้าระบบ หากมีข้อผิดพลาด ระบบจะแจ้งทุกช่องที่ต้องแก้ในครั้งเดียว "
    "การอัปโหลดไฟล์เดิมซ้ำจะไม่ส่งข้อมูลซ้ำ")
INSTRUCTIONS_EN = (
    "Fill in only the yellow cells. Indicators sheet: the reported value (and a note, if any). "
    "Projects sheet: the date the figures are as of (C.E., e.g. 2025-03-31), physical progress %, "
    "cumulative disbursement and procurement stage (problems and solutions, if any). Rows left "
    "empty are not sent. Then upload this file back to the system; if anything is wrong, every "
    "cell to fix is listed at once. Uploading the same file again sends nothing twice.")

CSV_COLUMNS = ("kind", "code", "period", "value", "note", "as_of", "physical_progress_pct",
               "disbursed_thb", "procurement_stage", "problems", "solutions")
CSV_REQUIRED_COLUMNS = ("kind", "code")
CSV_INPUTS = {"indicator": INDICATOR_INPUTS, "project": PROJECT_INPUTS}

_ENGLISH = re.compile(r"[(（]([^()（）]*)[)）]\s*$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$", re.ASCII)
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$", re.ASCII)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$", re.ASCII)
_YEAR_IN_TEXT = re.compile(r"(?<!\d)(\d{4})(?!\d)", re.ASCII)
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_STAGE_BY_LABEL = {" ".join(label.split()): code for code, label in PROCUREMENT_STAGE_TH.items()}


# --- what callers get --------------------------------------------------------------------------

class WorkbookUnreadable(ValueError):
    """The whole file is unusable: not .xlsx or .csv, not a reporting workbook of this system, a
    zip bomb, sheets or columns missing. ``str(exc)`` is the English message."""

    def __init__(self, message_th: str, message_en: str):
        super().__init__(message_en)
        self.message_th = message_th
        self.message_en = message_en


@dataclass(frozen=True)
class CellError:
    sheet: str       # the sheet's name as shown ("ตัวชี้วัด (indicators)"); "csv" for CSV
    cell: str        # "G5"; CSV: "row 5, column value"
    message_th: str
    message_en: str


@dataclass
class Row:
    sheet: str
    row: int             # the row number shown in Excel, or the CSV line number
    kind: str            # "indicator" | "project"
    subject: str         # indicator or project code
    period: str | None   # indicator rows: the period code; project rows: None
    fields: dict         # the parsed inputs (those that could be read)
    errors: list[CellError] = field(default_factory=list)


@dataclass
class Upload:
    plan_id: str | None
    province: str | None
    period: str | None
    rows: list[Row]


# --- what is due -------------------------------------------------------------------------------

def due_items(plan: dict, province: str, period: str) -> dict:
    """The indicators the province reports for ``period`` (their frequency is the period's kind,
    the period's fiscal year is within the plan and the province reports them) and the projects
    running in the province by then (their fiscal year is not after the period's)."""
    try:
        parsed = parse_period(period)
    except PeriodError as exc:
        raise ValueError(str(exc)) from None
    provinces = list(plan.get("provinces") or [])
    if province not in provinces:
        raise ValueError(f"plan {plan.get('id')!r} does not cover province {province!r} "
                         f"(its provinces: {', '.join(provinces) or 'none'})")
    fiscal_year = parsed.fiscal_year
    indicators = []
    if plan["start_fy"] <= fiscal_year <= plan["end_fy"]:
        for _, indicator in iter_indicators(plan):
            reporters = indicator.get("provinces") or []
            if indicator.get("frequency") == parsed.kind and (
                    not reporters or province in reporters):
                indicators.append(indicator)
    projects = [project for project in plan.get("projects") or []
                if (not project.get("provinces") or province in project["provinces"])
                and project["fiscal_year"] <= fiscal_year]
    return {"indicators": indicators, "projects": projects}


# --- writing -----------------------------------------------------------------------------------

def _width(text: str) -> int:
    """Characters that take room: Thai vowel and tone marks above or below take none."""
    return sum(1 for ch in str(text) if unicodedata.category(ch) not in ("Mn", "Me", "Cf"))


def _header(name: str) -> str:
    return f"{LABELS[name]} ({name})"


_COMMENTS = {
    "indicator": ("รหัสตัวชี้วัดในแผน", "the indicator's code in the plan"),
    "target": ("ค่าเป้าหมายของกลุ่มจังหวัดในปีงบประมาณของงวดนี้ (ว่าง: ไม่ได้กำหนด)",
               "the cluster's target for the period's fiscal year (empty: none set)"),
    "last_value": ("ค่าที่จังหวัดรายงานล่าสุดสำหรับงวดนี้ (ว่าง: ยังไม่เคยรายงาน)",
                   "the value the province last reported for this period (empty: never)"),
    "value": ("กรอก: ค่าของตัวชี้วัดในงวดนี้ เป็นตัวเลข ในหน่วยของตัวชี้วัด",
              "fill in: the indicator's value for this period, a number in its unit"),
    "note": ("กรอกได้: หมายเหตุ ไม่เกิน 4000 ตัวอักษร",
             "optional: a note, at most 4000 characters"),
    "project": ("รหัสโครงการในแผน", "the project's code in the plan"),
    "budget_thb": ("งบประมาณทั้งสิ้นของโครงการ (บาท)", "the project's whole budget (THB)"),
    "last_progress_pct": ("ความก้าวหน้าที่รายงานล่าสุด (ว่าง: ยังไม่เคยรายงาน)",
                          "the progress last reported (empty: never)"),
    "last_disbursed_thb": ("เบิกจ่ายสะสมที่รายงานล่าสุด", "the disbursement last reported"),
    "last_stage": ("ขั้นตอนจัดซื้อจัดจ้างที่รายงานล่าสุด", "the procurement stage last reported"),
    "as_of": ("กรอก: วันที่ของข้อมูล เป็นปี ค.ศ. (ไม่ใช่ พ.ศ.) เช่น 2025-03-31",
              "fill in: the date the figures are as of, a C.E. date (not B.E.), e.g. 2025-03-31"),
    "physical_progress_pct": ("กรอก: ความก้าวหน้าทางกายภาพ ร้อยละ 0-100",
                              "fill in: physical progress, a percentage 0-100"),
    "disbursed_thb": ("กรอก: เบิกจ่ายสะสมตั้งแต่เริ่มโครงการ (บาท) ไม่เกินงบประมาณ",
                      "fill in: cumulative disbursement since the start (THB), at most the budget"),
    "procurement_stage": ("กรอก: เลือกขั้นตอนจากรายการ", "fill in: pick the stage from the list"),
    "problems": ("กรอกได้: ปัญหาอุปสรรค ไม่เกิน 8000 ตัวอักษร",
                 "optional: problems, at most 8000 characters"),
    "solutions": ("กรอกได้: แนวทางแก้ไข ไม่เกิน 8000 ตัวอักษร",
                  "optional: solutions, at most 8000 characters"),
}


def _rule(kind: str, title: str, th: str, en: str, **kwargs):
    from openpyxl.worksheet.datavalidation import DataValidation

    rule = DataValidation(type=kind, allow_blank=True, showErrorMessage=True,
                          errorStyle="stop", errorTitle=title[:32],  # Excel's limit
                          error=f"{th}\n{en}"[:255], **kwargs)  # Excel's limit
    return rule


def build_workbook(plan: dict, province: str, period: str, last: dict,
                   generated_at: datetime) -> bytes:
    """The reporting workbook of ``province`` for ``period`` (docs/report-workbook.md), with what
    it last reported (``last``) beside the cells to fill in."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.datetime import to_excel
    from openpyxl.workbook.protection import WorkbookProtection

    due = due_items(plan, province, period)
    parsed = parse_period(period)
    fy_key = f"FY{parsed.fiscal_year}"
    last = last or {}
    last_indicators = last.get("indicators") or {}
    last_projects = last.get("projects") or {}

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    input_fill = PatternFill("solid", fgColor="FFF2CC")
    wrap = Alignment(wrap_text=True, vertical="top")
    unlocked = Protection(locked=False)

    def put(ws, row: int, col: int, value):
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell = ws.cell(row=row, column=col, value=value)
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # text, never a formula
        return cell

    def protect(ws):
        # No password: the protection guards against accidental edits of the plan's cells (a
        # code overwritten, a row deleted), not against a person who wants to change them -
        # anyone can lift it, and the reader checks every cell again anyway.
        ws.protection.sheet = True
        ws.protection.formatColumns = False  # widening a column stays allowed
        ws.protection.formatRows = False

    def table(key: str, columns, rows: list[list]):
        ws = workbook.create_sheet(SHEET_TITLES[key])
        widths = []
        for col, (name, _, is_input) in enumerate(columns, start=1):
            cell = ws.cell(row=1, column=col, value=_header(name))
            cell.font, cell.alignment = bold, wrap
            cell.fill = input_fill if is_input else header_fill
            th, en = _COMMENTS.get(name, ("", ""))
            if th:
                cell.comment = Comment(f"{th}\n{en}", "cluster-planning", height=110, width=260)
            widths.append(max(10.0, min(_width(cell.value) / 2.2, 24)))
        inputs = {col for col, (_, _, is_input) in enumerate(columns, start=1) if is_input}
        for number, values in enumerate(rows, start=2):
            for col, value in enumerate(values, start=1):
                cell = put(ws, number, col, value)
                if col in inputs:
                    cell.protection, cell.fill = unlocked, input_fill
                elif isinstance(value, str):
                    cell.alignment = wrap
                    widths[col - 1] = max(widths[col - 1], min(_width(value) * 1.1 + 2, 50))
        for col, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(col)].width = round(width, 1)
        ws.freeze_panes = "A2"
        ws.row_dimensions[1].height = 48
        protect(ws)
        return ws

    # indicators
    indicator_rows = []
    for indicator in due["indicators"]:
        code = indicator["code"]
        indicator_rows.append([code, indicator.get("name_th"), indicator.get("name_en"),
                               indicator.get("unit"), (indicator.get("targets") or {}).get(fy_key),
                               last_indicators.get(code), None, None])
    ws = table(INDICATORS_KEY, INDICATOR_COLUMNS, indicator_rows)
    end = len(indicator_rows) + 1
    if indicator_rows:
        value = _rule("decimal", "value", "ต้องเป็นตัวเลข", "must be a number",
                      operator="between", formula1="-1E+300", formula2="1E+300")
        value.add(f"G2:G{end}")
        note = _rule("textLength", "note", f"ไม่เกิน {MAX_NOTE} ตัวอักษร",
                     f"at most {MAX_NOTE} characters", operator="lessThanOrEqual",
                     formula1=str(MAX_NOTE))
        note.add(f"H2:H{end}")
        for rule in (value, note):
            ws.add_data_validation(rule)
        for number in range(2, end + 1):
            ws.cell(row=number, column=5).number_format = "#,##0.##########"
            ws.cell(row=number, column=6).number_format = "#,##0.##########"

    # projects
    project_rows = []
    for project in due["projects"]:
        code = project["code"]
        before = last_projects.get(code) or {}
        stage = before.get("procurement_stage")
        project_rows.append([code, project.get("title_th"), project.get("budget_thb"),
                             before.get("physical_progress_pct"), before.get("disbursed_thb"),
                             PROCUREMENT_STAGE_TH.get(stage, stage) if stage else None,
                             None, None, None, None, None, None])
    ws = table(PROJECTS_KEY, PROJECT_COLUMNS, project_rows)
    end = len(project_rows) + 1
    if project_rows:
        first, final = (int(to_excel(day)) for day in (date(MIN_YEAR, 1, 1),
                                                       date(MAX_YEAR, 12, 31)))
        as_of = _rule("date", "as_of", "ต้องเป็นวันที่ ปี ค.ศ. เช่น 2025-03-31",
                      "must be a C.E. date such as 2025-03-31", operator="between",
                      formula1=str(first), formula2=str(final))
        as_of.add(f"G2:G{end}")
        progress = _rule("decimal", "physical_progress_pct", "ต้องเป็นตัวเลข 0 ถึง 100",
                         "must be a number from 0 to 100", operator="between",
                         formula1="0", formula2="100")
        progress.add(f"H2:H{end}")
        # $C2 is relative: each row's disbursement is checked against its own budget
        disbursed = _rule("decimal", "disbursed_thb", "ต้องเป็นตัวเลข 0 ถึงงบประมาณของโครงการ",
                          "must be a number from 0 to the project's budget",
                          operator="between", formula1="0", formula2="$C2")
        disbursed.add(f"I2:I{end}")
        stage = _rule("list", "procurement_stage", "เลือกขั้นตอนจากรายการ",
                      "pick a stage from the list",
                      formula1=f"'{LISTS_TITLE}'!$A$1:$A${len(PROCUREMENT_STAGES)}")
        stage.add(f"J2:J{end}")
        texts = _rule("textLength", "problems / solutions", f"ไม่เกิน {MAX_TEXT} ตัวอักษร",
                      f"at most {MAX_TEXT} characters", operator="lessThanOrEqual",
                      formula1=str(MAX_TEXT))
        texts.add(f"K2:L{end}")
        for rule in (as_of, progress, disbursed, stage, texts):
            ws.add_data_validation(rule)
        for number, project in enumerate(due["projects"], start=2):
            ws.cell(row=number, column=7).number_format = "yyyy-mm-dd"
            for col in (3, 5, 9):
                ws.cell(row=number, column=col).number_format = "#,##0.00"
            before = last_projects.get(project["code"]) or {}
            if before.get("as_of"):
                ws.cell(row=number, column=4).comment = Comment(
                    f"ข้อมูล ณ วันที่ {before['as_of']} (as of {before['as_of']}, C.E.)",
                    "cluster-planning", height=50, width=220)

    # about
    about = workbook.create_sheet(SHEET_TITLES[ABOUT_KEY])
    values = {"schema": SCHEMA, "plan_id": plan.get("id"), "plan_version": plan.get("version"),
              "province": province, "period": period, "period_th": parsed.label_th,
              "period_en": parsed.label_en, "generated_at": generated_at.isoformat(),
              "instructions_th": INSTRUCTIONS_TH, "instructions_en": INSTRUCTIONS_EN}
    for col, head in enumerate(("รายการ (key)", "ค่า (value)"), start=1):
        cell = about.cell(row=1, column=col, value=head)
        cell.font, cell.fill = bold, header_fill
    for number, (key, label) in enumerate(ABOUT_ROWS, start=2):
        about.cell(row=number, column=1, value=f"{label} ({key})").font = bold
        put(about, number, 2, values[key]).alignment = wrap
    about.column_dimensions["A"].width = 30
    about.column_dimensions["B"].width = 90
    about.freeze_panes = "A2"
    protect(about)
    lists = workbook.create_sheet(LISTS_TITLE)  # after the three sheets people see
    for number, code in enumerate(PROCUREMENT_STAGES, start=1):
        lists.cell(row=number, column=1, value=PROCUREMENT_STAGE_TH[code])
        lists.cell(row=number, column=2, value=code)
    lists.sheet_state = "hidden"
    protect(lists)
    # The sheets can be neither renamed, deleted nor unhidden by mistake (again no password).
    workbook.security = WorkbookProtection(lockStructure=True)

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- reading cells -----------------------------------------------------------------------------

def english_name(text: str) -> str:
    """The name in the last parentheses (``รหัสตัวชี้วัด (indicator)`` -> ``indicator``), or the
    whole text when it has none."""
    match = _ENGLISH.search(text)
    return " ".join((match.group(1) if match else text).split())


class _Bad(Exception):
    def __init__(self, th: str, en: str):
        super().__init__(en)
        self.th, self.en = th, en


def _as_text(value) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        midnight = value.time() == time(0)
        return value.date().isoformat() if midnight else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _shown(value) -> str:
    text = _as_text(value).strip()
    return f"'{text[:60]}…'" if len(text) > 60 else f"'{text}'"


def _number(value) -> float:
    if isinstance(value, bool):
        raise _Bad("ต้องเป็นตัวเลข ไม่ใช่ TRUE/FALSE", "must be a number, not TRUE/FALSE")
    if isinstance(value, (datetime, date, time)):
        raise _Bad(f"{_shown(value)} เป็นวันที่ ไม่ใช่ตัวเลข",
                   f"{_shown(value)} is a date, not a number")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip().translate(_THAI_DIGITS)
        if _THOUSANDS.match(text):
            text = text.replace(",", "")
        if not _NUMBER.match(text):
            raise _Bad(f"{_shown(value)} ไม่ใช่ตัวเลข", f"{_shown(value)} is not a number")
        number = float(text)
    if not math.isfinite(number):
        raise _Bad(f"{_shown(value)} ไม่ใช่ตัวเลขที่ใช้ได้",
                   f"{_shown(value)} is not a usable number")
    return number + 0.0  # -0.0 -> 0.0


def _text(value, limit: int) -> str | None:
    if is_blank(value):
        return None
    text = _as_text(value).strip()
    if len(text) > limit:
        raise _Bad(f"ข้อความยาว {len(text):,} ตัวอักษร เกิน {limit:,} ตัวอักษร",
                   f"the text is {len(text):,} characters, more than {limit:,}")
    return text


def _code(value) -> str:
    text = _as_text(value).strip()
    if len(text) > MAX_CODE:
        raise _Bad(f"รหัสยาวเกิน {MAX_CODE} ตัวอักษร", f"a code is at most {MAX_CODE} characters")
    return text


def _be_hint(year: int, rest: str) -> _Bad:
    ce = f"{year - BE_OFFSET}{rest}"
    return _Bad(f"ปี {year} เป็นปี พ.ศ. ให้กรอกวันที่เป็นปี ค.ศ. ({ce})",
                f"{year} is a Buddhist-Era (B.E.) year: use the C.E. date ({ce})")


def _date(value) -> date:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        day = value
        if day.year >= 2400:
            raise _be_hint(day.year, day.isoformat()[4:])
    else:
        text = _as_text(value).strip().translate(_THAI_DIGITS)
        match = _ISO_DATE.match(text)
        if match and int(match.group(1)) >= 2400:
            raise _be_hint(int(match.group(1)), text[4:])
        try:
            if not match:
                raise ValueError
            day = date.fromisoformat(text)
        except ValueError:
            years = [int(y) for y in _YEAR_IN_TEXT.findall(text) if int(y) >= 2400]
            hint_th = " และใช้ปี ค.ศ. ไม่ใช่ พ.ศ." if years else ""
            hint_en = f" ({years[0]} looks like a B.E. year: use C.E.)" if years else ""
            raise _Bad(f"{_shown(value)} ไม่ใช่วันที่: กรอกเป็น ปปปป-ดด-วว ปี ค.ศ. "
                       f"เช่น 2025-03-31{hint_th}",
                       f"{_shown(value)} is not a date: write YYYY-MM-DD, C.E., "
                       f"e.g. 2025-03-31{hint_en}") from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise _Bad(f"วันที่ต้องอยู่ระหว่างปี ค.ศ. {MIN_YEAR} ถึง {MAX_YEAR}",
                   f"the date must be between the years {MIN_YEAR} and {MAX_YEAR} (C.E.)")
    return day


def _stage(value) -> str:
    text = " ".join(_as_text(value).split())
    if text in _STAGE_BY_LABEL:
        return _STAGE_BY_LABEL[text]
    if text.lower() in PROCUREMENT_STAGES:
        return text.lower()
    raise _Bad(f"{_shown(value)} ไม่ใช่ขั้นตอนจัดซื้อจัดจ้างที่กำหนด เลือกจาก: "
               + ", ".join(PROCUREMENT_STAGE_TH.values()),
               f"{_shown(value)} is not a procurement stage; use one of: "
               + ", ".join(PROCUREMENT_STAGES) + " (or its Thai label)")


def _progress(value) -> float:
    number = _number(value)
    if not 0 <= number <= 100:
        raise _Bad(f"ความก้าวหน้าต้องอยู่ระหว่าง 0 ถึง 100 (กรอก {_as_text(number)})",
                   f"progress must be between 0 and 100 (got {_as_text(number)})")
    return number


def _amount(value) -> float:
    number = _number(value)
    if number < 0:
        raise _Bad("เบิกจ่ายต้องไม่ติดลบ", "the disbursement must not be negative")
    return number


PARSERS = {
    "value": _number,
    "note": lambda value: _text(value, MAX_NOTE),
    "as_of": _date,
    "physical_progress_pct": _progress,
    "disbursed_thb": _amount,
    "procurement_stage": _stage,
    "problems": lambda value: _text(value, MAX_TEXT),
    "solutions": lambda value: _text(value, MAX_TEXT),
}


def _parse_inputs(kind: str, cells: dict, place, budget=None) -> tuple[dict, list[CellError]]:
    """``cells``: input name -> raw value. The parsed fields and a CellError per problem;
    ``place(name)`` gives (sheet, cell) of an input."""
    inputs = INDICATOR_INPUTS if kind == "indicator" else PROJECT_INPUTS
    required = INDICATOR_REQUIRED if kind == "indicator" else PROJECT_REQUIRED
    fields_, errors = {}, []
    for name in inputs:
        raw = cells.get(name)
        if is_blank(raw):
            if name in required:
                sheet, cell = place(name)
                errors.append(CellError(sheet, cell, f"ต้องกรอก {LABELS[name]} ({name}) "
                                                     "เพราะแถวนี้กรอกข้อมูลอื่นแล้ว",
                                        f"{name} is required: the row has other values filled in"))
            else:
                fields_[name] = None
            continue
        try:
            fields_[name] = PARSERS[name](raw)
        except _Bad as bad:
            sheet, cell = place(name)
            errors.append(CellError(sheet, cell, bad.th, bad.en))
            continue
        if name == "disbursed_thb" and budget is not None and fields_[name] > budget:
            sheet, cell = place(name)
            spent, whole = f"{fields_[name]:,.2f}", f"{budget:,.2f}"
            errors.append(CellError(sheet, cell,
                                    f"เบิกจ่าย {spent} บาท เกินงบประมาณของโครงการ {whole} บาท",
                                    f"the disbursement {spent} THB is more than the project's "
                                    f"budget {whole} THB"))
            del fields_[name]
    return fields_, errors


def _check_duplicates(rows: list[Row], code_cells: dict[int, str]) -> None:
    """The same code (and period) twice: an error on the second row, naming the first.
    ``code_cells``: id(row) -> the cell holding the row's code."""
    seen: dict[tuple, Row] = {}
    for row in rows:
        if not row.subject:
            continue
        key = (row.kind, row.subject, row.period)
        first = seen.setdefault(key, row)
        if first is row:
            continue
        what_th = row.subject + (f" งวด {row.period}" if row.period else "")
        what_en = row.subject + (f" for {row.period}" if row.period else "")
        row.errors.append(CellError(row.sheet, code_cells[id(row)],
                                    f"{what_th} ซ้ำกับแถวที่ {first.row}",
                                    f"{what_en} is already on row {first.row}"))


# --- reading an upload -------------------------------------------------------------------------

def read_workbook(filename: str, content: bytes, plan_id: str | None = None,
                  province: str | None = None) -> Upload:
    """The rows filled in in an uploaded reporting workbook (.xlsx) or CSV file. Every problem of
    every cell is on its row (``Row.errors``); WorkbookUnreadable when the file as a whole cannot
    be used. An .xlsx names its own plan, province and period (its about sheet: the caller
    compares them with what it expects); for a CSV file ``plan_id`` and ``province`` are what the
    upload is for, and each row names its period."""
    if not isinstance(content, (bytes, bytearray, memoryview)):
        raise TypeError(f"expected the file's bytes, got {type(content).__name__}")
    content = bytes(content)
    name = (filename or "").strip().lower()
    if not content:
        raise WorkbookUnreadable("ไฟล์ว่างเปล่า", "the file is empty")
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise WorkbookUnreadable(
            "ไฟล์นี้เป็น Excel รุ่นเก่า (.xls) หรือมีรหัสผ่าน: บันทึกเป็น Excel Workbook (.xlsx) "
            "โดยไม่ตั้งรหัสผ่าน แล้วอัปโหลดใหม่",
            "this is an old Excel file (.xls) or a password-protected workbook: save it as "
            "'Excel Workbook (.xlsx)' without a password and upload it again")
    if content.startswith(b"PK\x03\x04") or content.startswith(b"PK\x05\x06") \
            or name.endswith(".xlsx"):
        return _read_xlsx(content)
    if name.endswith(".csv"):
        return _read_csv(content, plan_id, province)
    raise WorkbookUnreadable(
        "ไฟล์นี้ไม่ใช่แบบฟอร์มรายงาน: ต้องเป็นไฟล์ Excel (.xlsx) ที่ดาวน์โหลดจากระบบ "
        "หรือไฟล์ CSV (UTF-8)",
        "this file is neither an Excel workbook (.xlsx) nor a CSV file: upload the reporting "
        "workbook downloaded from the system, or a UTF-8 CSV file")


def _not_ours(detail_th: str = "", detail_en: str = "") -> WorkbookUnreadable:
    return WorkbookUnreadable(
        "ไฟล์นี้ไม่ใช่แบบฟอร์มรายงานที่สร้างจากระบบนี้" + (f" ({detail_th})" if detail_th else "")
        + ": ดาวน์โหลดแบบฟอร์มรายงานของงวดนี้จากระบบ กรอก แล้วอัปโหลดไฟล์นั้น",
        "this is not a reporting workbook made by this system" + (f" ({detail_en})"
                                                                   if detail_en else "")
        + ": download the period's reporting workbook, fill it in and upload that file")


def _read_xlsx(content: bytes) -> Upload:
    from openpyxl import load_workbook

    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise WorkbookUnreadable(
            "ไฟล์นี้ไม่ใช่ไฟล์ Excel (.xlsx) ที่อ่านได้ ต้องเป็นแบบฟอร์มรายงานที่ดาวน์โหลดจากระบบ",
            "this is not a readable Excel workbook (.xlsx): upload the reporting workbook "
            "downloaded from the system") from None
    try:
        check_unpacked_size(archive, MAX_UNPACKED)  # counted by unpacking: sizes can lie
    except UnpackTooLarge as exc:
        raise WorkbookUnreadable(f"ไฟล์นี้เมื่อขยายแล้วใหญ่เกิน {exc.limit // 2**20} MB "
                                 "ซึ่งแบบฟอร์มรายงานไม่มีทางใหญ่ขนาดนี้", str(exc)) from None
    except UNPACK_ERRORS as exc:
        raise WorkbookUnreadable(f"ขยายไฟล์ไม่ได้ ไฟล์เสียหาย ({type(exc).__name__})",
                                 f"the file cannot be unpacked ({type(exc).__name__}: {exc})"
                                 ) from None
    if "[Content_Types].xml" not in archive.namelist():
        raise WorkbookUnreadable("ไฟล์นี้เป็น ZIP แต่ไม่ใช่ไฟล์ Excel (.xlsx)",
                                 "this is a ZIP file but not an Excel workbook (.xlsx)")
    sheets: dict[str, tuple[str, list[tuple[int, list]]]] = {}
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True,
                                 keep_links=False)
        try:
            for ws in workbook.worksheets:
                key = english_name(ws.title).lower()
                if key not in SHEET_TITLES or not hasattr(ws, "iter_rows"):
                    continue  # the hidden lists sheet, or a sheet of the person's own
                if key in sheets:
                    raise WorkbookUnreadable(
                        f"มีแผ่นงาน ({key}) สองแผ่น: '{sheets[key][0]}' และ '{ws.title}'",
                        f"two sheets are the {key} sheet: '{sheets[key][0]}' and '{ws.title}'")
                sheets[key] = (ws.title, filled_rows(ws))
        finally:
            workbook.close()
    except WorkbookUnreadable:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise WorkbookUnreadable(f"อ่านไฟล์ Excel นี้ไม่ได้ ({type(exc).__name__})",
                                 f"the Excel workbook cannot be read ({type(exc).__name__}: "
                                 f"{exc})") from None

    if ABOUT_KEY not in sheets:
        raise _not_ours(f"ไม่มีแผ่นงาน {SHEET_TITLES[ABOUT_KEY]}",
                        f"it has no {SHEET_TITLES[ABOUT_KEY]} sheet")
    about = _about(sheets[ABOUT_KEY][1])
    if about.get("schema") != SCHEMA:
        raise _not_ours(f"รุ่น {about.get('schema')!r} ไม่ใช่ {SCHEMA}" if about.get("schema")
                        else "", f"its schema is {about.get('schema')!r}, not {SCHEMA}"
                        if about.get("schema") else "")
    missing = [SHEET_TITLES[key] for key in (INDICATORS_KEY, PROJECTS_KEY) if key not in sheets]
    if missing:
        raise WorkbookUnreadable("แบบฟอร์มไม่มีแผ่นงาน " + ", ".join(missing)
                                 + ": ดาวน์โหลดแบบฟอร์มใหม่จากระบบ",
                                 "the workbook has no " + ", ".join(missing) + " sheet"
                                 + ("s" if len(missing) > 1 else "")
                                 + ": download a new one from the system")
    blank = [key for key in ("plan_id", "province", "period") if not about.get(key)]
    if blank:
        raise _not_ours("แผ่นงาน about ไม่มี " + ", ".join(blank),
                        "its about sheet has no " + ", ".join(blank))
    try:
        parse_period(about["period"])
    except PeriodError as exc:
        raise _not_ours(f"งวด {about['period']!r} ใช้ไม่ได้", str(exc)) from None

    period = about["period"]
    code_cells: dict[int, str] = {}
    rows = (_sheet_rows(*sheets[INDICATORS_KEY], "indicator", INDICATOR_COLUMNS, period,
                        code_cells)
            + _sheet_rows(*sheets[PROJECTS_KEY], "project", PROJECT_COLUMNS, None, code_cells))
    _check_duplicates(rows, code_cells)
    return Upload(plan_id=about["plan_id"], province=about["province"], period=period, rows=rows)


def _about(rows: list[tuple[int, list]]) -> dict:
    values = {}
    for _, cells in rows:
        if not cells or is_blank(cells[0]):
            continue
        key = english_name(_as_text(cells[0])).lower()
        value = cells[1] if len(cells) > 1 else None
        values.setdefault(key, None if is_blank(value) else _as_text(value).strip())
    return values


def _sheet_rows(title: str, rows: list[tuple[int, list]], kind: str, columns, period,
                code_cells: dict[int, str]) -> list[Row]:
    from openpyxl.utils import get_column_letter

    code_name = columns[0][0]
    wanted = {name for name, _, is_input in columns if is_input} | {code_name}
    if kind == "project":
        wanted.add("budget_thb")
    header_at, index = None, {}
    for number, cells in rows[:HEADER_SEARCH_ROWS]:
        names = [english_name(_as_text(cell)).lower() if not is_blank(cell) else None
                 for cell in cells]
        if code_name in names:
            header_at = number
            for at, name in enumerate(names):
                if name in wanted:
                    if name in index:
                        raise WorkbookUnreadable(
                            f"แผ่นงาน '{title}' มีคอลัมน์ ({name}) สองคอลัมน์",
                            f"the sheet '{title}' has the column ({name}) twice")
                    index[name] = at
            break
    missing = [name for name, _, _ in columns if name in wanted and name not in index]
    if header_at is None or missing:
        shown = ", ".join(_header(name) for name in (missing or [code_name]))
        raise WorkbookUnreadable(
            f"แผ่นงาน '{title}' ไม่มีหัวคอลัมน์ {shown}: ดาวน์โหลดแบบฟอร์มใหม่จากระบบ",
            f"the sheet '{title}' has no column header {shown}: download a new workbook "
            "from the system")
    inputs = INDICATOR_INPUTS if kind == "indicator" else PROJECT_INPUTS

    def at(cells, name):
        column = index[name]
        return cells[column] if column < len(cells) else None

    found = []
    for number, cells in rows:
        if number <= header_at:
            continue
        raw = {name: at(cells, name) for name in inputs}
        if all(is_blank(value) for value in raw.values()):
            continue

        def place(name, number=number):
            return title, f"{get_column_letter(index[name] + 1)}{number}"

        errors = []
        code_cell = place(code_name)[1]
        try:
            code = "" if is_blank(at(cells, code_name)) else _code(at(cells, code_name))
        except _Bad as bad:
            errors.append(CellError(title, code_cell, bad.th, bad.en))
            code = ""
        else:
            if not code:
                errors.append(CellError(title, code_cell, "แถวนี้ไม่มีรหัส",
                                        f"the row has no {code_name} code"))
        budget = None
        if kind == "project":
            try:
                budget = None if is_blank(at(cells, "budget_thb")) else \
                    _number(at(cells, "budget_thb"))
            except _Bad:
                budget = None  # not ours to fix: the disbursement is then checked by the service
        fields_, problems = _parse_inputs(kind, raw, place, budget)
        row = Row(title, number, kind, code, period, fields_, errors + problems)
        code_cells[id(row)] = code_cell
        found.append(row)
    return found


def _read_csv(content: bytes, plan_id: str | None, province: str | None) -> Upload:
    if len(content) > MAX_UNPACKED:
        raise WorkbookUnreadable(f"ไฟล์ CSV ใหญ่เกิน {MAX_UNPACKED // 2**20} MB",
                                 f"the CSV file is larger than {MAX_UNPACKED // 2**20} MB")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise WorkbookUnreadable(
            "ไฟล์ CSV นี้ไม่ใช่ UTF-8: ใน Excel ให้บันทึกเป็น 'CSV UTF-8 (Comma delimited)'",
            "the CSV file is not UTF-8 text: in Excel save it as 'CSV UTF-8 (Comma delimited)'"
        ) from None
    records = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        start = 1
        for cells in reader:
            records.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise WorkbookUnreadable(f"อ่านไฟล์ CSV ไม่ได้ ({exc})",
                                 f"the CSV file cannot be read ({exc})") from None
    records = [(line, cells) for line, cells in records if any(c.strip() for c in cells)]
    expected = ",".join(CSV_COLUMNS)
    if not records:
        raise WorkbookUnreadable(f"ไฟล์ CSV ไม่มีข้อมูล แถวแรกต้องเป็นหัวคอลัมน์ {expected}",
                                 f"the CSV file is empty; its first row must be the header "
                                 f"{expected}")
    header = [cell.strip() for cell in records[0][1]]
    unknown = [name for name in header if name not in CSV_COLUMNS]
    twice = sorted({name for name in header if name and header.count(name) > 1})
    missing = [name for name in CSV_REQUIRED_COLUMNS if name not in header]
    if unknown or twice or missing:
        parts_th, parts_en = [], []
        if unknown:
            names = ", ".join(repr(name) for name in unknown)
            parts_th.append(f"คอลัมน์ที่ไม่รู้จัก {names}")
            parts_en.append(f"unknown column{'s' if len(unknown) > 1 else ''} {names}")
        if twice:
            parts_th.append("คอลัมน์ซ้ำ " + ", ".join(twice))
            parts_en.append("the same column twice: " + ", ".join(twice))
        if missing:
            parts_th.append("ไม่มีคอลัมน์ " + ", ".join(missing))
            parts_en.append("missing column " + ", ".join(missing))
        hint_th = hint_en = ""
        if len(header) == 1 and ";" in header[0]:
            hint_th, hint_en = " (คั่นด้วยจุลภาค , ไม่ใช่ ;)", " (separate with commas, not ;)"
        raise WorkbookUnreadable(
            "หัวคอลัมน์ของไฟล์ CSV ไม่ถูกต้อง: " + "; ".join(parts_th)
            + f" ใช้ชื่อคอลัมน์เหล่านี้ตามตัวอักษร {expected}{hint_th}",
            "the CSV header is wrong: " + "; ".join(parts_en)
            + f"; the columns are exactly {expected} (any order){hint_en}")
    index = {name: at for at, name in enumerate(header) if name}

    def cell(cells, name):
        at = index.get(name)
        return cells[at] if at is not None and at < len(cells) else None

    every_input = tuple(name for name in CSV_COLUMNS if name not in ("kind", "code", "period"))
    rows, code_cells = [], {}
    for line, cells in records[1:]:
        def place(name, line=line):
            return CSV_SHEET, f"row {line}, column {name}"

        errors = []
        kind = (cell(cells, "kind") or "").strip().lower()
        inputs = CSV_INPUTS.get(kind, every_input)
        if all(is_blank(cell(cells, name)) for name in every_input):
            continue  # nothing filled in
        code = _csv_code(cells, cell, errors, place)
        if kind not in CSV_INPUTS:
            shown = _shown(cell(cells, "kind") or "")
            errors.append(CellError(CSV_SHEET, place("kind")[1],
                                    f"{shown} ไม่ใช่ชนิดรายงาน: ใช้ indicator หรือ project",
                                    f"{shown} is not a kind of report: use indicator or "
                                    "project"))
            row = Row(CSV_SHEET, line, kind, code, None, {}, errors)
            code_cells[id(row)] = place("code")[1]
            rows.append(row)
            continue
        for name in every_input:
            if name not in inputs and not is_blank(cell(cells, name)):
                errors.append(CellError(CSV_SHEET, place(name)[1],
                                        f"คอลัมน์ {name} ไม่ใช้กับแถวชนิด {kind} ให้เว้นว่าง",
                                        f"{name} is not for {kind} rows: leave it empty"))
        period = None
        if kind == "indicator":
            period_text = (cell(cells, "period") or "").strip()
            if not period_text:
                errors.append(CellError(CSV_SHEET, place("period")[1],
                                        "แถวตัวชี้วัดต้องระบุงวด (period) เช่น FY2568-Q1",
                                        "an indicator row needs its period, e.g. FY2568-Q1"))
            else:
                try:
                    period = parse_period(period_text).code
                except PeriodError as exc:
                    errors.append(CellError(CSV_SHEET, place("period")[1],
                                            f"งวด {_shown(period_text)} ใช้ไม่ได้: ใช้ FY2568 "
                                            "(ปีงบประมาณ พ.ศ.), FY2568-Q1 (ไตรมาส) หรือ "
                                            "2025-01 (เดือน ปี ค.ศ.)", str(exc)))
        raw = {name: cell(cells, name) for name in inputs}
        fields_, problems = _parse_inputs(kind, raw, place)
        row = Row(CSV_SHEET, line, kind, code, period, fields_, errors + problems)
        code_cells[id(row)] = place("code")[1]
        rows.append(row)
    _check_duplicates(rows, code_cells)
    return Upload(plan_id=plan_id, province=province, period=None, rows=rows)


def _csv_code(cells, cell, errors, place) -> str:
    raw = cell(cells, "code")
    if is_blank(raw):
        errors.append(CellError(CSV_SHEET, place("code")[1], "แถวนี้ไม่มีรหัส (code)",
                                "the row has no code"))
        return ""
    try:
        return _code(raw)
    except _Bad as bad:
        errors.append(CellError(CSV_SHEET, place("code")[1], bad.th, bad.en))
        return ""


# --- report bodies -----------------------------------------------------------------------------

def _canonical(value):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"{value!r} is not a finite number")
        return number + 0.0  # 1 and 1.0 alike; -0.0 -> 0.0
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(item) for item in value]
    raise TypeError(f"cannot put a {type(value).__name__} in an event id")


def stable_event_id(kind: str, province: str, subject: str, period: str | None,
                    fields: dict) -> str:
    """A UUID (version 5) of the report's content: the same content always gives the same id
    (an upload read again sends nothing new), any changed value a new one."""
    text = json.dumps(_canonical([kind, province, subject, period, fields]), sort_keys=True,
                      ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return str(uuid.uuid5(NAMESPACE, text))


def report_bodies(upload: Upload, province: str, reported_at: datetime
                  ) -> list[tuple[Row, dict]]:
    """One report body per row without errors, as IndicatorReportSchema / ProjectReportSchema
    load it once JSON-serialised."""
    if not isinstance(reported_at, datetime) or reported_at.utcoffset() is None:
        raise ValueError("reported_at must be a timezone-aware datetime")
    if not isinstance(province, str) or not PROVINCE_CODE.match(province):
        raise ValueError(f"province {province!r} is not a province code such as TH-34")
    if upload.province is not None and upload.province != province:
        raise ValueError(f"the upload is for province {upload.province}, not {province}")
    at = reported_at.isoformat()
    bodies = []
    for row in upload.rows:
        if row.errors:
            continue
        values = row.fields
        if row.kind == "indicator":
            body = {"event_id": stable_event_id("indicator", province, row.subject, row.period,
                                                values),
                    "province": province, "indicator": row.subject, "period": row.period,
                    "value": values["value"], "note": values.get("note"), "reported_at": at}
        elif row.kind == "project":
            body = {"event_id": stable_event_id("project", province, row.subject, None, values),
                    "province": province, "project": row.subject,
                    "as_of": values["as_of"].isoformat(),
                    "physical_progress_pct": values["physical_progress_pct"],
                    "disbursed_thb": values["disbursed_thb"],
                    "procurement_stage": values["procurement_stage"],
                    "problems": values.get("problems"), "solutions": values.get("solutions"),
                    "reported_at": at}
        else:
            continue
        bodies.append((row, body))
    return bodies

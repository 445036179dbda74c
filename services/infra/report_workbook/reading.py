"""Reading an uploaded province reporting workbook (.xlsx) or CSV file (docs/report-workbook.md)
as :class:`Row` s, every problem of every cell collected at once (Thai and English, with its
cell), and turning the good rows into report bodies with stable event ids. Cells and files are
read by the spreadsheet kernel (services/infra/spreadsheet)."""
from __future__ import annotations

import json
import math
import re
import uuid
from datetime import date, datetime

from services.contracts.periods import PeriodError, parse_period
from services.contracts.plans import iter_indicators
from services.contracts.reports import (EVIDENCE_ID, MAX_EVIDENCE, MAX_REFERENCE,
                                        PROCUREMENT_STAGE_TH, PROCUREMENT_STAGES, PROVINCE_CODE)
from services.contracts.rules import indicator_problem, project_problem
from services.infra.spreadsheet import (REPORT_LIMITS, Bad, CellProblem, as_text, csv_grid,
                                        english_name, is_blank, number, off_hub, open_zip,
                                        parse_date, percent, shown, text, xlsx_grids)

from .layout import (ABOUT_KEY, CSV_COLUMNS, CSV_INPUTS, CSV_REQUIRED_COLUMNS, CSV_SHEET,
                     HEADER_SEARCH_ROWS, INDICATOR_COLUMNS, INDICATOR_INPUTS, INDICATOR_REQUIRED,
                     INDICATORS_KEY, LABELS, MAX_CODE, MAX_NOTE, MAX_TEXT, MAX_YEAR, MIN_YEAR,
                     NAMESPACE, OPTIONAL_INPUTS, PROJECT_COLUMNS, PROJECT_INPUTS, PROJECT_REQUIRED, PROJECTS_KEY, SCHEMA,
                     SHEET_TITLES, Row, Upload, WorkbookUnreadable, header)

_STAGE_BY_LABEL = {" ".join(label.split()): code for code, label in PROCUREMENT_STAGE_TH.items()}


# --- reading cells -----------------------------------------------------------------------------

def _code(value) -> str:
    code = as_text(value).strip()
    if len(code) > MAX_CODE:
        raise Bad(f"รหัสยาวเกิน {MAX_CODE} ตัวอักษร", f"a code is at most {MAX_CODE} characters")
    return code


def _stage(value) -> str:
    words = " ".join(as_text(value).split())
    if words in _STAGE_BY_LABEL:
        return _STAGE_BY_LABEL[words]
    if words.lower() in PROCUREMENT_STAGES:
        return words.lower()
    raise Bad(f"{shown(value)} ไม่ใช่ขั้นตอนจัดซื้อจัดจ้างที่กำหนด เลือกจาก: "
              + ", ".join(PROCUREMENT_STAGE_TH.values()),
              f"{shown(value)} is not a procurement stage; use one of: "
              + ", ".join(PROCUREMENT_STAGES) + " (or its Thai label)")


def _amount(value) -> float:
    amount = number(value)
    if amount < 0:
        raise Bad("เบิกจ่ายต้องไม่ติดลบ", "the disbursement must not be negative")
    return amount


def _evidence(value) -> list[dict]:
    """An evidence cell: items one per line or separated by ";" - an uploaded file's id
    (ev-...) is {"file": id}, anything else {"reference": text}."""
    items = [item.strip() for item in re.split(r"[;\n]", as_text(value)) if item.strip()]
    if len(items) > MAX_EVIDENCE:
        raise Bad(f"หลักฐานได้ไม่เกิน {MAX_EVIDENCE} รายการ (พบ {len(items)})",
                  f"at most {MAX_EVIDENCE} evidence items (found {len(items)})")
    for item in items:
        if len(item) > MAX_REFERENCE:
            raise Bad(f"หลักฐานแต่ละรายการยาวได้ไม่เกิน {MAX_REFERENCE} ตัวอักษร",
                      f"an evidence reference is at most {MAX_REFERENCE} characters")
    return [{"file": item} if EVIDENCE_ID.match(item) else {"reference": item} for item in items]


# The internal column's words (issue 26): a drop-down offers ใช่ / ไม่ใช่; Excel's TRUE/FALSE,
# 1/0 and the English words are read too. Blank is "not internal", as before the column existed.
INTERNAL_YES, INTERNAL_NO = "ใช่", "ไม่ใช่"
_INTERNAL_WORDS = {**dict.fromkeys((INTERNAL_YES, "ภายใน", "true", "yes", "y", "1", "x",
                                    "internal"), True),
                   **dict.fromkeys((INTERNAL_NO, "ไม่", "เผยแพร่ได้", "false", "no", "n", "0",
                                    "public"), False)}


def _internal(value) -> bool:
    """An internal cell: True - the province marks the row's report not to be published outside
    the government (open data, the public page)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    word = " ".join(as_text(value).split()).lower()
    if word in _INTERNAL_WORDS:
        return _INTERNAL_WORDS[word]
    raise Bad(f"{shown(value)} ใช้ไม่ได้ในช่อง ข้อมูลภายใน (internal): เลือก {INTERNAL_YES} "
              f"(ไม่เผยแพร่สู่สาธารณะ) หรือ {INTERNAL_NO} หรือเว้นว่าง",
              f"{shown(value)} is not an internal mark: use {INTERNAL_YES} / yes / TRUE (not to "
              f"be published outside the government) or {INTERNAL_NO} / no / FALSE, or leave "
              "it empty")


def _nothing_filled(cells: dict) -> bool:
    """A row to skip: nothing typed in it, or only "not internal" (a row marked internal, or
    marked with a word we cannot read, and nothing else is read: what is wrong is reported)."""
    if any(not is_blank(value) for name, value in cells.items() if name != "internal"):
        return False
    mark = cells.get("internal")
    try:
        return is_blank(mark) or _internal(mark) is False
    except Bad:
        return False


PARSERS = {
    "evidence": _evidence,
    "internal": _internal,
    "value": number,
    "note": lambda value: text(value, MAX_NOTE),
    "as_of": lambda value: parse_date(value, MIN_YEAR, MAX_YEAR),
    "physical_progress_pct": percent,
    "disbursed_thb": _amount,
    "procurement_stage": _stage,
    "problems": lambda value: text(value, MAX_TEXT),
    "solutions": lambda value: text(value, MAX_TEXT),
}


def _parse_inputs(kind: str, cells: dict, place) -> tuple[dict, list[CellProblem]]:
    """``cells``: input name -> raw value. The parsed fields and a CellProblem per problem;
    ``place(name)`` gives (sheet, row, column, cell) of an input."""
    inputs = INDICATOR_INPUTS if kind == "indicator" else PROJECT_INPUTS
    required = INDICATOR_REQUIRED if kind == "indicator" else PROJECT_REQUIRED
    fields_, errors = {}, []
    for name in inputs:
        raw = cells.get(name)
        if is_blank(raw):
            if name in required:
                errors.append(Bad(f"ต้องกรอก {LABELS[name]} ({name}) เพราะแถวนี้กรอกข้อมูลอื่นแล้ว",
                                  f"{name} is required: the row has other values filled in"
                                  ).at(*place(name)))
            elif name not in OPTIONAL_INPUTS:  # no evidence: the row's fields as before it
                fields_[name] = None
            continue
        try:
            value = PARSERS[name](raw)
        except Bad as bad:
            errors.append(bad.at(*place(name)))
            continue
        if name == "internal" and not value:
            continue  # not marked: the row's report (and event id) as before the column existed
        fields_[name] = value
    return fields_, errors


class PlanRules:
    """The plan's hard rules (contracts/rules.py) by indicator and project code: the same the
    intake applies and the workbook's data validation shows, checked on each row as it is read
    so a value that breaks one is an error on its own cell, in Thai and English."""

    def __init__(self, plan: dict | None):
        self.indicators = {i["code"]: i for _, i in iter_indicators(plan)} if plan else {}
        self.projects = {p["code"]: p for p in (plan or {}).get("projects") or []}

    def problems(self, kind: str, code: str, fields_: dict, place) -> list[CellProblem]:
        if kind == "indicator" and code in self.indicators:
            problem = indicator_problem(self.indicators[code], fields_.get("value"))
            return [Bad(problem[1], problem[0]).at(*place("value"))] if problem else []
        project = self.projects.get(code) if kind == "project" else None
        if project is None:
            return []
        found = []
        as_of, disbursed = fields_.get("as_of"), fields_.get("disbursed_thb")
        on_date = None
        if as_of is not None:  # the date's own rules: checked with nothing disbursed
            on_date = project_problem(project, {"disbursed_thb": 0.0, "as_of": as_of})
            if on_date:
                found.append(Bad(on_date[1], on_date[0]).at(*place("as_of")))
        if disbursed is not None:  # rules.py checks the disbursement first: a problem other
            some_day = as_of or _a_day_of(project)  # than the date's is the disbursement's
            problem = project_problem(project, {"disbursed_thb": disbursed, "as_of": some_day})
            if problem and problem != on_date:
                found.append(Bad(problem[1], problem[0]).at(*place("disbursed_thb")))
        return found


def _a_day_of(project: dict) -> date:
    """A date the project's date rules accept, to check a disbursement whose date is unread."""
    for key in ("start_date", "end_date"):
        if project.get(key):
            return date.fromisoformat(project[key])
    return date(MIN_YEAR, 1, 1)


def _check_duplicates(rows: list[Row], code_cells: dict[int, tuple]) -> None:
    """The same code (and period) twice: an error on the second row, naming the first.
    ``code_cells``: id(row) -> the place (sheet, row, column, cell) of the row's code."""
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
        row.errors.append(Bad(f"{what_th} ซ้ำกับแถวที่ {first.row}",
                              f"{what_en} is already on row {first.row}").at(*code_cells[id(row)]))


# --- reading an upload -------------------------------------------------------------------------

def read_workbook(filename: str, content: bytes, plan_id: str | None = None,
                  province: str | None = None, plan: dict | None = None) -> Upload:
    """The rows filled in in an uploaded reporting workbook (.xlsx) or CSV file, read off the
    eventlet hub. Every problem of every cell is on its row (``Row.errors``); WorkbookUnreadable
    when the file as a whole cannot be used. An .xlsx names its own plan, province and period
    (its about sheet: the caller compares them with what it expects); for a CSV file
    ``plan_id`` and ``province`` are what the upload is for, and each row names its period.
    With ``plan`` (the plan the upload is for), a value breaking one of its hard rules
    (contracts/rules.py: an indicator's range, a project's disbursement limit and dates) is an
    error on its cell too."""
    return off_hub(_read_workbook, filename, content, plan_id, province, PlanRules(plan))


def _read_workbook(filename, content, plan_id, province, rules) -> Upload:
    if not isinstance(content, (bytes, bytearray, memoryview)):
        raise TypeError(f"expected the file's bytes, got {type(content).__name__}")
    content = bytes(content)
    name = (filename or "").strip().lower()
    archive = open_zip(content, REPORT_LIMITS)  # empty, .xls, a zip bomb: refused here
    if archive is not None or name.endswith(".xlsx"):
        if archive is None:
            raise WorkbookUnreadable(
                "ไฟล์นี้ไม่ใช่ไฟล์ Excel (.xlsx) ที่อ่านได้ ต้องเป็นแบบฟอร์มรายงานที่ดาวน์โหลดจากระบบ",
                "this is not a readable Excel workbook (.xlsx): upload the reporting workbook "
                "downloaded from the system")
        if "[Content_Types].xml" not in archive.namelist():
            raise WorkbookUnreadable("ไฟล์นี้เป็น ZIP แต่ไม่ใช่ไฟล์ Excel (.xlsx)",
                                     "this is a ZIP file but not an Excel workbook (.xlsx)")
        return _read_xlsx(content, rules)
    if name.endswith(".csv"):
        return _read_csv(content, plan_id, province, rules)
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


def _sheet_key(title: str) -> str:
    return english_name(title).lower()


def _read_xlsx(content: bytes, rules: PlanRules) -> Upload:
    sheets: dict[str, tuple[str, list[tuple[int, list]]]] = {}
    # the hidden lists sheet, or a sheet of the person's own, is left out unread
    for grid in xlsx_grids(content, REPORT_LIMITS, lambda title: _sheet_key(title) in SHEET_TITLES):
        key = _sheet_key(grid.title)
        if key in sheets:
            raise WorkbookUnreadable(
                f"มีแผ่นงาน ({key}) สองแผ่น: '{sheets[key][0]}' และ '{grid.title}'",
                f"two sheets are the {key} sheet: '{sheets[key][0]}' and '{grid.title}'")
        sheets[key] = (grid.title, grid.rows)

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
    code_cells: dict[int, tuple] = {}
    rows = (_sheet_rows(*sheets[INDICATORS_KEY], "indicator", INDICATOR_COLUMNS, period,
                        code_cells, rules)
            + _sheet_rows(*sheets[PROJECTS_KEY], "project", PROJECT_COLUMNS, None, code_cells,
                          rules))
    _check_duplicates(rows, code_cells)
    return Upload(plan_id=about["plan_id"], province=about["province"], period=period, rows=rows)


def _about(rows: list[tuple[int, list]]) -> dict:
    values = {}
    for _, cells in rows:
        if not cells or is_blank(cells[0]):
            continue
        key = english_name(as_text(cells[0])).lower()
        value = cells[1] if len(cells) > 1 else None
        values.setdefault(key, None if is_blank(value) else as_text(value).strip())
    return values


def _sheet_rows(title: str, rows: list[tuple[int, list]], kind: str, columns, period,
                code_cells: dict[int, str], rules: PlanRules) -> list[Row]:
    from openpyxl.utils import get_column_letter

    code_name = columns[0][0]
    wanted = {name for name, _, is_input in columns if is_input} | {code_name} \
        | set(OPTIONAL_INPUTS)
    header_at, index = None, {}
    for line_no, cells in rows[:HEADER_SEARCH_ROWS]:
        names = [english_name(as_text(cell)).lower() if not is_blank(cell) else None
                 for cell in cells]
        if code_name in names:
            header_at = line_no
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
        headers = ", ".join(header(name) for name in (missing or [code_name]))
        raise WorkbookUnreadable(
            f"แผ่นงาน '{title}' ไม่มีหัวคอลัมน์ {headers}: ดาวน์โหลดแบบฟอร์มใหม่จากระบบ",
            f"the sheet '{title}' has no column header {headers}: download a new workbook "
            "from the system")
    inputs = INDICATOR_INPUTS if kind == "indicator" else PROJECT_INPUTS

    def at(cells, name):
        column = index.get(name)  # an optional column (evidence) may be absent
        return cells[column] if column is not None and column < len(cells) else None

    found = []
    for line_no, cells in rows:
        if line_no <= header_at:
            continue
        raw = {name: at(cells, name) for name in inputs}
        if _nothing_filled(raw):
            continue

        def place(name, line_no=line_no):
            return title, line_no, name, f"{get_column_letter(index[name] + 1)}{line_no}"

        errors = []
        code_cell = place(code_name)
        try:
            code = "" if is_blank(at(cells, code_name)) else _code(at(cells, code_name))
        except Bad as bad:
            errors.append(bad.at(*code_cell))
            code = ""
        else:
            if not code:
                errors.append(Bad("แถวนี้ไม่มีรหัส", f"the row has no {code_name} code"
                                  ).at(*code_cell))
        fields_, problems = _parse_inputs(kind, raw, place)
        problems += rules.problems(kind, code, fields_, place)
        row = Row(title, line_no, kind, code, period, fields_, errors + problems)
        code_cells[id(row)] = code_cell
        found.append(row)
    return found


def _read_csv(content: bytes, plan_id: str | None, province: str | None,
              rules: PlanRules) -> Upload:
    records = csv_grid(content, CSV_SHEET, REPORT_LIMITS).rows
    expected = ",".join(CSV_COLUMNS)
    if not records:
        raise WorkbookUnreadable(f"ไฟล์ CSV ไม่มีข้อมูล แถวแรกต้องเป็นหัวคอลัมน์ {expected}",
                                 f"the CSV file is empty; its first row must be the header "
                                 f"{expected}")
    header_row = [as_text(cell).strip() for cell in records[0][1]]
    unknown = [name for name in header_row if name not in CSV_COLUMNS]
    twice = sorted({name for name in header_row if name and header_row.count(name) > 1})
    missing = [name for name in CSV_REQUIRED_COLUMNS if name not in header_row]
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
        if len(header_row) == 1 and ";" in header_row[0]:
            hint_th, hint_en = " (คั่นด้วยจุลภาค , ไม่ใช่ ;)", " (separate with commas, not ;)"
        raise WorkbookUnreadable(
            "หัวคอลัมน์ของไฟล์ CSV ไม่ถูกต้อง: " + "; ".join(parts_th)
            + f" ใช้ชื่อคอลัมน์เหล่านี้ตามตัวอักษร {expected}{hint_th}",
            "the CSV header_row is wrong: " + "; ".join(parts_en)
            + f"; the columns are exactly {expected} (any order){hint_en}")
    index = {name: at for at, name in enumerate(header_row) if name}

    def cell(cells, name):
        at = index.get(name)
        return cells[at] if at is not None and at < len(cells) else None

    every_input = tuple(name for name in CSV_COLUMNS if name not in ("kind", "code", "period"))
    rows, code_cells = [], {}
    for line, cells in records[1:]:
        def place(name, line=line):
            return CSV_SHEET, line, name, f"row {line}, column {name}"

        errors = []
        kind = (cell(cells, "kind") or "").strip().lower()
        inputs = CSV_INPUTS.get(kind, every_input)
        if _nothing_filled({name: cell(cells, name) for name in every_input}):
            continue  # nothing filled in
        code = _csv_code(cells, cell, errors, place)
        if kind not in CSV_INPUTS:
            kind_shown = shown(cell(cells, "kind") or "")
            errors.append(Bad(f"{kind_shown} ไม่ใช่ชนิดรายงาน: ใช้ indicator หรือ project",
                              f"{kind_shown} is not a kind of report: use indicator or project"
                              ).at(*place("kind")))
            row = Row(CSV_SHEET, line, kind, code, None, {}, errors)
            code_cells[id(row)] = place("code")
            rows.append(row)
            continue
        for name in every_input:
            if name not in inputs and not is_blank(cell(cells, name)):
                errors.append(Bad(f"คอลัมน์ {name} ไม่ใช้กับแถวชนิด {kind} ให้เว้นว่าง",
                                  f"{name} is not for {kind} rows: leave it empty"
                                  ).at(*place(name)))
        period = None
        if kind == "indicator":
            period_text = (cell(cells, "period") or "").strip()
            if not period_text:
                errors.append(Bad("แถวตัวชี้วัดต้องระบุงวด (period) เช่น FY2568-Q1",
                                  "an indicator row needs its period, e.g. FY2568-Q1"
                                  ).at(*place("period")))
            else:
                try:
                    period = parse_period(period_text).code
                except PeriodError as exc:
                    errors.append(Bad(f"งวด {shown(period_text)} ใช้ไม่ได้: ใช้ FY2568 "
                                      "(ปีงบประมาณ พ.ศ.), FY2568-Q1 (ไตรมาส) หรือ "
                                      "2025-01 (เดือน ปี ค.ศ.)", str(exc)).at(*place("period")))
        raw = {name: cell(cells, name) for name in inputs}
        fields_, problems = _parse_inputs(kind, raw, place)
        problems += rules.problems(kind, code, fields_, place)
        row = Row(CSV_SHEET, line, kind, code, period, fields_, errors + problems)
        code_cells[id(row)] = place("code")
        rows.append(row)
    _check_duplicates(rows, code_cells)
    return Upload(plan_id=plan_id, province=province, period=None, rows=rows)


def _csv_code(cells, cell, errors, place) -> str:
    raw = cell(cells, "code")
    if is_blank(raw):
        errors.append(Bad("แถวนี้ไม่มีรหัส (code)", "the row has no code").at(*place("code")))
        return ""
    try:
        return _code(raw)
    except Bad as bad:
        errors.append(bad.at(*place("code")))
        return ""


# --- report bodies -----------------------------------------------------------------------------

def _canonical(value):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        as_float = float(value)
        if not math.isfinite(as_float):
            raise ValueError(f"{value!r} is not a finite number")
        return as_float + 0.0  # 1 and 1.0 alike; -0.0 -> 0.0
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
    content = json.dumps(_canonical([kind, province, subject, period, fields]), sort_keys=True,
                         ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return str(uuid.uuid5(NAMESPACE, content))


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
            if values.get("evidence"):
                body["evidence"] = values["evidence"]
            if values.get("internal"):
                body["internal"] = True
        elif row.kind == "project":
            body = {"event_id": stable_event_id("project", province, row.subject, None, values),
                    "province": province, "project": row.subject,
                    "as_of": values["as_of"].isoformat(),
                    "physical_progress_pct": values["physical_progress_pct"],
                    "disbursed_thb": values["disbursed_thb"],
                    "procurement_stage": values["procurement_stage"],
                    "problems": values.get("problems"), "solutions": values.get("solutions"),
                    "reported_at": at}
            if values.get("evidence"):
                body["evidence"] = values["evidence"]
            if values.get("internal"):
                body["internal"] = True
        else:
            continue
        bodies.append((row, body))
    return bodies


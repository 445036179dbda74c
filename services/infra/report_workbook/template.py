"""Writing the province reporting workbook (docs/report-workbook.md): the ``.xlsx`` a province
fills in, with what it last reported beside the cells to fill in."""
from __future__ import annotations

import io
import unicodedata
from datetime import date, datetime

from services.contracts.periods import parse_period
from services.contracts.plans import holds_sample
from services.contracts.reports import PROCUREMENT_STAGE_TH, PROCUREMENT_STAGES
from services.contracts.rules import describe_indicator_rules, indicator_bounds, project_rules
from services.contracts.targets import province_baseline, province_fiscal_year_target
from services.infra.spreadsheet import keep_as_text, off_hub

from .reading import INTERNAL_NO, INTERNAL_YES

from .layout import (ABOUT_KEY, ABOUT_ROWS, INDICATOR_COLUMNS, INDICATORS_KEY, INSTRUCTIONS_EN,
                     INSTRUCTIONS_TH, INTERNAL_COLUMN, LISTS_TITLE, MAX_NOTE, MAX_TEXT, MAX_YEAR, MIN_YEAR,
                     PROJECT_COLUMNS, PROJECTS_KEY, SCHEMA, SHEET_TITLES, due_items, header)

SAMPLE_TEXT = ("ข้อมูลตัวอย่าง แผนนี้สร้างขึ้นเพื่อสาธิตระบบ ไม่ใช่ข้อมูลจริง "
               "(sample data: this plan is invented to show the system; it is not real)")


# --- writing -----------------------------------------------------------------------------------

def _letters(columns) -> dict[str, str]:
    """Each column's letter, by its English name."""
    from openpyxl.utils import get_column_letter
    return {name: get_column_letter(at) for at, (name, _, _) in enumerate(columns, start=1)}


def _amount(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")

def _width(text: str) -> int:
    """Characters that take room: Thai vowel and tone marks above or below take none."""
    return sum(1 for ch in str(text) if unicodedata.category(ch) not in ("Mn", "Me", "Cf"))


_COMMENTS = {
    "indicator": ("รหัสตัวชี้วัดในแผน", "the indicator's code in the plan"),
    "target": ("ค่าเป้าหมายของกลุ่มจังหวัดในปีงบประมาณของงวดนี้ (ว่าง: ไม่ได้กำหนด)",
               "the cluster's target for the period's fiscal year (empty: none set)"),
    "province_target": ("ค่าเป้าหมายของจังหวัดเองในปีงบประมาณของงวดนี้ ตามแผน (ว่าง: ไม่ได้กำหนด)",
                        "the province's own target for the period's fiscal year, from the plan "
                        "(empty: none set)"),
    "province_baseline": ("ค่าฐานของจังหวัดเองตามแผน (ว่าง: ไม่ได้กำหนด)",
                          "the province's own baseline, from the plan (empty: none set)"),
    "province_baseline_year": ("ปีงบประมาณ พ.ศ. ของค่าฐานของจังหวัด",
                               "the B.E. fiscal year of the province's baseline"),
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
    "disbursed_thb": ("กรอก: เบิกจ่ายสะสมตั้งแต่เริ่มโครงการ (บาท) ไม่เกินงบประมาณ "
                      "(บวกส่วนที่แผนยอมให้เกิน ถ้ามี)",
                      "fill in: cumulative disbursement since the start (THB), at most the budget "
                      "(plus any tolerance the plan allows)"),
    "accepted": ("ค่าที่ระบบรับได้ตามเกณฑ์ของตัวชี้วัดในแผน ค่านอกช่วงนี้จะถูกปฏิเสธ",
                 "what the plan's rules accept for the indicator; a value outside is refused"),
    "procurement_stage": ("กรอก: เลือกขั้นตอนจากรายการ", "fill in: pick the stage from the list"),
    "problems": ("กรอกได้: ปัญหาอุปสรรค ไม่เกิน 8000 ตัวอักษร",
                 "optional: problems, at most 8000 characters"),
    "solutions": ("กรอกได้: แนวทางแก้ไข ไม่เกิน 8000 ตัวอักษร",
                  "optional: solutions, at most 8000 characters"),
    "internal": (f"กรอกได้: {INTERNAL_YES} = ข้อมูลภายใน ไม่เผยแพร่สู่สาธารณะ (ข้อมูลเปิด หน้าสาธารณะ) "
                 "ว่าง = เผยแพร่ได้",
                 f"optional: {INTERNAL_YES} (yes) = internal, not to be published outside the "
                 "government (open data, the public page); empty = may be published"),
}
# New workbooks end each data sheet with the internal column (a workbook without it still reads)
INDICATOR_SHEET = INDICATOR_COLUMNS + (INTERNAL_COLUMN,)
PROJECT_SHEET = PROJECT_COLUMNS + (INTERNAL_COLUMN,)


def _internal_rule(ws, columns, end: int) -> None:
    """The internal column's drop-down: ใช่ / ไม่ใช่ (or empty)."""
    letter = _letters(columns)["internal"]
    rule = _rule("list", "internal", f"เลือก {INTERNAL_YES} หรือ {INTERNAL_NO} หรือเว้นว่าง",
                 f"pick {INTERNAL_YES} (yes) or {INTERNAL_NO} (no), or leave it empty",
                 formula1=f'"{INTERNAL_YES},{INTERNAL_NO}"')
    rule.add(f"{letter}2:{letter}{end}")
    ws.add_data_validation(rule)


def _rule(kind: str, title: str, th: str, en: str, prompt: tuple[str, str] | None = None,
          **kwargs):
    """An Excel data validation (openpyxl's DataValidation): ``th``/``en`` the error shown when
    a value breaks it; ``prompt`` (Thai, English) an input message shown on the cell."""
    from openpyxl.worksheet.datavalidation import DataValidation

    if prompt:
        kwargs.update(showInputMessage=True, promptTitle=ACCEPTED_TITLE[:32],
                      prompt=f"{prompt[0]}\n{prompt[1]}"[:255])
    rule = DataValidation(type=kind, allow_blank=True, showErrorMessage=True,
                          errorStyle="stop", errorTitle=title[:32],  # Excel's limit
                          error=f"{th}\n{en}"[:255], **kwargs)  # Excel's limit
    return rule


ACCEPTED_TITLE = "ค่าที่ยอมรับ (accepted)"
ANY_NUMBER = ("-1E+300", "1E+300")  # "a decimal", for a value the plan sets no bound on


def _formula_number(value: float) -> str:
    """A bound as an Excel formula constant: no thousands separator, no trailing .0."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _bounds_rule(low: float | None, high: float | None, title: str, th: str, en: str,
                 prompt: tuple[str, str] | None = None):
    """A decimal validation between ``low`` and ``high`` (either may be None: no bound)."""
    if low is not None and high is not None:
        limits = {"operator": "between", "formula1": _formula_number(low),
                  "formula2": _formula_number(high)}
    elif low is not None:
        limits = {"operator": "greaterThanOrEqual", "formula1": _formula_number(low)}
    elif high is not None:
        limits = {"operator": "lessThanOrEqual", "formula1": _formula_number(high)}
    else:
        limits = {"operator": "between", "formula1": ANY_NUMBER[0], "formula2": ANY_NUMBER[1]}
    return _rule("decimal", title, th, en, prompt=prompt, **limits)


def _grouped(ws, rules: dict) -> None:
    """``rules``: (rule arguments) -> the cells it covers; one validation per distinct rule."""
    for (low, high, title, th, en, prompt), cells in rules.items():
        rule = _bounds_rule(low, high, title, th, en, prompt)
        for cell in cells:
            rule.add(cell)
        ws.add_data_validation(rule)


def _disbursement_limit(project: dict) -> float | None:
    """The most a project's cumulative disbursement may be (budget plus the plan's tolerance,
    contracts/rules.py), None: no limit."""
    tolerance = project_rules(project)["disbursement_tolerance_pct"]
    budget = project.get("budget_thb")
    if tolerance is None or budget is None:
        return None
    return round(budget * (1 + tolerance / 100), 2)  # to the satang, as the intake compares


def build_workbook(plan: dict, province: str, period: str, last: dict,
                   generated_at: datetime) -> bytes:
    """The reporting workbook of ``province`` for ``period`` (docs/report-workbook.md), with what
    it last reported (``last``) beside the cells to fill in; written off the eventlet hub."""
    return off_hub(_build_workbook, plan, province, period, last, generated_at)


def _build_workbook(plan: dict, province: str, period: str, last: dict,
                    generated_at: datetime) -> bytes:
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
        keep_as_text(cell)  # text, never a formula (spreadsheet/writing.py)
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
            cell = ws.cell(row=1, column=col, value=header(name))
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
    indicator_rows, value_rules = [], {}
    at = _letters(INDICATOR_COLUMNS)
    for number, indicator in enumerate(due["indicators"], start=2):
        code = indicator["code"]
        accepted_en, accepted_th = describe_indicator_rules(indicator)
        baseline = province_baseline(indicator, province) or {}
        indicator_rows.append([code, indicator.get("name_th"), indicator.get("name_en"),
                               indicator.get("unit"), (indicator.get("targets") or {}).get(fy_key),
                               last_indicators.get(code), None, None,
                               f"{accepted_th} ({accepted_en})",
                               province_fiscal_year_target(indicator, province, period),
                               baseline.get("value"), baseline.get("fiscal_year"), None])
        # the value cell takes what the plan's rules accept: the same bounds the intake checks
        value_rules.setdefault((*indicator_bounds(indicator), "value",
                                f"ต้องเป็นตัวเลข {accepted_th}",
                                f"must be a number: {accepted_en}",
                                (accepted_th, accepted_en)), []).append(f"{at['value']}{number}")
    ws = table(INDICATORS_KEY, INDICATOR_SHEET, indicator_rows)
    end = len(indicator_rows) + 1
    if indicator_rows:
        _grouped(ws, value_rules)
        _internal_rule(ws, INDICATOR_SHEET, end)
        note = _rule("textLength", "note", f"ไม่เกิน {MAX_NOTE} ตัวอักษร",
                     f"at most {MAX_NOTE} characters", operator="lessThanOrEqual",
                     formula1=str(MAX_NOTE))
        note.add(f"{at['note']}2:{at['note']}{end}")
        ws.add_data_validation(note)
        for number in range(2, end + 1):
            for name in ("target", "last_value", "province_target", "province_baseline"):
                ws[f"{at[name]}{number}"].number_format = "#,##0.##########"

    # projects
    project_rows = []
    for project in due["projects"]:
        code = project["code"]
        before = last_projects.get(code) or {}
        stage = before.get("procurement_stage")
        project_rows.append([code, project.get("title_th"), project.get("budget_thb"),
                             before.get("physical_progress_pct"), before.get("disbursed_thb"),
                             PROCUREMENT_STAGE_TH.get(stage, stage) if stage else None,
                             None, None, None, None, None, None, None])
    ws = table(PROJECTS_KEY, PROJECT_SHEET, project_rows)
    end = len(project_rows) + 1
    if project_rows:
        _internal_rule(ws, PROJECT_SHEET, end)
        first, final = (int(to_excel(day)) for day in (date(MIN_YEAR, 1, 1),
                                                       date(MAX_YEAR, 12, 31)))
        as_of = _rule("date", "as_of", "ต้องเป็นวันที่ ปี ค.ศ. เช่น 2025-03-31",
                      "must be a C.E. date such as 2025-03-31", operator="between",
                      formula1=str(first), formula2=str(final))
        as_of.add(f"G2:G{end}")
        progress = _rule("decimal", "physical_progress_pct", "ต้องเป็นตัวเลข 0 ถึง 100",
                         "must be a number from 0 to 100", prompt=("0 ถึง 100", "0 to 100"),
                         operator="between", formula1="0", formula2="100")
        progress.add(f"H2:H{end}")
        # each row's disbursement within its project's own limit: the budget plus the
        # tolerance the plan allows it (contracts/rules.py), the same limit the intake checks
        disbursed_rules, disbursed_at = {}, _letters(PROJECT_COLUMNS)["disbursed_thb"]
        for number, project in enumerate(due["projects"], start=2):
            limit = _disbursement_limit(project)
            if limit is None:
                shown_th, shown_en = "ไม่น้อยกว่า 0 บาท", "at least 0 THB"
            else:
                tolerance = project_rules(project)["disbursement_tolerance_pct"]
                extra = f" + {_amount(tolerance)}%" if tolerance else ""
                budget = _amount(project["budget_thb"])
                shown_th = f"0 ถึง {_amount(limit)} บาท (งบประมาณ {budget} บาท{extra})"
                shown_en = f"0 to {_amount(limit)} THB (the budget {budget} THB{extra})"
            disbursed_rules.setdefault(
                (0.0, limit, "disbursed_thb", f"ต้องเป็นตัวเลข {shown_th}",
                 f"must be a number: {shown_en}", (shown_th, shown_en)), []
            ).append(f"{disbursed_at}{number}")
        _grouped(ws, disbursed_rules)
        stage = _rule("list", "procurement_stage", "เลือกขั้นตอนจากรายการ",
                      "pick a stage from the list",
                      formula1=f"'{LISTS_TITLE}'!$A$1:$A${len(PROCUREMENT_STAGES)}")
        stage.add(f"J2:J{end}")
        texts = _rule("textLength", "problems / solutions", f"ไม่เกิน {MAX_TEXT} ตัวอักษร",
                      f"at most {MAX_TEXT} characters", operator="lessThanOrEqual",
                      formula1=str(MAX_TEXT))
        texts.add(f"K2:L{end}")
        for rule in (as_of, progress, stage, texts):
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
    if holds_sample(plan):  # said where it is read, and on every printed page (the reader skips it)
        number = len(ABOUT_ROWS) + 2
        about.cell(row=number, column=1, value="ข้อมูลตัวอย่าง (sample)").font = bold
        put(about, number, 2, SAMPLE_TEXT).alignment = wrap
        for sheet in workbook.worksheets:
            sheet.oddHeader.center.text = SAMPLE_TEXT
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



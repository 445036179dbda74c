"""Writing the province reporting workbook (docs/report-workbook.md): the ``.xlsx`` a province
fills in, with what it last reported beside the cells to fill in."""
from __future__ import annotations

import io
import unicodedata
from datetime import date, datetime

from services.contracts.periods import parse_period
from services.contracts.reports import PROCUREMENT_STAGE_TH, PROCUREMENT_STAGES
from services.infra.spreadsheet import keep_as_text, off_hub

from .layout import (ABOUT_KEY, ABOUT_ROWS, INDICATOR_COLUMNS, INDICATORS_KEY, INSTRUCTIONS_EN,
                     INSTRUCTIONS_TH, LISTS_TITLE, MAX_NOTE, MAX_TEXT, MAX_YEAR, MIN_YEAR,
                     PROJECT_COLUMNS, PROJECTS_KEY, SCHEMA, SHEET_TITLES, due_items, header)


# --- writing -----------------------------------------------------------------------------------

def _width(text: str) -> int:
    """Characters that take room: Thai vowel and tone marks above or below take none."""
    return sum(1 for ch in str(text) if unicodedata.category(ch) not in ("Mn", "Me", "Cf"))


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



"""The province reporting workbook's layout (docs/report-workbook.md): sheets, columns, what a
province reports for a period, and the types a reader returns. The workbook itself:
:mod:`.template` writes it, :mod:`.reading` reads an upload and makes report bodies.

It lives in infra/, not in a service: the gateway (the HTTP upload path and the pages) and
clusterctl both read and write it, and no service package may import another's.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from services.contracts.periods import PeriodError, parse_period
from services.contracts.plans import iter_indicators
from services.infra.spreadsheet import CellProblem, SheetUnreadable

SCHEMA = "cluster-planning-report-workbook/1"
NAMESPACE = uuid.UUID("6f1d7e2a-3c4b-4e5f-9a8b-1c2d3e4f5a6b")  # stable event ids

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
    ("accepted", "ค่าที่ยอมรับ", False),  # the plan's rule (contracts/rules.py), read-only
    # the province's own, from the plan (contracts/targets.py), read-only; after the others so
    # a workbook made before they existed keeps its columns where they were
    ("province_target", "เป้าหมายปีงบประมาณของจังหวัด", False),
    ("province_baseline", "ค่าฐานของจังหวัด", False),
    ("province_baseline_year", "ปีค่าฐานของจังหวัด พ.ศ.", False),
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
# An optional input column (issue 22): the evidence behind a row - references (a document
# number, a URL) and/or uploaded files' ids (ev-...), one per line or separated by ";". A CSV
# may have it; a workbook may have a column headed (evidence) added: it is read when present.
# Another (issue 26): "internal" - the province marks the row's report not to be published
# outside the government (open data, the public page). New workbooks have it as their last
# column (INTERNAL_COLUMN), with a yes/no drop-down; a workbook made before it still reads.
OPTIONAL_INPUTS = ("evidence", "internal")
INTERNAL_COLUMN = ("internal", "ข้อมูลภายใน ไม่เผยแพร่", True)
INDICATOR_INPUTS = tuple(name for name, _, is_input in INDICATOR_COLUMNS if is_input) \
    + OPTIONAL_INPUTS
PROJECT_INPUTS = tuple(name for name, _, is_input in PROJECT_COLUMNS if is_input) \
    + OPTIONAL_INPUTS
INDICATOR_REQUIRED = ("value",)
PROJECT_REQUIRED = ("as_of", "physical_progress_pct", "disbursed_thb", "procurement_stage")
LABELS = {name: label for name, label, _ in INDICATOR_COLUMNS + PROJECT_COLUMNS}
LABELS["evidence"] = "หลักฐาน"
LABELS["internal"] = INTERNAL_COLUMN[1]

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
    "การอัปโหลดไฟล์เดิมซ้ำจะไม่ส่งข้อมูลซ้ำ ค่าใดที่ไม่ควรเผยแพร่สู่สาธารณะ (ข้อมูลเปิด หน้าสาธารณะ) "
    "ให้เลือก ใช่ ในช่อง ข้อมูลภายใน ไม่เผยแพร่ (internal) ของแถวนั้น")
INSTRUCTIONS_EN = (
    "Fill in only the yellow cells. Indicators sheet: the reported value (and a note, if any). "
    "Projects sheet: the date the figures are as of (C.E., e.g. 2025-03-31), physical progress %, "
    "cumulative disbursement and procurement stage (problems and solutions, if any). Rows left "
    "empty are not sent. Then upload this file back to the system; if anything is wrong, every "
    "cell to fix is listed at once. Uploading the same file again sends nothing twice. A row "
    "not to be published outside the government (open data, the public page): choose ใช่ (yes) "
    "in its internal column.")

CSV_COLUMNS = ("kind", "code", "period", "value", "note", "as_of", "physical_progress_pct",
               "disbursed_thb", "procurement_stage", "problems", "solutions", "evidence",
               "internal")
CSV_REQUIRED_COLUMNS = ("kind", "code")
CSV_INPUTS = {"indicator": INDICATOR_INPUTS, "project": PROJECT_INPUTS}



# --- what callers get --------------------------------------------------------------------------

# The whole file is unusable: not .xlsx or .csv, not a reporting workbook of this system, a zip
# bomb, too many rows, sheets or columns missing. ``str(exc)`` is the English message.
WorkbookUnreadable = SheetUnreadable


@dataclass
class Row:
    sheet: str
    row: int             # the row number shown in Excel or in a spreadsheet opening the CSV
    kind: str            # "indicator" | "project"
    subject: str         # indicator or project code
    period: str | None   # indicator rows: the period code; project rows: None
    fields: dict         # the parsed inputs (those that could be read)
    errors: list[CellProblem] = field(default_factory=list)  # each with sheet, cell, Thai, English


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


def header(name: str) -> str:
    return f"{LABELS[name]} ({name})"

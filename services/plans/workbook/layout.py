"""The plan workbook's layout (docs/plan-workbook.md): one sheet per kind of thing, a header row
whose cells read ``Thai label (english_name)``, one row per thing; the error type and the
documented template."""
from __future__ import annotations

import re
from dataclasses import dataclass

from services.contracts.rules import INDICATOR_RULES, PROJECT_RULES
from services.contracts.plans import (AGENCY_KINDS, AGENCY_ROLES, AGGREGATIONS, BUDGET_CATEGORIES,
                                      DIRECTIONS, FREQUENCIES, PLAN_STATUSES,
                                      PROGRESS_FREQUENCIES, PROJECT_STATUSES, QUARTERS)
from services.infra.spreadsheet import CellProblem

MAX_SHOWN = 50  # problems listed in str(WorkbookError); .problems keeps them all
LIST_SEPARATOR = ","
OBJECTIVE_KINDS = ("objective", "approach")
LANGUAGES = ("th", "en")
FORM_TH = {"sheet": "แผ่นงาน", "file": "ไฟล์"}
BOOL_WORDS = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}


# --- problems ----------------------------------------------------------------------------------

class WorkbookError(ValueError):
    """The upload cannot be read as a plan; ``problems`` lists every :class:`CellProblem`."""

    def __init__(self, problems: list[CellProblem]):
        self.problems = list(problems)
        lines = [str(p) for p in self.problems[:MAX_SHOWN]]
        if len(self.problems) > MAX_SHOWN:
            lines.append(f"(and {len(self.problems) - MAX_SHOWN} more)")
        count = len(self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the workbook:\n"
                         + "\n".join(lines))


class Locations(dict):
    """Where each part of an imported plan came from: ``where`` -> ``(sheet, row)``.

    Keys are the places ``plan_problems`` names ("plan", "plan, provinces", "issue 3",
    "indicator NE2-1.1", "project NE2-67-003", "agency ubon-commerce", "weight households"), the
    rows of the targets and outputs sheets ("indicator NE2-1.1, quarterly_targets FY2567-Q2",
    "indicator NE2-1.1, province_targets TH-34 FY2567", "indicator NE2-1.1, province_baselines
    TH-34", "project NE2-67-001, outputs"), the
    schema's paths ("issues.0.indicators.1", "projects.2.outputs.0", "agencies.3",
    "weights.households") and, for a code used again, "<where> #2", "#3", ...
    """


# --- the layout --------------------------------------------------------------------------------

TEXT, CODE, INT, NUMBER, BOOL, CHOICE, LIST, INT_LIST, DATE, RAW = (
    "text", "code", "int", "number", "bool", "choice", "list", "int_list", "date", "raw")
ABSENT = object()  # an empty cell for a key of a mapping: the key is left out
EMPTY = object()  # parsed: nothing in the cell
BAD = object()    # parsed: unreadable, already reported

TYPE_NAMES = {TEXT: "text", CODE: "text (code)", INT: "whole number", NUMBER: "number",
              BOOL: "TRUE/FALSE", CHOICE: "one of", LIST: "comma-separated list",
              INT_LIST: "comma-separated whole numbers", DATE: "date YYYY-MM-DD (C.E.)",
              RAW: "depends on the field"}


@dataclass(frozen=True)
class Column:
    name: str       # the English name the parser keys on
    label: str      # the Thai label shown before it
    kind: str
    required: bool = False  # the cell must be filled
    empty: object = None    # what an empty cell becomes when it may be empty
    choices: tuple[str, ...] = ()
    note: str = ""
    width: int = 14
    minimum: float | None = None  # for Excel's data validation only; the plan rules decide
    optional: bool = False  # a workbook made before the column existed may leave it out

    @property
    def header(self) -> str:
        return f"{self.label} ({self.name})"


@dataclass(frozen=True)
class Sheet:
    key: str
    label: str
    columns: tuple[Column, ...]
    note: str = ""
    dynamic: str | None = None  # "targets": targets FY#### columns; "provinces": one per province
    freeze: str = "A2"
    optional: bool = False  # a workbook made before the sheet existed may leave it out

    @property
    def title(self) -> str:
        return f"{self.label} ({self.key})"

    @property
    def filename(self) -> str:
        return f"{self.key}.csv"

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name.lower() == name.lower()), None)


def _c(name, label, kind, required=False, empty=None, choices=(), note="", width=14, minimum=None,
       optional=False):
    if kind in (LIST, INT_LIST) and empty is None:
        empty = []
    if kind == BOOL and empty is None:
        empty = False
    return Column(name, label, kind, required, empty, tuple(choices), note, width, minimum,
                  optional)


def _national_links(label_of_what):
    return _c("national_links", f"ความสอดคล้องกับแผนระดับชาติ ({label_of_what})", LIST, width=24,
              optional=True, note="codes of the national hierarchy (strategies, master plans, "
                                  "sub-plans, their targets, NESDP milestones, SDGs) this "
                                  "serves, e.g. MP03, SDG2.4, separated by commas; the list "
                                  "sheet 'national' names them and the cell offers its codes as "
                                  "a drop-down (another value, or several, may be typed); each "
                                  "must be an entry in force of the plan's national_version; "
                                  "the column may be left out (a workbook made before it)")


def _nonneg(name, label, note=""):
    return _c(name, label, NUMBER, empty=ABSENT, note=note, width=16, minimum=0)


CATEGORY_LABELS = {"investment": "งบลงทุน", "operating": "งบดำเนินงาน"}

OPTIONAL_PLAN_FIELDS = ("progress_frequency", "report_expiry_days", "national_version")  # rows added since the first workbooks
PLAN_FIELDS = (
    _c("id", "รหัสแผน", CODE, True, note="lower-case letters, digits and '-', e.g. "
                                           "northeast-lower-2-2566-2570"),
    _c("cluster", "รหัสกลุ่มจังหวัด", CODE, True, note="the cluster's code in the reference data"),
    _c("title_th", "ชื่อแผนภาษาไทย", TEXT, empty=""),
    _c("title_en", "ชื่อแผนภาษาอังกฤษ", TEXT, empty=""),
    _c("start_fy", "ปีงบประมาณเริ่มต้น พ.ศ.", INT, True, note="B.E. fiscal year, e.g. 2566"),
    _c("end_fy", "ปีงบประมาณสิ้นสุด พ.ศ.", INT, True, note="B.E. fiscal year, e.g. 2570"),
    _c("status", "สถานะแผน", CHOICE, True, choices=PLAN_STATUSES),
    _c("vision_th", "วิสัยทัศน์ภาษาไทย", TEXT, empty=""),
    _c("vision_en", "วิสัยทัศน์ภาษาอังกฤษ", TEXT, empty=""),
    _c("provinces", "จังหวัดในแผน", LIST, note="province codes such as TH-34; empty: every "
                                             "province of the cluster"),
    _c("reference_version", "รุ่นข้อมูลอ้างอิง", CODE, note="set by the system"),
    _c("national_version", "รุ่นข้อมูลอ้างอิงแผนระดับชาติ", CODE,
       note="set by the system: the national hierarchy the plan's links are checked against"),
    _c("version", "ฉบับที่", INT, empty=1, note="set by the system"),
    _c("sample", "ข้อมูลตัวอย่าง", BOOL, note="TRUE for demonstration data"),
    _c("progress_frequency", "ความถี่การรายงานความก้าวหน้าโครงการ", CHOICE, empty="quarterly",
       choices=PROGRESS_FREQUENCIES, note="how often each project's progress is due; the row "
                                          "may be left out (a workbook made before it): "
                                          "quarterly"),
    _c("report_expiry_days", "รับรายงานหลังกำหนดส่งได้อีก (วัน)", INT,
       note="the reporting window (validation.report_expiry_days): a period accepts reports "
            "until its due date plus this many days, later only with an extension the OSM "
            "grants; empty, or the row left out: no window", minimum=0),
    _c("revision version", "การปรับปรุง ฉบับที่", INT,
       note="set by the system; needed when any revision row is filled; all five revision "
            "rows empty: no revision"),
    _c("revision at", "การปรับปรุง วันเวลา", TEXT, empty="", note="set by the system"),
    _c("revision by", "การปรับปรุง โดย", TEXT, empty="", note="set by the system"),
    _c("revision reason", "การปรับปรุง เหตุผล", TEXT, empty="", note="set by the system"),
    _c("revision approved_by", "การปรับปรุง อนุมัติโดย", TEXT, note="set by the system"),
)
REVISION_FIELDS = ("version", "at", "by", "reason", "approved_by")

PLAN = Sheet("plan", "แผน", (
    _c("field", "รายการ", CODE, True, note="the field, as 'Thai label (english_name)'", width=36),
    _c("value", "ค่า", RAW, note="see the field", width=80),
), note="one row per field of the plan")

ISSUES = Sheet("issues", "ประเด็นการพัฒนา", (
    _c("number", "ประเด็นที่", INT, True, width=10, minimum=1),
    _c("title_th", "ชื่อประเด็นภาษาไทย", TEXT, empty="", width=50),
    _c("title_en", "ชื่อประเด็นภาษาอังกฤษ", TEXT, empty="", width=50),
    _national_links("ประเด็น"),
), note="one row per development issue (ประเด็นการพัฒนา)")

OBJECTIVES = Sheet("objectives", "เป้าประสงค์-แนวทาง", (
    _c("issue", "ประเด็นที่", INT, True, note="a number on the issues sheet", width=10),
    _c("kind", "ประเภท", CHOICE, True, choices=OBJECTIVE_KINDS,
       note="objective: เป้าประสงค์; approach: แนวทางการพัฒนา", width=12),
    _c("th", "ข้อความภาษาไทย", TEXT, True, width=60),
    _c("en", "ข้อความภาษาอังกฤษ", TEXT, empty="", width=60),
), note="objectives and development approaches, in order, one per row")

INDICATORS = Sheet("indicators", "ตัวชี้วัด", (
    _c("issue", "ประเด็นที่", INT, True, note="a number on the issues sheet", width=10),
    _c("code", "รหัสตัวชี้วัด", CODE, True, note="unique in the plan, e.g. NE2-1.1"),
    _c("name_th", "ชื่อตัวชี้วัดภาษาไทย", TEXT, True, width=50),
    _c("name_en", "ชื่อตัวชี้วัดภาษาอังกฤษ", TEXT, True, width=50),
    _c("unit", "หน่วยนับ", TEXT, empty="", width=20),
    _c("definition_th", "นิยามตัวชี้วัดภาษาไทย", TEXT, empty="", width=50,
       note="what the indicator means (the indicator card)"),
    _c("definition_en", "นิยามตัวชี้วัดภาษาอังกฤษ", TEXT, empty="", width=50),
    _c("formula", "สูตรคำนวณ", TEXT, empty="", width=40, note="e.g. A / B × 100, with A and B named"),
    _c("direction", "ทิศทาง", CHOICE, True, choices=DIRECTIONS, note="which way is better"),
    _c("aggregation", "วิธีรวมค่าของกลุ่มจังหวัด", CHOICE, True, choices=AGGREGATIONS,
       note="how province values make the cluster value; percentages are never summed"),
    _c("weight", "ตัวถ่วงน้ำหนัก", CODE,
       note="with mean: a name on the weights sheet (a weighted mean)"),
    _c("frequency", "ความถี่การรายงาน", CHOICE, True, choices=FREQUENCIES),
    _c("cumulative", "ค่าสะสม", BOOL, note="TRUE: values are year-to-date totals"),
    _c("baseline value", "ค่าฐาน", NUMBER, note="empty with its year: no baseline"),
    _c("baseline fiscal_year", "ปีของค่าฐาน พ.ศ.", INT, note="B.E.; filled with the value"),
    _c("provinces", "จังหวัดที่รายงาน", LIST, note="province codes; empty: every plan province"),
    _c("responsible_agency", "หน่วยงานรับผิดชอบ", CODE, note="a code on the agencies sheet",
       width=20),
    _c("data_source name", "แหล่งข้อมูล", TEXT, note="required when any data_source column is "
                                                    "filled; all empty: no data source", width=30),
    _c("data_source agency", "หน่วยงานเจ้าของข้อมูล", CODE, note="a code on the agencies sheet",
       width=20),
    _c("data_source method", "วิธีการวัด", TEXT, empty="", width=30),
    _c("data_source link", "ลิงก์แหล่งข้อมูล", TEXT, note="http(s) address where the data are "
                                                         "published", width=30),
    _national_links("ตัวชี้วัด"),
    _c("sample", "ข้อมูลตัวอย่าง", BOOL),
), note="one row per indicator; a column 'targets FY2567' per fiscal year holds the yearly "
        "cluster targets", dynamic="targets", freeze="C2")

TARGETS = Sheet("targets", "เป้าไตรมาส-จังหวัด", (
    _c("indicator", "รหัสตัวชี้วัด", CODE, True, note="a code on the indicators sheet"),
    _c("province", "จังหวัด", CODE, note="empty: a quarterly target for the cluster; a province "
                                         "code: that province's yearly target"),
    _c("period", "ช่วงเวลา", CODE, True, note="FY2567-Q2 without a province, FY2567 with one"),
    _c("value", "ค่าเป้าหมาย", NUMBER, True),
), note="quarterly cluster targets and yearly province targets, one per row")

BASELINES = Sheet("baselines", "ค่าฐานรายจังหวัด", (
    _c("indicator", "รหัสตัวชี้วัด", CODE, True, note="a code on the indicators sheet"),
    _c("province", "จังหวัด", CODE, True, note="a province code of the plan, e.g. TH-34"),
    _c("value", "ค่าฐาน", NUMBER, True),
    _c("fiscal_year", "ปีของค่าฐาน พ.ศ.", INT, True, note="B.E., not after the plan's first year",
       minimum=2500),
), note="each province's own baseline (where it starts from), one per indicator and province; "
        "the cluster's baseline is on the indicators sheet. The sheet may be left out",
    optional=True)

WEIGHTS = Sheet("weights", "น้ำหนัก", (
    _c("name", "ชื่อตัวถ่วงน้ำหนัก", CODE, True, note="the name indicators use, e.g. households",
       width=20),
), note="named province weights for weighted means; one row per weight, one column per province "
        "headed by its code, e.g. 'จังหวัด TH-34 (TH-34)'", dynamic="provinces")

PROJECTS = Sheet("projects", "โครงการ", (
    _c("code", "รหัสโครงการ", CODE, True, note="unique in the plan"),
    _c("title_th", "ชื่อโครงการภาษาไทย", TEXT, empty="", width=50),
    _c("title_en", "ชื่อโครงการภาษาอังกฤษ", TEXT, empty="", width=50),
    _c("fiscal_year", "ปีงบประมาณ พ.ศ.", INT, True, minimum=2500),
    _c("issue", "ประเด็นที่", INT, True, note="a number on the issues sheet", width=10),
    _c("indicators", "ตัวชี้วัดที่เกี่ยวข้อง", LIST, note="indicator codes", width=20),
    _c("implementing_agency", "หน่วยดำเนินการ", CODE, note="a code on the agencies sheet",
       width=20),
    _c("provinces", "จังหวัดเป้าหมาย", LIST, note="province codes", width=20),
    _c("budget_thb", "งบประมาณรวม บาท", NUMBER, True, width=16, minimum=0,
       note="equals the categories when they are given"),
    *(_nonneg(f"budget_by_category {category}",
              f"{CATEGORY_LABELS.get(category, category)} บาท", "empty: not given")
      for category in BUDGET_CATEGORIES),
    *(_nonneg(f"planned_disbursement {quarter}", f"แผนเบิกจ่าย ไตรมาส {quarter[1:]} บาท",
              "fiscal quarter; empty: not planned")
      for quarter in QUARTERS),
    _c("start_date", "วันเริ่มต้น ค.ศ.", DATE, width=12),
    _c("end_date", "วันสิ้นสุด ค.ศ.", DATE, width=12),
    _national_links("โครงการ"),
    _c("strategy national_strategy", "ยุทธศาสตร์ชาติ (ข้อความเดิม)", TEXT, width=30,
       note="free text kept from plans made before national_links; new plans use national_links"),
    _c("strategy master_plan", "แผนแม่บท (ข้อความเดิม)", TEXT, width=30, note="free text, as above"),
    _c("strategy sub_plan", "แผนย่อย (ข้อความเดิม)", TEXT, width=30, note="free text, as above"),
    _c("sdgs", "เป้าหมายการพัฒนาที่ยั่งยืน SDGs", INT_LIST, note="SDG numbers 1-17"),
    _c("status", "สถานะโครงการ", CHOICE, empty="active", choices=PROJECT_STATUSES),
    _c("sample", "ข้อมูลตัวอย่าง", BOOL),
), note="one row per project", freeze="B2")

OUTPUTS = Sheet("outputs", "ผลผลิต", (
    _c("project", "รหัสโครงการ", CODE, True, note="a code on the projects sheet"),
    _c("description_th", "ผลผลิตภาษาไทย", TEXT, empty="", width=40),
    _c("description_en", "ผลผลิตภาษาอังกฤษ", TEXT, empty="", width=40),
    _c("quantity", "จำนวน", NUMBER, minimum=0),
    _c("unit", "หน่วยนับ", TEXT, empty="", width=20),
), note="the outputs of each project, in order, one per row")

AGENCIES = Sheet("agencies", "หน่วยงาน", (
    _c("code", "รหัสหน่วยงาน", CODE, True, width=20),
    _c("name_th", "ชื่อหน่วยงานภาษาไทย", TEXT, empty="", width=50),
    _c("name_en", "ชื่อหน่วยงานภาษาอังกฤษ", TEXT, empty="", width=50),
    _c("province", "จังหวัดที่ตั้ง", CODE, note="a province code; empty: not in one province"),
    _c("kind", "ประเภทหน่วยงาน", CHOICE, True, choices=AGENCY_KINDS, width=22),
    _c("emails", "อีเมล", LIST, width=30),
    _c("roles", "บทบาท", LIST, choices=AGENCY_ROLES, width=24),
    _c("language", "ภาษาที่ใช้ติดต่อ", CHOICE, empty="th", choices=LANGUAGES,
       note="the language of its e-mail"),
    _c("sample", "ข้อมูลตัวอย่าง", BOOL),
), note="one row per agency")

RULES = Sheet("rules", "เกณฑ์ตรวจสอบค่า", (
    _c("subject", "รหัสตัวชี้วัดหรือโครงการ", CODE, True,
       note="a code on the indicators sheet (min, max, outlier_z) or the projects sheet "
            "(disbursement_tolerance_pct, report_after_end_days)", width=20),
    _c("rule", "เกณฑ์", CHOICE, True, choices=INDICATOR_RULES + PROJECT_RULES, width=28),
    _c("value", "ค่า", NUMBER, note="empty: the rule is switched off (e.g. no lower bound)"),
), note="the rules reported values must keep (docs/plan-workbook.md, 'Validation rules'), one "
        "per row; a rule not listed keeps its default: a percentage within 0-100 and any other "
        "unit not negative, an outlier flagged above a modified z-score of 3.5, disbursement up "
        "to the budget, as_of up to 365 days after the project's end. The sheet may be left out",
        optional=True)

SHEETS = (PLAN, ISSUES, OBJECTIVES, INDICATORS, TARGETS, BASELINES, WEIGHTS, PROJECTS, OUTPUTS, AGENCIES,
          RULES)
# Written on export, never read: the entries of the plan's national hierarchy version in force
# that day, for the drop-down lists of the national_links cells (the reader skips a sheet it
# does not know, so a workbook with or without it loads the same).
NATIONAL_LIST = Sheet("national", "รายการแผนระดับชาติ", (
    _c("code", "รหัส", CODE, True, note="what a national_links cell holds", width=12),
    _c("level", "ระดับ", TEXT, True, note="the level's Thai name (ยุทธศาสตร์ชาติ, แผนแม่บทฯ, "
                                          "หมุดหมาย, SDG, ...)", width=28),
    _c("name_th", "ชื่อภาษาไทย", TEXT, True, width=60),
    _c("name_en", "ชื่อภาษาอังกฤษ", TEXT, empty="", width=50),
    _c("verified", "ตรวจสอบกับต้นฉบับแล้ว", BOOL,
       note="TRUE: the wording was checked against the official text"),
), note="read-only, written on export: the entries of the plan's national hierarchy version "
        "(national_version; none yet: the version loaded last) in force on the day of export, "
        "one per row, ordered by level then code; the national_links columns of the issues, "
        "indicators and projects sheets offer its codes as a drop-down list. Ignored on import; "
        "a workbook without it loads the same", freeze="B2")
BY_KEY = {sheet.key: sheet for sheet in SHEETS}
TARGET_COLUMN = re.compile(r"^targets\s*FY\s*(\d{4})$", re.IGNORECASE)
PERIOD_YEAR = re.compile(r"^FY(\d{4})$", re.IGNORECASE)
PERIOD_QUARTER = re.compile(r"^FY(\d{4})-Q([1-4])$", re.IGNORECASE)


def target_header(key: str) -> str:
    return f"ค่าเป้าหมาย ปีงบประมาณ {key[2:]} (targets {key})"


def province_header(code: str) -> str:
    return f"จังหวัด {code} ({code})"



# --- the documented template -------------------------------------------------------------------

def describe_template() -> str:
    """The sheets and columns as Markdown tables (docs/plan-workbook.md includes this text)."""
    out = []
    for sheet in (*SHEETS, NATIONAL_LIST):
        out.append(f"### {sheet.title} — file `{sheet.filename}`\n\n"
                   f"{sheet.note[:1].upper()}{sheet.note[1:]}.\n")
        columns = PLAN_FIELDS if sheet is PLAN else sheet.columns
        if sheet is PLAN:
            out.append("Columns: `รายการ (field)` holds the field as `Thai label (name)`, "
                       "`ค่า (value)` its value. Rows:\n")
        out.append("| Thai label | English name | type | required | allowed values / notes |")
        out.append("| --- | --- | --- | --- | --- |")
        for column in columns:
            kind = TYPE_NAMES[column.kind]
            if column.kind == CHOICE:
                kind = "one word"
            allowed = ", ".join(f"`{c}`" for c in column.choices)
            empty = column.empty
            if column.required:
                empty_text = ""
            elif empty is ABSENT:
                empty_text = "empty: not given"
            elif empty is None:
                empty_text = "empty: none"
            elif isinstance(empty, bool):
                empty_text = f"empty: {'TRUE' if empty else 'FALSE'}"
            elif isinstance(empty, list):
                empty_text = "empty: no items"
            elif empty == "":
                empty_text = "empty: empty text"
            else:
                empty_text = f"empty: `{empty}`"
            if "empty" in column.note:
                empty_text = ""  # the note says what an empty cell means
            notes = "; ".join(part for part in (allowed, column.note, empty_text) if part)
            out.append(f"| {column.label} | `{column.name}` | {kind} | "
                       f"{'yes' if column.required else 'no'} | {notes} |")
        if sheet is INDICATORS:
            out.append("| ค่าเป้าหมาย ปีงบประมาณ 2567 | `targets FY2567` | number | no | one "
                       "column per fiscal year of the plan (more may be added); empty: no "
                       "target |")
        if sheet is WEIGHTS:
            out.append("| จังหวัด TH-34 | `TH-34` | number | no | one column per province, "
                       "headed by its code; empty: no value |")
        out.append("")
    return "\n".join(out)

"""A whole plan as an Excel workbook, or as a ZIP of CSV files, for officers who plan in Excel.

Pure: bytes in, bytes out, no other I/O. Both forms share one layout (docs/plan-workbook.md): one
sheet per kind of thing, a header row whose cells read ``Thai label (english_name)``, one row per
thing. The parser keys on the English name in the last parentheses, so the Thai wording may change.

Reading only checks that every cell can be read (a number where a number belongs, one of the
allowed words where a list of words is allowed, ...) and that rows refer to things that exist in
the workbook (an indicator's development issue, a target's indicator, an output's project). Every
problem found is reported at once as a :class:`WorkbookError`; nothing partial is returned. The
plan rules are ``prepare_plan``'s: :func:`locate` turns the problems of its ``PlanError`` into
cells with the :class:`Locations` the reader returned.

The document read back is the plan as ``PlanSchema`` loads it: every field present, floats as
floats, whole numbers as ints, empty cells as the field's default. Writing then reading a
prepared plan gives back an equal dict.
"""
from __future__ import annotations

import csv
import io
import math
import posixpath
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from services.contracts.plans import (AGENCY_KINDS, AGENCY_ROLES, AGGREGATIONS, BUDGET_CATEGORIES,
                                      DIRECTIONS, FREQUENCIES, PLAN_STATUSES, PROJECT_STATUSES,
                                      QUARTERS, PlanSchema)

from services.infra.files import (UNPACK_ERRORS, UnpackTooLarge, check_unpacked_size,
                                  filled_rows, is_blank)

from .domain import PlanError

MAX_UNPACKED = 64 * 1024 * 1024  # bytes a workbook may unpack to; a plan is far smaller
MAX_SHOWN = 50  # problems listed in str(WorkbookError); .problems keeps them all
LIST_SEPARATOR = ","
OBJECTIVE_KINDS = ("objective", "approach")
LANGUAGES = ("th", "en")
BOOL_WORDS = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}


# --- problems ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CellProblem:
    """One thing to fix. ``sheet`` is the sheet's title (for CSV: the file's name in the ZIP),
    ``row`` the spreadsheet row (1 is the header), ``column`` the column's English name;
    ``sheet`` is "" when the problem is about the whole file, ``row`` and ``column`` are None when
    they do not apply."""
    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        place = self.sheet
        if self.row is not None:
            place += f" row {self.row}"
        if self.column is not None:
            place += ("," if self.row is not None else "") + f" column {self.column}"
        place = place.strip()
        return f"{place}: {self.message}" if place else self.message


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
    "indicator NE2-1.1, province_targets TH-34 FY2567", "project NE2-67-001, outputs"), the
    schema's paths ("issues.0.indicators.1", "projects.2.outputs.0", "agencies.3",
    "weights.households") and, for a code used again, "<where> #2", "#3", ...
    """


# --- the layout --------------------------------------------------------------------------------

TEXT, CODE, INT, NUMBER, BOOL, CHOICE, LIST, INT_LIST, DATE, RAW = (
    "text", "code", "int", "number", "bool", "choice", "list", "int_list", "date", "raw")
ABSENT = object()  # an empty cell for a key of a mapping: the key is left out
_EMPTY = object()  # parsed: nothing in the cell
_BAD = object()    # parsed: unreadable, already reported

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

    @property
    def title(self) -> str:
        return f"{self.label} ({self.key})"

    @property
    def filename(self) -> str:
        return f"{self.key}.csv"

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name.lower() == name.lower()), None)


def _c(name, label, kind, required=False, empty=None, choices=(), note="", width=14, minimum=None):
    if kind in (LIST, INT_LIST) and empty is None:
        empty = []
    if kind == BOOL and empty is None:
        empty = False
    return Column(name, label, kind, required, empty, tuple(choices), note, width, minimum)


def _nonneg(name, label, note=""):
    return _c(name, label, NUMBER, empty=ABSENT, note=note, width=16, minimum=0)


CATEGORY_LABELS = {"investment": "งบลงทุน", "operating": "งบดำเนินงาน"}

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
    _c("version", "ฉบับที่", INT, empty=1, note="set by the system"),
    _c("sample", "ข้อมูลตัวอย่าง", BOOL, note="TRUE for demonstration data"),
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
    _c("strategy national_strategy", "ยุทธศาสตร์ชาติ", TEXT, note="eMENSCR level Z", width=30),
    _c("strategy master_plan", "แผนแม่บท", TEXT, note="eMENSCR level Y", width=30),
    _c("strategy sub_plan", "แผนย่อย", TEXT, note="eMENSCR level X", width=30),
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

SHEETS = (PLAN, ISSUES, OBJECTIVES, INDICATORS, TARGETS, WEIGHTS, PROJECTS, OUTPUTS, AGENCIES)
_BY_KEY = {sheet.key: sheet for sheet in SHEETS}
_TARGET_COLUMN = re.compile(r"^targets\s*FY\s*(\d{4})$", re.IGNORECASE)
_PERIOD_YEAR = re.compile(r"^FY(\d{4})$", re.IGNORECASE)
_PERIOD_QUARTER = re.compile(r"^FY(\d{4})-Q([1-4])$", re.IGNORECASE)
_ENGLISH = re.compile(r"[(（]([^()（）]*)[)）]\s*$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_FORMULA_START = re.compile(r"^'*[=+\-@]")


def english_name(text: str) -> str:
    """The name in the last parentheses of a header (``รหัสตัวชี้วัด (code)`` -> ``code``), or
    the whole text when it has none."""
    match = _ENGLISH.search(text)
    return " ".join((match.group(1) if match else text).split())


def _target_header(key: str) -> str:
    return f"ค่าเป้าหมาย ปีงบประมาณ {key[2:]} (targets {key})"


def _province_header(code: str) -> str:
    return f"จังหวัด {code} ({code})"


# --- reading cells -----------------------------------------------------------------------------

class _Unreadable(Exception):
    pass


def _shown(value) -> str:
    return f"'{value}'" if isinstance(value, str) else str(value)


def _number_text(value) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def _as_text(value) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):  # an Excel date cell
        midnight = value == datetime.combine(value.date(), datetime.min.time())
        return value.date().isoformat() if midnight else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return _number_text(value)
    return str(value)


def _number(value) -> float:
    if isinstance(value, bool) or isinstance(value, (datetime, date)):
        raise _Unreadable(f"{_display(value)} is not a number")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip()
        cleaned = text.replace(",", "") if _THOUSANDS.match(text) else text
        try:
            number = float(cleaned)
        except ValueError:
            raise _Unreadable(f"{_shown(text)} is not a number") from None
    if not math.isfinite(number):
        raise _Unreadable(f"{_display(value)} is not a number")
    return number


def _display(value) -> str:
    return _shown(value.strip()) if isinstance(value, str) else _as_text(value)


def _int(value) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text.replace(",", "") if _THOUSANDS.match(text) else text)
        except ValueError:
            pass
    try:
        number = _number(value)
    except _Unreadable:
        raise _Unreadable(f"{_display(value)} is not a whole number") from None
    if not number.is_integer():
        raise _Unreadable(f"{_display(value)} is not a whole number")
    return int(number)


def _bool(value) -> bool:
    if isinstance(value, bool):
        return value
    word = _as_text(value).strip().lower()
    if word in BOOL_WORDS:
        return BOOL_WORDS[word]
    raise _Unreadable(f"{_display(value)} is not TRUE or FALSE")


def _choice(value, choices) -> str:
    word = _as_text(value).strip().lower()
    if word not in choices:
        raise _Unreadable(f"{_display(value)} is not one of {', '.join(choices)}")
    return word


def _items(value) -> list[str]:
    return [item.strip() for item in _as_text(value).split(LIST_SEPARATOR) if item.strip()]


def _date(value) -> str:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    text = _as_text(value).strip()
    try:
        if not _ISO_DATE.match(text):
            raise ValueError
        day = date.fromisoformat(text)
    except ValueError:
        raise _Unreadable(f"{_shown(text)} is not a date as YYYY-MM-DD (C.E.)") from None
    if day.year >= 2400:
        raise _Unreadable(f"{_shown(text)} looks like a Buddhist-Era date; write the C.E. date "
                          f"({day.year - 543}{text[4:]})")
    return text


def _parse(column: Column, value):
    """The cell's value for ``column``; ``_EMPTY`` for an empty cell; raises _Unreadable."""
    if is_blank(value):
        return _EMPTY
    kind = column.kind
    if kind == RAW:
        return value
    if kind == TEXT:
        return _as_text(value)
    if kind == CODE:
        return _as_text(value).strip()
    if kind == INT:
        return _int(value)
    if kind == NUMBER:
        return _number(value)
    if kind == BOOL:
        return _bool(value)
    if kind == CHOICE:
        return _choice(value, column.choices)
    if kind == DATE:
        return _date(value)
    if kind == LIST:
        items = _items(value)
        if column.choices:
            bad = [item for item in items if item.lower() not in column.choices]
            if bad:
                raise _Unreadable(f"{', '.join(map(_shown, bad))} "
                                  f"{'is' if len(bad) == 1 else 'are'} not one of "
                                  f"{', '.join(column.choices)}")
            items = [item.lower() for item in items]
        return items
    if kind == INT_LIST:
        numbers, bad = [], []
        for item in _items(value):
            try:
                numbers.append(_int(item))
            except _Unreadable:
                bad.append(item)
        if bad:
            raise _Unreadable(f"{', '.join(map(_shown, bad))} " + (
                "is not a whole number" if len(bad) == 1 else "are not whole numbers"))
        return numbers
    raise AssertionError(kind)


# --- reading sheets ----------------------------------------------------------------------------

@dataclass
class _Grid:
    title: str                           # as the officer sees it: sheet title or file name
    rows: list[tuple[int, list]]         # (spreadsheet row, cells); blank rows left out


class _Record(dict):
    def __init__(self, row: int):
        super().__init__()
        self.row = row
        self.extra: dict[str, object] = {}  # dynamic columns: targets FY####, provinces

    def get_value(self, column: Column):
        value = self.get(column.name, _EMPTY)
        if value is _EMPTY:
            return list(column.empty) if isinstance(column.empty, list) else column.empty
        return None if value is _BAD else value

    def filled(self, *names: str) -> bool:
        return any(self.get(name, _EMPTY) is not _EMPTY for name in names)


class _Reader:
    """Collects every problem while the sheets are read and the plan is put together."""

    def __init__(self):
        self.problems: list[CellProblem] = []
        self.broken: set[str] = set()  # sheets missing or without a usable header: rows that
        # refer to them are not checked against them (one problem, not one per row)

    def add(self, sheet: str, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(CellProblem(sheet, row, column, message))

    def table(self, grid: _Grid, spec: Sheet) -> list[_Record]:
        from openpyxl.utils import get_column_letter

        if not grid.rows or grid.rows[0][0] != 1:
            self.add(grid.title, 1, None, "row 1 must hold the column headers "
                                          f"({', '.join(c.name for c in spec.columns)})")
            self.broken.add(spec.key)
            return []
        header = grid.rows[0][1]
        fixed: dict[str, int] = {}
        extra: dict[str, tuple[int, str]] = {}  # column name -> (index, key)
        seen: dict[str, int] = {}
        headless: set[int] = set()
        for index, cell in enumerate(header):
            if is_blank(cell):
                headless.add(index)
                continue
            name = english_name(_as_text(cell))
            column = spec.column(name)
            key = None
            if column is not None:
                name = column.name
            elif spec.dynamic == "targets" and (match := _TARGET_COLUMN.match(name)):
                key = f"FY{int(match.group(1))}"
                name = f"targets {key}"
            elif spec.dynamic == "provinces":
                key = name
            else:
                expected = ", ".join(c.name for c in spec.columns)
                if spec.dynamic == "targets":
                    expected += ", targets FY2567, ..."
                self.add(grid.title, 1, name, f"unknown column; the columns are {expected}")
                continue
            if name in seen:
                self.add(grid.title, 1, name, "the column appears twice (columns "
                         f"{get_column_letter(seen[name] + 1)} and {get_column_letter(index + 1)})")
                continue
            seen[name] = index
            if key is None:
                fixed[name] = index
            else:
                extra[name] = (index, key)
        for column in spec.columns:
            if column.name not in fixed:
                self.add(grid.title, None, column.name, f"the column is missing "
                                                       f"(header '{column.header}')")
                self.broken.add(spec.key)
        records = []
        for row, cells in grid.rows[1:]:
            record = _Record(row)
            for column in spec.columns:
                index = fixed.get(column.name)
                if index is None:
                    continue
                record[column.name] = self.cell(grid.title, row, column,
                                                cells[index] if index < len(cells) else None)
            for name, (index, key) in extra.items():
                value = self.cell(grid.title, row, Column(name, "", NUMBER),
                                  cells[index] if index < len(cells) else None)
                if value is not _EMPTY:
                    record.extra[key] = value
            for index, value in enumerate(cells):
                if (index in headless or index >= len(header)) and not is_blank(value):
                    self.add(grid.title, row, get_column_letter(index + 1),
                             f"{_shown(_as_text(value))} is in a column without a header")
            records.append(record)
        return records

    def cell(self, sheet: str, row: int, column: Column, value):
        try:
            parsed = _parse(column, value)
        except _Unreadable as exc:
            self.add(sheet, row, column.name, str(exc))
            return _BAD
        if parsed is _EMPTY and column.required:
            self.add(sheet, row, column.name, "a value is required")
        return parsed


def _read(grids: list[_Grid], form: str) -> tuple[dict, Locations]:
    reader = _Reader()
    found: dict[str, _Grid] = {}
    for grid in grids:
        key = english_name(re.sub(r"\.csv$", "", grid.title, flags=re.IGNORECASE)).lower()
        if key not in _BY_KEY:
            continue  # a sheet of the officer's own: ignored
        if key in found:
            reader.add(grid.title, None, None, f"a second {key} {form} (the first is "
                                               f"'{found[key].title}')")
            continue
        found[key] = grid
    for sheet in SHEETS:
        if sheet.key not in found:
            name = sheet.title if form == "sheet" else sheet.filename
            reader.add(name, None, None, f"the {form} is missing")
            reader.broken.add(sheet.key)
    tables = {key: (grid.title, reader.table(grid, _BY_KEY[key])) for key, grid in found.items()}
    plan, locations = _assemble(tables, reader)
    if reader.problems:  # in the layout's order of sheets, then by row
        order = {name: n for n, sheet in enumerate(SHEETS)
                 for name in (sheet.title, sheet.filename)}
        order.update({grid.title: order[_BY_KEY[key].title] for key, grid in found.items()})
        raise WorkbookError(sorted(reader.problems, key=lambda p: (
            order.get(p.sheet, -1), p.row or 0)))
    return plan, locations


# --- putting the plan together -----------------------------------------------------------------

def _values(record: _Record, sheet: Sheet, *names: str) -> dict:
    return {name.split(" ", 1)[-1]: record.get_value(sheet.column(name)) for name in names}


def _assemble(tables: dict[str, tuple[str, list[_Record]]], reader: _Reader):
    locations = Locations()

    def where(key: str, sheet: str, row: int) -> None:
        if key not in locations:
            locations[key] = (sheet, row)
            return
        n = 2
        while f"{key} #{n}" in locations:
            n += 1
        locations[f"{key} #{n}"] = (sheet, row)

    def rows(key: str) -> tuple[str, list[_Record]]:
        return tables.get(key, (_BY_KEY[key].title, []))

    plan = _assemble_plan(*rows("plan"), reader, where)

    title, records = rows("weights")
    weights: dict[str, dict] = {}
    for record in records:
        name = record.get_value(WEIGHTS.column("name"))
        if name is None:
            continue
        if name in weights:
            reader.add(title, record.row, "name", f"weight {name!r} is on row "
                       f"{locations['weight ' + name][1]} already")
            continue
        weights[name] = {province: value for province, value in record.extra.items()
                         if value is not _BAD}
        where(f"weight {name}", title, record.row)
        where(f"weights.{name}", title, record.row)

    issues = _assemble_issues(rows("issues"), rows("objectives"), rows("indicators"),
                              rows("targets"), reader, where)
    projects = _assemble_projects(rows("projects"), rows("outputs"), reader, where)

    title, records = rows("agencies")
    agencies = []
    for record in records:
        agency = _values(record, AGENCIES, "code", "name_th", "name_en", "province", "kind",
                         "emails", "roles", "language", "sample")
        where(f"agency {agency['code']}", title, record.row)
        where(f"agencies.{len(agencies)}", title, record.row)
        agencies.append(agency)

    plan.update(weights=weights, issues=issues, projects=projects, agencies=agencies)
    return plan, locations


def _assemble_plan(title: str, records: list[_Record], reader: _Reader, where) -> dict:
    fields = {column.name: column for column in PLAN_FIELDS}
    values: dict[str, object] = {}
    rows: dict[str, int] = {}
    for record in records:
        name = record.get("field", _EMPTY)
        if name is _BAD or name is _EMPTY:
            continue  # "a value is required" was said about the field cell
        name = english_name(name).lower()
        column = fields.get(name)
        if column is None:
            reader.add(title, record.row, "field", f"unknown field {name!r}; the fields are "
                                                   f"{', '.join(fields)}")
            continue
        if name in rows:
            reader.add(title, record.row, "field", f"{name} is on row {rows[name]} already")
            continue
        rows[name] = record.row
        values[name] = reader.cell(title, record.row, Column("value", "", column.kind,
                                   column.required, column.empty, column.choices),
                                   None if record.get("value", _EMPTY) is _EMPTY
                                   else record["value"])
        where(f"plan, {name}", title, record.row)
    if "plan" not in reader.broken:
        for name, column in fields.items():
            if name not in rows:
                reader.add(title, None, "field", f"no row for {name} (header "
                                                 f"'{column.header}')")
    where("plan", title, rows.get("id", 2))

    def value(name):
        raw = values.get(name, _EMPTY)
        column = fields[name]
        if raw is _EMPTY:
            return list(column.empty) if isinstance(column.empty, list) else column.empty
        return None if raw is _BAD else raw

    plan = {name: value(name) for name in ("id", "cluster", "title_th", "title_en", "start_fy",
                                           "end_fy", "status", "vision_th", "vision_en",
                                           "provinces", "reference_version", "version")}
    revision_names = [f"revision {name}" for name in REVISION_FIELDS]
    if any(values.get(name, _EMPTY) is not _EMPTY for name in revision_names):
        if values.get("revision version", _EMPTY) is _EMPTY and "revision version" in rows:
            reader.add(title, rows["revision version"], "value",
                       "a revision needs its version number")
        plan["revision"] = {name: value(f"revision {name}") for name in REVISION_FIELDS}
    else:
        plan["revision"] = None
    plan["sample"] = value("sample")
    return plan


def _assemble_issues(issue_rows, objective_rows, indicator_rows, target_rows, reader, where):
    title, records = issue_rows
    issues, by_number = [], {}
    for record in records:
        issue = _values(record, ISSUES, "number", "title_th", "title_en")
        issue.update(objectives=[], approaches=[], indicators=[])
        where(f"issue {issue['number']}", title, record.row)
        where(f"issues.{len(issues)}", title, record.row)
        by_number.setdefault(issue["number"], (len(issues), issue))
        issues.append(issue)

    def issue_of(sheet, record):
        number = record.get("issue")
        if number is _BAD or number is _EMPTY:
            return None
        if number not in by_number:
            if "issues" in reader.broken:
                return None
            reader.add(sheet, record.row, "issue", f"issue {number} is not on the "
                                                   f"{ISSUES.title} sheet")
            return None
        return by_number[number]

    title, records = objective_rows
    for record in records:
        found = issue_of(title, record)
        kind = record.get_value(OBJECTIVES.column("kind"))
        if found is None or kind is None:
            continue
        index, issue = found
        key = "objectives" if kind == "objective" else "approaches"
        where(f"issues.{index}.{key}.{len(issue[key])}", title, record.row)
        issue[key].append(_values(record, OBJECTIVES, "th", "en"))

    title, records = indicator_rows
    by_code = {}
    for record in records:
        found = issue_of(title, record)
        indicator = _values(record, INDICATORS, "code", "name_th", "name_en", "unit", "direction",
                            "aggregation", "weight", "frequency", "cumulative")
        if record.filled("baseline value", "baseline fiscal_year"):
            baseline = _values(record, INDICATORS, "baseline value", "baseline fiscal_year")
            for name in ("baseline value", "baseline fiscal_year"):
                if record.get(name) is _EMPTY:
                    reader.add(title, record.row, name, "a baseline needs both its value and "
                                                        "its fiscal year")
            indicator["baseline"] = baseline
        else:
            indicator["baseline"] = None
        indicator["targets"] = {key: value for key, value in sorted(
            record.extra.items(), key=lambda kv: kv[0]) if value is not _BAD}
        indicator.update(quarterly_targets={}, province_targets={})
        indicator.update(_values(record, INDICATORS, "provinces", "responsible_agency"))
        names = ("data_source name", "data_source agency", "data_source method")
        if record.filled(*names):
            if record.get("data_source name") is _EMPTY:
                reader.add(title, record.row, "data_source name",
                           "a data source needs its name")
            indicator["data_source"] = _values(record, INDICATORS, *names)
        else:
            indicator["data_source"] = None
        indicator["sample"] = record.get_value(INDICATORS.column("sample"))
        code = indicator["code"]
        where(f"indicator {code}", title, record.row)
        if code is not None:
            by_code.setdefault(code, indicator)
        if found is not None:
            index, issue = found
            where(f"issues.{index}.indicators.{len(issue['indicators'])}", title, record.row)
            issue["indicators"].append(indicator)

    title, records = target_rows
    seen: dict[tuple, int] = {}
    for record in records:
        code, province, period, value = (record.get_value(TARGETS.column(name)) for name in
                                         ("indicator", "province", "period", "value"))
        if code is not None and code not in by_code:
            if "indicators" not in reader.broken:
                reader.add(title, record.row, "indicator", f"indicator {code} is not on the "
                                                           f"{INDICATORS.title} sheet")
            code = None
        if period is not None:
            quarter, year = _PERIOD_QUARTER.match(period), _PERIOD_YEAR.match(period)
            if province is None and quarter:
                period = f"FY{quarter.group(1)}-Q{quarter.group(2)}"
            elif province is not None and year:
                period = f"FY{year.group(1)}"
            else:
                reader.add(title, record.row, "period", (
                    f"{period!r}: a province's target is for a fiscal year, such as FY2567"
                    if province is not None else
                    f"{period!r}: a cluster target here is for a quarter, such as FY2567-Q2 "
                    "(yearly cluster targets are the indicators sheet's targets columns)"))
                period = None
        if code is None or period is None or value is None:
            continue
        key = (code, province, period)
        if key in seen:
            reader.add(title, record.row, "period", f"the same target is on row {seen[key]}")
            continue
        seen[key] = record.row
        indicator = by_code[code]
        if province is None:
            indicator["quarterly_targets"][period] = value
            where(f"indicator {code}, quarterly_targets", title, record.row)
            where(f"indicator {code}, quarterly_targets {period}", title, record.row)
        else:
            indicator["province_targets"].setdefault(province, {})[period] = value
            where(f"indicator {code}, province_targets", title, record.row)
            where(f"indicator {code}, province_targets {province}", title, record.row)
            where(f"indicator {code}, province_targets {province} {period}", title, record.row)
    return issues


def _assemble_projects(project_rows, output_rows, reader, where):
    title, records = project_rows
    projects, by_code = [], {}
    for record in records:
        project = _values(record, PROJECTS, "code", "title_th", "title_en", "fiscal_year", "issue",
                          "indicators", "implementing_agency", "provinces", "budget_thb")
        for field, keys in (("budget_by_category", BUDGET_CATEGORIES),
                            ("planned_disbursement", QUARTERS)):
            project[field] = {}
            for key in keys:
                value = record.get_value(PROJECTS.column(f"{field} {key}"))
                if value is not ABSENT and value is not None:
                    project[field][key] = value
        project.update(_values(record, PROJECTS, "start_date", "end_date"))
        project["outputs"] = []
        names = ("strategy national_strategy", "strategy master_plan", "strategy sub_plan")
        project["strategy"] = _values(record, PROJECTS, *names) if record.filled(*names) else None
        project.update(_values(record, PROJECTS, "sdgs", "status", "sample"))
        code = project["code"]
        where(f"project {code}", title, record.row)
        where(f"projects.{len(projects)}", title, record.row)
        if code is not None:
            by_code.setdefault(code, (len(projects), project))
        projects.append(project)

    title, records = output_rows
    for record in records:
        code = record.get_value(OUTPUTS.column("project"))
        if code is None:
            continue
        if code not in by_code:
            if "projects" not in reader.broken:
                reader.add(title, record.row, "project", f"project {code} is not on the "
                                                         f"{PROJECTS.title} sheet")
            continue
        index, project = by_code[code]
        where(f"project {code}, outputs", title, record.row)
        where(f"projects.{index}.outputs.{len(project['outputs'])}", title, record.row)
        project["outputs"].append(_values(record, OUTPUTS, "description_th", "description_en",
                                          "quantity", "unit"))
    return projects


# --- writing -----------------------------------------------------------------------------------

def _cell_value(column: Column, value):
    if column.kind in (LIST, INT_LIST):
        return ", ".join(str(item) for item in value or []) or None
    if value == "" or value is ABSENT:
        return None
    return value


def _tables(plan: dict) -> list[tuple[Sheet, list[Column], list[list]]]:
    """Every sheet as (sheet, its columns in order, rows of cell values)."""
    revision = plan.get("revision") or {}
    plan_values = {**{name: plan.get(name) for name in (
        "id", "cluster", "title_th", "title_en", "start_fy", "end_fy", "status", "vision_th",
        "vision_en", "provinces", "reference_version", "version", "sample")},
        **{f"revision {name}": revision.get(name) for name in REVISION_FIELDS}}
    plan_rows = [[column.header, _cell_value(column, plan_values[column.name])]
                 for column in PLAN_FIELDS]

    issues = plan.get("issues", [])
    issue_rows, objective_rows, indicator_rows, target_rows = [], [], [], []
    years = set(range(plan["start_fy"], plan["end_fy"] + 1))
    for issue in issues:
        for indicator in issue.get("indicators", []):
            years.update(int(key[2:]) for key in indicator.get("targets", {}))
    target_columns = [Column(f"targets FY{year}", f"ค่าเป้าหมาย ปีงบประมาณ {year}", NUMBER,
                             empty=ABSENT, width=14) for year in sorted(years)]
    indicator_columns = list(INDICATORS.columns)
    at = [c.name for c in indicator_columns].index("provinces")
    indicator_columns[at:at] = target_columns
    for issue in issues:
        issue_rows.append([issue["number"], issue.get("title_th"), issue.get("title_en")])
        for key, kind in (("objectives", "objective"), ("approaches", "approach")):
            for statement in issue.get(key, []):
                objective_rows.append([issue["number"], kind, statement["th"],
                                       statement.get("en")])
        for ind in issue.get("indicators", []):
            baseline, source = ind.get("baseline") or {}, ind.get("data_source") or {}
            values = {**{name: ind.get(name) for name in (
                "code", "name_th", "name_en", "unit", "direction", "aggregation", "weight",
                "frequency", "cumulative", "provinces", "responsible_agency", "sample")},
                "issue": issue["number"],
                "baseline value": baseline.get("value"),
                "baseline fiscal_year": baseline.get("fiscal_year"),
                "data_source name": source.get("name"), "data_source agency": source.get("agency"),
                "data_source method": source.get("method"),
                **{f"targets {key}": value for key, value in ind.get("targets", {}).items()}}
            indicator_rows.append([_cell_value(c, values.get(c.name)) for c in indicator_columns])
            for period, value in ind.get("quarterly_targets", {}).items():
                target_rows.append([ind["code"], None, period, value])
            for province, targets in ind.get("province_targets", {}).items():
                for period, value in targets.items():
                    target_rows.append([ind["code"], province, period, value])

    weights = plan.get("weights", {})
    provinces = list(plan.get("provinces", []))
    for by_province in weights.values():
        provinces += [code for code in by_province if code not in provinces]
    weight_columns = [*WEIGHTS.columns, *(Column(code, f"จังหวัด {code}", NUMBER, empty=ABSENT,
                                                 width=14, minimum=0) for code in provinces)]
    weight_rows = [[name, *(by_province.get(code) for code in provinces)]
                   for name, by_province in weights.items()]

    project_rows, output_rows = [], []
    for project in plan.get("projects", []):
        strategy = project.get("strategy") or {}
        values = {**project, **{f"strategy {k}": v for k, v in strategy.items()},
                  **{f"budget_by_category {k}": v
                     for k, v in project.get("budget_by_category", {}).items()},
                  **{f"planned_disbursement {k}": v
                     for k, v in project.get("planned_disbursement", {}).items()}}
        project_rows.append([_cell_value(c, values.get(c.name)) for c in PROJECTS.columns])
        for output in project.get("outputs", []):
            output_rows.append([project["code"], output.get("description_th"),
                                output.get("description_en"), output.get("quantity"),
                                output.get("unit")])

    agency_rows = [[_cell_value(c, agency.get(c.name)) for c in AGENCIES.columns]
                   for agency in plan.get("agencies", [])]

    def clean(rows):
        return [[None if value == "" else value for value in row] for row in rows]

    return [(PLAN, list(PLAN.columns), plan_rows),
            (ISSUES, list(ISSUES.columns), clean(issue_rows)),
            (OBJECTIVES, list(OBJECTIVES.columns), clean(objective_rows)),
            (INDICATORS, indicator_columns, indicator_rows),
            (TARGETS, list(TARGETS.columns), target_rows),
            (WEIGHTS, weight_columns, weight_rows),
            (PROJECTS, list(PROJECTS.columns), project_rows),
            (OUTPUTS, list(OUTPUTS.columns), clean(output_rows)),
            (AGENCIES, list(AGENCIES.columns), agency_rows)]


def _header(sheet: Sheet, column: Column) -> str:
    if column.name.startswith("targets FY"):
        return _target_header(column.name.split(" ", 1)[1])
    if sheet is WEIGHTS and column.name != "name":
        return _province_header(column.name)
    return column.header


def _width(text: str) -> int:
    """Characters that take room: Thai vowel and tone marks above or below take none."""
    return sum(1 for ch in text if unicodedata.category(ch) not in ("Mn", "Me", "Cf"))


def _describe(column: Column) -> str:
    kind = TYPE_NAMES[column.kind]
    if column.choices:
        kind = f"{kind} {', '.join(column.choices)}" if column.kind == CHOICE else \
            f"{kind} of {', '.join(column.choices)}"
    text = f"{column.name}: {kind}" + (", required" if column.required else "")
    return text + (f"\n{column.note}" if column.note else "")


# --- xlsx --------------------------------------------------------------------------------------

def plan_to_xlsx(plan: dict) -> bytes:
    """The plan as an Excel workbook (.xlsx) laid out as docs/plan-workbook.md describes."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")
    last_row = 5000
    titles = {sheet.key: sheet.title for sheet in SHEETS}

    def put(ws, row, col, value):
        if value is None:
            return
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell = ws.cell(row=row, column=col, value=value)
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # text, never a formula
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            written = "%.16g" % value  # what openpyxl writes: 16 digits may not be enough
            back = float(written) if isinstance(value, float) else written
            if back != (value if isinstance(value, float) else str(value)):
                cell._value = repr(value) if isinstance(value, float) else str(value)

    def validation(ws, column: Column, ref: str):
        if column.kind == CHOICE or column.kind == BOOL:
            choices = column.choices if column.kind == CHOICE else ("TRUE", "FALSE")
            rule = DataValidation(type="list", formula1=f'"{",".join(choices)}"', allow_blank=True,
                                  error=f"one of: {', '.join(choices)}")
        elif column.name in ("issue",):
            rule = DataValidation(type="list", formula1=f"'{titles['issues']}'!$A$2:$A$200",
                                  allow_blank=True, errorStyle="warning",
                                  error="not an issue number on the issues sheet")
        elif column.name in ("indicator", "project"):
            where = ("'" + titles['indicators'] + "'!$B$2:$B$500" if column.name == "indicator"
                     else "'" + titles['projects'] + "'!$A$2:$A$500")
            rule = DataValidation(type="list", formula1=where, allow_blank=True,
                                  errorStyle="warning",
                                  error=f"not a {column.name} code of this workbook")
        elif column.name in ("responsible_agency", "implementing_agency", "data_source agency"):
            rule = DataValidation(type="list", formula1=f"'{titles['agencies']}'!$A$2:$A$500",
                                  allow_blank=True, errorStyle="warning",
                                  error="not an agency code on the agencies sheet")
        elif column.name == "weight":
            rule = DataValidation(type="list", formula1=f"'{titles['weights']}'!$A$2:$A$100",
                                  allow_blank=True, errorStyle="warning",
                                  error="not a weight name on the weights sheet")
        elif column.kind == INT:
            rule = DataValidation(type="whole", operator="greaterThanOrEqual",
                                  formula1=str(int(column.minimum or 0)), allow_blank=True,
                                  error="a whole number")
        elif column.kind == NUMBER:
            if column.minimum is not None:
                rule = DataValidation(type="decimal", operator="greaterThanOrEqual",
                                      formula1=str(column.minimum), allow_blank=True,
                                      error="a number, not negative")
            else:
                rule = DataValidation(type="decimal", operator="between", formula1="-1E+300",
                                      formula2="1E+300", allow_blank=True, error="a number")
        else:
            return
        rule.showErrorMessage = True
        rule.errorTitle = column.name[:32]  # Excel's limit
        rule.add(ref)
        ws.add_data_validation(rule)

    for sheet, columns, rows in _tables(plan):
        ws = workbook.create_sheet(sheet.title)
        widths = []
        for col, column in enumerate(columns, start=1):
            cell = ws.cell(row=1, column=col, value=_header(sheet, column))
            cell.font, cell.fill, cell.alignment = bold, fill, wrap
            cell.comment = Comment(_describe(column), "cluster-planning", height=120, width=280)
            widths.append(max(column.width, min(_width(cell.value) / 2.5, 30)))  # 3 lines
        for row_number, row in enumerate(rows, start=2):
            for col, value in enumerate(row, start=1):
                put(ws, row_number, col, value)
                if isinstance(value, str) and sheet is not PLAN:
                    widths[col - 1] = max(widths[col - 1], min(_width(value) * 1.1 + 2, 60))
        for col, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(col)].width = round(width, 1)
        ws.freeze_panes = sheet.freeze
        ws.row_dimensions[1].height = 45
        if sheet is PLAN:
            for row_number, field in enumerate(PLAN_FIELDS, start=2):
                ws.cell(row=row_number, column=1).comment = Comment(
                    _describe(field), "cluster-planning", height=120, width=280)
                ws.cell(row=row_number, column=2).alignment = Alignment(wrap_text=True,
                                                                        vertical="top")
                validation(ws, field, f"B{row_number}")
        else:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(rows) + 1, 2)}"
            for col, column in enumerate(columns, start=1):
                letter = get_column_letter(col)
                validation(ws, column, f"{letter}2:{letter}{last_row}")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _zip_members(data: bytes, form: str) -> zipfile.ZipFile:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"expected the file's bytes, got {type(data).__name__}")
    if not data:
        raise WorkbookError([CellProblem("", None, None, "the upload is empty")])
    head = bytes(data[:8])
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise WorkbookError([CellProblem("", None, None, (
            "this is an old Excel file (.xls) or a password-protected workbook; save it as "
            "'Excel Workbook (.xlsx)' without a password"))])
    try:
        archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    except zipfile.BadZipFile:
        archive = None
    if archive is not None:
        try:
            check_unpacked_size(archive, MAX_UNPACKED)  # counted by unpacking: sizes can lie
        except UnpackTooLarge as exc:
            raise WorkbookError([CellProblem("", None, None, str(exc))]) from None
        except UNPACK_ERRORS as exc:
            raise WorkbookError([CellProblem("", None, None, "the file cannot be unpacked "
                                                             f"({type(exc).__name__}: {exc})")]) from None
        return archive
    expected = ("an Excel workbook (.xlsx)" if form == "xlsx"
                else "a ZIP file holding one CSV file per sheet")
    hint = ""
    if form == "csv" and b"," in bytes(data[:4096]):
        hint = " (a single CSV file cannot hold a whole plan)"
    raise WorkbookError([CellProblem("", None, None, f"this is not {expected}{hint}")])


def xlsx_to_plan(data: bytes) -> tuple[dict, Locations]:
    """The plan document in an Excel workbook and where each part of it is; raises
    WorkbookError listing every cell that cannot be read."""
    from openpyxl import load_workbook

    archive = _zip_members(data, "xlsx")
    names = archive.namelist()
    if "[Content_Types].xml" not in names:
        csvs = any(name.lower().endswith(".csv") for name in names)
        raise WorkbookError([CellProblem("", None, None, "this is not an Excel workbook (.xlsx)"
                                         + ("; it is a ZIP of CSV files: upload it as CSV"
                                            if csvs else ""))])
    grids = []
    try:
        workbook = load_workbook(io.BytesIO(bytes(data)), read_only=True, data_only=True,
                                 keep_links=False)
        try:
            for ws in workbook.worksheets:
                if not hasattr(ws, "iter_rows"):
                    continue
                grids.append(_Grid(ws.title, filled_rows(ws)))
        finally:
            workbook.close()
    except WorkbookError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise WorkbookError([CellProblem("", None, None, "the Excel workbook cannot be read "
                                         f"({type(exc).__name__}: {exc})")]) from None
    return _read(grids, "sheet")


# --- csv ---------------------------------------------------------------------------------------

def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return _number_text(value)
    text = str(value)
    # Excel runs a cell starting with = + - @ as a formula: a leading ' keeps it text (and is
    # taken off again when read)
    return "'" + text if _FORMULA_START.match(text) else text


def plan_to_csv(plan: dict) -> bytes:
    """The plan as a ZIP of UTF-8 CSV files (with a byte-order mark, so Excel reads Thai), one
    per sheet of the workbook layout, named <sheet>.csv."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for sheet, columns, rows in _tables(plan):
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow([_header(sheet, column) for column in columns])
            for row in rows:
                writer.writerow([_csv_text(value) for value in row])
            archive.writestr(sheet.filename, "\ufeff" + text.getvalue())
    return out.getvalue()


def csv_to_plan(data: bytes) -> tuple[dict, Locations]:
    """The plan document in a ZIP of CSV files and where each part of it is; raises
    WorkbookError listing every cell that cannot be read."""
    archive = _zip_members(data, "csv")
    names = archive.namelist()
    if "[Content_Types].xml" in names:
        raise WorkbookError([CellProblem("", None, None, "this is an Excel workbook, not a ZIP "
                                                         "of CSV files: upload it as .xlsx")])
    grids, problems = [], []
    for info in archive.infolist():
        name = posixpath.basename(info.filename)
        if info.is_dir() or info.filename.startswith("__MACOSX/") or name.startswith(".") \
                or not name.lower().endswith(".csv"):
            continue
        try:
            text = archive.read(info).decode("utf-8-sig")
        except UnicodeDecodeError:
            problems.append(CellProblem(name, None, None, "not UTF-8 text: in Excel save it as "
                                                          "'CSV UTF-8 (Comma delimited)'"))
            continue
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, OSError) as exc:
            problems.append(CellProblem(name, None, None, f"the file cannot be unpacked ({exc})"))
            continue
        rows = []
        try:
            for number, cells in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
                cells = [_uncsv(cell) for cell in cells]
                while cells and cells[-1] is None:
                    cells.pop()
                if cells:
                    rows.append((number, cells))
        except csv.Error as exc:
            problems.append(CellProblem(name, None, None, f"not a readable CSV file ({exc})"))
            continue
        grids.append(_Grid(name, rows))
    try:
        result = _read(grids, "file")
    except WorkbookError as exc:
        raise WorkbookError(problems + exc.problems) from None
    if problems:
        raise WorkbookError(problems)
    return result


def _uncsv(cell: str):
    if cell == "":
        return None
    if cell.startswith("'") and _FORMULA_START.match(cell):
        return cell[1:]
    return cell


# --- PlanError -> cells ------------------------------------------------------------------------

_THINGS = {"indicator": "code", "project": "code", "agency": "code", "issue": "number",
           "weight": "name"}
_PLAN_FIELDS = set(PlanSchema().fields)
_SCHEMA_PART = re.compile(r"^([A-Za-z_]\w*)((?:\.[^\s:]+)*): (.*)$", re.S)


def locate(problems: list[tuple[str, str]], locations: Mapping[str, tuple[str, int]]
           ) -> list[CellProblem]:
    """Each ``(where, what)`` of a PlanError (see plan_problems) as the cell to fix: the sheet and
    row ``where`` came from and, when ``where`` names a field, its column. A problem whose place
    is unknown keeps its ``where`` in the message, with no sheet."""
    located = []
    for where, what in problems:
        parts = _schema_parts(what) if where == "plan" else None
        if parts:
            located += [_locate_path(path, message, locations) for path, message in parts]
        else:
            located.append(_locate(where, what, locations))
    return located


def located_error(error: PlanError, locations: Mapping[str, tuple[str, int]]) -> WorkbookError:
    """A PlanError raised for an imported plan, as a WorkbookError pointing at cells."""
    if error.problems:
        return WorkbookError(locate(error.problems, locations))
    return WorkbookError([CellProblem("", None, None, str(error))])


def _schema_parts(what: str) -> list[tuple[str, str]] | None:
    """``issues.0.indicators.1.direction: Must be one of ...; projects.0.sdgs.0: ...`` (a schema
    error as prepare_plan reports it) as (path, message) pairs; None for any other text."""
    parts = []
    for part in re.split(r"; (?=[A-Za-z_][\w.\-]*: )", what):
        match = _SCHEMA_PART.match(part)
        if not match or match.group(1) not in _PLAN_FIELDS:
            return None
        parts.append((match.group(1) + match.group(2), match.group(3)))
    return parts


def _plan_row(locations, name: str):
    return locations.get(f"plan, {name}") or locations.get("plan")


def _locate(where: str, what: str, locations) -> CellProblem:
    thing, _, field = where.partition(", ")
    kind = thing.split(" ", 1)[0]
    if thing == "plan":
        if not field:
            field = ("cluster" if what.startswith("unknown cluster") else
                     "end_fy" if what.startswith("end_fy") else "")
        place = _plan_row(locations, field) if field else locations.get("plan")
        if place:
            return CellProblem(place[0], place[1] if field else None,
                               "value" if field else None, what)
    elif field in ("quarterly_targets", "province_targets"):
        detail = _target_detail(field, what)
        for key in ([f"{thing}, {field} {detail}"] if detail else []) + [f"{thing}, {field}"]:
            if key in locations:
                column = ("province" if "is not in the plan" in what else
                          "period" if "outside" in what else None)
                return CellProblem(*locations[key], column, what)
        if thing in locations:
            return CellProblem(*locations[thing], None, what)
    elif thing in locations:
        sheet, row = locations[thing]
        column = _column(kind, field, what) if field else None
        if not field and what.endswith("used twice"):
            repeat = locations.get(f"{thing} #2")
            sheet, row = repeat or (sheet, row)
            column = _THINGS.get(kind)
        elif not field and kind == "weight":
            missing = re.fullmatch(r"no value for ([^,\s]+)", what)
            column = missing.group(1) if missing else None
        elif not field and kind == "agency" and what.startswith("province "):
            column = "province"
        return CellProblem(sheet, row, column, what)
    return CellProblem("", None, None, f"{where}: {what}")


def _target_detail(field: str, what: str) -> str:
    words = what.split()
    if field == "quarterly_targets":
        return words[0] if words and re.fullmatch(r"FY\d{4}-Q[1-4]", words[0]) else ""
    if len(words) > 1 and re.fullmatch(r"FY\d{4}", words[1]):
        return f"{words[0]} {words[1]}"
    return words[0] if words else ""


def _column(kind: str, field: str, what: str) -> str:
    if field == "targets":
        year = re.match(r"(FY\d{4})\b", what)
        return f"targets {year.group(1)}" if year else "targets"
    if field == "baseline":
        return "baseline fiscal_year" if "year" in what else "baseline value"
    if field == "data_source":
        return "data_source agency" if "agency" in what else "data_source name"
    return field


def _locate_path(path: str, message: str, locations) -> CellProblem:
    parts = path.split(".")
    for end in range(len(parts), 0, -1):
        key = ".".join(parts[:end])
        if key in locations:
            sheet, row = locations[key]
            rest = parts[end:]
            if parts[0] == "weights":  # weights.<name>.value.<province>.value
                column = rest[1] if len(rest) > 1 else None
            elif not rest:
                column = None
            elif rest[0] in ("targets", "budget_by_category", "planned_disbursement"):
                column = f"{rest[0]} {rest[1]}" if len(rest) > 2 and rest[2] == "value" \
                    else rest[0]
            elif rest[0] in ("baseline", "data_source", "strategy") and len(rest) > 1:
                column = f"{rest[0]} {rest[1]}"
            else:
                column = rest[0]
            return CellProblem(sheet, row, column, message)
    if parts[0] in _PLAN_FIELDS:
        name = " ".join(parts[:2]) if parts[0] == "revision" else parts[0]
        place = locations.get(f"plan, {name}")
        if place:
            return CellProblem(place[0], place[1], "value", message)
    return CellProblem("", None, None, f"{path}: {message}")


# --- the documented template -------------------------------------------------------------------

def describe_template() -> str:
    """The sheets and columns as Markdown tables (docs/plan-workbook.md includes this text)."""
    out = []
    for sheet in SHEETS:
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


"""Reading a plan from an Excel workbook or a ZIP of CSV files (see the package's docstring); cells
and files are read by the spreadsheet kernel (services/infra/spreadsheet), off the eventlet hub."""
from __future__ import annotations

import posixpath
import re
import zipfile

from services.contracts.plans import BUDGET_CATEGORIES, QUARTERS
from services.contracts.rules import INDICATOR_RULES
from services.infra.spreadsheet import (PLAN_LIMITS, Bad, CellProblem, Grid, SheetUnreadable,
                                        as_text, csv_grid, english_name, is_blank, is_xlsx, number,
                                        off_hub, open_zip, parse_date, shown, whole_number,
                                        xlsx_grids, from_csv)

from .layout import (ABSENT, AGENCIES, BASELINES, BOOL, BOOL_WORDS, CHOICE, CODE, DATE, FORM_TH, INDICATORS,
                     INT, INT_LIST, ISSUES, LIST, LIST_SEPARATOR, NUMBER, OBJECTIVES, OUTPUTS,
                     OPTIONAL_PLAN_FIELDS, PLAN_FIELDS, PROJECTS, RAW, REVISION_FIELDS, RULES,
                     SHEETS, TARGETS, TEXT, WEIGHTS,
                     BAD, BY_KEY, EMPTY, PERIOD_QUARTER, PERIOD_YEAR,
                     TARGET_COLUMN, Column, Locations, Sheet, WorkbookError)

# --- reading cells -----------------------------------------------------------------------------

def _bool(value) -> bool:
    if isinstance(value, bool):
        return value
    word = as_text(value).strip().lower()
    if word in BOOL_WORDS:
        return BOOL_WORDS[word]
    raise Bad(f"{shown(value)} ไม่ใช่ TRUE หรือ FALSE", f"{shown(value)} is not TRUE or FALSE")


def _choice(value, choices) -> str:
    word = as_text(value).strip().lower()
    if word not in choices:
        raise Bad(f"{shown(value)} ไม่ใช่ค่าที่กำหนด: ใช้ {', '.join(choices)}",
                  f"{shown(value)} is not one of {', '.join(choices)}")
    return word


def _items(value) -> list[str]:
    return [item.strip() for item in as_text(value).split(LIST_SEPARATOR) if item.strip()]


def _parse(column: Column, value):
    """The cell's value for ``column``; ``EMPTY`` for an empty cell; raises Bad."""
    if is_blank(value):
        return EMPTY
    kind = column.kind
    if kind == RAW:
        return value
    if kind == TEXT:
        return as_text(value)
    if kind == CODE:
        return as_text(value).strip()
    if kind == INT:
        return whole_number(value)
    if kind == NUMBER:
        return number(value)
    if kind == BOOL:
        return _bool(value)
    if kind == CHOICE:
        return _choice(value, column.choices)
    if kind == DATE:
        return parse_date(value).isoformat()
    if kind == LIST:
        items = _items(value)
        if column.choices:
            bad = [item for item in items if item.lower() not in column.choices]
            if bad:
                listed = ", ".join(map(shown, bad))
                raise Bad(f"{listed} ไม่ใช่ค่าที่กำหนด: ใช้ {', '.join(column.choices)}",
                          f"{listed} {'is' if len(bad) == 1 else 'are'} not one of "
                          f"{', '.join(column.choices)}")
            items = [item.lower() for item in items]
        return items
    if kind == INT_LIST:
        numbers, bad = [], []
        for item in _items(value):
            try:
                numbers.append(whole_number(item))
            except Bad:
                bad.append(item)
        if bad:
            listed = ", ".join(map(shown, bad))
            raise Bad(f"{listed} ไม่ใช่จำนวนเต็ม", f"{listed} " + (
                "is not a whole number" if len(bad) == 1 else "are not whole numbers"))
        return numbers
    raise AssertionError(kind)


# --- reading sheets ----------------------------------------------------------------------------

class _Record(dict):
    def __init__(self, row: int):
        super().__init__()
        self.row = row
        self.extra: dict[str, object] = {}  # dynamic columns: targets FY####, provinces

    def get_value(self, column: Column):
        value = self.get(column.name, EMPTY)
        if value is EMPTY:
            return list(column.empty) if isinstance(column.empty, list) else column.empty
        return None if value is BAD else value

    def filled(self, *names: str) -> bool:
        return any(self.get(name, EMPTY) is not EMPTY for name in names)


class _Reader:
    """Collects every problem while the sheets are read and the plan is put together."""

    def __init__(self):
        self.problems: list[CellProblem] = []
        self.broken: set[str] = set()  # sheets missing or without a usable header: rows that
        # refer to them are not checked against them (one problem, not one per row)

    def add(self, sheet: str, row: int | None, column: str | None, message: str,
            message_th: str) -> None:
        self.problems.append(CellProblem(sheet, row, column, message, message_th))

    def table(self, grid: Grid, spec: Sheet) -> list[_Record]:
        from openpyxl.utils import get_column_letter

        if not grid.rows or grid.rows[0][0] != 1:
            names = ", ".join(c.name for c in spec.columns)
            self.add(grid.title, 1, None, f"row 1 must hold the column headers ({names})",
                     f"แถวที่ 1 ต้องเป็นหัวคอลัมน์ ({names})")
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
            name = english_name(as_text(cell))
            column = spec.column(name)
            key = None
            if column is not None:
                name = column.name
            elif spec.dynamic == "targets" and (match := TARGET_COLUMN.match(name)):
                key = f"FY{int(match.group(1))}"
                name = f"targets {key}"
            elif spec.dynamic == "provinces":
                key = name
            else:
                expected = ", ".join(c.name for c in spec.columns)
                if spec.dynamic == "targets":
                    expected += ", targets FY2567, ..."
                self.add(grid.title, 1, name, f"unknown column; the columns are {expected}",
                         f"ไม่รู้จักคอลัมน์นี้ คอลัมน์ที่ใช้ได้คือ {expected}")
                continue
            if name in seen:
                first, second = get_column_letter(seen[name] + 1), get_column_letter(index + 1)
                self.add(grid.title, 1, name, f"the column appears twice (columns {first} and "
                         f"{second})", f"คอลัมน์นี้ซ้ำกัน (คอลัมน์ {first} และ {second})")
                continue
            seen[name] = index
            if key is None:
                fixed[name] = index
            else:
                extra[name] = (index, key)
        for column in spec.columns:
            if column.name not in fixed and not column.optional:
                self.add(grid.title, None, column.name, f"the column is missing "
                         f"(header '{column.header}')", f"ไม่มีคอลัมน์นี้ (หัวคอลัมน์ "
                         f"'{column.header}')")
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
                if value is not EMPTY:
                    record.extra[key] = value
            for index, value in enumerate(cells):
                if (index in headless or index >= len(header)) and not is_blank(value):
                    self.add(grid.title, row, get_column_letter(index + 1),
                             f"{shown(as_text(value))} is in a column without a header",
                             f"{shown(as_text(value))} อยู่ในคอลัมน์ที่ไม่มีหัวคอลัมน์")
            records.append(record)
        return records

    def cell(self, sheet: str, row: int, column: Column, value):
        try:
            parsed = _parse(column, value)
        except Bad as bad:
            self.problems.append(bad.at(sheet, row, column.name))
            return BAD
        if parsed is EMPTY and column.required:
            self.add(sheet, row, column.name, "a value is required", "ต้องกรอกค่าในช่องนี้")
        return parsed


def _read(grids: list[Grid], form: str) -> tuple[dict, Locations]:
    reader = _Reader()
    found: dict[str, Grid] = {}
    for grid in grids:
        key = english_name(re.sub(r"\.csv$", "", grid.title, flags=re.IGNORECASE)).lower()
        if key not in BY_KEY:
            continue  # a sheet of the officer's own: ignored
        if key in found:
            reader.add(grid.title, None, None, f"a second {key} {form} (the first is "
                       f"'{found[key].title}')", f"{key} ซ้ำเป็น{FORM_TH[form]}ที่สอง "
                       f"(อันแรกคือ '{found[key].title}')")
            continue
        found[key] = grid
    for sheet in SHEETS:
        if sheet.key not in found and not sheet.optional:
            name = sheet.title if form == "sheet" else sheet.filename
            reader.add(name, None, None, f"the {form} is missing", f"ไม่มี{FORM_TH[form]}นี้")
            reader.broken.add(sheet.key)
    tables = {key: (grid.title, reader.table(grid, BY_KEY[key])) for key, grid in found.items()}
    plan, locations = _assemble(tables, reader)
    if reader.problems:  # in the layout's order of sheets, then by row
        order = {name: n for n, sheet in enumerate(SHEETS)
                 for name in (sheet.title, sheet.filename)}
        order.update({grid.title: order[BY_KEY[key].title] for key, grid in found.items()})
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
        return tables.get(key, (BY_KEY[key].title, []))

    plan = _assemble_plan(*rows("plan"), reader, where)

    title, records = rows("weights")
    weights: dict[str, dict] = {}
    for record in records:
        name = record.get_value(WEIGHTS.column("name"))
        if name is None:
            continue
        if name in weights:
            first = locations['weight ' + name][1]
            reader.add(title, record.row, "name", f"weight {name!r} is on row {first} already",
                       f"ตัวถ่วงน้ำหนัก {name!r} มีอยู่แล้วที่แถว {first}")
            continue
        weights[name] = {province: value for province, value in record.extra.items()
                         if value is not BAD}
        where(f"weight {name}", title, record.row)
        where(f"weights.{name}", title, record.row)

    issues = _assemble_issues(rows("issues"), rows("objectives"), rows("indicators"),
                              rows("targets"), reader, where)
    _assemble_baselines(*rows("baselines"), issues, reader, where)
    projects = _assemble_projects(rows("projects"), rows("outputs"), reader, where)

    title, records = rows("agencies")
    agencies = []
    for record in records:
        agency = _values(record, AGENCIES, "code", "name_th", "name_en", "province", "kind",
                         "emails", "roles", "language", "sample")
        where(f"agency {agency['code']}", title, record.row)
        where(f"agencies.{len(agencies)}", title, record.row)
        agencies.append(agency)

    _assemble_rules(*rows("rules"), issues, projects, reader, where)
    plan.update(weights=weights, issues=issues, projects=projects, agencies=agencies)
    return plan, locations


def _assemble_rules(title: str, records: list[_Record], issues: list[dict], projects: list[dict],
                    reader: _Reader, where) -> None:
    """Each row of the rules sheet into its indicator's or project's ``validation``."""
    indicators = {i["code"]: i for issue in issues for i in issue["indicators"] if i["code"]}
    by_code = {p["code"]: p for p in projects if p["code"]}
    seen: dict[tuple[str, str], int] = {}
    for record in records:
        subject, rule = (record.get_value(RULES.column(n)) for n in ("subject", "rule"))
        if subject is None or rule is None:
            continue
        kind, things = (("indicator", indicators) if rule in INDICATOR_RULES
                        else ("project", by_code))
        if subject not in things:
            if f"{kind}s" not in reader.broken:
                reader.add(title, record.row, "subject", f"{subject} is not a {kind} of the plan "
                           f"(rule {rule} is for {kind}s)", f"{subject} ไม่ใช่"
                           f"{'ตัวชี้วัด' if kind == 'indicator' else 'โครงการ'}ในแผน "
                           f"(เกณฑ์ {rule} ใช้กับ{'ตัวชี้วัด' if kind == 'indicator' else 'โครงการ'})")
            continue
        if (subject, rule) in seen:
            reader.add(title, record.row, "rule", f"the same rule is on row "
                       f"{seen[subject, rule]}", f"เกณฑ์เดียวกันนี้มีอยู่แล้วที่แถว "
                       f"{seen[subject, rule]}")
            continue
        seen[subject, rule] = record.row
        thing = things[subject]
        thing["validation"] = {**(thing.get("validation") or {}),
                               rule: record.get_value(RULES.column("value"))}
        where(f"{kind} {subject}, validation", title, record.row)
        where(f"{kind} {subject}, validation {rule}", title, record.row)


def _assemble_baselines(title: str, records: list[_Record], issues: list[dict], reader: _Reader,
                        where) -> None:
    """Each row of the baselines sheet into its indicator's ``province_baselines``."""
    indicators = {i["code"]: i for issue in issues for i in issue["indicators"] if i["code"]}
    seen: dict[tuple[str, str], int] = {}
    for record in records:
        code, province, value, year = (record.get_value(BASELINES.column(name)) for name in
                                       ("indicator", "province", "value", "fiscal_year"))
        if code is not None and code not in indicators:
            if "indicators" not in reader.broken:
                reader.add(title, record.row, "indicator", f"indicator {code} is not on the "
                           f"{INDICATORS.title} sheet", f"ไม่มีตัวชี้วัด {code} ในแผ่นงาน "
                           f"{INDICATORS.title}")
            continue
        if None in (code, province, value, year):
            continue  # an empty required cell is reported already
        if (code, province) in seen:
            reader.add(title, record.row, "province", f"{province} has a baseline for {code} on "
                       f"row {seen[code, province]} already", f"{province} มีค่าฐานของ {code} "
                       f"อยู่แล้วที่แถว {seen[code, province]}")
            continue
        seen[code, province] = record.row
        indicators[code]["province_baselines"][province] = {"value": value, "fiscal_year": year}
        where(f"indicator {code}, province_baselines", title, record.row)
        where(f"indicator {code}, province_baselines {province}", title, record.row)


def _assemble_plan(title: str, records: list[_Record], reader: _Reader, where) -> dict:
    fields = {column.name: column for column in PLAN_FIELDS}
    values: dict[str, object] = {}
    rows: dict[str, int] = {}
    for record in records:
        name = record.get("field", EMPTY)
        if name is BAD or name is EMPTY:
            continue  # "a value is required" was said about the field cell
        name = english_name(name).lower()
        column = fields.get(name)
        if column is None:
            reader.add(title, record.row, "field", f"unknown field {name!r}; the fields are "
                       f"{', '.join(fields)}", f"ไม่รู้จักรายการ {name!r} รายการที่ใช้ได้คือ "
                       f"{', '.join(fields)}")
            continue
        if name in rows:
            reader.add(title, record.row, "field", f"{name} is on row {rows[name]} already",
                       f"{name} มีอยู่แล้วที่แถว {rows[name]}")
            continue
        rows[name] = record.row
        values[name] = reader.cell(title, record.row, Column("value", "", column.kind,
                                   column.required, column.empty, column.choices),
                                   None if record.get("value", EMPTY) is EMPTY
                                   else record["value"])
        where(f"plan, {name}", title, record.row)
    if "plan" not in reader.broken:
        for name, column in fields.items():
            if name not in rows and name not in OPTIONAL_PLAN_FIELDS:
                reader.add(title, None, "field", f"no row for {name} (header "
                           f"'{column.header}')", f"ไม่มีแถวของ {name} ('{column.header}')")
    where("plan", title, rows.get("id", 2))

    def value(name):
        raw = values.get(name, EMPTY)
        column = fields[name]
        if raw is EMPTY:
            return list(column.empty) if isinstance(column.empty, list) else column.empty
        return None if raw is BAD else raw

    plan = {name: value(name) for name in ("id", "cluster", "title_th", "title_en", "start_fy",
                                           "end_fy", "status", "vision_th", "vision_en",
                                           "provinces", "reference_version", "national_version",
                                           "version")}
    plan["national_entries"] = []  # derived from the links by plans, never read from a workbook
    revision_names = [f"revision {name}" for name in REVISION_FIELDS]
    if any(values.get(name, EMPTY) is not EMPTY for name in revision_names):
        if values.get("revision version", EMPTY) is EMPTY and "revision version" in rows:
            reader.add(title, rows["revision version"], "value",
                       "a revision needs its version number", "การปรับปรุงต้องมีฉบับที่")
        plan["revision"] = {name: value(f"revision {name}") for name in REVISION_FIELDS}
    else:
        plan["revision"] = None
    plan["sample"] = value("sample")
    plan["progress_frequency"] = value("progress_frequency")
    expiry = value("report_expiry_days")
    plan["validation"] = None if expiry is None else {"report_expiry_days": expiry}
    if "report_expiry_days" in rows:  # the schema names the plan's rule validation.<rule>
        where("plan, validation", title, rows["report_expiry_days"])
    return plan


def _assemble_issues(issue_rows, objective_rows, indicator_rows, target_rows, reader, where):
    title, records = issue_rows
    issues, by_number = [], {}
    for record in records:
        issue = _values(record, ISSUES, "number", "title_th", "title_en", "national_links")
        issue.update(objectives=[], approaches=[], indicators=[])
        where(f"issue {issue['number']}", title, record.row)
        where(f"issues.{len(issues)}", title, record.row)
        by_number.setdefault(issue["number"], (len(issues), issue))
        issues.append(issue)

    def issue_of(sheet, record):
        number = record.get("issue")
        if number is BAD or number is EMPTY:
            return None
        if number not in by_number:
            if "issues" in reader.broken:
                return None
            reader.add(sheet, record.row, "issue", f"issue {number} is not on the "
                       f"{ISSUES.title} sheet", f"ไม่มีประเด็นที่ {number} ในแผ่นงาน "
                       f"{ISSUES.title}")
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
        indicator = _values(record, INDICATORS, "code", "name_th", "name_en", "unit", "definition_th",
                            "definition_en", "formula", "direction", "aggregation", "weight",
                            "frequency", "cumulative")
        if record.filled("baseline value", "baseline fiscal_year"):
            baseline = _values(record, INDICATORS, "baseline value", "baseline fiscal_year")
            for name in ("baseline value", "baseline fiscal_year"):
                if record.get(name) is EMPTY:
                    reader.add(title, record.row, name, "a baseline needs both its value and "
                               "its fiscal year", "ค่าฐานต้องมีทั้งค่าและปีงบประมาณ")
            indicator["baseline"] = baseline
        else:
            indicator["baseline"] = None
        indicator["targets"] = {key: value for key, value in sorted(
            record.extra.items(), key=lambda kv: kv[0]) if value is not BAD}
        indicator.update(quarterly_targets={}, province_targets={}, province_baselines={})
        indicator.update(_values(record, INDICATORS, "provinces", "responsible_agency",
                                 "national_links"))
        names = ("data_source name", "data_source agency", "data_source method",
                 "data_source link")
        if record.filled(*names):
            if record.get("data_source name") is EMPTY:
                reader.add(title, record.row, "data_source name",
                           "a data source needs its name", "แหล่งข้อมูลต้องมีชื่อ")
            indicator["data_source"] = _values(record, INDICATORS, *names)
        else:
            indicator["data_source"] = None
        indicator["sample"] = record.get_value(INDICATORS.column("sample"))
        indicator["validation"] = None  # the rules sheet's rows fill it
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
                           f"{INDICATORS.title} sheet", f"ไม่มีตัวชี้วัด {code} ในแผ่นงาน "
                           f"{INDICATORS.title}")
            code = None
        if period is not None:
            quarter, year = PERIOD_QUARTER.match(period), PERIOD_YEAR.match(period)
            if province is None and quarter:
                period = f"FY{quarter.group(1)}-Q{quarter.group(2)}"
            elif province is not None and year:
                period = f"FY{year.group(1)}"
            else:
                reader.add(title, record.row, "period", (
                    f"{period!r}: a province's target is for a fiscal year, such as FY2567"
                    if province is not None else
                    f"{period!r}: a cluster target here is for a quarter, such as FY2567-Q2 "
                    "(yearly cluster targets are the indicators sheet's targets columns)"), (
                    f"{period!r}: เป้าหมายของจังหวัดเป็นรายปีงบประมาณ เช่น FY2567"
                    if province is not None else
                    f"{period!r}: เป้าหมายของกลุ่มจังหวัดในแผ่นงานนี้เป็นรายไตรมาส เช่น FY2567-Q2 "
                    "(เป้าหมายรายปีอยู่ในคอลัมน์ targets ของแผ่นงานตัวชี้วัด)"))
                period = None
        if code is None or period is None or value is None:
            continue
        key = (code, province, period)
        if key in seen:
            reader.add(title, record.row, "period", f"the same target is on row {seen[key]}",
                       f"เป้าหมายเดียวกันนี้มีอยู่แล้วที่แถว {seen[key]}")
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
        project.update(_values(record, PROJECTS, "national_links", "sdgs", "status", "sample"))
        project["validation"] = None  # the rules sheet's rows fill it
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
                           f"{PROJECTS.title} sheet", f"ไม่มีโครงการ {code} ในแผ่นงาน "
                           f"{PROJECTS.title}")
            continue
        index, project = by_code[code]
        where(f"project {code}, outputs", title, record.row)
        where(f"projects.{index}.outputs.{len(project['outputs'])}", title, record.row)
        project["outputs"].append(_values(record, OUTPUTS, "description_th", "description_en",
                                          "quantity", "unit"))
    return projects



def _whole_file(exc: SheetUnreadable) -> WorkbookError:
    return WorkbookError([CellProblem("", None, None, exc.message_en, exc.message_th)])


def _zip_members(data: bytes, form: str) -> zipfile.ZipFile:
    try:
        archive = open_zip(data, PLAN_LIMITS)  # the zip-bomb guard: sizes counted by unpacking
    except SheetUnreadable as exc:
        raise _whole_file(exc) from None
    if archive is not None:
        return archive
    expected_th, expected_en = (("ไฟล์ Excel (.xlsx)", "an Excel workbook (.xlsx)") if form == "xlsx"
                                else ("ไฟล์ ZIP ที่มีไฟล์ CSV แผ่นงานละไฟล์",
                                      "a ZIP file holding one CSV file per sheet"))
    hint_th = hint_en = ""
    if form == "csv" and b"," in bytes(data[:4096]):
        hint_th, hint_en = (" (ไฟล์ CSV ไฟล์เดียวเก็บทั้งแผนไม่ได้)",
                            " (a single CSV file cannot hold a whole plan)")
    raise WorkbookError([CellProblem("", None, None, f"this is not {expected_en}{hint_en}",
                                     f"ไฟล์นี้ไม่ใช่{expected_th}{hint_th}")])


def xlsx_to_plan(data: bytes) -> tuple[dict, Locations]:
    """The plan document in an Excel workbook and where each part of it is; raises
    WorkbookError listing every cell that cannot be read. Read off the eventlet hub."""
    return off_hub(_xlsx_to_plan, data)


def _xlsx_to_plan(data: bytes) -> tuple[dict, Locations]:
    archive = _zip_members(data, "xlsx")
    if not is_xlsx(archive):
        csvs = any(name.lower().endswith(".csv") for name in archive.namelist())
        raise WorkbookError([CellProblem(
            "", None, None, "this is not an Excel workbook (.xlsx)"
            + ("; it is a ZIP of CSV files: upload it as CSV" if csvs else ""),
            "ไฟล์นี้ไม่ใช่ไฟล์ Excel (.xlsx)"
            + (" แต่เป็น ZIP ของไฟล์ CSV: อัปโหลดเป็น CSV" if csvs else ""))])
    try:
        grids = xlsx_grids(data, PLAN_LIMITS)
    except SheetUnreadable as exc:
        raise _whole_file(exc) from None
    return _read(grids, "sheet")



def csv_to_plan(data: bytes) -> tuple[dict, Locations]:
    """The plan document in a ZIP of CSV files and where each part of it is; raises
    WorkbookError listing every cell that cannot be read. Read off the eventlet hub."""
    return off_hub(_csv_to_plan, data)


def _csv_to_plan(data: bytes) -> tuple[dict, Locations]:
    archive = _zip_members(data, "csv")
    if is_xlsx(archive):
        raise WorkbookError([CellProblem("", None, None, "this is an Excel workbook, not a ZIP "
                                         "of CSV files: upload it as .xlsx",
                                         "ไฟล์นี้เป็นไฟล์ Excel ไม่ใช่ ZIP ของไฟล์ CSV: "
                                         "อัปโหลดเป็น .xlsx")])
    grids, problems = [], []
    for info in archive.infolist():
        name = posixpath.basename(info.filename)
        if info.is_dir() or info.filename.startswith("__MACOSX/") or name.startswith(".") \
                or not name.lower().endswith(".csv"):
            continue
        try:  # the whole archive was unpacked once already by the zip-bomb guard
            grid = csv_grid(archive.read(info), name, PLAN_LIMITS)
        except SheetUnreadable as exc:
            problems.append(CellProblem(name, None, None, exc.message_en, exc.message_th))
            continue
        grid.rows = [(row, cells) for row, cells in
                     ((row, _trimmed([_uncsv(cell) for cell in cells])) for row, cells in grid.rows)
                     if cells]
        grids.append(grid)
    try:
        result = _read(grids, "file")
    except WorkbookError as exc:
        raise WorkbookError(problems + exc.problems) from None
    if problems:
        raise WorkbookError(problems)
    return result


def _trimmed(cells: list) -> list:
    while cells and cells[-1] is None:
        cells.pop()
    return cells


def _uncsv(cell: str | None):
    if cell is None or cell == "":
        return None
    return from_csv(cell)

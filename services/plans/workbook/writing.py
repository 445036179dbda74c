"""Writing a plan as an Excel workbook or a ZIP of CSV files, laid out as docs/plan-workbook.md
describes."""
from __future__ import annotations

import csv
import io
import unicodedata
import zipfile

from services.infra.spreadsheet import csv_cell, keep_as_text, number_text

from .layout import (ABSENT, AGENCIES, BASELINES, BOOL, CHOICE, INDICATORS, INT, INT_LIST, ISSUES, LIST,
                     NATIONAL_LIST, NUMBER, OBJECTIVES, OUTPUTS, PLAN, PLAN_FIELDS, PROJECTS,
                     REVISION_FIELDS, RULES,
                     SHEETS, TARGETS, TYPE_NAMES, WEIGHTS, Column, Sheet,
                     province_header, target_header)

# --- writing -----------------------------------------------------------------------------------

def _cell_value(column: Column, value):
    if column.kind in (LIST, INT_LIST):
        return ", ".join(str(item) for item in value or []) or None
    if value == "" or value is ABSENT:
        return None
    return value


def _tables(plan: dict, national: list[dict] | None = None
            ) -> list[tuple[Sheet, list[Column], list[list]]]:
    """Every sheet as (sheet, its columns in order, rows of cell values); with ``national``
    (the entries of the plan's hierarchy: code, level_th, name_th, name_en, verified), the
    list sheet last."""
    revision = plan.get("revision") or {}
    plan_values = {**{name: plan.get(name) for name in (
        "id", "cluster", "title_th", "title_en", "start_fy", "end_fy", "status", "vision_th",
        "vision_en", "provinces", "reference_version", "national_version", "version", "sample")},
        "progress_frequency": plan.get("progress_frequency") or "quarterly",
        "report_expiry_days": (plan.get("validation") or {}).get("report_expiry_days"),
        **{f"revision {name}": revision.get(name) for name in REVISION_FIELDS}}
    plan_rows = [[column.header, _cell_value(column, plan_values[column.name])]
                 for column in PLAN_FIELDS]

    issues = plan.get("issues", [])
    issue_rows, objective_rows, indicator_rows, target_rows = [], [], [], []
    baseline_rows = []
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
        issue_rows.append([issue["number"], issue.get("title_th"), issue.get("title_en"),
                           _cell_value(ISSUES.column("national_links"), issue.get("national_links"))])
        for key, kind in (("objectives", "objective"), ("approaches", "approach")):
            for statement in issue.get(key, []):
                objective_rows.append([issue["number"], kind, statement["th"],
                                       statement.get("en")])
        for ind in issue.get("indicators", []):
            baseline, source = ind.get("baseline") or {}, ind.get("data_source") or {}
            values = {**{name: ind.get(name) for name in (
                "code", "name_th", "name_en", "unit", "definition_th", "definition_en", "formula",
                "direction", "aggregation", "weight", "frequency", "cumulative", "provinces",
                "responsible_agency", "national_links", "sample")},
                "issue": issue["number"],
                "baseline value": baseline.get("value"),
                "baseline fiscal_year": baseline.get("fiscal_year"),
                "data_source name": source.get("name"), "data_source agency": source.get("agency"),
                "data_source method": source.get("method"), "data_source link": source.get("link"),
                **{f"targets {key}": value for key, value in ind.get("targets", {}).items()}}
            indicator_rows.append([_cell_value(c, values.get(c.name)) for c in indicator_columns])
            for period, value in ind.get("quarterly_targets", {}).items():
                target_rows.append([ind["code"], None, period, value])
            for province, targets in ind.get("province_targets", {}).items():
                for period, value in targets.items():
                    target_rows.append([ind["code"], province, period, value])
            for province, baseline in ind.get("province_baselines", {}).items():
                baseline_rows.append([ind["code"], province, baseline["value"],
                                      baseline["fiscal_year"]])

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

    rule_rows = [[thing["code"], rule, value]
                 for thing in [i for issue in issues for i in issue.get("indicators", [])]
                 + plan.get("projects", [])
                 for rule, value in (thing.get("validation") or {}).items()]

    def clean(rows):
        return [[None if value == "" else value for value in row] for row in rows]

    return [(PLAN, list(PLAN.columns), plan_rows),
            (ISSUES, list(ISSUES.columns), clean(issue_rows)),
            (OBJECTIVES, list(OBJECTIVES.columns), clean(objective_rows)),
            (INDICATORS, indicator_columns, indicator_rows),
            (TARGETS, list(TARGETS.columns), target_rows),
            (BASELINES, list(BASELINES.columns), baseline_rows),
            (WEIGHTS, weight_columns, weight_rows),
            (PROJECTS, list(PROJECTS.columns), project_rows),
            (OUTPUTS, list(OUTPUTS.columns), clean(output_rows)),
            (AGENCIES, list(AGENCIES.columns), agency_rows),
            (RULES, list(RULES.columns), rule_rows)] + ([
            (NATIONAL_LIST, list(NATIONAL_LIST.columns), clean(
                [[e["code"], e["level_th"], e["name_th"], e["name_en"], e["verified"]]
                 for e in national]))] if national else [])


def _header(sheet: Sheet, column: Column) -> str:
    if column.name.startswith("targets FY"):
        return target_header(column.name.split(" ", 1)[1])
    if sheet is WEIGHTS and column.name != "name":
        return province_header(column.name)
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

def plan_to_xlsx(plan: dict, national: list[dict] | None = None) -> bytes:
    """The plan as an Excel workbook (.xlsx) laid out as docs/plan-workbook.md describes; with
    ``national`` (see _tables), the list sheet and the national_links drop-downs."""
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
        if isinstance(value, str):
            keep_as_text(cell)  # text, never a formula
        elif (isinstance(value, float) and float("%.16g" % value) != value
              or type(value) is int and abs(value) >= 10 ** 16):
            # openpyxl writes 16 significant digits, which may not read back the same: the
            # shortest exact text instead, still a number cell (its public value and type)
            cell.value = repr(value)  # an int's repr is its digits
            cell.data_type = "n"

    def validation(ws, column: Column, ref: str):
        if column.name == "national_links":
            if national:
                ws.add_data_validation(national_links_list(ref))
            return
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

    def national_links_list(ref: str):
        # a cell may hold several codes ("MP03, SDG2"): Excel checks a list cell as one value,
        # so other values pass without an error box (the plans service checks every code)
        rule = DataValidation(type="list", allow_blank=True, showErrorMessage=False,
                              formula1=f"'{NATIONAL_LIST.title}'!$A$2:$A${len(national) + 1}")
        rule.showInputMessage = True
        rule.promptTitle = "national_links"
        rule.prompt = ("เลือกรหัสจากรายการ หรือพิมพ์หลายรหัสคั่นด้วยจุลภาค เช่น MP03, SDG2 / "
                       "Pick a code, or type several separated by commas, e.g. MP03, SDG2 "
                       f"(sheet '{NATIONAL_LIST.title}')")[:255]  # Excel's limit
        rule.add(ref)
        return rule

    for sheet, columns, rows in _tables(plan, national):
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
        elif sheet is NATIONAL_LIST:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(rows) + 1, 2)}"
            ws.protection.sheet = True  # read-only: it is the hierarchy's, not the plan's
            ws.protection.autoFilter = False  # filtering and sorting still allowed
            ws.protection.sort = False
        else:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(rows) + 1, 2)}"
            for col, column in enumerate(columns, start=1):
                letter = get_column_letter(col)
                validation(ws, column, f"{letter}2:{letter}{last_row}")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()



# --- csv ---------------------------------------------------------------------------------------

def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return number_text(value)
    return csv_cell(str(value))  # never a formula (taken off again when read)


def plan_to_csv(plan: dict, national: list[dict] | None = None) -> bytes:
    """The plan as a ZIP of UTF-8 CSV files (with a byte-order mark, so Excel reads Thai), one
    per sheet of the workbook layout, named <sheet>.csv (national.csv: the list, not read)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for sheet, columns, rows in _tables(plan, national):
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow([_header(sheet, column) for column in columns])
            for row in rows:
                writer.writerow([_csv_text(value) for value in row])
            archive.writestr(sheet.filename, "\ufeff" + text.getvalue())
    return out.getvalue()

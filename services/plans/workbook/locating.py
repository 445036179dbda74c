"""The plan rules' problems (a PlanError of ``prepare_plan``) as the cells of an imported workbook
to fix."""
from __future__ import annotations

import re
from collections.abc import Mapping

from services.contracts.plans import PlanSchema
from services.infra.spreadsheet import CellProblem

from ..domain import PlanError
from .layout import WorkbookError

# --- PlanError -> cells ------------------------------------------------------------------------

_THINGS = {"indicator": "code", "project": "code", "agency": "code", "issue": "number",
           "weight": "name"}
_PLAN_FIELDS = set(PlanSchema().fields)
_SCHEMA_PART = re.compile(r"^([A-Za-z_]\w*)((?:\.[^\s:]+)*): (.*)$", re.S)


def _rule_problem(sheet: str, row: int | None, column: str | None, what: str) -> CellProblem:
    """A plan rule's problem (domain.plan_problems words it in English) at its cell; the Thai
    message says in Thai what kind of problem it is and quotes the rule's words."""
    return CellProblem(sheet, row, column, what, f"ข้อมูลไม่ผ่านเกณฑ์ของแผน: {what}")


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
    return WorkbookError([_rule_problem("", None, None, str(error))])


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
            return _rule_problem(place[0], place[1] if field else None,
                               "value" if field else None, what)
    elif field in ("quarterly_targets", "province_targets"):
        detail = _target_detail(field, what)
        for key in ([f"{thing}, {field} {detail}"] if detail else []) + [f"{thing}, {field}"]:
            if key in locations:
                column = ("province" if "is not in the plan" in what else
                          "period" if "outside" in what else None)
                return _rule_problem(*locations[key], column, what)
        if thing in locations:
            return _rule_problem(*locations[thing], None, what)
    elif field == "province_baselines":
        province = what.split()[0].rstrip(":") if what else ""
        for key in (f"{thing}, {field} {province}", f"{thing}, {field}", thing):
            if key in locations:
                column = "province" if "is not in the plan" in what else "fiscal_year"
                return _rule_problem(*locations[key], column if key != thing else None, what)
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
        return _rule_problem(sheet, row, column, what)
    return _rule_problem("", None, None, f"{where}: {what}")


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
            return _rule_problem(sheet, row, column, message)
    if parts[0] in _PLAN_FIELDS:
        name = " ".join(parts[:2]) if parts[0] == "revision" else parts[0]
        place = locations.get(f"plan, {name}")
        if place:
            return _rule_problem(place[0], place[1], "value", message)
    return _rule_problem("", None, None, f"{path}: {message}")

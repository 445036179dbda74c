"""Indicator values typed in a form instead of a workbook (the gateway's ``POST
/api/plans/{id}/reports`` and its /report-entry page), read as the rows of an upload by the
workbook's own cell parsers and plan rules (:mod:`.reading`), so ``report_bodies`` makes of them
exactly the reports - and event ids - a workbook with the same values makes."""
from __future__ import annotations

import json

from services.contracts.periods import PeriodError, parse_period
from services.infra.spreadsheet import Bad, shown

from .layout import INDICATOR_INPUTS, Row, Upload
from .reading import PlanRules, _check_duplicates, _code, _parse_inputs


# --- values typed in a form --------------------------------------------------------------------

ENTRY_SHEET = "entry"  # Row.sheet of a typed item; Row.row is the item's index in the list
ENTRY_FIELDS = ("indicator", "period", "value", "note", "evidence", "internal")


def read_entries(items: list, plan: dict | None = None) -> Upload:
    """Indicator values typed in a form (``POST /api/plans/{id}/reports``) as the rows of an
    upload: each item ``{indicator, period, value, note?, evidence?, internal?}`` read by the same
    cell parsers and plan rules as a workbook's row (a value typed as text is read as a cell is,
    ``1,250.5`` or Thai digits), every problem on its row in Thai and English, the row being the
    item's index and the cell the field's name. So ``report_bodies`` makes exactly the reports
    the workbook would have made of the same values (the same event ids)."""
    rules, rows, code_cells = PlanRules(plan), [], {}
    for index, item in enumerate(items):
        def place(name, index=index):
            return ENTRY_SHEET, index, name, name

        if not isinstance(item, dict):
            rows.append(Row(ENTRY_SHEET, index, "indicator", "", None, {}, [
                Bad(f"รายการที่ {index} ไม่ใช่ออบเจ็กต์ JSON", f"item {index} is not a JSON object"
                    ).at(ENTRY_SHEET, index, None)]))
            continue
        errors = [Bad(f"ไม่รู้จักช่อง {shown(name)} ใช้ได้เฉพาะ " + ", ".join(ENTRY_FIELDS),
                      f"unknown field {shown(name)}; the fields are " + ", ".join(ENTRY_FIELDS)
                      ).at(*place(None)) for name in item if name not in ENTRY_FIELDS]
        code = item.get("indicator")
        if not isinstance(code, str) or not code.strip():
            errors.append(Bad("ต้องระบุรหัสตัวชี้วัด (indicator) เป็นข้อความ",
                              "name the indicator: \"indicator\": its code, as text"
                              ).at(*place("indicator")))
            code = ""
        else:
            try:
                code = _code(code)
            except Bad as bad:
                errors.append(bad.at(*place("indicator")))
                code = ""
        period = _entry_period(item.get("period"), errors, place)
        raw = {name: item.get(name) for name in INDICATOR_INPUTS if name != "internal"}
        internal = _entry_internal(item, errors, place)
        bad_types = [name for name, value in raw.items()
                     if not isinstance(value, (str, int, float, type(None)))
                     or isinstance(value, bool) and name != "value"]
        for name in bad_types:  # a list or an object is no cell's content
            errors.append(Bad(f"{name} ต้องเป็นข้อความ{'หรือตัวเลข' if name == 'value' else ''}",
                              f"{name} must be {'a number or ' if name == 'value' else ''}text"
                              ).at(*place(name)))
            raw[name] = None if name != "value" else raw[name]
        if "value" in bad_types:
            fields_, problems = {}, []
        else:
            fields_, problems = _parse_inputs("indicator", raw, place)
            problems += rules.problems("indicator", code, fields_, place)
            if internal:  # as a workbook's row marked internal: in its body and its event id
                fields_["internal"] = True
        row = Row(ENTRY_SHEET, index, "indicator", code, period, fields_, errors + problems)
        code_cells[id(row)] = place("indicator")
        rows.append(row)
    _check_duplicates(rows, code_cells)
    return Upload(plan_id=(plan or {}).get("id"), province=None, period=None, rows=rows)


def _entry_internal(item: dict, errors: list, place) -> bool:
    """The item's internal mark: JSON true or false (left out: false), as the intake's schema
    takes it; anything else is an error on it, in Thai and English."""
    value = item.get("internal", False)
    if isinstance(value, bool):
        return value
    as_sent = json.dumps(value, ensure_ascii=False)[:50]  # null, "yes", 1: as the JSON had it
    errors.append(Bad(f"internal ต้องเป็น true หรือ false (ข้อมูลภายใน ไม่เผยแพร่สู่สาธารณะ) "
                      f"ไม่ใช่ {as_sent}",
                      f"internal must be true or false (not to be published outside the "
                      f"government), not {as_sent}").at(*place("internal")))
    return False


def _entry_period(value, errors: list, place) -> str | None:
    if not isinstance(value, str) or not value.strip():
        errors.append(Bad("ต้องระบุงวด (period) เช่น FY2568-Q1",
                          "name the period, e.g. \"period\": \"FY2568-Q1\"").at(*place("period")))
        return None
    try:
        return parse_period(value.strip()).code
    except PeriodError as exc:
        errors.append(Bad(f"งวด {shown(value)} ใช้ไม่ได้: ใช้ FY2568 (ปีงบประมาณ พ.ศ.), "
                          "FY2568-Q1 (ไตรมาส) หรือ 2025-01 (เดือน ปี ค.ศ.)", str(exc)
                          ).at(*place("period")))
        return None

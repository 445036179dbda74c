"""The spreadsheet kernel every workbook uses (services/infra/spreadsheet): Thai digits, B.E.
dates refused with the C.E. date to write, bilingual problems that say where, the zip-bomb
guard, the row limit, and parsing off the eventlet hub."""
import io
import time
from datetime import date, datetime

import eventlet
import openpyxl
import pytest

from services.assets import workbook as asset_sheets
from services.infra.report_workbook import read_workbook
from services.infra.spreadsheet import (Bad, CellProblem, Limits, SheetUnreadable, csv_grid,
                                        number, off_hub, parse_date, percent, whole_number,
                                        xlsx_grids)
from services.plans import workbook as plan_workbook
from tests.support.zipbomb import zip_bomb


@pytest.mark.parametrize("cell, value", [
    ("๑๒.๕", 12.5), ("๑,๒๕๐,๐๐๐", 1_250_000.0), ("1,234,567.50", 1234567.5), (" -3 ", -3.0),
    (7, 7.0), ("1e3", 1000.0)])
def test_numbers_take_thai_digits_and_thousands_separators(cell, value):
    assert number(cell) == value


@pytest.mark.parametrize("cell", ["1,23", "12,5.0", "NaN", "inf", "สองแสน", "1_000", True,
                                  date(2024, 1, 1)])
def test_what_is_not_a_number_is_refused_in_thai_and_english(cell):
    with pytest.raises(Bad) as refused:
        number(cell)
    assert refused.value.th and refused.value.en and refused.value.th != refused.value.en


def test_whole_numbers_and_percentages():
    assert whole_number("๒๕๖๗") == 2567 and whole_number("2,567") == 2567
    assert whole_number("12345678901234567890") == 12345678901234567890  # exact
    with pytest.raises(Bad, match="not a whole number"):
        whole_number("2567.5")
    assert percent("45 %") == 45.0 and percent("๔๕") == 45.0
    with pytest.raises(Bad) as refused:
        percent(150)
    assert "between 0 and 100" in refused.value.en and "ร้อยละ" in refused.value.th


def test_dates_are_ce_iso_and_thai_digits_are_read():
    assert parse_date("2024-03-31") == date(2024, 3, 31)
    assert parse_date("๒๐๒๔-๐๓-๓๑") == date(2024, 3, 31)
    assert parse_date(datetime(2024, 3, 31)) == date(2024, 3, 31)


@pytest.mark.parametrize("cell, th, en", [
    ("2567-03-31", "ปี พ.ศ.", "use the C.E. date (2024-03-31)"),
    (datetime(2567, 3, 31), "ปี พ.ศ.", "use the C.E. date (2024-03-31)"),
    ("31/03/2567", "2024-03-31", "2567 is a B.E. year: write 2024-03-31"),
    ("31 มี.ค. 2567", "2024-03-31", "write 2024-03-31"),
    ("31 มีนาคม ๒๕๖๗", "2024-03-31", "write 2024-03-31"),
])
def test_a_buddhist_era_or_thai_month_date_is_refused_with_the_ce_date_to_write(cell, th, en):
    with pytest.raises(Bad) as refused:
        parse_date(cell)
    assert th in refused.value.th and en in refused.value.en


@pytest.mark.parametrize("cell", ["soon", "next March", "2024-13-01", "31/02/2024", 45000, True])
def test_any_other_value_is_not_a_date(cell):
    with pytest.raises(Bad) as refused:
        parse_date(cell)
    assert "is not a date" in refused.value.en and "ไม่ใช่วันที่" in refused.value.th


def test_a_bad_date_string_is_a_bilingual_problem_naming_sheet_row_and_column_in_every_workbook():
    # assets: the registration sheet
    header = ",".join(f"{th} ({field})" for field, th, _ in asset_sheets.COLUMNS)
    row = "A-1,NE2-67-001,๒๕๖๗,durable_article,เครื่องสีข้าว,,1,เครื่อง,\"๒๕๐,๐๐๐\",someday,TH-33,,,,x"
    rows = asset_sheets.read_rows(f"{header}\n{row}\n".encode(), "csv")
    documents, problems = asset_sheets.to_documents(rows)
    assert problems == [CellProblem("", 2, "acquired_on", "'someday' is not a date: write "
                                    "YYYY-MM-DD, C.E., e.g. 2025-03-31")]
    assert "ไม่ใช่วันที่" in problems[0].message_th
    assert documents[0][1]["fiscal_year"] == 2567  # Thai digits, in the asset sheet too
    assert problems[0].as_dict()["message_en"] == problems[0].message
    # a CSV grid with the kernel's Bad, as the plan and report workbooks place it
    grid = csv_grid("as_of\nsomeday\n".encode(), "csv", Limits(2**20, 10))
    with pytest.raises(Bad) as refused:
        parse_date(grid.rows[1][1][0])
    problem = refused.value.at(grid.title, grid.rows[1][0], "as_of", "row 2, column as_of")
    assert str(problem).startswith("csv row 2, column as_of: 'someday' is not a date")
    assert problem.message_th.startswith("'someday' ไม่ใช่วันที่")


def test_the_zip_bomb_guard_is_one_and_bilingual():
    bomb = zip_bomb("xl/worksheets/sheet1.xml", 40)
    with pytest.raises(SheetUnreadable) as refused:
        xlsx_grids(bomb, Limits(max_unpacked=32 * 2**20, max_rows=10))
    assert "unpacks to more than 32 MB" in refused.value.message_en
    assert "32 MB" in refused.value.message_th
    liar = zip_bomb("xl/worksheets/sheet1.xml", 40, declare=1000)
    with pytest.raises(SheetUnreadable) as refused:
        xlsx_grids(liar, Limits(max_unpacked=32 * 2**20, max_rows=10))
    assert "cannot be unpacked" in refused.value.message_en and refused.value.message_th


def _sheet(rows: int) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "data"
    for n in range(rows):
        sheet.append([n, f"row {n}", n * 1.5])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_row_limit_is_named_when_exceeded():
    data = _sheet(12)
    assert len(xlsx_grids(data, Limits(2**24, 12))[0].rows) == 12
    with pytest.raises(SheetUnreadable) as refused:
        xlsx_grids(data, Limits(2**24, 11))
    assert "more than 11 filled rows" in refused.value.message_en
    assert "'data'" in refused.value.message_en and "11" in refused.value.message_th
    with pytest.raises(SheetUnreadable, match="more than 2 filled rows"):
        csv_grid(b"a\n1\n2\n", "x.csv", Limits(2**20, 2))


def test_the_row_limit_reaches_every_workbook(monkeypatch):
    from services.infra.report_workbook import reading as report_reading
    monkeypatch.setattr(report_reading, "REPORT_LIMITS", Limits(2**24, 3))
    with pytest.raises(SheetUnreadable, match="more than 3 filled rows"):
        read_workbook("r.csv", b"kind,code,period,value\n" + b"indicator,X,FY2568-Q1,1\n" * 4)
    monkeypatch.setattr(asset_sheets, "ASSET_LIMITS", Limits(2**24, 3))
    with pytest.raises(asset_sheets.SheetError) as refused:
        asset_sheets.read_rows(b"code\n1\n2\n3\n", "csv")
    assert "more than 3 filled rows" in refused.value.problems[0].message


def test_parsing_runs_off_the_hub_while_a_greenthread_keeps_running():
    """A large sheet parses in eventlet's thread pool: a greenthread ticking meanwhile gets to
    run many times (on the hub, it would not run until the parse ended)."""
    data = _sheet(20_000)
    ticks = []
    stop = []

    def ticker():
        while not stop:
            ticks.append(time.monotonic())
            eventlet.sleep(0.005)

    thread = eventlet.spawn(ticker)
    eventlet.sleep(0)
    started = time.monotonic()
    grids = off_hub(xlsx_grids, data, Limits(2**26, 30_000))
    ended = time.monotonic()
    stop.append(True)
    thread.wait()
    assert len(grids[0].rows) == 20_000
    during = [t for t in ticks if started < t < ended]
    assert ended - started > 0.05 and len(during) >= 5, (ended - started, len(during))


def test_the_workbooks_public_readers_go_off_the_hub(monkeypatch):
    import services.infra.spreadsheet.reading as kernel_reading
    from eventlet import tpool
    calls = []
    real = tpool.execute
    monkeypatch.setattr(tpool, "execute", lambda fn, *a, **k: calls.append(fn) or real(fn, *a, **k))
    with pytest.raises(plan_workbook.WorkbookError):
        plan_workbook.xlsx_to_plan(b"x")
    with pytest.raises(plan_workbook.WorkbookError):
        plan_workbook.csv_to_plan(b"x")
    with pytest.raises(asset_sheets.SheetError):
        asset_sheets.read_rows(b"", "csv")
    with pytest.raises(SheetUnreadable):
        read_workbook("r.csv", b"")
    assert len(calls) == 4 and kernel_reading.off_hub

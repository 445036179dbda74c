"""Uploaded workbooks (plans: .xlsx or a ZIP of CSV files; assets: .xlsx) that are ZIP bombs are
refused with a problem a person can read - and without unpacking them into memory, even when
their headers lie about their sizes."""
import tracemalloc

import pytest

from services.assets import workbook as asset_sheets
from services.plans import workbook as plan_workbook
from services.plans.workbook import WorkbookError
from tests.support.zipbomb import zip_bomb

READERS = {
    "plans xlsx": (plan_workbook.xlsx_to_plan, WorkbookError, "xl/worksheets/sheet1.xml"),
    "plans csv": (plan_workbook.csv_to_plan, WorkbookError, "plan.csv"),
    "assets xlsx": (lambda data: asset_sheets.read_rows(data, "xlsx"), asset_sheets.SheetError,
                    "xl/worksheets/sheet1.xml"),
}


def problems(error) -> str:
    return " | ".join(p.message for p in error.problems)


def peak_mb(call) -> float:
    tracemalloc.start()
    try:
        call()
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak / 2**20


@pytest.mark.parametrize("reader", sorted(READERS))
def test_a_bomb_that_declares_its_size_is_refused_unread(reader):
    read, error, member = READERS[reader]
    bomb = zip_bomb(member, 80, others=() if reader == "plans csv" else
                    ("[Content_Types].xml",))
    with pytest.raises(error) as refused:
        read(bomb)
    assert "unpacks to" in problems(refused.value) and "more than" in problems(refused.value)


@pytest.fixture(scope="module")
def lying_bombs():
    """256 MB each that say they unpack to 1000 bytes (uploads of about 250 KB)."""
    return {reader: zip_bomb(member, 256, declare=1000,
                             others=() if reader == "plans csv" else ("[Content_Types].xml",))
            for reader, (_, _, member) in READERS.items()}


@pytest.mark.parametrize("reader", sorted(READERS))
def test_a_bomb_that_lies_about_its_size_is_refused_without_inflating_it(reader, lying_bombs):
    read, error, _ = READERS[reader]
    bomb = lying_bombs[reader]
    assert len(bomb) < 2**20
    caught = []

    def attempt():
        try:
            read(bomb)
        except error as exc:
            caught.append(exc)
    peak = peak_mb(attempt)
    assert caught, "the bomb was read as a workbook"
    assert "cannot be unpacked" in problems(caught[0]) and "CRC" in problems(caught[0])
    assert peak < 16, f"{peak:.0f} MB allocated to refuse a {len(bomb) // 1024} KB upload"

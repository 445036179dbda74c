"""Thai fiscal periods (DESIGN 3.5): what a period code means and how people see it."""
from datetime import date

import pytest

from services.contracts.periods import (PeriodError, english_date, fiscal_year_bounds,
                                        fiscal_year_of, parse_period, thai_date)


def test_a_fiscal_year_runs_october_to_september_and_is_named_by_its_be_end_year():
    fy = parse_period("FY2567")
    assert (fy.start, fy.end) == (date(2023, 10, 1), date(2024, 9, 30))
    assert (fy.kind, fy.fiscal_year, fy.code) == ("yearly", 2567, "FY2567")
    assert fiscal_year_bounds(2567) == (date(2023, 10, 1), date(2024, 9, 30))


@pytest.mark.parametrize("code, start, end", [
    ("FY2567-Q1", date(2023, 10, 1), date(2023, 12, 31)),
    ("FY2567-Q2", date(2024, 1, 1), date(2024, 3, 31)),
    ("FY2567-Q3", date(2024, 4, 1), date(2024, 6, 30)),
    ("FY2567-Q4", date(2024, 7, 1), date(2024, 9, 30)),
    ("FY2570-Q1", date(2026, 10, 1), date(2026, 12, 31)),
])
def test_quarter_one_is_october_to_december(code, start, end):
    quarter = parse_period(code)
    assert (quarter.start, quarter.end, quarter.kind) == (start, end, "quarterly")
    assert quarter.fiscal_year == int(code[2:6])


def test_the_four_quarters_tile_the_fiscal_year_without_gap_or_overlap():
    fy = parse_period("FY2568")
    quarters = [parse_period(f"FY2568-Q{q}") for q in (1, 2, 3, 4)]
    assert quarters[0].start == fy.start and quarters[-1].end == fy.end
    for before, after in zip(quarters, quarters[1:]):
        assert (after.start - before.end).days == 1


@pytest.mark.parametrize("code, fiscal_year, end", [
    ("2023-09", 2566, date(2023, 9, 30)),   # last month of FY2566
    ("2023-10", 2567, date(2023, 10, 31)),  # first month of FY2567
    ("2024-01", 2567, date(2024, 1, 31)),
    ("2024-02", 2567, date(2024, 2, 29)),   # leap year
    ("2023-02", 2566, date(2023, 2, 28)),
    ("2024-09", 2567, date(2024, 9, 30)),
    ("2024-12", 2568, date(2024, 12, 31)),
])
def test_a_calendar_month_belongs_to_the_right_be_fiscal_year(code, fiscal_year, end):
    month = parse_period(code)
    assert (month.kind, month.fiscal_year, month.end) == ("monthly", fiscal_year, end)
    assert month.start == end.replace(day=1)


@pytest.mark.parametrize("day, fiscal_year", [
    (date(2023, 9, 30), 2566), (date(2023, 10, 1), 2567), (date(2024, 9, 30), 2567),
    (date(2024, 10, 1), 2568),
])
def test_fiscal_year_of_a_day(day, fiscal_year):
    assert fiscal_year_of(day) == fiscal_year


@pytest.mark.parametrize("code", [
    "FY2567-Q5", "FY2567-Q0", "fy2567", "FY67", "FY2567Q2", "2024-13", "2024-00", "2024-1",
    "Q2-FY2567", "", " FY2567", "FY2567 ", "2024/01",
    "FY2567\n", "FY2567-Q2\n", "2024-01\n",    # a trailing newline is not part of a code
    "FY๒๕๖๗", "FY๒๕๖๗-Q2", "๒๐๒๔-01",          # Thai digits: a different code for the same period
])
def test_invalid_codes_are_refused_with_examples_of_valid_ones(code):
    with pytest.raises(PeriodError) as error:
        parse_period(code)
    message = str(error.value)
    assert "FY2567" in message and "FY2567-Q2" in message and "2024-01" in message


def test_a_be_year_in_a_month_code_is_refused_with_a_hint():
    with pytest.raises(PeriodError, match="B.E."):
        parse_period("2567-01")


@pytest.mark.parametrize("code", [None, 2567, ["FY2567"]])
def test_a_code_that_is_not_a_string_is_refused(code):
    with pytest.raises(PeriodError, match="string"):
        parse_period(code)


@pytest.mark.parametrize("code, label_th, label_en", [
    ("FY2567", "ปีงบประมาณ พ.ศ. 2567", "Fiscal year 2024 (B.E. 2567)"),
    ("FY2567-Q2", "ไตรมาสที่ 2 ปีงบประมาณ พ.ศ. 2567", "Q2 of fiscal year 2024"),
    ("2024-01", "มกราคม 2567", "January 2024"),
    ("2023-12", "ธันวาคม 2566", "December 2023"),
])
def test_labels_show_be_years_in_thai_and_ce_years_in_english(code, label_th, label_en):
    period = parse_period(code)
    assert period.label_th == label_th
    assert period.label_en == label_en


def test_dates_for_people():
    assert thai_date(date(2024, 2, 1)) == "1 กุมภาพันธ์ 2567"
    assert english_date(date(2024, 2, 1)) == "1 February 2024"


def test_periods_sort_by_start():
    codes = ["FY2567-Q3", "FY2567-Q1", "FY2566-Q4", "FY2567-Q2"]
    assert [p.code for p in sorted(map(parse_period, codes))] == \
        ["FY2566-Q4", "FY2567-Q1", "FY2567-Q2", "FY2567-Q3"]

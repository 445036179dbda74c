"""Thai fiscal periods (DESIGN 3.5), shared by every service and shown to people.

A fiscal year runs 1 October - 30 September and is named by the Buddhist-Era year in which it
ends: FY2567 = 1 Oct 2023 - 30 Sep 2024 (B.E. = C.E. + 543); quarter 1 is October-December.
Period codes: ``FY2567`` (year), ``FY2567-Q2`` (quarter), ``2024-01`` (calendar month, C.E.).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, timedelta

BE_OFFSET = 543
MIN_FY, MAX_FY = 2500, 2800  # C.E. 1957-2257: anything else is a typo, not a period

THAI_MONTHS = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม",
               "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม")

_YEAR = re.compile(r"^FY(\d{4})\Z", re.ASCII)
_QUARTER = re.compile(r"^FY(\d{4})-Q([1-4])\Z", re.ASCII)
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])\Z", re.ASCII)


class PeriodError(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period; ``fiscal_year`` is the B.E. fiscal year it belongs to."""
    start: date
    end: date  # inclusive
    kind: str  # yearly | quarterly | monthly
    code: str
    fiscal_year: int

    @property
    def label_th(self) -> str:
        if self.kind == "yearly":
            return f"ปีงบประมาณ พ.ศ. {self.fiscal_year}"
        if self.kind == "quarterly":
            return f"ไตรมาสที่ {self.code[-1]} ปีงบประมาณ พ.ศ. {self.fiscal_year}"
        return f"{THAI_MONTHS[self.start.month - 1]} {self.start.year + BE_OFFSET}"

    @property
    def label_en(self) -> str:
        if self.kind == "yearly":
            return f"Fiscal year {self.fiscal_year - BE_OFFSET} (B.E. {self.fiscal_year})"
        if self.kind == "quarterly":
            return f"Q{self.code[-1]} of fiscal year {self.fiscal_year - BE_OFFSET}"
        return self.start.strftime("%B %Y")


def fiscal_year_of(day: date) -> int:
    """The B.E. fiscal year a C.E. date falls in."""
    return day.year + BE_OFFSET + (1 if day.month >= 10 else 0)


def fiscal_year_bounds(fy_be: int) -> tuple[date, date]:
    ce_end = fy_be - BE_OFFSET
    return date(ce_end - 1, 10, 1), date(ce_end, 9, 30)


def _month_end(year: int, month: int) -> date:
    first_next = date(year + (month == 12), month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def _plausible_fiscal_year(fy: int, code: str) -> int:
    if not MIN_FY <= fy <= MAX_FY:
        raise PeriodError(f"period {code!r}: fiscal years are B.E. years "
                          f"between {MIN_FY} and {MAX_FY} (FY2567 = Oct 2023 - Sep 2024)")
    return fy


def parse_period(code: str) -> Period:
    """Parse a period code; raises PeriodError saying what a valid code looks like."""
    if not isinstance(code, str):
        raise PeriodError("period must be a string such as FY2567, FY2567-Q2 or 2024-01")
    return _parse_period(code)


@lru_cache(maxsize=4096)  # a few hundred distinct codes, parsed on every report; Period is frozen
def _parse_period(code: str) -> Period:
    if m := _YEAR.match(code):
        fy = _plausible_fiscal_year(int(m.group(1)), code)
        start, end = fiscal_year_bounds(fy)
        return Period(start, end, "yearly", code, fy)
    if m := _QUARTER.match(code):
        fy, q = _plausible_fiscal_year(int(m.group(1)), code), int(m.group(2))
        fy_start, _ = fiscal_year_bounds(fy)
        month0 = fy_start.month - 1 + 3 * (q - 1)  # 0-based months from January of fy_start.year
        year, month = fy_start.year + month0 // 12, month0 % 12 + 1
        end_month0 = month0 + 2
        end = _month_end(fy_start.year + end_month0 // 12, end_month0 % 12 + 1)
        return Period(date(year, month, 1), end, "quarterly", code, fy)
    if m := _MONTH.match(code):
        year, month = int(m.group(1)), int(m.group(2))
        if year > 2400:
            raise PeriodError(f"month {code!r} looks like a B.E. year; months use C.E. years (2024-01)")
        if not MIN_FY - BE_OFFSET <= year <= MAX_FY - BE_OFFSET:
            raise PeriodError(f"month {code!r} is not a plausible year")
        start = date(year, month, 1)
        return Period(start, _month_end(year, month), "monthly", code, fiscal_year_of(start))
    raise PeriodError(
        f"period {code!r} is not a period code: use FY2567 (fiscal year, B.E.), "
        "FY2567-Q2 (fiscal quarter) or 2024-01 (calendar month, C.E.)")



def fiscal_quarter_of(day: date) -> tuple[int, int]:
    """(B.E. fiscal year, quarter 1-4) of a C.E. date: Oct-Dec is quarter 1."""
    return fiscal_year_of(day), (day.month - 10) % 12 // 3 + 1


def last_ended_period(kind: str, today: date) -> str:
    """The most recent period of ``kind`` (yearly, quarterly, monthly) that ended before today."""
    if kind == "monthly":
        previous = today.replace(day=1) - timedelta(days=1)
        return f"{previous.year}-{previous.month:02d}"
    fy, quarter = fiscal_quarter_of(today)
    if kind == "quarterly":
        return f"FY{fy}-Q{quarter - 1}" if quarter > 1 else f"FY{fy - 1}-Q4"
    return f"FY{fy - 1}"


def quarter_months(fy: int, quarter: int) -> list[str]:
    """The month codes of a fiscal quarter, in order (October-December are the C.E. year
    before the fiscal year's end)."""
    months = {1: (10, 11, 12), 2: (1, 2, 3), 3: (4, 5, 6), 4: (7, 8, 9)}[quarter]
    return [f"{fy - 543 - (m >= 10)}-{m:02d}" for m in months]


def bad_period_th(code) -> str:
    """The Thai words of a PeriodError, for a person who typed or chose ``code``."""
    return (f"งวด {code!r} ไม่ใช่รหัสงวดที่ใช้ได้: ใช้ FY2567 (ปีงบประมาณ พ.ศ.), FY2567-Q2 (ไตรมาส) "
            "หรือ 2024-01 (เดือน ปี ค.ศ.)")


def thai_date(day: date) -> str:
    """``1 กุมภาพันธ์ 2567`` - a date as Thai readers expect it, in B.E."""
    return f"{day.day} {THAI_MONTHS[day.month - 1]} {day.year + BE_OFFSET}"


def english_date(day: date) -> str:
    return f"{day.day} {day.strftime('%B %Y')}"

"""Reading one cell, the same way in every workbook (plans, assets, province reports).

A cell holds what openpyxl gives (None, str, int, float, bool, date, datetime, time) or, from a
CSV file, text. Every reader here returns the parsed value or raises :class:`Bad` with a Thai and
an English message that names the cell's content; the workbook adds where (:class:`CellProblem`).

Rules shared by every workbook:
* blank: nothing, or only spaces (:func:`is_blank`);
* numbers: Thai digits (๐-๙) as well as 0-9, thousands separators only in their places
  (``1,234,567.5``), no NaN/infinity, no TRUE/FALSE, no dates;
* dates: an Excel date cell, or text ``YYYY-MM-DD`` in C.E. (Thai digits allowed). A Buddhist-Era
  year (2400 or later), a day/month/year text or a Thai month name (``31 มี.ค. 2568``) is refused
  with the C.E. date to write when it can be worked out. Any other text is not a date.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

from services.contracts.periods import BE_OFFSET

BE_FROM = 2400   # a year this large in a date is a B.E. year
THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
MAX_SHOWN_CHARS = 60

_ENGLISH = re.compile(r"[(（]([^()（）]*)[)）]\s*$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$", re.ASCII)
_WHOLE = re.compile(r"^[+-]?\d+$", re.ASCII)
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$", re.ASCII)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$", re.ASCII)
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$", re.ASCII)
_YEAR_IN_TEXT = re.compile(r"(?<!\d)(\d{4})(?!\d)", re.ASCII)
THAI_MONTHS = (  # (full name, abbreviation) for months 1-12
    ("มกราคม", "ม.ค."), ("กุมภาพันธ์", "ก.พ."), ("มีนาคม", "มี.ค."), ("เมษายน", "เม.ย."),
    ("พฤษภาคม", "พ.ค."), ("มิถุนายน", "มิ.ย."), ("กรกฎาคม", "ก.ค."), ("สิงหาคม", "ส.ค."),
    ("กันยายน", "ก.ย."), ("ตุลาคม", "ต.ค."), ("พฤศจิกายน", "พ.ย."), ("ธันวาคม", "ธ.ค."))
_MONTH_BY_NAME = {name.replace(".", ""): number for number, names in enumerate(THAI_MONTHS, 1)
                  for name in names}
_THAI_DATE = re.compile(r"^(\d{1,2})\s*([ก-๙.]+)\s*(?:พ\.?ศ\.?|ค\.?ศ\.?)?\s*(\d{2}|\d{4})$")


# --- problems ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CellProblem:
    """One thing to fix, in Thai and in English. ``sheet`` is the sheet's title (a CSV file's
    name, or "csv") and "" when the problem is about the whole file; ``row`` the spreadsheet row
    (1 is the header row) and ``column`` the column's English name (or its letter when it has no
    header), None when they do not apply; ``cell`` a reference to show ("G5", or "row 5, column
    value" for CSV) when the workbook gives one. Equality ignores ``message_th`` and ``cell``."""
    sheet: str
    row: int | None
    column: str | None
    message: str                                        # English
    message_th: str = field(default="", compare=False)  # Thai
    cell: str | None = field(default=None, compare=False)

    @property
    def message_en(self) -> str:
        return self.message

    def __str__(self) -> str:
        place = self.sheet
        if self.cell is not None:
            place += f" {self.cell}"
        else:
            if self.row is not None:
                place += f" row {self.row}"
            if self.column is not None:
                place += ("," if self.row is not None else "") + f" column {self.column}"
        place = place.strip()
        return f"{place}: {self.message}" if place else self.message

    def as_dict(self) -> dict:
        """For JSON answers: ``message`` is the English text, as before there was a Thai one."""
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "cell": self.cell,
                "message": self.message, "message_th": self.message_th or self.message,
                "message_en": self.message}


class Bad(ValueError):
    """A cell that cannot be read: ``th`` and ``en`` say why (``str()`` is the English)."""

    def __init__(self, th: str, en: str):
        super().__init__(en)
        self.th, self.en = th, en

    def at(self, sheet: str, row: int | None, column: str | None,
           cell: str | None = None) -> CellProblem:
        return CellProblem(sheet, row, column, self.en, self.th, cell)


# --- text --------------------------------------------------------------------------------------

def is_blank(value) -> bool:
    """An empty cell: nothing, or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def english_name(text: str) -> str:
    """The name in the last parentheses of a header (``รหัสตัวชี้วัด (code)`` -> ``code``), or
    the whole text when it has none; runs of spaces become one."""
    match = _ENGLISH.search(text)
    return " ".join((match.group(1) if match else text).split())


def number_text(value) -> str:
    """A number as a person writes it: 12 for 12.0, full precision otherwise."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def as_text(value) -> str:
    """A cell's content as text: TRUE/FALSE, a date cell at midnight as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):  # an Excel date cell
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return number_text(value)
    return str(value)


def shown(value) -> str:
    """A cell's content for a message: text in quotes (cut at 60 characters), numbers bare."""
    if isinstance(value, str):
        text = value.strip()
        return f"'{text[:MAX_SHOWN_CHARS]}…'" if len(text) > MAX_SHOWN_CHARS else f"'{text}'"
    return as_text(value)


def text(value, limit: int | None = None) -> str | None:
    """Trimmed text, None for a blank cell; Bad beyond ``limit`` characters."""
    if is_blank(value):
        return None
    result = as_text(value).strip()
    if limit is not None and len(result) > limit:
        raise Bad(f"ข้อความยาว {len(result):,} ตัวอักษร เกิน {limit:,} ตัวอักษร",
                  f"the text is {len(result):,} characters, more than {limit:,}")
    return result


# --- numbers -----------------------------------------------------------------------------------

def _number_text_of(value) -> str:
    """Text with Thai digits as 0-9 and thousands separators taken out where they belong."""
    result = str(value).strip().translate(THAI_DIGITS)
    return result.replace(",", "") if _THOUSANDS.match(result) else result


def number(value) -> float:
    """A number: a numeric cell, or text such as ``1,250,000.50`` or ``๑๒.๕``."""
    if isinstance(value, bool):
        raise Bad("ต้องเป็นตัวเลข ไม่ใช่ TRUE/FALSE", "must be a number, not TRUE/FALSE")
    if isinstance(value, (datetime, date, time)):
        raise Bad(f"{shown(value)} เป็นวันที่ ไม่ใช่ตัวเลข", f"{shown(value)} is a date, not a number")
    if isinstance(value, (int, float)):
        result = float(value)
    else:
        cleaned = _number_text_of(value)
        if not _NUMBER.match(cleaned):
            raise Bad(f"{shown(value)} ไม่ใช่ตัวเลข", f"{shown(value)} is not a number")
        result = float(cleaned)
    if not math.isfinite(result):
        raise Bad(f"{shown(value)} ไม่ใช่ตัวเลขที่ใช้ได้", f"{shown(value)} is not a usable number")
    return result + 0.0  # -0.0 -> 0.0


def whole_number(value) -> int:
    """A whole number (``2,567``, ``๒๕๖๗``, 2567.0); exact for text of any length."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _WHOLE.match(_number_text_of(value)):
        return int(_number_text_of(value))
    try:
        result = number(value)
    except Bad:
        raise Bad(f"{shown(value)} ไม่ใช่จำนวนเต็ม", f"{shown(value)} is not a whole number") from None
    if not result.is_integer():
        raise Bad(f"{shown(value)} ไม่ใช่จำนวนเต็ม", f"{shown(value)} is not a whole number")
    return int(result)


def percent(value, low: float = 0, high: float = 100) -> float:
    """A percentage as a number from ``low`` to ``high``: ``45``, ``45.5`` or ``45 %`` (text); a
    cell formatted as a percentage in Excel holds a fraction, so 0.45 stays 0.45."""
    if isinstance(value, str) and value.strip().endswith("%"):
        value = value.strip()[:-1]
    result = number(value)
    if not low <= result <= high:
        raise Bad(f"ร้อยละต้องอยู่ระหว่าง {number_text(low)} ถึง {number_text(high)} "
                  f"(กรอก {number_text(result)})",
                  f"a percentage must be between {number_text(low)} and {number_text(high)} "
                  f"(got {number_text(result)})")
    return result


# --- dates -------------------------------------------------------------------------------------

def _be_year(year: int, ce_date: str) -> Bad:
    return Bad(f"ปี {year} เป็นปี พ.ศ. ให้กรอกวันที่เป็นปี ค.ศ. ({ce_date})",
               f"{year} is a Buddhist-Era (B.E.) year: use the C.E. date ({ce_date})")


def _ce(year: int) -> int:
    """A year as written (B.E. or C.E., two digits = B.E. 25xx) as C.E."""
    if year < 100:
        year += 2500
    return year - BE_OFFSET if year >= BE_FROM else year


def _suggest(text: str) -> str | None:
    """The C.E. ISO date a day/month/year or Thai-month text means, when it means one."""
    parts = None
    if match := _DMY.match(text):
        parts = int(match.group(3)), int(match.group(2)), int(match.group(1))
    elif match := _THAI_DATE.match(text):
        month = _MONTH_BY_NAME.get(match.group(2).replace(".", ""))
        if month:
            parts = int(match.group(3)), month, int(match.group(1))
    if parts is None:
        return None
    try:
        return date(_ce(parts[0]), parts[1], parts[2]).isoformat()
    except ValueError:
        return None


def parse_date(value, min_year: int = 1900, max_year: int = 2399) -> date:
    """A C.E. date: an Excel date cell or text ``YYYY-MM-DD``; Bad otherwise, naming a B.E. year
    and the C.E. date to write when the text shows them."""
    if isinstance(value, (bool, int, float)):
        raise Bad(f"{shown(value)} ไม่ใช่วันที่: กรอกเป็น ปปปป-ดด-วว ปี ค.ศ. เช่น 2025-03-31",
                  f"{shown(value)} is not a date: write YYYY-MM-DD, C.E., e.g. 2025-03-31")
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        day = value
        if day.year >= BE_FROM:
            raise _be_year(day.year, f"{day.year - BE_OFFSET}{day.isoformat()[4:]}")
    else:
        cleaned = " ".join(as_text(value).split()).translate(THAI_DIGITS)
        match = _ISO_DATE.match(cleaned)
        if match and int(match.group(1)) >= BE_FROM:
            raise _be_year(int(match.group(1)), f"{int(match.group(1)) - BE_OFFSET}{cleaned[4:]}")
        try:
            if not match:
                raise ValueError
            day = date.fromisoformat(cleaned)
        except ValueError:
            suggestion = _suggest(cleaned)
            years = [int(y) for y in _YEAR_IN_TEXT.findall(cleaned) if int(y) >= BE_FROM]
            hint_th = hint_en = ""
            if suggestion and years:
                hint_th = f" (ปี {years[0]} เป็นปี พ.ศ. ให้กรอก {suggestion})"
                hint_en = f" ({years[0]} is a B.E. year: write {suggestion})"
            elif suggestion:
                hint_th, hint_en = f" (ให้กรอก {suggestion})", f" (write {suggestion})"
            elif years:
                hint_th = " และใช้ปี ค.ศ. ไม่ใช่ พ.ศ."
                hint_en = f" ({years[0]} looks like a B.E. year: use C.E.)"
            raise Bad(f"{shown(value)} ไม่ใช่วันที่: กรอกเป็น ปปปป-ดด-วว ปี ค.ศ. "
                      f"เช่น 2025-03-31{hint_th}",
                      f"{shown(value)} is not a date: write YYYY-MM-DD, C.E., "
                      f"e.g. 2025-03-31{hint_en}") from None
    if not min_year <= day.year <= max_year:
        raise Bad(f"วันที่ต้องอยู่ระหว่างปี ค.ศ. {min_year} ถึง {max_year}",
                  f"the date must be between the years {min_year} and {max_year} (C.E.)")
    return day

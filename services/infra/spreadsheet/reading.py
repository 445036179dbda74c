"""Reading an uploaded spreadsheet file, the same way for every workbook: the one ZIP-bomb guard,
the row limits, XLSX and CSV as grids of filled rows, and running it all off the eventlet hub.

Whole-file problems raise :class:`SheetUnreadable` (Thai and English); a workbook turns it into
its own error type. Each workbook passes its :class:`Limits` (defined together below, so the
limits of every upload are in one place).
"""
from __future__ import annotations

import csv
import io
import zipfile
import zlib
from dataclasses import dataclass

from .cells import is_blank


@dataclass(frozen=True)
class Limits:
    max_unpacked: int  # bytes the file may unpack to (a CSV file: its size); more is a zip bomb
    max_rows: int      # filled rows a sheet (or CSV file) may hold, header included


MB = 2**20
PLAN_LIMITS = Limits(max_unpacked=64 * MB, max_rows=20_000)    # a plan is far smaller
REPORT_LIMITS = Limits(max_unpacked=32 * MB, max_rows=5_000)   # a province's period
ASSET_LIMITS = Limits(max_unpacked=50 * MB, max_rows=10_000)   # one registration sheet
USER_LIMITS = Limits(max_unpacked=8 * MB, max_rows=2_000)      # people imported at once
NATIONAL_LIMITS = Limits(max_unpacked=16 * MB, max_rows=50_000)  # a .zip of the national lists


class SheetUnreadable(ValueError):
    """The whole file is unusable. ``str(exc)`` is the English message."""

    def __init__(self, message_th: str, message_en: str):
        super().__init__(message_en)
        self.message_th = message_th
        self.message_en = message_en


@dataclass
class Grid:
    title: str                    # as the person sees it: the sheet's title or the file's name
    rows: list[tuple[int, list]]  # (row number as shown, cells without trailing blanks)


# --- the zip-bomb guard ------------------------------------------------------------------------

# What a damaged, encrypted or hostile member raises when unpacked.
UNPACK_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
                 OSError, ValueError)


def _too_large(limit: int, declared: int | None = None) -> SheetUnreadable:
    said_th = f" (ตามที่ไฟล์ระบุ {declared // MB} MB)" if declared else ""
    said_en = f" (it says {declared // MB} MB)" if declared else ""
    return SheetUnreadable(f"ไฟล์นี้เมื่อขยายแล้วใหญ่เกิน {limit // MB} MB{said_th} "
                           "ซึ่งเกินขนาดที่รับได้",
                           f"the file unpacks to more than {limit // MB} MB{said_en}")


def check_unpacked_size(archive: zipfile.ZipFile, limit: int, chunk: int = MB) -> int:
    """The bytes ``archive`` unpacks to, found by unpacking every member a chunk at a time: a zip
    bomb may declare small sizes, and ``ZipFile.read`` of such a member inflates all of it in one
    call before it notices the lie (a 1 MB upload took 2 GB). SheetUnreadable beyond ``limit`` or
    for a member that cannot be unpacked (a lie about a size ends in a CRC error, a chunk in)."""
    declared = sum(info.file_size for info in archive.infolist())
    if declared > limit:
        raise _too_large(limit, declared)
    total = 0
    try:
        for info in archive.infolist():
            with archive.open(info) as member:
                while data := member.read(chunk):
                    total += len(data)
                    if total > limit:
                        raise _too_large(limit)
    except SheetUnreadable:
        raise
    except UNPACK_ERRORS as exc:
        raise SheetUnreadable(f"ขยายไฟล์ไม่ได้ ไฟล์เสียหาย ({type(exc).__name__})",
                              f"the file cannot be unpacked ({type(exc).__name__}: {exc})"
                              ) from None
    return total


def open_zip(data: bytes, limits: Limits) -> zipfile.ZipFile | None:
    """The ZIP archive ``data`` holds, checked by :func:`check_unpacked_size`; None when it is
    not a ZIP file. An empty file, an old .xls or a password-protected workbook is refused."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"expected the file's bytes, got {type(data).__name__}")
    if not data:
        raise SheetUnreadable("ไฟล์ว่างเปล่า", "the file is empty")
    if bytes(data[:4]) == b"\xd0\xcf\x11\xe0":
        raise SheetUnreadable(
            "ไฟล์นี้เป็น Excel รุ่นเก่า (.xls) หรือมีรหัสผ่าน: บันทึกเป็น Excel Workbook (.xlsx) "
            "โดยไม่ตั้งรหัสผ่าน แล้วอัปโหลดใหม่",
            "this is an old Excel file (.xls) or a password-protected workbook: save it as "
            "'Excel Workbook (.xlsx)' without a password and upload it again")
    try:
        archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    check_unpacked_size(archive, limits.max_unpacked)
    return archive


def is_xlsx(archive: zipfile.ZipFile) -> bool:
    return "[Content_Types].xml" in archive.namelist()


# --- rows --------------------------------------------------------------------------------------

def _too_many_rows(title: str, limits: Limits) -> SheetUnreadable:
    return SheetUnreadable(
        f"แผ่นงาน '{title}' มีแถวที่กรอกข้อมูลเกิน {limits.max_rows:,} แถว ซึ่งเป็นจำนวนสูงสุดที่รับได้ "
        "ให้แบ่งเป็นหลายไฟล์",
        f"the sheet '{title}' has more than {limits.max_rows:,} filled rows, the most an upload "
        "may hold: split it into several files")


def filled_rows(cells_by_row, title: str, limits: Limits) -> list[tuple[int, list]]:
    """(row number, cells without trailing blanks) of every row with something in it, from an
    iterable of rows numbered from 1; SheetUnreadable beyond ``limits.max_rows`` filled rows
    (found while reading: a huge sheet is not read to its end first)."""
    rows = []
    for number, cells in enumerate(cells_by_row, start=1):
        cells = list(cells)
        while cells and is_blank(cells[-1]):
            cells.pop()
        if cells:
            if len(rows) >= limits.max_rows:
                raise _too_many_rows(title, limits)
            rows.append((number, cells))
    return rows


def xlsx_grids(data: bytes, limits: Limits, wanted=None) -> list[Grid]:
    """Every worksheet of an .xlsx file (``wanted(title)`` false: left out, unread) as a Grid of
    cell values (formulas as their last computed values). SheetUnreadable when the file is not a
    readable .xlsx workbook."""
    from openpyxl import load_workbook

    archive = open_zip(data, limits)
    if archive is None or not is_xlsx(archive):
        raise SheetUnreadable("ไฟล์นี้ไม่ใช่ไฟล์ Excel (.xlsx) ที่อ่านได้",
                              "this is not a readable Excel workbook (.xlsx)")
    grids = []
    try:
        workbook = load_workbook(io.BytesIO(bytes(data)), read_only=True, data_only=True,
                                 keep_links=False)
        try:
            for ws in workbook.worksheets:
                if not hasattr(ws, "iter_rows") or (wanted is not None and not wanted(ws.title)):
                    continue  # a chart sheet, or a sheet the workbook does not read
                ws.reset_dimensions()  # some writers record a wrong size: read every cell
                grids.append(Grid(ws.title, filled_rows(ws.iter_rows(values_only=True),
                                                        ws.title, limits)))
        finally:
            workbook.close()
    except SheetUnreadable:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise SheetUnreadable(f"อ่านไฟล์ Excel นี้ไม่ได้ ({type(exc).__name__})",
                              f"the Excel workbook cannot be read ({type(exc).__name__}: {exc})"
                              ) from None
    return grids


def csv_grid(data: bytes, title: str, limits: Limits) -> Grid:
    """A UTF-8 CSV file (with or without a byte-order mark) as a Grid of text cells, empty cells
    as None, numbered as a spreadsheet shows its rows (a record with a line break in a cell is
    one row)."""
    if len(data) > limits.max_unpacked:
        raise SheetUnreadable(f"ไฟล์ CSV '{title}' ใหญ่เกิน {limits.max_unpacked // MB} MB",
                              f"the CSV file '{title}' is larger than "
                              f"{limits.max_unpacked // MB} MB")
    try:
        content = bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SheetUnreadable(
            f"ไฟล์ CSV '{title}' ไม่ใช่ UTF-8: ใน Excel ให้บันทึกเป็น 'CSV UTF-8 (Comma delimited)'",
            f"the CSV file '{title}' is not UTF-8 text: in Excel save it as "
            "'CSV UTF-8 (Comma delimited)'") from None
    try:
        records = ([None if cell == "" else cell for cell in cells]
                   for cells in csv.reader(io.StringIO(content, newline="")))
        return Grid(title, filled_rows(records, title, limits))
    except csv.Error as exc:
        raise SheetUnreadable(f"อ่านไฟล์ CSV '{title}' ไม่ได้ ({exc})",
                              f"the CSV file '{title}' cannot be read ({exc})") from None


# --- off the hub -------------------------------------------------------------------------------

def off_hub(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` in eventlet's thread pool, so parsing or writing a large
    spreadsheet (pure CPU) does not block the hub: AMQP heartbeats and other requests go on
    meanwhile. Called from a pool thread already, it runs ``fn`` directly."""
    from eventlet import tpool

    return tpool.execute(fn, *args, **kwargs)

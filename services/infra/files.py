"""Writing small private files (keys, credentials) safely; unpacking uploaded ZIPs safely;
reading the filled rows of an uploaded worksheet."""
from __future__ import annotations

import os
import zipfile
import zlib
from pathlib import Path


def write_private(path: Path, text: str) -> None:
    """Write atomically, readable by the owner only (it holds secrets or who holds access)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


class UnpackTooLarge(ValueError):
    def __init__(self, size: int, limit: int):
        super().__init__(f"the file unpacks to more than {limit // 2**20} MB")
        self.size, self.limit = size, limit


# What a damaged, encrypted or hostile member raises when unpacked.
UNPACK_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
                 OSError, ValueError)


def check_unpacked_size(archive: zipfile.ZipFile, limit: int, chunk: int = 2**20) -> int:
    """The bytes ``archive`` unpacks to, found by unpacking every member a chunk at a time: a zip
    bomb may declare small sizes, and ``ZipFile.read`` of such a member inflates all of it in one
    call before it notices the lie (a 1 MB upload took 2 GB). Raises UnpackTooLarge beyond
    ``limit``, or one of UNPACK_ERRORS for a member that cannot be unpacked (a lie about a size
    ends in a CRC error here, a chunk in)."""
    declared = sum(info.file_size for info in archive.infolist())
    if declared > limit:
        raise UnpackTooLarge(declared, limit)
    total = 0
    for info in archive.infolist():
        with archive.open(info) as member:
            while data := member.read(chunk):
                total += len(data)
                if total > limit:
                    raise UnpackTooLarge(total, limit)
    return total


def is_blank(value) -> bool:
    """An empty cell: nothing, or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def filled_rows(worksheet) -> list[tuple[int, list]]:
    """(row number as Excel shows it, cells without trailing blanks) of every row with
    something in it, of an openpyxl worksheet opened read-only."""
    worksheet.reset_dimensions()  # some writers record a wrong size; read every cell
    rows = []
    for number, cells in enumerate(worksheet.iter_rows(values_only=True), start=1):
        cells = list(cells)
        while cells and is_blank(cells[-1]):
            cells.pop()
        if cells:
            rows.append((number, cells))
    return rows

"""What an evidence file may be: PDF, PNG, JPEG, XLSX or CSV, at most 10 MB - told by its
content (its first bytes), and its name must say the same. A name alone is not trusted: a
program renamed to .pdf is refused, as is a PDF named .png."""
from __future__ import annotations

import io
import unicodedata
import zipfile

from services.contracts.reports import EVIDENCE_ID  # noqa: F401 (the shape of an id, once)

MAX_BYTES = 10 * 2**20
MAX_FILENAME = 200
# extension -> the content type it must be
ALLOWED = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg",
           ".jpeg": "image/jpeg",
           ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           ".csv": "text/csv"}
ALLOWED_TEXT = "PDF, PNG, JPEG, XLSX, CSV"


class EvidenceRefused(ValueError):
    """Why an upload is refused, for a person, in English and Thai; ``status`` its HTTP status
    (413 too large, 415 not an allowed kind, 400 anything else)."""

    def __init__(self, status: int, code: str, message_en: str, message_th: str):
        super().__init__(f"{message_en} / {message_th}")
        self.status, self.code, self.message_en, self.message_th = status, code, message_en, message_th


def sniff(data: bytes) -> str | None:
    """The content type the bytes are, by their signature; CSV is plain UTF-8 text with no
    control bytes (it has no signature); None for anything else."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"PK\x03\x04"):
        return ALLOWED[".xlsx"] if _is_xlsx(data) else None
    return "text/csv" if _is_text(data) else None


def _is_xlsx(data: bytes) -> bool:
    """A ZIP whose directory names an Excel workbook (read from the directory only: nothing is
    inflated, so a ZIP bomb costs nothing here)."""
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return "[Content_Types].xml" in names and "xl/workbook.xml" in names


def _is_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return not any(c in text for c in "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0e\x0f\x7f")


def safe_filename(name: str | None) -> str:
    """The last part of the name a client gave, without control characters, at most 200
    characters (Thai kept); 400 if nothing is left."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().strip(".")
    if not name:
        raise EvidenceRefused(400, "bad_request", "name the file: ?filename=report.pdf or a "
                              "multipart part with a filename",
                              "ระบุชื่อไฟล์ เช่น ?filename=report.pdf")
    if len(name) > MAX_FILENAME:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:MAX_FILENAME - len(ext) - 1] + dot + ext) if dot and len(ext) < 10 \
            else name[:MAX_FILENAME]
    return name


def check_upload(filename: str | None, data: bytes) -> tuple[str, str]:
    """(safe filename, content type) of an allowed evidence file; else EvidenceRefused."""
    name = safe_filename(filename)
    if len(data) > MAX_BYTES:
        raise EvidenceRefused(413, "too_large", f"{name} is {len(data):,} bytes; evidence is at "
                              f"most {MAX_BYTES:,} bytes (10 MB)",
                              f"ไฟล์ {name} มีขนาด {len(data):,} ไบต์ เกินขนาดสูงสุด 10 MB")
    if not data:
        raise EvidenceRefused(400, "bad_request", f"{name} is empty", f"ไฟล์ {name} ว่างเปล่า")
    ext = "." + name.rpartition(".")[2].lower() if "." in name else ""
    expected = ALLOWED.get(ext)
    if expected is None:
        raise EvidenceRefused(415, "unsupported_type", f"{name}: evidence must be one of "
                              f"{ALLOWED_TEXT} (.pdf .png .jpg .jpeg .xlsx .csv)",
                              f"ไฟล์ {name}: หลักฐานต้องเป็นไฟล์ {ALLOWED_TEXT} เท่านั้น")
    found = sniff(data)
    if found != expected:
        what = f"its content is {found}" if found else "its content is none of them"
        raise EvidenceRefused(415, "unsupported_type", f"{name} is named {ext} but {what}; "
                              f"evidence must be one of {ALLOWED_TEXT}, checked by content",
                              f"ไฟล์ {name} มีนามสกุล {ext} แต่เนื้อหาไม่ใช่ไฟล์ชนิดนั้น "
                              f"หลักฐานต้องเป็นไฟล์ {ALLOWED_TEXT} (ตรวจจากเนื้อหาไฟล์)")
    return name, expected

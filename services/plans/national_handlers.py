"""plans' use cases of the national hierarchy as people read and the admin loads it (beside
handlers.py's load_national / national_of, which plans themselves use): a dry-run check naming
every bad row, and the entries in force of a version on a day."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from services.contracts.errors import PlanError  # raised to RPC callers

from . import handlers, national

BANGKOK = ZoneInfo("Asia/Bangkok")


def checked_files(files) -> dict[str, str]:
    """``files`` as the RPC got them: {file name: CSV text}; PlanError otherwise."""
    if not isinstance(files, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        raise PlanError("ข้อมูลอ้างอิงระดับชาติ / national reference data", [(
            "files", "ต้องเป็น {ชื่อไฟล์: ข้อความ CSV} / must be {file name: CSV text}")])
    return files


def check_national(files) -> dict:
    """What loading ``files`` would do, changing nothing: every problem by file and line (Thai
    and English), or the version it would make and its entries in force today by level."""
    hierarchy, problems = national.check_national(checked_files(files))
    if problems:
        return {"problems": [p.as_dict() for p in problems]}
    return {"problems": [], "version_id": hierarchy.version_id, "entries": len(hierarchy.entries),
            "by_level": hierarchy.count_by_level(today())}


def national_files(store, version_id: str | None = None) -> dict[str, str] | None:
    """The CSV texts of a kept version (default: the one loaded last), by file name; None when
    there is none - what an admin's files are added to."""
    version_id = version_id or store.latest_national()
    return store.national_files(version_id) if version_id else None


def national_entries(store, version_id: str | None = None, on_date: str | None = None) -> dict:
    """The entries of a kept version (default: the one loaded last) in force on ``on_date``
    (default: today in Bangkok), by level, with the version's metadata; ``version`` is None
    when no version is loaded yet."""
    day = on_date or today()
    try:
        day = date.fromisoformat(day).isoformat()  # 20240101 as 2024-01-01: days compare as text
    except (TypeError, ValueError):
        raise PlanError("on_date", [("on_date", f"{day!r} ไม่ใช่วันที่ (ปปปป-ดด-วว ค.ศ.) / "
                                                "is not a date (YYYY-MM-DD)")]) from None
    kept = {v["version_id"]: v for v in store.national_versions()}
    if version_id is not None and version_id not in kept:
        raise PlanError("version_id", [("version_id", f"ไม่พบข้อมูลอ้างอิงระดับชาติรุ่น "
                                        f"{version_id!r} / national hierarchy version "
                                        f"{version_id!r} is not kept here")])
    hierarchy = handlers.national_of(store, {"national_version": version_id} if version_id else None)
    if hierarchy is None:
        return {"version": None, "on_date": day, "levels": []}
    return {"version": kept[hierarchy.version_id], "on_date": day,
            "levels": national.entries_in_force(hierarchy, day)}


def today() -> str:
    return datetime.now(BANGKOK).date().isoformat()

"""Plan files over RPC: nameko's JSON serializer carries text, so file bytes travel as base64."""
from __future__ import annotations

import base64
import binascii
from services.infra.spreadsheet import off_hub

from . import workbook

FORMATS = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             workbook.plan_to_xlsx, workbook.xlsx_to_plan),
    "csv": ("application/zip", workbook.plan_to_csv, workbook.csv_to_plan),
}


def _format(fmt: str):
    if fmt not in FORMATS:
        raise workbook.WorkbookError([workbook.CellProblem(
            "", None, None, f"format {fmt!r} is not one of {', '.join(FORMATS)}",
            f"รูปแบบไฟล์ {fmt!r} ใช้ไม่ได้: ใช้ {', '.join(FORMATS)}")])
    return FORMATS[fmt]


def export(plan: dict, fmt: str, national: list[dict] | None = None) -> dict:
    """``national``: the list sheet's rows (links.list_rows), for the national_links drop-downs."""
    content_type, write, _ = _format(fmt)
    suffix = "xlsx" if fmt == "xlsx" else "csv.zip"
    return {"filename": f"{plan['id']}-v{plan['version']}.{suffix}", "content_type": content_type,
            "base64": base64.b64encode(off_hub(write, plan, national)).decode("ascii")}


def read(encoded: str, fmt: str):
    """(document, locations) from an upload; WorkbookError naming every bad cell otherwise."""
    _, _, parse = _format(fmt)
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise workbook.WorkbookError([workbook.CellProblem(
            "", None, None, "the upload is not base64", "ข้อมูลที่อัปโหลดไม่ใช่ base64")]) from None
    return parse(data)  # parsed off the eventlet hub (workbook.xlsx_to_plan / csv_to_plan)


def problems(error: workbook.WorkbookError) -> dict:
    return {"problems": [p.as_dict() for p in error.problems], "message": str(error)}

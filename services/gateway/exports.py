"""Views as files for meetings: CSV (UTF-8 with a BOM, so Excel shows Thai) or Excel, with
Thai headers (English beside them) and B.E. period labels."""
from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from services.contracts.periods import parse_period

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
STATUS_TH = {"achieved": "บรรลุเป้าหมาย", "not_achieved": "ไม่บรรลุเป้าหมาย",
             "no_data": "ยังไม่มีข้อมูล", "no_target": "ไม่มีค่าเป้าหมาย"}


def table_file(title: str, header: list[str], rows: list[list], fmt: str) -> bytes:
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for column in sheet.columns:
        width = max(len(str(c.value or "")) for c in column)
        sheet.column_dimensions[column[0].column_letter].width = min(60, max(10, width + 2))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def indicator_results_table(results: dict, provinces: list[str]) -> tuple[list[str], list[list]]:
    label = parse_period(results["period"]).label_th
    header = ["ช่วงเวลา (period)", "รหัส (indicator)", "ตัวชี้วัด (name_th)", "Indicator (name_en)",
              "หน่วย (unit)", "ค่าเป้าหมาย (target)", "ค่าของกลุ่มจังหวัด (value)",
              "สถานะ (status)", "ร้อยละของเป้าหมาย (achievement_pct)",
              "จังหวัดที่รายงาน (reported)", "จังหวัดที่ต้องรายงาน (expected)"] + provinces
    rows = [[label, r["indicator"], r["name_th"], r["name_en"], r["unit"], r["target"], r["value"],
             STATUS_TH.get(r["status"], r["status"]), r["achievement_pct"], r["reported"],
             r["expected"]] + [r["provinces"].get(p) for p in provinces]
            for r in results["results"]]
    return header, rows


def completeness_table(result: dict) -> tuple[list[str], list[list]]:
    label = parse_period(result["period"]).label_th
    header = ["ช่วงเวลา (period)", "จังหวัด (province)", "กำหนดส่ง (due_date)",
              "ต้องรายงาน (expected)", "ได้รับแล้ว (received)", "ตรงเวลา (on_time)",
              "ล่าช้า (late)", "ร้อยละความครบถ้วน (completeness_pct)",
              "ร้อยละความตรงเวลา (timeliness_pct)", "ยังไม่ได้รายงาน (missing)"]
    rows = [[label, r["province"], r["due_date"], r["expected"], r["received"], r["on_time"],
             r["late"], r["completeness_pct"], r["timeliness_pct"], ", ".join(r["missing"])]
            for r in result["provinces"]]
    return header, rows

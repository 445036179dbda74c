"""Views as files for meetings: CSV (UTF-8 with a BOM, so Excel shows Thai) or Excel, with
Thai headers (English beside them) and B.E. period labels."""
from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from services.contracts.labels import ASSET_ACTION_TH
from services.contracts.periods import parse_period, thai_date
from services.contracts.reports import PROCUREMENT_STAGE_TH
from services.infra.spreadsheet import csv_cell, keep_as_text

from .certainty_view import export_list, export_word

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
STATUS_TH = {"achieved": "บรรลุเป้าหมาย", "not_achieved": "ไม่บรรลุเป้าหมาย",
             "no_data": "ยังไม่มีข้อมูล", "no_target": "ไม่มีค่าเป้าหมาย"}
BEHIND_TH = {"below_planned_disbursement": "เบิกจ่ายต่ำกว่าแผน",
             "below_government_target": "เบิกจ่ายต่ำกว่าเป้าหมายรัฐบาล"}


SAMPLE_HEADER = "ข้อมูลตัวอย่าง (sample)"
SAMPLE_CELL = "ข้อมูลตัวอย่าง ไม่ใช่ข้อมูลจริง (sample data, not real)"
SAMPLE_SHEET = "ข้อมูลตัวอย่าง (sample)"
SAMPLE_NOTE = ("ข้อมูลในไฟล์นี้ (แถวที่มีเครื่องหมายในคอลัมน์ ข้อมูลตัวอย่าง) สร้างขึ้นเพื่อสาธิตระบบ ไม่ใช่ข้อมูลจริง",
               "The rows marked in the column 'sample' are sample data, invented to show the "
               "system; they are not real figures.",
               "ลบออกได้ด้วย / remove with: python -m clusterctl sample remove")


def labelled(sample: bool | list[bool]) -> bool:
    return sample is True or (not isinstance(sample, bool) and any(sample))


def with_sample_column(header: list[str], rows: list[list],
                       sample: bool | list[bool]) -> tuple[list[str], list[list]]:
    """The table with a last column saying which rows are sample data (Thai and English) - for
    the whole table (``sample=True``: a sample plan's view), or row by row (a list: assets)."""
    flags = [sample] * len(rows) if isinstance(sample, bool) else list(sample)
    if not labelled(sample):
        return header, rows
    return header + [SAMPLE_HEADER], [row + [SAMPLE_CELL if flag else ""]
                                      for row, flag in zip(rows, flags)]


def table_file(title: str, header: list[str], rows: list[list], fmt: str,
               sample: bool | list[bool] = False) -> bytes:
    """The table as a file; what provinces and agencies typed never runs as a formula in it
    (services/infra/spreadsheet/writing.py). Sample data says so in a last column (and, in
    Excel, a sheet of its own)."""
    header, rows = with_sample_column(header, rows, sample)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([csv_cell(value) for value in header])
        writer.writerows([csv_cell(value) for value in row] for row in rows)
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    return workbook_file([(title, header, rows)], sample)


def workbook_file(sheets: list[tuple[str, list[str], list[list]]],
                  sample: bool | list[bool] = False) -> bytes:
    """An Excel workbook of several tables, one sheet each (title, header, rows); typed text
    never runs as a formula in it either. Sample data adds a sheet that says so."""
    book = Workbook()
    book.remove(book.active)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                keep_as_text(cell)
        sheet.freeze_panes = "A2"
        for column in sheet.columns:
            width = max(len(str(c.value or "")) for c in column)
            sheet.column_dimensions[column[0].column_letter].width = min(60, max(10, width + 2))
    if labelled(sample):
        note = book.create_sheet(SAMPLE_SHEET)
        for line in SAMPLE_NOTE:
            note.append([line])
        note.column_dimensions["A"].width = 100
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
    return with_certainty_columns((header, rows), results["results"], provinces)


CLUSTER_APPROVAL = "การอนุมัติค่าของกลุ่มจังหวัด (approval)"
# Issue 26: which province values a province marked internal - not to be published outside the
# government. A column after all the others, so every other column stays where it was.
INTERNAL_HEADER = "ข้อมูลภายใน ไม่เผยแพร่ (internal)"
INTERNAL_PROVINCES_HEADER = "ค่าของจังหวัดที่เป็นข้อมูลภายใน ไม่เผยแพร่ (internal_provinces)"
INTERNAL_CELL = "ภายใน / internal"


def with_internal_column(table: tuple[list[str], list[list]],
                         results: list[dict]) -> tuple[list[str], list[list]]:
    """Indicator results (or a series) with the provinces whose value is internal, by name."""
    header, rows = table

    def named(result: dict, code: str) -> str:
        name = (result.get("by_province") or {}).get(code, {}).get("name_th")
        return f"{name} ({code})" if name else code
    return header + [INTERNAL_PROVINCES_HEADER], [
        row + [", ".join(named(r, code) for code in r.get("internal_provinces") or [])]
        for row, r in zip(rows, results)]


def with_certainty_columns(table: tuple[list[str], list[list]], results: list[dict],
                           provinces: list[str]) -> tuple[list[str], list[list]]:
    """How certain the figures are, after a table's own columns (which stay where they were):
    the cluster value's approval, then each province value's (docs/approvals.md section 4)."""
    header, rows = table
    header = header + [CLUSTER_APPROVAL] + [f"{p} การอนุมัติของจังหวัด (certainty)"
                                            for p in provinces]
    rows = [row + [export_word(r.get("approval"))]
            + [export_word((r.get("certainty") or {}).get(p)) for p in provinces]
            for row, r in zip(rows, results)]
    return header, rows


def completeness_table(result: dict) -> tuple[list[str], list[list]]:
    label = parse_period(result["period"]).label_th
    header = ["ช่วงเวลา (period)", "จังหวัด (province)", "กำหนดส่ง (due_date)",
              "ต้องรายงาน (expected)", "ได้รับแล้ว (received)", "ตรงเวลา (on_time)",
              "ล่าช้า (late)", "ร้อยละความครบถ้วน (completeness_pct)",
              "ร้อยละความตรงเวลา (timeliness_pct)", "ยังไม่ได้รายงาน (missing)",
              "โครงการที่ต้องรายงาน (projects.expected)", "โครงการที่ได้รับ (projects.received)",
              "โครงการที่ยังไม่ได้รายงาน (projects.missing)",
              "หน่วยงานดำเนินการที่ยังไม่ได้รายงาน (projects.missing_agencies)",
              "การอนุมัติของจังหวัด (certainty)", "อนุมัติภายในกำหนดส่ง (approved_on_time)"]
    yes_no = {True: "ใช่", False: "ไม่", None: None}
    rows = [[label, r["province"], r["due_date"], r["expected"], r["received"], r["on_time"],
             r["late"], r["completeness_pct"], r["timeliness_pct"], ", ".join(r["missing"]),
             *_projects_cells(r.get("projects") or {}), export_word(r.get("certainty")),
             yes_no[r.get("approved_on_time")]]
            for r in result["provinces"]]
    return header, rows


def _projects_cells(projects: dict) -> list:
    return [projects.get("expected"), projects.get("received"),
            ", ".join(projects.get("missing", [])), ", ".join(projects.get("missing_agencies", []))]


def _thai_day(iso: str | None) -> str | None:
    """A C.E. date or timestamp as a Thai B.E. date."""
    from datetime import date
    return thai_date(date.fromisoformat(iso[:10])) if iso else None


def _stage(stage: str | None) -> str | None:
    return PROCUREMENT_STAGE_TH.get(stage, stage) if stage else None


def series_table(series: dict) -> tuple[list[str], list[list]]:
    header = ["ช่วงเวลา (label_th)", "รหัสช่วงเวลา (period)", "ค่าเป้าหมาย (target)",
              "ค่าของกลุ่มจังหวัด (value)", "สถานะ (status)",
              "ร้อยละของเป้าหมาย (achievement_pct)", "จังหวัดที่รายงาน (reported)",
              "จังหวัดที่ต้องรายงาน (expected)"]
    rows = [[r["label_th"], r["period"], r["target"], r["value"],
             STATUS_TH.get(r["status"], r["status"]), r["achievement_pct"], r["reported"],
             r["expected"]] for r in series["series"]]
    return with_certainty_columns((header, rows), series["series"],
                                  list(series.get("provinces", {})))


def project_progress_table(status: dict) -> tuple[list[str], list[list]]:
    header = ["รหัสโครงการ (project)", "ชื่อโครงการ (title_th)", "Project (title_en)",
              "ปีงบประมาณ พ.ศ. (fiscal_year)", "ประเด็นการพัฒนา (issue)",
              "งบประมาณ บาท (budget_thb)", "เบิกจ่ายแล้ว บาท (disbursed_thb)",
              "ร้อยละการเบิกจ่าย (disbursement_pct)", "แผนเบิกจ่ายสะสม ร้อยละ (planned_to_date_pct)",
              "เป้าหมายรัฐบาล ร้อยละ (government_target_pct)",
              "ความก้าวหน้าทางกายภาพ ร้อยละ (physical_progress_pct)",
              "ขั้นตอนจัดซื้อจัดจ้าง (procurement_stage)", "ล่าช้ากว่าแผน (behind_schedule)",
              "สาเหตุ (behind_reasons)", "ข้อมูล ณ วันที่ (as_of)",
              "จังหวัดที่รายงาน (provinces_reported)", CLUSTER_APPROVAL,
              "การอนุมัติรายจังหวัด (certainty)", INTERNAL_PROVINCES_HEADER]
    yes_no = {True: "ล่าช้า", False: "ตามแผน", None: None}
    rows = [[r["project"], r["title_th"], r["title_en"], r["fiscal_year"], r["issue"],
             r["budget_thb"], r["disbursed_thb"], r["disbursement_pct"], r["planned_to_date_pct"],
             r["government_target_pct"], r["physical_progress_pct"], _stage(r["procurement_stage"]),
             yes_no[r["behind_schedule"]], ", ".join(BEHIND_TH.get(x, x) for x in r["behind_reasons"]),
             _thai_day(r["as_of"]), ", ".join(r["provinces_reported"]),
             export_word(r.get("approval")), export_list(r["provinces"]),
             ", ".join(code for code, figures in r["provinces"].items() if figures.get("internal"))]
            for r in status["projects"]]
    return header, rows


def problems_table(problems: list[dict]) -> tuple[list[str], list[list]]:
    header = ["วันที่รายงาน (reported_at)", "ข้อมูล ณ วันที่ (as_of)", "จังหวัด (province)",
              "รหัสโครงการ (project)", "ชื่อโครงการ (title_th)", "ประเด็นการพัฒนา (issue)",
              "หน่วยงานดำเนินการ (implementing_agency)", "ขั้นตอนจัดซื้อจัดจ้าง (procurement_stage)",
              "ปัญหาอุปสรรค (problems)", "แนวทางแก้ไข (solutions)"]
    rows = [[_thai_day(p["reported_at"]), _thai_day(p["as_of"]), p["province"], p["project"],
             p["title_th"], p["issue"], p["implementing_agency"], _stage(p["procurement_stage"]),
             p["problems"], p["solutions"]] for p in problems]
    return header, rows


def reports_table(result: dict) -> tuple[list[str], list[list]]:
    status_th = {"in_force": "มีผล", "superseded": "ถูกแทนที่"}
    header = ["ได้รับเมื่อ (received_at)", "รายงานเมื่อ (reported_at)", "จังหวัด (province)",
              "ประเภท (kind)", "ตัวชี้วัด/โครงการ (subject)", "ช่วงเวลา (period)",
              "ค่า (value)", "สถานะ (status)", "เพิกถอนค่า (retraction)", "หมายเหตุ (note)",
              "ผู้ส่ง (sender)", "event_id", "หลักฐาน (evidence)", INTERNAL_HEADER]
    rows = [[r["received_at"], r["reported_at"], r["province"], r["kind"],
             r.get("indicator") or r.get("project"),
             parse_period(r["period"]).label_th if r.get("period") else _thai_day(r.get("as_of")),
             r.get("value") if r["kind"] == "indicator" else r.get("physical_progress_pct"),
             status_th[r["status"]], "ใช่" if r["retraction"] else "", r.get("note") or "",
             r["sender"], r["event_id"], evidence_text(r.get("evidence")),
             INTERNAL_CELL if r.get("internal") is True else ""]
            for r in result["reports"]]
    return header, rows


def evidence_text(items) -> str:
    """A report's evidence in one cell: references as written, files by their id."""
    return "; ".join(i.get("reference") or "" if not i.get("file") else
                     " ".join(filter(None, (i.get("reference"), f"[{i['file']}]")))
                     for i in items or [])


def assets_table(assets: list[dict]) -> tuple[list[str], list[list]]:
    header = ["รหัสทรัพย์สิน (code)", "รายการ (description_th)", "Asset (description_en)",
              "ประเภท (category)", "โครงการ (project)", "ปีงบประมาณ พ.ศ. (fiscal_year)",
              "จำนวน (quantity)", "หน่วยนับ (unit)", "ราคาต่อหน่วย บาท (unit_value_thb)",
              "มูลค่ารวม บาท (total_value_thb)", "มูลค่าตามบัญชี บาท (book_value_thb)",
              "วันที่ได้มา (acquired_on)", "จังหวัด (province)", "อำเภอ (district)",
              "ผู้ครอบครอง (custodian)", "สถานะ (status)", "โอนให้ (transfer_to)",
              "กำหนดโอนแล้วเสร็จ (due_by)", "เกินกำหนดโอน (transfer_overdue)",
              "กำหนดตรวจนับ (audit_next_due)", "ผู้บำรุงรักษา (maintenance_agency)",
              "งบบำรุงรักษา บาท (maintenance_budget_thb)"]
    rows = []
    for a in assets:
        transfer, maintenance = a.get("transfer") or {}, a.get("maintenance") or {}
        rows.append([a["code"], a["description_th"], a["description_en"], a["category_th"],
                     a["project"], a["fiscal_year"], a["quantity"], a["unit"], a["unit_value_thb"],
                     a["total_value_thb"], a["book_value_thb"], _thai_day(a["acquired_on"]),
                     a["location"]["province"], a["location"].get("district"), a["custodian"],
                     a["status_th"], transfer.get("to"), _thai_day(transfer.get("due_by")),
                     "เกินกำหนด" if a["transfer_overdue"] else "",
                     _thai_day((a.get("audit") or {}).get("next_due")), maintenance.get("agency"),
                     maintenance.get("budget_thb")])
    return header, rows


def asset_history_table(history: dict) -> tuple[list[str], list[list]]:
    header = ["ลำดับ (seq)", "วันเวลา (at)", "การดำเนินการ (action)", "โดย (by)",
              "สถานะเดิม (from_state)", "สถานะใหม่ (to_state)", "เหตุผล (reason)",
              "เอกสาร (documents)", "รายละเอียด (details)"]
    rows = [[e["seq"], e["at"], ASSET_ACTION_TH.get(e["action"], e["action"]), e["by"], e["from_state"],
             e["to_state"], e["reason"],
             "; ".join(f"{d['kind']} {d['reference']}" for d in e["documents"]),
             ", ".join(f"{k}={v}" for k, v in e["details"].items())]
            for e in history["ledger"]]
    return header, rows


def mails_table(mails: list[dict]) -> tuple[list[str], list[list]]:
    status_th = {"pending": "รอส่ง", "sent": "ส่งแล้ว", "failed": "ส่งไม่สำเร็จ"}
    header = ["สร้างเมื่อ (created_at)", "ถึง (to_addr)", "หน่วยงาน (agency)", "เรื่อง (subject)",
              "แม่แบบ (template)", "สถานะ (status)", "จำนวนครั้งที่ส่ง (attempts)",
              "ส่งเมื่อ (sent_at)", "ข้อผิดพลาดล่าสุด (last_error)", "Message-ID"]
    rows = [[m["created_at"], m["to_addr"], m.get("agency"), m["subject"], m["template"],
             status_th.get(m["status"], m["status"]), m["attempts"], m.get("sent_at"),
             m.get("last_error"), m["message_id"]] for m in mails]
    return header, rows

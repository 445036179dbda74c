"""The problem analysis as files for the annual review meeting: the groups as CSV, or one Excel
workbook (groups, Pareto, recurring causes, the problems themselves) - Thai headers with the
English field name beside them, B.E. fiscal years, names beside codes. Written through
exports.py, so typed text never runs as a formula."""
from __future__ import annotations

from services.contracts.problems import SEVERITY_TH, STATUS_TH

from .exports import _thai_day, with_sample_column, workbook_file


def fiscal_year_th(fy: int) -> str:
    return f"ปีงบประมาณ พ.ศ. {fy}"


def groups_table(analysis: dict, names: dict) -> tuple[list[str], list[list]]:
    header = ["สาเหตุ (cause_label_th)", "Cause (cause_label_en)", "รหัสสาเหตุ (cause)",
              "ประเด็นการพัฒนา (issue)", "ชื่อประเด็น (issue_title_th)", "จังหวัด (province)",
              "ชื่อจังหวัด (province_name)", "ปีงบประมาณ (fiscal_year)", "จำนวนปัญหา (count)",
              "งบประมาณที่ได้รับผลกระทบ บาท (budget_at_stake_thb)", "โครงการ (projects)"]
    rows = [[g["cause_label_th"], g["cause_label_en"], g["cause"], g["issue"],
             g["issue_title_th"], g["province"], names.get(g["province"], g["province"]),
             fiscal_year_th(g["fiscal_year"]), g["count"], g["budget_at_stake_thb"],
             ", ".join(g["projects"])] for g in analysis["groups"]]
    return header, rows


def pareto_table(analysis: dict) -> tuple[list[str], list[list]]:
    header = ["สาเหตุ (cause_label_th)", "Cause (cause_label_en)", "จำนวน (count)",
              "ร้อยละ (share_pct)", "ร้อยละสะสม (cumulative_pct)",
              "งบประมาณที่ได้รับผลกระทบ บาท (budget_at_stake_thb)"]
    return header, [[p["cause_label_th"], p["cause_label_en"], p["count"], p["share_pct"],
                     p["cumulative_pct"], p["budget_at_stake_thb"]] for p in analysis["pareto"]]


def recurring_table(analysis: dict) -> tuple[list[str], list[list]]:
    header = ["สาเหตุ (cause_label_th)", "Cause (cause_label_en)", "ซ้ำใน (scope)",
              "โครงการ/ประเด็น (subject)", "ปีงบประมาณ (fiscal_years)"]
    scope = {"project": "โครงการเดียวกัน (same project)", "issue": "ประเด็นเดียวกัน (same issue)"}
    return header, [[r["cause_label_th"], r["cause_label_en"], scope[r["scope"]],
                     str(r["subject"]) + (f" {r['issue_title_th']}" if r.get("issue_title_th")
                                          else ""),
                     ", ".join(str(y) for y in r["fiscal_years"])] for r in analysis["recurring"]]


def problems_table(problems: list[dict], names: dict) -> tuple[list[str], list[list]]:
    """``names``: Thai names by province and agency code."""
    header = ["รหัสปัญหา (problem_id)", "โครงการ (project)", "ชื่อโครงการ (title_th)",
              "ประเด็นการพัฒนา (issue)", "จังหวัด (province)", "สาเหตุ (cause_label_th)",
              "Cause (cause_label_en)", "ความรุนแรง (severity)", "สถานะ (status)",
              "หน่วยงานเจ้าของปัญหา (owner_agency)", "ปัญหา (description)",
              "มาตรการแก้ไข (remedies)", "ปีงบประมาณที่รายงาน (fiscal_years)",
              "รายงานล่าสุด (reported_at)", "ปรับสถานะโดย สกจ. (updated_by)",
              "หมายเหตุ (note)"]
    rows = []
    for p in problems:
        remedies = "; ".join(f"{r['action']} (กำหนด {_thai_day(r['due'])}"
                             f"{', เสร็จแล้ว' if r.get('done') else ''})" for r in p["remedies"])
        rows.append([p["problem_id"], p["project"], p["title_th"], p["issue"],
                     names.get(p["province"], p["province"]), p["cause_label_th"],
                     p["cause_label_en"], SEVERITY_TH.get(p["severity"], p["severity"]),
                     STATUS_TH.get(p["status"], p["status"]),
                     names.get(p["owner_agency"], p["owner_agency"]),
                     p["description"], remedies, ", ".join(map(str, p["fiscal_years"])),
                     _thai_day(p["reported_at"]), p["updated_by"], p["note"]])
    return header, rows


def review_workbook(analysis: dict, names: dict, sample: bool = False) -> bytes:
    """The annual review meeting's workbook: one sheet per table; sample data says so in each
    table's last column and in a sheet of its own."""
    return workbook_file([(title, *with_sample_column(*table, sample)) for title, table in (
        ("สรุปตามสาเหตุ (groups)", groups_table(analysis, names)),
        ("Pareto", pareto_table(analysis)),
        ("สาเหตุที่ซ้ำ (recurring)", recurring_table(analysis)),
        ("ปัญหา (problems)", problems_table(analysis["problems"], names)),
    )], sample)

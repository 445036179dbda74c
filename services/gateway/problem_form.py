"""The problems part of the project progress form (/project-report; pure): the choices a person
picks from - causes by name from the cause list, severities, statuses, the plan's agencies by
name - and each project's problems now in force, to edit and send again with the next report
as ``problem_items`` (contracts/problems.py; README "Problems and remedies")."""
from __future__ import annotations

from services.contracts.problems import (SEVERITIES, SEVERITY_TH, STATUS_EN, STATUS_TH,
                                         STATUSES, derived_problem_id)

WORDS = {  # (Thai, English)
    "problem_items": ("ปัญหาอุปสรรคและมาตรการแก้ไข", "Problems and remedies"),
    "problem_note": ("ปัญหาที่รายงานไว้แล้วแสดงด้านล่าง แก้ไขสถานะหรือมาตรการแล้วส่งพร้อมรายงานความก้าวหน้า "
                     "(ปัญหาเดิมจะถูกปรับปรุง ไม่ซ้ำ)",
                     "Problems reported before are shown below: change their status or remedies "
                     "and send them with the progress (the same problem is updated, not repeated)"),
    "add_problem": ("เพิ่มปัญหา", "Add a problem"),
    "remove_problem": ("ลบปัญหานี้", "Remove this problem"),
    "remove_remedy": ("ลบมาตรการนี้", "Remove this remedy"),
    "cause": ("สาเหตุ", "Cause"), "severity": ("ความรุนแรง", "Severity"),
    "problem_status": ("สถานะปัญหา", "Status"), "owner_agency": ("หน่วยงานเจ้าของปัญหา", "Owner agency"),
    "description": ("รายละเอียดปัญหา", "What the problem is"),
    "remedies": ("มาตรการแก้ไข", "Remedies"), "action": ("มาตรการ", "Action"),
    "due": ("กำหนดแล้วเสร็จ", "Due"), "done": ("ดำเนินการแล้ว", "Done"),
    "add_remedy": ("เพิ่มมาตรการ", "Add a remedy"),
    "retired": ("(เลิกใช้แล้ว)", "(retired)"),
}


def problem_words(lang: str) -> dict:
    return {k: v[0 if lang == "th" else 1] for k, v in WORDS.items()}


def problem_choices(plan: dict, cause_list: dict, lang: str) -> dict:
    """What the selects offer, names not codes: causes in force (a retired one only where an
    item in force still names it, marked so), severities, statuses and the plan's agencies."""
    th = lang == "th"
    words = problem_words(lang)
    causes = [{"code": c["code"], "label": (c["label_th"] if th else c["label_en"])
               + (f" {words['retired']}" if c.get("retired") else ""),
               "retired": bool(c.get("retired"))} for c in cause_list["causes"]]
    return {"causes": causes,
            "severities": [(s, SEVERITY_TH[s] if th else s) for s in SEVERITIES],
            "statuses": [(s, STATUS_TH[s] if th else STATUS_EN[s]) for s in STATUSES],
            "agencies": [(a["code"], a["name_th" if th else "name_en"])
                         for a in plan.get("agencies", [])]}


def items_in_force(project: str, current: dict | None) -> list[dict]:
    """The problem items of the report in force, each with the id it is known by (the sender's,
    else the one derived from its content), so that sending it again updates that problem."""
    out = []
    for item in (current or {}).get("problem_items") or []:
        problem_id = item.get("problem_id") or derived_problem_id(
            project, item.get("cause") or "", item.get("description") or "")
        out.append({**item, "problem_id": problem_id, "remedies": item.get("remedies") or []})
    return out

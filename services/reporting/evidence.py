"""The intake's check of the evidence a report cites (issue 22): each uploaded file it names
must exist, belong to the report's plan and have been uploaded for the report's province.
Pure: ``lookup(evidence_id)`` answers the file's record or None."""
from __future__ import annotations


def evidence_problem(plan_id: str, report: dict, lookup) -> tuple[str, str] | None:
    """(English, Thai) reason the report's evidence is refused, or None."""
    province = report["province"]
    for index, item in enumerate(report.get("evidence") or []):
        evidence_id = item.get("file")
        if not evidence_id:
            continue
        where = f"evidence.{index}.file"
        record = lookup(evidence_id) if lookup else None
        if record is None:
            return (f"{where}: no uploaded evidence {evidence_id}; upload the file first "
                    f"(POST /api/plans/{plan_id}/evidence) and cite the evidence_id it answers",
                    f"{where}: ไม่พบไฟล์หลักฐาน {evidence_id} กรุณาอัปโหลดไฟล์ก่อน แล้วอ้างอิง "
                    "evidence_id ที่ได้รับ")
        if record.get("plan_id") != plan_id:
            return (f"{where}: evidence {evidence_id} was uploaded for plan "
                    f"{record.get('plan_id')}, not {plan_id}; upload it for this plan",
                    f"{where}: ไฟล์หลักฐาน {evidence_id} อัปโหลดไว้สำหรับแผน "
                    f"{record.get('plan_id')} ไม่ใช่แผน {plan_id}")
        if record.get("province") != province:
            return (f"{where}: evidence {evidence_id} was uploaded for "
                    f"{record.get('province')}, not {province}; a province cites its own files",
                    f"{where}: ไฟล์หลักฐาน {evidence_id} อัปโหลดไว้สำหรับจังหวัด "
                    f"{record.get('province')} ไม่ใช่ {province} จังหวัดอ้างอิงได้เฉพาะไฟล์ของตนเอง")
    return None

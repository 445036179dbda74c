"""The /approvals page's words and view model (pure): a plan's periods, newest first, by the
provinces' names, each approval's state in Thai or English, who took its last step and when,
and the steps the signed-in person may take (docs/approvals.md; the rule is
services/contracts/approvals.py). approval_pages.py renders it; dashboard.WORDS takes the words."""
from __future__ import annotations

from datetime import date

from services.contracts import approvals as rule
from services.contracts.periods import parse_period

WORDS = {  # (Thai, English)
    "approvals": ("การรับรองข้อมูล", "Approvals"),
    "approvals_note": (
        "ข้อมูลของแต่ละจังหวัดในแต่ละงวด: เจ้าหน้าที่แผนงานจังหวัดยืนยันว่าข้อมูลครบ ผู้อนุมัติของจังหวัดอนุมัติ "
        "และผู้อำนวยการสำนักงานกลุ่มจังหวัดรับรอง เมื่ออนุมัติแล้ว รายงานใหม่ของงวดนั้นจะถูกปฏิเสธ "
        "จนกว่าจะเปิดงวดใหม่ (ต้องระบุเหตุผล) รายงานที่ถูกปฏิเสธส่งเข้าตรวจอีกครั้งได้หลังเปิดงวดใหม่",
        "Each province's figures for each period: the province's planner submits them as complete, "
        "its approver approves them, the cluster's OSM director accepts them. Once approved, a new "
        "report for that period is rejected until the period is reopened (with a reason); a "
        "rejected report can be re-driven once the period is reopened."),
    "approval_state": ("สถานะ", "State"),
    "approval_last": ("ขั้นตอนล่าสุด", "Last step"),
    "approval_comment": ("ความเห็น / เหตุผล", "Comment / reason"),
    "approval_figures": ("รายงานที่บันทึก", "Reports recorded"),
    "approval_history": ("ประวัติ", "History"),
    "approval_act": ("ดำเนินการ", "Act"),
    "approval_no_step": ("ยังไม่มีการดำเนินการ", "No step yet"),
    "approval_reason": ("เหตุผล (ต้องระบุ)", "Reason (required)"),
    "approval_optional": ("ความเห็น (ถ้ามี)", "Comment (optional)"),
    "approval_refused": ("ดำเนินการไม่สำเร็จ / Not done", "Not done / ดำเนินการไม่สำเร็จ"),
    "approval_done": ("บันทึกแล้ว และแจ้งผู้ดำเนินการขั้นต่อไปทางอีเมล",
                      "Done; the people whose step is next are mailed"),
    "approval_typed": ("ข้อความที่ท่านพิมพ์ไว้", "What you typed"),
    "approval_every_period": ("ทุกงวด", "Every period"),
    "approval_none": ("ยังไม่มีงวดที่เริ่มแล้วให้รับรอง", "No period has begun yet"),
}


SHORT_STATE = {  # the overview of every period: one short word a cell
    rule.OPEN: ("เบื้องต้น", "provisional"), rule.SUBMITTED: ("ยืนยันแล้ว", "submitted"),
    rule.APPROVED: ("อนุมัติแล้ว", "approved"), rule.ACCEPTED: ("รับรองแล้ว", "accepted"),
}


def state_name(state: str, lang: str) -> str:
    return rule.STATE_NAMES[state][0 if lang == "th" else 1]


def short_state(state: str, lang: str) -> str:
    return SHORT_STATE[state][0 if lang == "th" else 1]


def step_name(step: str, lang: str) -> str:
    return rule.STEP_NAMES[step][0 if lang == "th" else 1]


def periods_of(rows: list[dict]) -> list[str]:
    """The periods the approvals are listed for, in their order (newest first)."""
    return list(dict.fromkeys(r["period"] for r in rows))


def default_period(periods: list[str], today: date) -> str | None:
    """The period that ended last (of two ending the same day, the shorter: the quarter, not
    its year); the newest when none has ended."""
    if not periods:
        return None
    found = {p: parse_period(p) for p in periods}
    ended = [p for p in periods if found[p].end < today]
    if not ended:
        return periods[0]
    return max(ended, key=lambda p: (found[p].end, found[p].start))


def matrix(rows: list[dict], provinces: list[str]) -> list[dict]:
    """Every period (newest first) with each province's state: the page's overview."""
    states = {(r["period"], r["province"]): r["state"] for r in rows}
    return [{"period": p, "states": [(code, states.get((p, code), rule.OPEN))
                                     for code in provinces]}
            for p in periods_of(rows)]

"""How a person reads the audit log: each act's name in Thai and English, the columns of its
page and files, and a record's time in Bangkok (B.E. in Thai)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from services.contracts.periods import english_date, thai_date

BANGKOK = ZoneInfo("Asia/Bangkok")

ACT_NAMES = {  # act -> (Thai, English)
    "plan.create": ("สร้างร่างแผน", "created a plan draft"),
    "plan.edit_draft": ("แก้ไขร่างแผน", "edited a plan draft"),
    "plan.publish": ("ประกาศใช้แผน", "published a plan"),
    "plan.revise": ("ทบทวนแผน (ฉบับใหม่)", "revised a plan"),
    "plan.import": ("นำเข้าแผนจากสมุดงาน", "imported a plan workbook"),
    "agency.change": ("เพิ่ม/แก้ไขหน่วยงาน", "added or changed an agency"),
    "report.enter": ("บันทึกผลตัวชี้วัดในแบบฟอร์ม", "entered indicator values"),
    "report.workbook": ("ส่งสมุดงานรายงานผล", "sent a report workbook"),
    "report.project": ("รายงานความก้าวหน้าโครงการ", "reported project progress"),
    "report.evidence": ("แนบหลักฐาน", "attached evidence"),
    "report.flag_review": ("ตรวจสอบค่าที่ถูกทักท้วง", "reviewed a flagged value"),
    "problem.update": ("ปรับปรุงปัญหาอุปสรรค", "updated a problem"),
    # a step's name (submit, approve, accept, reopen) is in the record's request and changes
    "period.approval": ("ดำเนินการรับรองข้อมูลงวด", "took a period approval step"),
    "report.redrive": ("ส่งรายงานที่ถูกปฏิเสธอีกครั้ง", "re-drove a rejected report"),
    "report.extension": ("ขยายเวลารับรายงานของงวด", "extended a period's reporting window"),
    "asset.register": ("ลงทะเบียนทรัพย์สิน", "registered an asset"),
    "asset.import": ("นำเข้าทะเบียนทรัพย์สิน", "imported assets"),
    "asset.document": ("แนบเอกสารทรัพย์สิน", "attached an asset document"),
    "asset.request": ("ขอโอนทรัพย์สิน", "requested a transfer"),
    "asset.approve": ("อนุมัติการโอน", "approved a transfer"),
    "asset.hand_over": ("ส่งมอบทรัพย์สิน", "handed an asset over"),
    "asset.accept": ("รับโอนทรัพย์สิน", "accepted a transfer"),
    "asset.reject": ("ปฏิเสธการรับโอน", "rejected a transfer"),
    "asset.cancel": ("ยกเลิกการโอน", "cancelled a transfer"),
    "asset.audit": ("ตรวจนับทรัพย์สิน", "audited an asset"),
    "asset.dispose": ("จำหน่ายทรัพย์สิน", "disposed of an asset"),
    "settings.due_days": ("ตั้งกำหนดส่งรายงาน", "set when reports are due"),
    "settings.approval_reminders": ("ตั้งการเตือนการรับรองข้อมูลที่รอดำเนินการ",
                                    "set when waiting approvals are recalled"),
    "settings.disbursement_targets": ("ตั้งเป้าหมายการเบิกจ่าย", "set disbursement targets"),
    "settings.assets": ("ตั้งค่าทรัพย์สิน", "changed asset settings"),
    "settings.notify_rules": ("ตั้งกฎการแจ้งเตือน", "changed notification rules"),
    "settings.notify_preference": ("ตั้งการรับแจ้งเตือนของหน่วยงาน", "changed an agency's mail"),
    "settings.open_data": ("เปิด/ปิดการเผยแพร่ข้อมูลเปิดของแผน", "turned a plan's open data on or off"),
    "settings.problem_causes": ("แก้ไขรายการสาเหตุปัญหา", "changed the problem causes"),
    "settings.emenscr_fields": ("แก้ไขรายการข้อมูล eMENSCR", "changed the eMENSCR field list"),
    "settings.emenscr_fields_reset": ("คืนรายการข้อมูล eMENSCR ที่มากับระบบ",
                                      "went back to the shipped eMENSCR field list"),
    "settings.reference_data": ("โหลดข้อมูลกลุ่มจังหวัด", "loaded cluster reference data"),
    "settings.national_reference": ("โหลดข้อมูลอ้างอิงแผนระดับชาติ",
                                    "loaded the national strategy hierarchy"),
    "message.retry": ("ส่งข้อความที่ค้างอีกครั้ง", "re-drove a parked message"),
    "user.create": ("สร้างผู้ใช้", "created a user"),
    "user.change": ("แก้ไขผู้ใช้", "changed a user"),
    "user.reset": ("ส่งลิงก์ตั้งรหัสผ่าน", "sent a password link"),
    "user.password_link": ("ตั้งรหัสผ่านจากลิงก์", "set a password by a mailed link"),
    "user.password": ("เปลี่ยนรหัสผ่านของตน", "changed their password"),
    "user.totp_on": ("เปิดการยืนยันสองขั้นตอน", "turned two-step sign-in on"),
    "user.totp_off": ("ปิดการยืนยันสองขั้นตอน", "turned two-step sign-in off"),
    "user.end_sessions": ("ออกจากระบบในอุปกรณ์อื่น", "ended their other sessions"),
    "key.issue": ("ออกกุญแจ API", "issued an API key"),
    "key.revoke": ("เพิกถอนกุญแจ API", "revoked an API key"),
}
VIA = {"session": ("แดชบอร์ด", "dashboard"), "api_key": ("กุญแจ API", "API key"),
       "clusterctl": ("คำสั่ง clusterctl", "clusterctl")}
COLUMNS = (("at", "เมื่อ (เวลาไทย)", "When (Bangkok)"), ("person", "ผู้กระทำ", "Who"),
           ("organisation", "หน่วยงาน", "Organisation"), ("act", "การกระทำ", "Act"),
           ("target", "สิ่งที่กระทำ", "On"), ("changes", "สิ่งที่เปลี่ยน (ก่อน → หลัง)",
                                               "What changed (before → after)"),
           ("reason", "เหตุผล", "Why"), ("via", "ช่องทาง", "Via"))


def act_name(act: str, lang: str) -> str:
    names = ACT_NAMES.get(act)
    return names[0 if lang == "th" else 1] if names else act


def via_name(via: str | None, lang: str) -> str:
    names = VIA.get(via or "")
    return names[0 if lang == "th" else 1] if names else (via or "")


def when(iso: str, lang: str) -> str:
    """``6 ธ.ค. 2569 21:03`` / ``6 Dec 2026 21:03``: Bangkok time."""
    moment = datetime.fromisoformat(iso).astimezone(BANGKOK)
    day = thai_date(moment.date()) if lang == "th" else english_date(moment.date())
    return f"{day} {moment:%H:%M}"


PAGE_WORDS = {  # the audit log page's words: (Thai, English), merged into dashboard.WORDS
    "audit": ("บันทึกการตรวจสอบ", "Audit log"),
    "audit_note": ("ทุกการกระทำในระบบ: ใคร (บุคคลและหน่วยงาน) ทำอะไร เมื่อใด กับสิ่งใด ก่อนและหลัง "
                   "และเหตุผล", "Every act: who (person and organisation) did what, when, on "
                   "what, the before and after, and why"),
    "audit_since": ("ตั้งแต่วันที่", "From"), "audit_until": ("ถึงวันที่", "To"),
    "audit_person": ("ผู้กระทำ (ชื่อหรือชื่อผู้ใช้)", "Who (name or username)"),
    "audit_act": ("การกระทำ", "Act"), "audit_any": ("ทั้งหมด", "Any"),
    "audit_target": ("สิ่งที่กระทำ (รหัสแผน ทรัพย์สิน ผู้ใช้)", "On (plan, asset, user)"),
    "audit_filter": ("กรอง", "Filter"), "audit_none": ("ไม่พบการกระทำ", "No acts found"),
    "audit_count": ("{shown} จาก {total} รายการ", "{shown} of {total}"),
    "audit_older": ("เก่ากว่า →", "Older →"), "audit_newer": ("← ใหม่กว่า", "← Newer"),
    "audit_download": ("ดาวน์โหลดทั้งหมดที่กรอง", "Download all filtered"),
    "audit_bad_filter": ("ตัวกรองไม่ถูกต้อง", "A filter is not right"),
    "audit_created": ("สร้างใหม่", "created"),
    "kind_plan": ("แผน", "Plans"), "kind_report": ("การรายงาน", "Reporting"),
    "kind_problem": ("ปัญหาอุปสรรค", "Problems"), "kind_asset": ("ทรัพย์สิน", "Assets"),
    "kind_settings": ("การตั้งค่า", "Settings"), "kind_user": ("ผู้ใช้", "Users"),
    "kind_key": ("กุญแจ API", "API keys"), "kind_agency": ("หน่วยงาน", "Agencies"),
    "kind_message": ("ข้อความที่ค้าง", "Parked messages"),
    "kind_period": ("การรับรองข้อมูล", "Approvals"),
}
KINDS = ("plan", "report", "problem", "asset", "settings", "user", "key", "agency", "message",
         "period")

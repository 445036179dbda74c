"""The asset pages' forms (pure): what a person typed into the registration form or a transfer
step's form, as the JSON body the API's handler takes - the assets service then checks it by
the same rules as a JSON client's, so a form adds no rule of its own (a number that is not one
is passed on as typed, for the service to name) - and the words and names those pages show."""
from __future__ import annotations

from services.contracts.labels import ASSET_ACTION_TH, ASSET_CATEGORIES, ASSET_CATEGORY_TH

DOC_ROWS = 2  # document rows a form offers (reference, kind, date)
# URL word of a step (as in /api/assets/<code>/<word>: api/assets.py STEPS) by the step
WORD_OF_STEP = {"request": "transfer", "approve": "approve", "hand_over": "hand-over",
                "accept": "accept", "reject": "reject", "cancel": "cancel", "audit": "audits"}
STEP_OF_WORD = {word: step for step, word in WORD_OF_STEP.items()}

WORDS = {  # (Thai, English)
    "register_asset": ("ลงทะเบียนทรัพย์สิน", "Register an asset"),
    "all_assets": ("ทรัพย์สินที่ท่านเข้าถึงได้", "Assets you may see"),
    "moving": ("ทรัพย์สินที่อยู่ระหว่างการโอน", "Assets being transferred"),
    "code": ("รหัสทรัพย์สิน", "Asset code"),
    "code_hint": ("ไม่มีช่องว่าง และไม่มี / \\ ? # % เช่น 0017-2567", "no spaces nor / \\ ? # %, e.g. 0017-2567"),
    "project": ("โครงการ", "Project"), "fiscal_year": ("ปีงบประมาณ (พ.ศ.)", "Fiscal year (B.E.)"),
    "category": ("ประเภท", "Category"), "description_th": ("รายการ (ภาษาไทย)", "Description (Thai)"),
    "description_en": ("รายการ (ภาษาอังกฤษ)", "Description (English)"),
    "quantity": ("จำนวน", "Quantity"), "unit": ("หน่วยนับ", "Unit"),
    "unit_value": ("ราคาต่อหน่วย (บาท)", "Unit value (THB)"),
    "total_value": ("มูลค่ารวม (บาท)", "Total value (THB)"),
    "book_value": ("มูลค่าตามบัญชี (บาท)", "Book value (THB)"),
    "acquired_on": ("วันที่ได้มา", "Acquired on"),
    "province": ("จังหวัดที่ตั้ง", "Province"), "district": ("อำเภอ", "District"),
    "custodian": ("ผู้ครอบครอง", "Custodian"), "status": ("สถานะ", "Status"),
    "implementing": ("หน่วยงานดำเนินการโครงการ", "Implementing agency"),
    "transfer": ("การโอนที่กำลังดำเนินการ", "Transfer in course"),
    "from": ("จาก", "From"), "to": ("โอนให้", "To"), "due_by": ("กำหนดโอนแล้วเสร็จ", "Due by"),
    "requested": ("ขอโอนเมื่อ", "Requested"), "no_transfer": ("ไม่มีการโอนที่ค้างอยู่", "No transfer in course"),
    "audit_due": ("กำหนดตรวจนับครั้งถัดไป", "Next audit due"),
    "maintenance": ("การบำรุงรักษา", "Maintenance"),
    "ledger": ("ประวัติทรัพย์สิน", "The asset's ledger"), "when": ("เมื่อ", "When"),
    "who": ("ผู้ดำเนินการ", "Who"), "what": ("การดำเนินการ", "What"),
    "reason_docs": ("เหตุผล / เอกสาร / รายละเอียด", "Reason / documents / details"),
    "actions": ("สิ่งที่ท่านทำได้", "What you may do"),
    "no_actions": ("ขณะนี้ไม่มีขั้นตอนที่ท่านทำได้กับทรัพย์สินนี้",
                   "There is no step you may take on this asset now"),
    "reason": ("เหตุผล", "Reason"), "reason_required": ("เหตุผล (ต้องระบุ)", "Reason (required)"),
    "doc_reference": ("เลขที่เอกสาร / อ้างอิง", "Document number / reference"),
    "doc_kind": ("ชนิดเอกสาร", "Kind of document"), "doc_date": ("วันที่เอกสาร", "Document date"),
    "document_n": ("เอกสาร", "Document"),
    "handover_docs": ("หลักฐานการส่งมอบ (อย่างน้อย 1 รายการ)", "Delivery evidence (at least one)"),
    "m_agency": ("หน่วยงานผู้บำรุงรักษา", "Maintained by"),
    "m_budget": ("งบบำรุงรักษาต่อปี (บาท)", "Yearly maintenance budget (THB)"),
    "m_note": ("หมายเหตุ (เช่น ข้อบัญญัติงบประมาณ)", "Note (e.g. the budget act)"),
    "m_hint": ("อาคารและครุภัณฑ์ต้องระบุผู้บำรุงรักษาและงบประมาณ",
               "A building or a durable article needs its maintainer and budget"),
    "audit_on": ("วันที่ตรวจนับ", "Audited on"), "found": ("ผลการตรวจนับ", "Found?"),
    "found_yes": ("พบ", "Found"), "found_no": ("ไม่พบ", "Not found"),
    "condition": ("สภาพ", "Condition"), "note": ("หมายเหตุ", "Note"),
    "choose": ("— เลือก —", "— choose —"),
    "refused": ("ทำรายการไม่สำเร็จ", "Not done"),
    "api_said": ("ข้อความจากระบบ", "The system said"),
    "done": ("บันทึกแล้ว", "Done"),
    "no_asset": ("ไม่พบทรัพย์สินนี้ หรือท่านไม่มีสิทธิ์เห็น", "No such asset that you may see"),
    "cannot_register": ("ท่านไม่มีโครงการที่ลงทะเบียนทรัพย์สินได้ (ผู้ลงทะเบียน: หน่วยงานดำเนินการโครงการ "
                        "สำนักงานกลุ่มจังหวัด หรือผู้ดูแลระบบ)",
                        "No project whose assets you may register (its implementing agency, the "
                        "cluster's OSM or the admin may)"),
    "admin": ("ผู้ดูแลระบบ", "the admin"), "osm": ("สำนักงานกลุ่มจังหวัด", "Cluster OSM"),
    "system": ("ระบบ", "the system"),
    "back": ("กลับไปหน้าทรัพย์สิน", "Back to the assets"),
    "history_xlsx": ("ดาวน์โหลดประวัติ (Excel)", "Download the ledger (Excel)"),
}
# the button of each step's form
STEP_WORDS = {
    "register": ("ลงทะเบียน", "Register"),
    "request": ("ขอโอน", "Request the transfer"), "approve": ("อนุมัติการโอน", "Approve the transfer"),
    "hand_over": ("ส่งมอบ", "Hand over"), "accept": ("รับโอน", "Accept"),
    "reject": ("ปฏิเสธการรับโอน", "Reject"), "cancel": ("ยกเลิกการโอน", "Cancel the transfer"),
    "audit": ("บันทึกผลตรวจนับ", "Record the audit"),
}
STATUS_EN = {"in_custody": "In custody", "transfer_requested": "Transfer requested",
             "transfer_approved": "Transfer approved", "handed_over": "Handed over, awaiting acceptance",
             "disposed": "Disposed"}
CONDITIONS = {"good": ("ใช้งานได้ดี", "good"), "needs_repair": ("ต้องซ่อมแซม", "needs repair"),
              "unusable": ("ใช้การไม่ได้", "unusable"), "idle": ("ไม่ได้ใช้งาน", "idle")}
DOC_KINDS = {"handover": ("บันทึกส่งมอบ", "hand-over record"), "delivery": ("ใบส่งของ", "delivery note"),
             "inspection": ("ใบตรวจรับพัสดุ", "inspection report"), "letter": ("หนังสือราชการ", "letter"),
             "photo": ("ภาพถ่าย", "photo"), "other": ("อื่น ๆ", "other")}
# a refusal's heading by the API's status: what to do about it, in both languages
REFUSALS = {
    400: ("ข้อมูลไม่ครบหรือไม่ถูกต้อง หรือสถานะของทรัพย์สินไม่อนุญาตขั้นตอนนี้",
          "Input missing or wrong, or the asset's state does not allow this step"),
    403: ("ท่านไม่มีสิทธิ์ทำขั้นตอนนี้", "You may not take this step"),
    404: ("ไม่พบทรัพย์สินนี้ หรือท่านไม่มีสิทธิ์เห็น", "No such asset that you may see"),
    409: ("ข้อมูลถูกเปลี่ยนไปแล้วหลังจากท่านเปิดหน้านี้ (หรือรหัสซ้ำ) โปรดตรวจสอบแล้วทำใหม่",
          "It changed since you opened this page (or the code is taken): check and try again"),
    413: ("ข้อมูลที่ส่งมีขนาดใหญ่เกินไป", "What was sent is too large"),
}
OTHER_REFUSAL = ("ระบบไม่ตอบสนอง ลองใหม่อีกครั้ง", "A service did not answer; try again shortly")


def pick(pairs: dict, lang: str) -> dict:
    """{key: the word in ``lang``} of a {key: (Thai, English)} table."""
    return {k: v[0 if lang == "th" else 1] for k, v in pairs.items()}


def refusal(status: int, message: str) -> dict:
    """What a page says when the API refused: a heading in Thai and English and its message."""
    th, en = REFUSALS.get(status, OTHER_REFUSAL)
    return {"status": status, "th": th, "en": en, "message": message}


# --- names, not codes ---------------------------------------------------------------------------

def agency_name(code: str | None, agencies: dict, lang: str) -> str:
    """An agency's name in ``lang`` (the directory's or a plan's entry); its code only when
    no entry names it."""
    entry = agencies.get(code) or {}
    return entry.get(f"name_{lang}") or entry.get("name_th") or code or "-"


def actor_name(by: str, agencies: dict, clusters: dict, lang: str) -> str:
    """Who acted, as a ledger keeps it ("agency:ubon-pao", "osm:<cluster>", "admin"), by name."""
    role, _, scope = (by or "").partition(":")
    i = 0 if lang == "th" else 1
    if role == "agency":
        return agency_name(scope, agencies, lang)
    if role == "osm":
        cluster = clusters.get(scope) or {}
        return f"{WORDS['osm'][i]} {cluster.get(f'name_{lang}') or scope}"
    if role in ("admin", "system"):
        return WORDS[role][i]
    return by or "-"


def action_label(action: str, lang: str) -> str:
    return ASSET_ACTION_TH.get(action, action) if lang == "th" else action.replace("_", " ")


def category_choices(lang: str) -> list[tuple[str, str]]:
    return [(c, ASSET_CATEGORY_TH[c] if lang == "th" else c.replace("_", " "))
            for c in ASSET_CATEGORIES]


# --- what was typed, as the API's JSON body ------------------------------------------------------

def _text(form, name: str) -> str:
    return (form.get(name) or "").strip()


def _number(raw: str):
    """A number as typed ("1,200.50", "95000") as a JSON number; anything else as typed, so the
    service's own rule names it."""
    cleaned = (raw or "").replace(",", "").replace(" ", "")
    try:
        value = float(cleaned)
    except ValueError:
        return raw
    return int(value) if value.is_integer() else value


def documents(form) -> list[dict]:
    """The form's document rows that say something (a reference or a date): a row with a date
    but no reference goes on, for the service to say the reference is missing."""
    found = []
    for n in range(DOC_ROWS):
        reference, day = _text(form, f"doc_reference_{n}"), _text(form, f"doc_date_{n}")
        if reference or day:
            found.append({"kind": _text(form, f"doc_kind_{n}") or "other",
                          "reference": reference, "date": day or None})
    return found


def step_body(step: str, form) -> dict:
    """The JSON body of POST /api/assets/<code>/<word> (api/assets.py STEP_BODIES) from a step's
    form: the version as read, what the step takes, nothing invented."""
    version = _number(_text(form, "version"))
    body: dict = {"version": version}
    docs = documents(form)
    if step == "audit":  # a closed body: on, found, condition, note, documents
        found = {"yes": True, "no": False}.get(_text(form, "found"), _text(form, "found"))
        body.update(on=_text(form, "on"), found=found, condition=_text(form, "condition"),
                    note=_text(form, "note"), documents=docs)
        return body
    reason = _text(form, "reason")
    if reason or step in ("reject", "cancel"):  # a blank reason is the service's to refuse
        body["reason"] = reason
    if docs or step == "hand_over":  # a hand-over without evidence: the service says so
        body["documents"] = docs
    if step == "request":
        body["to"] = _text(form, "to")
    if step == "accept" and any(_text(form, f) for f in ("m_agency", "m_budget", "m_note")):
        body["maintenance"] = {"agency": _text(form, "m_agency"),
                               "budget_thb": _number(_text(form, "m_budget")),
                               "note": _text(form, "m_note")}
    return body


def registration_body(form) -> dict:
    """The JSON body of POST /api/assets (NewAsset) from the registration form."""
    return {"code": _text(form, "code"), "project": _text(form, "project"),
            "fiscal_year": _number(_text(form, "fiscal_year")),
            "category": _text(form, "category"),
            "description_th": _text(form, "description_th"),
            "description_en": _text(form, "description_en"),
            "quantity": _number(_text(form, "quantity")), "unit": _text(form, "unit"),
            "unit_value_thb": _number(_text(form, "unit_value_thb")),
            "acquired_on": _text(form, "acquired_on"),
            "location": {"province": _text(form, "province"),
                         "district": _text(form, "district") or None},
            "custodian": _text(form, "custodian"), "documents": documents(form)}

"""The dashboard's words and view models (pure): what an official sees, in Thai or English.

Pages are rendered on the server from the same service answers the JSON API gives, so a number
on a page is the API's number. Templates live in ``templates/``; assets (the Sarabun font,
Chart.js) in ``static/vendor`` - nothing from a CDN, the pages work offline.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from services.contracts import access
from services.contracts.periods import (english_date, last_ended_period, parse_period,
                                       quarter_months, thai_date)
from services.contracts.reports import PROCUREMENT_STAGE_TH, PROCUREMENT_STAGES

from . import certainty_view
from .accounts.words import ACCOUNT_WORDS
from .approval_view import WORDS as APPROVAL_WORDS
from .audit.words import PAGE_WORDS as AUDIT_WORDS
from .national_view import WORDS as NATIONAL_WORDS

HERE = Path(__file__).parent
STATIC = HERE / "static"
LANGUAGES = ("th", "en")
PAGES = ("overview", "projects", "alignment", "national_rollup", "completeness", "problems",
         "problem_analysis", "assets", "rejections", "flags", "approvals", "report", "report_entry",
         "my_reports", "project_report", "plans", "national", "users", "settings",
         "audit")  # the menu's order
AGENCY_NAV = ("assets", "project_report", "rejections")  # an agency key's menu
AGENCY_PAGES = AGENCY_NAV + ("asset", "register_asset")  # and the pages it may open
# The one rule of which dashboard page a principal may open (the rules themselves are in
# services/contracts/access.py, shared with the API); a page not named here opens to every
# signed-in principal but an agency, which has AGENCY_PAGES only. A page the rule refuses is
# neither in the menu nor opened (403): no page is only a note that it is someone else's.
PAGE_RULES = {
    "report": access.sends_reports,                 # the upload: a province's planner
    "report_entry": access.sends_reports,           # the typed entry: the same
    "my_reports": access.reads_own_reports,         # what a province sent
    "project_report": access.sends_project_reports,  # a province's planner, an agency
    "register_asset": access.registers_assets,
    "plans": access.can_import_plans,               # drafts, upload, publish, revise
    "users": access.may_manage_users,
    "settings": access.is_admin,
    "audit": access.reads_audit,
    "approvals": access.reads_approvals,            # every role but an agency (docs/approvals.md)
    "national_rollup": access.reads_reporting,      # a plan's; every cluster's: access.reads_all
}


def may_open(who, page: str) -> bool:
    if who.role == "agency" and page not in AGENCY_PAGES:
        return False
    rule = PAGE_RULES.get(page)
    return rule is None or bool(rule(who))


def nav_for(who) -> tuple[str, ...]:
    """The menu of a principal: every page of PAGES it may open (an agency's three), and its
    own account for a person."""
    pages = AGENCY_NAV if who.role == "agency" else tuple(p for p in PAGES if may_open(who, p))
    return pages + ("account",) * bool(who.person)


ROLE_NAMES = {  # (Thai, English): an organisation's key, which has no person and no duty
    "admin": ("กุญแจผู้ดูแลระบบ", "Administrator's key"),
    "osm": ("กุญแจสำนักงานกลุ่มจังหวัด", "Cluster OSM's key"),
    "province": ("กุญแจจังหวัด", "Province's key"), "agency": ("กุญแจหน่วยงาน", "Agency's key"),
    "auditor": ("กุญแจผู้ตรวจสอบ", "Auditor's key"),
    "national": ("กุญแจผู้ดูข้อมูลระดับประเทศ", "National viewer's key"),
}


def who_label(who, lang: str, organisation: str | None) -> str:
    """The header's "who": the person by name (username), the duty, the organisation by name -
    or the organisation's key by role and name."""
    i = 0 if lang == "th" else 1
    duty = access.DUTY_NAMES.get(who.duty or "")
    parts = [who.person, duty[i]] if who.person and duty else [ROLE_NAMES.get(who.role, (who.role,) * 2)[i]]
    return " · ".join(parts + [organisation] * bool(organisation))


_env = Environment(loader=FileSystemLoader(str(HERE / "templates")), undefined=StrictUndefined,
                   autoescape=select_autoescape(enabled_extensions=("html", "html.j2")),
                   trim_blocks=True, lstrip_blocks=True)

WORDS = {
    "title": ("ระบบติดตามแผนพัฒนากลุ่มจังหวัด", "Provincial cluster planning and reporting"),
    "overview": ("ภาพรวมตัวชี้วัด", "Indicators"),
    "projects": ("โครงการและการเบิกจ่าย", "Projects and disbursement"),
    "alignment": ("ความสอดคล้องกับแผนระดับชาติ", "National alignment"),
    "national_rollup": ("ผลการดำเนินงานตามแผนระดับชาติ", "Results by national alignment"),
    "completeness": ("ความครบถ้วนของรายงาน", "Reporting completeness"),
    "problems": ("ปัญหาอุปสรรค", "Problems and obstacles"),
    "problem_analysis": ("วิเคราะห์ปัญหาอุปสรรค", "Problems analysed"),
    "problem_review": ("ทบทวนปัญหาอุปสรรคประจำปี", "Annual review of problems"),
    "problem_causes": ("รายการสาเหตุของปัญหา", "Problem causes"),
    "assets": ("การโอนทรัพย์สิน", "Asset transfers"),
    "rejections": ("รายงานที่ถูกปฏิเสธ", "Rejected reports"),
    "flags": ("ค่าที่ต้องตรวจสอบ", "Values to check"),
    "plans": ("แผนและร่างแผน", "Plans and drafts"),
    "settings": ("ตั้งค่าระบบ", "Settings"),
    "page_refused": ("หน้านี้ไม่เปิดให้บทบาทของท่าน เมนูด้านบนแสดงหน้าที่ท่านใช้ได้",
                     "This page is not open to your role; the menu above lists the pages that are"),
    "flags_note": ("ค่าที่ได้รับและนับในภาพรวมแล้ว แต่ต่างจากงวดก่อนของจังหวัดเอง (หรือจากจังหวัดอื่นในงวดเดียวกัน) มาก "
                   "สำนักงานกลุ่มจังหวัดบันทึกผลการตรวจผ่าน API: POST /api/plans/{plan}/flags/{flag_id}",
                   "Values accepted and counted, but far from the province's own earlier periods (or the other provinces "
                   "this period). The OSM records its review through the API: POST /api/plans/{plan}/flags/{flag_id}"),
    "reported_value": ("ค่าที่รายงาน", "Value reported"),
    "compared_with": ("เทียบกับ (มัธยฐาน)", "Compared with (median)"), "score": ("ระยะห่าง (z)", "Distance (z)"),
    "to_check": ("รอตรวจสอบ", "To check"), "checked": ("ตรวจแล้ว", "Checked"),
    "correction_requested": ("ขอให้แก้ไขแล้ว", "Correction requested"),
    "own_history": ("งวดก่อนของจังหวัด", "own earlier periods"),
    "other_provinces": ("จังหวัดอื่น งวดเดียวกัน", "other provinces, same period"),
    "login": ("เข้าสู่ระบบ", "Log in"), "logout": ("ออกจากระบบ", "Log out"),
    "api_key": ("รหัส API (จาก var/credentials.json)", "API key (from var/credentials.json)"),
    "bad_key": ("รหัส API ไม่ถูกต้อง", "Unknown API key"),
    "plan": ("แผน", "Plan"), "period": ("ช่วงเวลา", "Period"), "show": ("แสดง", "Show"),
    "issue": ("ประเด็นการพัฒนา", "Development issue"), "indicator": ("ตัวชี้วัด", "Indicator"),
    "target": ("ค่าเป้าหมาย", "Target"), "value": ("ค่าของกลุ่มจังหวัด", "Cluster value"),
    "status": ("สถานะ", "Status"), "achievement": ("ร้อยละของเป้าหมาย", "% of target"),
    "reported": ("จังหวัดที่รายงาน", "Provinces reported"), "unit": ("หน่วย", "Unit"),
    "trend": ("แนวโน้ม", "Trend"), "province": ("จังหวัด", "Province"),
    "project": ("โครงการ", "Project"), "budget": ("งบประมาณ (บาท)", "Budget (THB)"),
    "disbursed": ("เบิกจ่าย (บาท)", "Disbursed (THB)"), "disbursed_pct": ("ร้อยละเบิกจ่าย", "Disbursed %"),
    "planned_pct": ("แผนสะสม ร้อยละ", "Planned to date %"),
    "government_pct": ("เป้าหมายรัฐบาล ร้อยละ", "Government target %"),
    "physical": ("ความก้าวหน้า ร้อยละ", "Physical progress %"),
    "behind": ("ล่าช้ากว่าแผน", "Behind schedule"), "on_track": ("ตามแผน", "On track"),
    "expected": ("ต้องรายงาน", "Expected"), "received": ("ได้รับแล้ว", "Received"),
    "on_time": ("ตรงเวลา", "On time"), "late": ("ล่าช้า", "Late"), "missing": ("ยังไม่ได้รายงาน", "Missing"),
    "due": ("กำหนดส่ง", "Due"), "completeness_pct": ("ความครบถ้วน ร้อยละ", "Completeness %"),
    "timeliness_pct": ("ความตรงเวลา ร้อยละ", "Timeliness %"),
    "reported_at": ("วันที่รายงาน", "Reported"), "solutions": ("แนวทางแก้ไข", "Solutions"),
    "asset": ("ทรัพย์สิน", "Asset"), "register_asset": ("ลงทะเบียนทรัพย์สิน", "Register an asset"),
    "custodian": ("ผู้ครอบครอง", "Custodian"),
    "to": ("โอนให้", "To"), "due_by": ("กำหนดแล้วเสร็จ", "Due by"), "overdue": ("เกินกำหนด", "Overdue"),
    "reason": ("เหตุผล", "Reason"), "received_at": ("ได้รับเมื่อ", "Received"),
    "none": ("ไม่มีรายการ", "Nothing to show"), "print": ("พิมพ์", "Print"),
    "download": ("ดาวน์โหลด Excel", "Download Excel"), "sample": ("ข้อมูลตัวอย่าง", "sample data"),
    "emenscr": ("ข้อมูลโครงการสำหรับกรอกในระบบ eMENSCR (Excel) ปีงบประมาณ",
                "Projects for entry into eMENSCR (Excel), fiscal year"),
    "report": ("ส่งรายงาน", "Send reports"), "my_reports": ("รายงานของจังหวัด", "My reports"),
    "workbook": ("แบบฟอร์มรายงาน (Excel)", "Reporting workbook (Excel)"),
    "workbook_note": ("ดาวน์โหลดแบบฟอร์มของงวดที่ต้องรายงาน กรอกในช่องสีขาว แล้วอัปโหลดเพื่อตรวจก่อนส่ง",
                      "Download the period's workbook, fill in the white cells, then upload it to check before sending"),
    "upload": ("ไฟล์ที่กรอกแล้ว (.xlsx หรือ .csv)", "Filled workbook (.xlsx or .csv)"),
    "check": ("ตรวจไฟล์", "Check"), "send": ("ยืนยันส่งรายงาน", "Confirm and send"),
    "row": ("แถว", "Row"), "problem": ("ข้อผิดพลาด", "Problem"), "result": ("ผลการส่ง", "Outcome"),
    "ok_row": ("ถูกต้อง", "OK"), "only_province": ("เฉพาะเจ้าหน้าที่แผนงานของจังหวัด (หรือรหัสของจังหวัด) ส่งรายงานได้ที่หน้านี้",
                                                   "Only a province's planner (or the province's own key) sends reports here"),
    "in_force": ("รับแล้ว ใช้เป็นค่าปัจจุบัน", "Accepted, in force"),
    "superseded": ("รับแล้ว มีรายงานที่ใหม่กว่า", "Accepted, superseded"),
    "rejected": ("ถูกปฏิเสธ", "Rejected"), "pending": ("รอดำเนินการ", "Pending"),
    "sent_reports": ("รายงานที่ส่งแล้ว", "Reports sent"), "due_next": ("งวดที่ต้องรายงาน", "What is due"),
    "subject": ("ตัวชี้วัด / โครงการ", "Indicator / project"),
    "project_report": ("รายงานความก้าวหน้าโครงการ", "Project progress"),
    "project_report_note": ("กรอกความก้าวหน้าล่าสุดของโครงการที่ท่านรับผิดชอบ แล้วกดส่ง "
                            "ระบบส่งเป็นรายงานของท่านเอง (ตรวจตามกฎเดียวกับรายงานอื่น) "
                            "ส่งค่าเดิมซ้ำจะไม่ถูกนับซ้ำ",
                            "Enter the latest progress of the projects you are responsible for, "
                            "then send: it goes out as your own report, checked by the same "
                            "rules as any other; the same values sent again count once"),
    "no_projects": ("ไม่มีโครงการที่ท่านรายงานได้ในแผนนี้", "No project of this plan for you to report"),
    "as_of": ("ข้อมูล ณ วันที่", "As of"), "stage": ("ขั้นตอนจัดซื้อจัดจ้าง", "Procurement stage"),
    "problems_label": ("ปัญหาอุปสรรค", "Problems"), "in_force_now": ("ค่าปัจจุบัน", "In force now"),
    "sent_none": ("ค่าเดิม ไม่ได้ส่งซ้ำ", "Same as before, not sent again"),
    "project_progress_due": ("รายงานความก้าวหน้าโครงการ (ได้รับ / ต้องรายงาน)",
                             "Project progress (received / expected)"),
    "missing_projects": ("โครงการที่ยังไม่ได้รายงาน (หน่วยงานดำเนินการ)",
                         "Projects not reported (implementing agency)"),
}

# The province's data-entry form (entry_pages.py, static/report_entry.js).
WORDS.update({
    "report_entry": ("กรอกรายงาน", "Enter values"),
    "entry_note": ("กรอกค่าตัวชี้วัดของงวดนี้ในช่อง “ค่าที่รายงาน” (ไม่ต้องใช้ไฟล์ Excel) แล้วกดส่งหรือกด Enter "
                   "ระบบตรวจตามกฎเดียวกับแบบฟอร์ม Excel และส่งเป็นรายงานของจังหวัดเอง แถวที่เว้นว่างจะไม่ถูกส่ง "
                   "หากมีแถวที่ผิด จะยังไม่ส่งแถวใดเลย ข้อความที่กรอกไว้ยังอยู่ครบให้แก้ไขแล้วส่งใหม่",
                   "Type this period's indicator values in the \u201cValue\u201d boxes (no Excel file needed), then "
                   "send or press Enter. They are checked by the same rules as the workbook and sent as the "
                   "province's own reports; rows left empty are not sent. If a row is wrong nothing is sent; "
                   "what you typed stays here to fix and send again."),
    "entry_value": ("ค่าที่รายงาน", "Value"), "entry_last": ("ค่าที่รายงานล่าสุด", "Last sent"),
    "entry_target": ("เป้าหมายปีงบประมาณ", "Target for the year"),
    "own_target": ("ของจังหวัด", "the province's own"), "accepted": ("ค่าที่ยอมรับ", "Accepted"),
    "entry_note_label": ("หมายเหตุ / หลักฐาน", "Note / evidence"),
    "note_label": ("หมายเหตุ", "Note"),
    "evidence_label": ("เลขที่หนังสือ ลิงก์ หรือรหัสไฟล์หลักฐาน (ev-…)", "Document number, link or evidence file id (ev-…)"),
    "entry_send": ("ส่งค่าที่กรอก", "Send the values"),
    "entry_projects": ("ความก้าวหน้าโครงการรายงานที่หน้า", "Project progress is reported on"),
    "no_due": ("ไม่มีตัวชี้วัดที่ต้องรายงานในแผนนี้", "No indicator of this plan is due from you"),
    "not_sent_yet": ("ถูกต้อง ยังไม่ได้ส่ง (แก้แถวที่ผิดก่อน)", "OK, not sent yet (fix the rows marked first)"),
    "sending": ("กำลังส่ง…", "Sending…"),
    "nothing_typed": ("ยังไม่ได้กรอกค่าใด", "Nothing typed yet"),
    "entry_refused": ("ไม่รับ", "Refused"),
    "or_type": ("หรือกรอกค่าในหน้าเว็บโดยตรง:", "or type the values on a page:"),
})

# The words of the indicator page's card and the printable card (issue 22, facts behind the figure).
WORDS.update({
    "indicator_page": ("ตัวชี้วัด", "Indicator"),
    "indicator_card": ("บัตรตัวชี้วัด", "Indicator card"),
    "print_card": ("พิมพ์บัตรตัวชี้วัด", "Print the indicator card"),
    "definition": ("นิยาม", "Definition"), "formula": ("สูตรคำนวณ", "Formula"),
    "data_source": ("แหล่งข้อมูล", "Data source"),
    "source_agency": ("หน่วยงานเจ้าของข้อมูล", "Data owner"),
    "method": ("วิธีการวัด", "Method"), "link": ("ลิงก์", "Link"),
    "frequency": ("ความถี่การรายงาน", "Reporting frequency"),
    "responsible_agency": ("หน่วยงานรับผิดชอบ", "Responsible agency"),
    "baseline": ("ค่าฐาน", "Baseline"), "targets": ("ค่าเป้าหมายรายปี", "Yearly targets"),
    "direction": ("ทิศทางที่ดี", "Better when"),
    "increase": ("ยิ่งมากยิ่งดี", "higher"), "decrease": ("ยิ่งน้อยยิ่งดี", "lower"),
    "monthly": ("รายเดือน", "monthly"), "quarterly": ("รายไตรมาส", "quarterly"),
    "yearly": ("รายปี", "yearly"),
    "evidence": ("หลักฐาน", "Evidence"), "reports_behind": ("รายงานที่อยู่เบื้องหลังค่า",
                                                           "The reports behind the value"),
    "not_given": ("ยังไม่ได้ระบุในแผน", "not given in the plan"),
    "no_indicator": ("ไม่พบตัวชี้วัดนี้ในแผน", "The plan has no such indicator"),
    "attach": ("แนบหลักฐาน (PDF, PNG, JPEG, XLSX, CSV ไม่เกิน 10 MB)",
               "Attach evidence (PDF, PNG, JPEG, XLSX, CSV, at most 10 MB)"),
    "attach_note": ("อัปโหลดไฟล์หลักฐานและ/หรือระบุเลขที่หนังสือหรือ URL แล้วคัดลอกข้อความที่ได้ไปใส่ในคอลัมน์ "
                    "evidence ของไฟล์ CSV (หรือคอลัมน์ที่มีหัว (evidence) ในแบบฟอร์ม Excel) ของแถวที่เกี่ยวข้อง",
                    "Upload an evidence file and/or give a document number or URL, then copy the text "
                    "below into the evidence column of the CSV (or a column headed (evidence) in the "
                    "workbook) on the row it supports"),
    "reference": ("เลขที่หนังสือ / URL อ้างอิง", "Document number / URL"),
    "attach_button": ("อัปโหลดหลักฐาน", "Upload evidence"),
    "evidence_cell": ("ข้อความสำหรับคอลัมน์ evidence", "Text for the evidence column"),
})
# A report a province marked internal (issue 26): the forms' checkbox and the badge shown to
# signed-in people (the badge reads the same in both languages, its title says what it means).
WORDS.update({
    "internal_label": ("ข้อมูลภายใน ไม่เผยแพร่สู่สาธารณะ",
                       "Internal: not to be published outside the government"),
    "internal_badge": ("ภายใน / internal", "ภายใน / internal"),
    "internal_title": ("จังหวัดระบุว่าเป็นข้อมูลภายใน ไม่เผยแพร่สู่สาธารณะ (ข้อมูลเปิด หน้าสาธารณะ)",
                       "The province marked it internal: not published outside the government "
                       "(open data, the public page)"),
    "internal_column": ("ข้อมูลภายใน", "Internal"),
})
STATUS_WORDS = {
    "achieved": ("บรรลุเป้าหมาย", "Achieved"), "near": ("ใกล้เป้าหมาย", "Near target"),
    "not_achieved": ("ไม่บรรลุเป้าหมาย", "Not achieved"), "no_data": ("ยังไม่มีข้อมูล", "No data"),
    "no_target": ("ไม่มีค่าเป้าหมาย", "No target"),
}
NEAR_PCT = 80.0  # amber: not achieved but at least this share of the target


WORDS.update(ACCOUNT_WORDS)
WORDS.update(AUDIT_WORDS)
WORDS.update(APPROVAL_WORDS)
WORDS.update(NATIONAL_WORDS)


def words(lang: str) -> dict:
    i = LANGUAGES.index(lang)
    return {k: v[i] for k, v in WORDS.items()}


def light(result: dict) -> str:
    """The traffic light of an indicator result: green, amber, red or grey."""
    if result["status"] == "achieved":
        return "green"
    if result["status"] == "not_achieved":
        pct = result.get("achievement_pct")
        return "amber" if pct is not None and pct >= NEAR_PCT else "red"
    return "grey"


def status_label(result: dict, lang: str) -> str:
    key = "near" if light(result) == "amber" else result["status"]
    return STATUS_WORDS[key][LANGUAGES.index(lang)]


def period_label(code: str, lang: str) -> str:
    period = parse_period(code)
    return period.label_th if lang == "th" else period.label_en


def day_label(iso: str | None, lang: str) -> str:
    if not iso:
        return "-"
    day = date.fromisoformat(iso[:10])
    return thai_date(day) if lang == "th" else english_date(day)


def number(value, places: int = 2) -> str:
    if value is None:
        return "-"
    return f"{value:,.{places}f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"


def periods_of(plan: dict) -> list[str]:
    """The periods a person picks from: every quarter and year of the plan, and its months when
    an indicator is monthly, newest first."""
    monthly = any(i["frequency"] == "monthly" for issue in plan["issues"]
                  for i in issue["indicators"])
    out = []
    for fy in range(plan["end_fy"], plan["start_fy"] - 1, -1):
        for q in (4, 3, 2, 1):
            if monthly:
                out += reversed(quarter_months(fy, q))
            out.append(f"FY{fy}-Q{q}")
        out.append(f"FY{fy}")
    return out


def default_period(plan: dict, today: date) -> str:
    """The quarter that ended last, inside the plan's years."""
    last = parse_period(last_ended_period("quarterly", today))
    fy = min(max(last.fiscal_year, plan["start_fy"]), plan["end_fy"])
    return f"FY{fy}-Q{last.code[-1]}"


def by_issue(plan: dict, results: list[dict], lang: str) -> list[dict]:
    """Indicator results grouped under their development issue, each with its light."""
    by_code = {r["indicator"]: r for r in results}
    groups = []
    for issue in plan["issues"]:
        rows = [{**by_code[i["code"]], "light": light(by_code[i["code"]]),
                 "status_label": status_label(by_code[i["code"]], lang),
                 "name": by_code[i["code"]]["name_th" if lang == "th" else "name_en"]}
                for i in issue["indicators"] if i["code"] in by_code]
        groups.append({"number": issue["number"],
                       "title": issue["title_th" if lang == "th" else "title_en"], "rows": rows})
    return groups


def stage_choices(lang: str) -> list[tuple[str, str]]:
    """The procurement stages in order, each with the word a person reads."""
    return [(s, PROCUREMENT_STAGE_TH[s] if lang == "th" else s.replace("_", " ")) for s in
            PROCUREMENT_STAGES]


def progress_rows(plan: dict, role: str, scope: str, in_force: dict, lang: str) -> list[dict]:
    """The (project, province) pairs a key reports progress for - an agency the active projects
    it implements, a province those running in it - each with the report in force."""
    rows = []
    for project in plan["projects"]:
        if project.get("status", "active") != "active":
            continue
        provinces = project.get("provinces") or plan["provinces"]
        if role == "agency" and project.get("implementing_agency") == scope:
            mine = provinces
        elif role == "province" and scope in provinces:
            mine = [scope]
        else:
            continue
        for province in mine:
            rows.append({"project": project["code"], "province": province,
                         "title": project["title_th" if lang == "th" else "title_en"],
                         "current": in_force.get((project["code"], province))})
    return rows


def render(template: str, lang: str, **context) -> str:
    return _env.get_template(f"{template}.html").render(
        lang=lang, w=words(lang), number=number, period_label=period_label,
        day_label=day_label, marks=certainty_view.words(lang), **context)


def render_plain(template: str, **context) -> str:
    """A page outside the dashboard's frame (the API documentation)."""
    return _env.get_template(f"{template}.html").render(**context)

"""The words of notify's mails: subject, plain text and HTML of each fact, in Thai then English,
rendered through the jinja2 templates beside this file (the only module of notify that reads them)."""
from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from services.contracts.labels import ASSET_CATEGORY_TH, DISPOSAL_METHODS
from services.contracts.periods import english_date, parse_period, thai_date
from services.contracts.problems import SEVERITY_TH, STATUS_EN, STATUS_TH

from .domain import BANGKOK, MAIL_NAMESPACE, Mail, Recipient, mail_id

TEMPLATES = Path(__file__).parent / "templates"

# Templates are named *.html.j2: "html.j2" must be listed, or nothing in the HTML part is
# escaped (a rejection reason quotes field names from a province's body).
_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined,
                   autoescape=select_autoescape(enabled_extensions=("html", "html.j2"),
                                                default=False),
                   trim_blocks=True, lstrip_blocks=True)


TRANSFER_WORDS = {  # event type: (Thai, English, what to do in Thai, in English)
    "transfer_requested": ("ขอโอนทรัพย์สิน", "Asset transfer requested",
                           "สำนักงานบริหารยุทธศาสตร์กลุ่มจังหวัดพิจารณาอนุมัติ; หน่วยงานผู้รับโอนเตรียมแผนและงบประมาณบำรุงรักษา",
                           "the cluster's OSM approves or not; the receiving agency prepares who maintains it and with what budget"),
    "transfer_approved": ("อนุมัติการโอนทรัพย์สิน", "Asset transfer approved",
                          "ผู้ครอบครองส่งมอบพร้อมหลักฐานการส่งมอบภายในกำหนด",
                          "the holder hands it over with delivery evidence before the due date"),
    "transfer_handed_over": ("ส่งมอบทรัพย์สินแล้ว รอการรับโอน", "Asset handed over: awaiting your acceptance",
                             "ตรวจสอบทรัพย์สิน แล้วรับโอน (ระบุผู้บำรุงรักษาและงบประมาณ) หรือปฏิเสธพร้อมเหตุผล",
                             "check the asset, then accept it (saying who maintains it, with what budget) or reject it with a reason"),
    "transfer_accepted": ("รับโอนทรัพย์สินแล้ว", "Asset transfer accepted",
                          "ปรับปรุงทะเบียนคุมทรัพย์สินของหน่วยงาน", "update your own asset records"),
    "transfer_rejected": ("ปฏิเสธการรับโอนทรัพย์สิน", "Asset transfer rejected",
                          "แก้ไขตามเหตุผลที่แจ้ง แล้วขอโอนใหม่ หรือหาผู้รับโอนรายอื่น",
                          "address the reason given, then request again or find another receiver"),
    "transfer_cancelled": ("ยกเลิกการโอนทรัพย์สิน", "Asset transfer cancelled",
                           "ไม่ต้องดำเนินการต่อ", "nothing more"),
    "transfer_overdue": ("การโอนทรัพย์สินเกินกำหนด", "Asset transfer overdue",
                         "เร่งส่งมอบและรับโอนให้แล้วเสร็จ หรือแจ้งเหตุที่ล่าช้า",
                         "complete the hand-over and acceptance, or explain the delay"),
    "asset_disposed": ("จำหน่ายทรัพย์สินออกจากทะเบียนแล้ว", "Asset disposed of",
                       "ตัดออกจากทะเบียนคุมทรัพย์สินของหน่วยงาน และเก็บหลักฐานการจำหน่ายไว้ตรวจสอบ",
                       "remove it from your own asset records and keep the disposal's evidence "
                       "for the audit"),
}


REMINDER_WORDS = {
    "report_due_soon": ("ใกล้ถึงกำหนดส่งรายงาน", "Report due soon"),
    "report_overdue": ("เลยกำหนดส่งรายงาน", "Report overdue"),
}

PROJECT_CHANGE_WORDS = {
    "project_registered": ("โครงการใหม่ในแผน", "Project added to the plan"),
    "project_changed": ("โครงการมีการเปลี่ยนแปลง", "Project changed"),
    "project_cancelled": ("โครงการถูกยกเลิก", "Project cancelled"),
}


BEHIND_REASONS_TH = {
    "below_planned_disbursement": "เบิกจ่ายต่ำกว่าแผนการเบิกจ่ายของโครงการ",
    "below_government_target": "เบิกจ่ายต่ำกว่าเป้าหมายการเบิกจ่ายของรัฐบาล",
}
BEHIND_REASONS_EN = {
    "below_planned_disbursement": "disbursement below the project's own plan",
    "below_government_target": "disbursement below the government's target",
}


# A period's approval (contracts/approvals.py): what was done, the state now, what is next.
APPROVAL_STEP_WORDS = {
    "submit": {"th": "จังหวัดยืนยันว่าข้อมูลครบ", "en": "Figures submitted"},
    "approve": {"th": "จังหวัดอนุมัติข้อมูล", "en": "Figures approved"},
    "accept": {"th": "สำนักงานกลุ่มจังหวัดรับรองข้อมูล", "en": "Figures accepted"},
    "reopen": {"th": "เปิดงวดใหม่เพื่อแก้ไขข้อมูล", "en": "Period reopened"},
}
APPROVAL_STATE_WORDS = {
    "open": {"th": "เปิดรับรายงาน (ข้อมูลเบื้องต้น)", "en": "open (provisional)"},
    "submitted": {"th": "ยืนยันส่งครบแล้ว รออนุมัติ", "en": "submitted, awaiting approval"},
    "approved": {"th": "อนุมัติแล้ว รอการรับรอง", "en": "approved, awaiting acceptance"},
    "accepted": {"th": "รับรองแล้ว", "en": "accepted"},
}
APPROVAL_TODO = {
    "open": {"th": "แก้ไขข้อมูลของจังหวัดตามเหตุผลข้างต้น แล้วยืนยันส่งใหม่",
             "en": "correct the province's figures as the reason says, then submit them again"},
    "submitted": {"th": "ตรวจสอบข้อมูลของจังหวัด แล้วอนุมัติ หรือส่งกลับพร้อมเหตุผล",
                  "en": "check the province's figures, then approve them or send them back "
                        "with a reason"},
    "approved": {"th": "ตรวจสอบข้อมูล แล้วรับรองในนามกลุ่มจังหวัด หรือเปิดงวดใหม่พร้อมเหตุผล",
                 "en": "check the figures, then accept them for the cluster or reopen the "
                       "period with a reason"},
    "accepted": {"th": "ไม่ต้องดำเนินการเพิ่ม ข้อมูลงวดนี้ได้รับการรับรองแล้ว",
                 "en": "nothing more: the figures of this period are accepted"},
}


def form_links(template: str, event: dict) -> dict:
    """The dashboard form that acts on a mail, as a path under the public URL (None: none):
    ``entry`` the province's entry form for the period (a reminder, a correction asked; after a
    rejection, which names no plan or period, the province's own reports), ``progress`` the
    project progress and problems form (a project behind, a remedy overdue, projects missing).
    The pages ask to sign in first and then come back to the form."""
    plan = {"plan": event["plan_id"]} if event.get("plan_id") else {}
    entry = "/report-entry?" + urlencode({**plan, "period": event.get("period") or ""})
    progress = "/project-report" + ("?" + urlencode(plan) if plan else "")
    links = {"entry": None, "progress": None, "approval": None}
    if template in ("period_approval_changed", "period_approval_waiting"):
        links["approval"] = "/approvals?" + urlencode(
            {"plan": event["plan_id"], "period": event["period"], "province": event["province"]})
    if template in REMINDER_WORDS:
        links.update(entry=entry, progress=progress if event.get("missing_projects") else None)
    elif template == "correction_requested":
        links["entry"] = entry
    elif template in ("project_behind_schedule", "remedy_overdue"):
        links["progress"] = progress
    elif template == "report_rejected" and event.get("kind") == "project":
        links["progress"] = progress
    elif template == "report_rejected" and event.get("province"):
        links["entry"] = "/my-reports"
    return links


PROBLEM_SEVERITY = {k: {"th": v, "en": k} for k, v in SEVERITY_TH.items()}
PROBLEM_STATUS = {k: {"th": STATUS_TH[k], "en": STATUS_EN[k]} for k in STATUS_TH}


def _disposal(decided: dict | None) -> dict | None:
    """An asset_disposed decision as a mail says it: how (Thai, English), on which finding,
    when, and what it brought in."""
    if not decided:
        return None
    method = decided.get("method")
    th, en = DISPOSAL_METHODS.get(method, (method, method))
    proceeds = decided.get("proceeds_thb")
    return {"th": th, "en": en, "reference": decided.get("committee_reference") or "-",
            "day": _day(decided["decided_on"]) if decided.get("decided_on") else None,
            "proceeds": None if proceeds is None else _number(proceeds),
            "recipient": decided.get("recipient")}


def _when(iso: str) -> dict:
    moment = datetime.fromisoformat(iso).astimezone(BANGKOK)
    return {"th": f"{thai_date(moment.date())} เวลา {moment:%H:%M} น.",
            "en": f"{english_date(moment.date())}, {moment:%H:%M} (Bangkok time)"}


def _day(iso_or_date) -> dict:
    day = date.fromisoformat(iso_or_date) if isinstance(iso_or_date, str) else iso_or_date
    return {"th": thai_date(day), "en": english_date(day)}


def _period(text: str) -> dict:
    period = parse_period(text)
    return {"th": period.label_th, "en": period.label_en}


def _number(value) -> str:
    return "-" if value is None else f"{value:,.2f}".rstrip("0").rstrip(".")


TEXT_RULE = "\n" + "-" * 70 + "\n"   # between the Thai and the English part
SIGNATURE = "\n-- \n"
_HTML_PARTS = re.compile(r'(<section lang="th">.*?</section>)(\s*<hr>\s*)(<section lang="en">.*?</section>)',
                         re.S)


def _english_first(text: str, html: str) -> tuple[str, str]:
    """Both languages always; a recipient whose language is English reads English first."""
    if TEXT_RULE in text and SIGNATURE in text:
        thai, rest = text.split(TEXT_RULE, 1)
        english, signature = rest.rsplit(SIGNATURE, 1)
        text = f"{english.rstrip()}\n{TEXT_RULE}{thai.rstrip()}\n{SIGNATURE}{signature}"
    html = _HTML_PARTS.sub(lambda m: m.group(3) + m.group(2) + m.group(1), html, count=1)
    return text, html


FLAG_WORDS = {
    "report_flagged": {"th": "ค่าที่ต้องตรวจสอบ", "en": "Value to check"},
    "correction_requested": {"th": "ขอให้ตรวจสอบและแก้ไขค่าที่รายงาน",
                             "en": "Please check and correct a reported value"},
}
FLAG_BASIS = {
    "own_history": {"th": "ค่าของจังหวัดเองในงวดก่อน ๆ", "en": "the province's own earlier periods"},
    "other_provinces": {"th": "ค่าของจังหวัดอื่นในกลุ่มจังหวัดในงวดเดียวกัน",
                        "en": "the other provinces of the cluster in the same period"},
}


def render(template: str, event: dict, recipient: Recipient, public_url: str,
           directory: dict | None = None) -> Mail:
    """Subject, plain text and HTML of one e-mail, in Thai then English."""
    context = {"event": event, "recipient": recipient, "public_url": public_url,
               "number": _number, "links": form_links(template, event)}
    template_file = template
    if template in TRANSFER_WORDS:
        th, en, todo_th, todo_en = TRANSFER_WORDS[template]
        agencies = (directory or {}).get("agencies", {})
        name = lambda code, lang: (f"{agencies[code]['name_' + lang]} ({code})"  # noqa: E731
                                   if code in agencies else code or "-")
        category = event["asset"].get("category")
        context.update(words={"th": th, "en": en}, todo={"th": todo_th, "en": todo_en},
                       when=_when(event["occurred_at"]),
                       category={"th": ASSET_CATEGORY_TH.get(category, category),
                                 "en": (category or "").replace("_", " ")},
                       names={"from_th": name(event.get("from_agency"), "th"),
                              "from_en": name(event.get("from_agency"), "en"),
                              "to_th": name(event.get("to_agency"), "th"),
                              "to_en": name(event.get("to_agency"), "en")},
                       due=_when(event["due_by"]) if event.get("due_by") else None,
                       disposal=_disposal(event.get("disposal")))
        subject = f"[{th} / {en}] {event['asset']['code']} {event['asset']['description_th']}"
        template_file = "asset_transfer"
    elif template == "audit_due":
        context["due"] = _day(event["due_on"])
        words = ("เลยกำหนดตรวจนับทรัพย์สิน / Asset audit overdue" if event["overdue"]
                 else "ใกล้ถึงกำหนดตรวจนับทรัพย์สิน / Asset audit due soon")
        subject = f"[{words}] {event['asset']['code']} {event['asset']['description_th']}"
    elif template == "report_rejected":
        context["received"] = _when(event["received_at"])
        subject = (f"[รายงานถูกปฏิเสธ / Report rejected] {event.get('province') or event.get('agency') or event['sender']}: "
                   f"{event['reason'][:80]}")
    elif template in ("report_flagged", "correction_requested"):
        context.update(period=_period(event["period"]),
                       words=FLAG_WORDS[template], basis=FLAG_BASIS[event["basis"]])
        subject = (f"[{FLAG_WORDS[template]['th']} / {FLAG_WORDS[template]['en']}] "
                   f"{event['province']} {event['indicator']} {event['period']}: "
                   f"{_number(event['value'])}")
        template_file = "report_flagged"
    elif template == "indicator_off_target":
        context["period"] = _period(event["period"])
        subject = (f"[ตัวชี้วัดต่ำกว่าเป้าหมาย / Indicator off target] {event['indicator']} "
                   f"{event['period']}: {_number(event['value'])} / {_number(event['target'])}")
    elif template == "indicator_off_target_at_close":
        context.update(period=_period(event["period"]), due=_day(event["due_date"]))
        subject = (f"[ปิดช่วงเวลา ไม่บรรลุเป้าหมาย / Period closed off target] {event['indicator']} "
                   f"{event['period']}: {_number(event['value'])} / {_number(event['target'])}")
    elif template == "project_behind_schedule":
        context.update(quarter=_period(event["quarter"]), as_of=_day(event["as_of"]),
                       reasons_th=BEHIND_REASONS_TH, reasons_en=BEHIND_REASONS_EN)
        subject = (f"[โครงการล่าช้ากว่าแผน / Project behind schedule] {event['project']['code']} "
                   f"{event['project']['title_th']}")
    elif template == "remedy_overdue":
        context.update(due=_day(event["due"]), severity=PROBLEM_SEVERITY, status=PROBLEM_STATUS)
        subject = (f"[มาตรการแก้ไขปัญหาเลยกำหนด / Remedy overdue] {event['project']['code']} "
                   f"{event['action'][:60]}")
    elif template in ("period_approval_changed", "period_approval_waiting"):
        state = APPROVAL_STATE_WORDS[event["state"]]
        done = APPROVAL_STEP_WORDS[event["step"]]
        waiting = template == "period_approval_waiting"
        context.update(period=_period(event["period"]), when=_when(event["at"]), done=done,
                       state=state, todo=APPROVAL_TODO[event["state"]], waiting=waiting)
        lead = ("รอดำเนินการ / Waiting" if waiting else f"{done['th']} / {done['en']}")
        subject = f"[{lead}] {event['province']} {event['period']}: {state['th']} / {state['en']}"
        template_file = "period_approval"
    elif template == "target_revised":
        context["when"] = _when(event["revision"]["at"])
        context["years"] = sorted(set(event["before"].get("targets", {}))
                                  | set(event["after"].get("targets", {})))
        subject = (f"[ปรับค่าเป้าหมาย / Target revised] {event['indicator']['code']} "
                   f"({event['plan_id']} v{event['version']})")
    elif template in REMINDER_WORDS:
        context.update(words=REMINDER_WORDS[template], period=_period(event["period"]),
                       due=_day(event["due_date"]))
        subject = (f"[{REMINDER_WORDS[template][0]} / {REMINDER_WORDS[template][1]}] "
                   f"{event['province']} {event['period']}: "
                   f"{len(event['missing']) + len(event.get('missing_projects') or [])} "
                   f"รายการ / item(s)")
        template_file = "report_due"
    elif template in PROJECT_CHANGE_WORDS:
        context["when"] = _when(event["revision"]["at"])
        context["words"] = PROJECT_CHANGE_WORDS[template]
        subject = (f"[{PROJECT_CHANGE_WORDS[template][0]} / {PROJECT_CHANGE_WORDS[template][1]}] "
                   f"{event['project']['code']} {event['project']['title_th']}")
        template_file = "project_change"
    else:
        raise ValueError(f"unknown template {template!r}")
    text = _env.get_template(f"{template_file}.txt.j2").render(**context)
    html = _env.get_template(f"{template_file}.html.j2").render(**context)
    if recipient.language == "en":
        text, html = _english_first(text, html)
    return Mail(mail_id(event["event_id"], template, recipient.email), event["event_id"],
                template, recipient.email, subject, text, html, recipient.agency)


# An account mail's kind: its template and the words of its subject (Thai, English).
ACCOUNT_TEMPLATES = {"password_reset": "account_password_reset", "invitation": "account_invitation",
                     "account_locked": "account_locked"}
ACCOUNT_WORDS = {"password_reset": ("ตั้งรหัสผ่านใหม่", "Reset your password"),
                 "invitation": ("คำเชิญเข้าใช้ระบบ ตั้งรหัสผ่าน", "Invitation: set your password"),
                 "account_locked": ("บัญชีผู้ใช้ถูกล็อกชั่วคราว", "Your account is locked for now")}


def account_mail_id(key: str) -> str:
    """The caller's idempotency key alone makes the id: the same key is one mail, whatever else
    a retried call carries."""
    return str(uuid.uuid5(MAIL_NAMESPACE, f"account|{key}"))


def render_account(mail: dict, public_url: str) -> Mail:
    """A password reset, an invitation or an account-locked notice to one person (a mail checked
    by schemas.account_mail), Thai then English (English first when ``lang`` is en). The link is
    in the body only, never in the subject: the subject is shown in the delivery log."""
    th, en = ACCOUNT_WORDS[mail["kind"]]
    template = ACCOUNT_TEMPLATES[mail["kind"]]
    recipient = Recipient(mail["to"], mail["name"], mail["name"], mail["lang"], None)
    context = {"mail": mail, "recipient": recipient, "public_url": public_url,
               "expires": _when(mail["expires_at"]) if mail.get("expires_at") else None}
    text = _env.get_template(f"{template}.txt.j2").render(**context)
    html = _env.get_template(f"{template}.html.j2").render(**context)
    if recipient.language == "en":
        text, html = _english_first(text, html)
    subject = f"[{th} / {en}] {mail['username']}"
    return Mail(account_mail_id(mail["id"]), mail["id"], template, mail["to"], subject, text,
                html, None)


def render_digest(recipient: Recipient, held: list[dict], day: date, public_url: str) -> Mail:
    """One mail gathering the held ones, each in full. Its id comes from the mails it gathers,
    so making it again after a crash gives the same mail."""
    ids = sorted(m["mail_id"] for m in held)
    digest_id = str(uuid.uuid5(MAIL_NAMESPACE, f"digest|{recipient.email.lower()}|{'|'.join(ids)}"))
    context = {"recipient": recipient, "items": sorted(held, key=lambda m: m["created_at"]),
               "day": _day(day), "public_url": public_url}
    subject = (f"[สรุปการแจ้งเตือนประจำวัน / Daily digest] {thai_date(day)}: "
               f"{len(held)} เรื่อง / notice(s)")
    return Mail(digest_id, f"digest:{digest_id}", "digest", recipient.email, subject,
                _env.get_template("digest.txt.j2").render(**context),
                _env.get_template("digest.html.j2").render(**context), recipient.agency)

"""Notify: who is told what, and the words (pure; rendering uses the templates beside this file)."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from services.contracts.periods import english_date, parse_period, thai_date

BANGKOK = ZoneInfo("Asia/Bangkok")
MAIL_NAMESPACE = uuid.UUID("7d8f2b1e-2a4c-4c1d-8f0e-6b5a4c3d2e1f")
TEMPLATES = Path(__file__).parent / "templates"

# Templates are named *.html.j2: "html.j2" must be listed, or nothing in the HTML part is
# escaped (a rejection reason quotes field names from a province's body).
_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined,
                   autoescape=select_autoescape(enabled_extensions=("html", "html.j2"),
                                                default=False),
                   trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class Recipient:
    email: str
    name_th: str
    name_en: str
    language: str = "th"
    agency: str | None = None  # the directory code the address belongs to


@dataclass(frozen=True)
class Mail:
    mail_id: str       # stable for (event, template, recipient): the exactly-once key
    event_id: str
    template: str
    to: str
    subject: str
    text: str
    html: str
    agency: str | None = None

    @property
    def message_id(self) -> str:
        # Stable too: a resend after a crash carries the same Message-ID, so it can be recognised.
        return f"<{self.mail_id}@cluster-planning>"


def mail_id(event_id: str, template: str, email: str) -> str:
    return str(uuid.uuid5(MAIL_NAMESPACE, f"{event_id}|{template}|{email.lower()}"))


def _people(agencies: list[dict]) -> list[Recipient]:
    seen, out = set(), []
    for agency in agencies:
        for email in agency.get("emails", []):
            if email.lower() not in seen:
                seen.add(email.lower())
                out.append(Recipient(email, agency["name_th"], agency["name_en"],
                                     agency.get("language", "th"), agency.get("code")))
    return out


def osm_of(directory: dict, cluster: str | None) -> list[dict]:
    return [a for a in directory["agencies"].values()
            if "osm" in a.get("roles", []) and cluster and a.get("cluster") == cluster]


# --- routing rules: which parties hear of which fact (data an admin can change) ----------------

def _cluster_of(event: dict, directory: dict) -> str | None:
    return (event.get("cluster") or (event.get("asset") or {}).get("cluster")
            or directory["province_cluster"].get(event.get("province") or ""))


def _focal_point(event: dict, directory: dict) -> list[dict]:
    province = event.get("province")
    return [a for a in directory["agencies"].values()
            if province and a.get("province") == province and "focal_point" in a.get("roles", [])]


def _code(*path):
    """A party named by a field of the event (``("project", "implementing_agency")``)."""
    def resolve(event: dict, directory: dict) -> list[dict]:
        value = event
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        return _agency(directory, value)
    return resolve


def _agency(directory: dict, code: str | None) -> list[dict]:
    agency = directory["agencies"].get(code or "")
    return [agency] if agency else []


PARTIES = {
    "province_focal_point": _focal_point,  # the province's focal contact (a report's sender)
    "responsible_agency": lambda e, d: _code("responsible_agency")(e, d)
                                       or _code("indicator", "responsible_agency")(e, d),
    "implementing_agency": _code("project", "implementing_agency"),
    "osm": lambda e, d: osm_of(d, _cluster_of(e, d)),  # the cluster's strategy office
    "receiving_agency": _code("to_agency"),
    "holding_agency": _code("from_agency"),
    "custodian": _code("custodian"),
}

DEFAULT_RULES = {
    "report_rejected": ["province_focal_point"],
    "report_due_soon": ["province_focal_point"],
    "report_overdue": ["province_focal_point"],
    "indicator_off_target": ["responsible_agency", "osm"],
    "indicator_off_target_at_close": ["responsible_agency", "osm"],
    "target_revised": ["responsible_agency", "osm"],
    "project_registered": ["implementing_agency", "osm"],
    "project_changed": ["implementing_agency", "osm"],
    "project_cancelled": ["implementing_agency", "osm"],
    "project_behind_schedule": ["implementing_agency", "osm"],
    # each transfer step to whoever acts next; outcomes and delays to the OSM too
    "transfer_requested": ["receiving_agency", "osm"],
    "transfer_approved": ["receiving_agency", "holding_agency"],
    "transfer_handed_over": ["receiving_agency"],
    "transfer_accepted": ["holding_agency", "osm"],
    "transfer_rejected": ["holding_agency", "osm"],
    "transfer_cancelled": ["holding_agency", "receiving_agency", "osm"],
    "transfer_overdue": ["holding_agency", "receiving_agency", "osm"],
    "audit_due": ["custodian"],
}


def recipients(event_type: str, event: dict, directory: dict, rules: dict) -> list[Recipient]:
    """The parties the rule names; the cluster's OSM when none of them has a contact on file
    (somebody must hear of it). A rule switched off (empty) tells nobody."""
    parties = rules.get(event_type, DEFAULT_RULES.get(event_type, []))
    if not parties:
        return []
    found = [a for party in parties for a in PARTIES[party](event, directory)]
    return _people(found or osm_of(directory, _cluster_of(event, directory)))


def check_rules(raw: dict) -> dict:
    """An admin's change of rules: {event type: [parties]}; every problem named."""
    if not isinstance(raw, dict):
        raise ValueError("rules must be an object {event type: [parties]}")
    problems = []
    for event_type, parties in raw.items():
        if event_type not in DEFAULT_RULES:
            problems.append(f"unknown event type {event_type!r}")
        elif not isinstance(parties, list) or any(p not in PARTIES for p in parties):
            problems.append(f"{event_type}: parties must be a list of "
                            + ", ".join(sorted(PARTIES)))
    if problems:
        raise ValueError("; ".join(problems))
    return {k: list(dict.fromkeys(v)) for k, v in raw.items()}


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


def _when(iso: str) -> dict:
    moment = datetime.fromisoformat(iso).astimezone(BANGKOK)
    return {"th": f"{thai_date(moment.date())} เวลา {moment:%H:%M} น.",
            "en": f"{english_date(moment.date())}, {moment:%H:%M} (Bangkok time)"}


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


def render(template: str, event: dict, recipient: Recipient, public_url: str,
           directory: dict | None = None) -> Mail:
    """Subject, plain text and HTML of one e-mail, in Thai then English."""
    context = {"event": event, "recipient": recipient, "public_url": public_url,
               "number": _number}
    template_file = template
    if template in TRANSFER_WORDS:
        from services.contracts.labels import ASSET_CATEGORY_TH as CATEGORY_TH
        th, en, todo_th, todo_en = TRANSFER_WORDS[template]
        agencies = (directory or {}).get("agencies", {})
        name = lambda code, lang: (f"{agencies[code]['name_' + lang]} ({code})"  # noqa: E731
                                   if code in agencies else code or "-")
        category = event["asset"].get("category")
        context.update(words={"th": th, "en": en}, todo={"th": todo_th, "en": todo_en},
                       when=_when(event["occurred_at"]),
                       category={"th": CATEGORY_TH.get(category, category),
                                 "en": (category or "").replace("_", " ")},
                       names={"from_th": name(event.get("from_agency"), "th"),
                              "from_en": name(event.get("from_agency"), "en"),
                              "to_th": name(event.get("to_agency"), "th"),
                              "to_en": name(event.get("to_agency"), "en")},
                       due=_when(event["due_by"]) if event.get("due_by") else None)
        subject = f"[{th} / {en}] {event['asset']['code']} {event['asset']['description_th']}"
        template_file = "asset_transfer"
    elif template == "audit_due":
        due = date.fromisoformat(event["due_on"])
        context["due"] = {"th": thai_date(due), "en": english_date(due)}
        words = ("เลยกำหนดตรวจนับทรัพย์สิน / Asset audit overdue" if event["overdue"]
                 else "ใกล้ถึงกำหนดตรวจนับทรัพย์สิน / Asset audit due soon")
        subject = f"[{words}] {event['asset']['code']} {event['asset']['description_th']}"
    elif template == "report_rejected":
        context["received"] = _when(event["received_at"])
        subject = (f"[รายงานถูกปฏิเสธ / Report rejected] {event.get('province') or event['sender']}: "
                   f"{event['reason'][:80]}")
    elif template == "indicator_off_target":
        period = parse_period(event["period"])
        context["period"] = {"th": period.label_th, "en": period.label_en}
        subject = (f"[ตัวชี้วัดต่ำกว่าเป้าหมาย / Indicator off target] {event['indicator']} "
                   f"{event['period']}: {_number(event['value'])} / {_number(event['target'])}")
    elif template == "indicator_off_target_at_close":
        period = parse_period(event["period"])
        due = date.fromisoformat(event["due_date"])
        context.update(period={"th": period.label_th, "en": period.label_en},
                       due={"th": thai_date(due), "en": english_date(due)})
        subject = (f"[ปิดช่วงเวลา ไม่บรรลุเป้าหมาย / Period closed off target] {event['indicator']} "
                   f"{event['period']}: {_number(event['value'])} / {_number(event['target'])}")
    elif template == "project_behind_schedule":
        quarter = parse_period(event["quarter"])
        as_of = date.fromisoformat(event["as_of"])
        context.update(quarter={"th": quarter.label_th, "en": quarter.label_en},
                       as_of={"th": thai_date(as_of), "en": english_date(as_of)},
                       reasons_th=BEHIND_REASONS_TH, reasons_en=BEHIND_REASONS_EN)
        subject = (f"[โครงการล่าช้ากว่าแผน / Project behind schedule] {event['project']['code']} "
                   f"{event['project']['title_th']}")
    elif template == "target_revised":
        context["when"] = _when(event["revision"]["at"])
        context["years"] = sorted(set(event["before"].get("targets", {}))
                                  | set(event["after"].get("targets", {})))
        subject = (f"[ปรับค่าเป้าหมาย / Target revised] {event['indicator']['code']} "
                   f"({event['plan_id']} v{event['version']})")
    elif template in REMINDER_WORDS:
        period = parse_period(event["period"])
        due = date.fromisoformat(event["due_date"])
        context.update(words=REMINDER_WORDS[template],
                       period={"th": period.label_th, "en": period.label_en},
                       due={"th": thai_date(due), "en": english_date(due)})
        subject = (f"[{REMINDER_WORDS[template][0]} / {REMINDER_WORDS[template][1]}] "
                   f"{event['province']} {event['period']}: {len(event['missing'])} "
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


# --- preferences and daily digests -----------------------------------------------------------

DEFAULT_PREFERENCE = {"delivery": "immediate", "muted": []}
DIGEST_HOUR = 8  # Bangkok time: the digest is made once a day from this hour


def check_preference(raw: dict) -> dict:
    """An agency's delivery preference: ``immediate`` or ``daily_digest``, and the event types
    it does not want (unsubscribe per rule)."""
    if not isinstance(raw, dict):
        raise ValueError('a preference is {"delivery": "immediate" | "daily_digest", "muted": [...]}')
    problems = []
    delivery = raw.get("delivery", "immediate")
    if delivery not in ("immediate", "daily_digest"):
        problems.append("delivery must be immediate or daily_digest")
    muted = raw.get("muted", [])
    if not isinstance(muted, list) or any(m not in DEFAULT_RULES for m in muted):
        problems.append("muted must list event types among " + ", ".join(sorted(DEFAULT_RULES)))
    unknown = sorted(set(raw) - {"delivery", "muted"})
    if unknown:
        problems.append(f"unknown keys {', '.join(unknown)}")
    if problems:
        raise ValueError("; ".join(problems))
    return {"delivery": delivery, "muted": sorted(set(muted))}


def render_digest(recipient: Recipient, held: list[dict], day: date, public_url: str) -> Mail:
    """One mail gathering the held ones, each in full. Its id comes from the mails it gathers,
    so making it again after a crash gives the same mail."""
    ids = sorted(m["mail_id"] for m in held)
    digest_id = str(uuid.uuid5(MAIL_NAMESPACE, f"digest|{recipient.email.lower()}|{'|'.join(ids)}"))
    context = {"recipient": recipient, "items": sorted(held, key=lambda m: m["created_at"]),
               "day": {"th": thai_date(day), "en": english_date(day)}, "public_url": public_url}
    subject = (f"[สรุปการแจ้งเตือนประจำวัน / Daily digest] {thai_date(day)}: "
               f"{len(held)} เรื่อง / notice(s)")
    return Mail(digest_id, f"digest:{digest_id}", "digest", recipient.email, subject,
                _env.get_template("digest.txt.j2").render(**context),
                _env.get_template("digest.html.j2").render(**context), recipient.agency)

"""Notify: who is told what (pure: standard library only). The words of the mails and their
rendering through the templates are in mails.py."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

BANGKOK = ZoneInfo("Asia/Bangkok")
MAIL_NAMESPACE = uuid.UUID("7d8f2b1e-2a4c-4c1d-8f0e-6b5a4c3d2e1f")


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


def _agencies(field: str):
    """The parties a list field of the event names (``agencies``: codes)."""
    def resolve(event: dict, directory: dict) -> list[dict]:
        codes = event.get(field)
        return [a for code in (codes if isinstance(codes, list) else [])
                for a in _agency(directory, code)]
    return resolve


def _agency(directory: dict, code: str | None) -> list[dict]:
    agency = directory["agencies"].get(code or "")
    return [agency] if agency else []


def _named_people(event: dict, directory: dict) -> list[dict]:
    """The people an event names itself (``notify``: the next actors of a period's approval, as
    the gateway found them in its accounts), shaped as directory entries."""
    return [{"emails": [p["email"]], "name_th": p["name"], "name_en": p["name"],
             "language": p.get("lang") or "th", "code": None}
            for p in event.get("notify") or [] if isinstance(p, dict) and p.get("email")]


PARTIES = {
    "province_focal_point": _focal_point,  # the province's focal contact (a report's sender)
    "responsible_agency": lambda e, d: _code("responsible_agency")(e, d)
                                       or _code("indicator", "responsible_agency")(e, d),
    "implementing_agency": _code("project", "implementing_agency"),
    "osm": lambda e, d: osm_of(d, _cluster_of(e, d)),  # the cluster's strategy office
    "receiving_agency": _code("to_agency"),
    "holding_agency": _code("from_agency"),
    "custodian": _code("custodian"),
    "sending_agency": _code("agency"),  # an implementing agency that sent the report itself
    "project_agencies": _agencies("agencies"),  # the implementing agencies of missing projects
    "owner_agency": _code("owner_agency"),  # who owns a reported problem (its remedies)
    "named_people": _named_people,  # the people the event names (approvals: the next actors)
}

DEFAULT_RULES = {
    "report_rejected": ["province_focal_point", "sending_agency"],
    "report_due_soon": ["province_focal_point", "project_agencies"],
    "report_overdue": ["province_focal_point", "project_agencies"],
    "report_flagged": ["osm"],                        # a value to check
    "correction_requested": ["province_focal_point"],  # ... and the OSM's request to correct it
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
    "asset_disposed": ["holding_agency", "osm"],  # the custodian it leaves, and the OSM
    "remedy_overdue": ["owner_agency"],
    # a period's approval: the people whose step it now is (none: the cluster's OSM)
    "period_approval_changed": ["named_people"],
    "period_approval_waiting": ["named_people"],
}


def recipients(event_type: str, event: dict, directory: dict, rules: dict) -> list[Recipient]:
    """The parties the rule names; the cluster's OSM when none of them has a contact on file
    (somebody must hear of it). A rule switched off (empty) tells nobody."""
    parties = rules.get(event_type, DEFAULT_RULES.get(event_type, []))
    if not parties:
        return []
    found = [a for party in parties for a in PARTIES[party](event, directory)]
    return _people(found or osm_of(directory, _cluster_of(event, directory)))


# --- preferences and daily digests -----------------------------------------------------------

DEFAULT_PREFERENCE = {"delivery": "immediate", "muted": []}
DIGEST_HOUR = 8  # Bangkok time: the digest is made once a day from this hour

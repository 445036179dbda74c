"""Assets: pure rules for the registry of what cluster projects produce, and the transfer /
receipt of transfer of each asset to the agency that will own, run and maintain it.

The transfer is an explicit state machine (``TRANSITIONS``). Every command takes the asset as
read (with its ``version``), checks who may do it from which state, and returns the next asset
with one more entry in its ledger and the facts to announce - or raises ``AssetError``
(bad input, illegal transition) / ``NotAllowed`` (the actor may not). Nothing here does I/O.
"""
from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from marshmallow import Schema, ValidationError

from services.contracts import access, events
from services.contracts.errors import AssetError, Conflict, NotAllowed
from services.contracts.labels import ASSET_ACTION_TH as ACTION_TH  # noqa: F401 (the name kept)
from services.contracts.labels import ASSET_CATEGORIES as CATEGORIES
from services.contracts.labels import ASSET_CATEGORY_TH as CATEGORY_TH
from services.contracts.reports import describe_errors

from .schemas import (AssetSchema, AuditSchema, DisposalSchema, DocumentSchema,  # noqa: F401
                      MaintenanceSchema)

# What the receiver must show it can maintain before it accepts (audits found assets idle).
NEEDS_MAINTENANCE = ("durable_article", "building")

IN_CUSTODY = "in_custody"
REQUESTED, APPROVED, HANDED_OVER = "transfer_requested", "transfer_approved", "handed_over"
DISPOSED = "disposed"
STATUS_TH = {IN_CUSTODY: "อยู่ในความดูแล", REQUESTED: "ขอโอนแล้ว", APPROVED: "อนุมัติการโอนแล้ว",
             HANDED_OVER: "ส่งมอบแล้ว รอรับโอน", DISPOSED: "จำหน่ายแล้ว"}

# action: (states it may start from, state it leads to; None = back in custody)
TRANSITIONS = {
    "request": ((IN_CUSTODY,), REQUESTED),
    "approve": ((REQUESTED,), APPROVED),
    "hand_over": ((APPROVED,), HANDED_OVER),
    "accept": ((HANDED_OVER,), IN_CUSTODY),
    "reject": ((APPROVED, HANDED_OVER), IN_CUSTODY),
    "cancel": ((REQUESTED, APPROVED), IN_CUSTODY),
    # out of the registry (sold, transferred out, written off, destroyed): only from custody,
    # never mid-transfer (cancel it first); a disposed asset takes no further step
    "dispose": ((IN_CUSTODY,), DISPOSED),
}
EVENT_OF = {"register": "asset_registered", "request": "transfer_requested",
            "approve": "transfer_approved", "hand_over": "transfer_handed_over",
            "accept": "transfer_accepted", "reject": "transfer_rejected",
            "cancel": "transfer_cancelled", "dispose": "asset_disposed"}

DEFAULT_SETTINGS = {
    "transfer_overdue_days": 60,  # MoF procurement regulation B.E. 2560 practice
    "audit_interval_days": {"durable_article": 365, "building": 365, "land_improvement": 365,
                            "other": 365},
    "audit_due_soon_days": 30,
    # straight-line depreciation: useful life in years by category; null = not depreciated
    "useful_life_years": {"durable_article": 5, "building": 20, "land_improvement": 15,
                          "other": None},
}
ASSET_NAMESPACE = uuid.UUID("3c1b6a0e-52d4-4f7e-9b1a-7e0c5d2f8a91")


@dataclass(frozen=True)
class Actor:
    role: str           # admin | osm | agency | province | auditor | national
    scope: str | None   # cluster code for osm and auditor, agency code for agency
    person: str | None = None  # the person acting, "Name (username)"; None: an organisation's key

    def __str__(self):  # how a ledger step is signed: the person, and the organisation
        org = self.role if self.scope is None else f"{self.role}:{self.scope}"
        return org if self.person is None else f"{self.person} · {org}"


def _load(schema: Schema, raw, what: str) -> dict:
    try:
        return schema.load(raw if isinstance(raw, dict) else {})
    except ValidationError as exc:
        raise AssetError(f"{what}: {describe_errors(exc.messages)}") from None


def _plain_dates(value):
    """Dates as ISO strings, so a record is plain JSON."""
    if isinstance(value, dict):
        return {k: _plain_dates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_dates(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


# --- who may do what ---------------------------------------------------------------------------

def can_see(actor: Actor, asset: dict) -> bool:
    return access.can_see_asset(actor, asset)


def _check_actor(actor: Actor, action: str, asset: dict) -> None:
    if not access.may_step_asset(actor, action, asset):
        raise NotAllowed(f"{actor} may not {action.replace('_', ' ')} asset {asset['code']}; "
                         f"only {access.who_may_step_asset(action, asset)} may")


# --- registration -----------------------------------------------------------------------------

def new_asset(raw: dict, known_projects: dict[str, dict], actor: Actor, now: datetime,
              settings: dict = DEFAULT_SETTINGS) -> tuple[dict, list]:
    """Validate a registration against the plans' projects; the asset record and its event."""
    asset = _plain_dates(_load(AssetSchema(), raw, f"asset {raw.get('code', '?') if isinstance(raw, dict) else '?'}"))
    if asset["acquired_on"] > now.date().isoformat():
        raise AssetError(f"asset {asset['code']}: acquired_on {asset['acquired_on']} is in the "
                         "future; dates are C.E. (2024-07-01, not B.E. 2567-07-01)")
    project = known_projects.get(asset["project"])
    if project is None:
        raise AssetError(f"asset {asset['code']}: unknown project {asset['project']!r}")
    province = asset["location"]["province"]
    if project["provinces"] and province not in project["provinces"]:
        raise AssetError(f"asset {asset['code']}: project {asset['project']} does not run in "
                         f"{province} (it runs in {', '.join(project['provinces'])})")
    asset.update(cluster=project["cluster"], plan_id=project["plan_id"],
                 implementing_agency=project.get("implementing_agency"),
                 total_value_thb=round(asset["quantity"] * asset["unit_value_thb"], 2),
                 status=IN_CUSTODY, transfer=None, version=1,
                 audit={"last_on": None, "next_due": _next_audit(asset["acquired_on"],
                                                                 asset["category"], settings)})
    if not access.can_register_asset(actor, asset["cluster"], asset["implementing_agency"]):
        raise NotAllowed(f"{actor} may not register assets of project {asset['project']}; its "
                         f"implementing agency, the cluster's OSM or the admin may")
    entry = _entry(asset, "register", actor, now, None, IN_CUSTODY, "", asset["documents"], {})
    asset["ledger"] = [entry]
    return asset, _events(asset, entry)


def _next_audit(from_day: str, category: str, settings: dict) -> str:
    days = settings["audit_interval_days"].get(category) or 365
    return (date.fromisoformat(from_day) + timedelta(days=days)).isoformat()


# --- the transfer state machine ----------------------------------------------------------------

def transition(asset: dict, action: str, command: dict, actor: Actor, now: datetime,
               directory: dict | None = None, settings: dict = DEFAULT_SETTINGS) -> tuple[dict, list]:
    """Apply one transfer step; returns (the next asset, facts). ``command`` holds ``version``
    (the version the actor read), ``reason``, ``documents`` and what the step needs:
    ``to`` (request), ``maintenance`` (accept of a building or equipment)."""
    if action not in TRANSITIONS:
        raise AssetError(f"unknown transfer step {action!r}; use one of {', '.join(TRANSITIONS)}")
    if command.get("version") != asset["version"]:
        raise Conflict(f"asset {asset['code']} is at version {asset['version']}, not "
                       f"{command.get('version')!r}: it changed since it was read; reload it")
    starts, leads_to = TRANSITIONS[action]
    if asset["status"] not in starts:
        raise AssetError(f"asset {asset['code']} is {asset['status']}: it cannot "
                         f"{action.replace('_', ' ')} (only from {' or '.join(starts)})")
    _check_actor(actor, action, asset)
    reason = command.get("reason") or ""
    if not isinstance(reason, str):
        raise AssetError("reason must be text")
    documents = command.get("documents") or []
    if not isinstance(documents, list):
        raise AssetError("documents must be a list of {kind, reference, date}")
    documents = _plain_dates([_load(DocumentSchema(), d, "document") for d in documents])
    nxt = copy.deepcopy(asset)
    details = {}
    if action == "request":
        to = command.get("to")
        if not isinstance(to, str) or not to:
            raise AssetError("a transfer request names the receiving agency: 'to'")
        if to == asset["custodian"]:
            raise AssetError(f"{to} already holds asset {asset['code']}")
        if directory is not None and to not in directory:
            raise AssetError(f"unknown receiving agency {to!r}: add it to the agencies directory first")
        nxt["transfer"] = {"id": str(uuid.uuid5(ASSET_NAMESPACE, f"{asset['code']}:{asset['version']}")),
                           "from": asset["custodian"], "to": to, "requested_at": now.isoformat(),
                           "requested_by": str(actor), "due_by": None, "evidence": []}
        details = {"from": asset["custodian"], "to": to}
    elif action == "approve":
        due = now + timedelta(days=settings["transfer_overdue_days"])
        nxt["transfer"].update(approved_at=now.isoformat(), approved_by=str(actor),
                               due_by=due.isoformat())
        details = {"due_by": due.isoformat()}
    elif action == "hand_over":
        if not documents:
            raise AssetError("a hand-over needs its delivery evidence: at least one document "
                             "(e.g. {\"kind\": \"handover\", \"reference\": \"บันทึกส่งมอบ 12/2567\"})")
        nxt["transfer"].update(handed_over_at=now.isoformat(), handed_over_by=str(actor),
                               evidence=documents)
    elif action == "accept":
        maintenance = command.get("maintenance")
        if asset["category"] in NEEDS_MAINTENANCE or maintenance is not None:
            if maintenance is None:
                raise AssetError(f"a {CATEGORY_TH[asset['category']]} ({asset['category']}) is "
                                 "accepted with its maintenance readiness: 'maintenance' "
                                 "{agency, budget_thb, note}")
            maintenance = _load(MaintenanceSchema(), maintenance, "maintenance")
            nxt["maintenance"] = maintenance
            details["maintenance"] = maintenance
        details.update({"from": asset["custodian"], "to": asset["transfer"]["to"]})
        nxt["custodian"] = asset["transfer"]["to"]
        nxt["documents"] = asset["documents"] + asset["transfer"].get("evidence", [])
    elif action == "dispose":
        if not reason.strip():
            raise AssetError("say why: a disposal needs a 'reason' (e.g. ชำรุดเสื่อมสภาพ ใช้การไม่ได้)")
        disposal = _plain_dates(_load(DisposalSchema(), {
            k: command[k] for k in ("method", "committee_reference", "decided_on", "proceeds_thb",
                                    "recipient") if k in command}, "disposal"))
        if disposal["decided_on"] > now.date().isoformat():
            raise AssetError(f"decided_on {disposal['decided_on']} is in the future; dates are "
                             "C.E. (2025-03-01, not B.E. 2568-03-01)")
        nxt["disposal"] = {**disposal, "at": now.isoformat(), "by": str(actor)}
        nxt["documents"] = asset["documents"] + documents
        details = {"from": asset["custodian"], **disposal}
    elif action in ("reject", "cancel"):
        if not reason.strip():
            raise AssetError(f"say why: a {action} needs a 'reason'")
        details = {"from": asset["transfer"]["from"], "to": asset["transfer"]["to"]}
    nxt["status"] = leads_to
    if leads_to == IN_CUSTODY:
        nxt["transfer"] = None
    nxt["version"] = asset["version"] + 1
    entry = _entry(nxt, action, actor, now, asset["status"], leads_to, reason, documents, details,
                   transfer=asset["transfer"] or nxt["transfer"])
    nxt["ledger"] = asset["ledger"] + [entry]
    return nxt, _events(nxt, entry)


def record_audit(asset: dict, command: dict, actor: Actor, now: datetime,
                 settings: dict = DEFAULT_SETTINGS) -> tuple[dict, list]:
    """A physical audit: found or not, its condition; the next one falls due an interval later."""
    if command.get("version") != asset["version"]:
        raise Conflict(f"asset {asset['code']} is at version {asset['version']}, not "
                       f"{command.get('version')!r}: reload it")
    _check_actor(actor, "audit", asset)
    audit = _load(AuditSchema(), {k: v for k, v in command.items() if k != "version"}, "audit")
    on = audit["on"].isoformat()
    nxt = copy.deepcopy(asset)
    nxt["audit"] = {"last_on": on, "next_due": _next_audit(on, asset["category"], settings),
                    "found": audit["found"], "condition": audit["condition"]}
    nxt["version"] = asset["version"] + 1
    entry = _entry(nxt, "audit", actor, now, asset["status"], asset["status"], audit["note"],
                   _plain_dates(audit["documents"]),
                   {"on": on, "found": audit["found"], "condition": audit["condition"]})
    nxt["ledger"] = asset["ledger"] + [entry]
    return nxt, []


def _entry(asset, action, actor, now, from_state, to_state, reason, documents, details,
           transfer=None) -> dict:
    return {"seq": asset["version"], "action": action, "at": now.isoformat(), "by": str(actor),
            "from_state": from_state, "to_state": to_state, "reason": reason,
            "documents": documents, "details": details,
            "transfer_id": (transfer or {}).get("id")}


def summary(asset: dict) -> dict:
    """What an event says about the asset."""
    return {k: asset.get(k) for k in ("code", "project", "plan_id", "cluster", "category",
                                      "description_th", "description_en", "quantity", "unit",
                                      "total_value_thb", "custodian", "implementing_agency")} | \
        {"province": asset["location"]["province"]}


def _events(asset: dict, entry: dict) -> list[tuple[str, dict]]:
    kind = EVENT_OF.get(entry["action"])
    if kind is None:
        return []
    transfer = asset.get("transfer") or {}
    return [events.outgoing(events.named(kind), {
        "event_id": str(uuid.uuid5(ASSET_NAMESPACE, f"{asset['code']}:{entry['seq']}:{kind}")),
        "occurred_at": entry["at"], "asset": summary(asset), "action": entry["action"],
        "by": entry["by"], "reason": entry["reason"], "documents": entry["documents"],
        "from_agency": entry["details"].get("from", transfer.get("from")),
        "to_agency": entry["details"].get("to", transfer.get("to")),
        "due_by": transfer.get("due_by"), "transfer_id": entry["transfer_id"],
        **({"disposal": {k: v for k, v in entry["details"].items() if k != "from"}}
           if entry["action"] == "dispose" else {})})]


def ledger_events(asset: dict) -> list[tuple[str, dict]]:
    """The facts of the asset's latest step again (same ids), ignored when already queued. A
    crash between saving the asset and queueing its events loses none of them anyway: on
    MongoDB the asset's document carries them until they are queued (infra/outbox.py)."""
    return _events(asset, asset["ledger"][-1])


# --- what falls due ---------------------------------------------------------------------------

def due_facts(asset: dict, now: datetime, settings: dict = DEFAULT_SETTINGS) -> list[tuple[str, dict]]:
    """A transfer not completed by its due date; an audit due soon or overdue - each once."""
    facts = []
    transfer = asset.get("transfer")
    if transfer and transfer.get("due_by") and datetime.fromisoformat(transfer["due_by"]) < now:
        facts.append(events.outgoing(events.TRANSFER_OVERDUE, {
            "event_id": str(uuid.uuid5(ASSET_NAMESPACE, f"overdue:{transfer['id']}")),
            "occurred_at": now.isoformat(), "asset": summary(asset), "action": "overdue",
            "by": "system", "reason": "", "documents": [], "from_agency": transfer["from"],
            "to_agency": transfer["to"], "due_by": transfer["due_by"], "transfer_id": transfer["id"]}))
    next_due = (asset.get("audit") or {}).get("next_due")
    if asset["status"] != DISPOSED and next_due:
        days_left = (date.fromisoformat(next_due) - now.date()).days
        if days_left <= settings["audit_due_soon_days"]:
            facts.append(events.outgoing(events.AUDIT_DUE, {
                # due soon and overdue are two facts: each is told once
                "event_id": str(uuid.uuid5(ASSET_NAMESPACE, f"audit:{asset['code']}:{next_due}:"
                                                            f"{'overdue' if days_left < 0 else 'soon'}")),
                "occurred_at": now.isoformat(), "asset": summary(asset), "due_on": next_due,
                "overdue": days_left < 0, "custodian": asset["custodian"]}))
    return facts


def with_state(asset: dict, today: date, settings: dict = DEFAULT_SETTINGS) -> dict:
    """The asset as shown: book value (straight-line by category), overdue flags, Thai labels."""
    shown = {k: v for k, v in asset.items() if k != "ledger"}
    life = settings["useful_life_years"].get(asset["category"])
    if life:
        years = max(0.0, (today - date.fromisoformat(asset["acquired_on"])).days / 365.25)
        shown["book_value_thb"] = round(max(0.0, asset["total_value_thb"] * (1 - years / life)), 2)
    else:
        shown["book_value_thb"] = asset["total_value_thb"]
    transfer = asset.get("transfer")
    shown["transfer_overdue"] = bool(transfer and transfer.get("due_by")
                                     and date.fromisoformat(transfer["due_by"][:10]) < today)
    next_due = (asset.get("audit") or {}).get("next_due")
    shown["audit_overdue"] = bool(next_due and date.fromisoformat(next_due) < today)
    shown["status_th"] = STATUS_TH[asset["status"]]
    # what its state allows next (who may is access.may_step_asset): the dashboard's forms
    shown["next_steps"] = [step for step, (starts, _) in TRANSITIONS.items()
                           if asset["status"] in starts] + (["audit"] if asset["status"] != DISPOSED
                                                            else [])
    shown["category_th"] = CATEGORY_TH[asset["category"]]
    return shown


def projects_of(plan: dict) -> list[dict]:
    return [{**p, "plan_id": plan["id"], "cluster": plan["cluster"]} for p in plan["projects"]]


def _whole(value):
    """JSON has one kind of number: 30.0 is the whole number 30."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def validate_settings(raw: dict, current: dict = DEFAULT_SETTINGS) -> dict:
    """Admin settings over the current ones: overdue days, audit intervals, useful lives;
    every problem named."""
    if not isinstance(raw, dict):
        raise AssetError("settings must be a JSON object")
    problems, clean = [], copy.deepcopy(current)
    for key in raw:
        if key not in clean:
            problems.append(f"unknown setting {key!r}")
    for key in ("transfer_overdue_days", "audit_due_soon_days"):
        if key in raw:
            value = _whole(raw[key])
            if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 3650:
                problems.append(f"{key} must be a whole number of days from 1 to 3650")
            else:
                clean[key] = value
    for key, allow_none in (("audit_interval_days", False), ("useful_life_years", True)):
        if raw.get(key) is not None and not isinstance(raw[key], dict):
            problems.append(f"{key} must be an object by category, e.g. {{\"building\": 20}}")
            continue
        for category, value in (raw.get(key) or {}).items():
            value = _whole(value)
            if category not in CATEGORIES:
                problems.append(f"{key}: unknown category {category!r}")
            elif value is None and allow_none:
                clean[key][category] = None
            elif isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 3650:
                problems.append(f"{key}.{category} must be a whole number from 1 to 3650")
            else:
                clean[key][category] = value
    if problems:
        raise AssetError("; ".join(problems))
    return clean

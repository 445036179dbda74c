"""Assets' use cases: each takes the store and plain data, and is called by an entrypoint."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from services.infra.metrics import ASSET_STEPS
from services.contracts import events as contract_events

from . import domain, workbook
from .store import DuplicateAsset, VersionConflict
from services.contracts.errors import AlreadyRegistered, NotFound  # raised to RPC callers

log = logging.getLogger(__name__)
SETTINGS = "settings"
BANGKOK = ZoneInfo("Asia/Bangkok")


def settings(store) -> dict:
    return store.get_meta(SETTINGS) or domain.DEFAULT_SETTINGS


def set_settings(store, raw: dict) -> dict:
    clean = domain.validate_settings(raw, settings(store))
    store.set_meta(SETTINGS, clean)
    return clean


def on_plan_published(store, payload: dict) -> None:
    """A plan_published event (loaded through the registry: an invalid one raises, is retried,
    then parked)."""
    learn_plan(store, contract_events.load(contract_events.PLAN_PUBLISHED, payload)["plan"])


def learn_plan(store, plan: dict) -> None:
    store.save_projects(plan["id"], plan["version"], domain.projects_of(plan))
    kept = store.get_meta(f"agencies:{plan['id']}") or {"version": 0}
    if plan["version"] >= kept["version"]:
        store.set_meta(f"agencies:{plan['id']}", {"version": plan["version"],
                                                  "codes": [a["code"] for a in plan["agencies"]]})


def known_agencies(store) -> set[str]:
    codes = set()
    for plan_id in {p["plan_id"] for p in store.projects().values()}:
        codes.update((store.get_meta(f"agencies:{plan_id}") or {}).get("codes", []))
    return codes


def register(store, document: dict, actor: domain.Actor, now: datetime | None = None) -> dict:
    now = now or datetime.now(timezone.utc)
    asset, events = domain.new_asset(document, store.projects(), actor, now, settings(store))
    try:
        store.register(asset, events)
    except DuplicateAsset as exc:
        raise AlreadyRegistered(str(exc)) from None
    return shown(store, asset)


def import_assets(store, data: bytes, fmt: str, actor: domain.Actor,
                  now: datetime | None = None) -> dict:
    """Register every asset of a sheet, or none: ``{"registered": [codes]}``,
    ``{"problems": [{sheet, row, column, cell, message, message_th, message_en}]}`` naming every bad cell and row, or
    ``{"forbidden": why}`` when the actor may not register some row's asset (as for one asset)."""
    now = now or datetime.now(timezone.utc)
    try:
        documents, problems = workbook.to_documents(workbook.read_rows(data, fmt))
    except workbook.SheetError as exc:
        return {"problems": [p.as_dict() for p in exc.problems]}
    projects, config, seen = store.projects(), settings(store), {}
    registrations, refused = [], []
    for row, document in documents:
        code = document.get("code")
        if code in seen:
            problems.append(workbook.problem(row, "code", f"{code} ซ้ำกับแถวที่ {seen[code]}",
                                             f"{code} is also on row {seen[code]}"))
            continue
        seen[code] = row
        if code and store.get(code) is not None:
            problems.append(workbook.problem(row, "code", f"{code} ลงทะเบียนไว้แล้ว",
                                             f"{code} is already registered"))
            continue
        try:
            registrations.append(domain.new_asset(document, projects, actor, now, config))
        except domain.NotAllowed as exc:
            refused.append(f"row {row}: {exc}")
        except domain.AssetError as exc:
            problems.append(workbook.problem(row, None, f"ข้อมูลทรัพย์สินแถวนี้ใช้ไม่ได้: {exc}", str(exc)))
    if refused:
        return {"forbidden": "; ".join(refused)}
    if not documents and not problems:
        problems.append(workbook.problem(None, None, "แผ่นงานไม่มีแถวทรัพย์สิน",
                                         "the sheet has no asset rows"))
    if problems:
        return {"problems": [p.as_dict() for p in sorted(problems, key=lambda p: (p.row or 0))]}
    try:
        store.register_many(registrations)
    except DuplicateAsset as exc:  # registered by someone else meanwhile
        raise AlreadyRegistered(str(exc)) from None
    ASSET_STEPS.labels("register").inc(len(registrations))
    return {"registered": [asset["code"] for asset, _ in registrations]}


def act(store, code: str, action: str, command: dict, actor: domain.Actor,
        now: datetime | None = None) -> dict:
    """One transfer step (request, approve, hand_over, accept, reject, cancel) or an audit."""
    now = now or datetime.now(timezone.utc)
    asset = _visible(store, code, actor)
    if not isinstance(command, dict):
        raise domain.AssetError("the command must be a JSON object")
    if action == "audit":
        nxt, events = domain.record_audit(asset, command, actor, now, settings(store))
    else:
        nxt, events = domain.transition(asset, action, command, actor, now,
                                        known_agencies(store), settings(store))
    try:
        store.update(nxt, asset["version"], events)
    except VersionConflict:
        raise domain.Conflict(f"asset {code} changed while this {action.replace('_', ' ')} was "
                              "decided (another command won); reload it and decide again") from None
    ASSET_STEPS.labels(action).inc()
    log.info("asset %s: %s by %s -> %s (v%d)", code, action, actor, nxt["status"], nxt["version"])
    return shown(store, nxt)


def get(store, code: str, actor: domain.Actor) -> dict:
    return shown(store, _visible(store, code, actor))


def history(store, code: str, actor: domain.Actor) -> dict:
    asset = _visible(store, code, actor)
    return {"code": code, "version": asset["version"], "ledger": asset["ledger"]}


def list_assets(store, actor: domain.Actor, filters: dict) -> list[dict]:
    """The assets the actor may see, filtered by project, custodian, status, province,
    cluster or ``agency`` (holds it, receives it or implemented its project)."""
    found = []
    for asset in store.list(filters.get("project")):
        if not domain.can_see(actor, asset):
            continue
        transfer = asset.get("transfer") or {}
        if any(filters.get(k) and filters[k] != v for k, v in (
                ("custodian", asset["custodian"]), ("status", asset["status"]),
                ("province", asset["location"]["province"]), ("cluster", asset["cluster"]))):
            continue
        agency = filters.get("agency")
        if agency and agency not in (asset["custodian"], transfer.get("to"),
                                     asset.get("implementing_agency")):
            continue
        found.append(shown(store, asset))
    return found


def check_due(store, now: datetime | None = None) -> int:
    """Queue what has fallen due (transfers overdue, audits due) and re-queue each asset's
    latest step facts (ids are deterministic: nothing is announced twice)."""
    now = now or datetime.now(timezone.utc)
    config = settings(store)
    events = []
    for asset in store.list():
        events += domain.ledger_events(asset) + domain.due_facts(asset, now, config)
    if events:
        store.add_events(events)
    return len(events)


def shown(store, asset: dict) -> dict:
    return domain.with_state(asset, datetime.now(BANGKOK).date(), settings(store))


def _visible(store, code: str, actor: domain.Actor) -> dict:
    asset = store.get(code)
    if asset is None or not domain.can_see(actor, asset):
        raise NotFound(f"no asset {code!r}" + ("" if asset is None else " that you may see"))
    return asset

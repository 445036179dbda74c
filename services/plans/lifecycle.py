"""A plan's life (pure): a draft is edited freely; publishing fixes it; every later change is a
revision with a reason and the body that approved it, and tells the other services what changed.

    draft --publish--> published --revise--> published (version n+1) ...
"""
from __future__ import annotations

import uuid
from datetime import datetime

from services.contracts import events as contract_events
from services.contracts.plans import iter_indicators
from services.contracts.events import (PROJECT_CANCELLED, PROJECT_CHANGED, PROJECT_REGISTERED,
                                        TARGET_REVISED)

from .domain import EVENT_NAMESPACE, PlanError, ReferenceVersion, plan_published_event, prepare_plan
from .links import LinkCheck, carried, link_problems
from services.contracts.errors import LifecycleError, StaleVersion  # raised to RPC callers

FIXED = ("id", "cluster", "status", "version", "revision", "reference_version")
TARGET_FIELDS = ("targets", "quarterly_targets", "province_targets")


def _content(document: dict, current: dict) -> dict:
    """The editable part of ``document`` on top of what cannot change once a plan exists.

    A document that says which version it was read at must be of the current one, so two
    editors cannot silently overwrite each other (optimistic concurrency)."""
    if document.get("version") not in (None, current["version"]):
        raise StaleVersion(f"plan {current['id']} is at version {current['version']}, the document "
                           f"was read at version {document['version']}; reload it and redo the change")
    if document.get("id", current["id"]) != current["id"]:
        raise PlanError(f"plan {current['id']}: the id cannot change (got {document['id']!r})")
    if document.get("cluster", current["cluster"]) != current["cluster"]:
        raise PlanError(f"plan {current['id']}: the cluster cannot change")
    return {**{k: v for k, v in document.items() if k not in FIXED},
            **{k: current[k] for k in FIXED if k in current}}


def create(document: dict, reference: ReferenceVersion, links: LinkCheck | None = None) -> dict:
    """A new plan starts as a draft at version 1, under the reference data in force."""
    return prepare_plan({**document, "status": "draft", "version": 1, "revision": None,
                         "reference_version": reference.version_id}, reference, links)


def update_draft(current: dict, document: dict, reference: ReferenceVersion,
                 links: LinkCheck | None = None) -> dict:
    if current["status"] != "draft":
        raise LifecycleError(f"plan {current['id']} is {current['status']}: change it with a "
                             "revision (a reason and the approving body), not an edit")
    plan = prepare_plan(_content(document, current), reference, links)
    return {**plan, "version": current["version"] + 1}


def _check_text(plan_id: str, **fields) -> None:
    """The people and reasons a version records are text (they reach every mail and export)."""
    for name, value in fields.items():
        if value is not None and not isinstance(value, str):
            raise PlanError(f"plan {plan_id}: {name} must be text, not {type(value).__name__}")


def publish(current: dict, by: str, approved_by: str | None, now: datetime,
            links: LinkCheck | None = None):
    """The draft as it is, in force; its links checked again on the day it is published (an
    entry may have left the hierarchy since the draft was saved)."""
    _check_text(current["id"], approved_by=approved_by)
    if current["status"] != "draft":
        raise LifecycleError(f"plan {current['id']} is {current['status']}, not a draft")
    plan = {**current, "status": "published", "version": current["version"] + 1,
            "revision": _revision(current["version"] + 1, by, "published", approved_by, now)}
    if links is not None:
        problems = link_problems(plan, links)
        if problems:
            raise PlanError(f"plan {plan['id']}", problems)
        plan.update(carried(plan, links))
    return plan, [plan_published_event(plan, now)]


def revise(current: dict, document: dict, reason: str, approved_by: str | None, by: str,
           reference: ReferenceVersion, now: datetime, links: LinkCheck | None = None):
    """The next version of a published plan, with the events its changes cause."""
    if current["status"] != "published":
        raise LifecycleError(f"plan {current['id']} is {current['status']}: only a published "
                             "plan is revised (edit a draft directly)")
    _check_text(current["id"], reason=reason, approved_by=approved_by)
    if not (reason or "").strip():
        raise PlanError(f"plan {current['id']}: a revision needs a reason")
    if not (approved_by or "").strip():
        raise PlanError(f"plan {current['id']}: a revision needs the body that approved it "
                        "(approved_by, e.g. the cluster committee)")
    version = current["version"] + 1
    content = _content(document, current)
    plan = prepare_plan({**content, "version": version,
                         "revision": _revision(version, by, reason.strip(), approved_by, now)},
                        reference, links)
    removed = sorted({p["code"] for p in current["projects"]} - {p["code"] for p in plan["projects"]})
    if removed:
        raise PlanError(f"plan {current['id']}: projects {', '.join(removed)} cannot be removed "
                        "from a published plan; set their status to cancelled")
    gone = sorted({i["code"] for _, i in iter_indicators(current)}
                  - {i["code"] for _, i in iter_indicators(plan)})
    if gone:
        raise PlanError(f"plan {current['id']}: indicators {', '.join(gone)} cannot be removed from "
                        "a published plan: provinces have reported against them")
    if same_content(current, plan):
        raise PlanError(f"plan {current['id']}: the revision changes nothing")
    return plan, [plan_published_event(plan, now), *change_events(current, plan, now)]


def code_clashes(plan: dict, others: list[dict]) -> list[tuple[str, str]]:
    """Indicator and project codes another published plan already uses for some of the same
    provinces and years: a province's report must name one plan's indicator, never two."""
    mine_ind = {i["code"] for _, i in iter_indicators(plan)}
    mine_proj = {p["code"] for p in plan["projects"]}
    problems = []
    for other in others:
        if other["id"] == plan["id"] or other["status"] == "draft":
            continue
        if not set(plan["provinces"]) & set(other["provinces"]):
            continue
        if plan["end_fy"] < other["start_fy"] or other["end_fy"] < plan["start_fy"]:
            continue
        for code in sorted(mine_ind & {i["code"] for _, i in iter_indicators(other)}):
            problems.append((f"indicator {code}", f"plan {other['id']} uses this code for the same "
                                                  "provinces and years; choose another"))
        for code in sorted(mine_proj & {p["code"] for p in other["projects"]}):
            problems.append((f"project {code}", f"plan {other['id']} uses this code for the same "
                                                "provinces and years; choose another"))
    return problems


def agency_clashes(plan: dict, directory: list[dict], reference: ReferenceVersion
                   ) -> list[tuple[str, str]]:
    """Agency codes the directory already gives to an agency outside the plan's cluster."""
    cluster = reference.cluster(plan["cluster"])
    members = {p["code"] for p in cluster["provinces"]} if cluster else set()
    kept = {a["code"]: a for a in directory}
    return [(f"agency {a['code']}", f"the code belongs to an agency of {kept[a['code']]['province']}, "
                                    f"outside cluster {plan['cluster']}; choose another")
            for a in plan["agencies"]
            if a["code"] in kept and kept[a["code"]]["province"] not in members]


def same_content(a: dict, b: dict) -> bool:
    ignore = ("version", "revision", "national_entries")  # entries follow from the links
    return {k: v for k, v in a.items() if k not in ignore} == \
        {k: v for k, v in b.items() if k not in ignore}


def _revision(version: int, by: str, reason: str, approved_by: str | None, now: datetime) -> dict:
    return {"version": version, "at": now.isoformat(), "by": by, "reason": reason,
            "approved_by": approved_by}


def _event(kind: tuple[str, str], plan: dict, subject: str, now: datetime, **payload) -> tuple:
    event_id = uuid.uuid5(EVENT_NAMESPACE, f"{kind[1]}:{plan['id']}:{plan['version']}:{subject}")
    return contract_events.outgoing(kind, {
        "event_id": str(event_id), "occurred_at": now.isoformat(), "plan_id": plan["id"],
        "cluster": plan["cluster"], "version": plan["version"], "revision": plan["revision"],
        **payload})


def change_events(before: dict, after: dict, now: datetime) -> list[tuple[str, dict]]:
    """target_revised per indicator whose targets changed; project_registered / _changed /
    _cancelled per project - each carrying what a consumer needs to act without a lookup."""
    events = []
    old_indicators = {i["code"]: i for _, i in iter_indicators(before)}
    for _, indicator in iter_indicators(after):
        old = old_indicators.get(indicator["code"])
        if old is None:
            continue
        was = {f: old.get(f, {}) for f in TARGET_FIELDS}
        now_targets = {f: indicator.get(f, {}) for f in TARGET_FIELDS}
        if was != now_targets:
            events.append(_event(TARGET_REVISED, after, indicator["code"], now,
                                 indicator={k: indicator[k] for k in (
                                     "code", "name_th", "name_en", "unit", "direction",
                                     "responsible_agency")},
                                 before=was, after=now_targets))
    old_projects = {p["code"]: p for p in before["projects"]}
    for project in after["projects"]:
        old = old_projects.get(project["code"])
        if old is None:
            events.append(_event(PROJECT_REGISTERED, after, project["code"], now, project=project))
        elif project["status"] == "cancelled" and old["status"] != "cancelled":
            events.append(_event(PROJECT_CANCELLED, after, project["code"], now, project=project))
        elif project != old:
            changed = sorted(k for k in project if project.get(k) != old.get(k))
            events.append(_event(PROJECT_CHANGED, after, project["code"], now, project=project,
                                 changed_fields=changed))
    return events

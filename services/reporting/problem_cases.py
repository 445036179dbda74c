"""Reporting's use cases for problems analysed together: the cause code list the admin edits,
each problem's current state, the OSM's updates, the annual review's analysis and the remedies
overdue (each takes the store and plain data; service.py calls them, pure rules are in
problems.py)."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

from services.contracts.errors import ConcurrentUpdate, QueryError, UnknownProblem
from services.contracts.periods import MAX_FY, MIN_FY
from services.contracts.problems import (STATUSES, checked_cause_list, default_cause_list,
                                         load_remedies)

from . import problems
from .domain import BANGKOK

MAX_NOTE = 2000
FILTERS = ("cause", "issue", "province", "fiscal_year", "status")


def cause_list(store) -> dict:
    """The code list in force: the latest version the admin saved, else the shipped default."""
    return store.cause_list() or default_cause_list()


def used_causes(store) -> set[str]:
    """Every cause some accepted report named (a used cause may be retired, never removed)."""
    used = set()
    for plan in store.plans():
        for report in store.project_reports(plan["id"]):
            used.update(item["cause"] for item in report.get("problem_items") or [])
    return used


def set_cause_list(store, causes, by: str, version: int | None = None,
                   now: datetime | None = None) -> dict:
    """A new version of the code list (who, when kept with it). ``version``: the one the admin
    edited; another saved since is a ConcurrentUpdate, never overwritten."""
    try:
        checked = checked_cause_list(causes)
    except ValueError as exc:
        raise QueryError(str(exc)) from None
    current = cause_list(store)
    if version is not None and version != current["version"]:
        raise ConcurrentUpdate(f"the cause list is at version {current['version']}, not "
                               f"{version}: read it again and redo the change")
    removed = {c["code"] for c in current["causes"]} - {c["code"] for c in checked}
    still_used = sorted(removed & used_causes(store))
    if still_used:
        raise QueryError(f"cause(s) {', '.join(still_used)} are used by reported problems: "
                         "keep them with \"retired\": true instead of removing them / สาเหตุที่มี"
                         "การใช้แล้วลบไม่ได้ ให้ตั้ง retired เป็น true แทน")
    saved = {"version": current["version"] + 1, "changed_by": by,
             "changed_at": (now or datetime.now(timezone.utc)).isoformat(), "causes": checked}
    if not store.save_cause_list(saved):
        raise ConcurrentUpdate("the cause list was changed meanwhile: read it again")
    return saved


def item_problem(store, plan: dict, report: dict) -> tuple[str, str] | None:
    """The intake's check of a project report's problem_items against its plan and the code
    list (the list is read only for a report that has items)."""
    if not report.get("problem_items"):
        return None
    return problems.item_problem(plan, report, cause_list(store))


def _plan(store, plan_id: str) -> dict:
    plan = store.get_plan(plan_id)
    if plan is None:
        raise QueryError(f"plan {plan_id!r} is unknown to reporting")
    return plan


def _current(store, plan: dict) -> list[dict]:
    return problems.current_problems(plan, store.project_reports(plan["id"]),
                                     store.problem_updates(plan["id"]), cause_list(store))


def checked_filters(raw: dict | None) -> dict:
    """cause, issue (a number), province, fiscal_year (B.E.), status: None means any."""
    raw = raw or {}
    unknown = sorted(set(raw) - set(FILTERS))
    if unknown:
        raise QueryError(f"unknown filter(s) {', '.join(unknown)}; filters: {', '.join(FILTERS)}")
    out = {k: raw.get(k) for k in FILTERS}
    for name in ("issue", "fiscal_year"):
        if out[name] is not None and (not isinstance(out[name], int) or isinstance(out[name], bool)):
            raise QueryError(f"{name} must be a whole number")
    if out["fiscal_year"] is not None and not MIN_FY <= out["fiscal_year"] <= MAX_FY:
        raise QueryError(f"fiscal_year must be a B.E. year such as 2567 ({MIN_FY}-{MAX_FY})")
    if out["status"] is not None and out["status"] not in STATUSES:
        raise QueryError(f"status must be one of {', '.join(STATUSES)}")
    return out


def current_problems(store, plan_id: str, filters: dict | None = None,
                     provinces: list[str] | None = None, project: str | None = None) -> list[dict]:
    """Each problem's current state, newest report first; ``provinces``: only problems last
    reported by these (a province key's own)."""
    plan = _plan(store, plan_id)
    wanted = checked_filters(filters)
    found = []
    for problem in _current(store, plan):
        if provinces is not None and problem["province"] not in provinces:
            continue
        if project and problem["project"] != project:
            continue
        if wanted["fiscal_year"] is not None and wanted["fiscal_year"] not in problem["fiscal_years"]:
            continue
        if any(wanted[k] is not None and problem[k] != wanted[k]
               for k in ("cause", "issue", "province", "status")):
            continue
        found.append(problem)
    return found


def analysis(store, plan_id: str, filters: dict | None = None,
             provinces: list[str] | None = None) -> dict:
    """The annual review's figures (problems.analysis), with the problems they count."""
    plan = _plan(store, plan_id)
    wanted = checked_filters(filters)
    current = _current(store, plan)
    if provinces is not None:  # a province key: its own province's occurrences only
        current = [{**p, "occurrences": [o for o in p["occurrences"] if o["province"] in provinces]}
                   for p in current]
        current = [p for p in current if p["occurrences"]]
    result = problems.analysis(current, cause_list(store), plan, wanted)
    counted = {o["problem_id"] for o in problems.occurrences(current)
               if all(wanted[k] is None or o[k] == wanted[k] for k in FILTERS)}
    result["problems"] = [p for p in current if p["problem_id"] in counted]
    return result


def update_problem(store, plan_id: str, problem_id: str, changes: dict, by: str,
                   project: str | None = None, now: datetime | None = None) -> dict:
    """The OSM's update of a problem - status, owner_agency, remedies, a note - kept with who
    and when; it is in force until a report made later says otherwise."""
    plan = _plan(store, plan_id)
    if not isinstance(changes, dict):
        raise QueryError("send an object with status, owner_agency, remedies and/or note")
    unknown = sorted(set(changes) - {"status", "owner_agency", "remedies", "note"})
    if unknown:
        raise QueryError(f"unknown field(s) {', '.join(map(str, unknown))}; an update takes "
                         "status, owner_agency, remedies, note")
    if not any(changes.get(k) is not None for k in ("status", "owner_agency", "remedies", "note")):
        raise QueryError("nothing to change: send status, owner_agency, remedies and/or note")
    problems_found = [p for p in _current(store, plan) if p["problem_id"] == problem_id
                      and (project is None or p["project"] == project)]
    if not problems_found:
        raise UnknownProblem(f"plan {plan_id} has no reported problem {problem_id!r}"
                             + (f" in project {project}" if project else ""))
    if len(problems_found) > 1:
        raise QueryError(f"problem {problem_id} was reported for projects "
                         f"{', '.join(p['project'] for p in problems_found)}: name the project "
                         "(?project=)")
    problem = problems_found[0]
    clean = _checked_changes(plan, changes)
    at = (now or datetime.now(timezone.utc)).isoformat()
    store.record_problem_update({"update_id": str(uuid.uuid4()), "plan_id": plan_id,
                                 "project": problem["project"], "problem_id": problem_id,
                                 "at": at, "by": by, "changes": clean})
    return next(p for p in _current(store, plan)
                if (p["project"], p["problem_id"]) == (problem["project"], problem_id))


def _checked_changes(plan: dict, changes: dict) -> dict:
    found: list[str] = []
    clean = {"status": changes.get("status"), "owner_agency": changes.get("owner_agency"),
             "remedies": None, "note": changes.get("note")}
    if clean["status"] is not None and (not isinstance(clean["status"], str)
                                        or clean["status"] not in STATUSES):
        found.append(f"status must be one of {', '.join(STATUSES)}")
    agencies = {a["code"] for a in plan.get("agencies", [])}
    if clean["owner_agency"] is not None and (not isinstance(clean["owner_agency"], str)
                                              or clean["owner_agency"] not in agencies):
        found.append(f"owner_agency {clean['owner_agency']!r} is not an agency of plan {plan['id']}")
    if clean["note"] is not None and (not isinstance(clean["note"], str)
                                      or len(clean["note"]) > MAX_NOTE):
        found.append(f"note must be text of at most {MAX_NOTE:,} characters")
    if changes.get("remedies") is not None:
        clean["remedies"] = load_remedies(changes["remedies"], "remedies", found)
    if found:
        raise QueryError("; ".join(found))
    return clean


def overdue_remedy_events(store, plan: dict, now: datetime) -> list[tuple[str, dict]]:
    """For the scheduled check: each remedy past due and not done, as a fact (once each)."""
    today: date = now.astimezone(BANGKOK).date()
    return problems.overdue_remedy_events(plan, _current(store, plan), today, now)

"""Problems analysed together (pure: no I/O). Project reports carry ``problem_items``
(contracts/problems.py); the OSM updates a problem over HTTP. This module decides what a report's
items may say against its plan and the cause list, what each problem's current state is, and
the views of the annual review: counts and budget at stake by cause x issue x province x fiscal
year, causes recurring across fiscal years, the Pareto of causes, and remedies overdue.

Precedence, once: a problem's report item in force is the one of its latest report - the later
``reported_at`` (as an instant), then the greater ``event_id`` (the rule reports follow). The OSM's
updates made later than that report are laid over it in order, each changing the fields it
names; a report made after them wins again.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime

from services.contracts import events as contract_events
from services.contracts.events import REMEDY_OVERDUE
from services.contracts.periods import fiscal_year_of
from services.contracts.problems import derived_problem_id

EVENT_NAMESPACE = uuid.UUID("5e9d2c4a-1b7f-4e0a-9c3d-8f6b2a1e4d70")


def causes_by_code(cause_list: dict) -> dict[str, dict]:
    return {c["code"]: c for c in cause_list["causes"]}


def item_problem(plan: dict, report: dict, cause_list: dict) -> tuple[str, str] | None:
    """(English, Thai) reason a report's problem_items break the plan or the cause list - a
    cause that is unknown or retired, an owner agency the plan does not name, one problem twice
    - or None."""
    causes = causes_by_code(cause_list)
    agencies = {a["code"] for a in plan.get("agencies", [])}
    en, th, seen = [], [], set()
    for n, item in enumerate(report.get("problem_items") or []):
        cause = causes.get(item["cause"])
        if cause is None or cause["retired"]:
            active = ", ".join(c for c, info in causes.items() if not info["retired"])
            what = "is retired" if cause else "is not in the cause list"
            en.append(f"problem_items[{n}].cause: {item['cause']!r} {what} (GET "
                      f"/api/problem-causes: {active})")
            th.append(f"problem_items[{n}].cause: รหัสสาเหตุ {item['cause']!r} "
                      f"{'เลิกใช้แล้ว' if cause else 'ไม่มีในรายการสาเหตุ'} (ใช้ได้: {active})")
        if item["owner_agency"] not in agencies:
            en.append(f"problem_items[{n}].owner_agency: {item['owner_agency']!r} is not an "
                      f"agency of plan {plan['id']}")
            th.append(f"problem_items[{n}].owner_agency: {item['owner_agency']!r} ไม่ใช่หน่วยงาน"
                      f"ในแผน {plan['id']}")
        key = problem_id_of(report["project"], item)
        if key in seen:
            en.append(f"problem_items[{n}]: problem {key} is listed twice in this report")
            th.append(f"problem_items[{n}]: ปัญหา {key} ซ้ำในรายงานเดียวกัน")
        seen.add(key)
    return ("; ".join(en), "; ".join(th)) if en else None


def problem_id_of(project: str, item: dict) -> str:
    return item.get("problem_id") or derived_problem_id(project, item["cause"],
                                                        item["description"])


def _order(report: dict) -> tuple:
    """A report's place in the precedence rule: its instant, then its event_id."""
    return datetime.fromisoformat(report["reported_at"]), report["event_id"]


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def current_problems(plan: dict, reports: list[dict], updates: list[dict],
                     cause_list: dict) -> list[dict]:
    """Every problem of the plan's project reports with its current state, and the fiscal years
    it was reported in (``occurrences``: per fiscal year of the report's ``as_of``, that year's
    latest item - cause and province as reported then)."""
    projects = {p["code"]: p for p in plan["projects"]}
    latest: dict[tuple, tuple] = {}
    years: dict[tuple, dict[int, tuple]] = {}
    first: dict[tuple, str] = {}
    for report in reports:
        for item in report.get("problem_items") or []:
            key = (report["project"], problem_id_of(report["project"], item))
            order = _order(report)
            if key not in latest or order > latest[key][0]:
                latest[key] = (order, report, item)
            fy = fiscal_year_of(date.fromisoformat(report["as_of"]))
            seen = years.setdefault(key, {})
            if fy not in seen or order > seen[fy][0]:
                seen[fy] = (order, report, item)
            if key not in first or _at(report["reported_at"]) < _at(first[key]):
                first[key] = report["reported_at"]
    updates_of: dict[tuple, list[dict]] = {}
    for update in sorted(updates, key=lambda u: (_at(u["at"]), u["update_id"])):
        updates_of.setdefault((update["project"], update["problem_id"]), []).append(update)
    causes = causes_by_code(cause_list)
    out = []
    for key, (order, report, item) in latest.items():
        project = projects.get(key[0], {})
        state = {"problem_id": key[1], "project": key[0],
                 "title_th": project.get("title_th"), "title_en": project.get("title_en"),
                 "issue": project.get("issue"), "budget_thb": project.get("budget_thb"),
                 "province": report["province"], "cause": item["cause"],
                 "severity": item["severity"], "status": item["status"],
                 "owner_agency": item["owner_agency"], "description": item["description"],
                 "remedies": [dict(r) for r in item.get("remedies") or []],
                 "first_reported_at": first[key], "reported_at": report["reported_at"],
                 "event_id": report["event_id"], "source": "report", "note": None,
                 "updated_by": None, "updated_at": None}
        # the OSM's updates made after that report, in order: each changes what it names
        for update in updates_of.get(key, []):
            if _at(update["at"]) <= order[0]:
                continue
            for name in ("status", "owner_agency", "remedies", "note"):
                if update["changes"].get(name) is not None:
                    state[name] = update["changes"][name]
            state.update(source="osm", updated_by=update["by"], updated_at=update["at"])
        cause = causes.get(state["cause"], {})
        state["cause_label_th"] = cause.get("label_th", state["cause"])
        state["cause_label_en"] = cause.get("label_en", state["cause"])
        state["occurrences"] = [
            {"fiscal_year": fy, "province": r["province"], "cause": i["cause"]}
            for fy, (_, r, i) in sorted(years[key].items())]
        state["fiscal_years"] = sorted(years[key])
        out.append(state)
    return sorted(out, key=lambda p: (p["reported_at"], p["problem_id"]), reverse=True)


def occurrences(problems: list[dict]) -> list[dict]:
    """One row per problem and fiscal year it was reported in: what the analysis counts."""
    return [{"problem_id": p["problem_id"], "project": p["project"], "issue": p["issue"],
             "budget_thb": p["budget_thb"] or 0.0, "status": p["status"], **o}
            for p in problems for o in p["occurrences"]]


def analysis(problems: list[dict], cause_list: dict, plan: dict, filters: dict) -> dict:
    """Counts and budget at stake by cause x development issue x province x fiscal year, the
    causes recurring across fiscal years, and the Pareto of causes - over the occurrences that
    pass ``filters`` (cause, issue, province, fiscal_year, status: None means any).

    A problem reported in two fiscal years counts once in each. Budget at stake is the budget
    of the projects concerned, each project counted once per group however many problems it
    has there."""
    rows = [o for o in occurrences(problems)
            if all(filters.get(k) is None or o[k] == filters[k]
                   for k in ("cause", "issue", "province", "fiscal_year", "status"))]
    causes = causes_by_code(cause_list)
    issues = {i["number"]: i for i in plan["issues"]}
    cells: dict[tuple, dict] = {}
    for o in rows:
        cell = cells.setdefault((o["cause"], o["issue"], o["province"], o["fiscal_year"]),
                                {"count": 0, "projects": {}})
        cell["count"] += 1
        cell["projects"][o["project"]] = o["budget_thb"]
    groups = []
    for (cause, issue, province, fy), cell in sorted(cells.items(), key=lambda kv: (
            kv[0][0], kv[0][1] if kv[0][1] is not None else -1, kv[0][2], kv[0][3])):
        groups.append({**_cause_names(causes, cause), "issue": issue,
                       **_issue_names(issues, issue), "province": province, "fiscal_year": fy,
                       "count": cell["count"], "projects": sorted(cell["projects"]),
                       "budget_at_stake_thb": round(sum(cell["projects"].values()), 2)})
    return {"plan_id": plan["id"], "filters": filters, "occurrences": len(rows),
            "groups": groups, "pareto": pareto(rows, causes),
            "recurring": recurring(rows, causes, issues)}


def _cause_names(causes: dict, code: str) -> dict:
    info = causes.get(code, {})
    return {"cause": code, "cause_label_th": info.get("label_th", code),
            "cause_label_en": info.get("label_en", code)}


def _issue_names(issues: dict, number) -> dict:
    info = issues.get(number, {})
    return {"issue_title_th": info.get("title_th"), "issue_title_en": info.get("title_en")}


def pareto(rows: list[dict], causes: dict) -> list[dict]:
    """Causes by count, most first (ties: by code), each with its share and the cumulative
    share of all occurrences (%, two decimals; the last is 100)."""
    counts: dict[str, int] = {}
    budgets: dict[str, dict] = {}
    for o in rows:
        counts[o["cause"]] = counts.get(o["cause"], 0) + 1
        budgets.setdefault(o["cause"], {})[o["project"]] = o["budget_thb"]
    total = sum(counts.values())
    out, running = [], 0
    for cause, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        running += count
        out.append({**_cause_names(causes, cause), "count": count,
                    "share_pct": round(count * 100 / total, 2),
                    "cumulative_pct": round(running * 100 / total, 2),
                    "budget_at_stake_thb": round(sum(budgets[cause].values()), 2)})
    return out


def recurring(rows: list[dict], causes: dict, issues: dict) -> list[dict]:
    """Causes met again in another fiscal year: by the same project, or within the same
    development issue - each with the fiscal years (two or more)."""
    by_project: dict[tuple, set] = {}
    by_issue: dict[tuple, set] = {}
    for o in rows:
        by_project.setdefault((o["cause"], o["project"]), set()).add(o["fiscal_year"])
        by_issue.setdefault((o["cause"], o["issue"]), set()).add(o["fiscal_year"])
    out = []
    for scope, found in (("project", by_project), ("issue", by_issue)):
        for (cause, subject), years in sorted(found.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
            if len(years) >= 2:
                extra = _issue_names(issues, subject) if scope == "issue" else {}
                out.append({**_cause_names(causes, cause), "scope": scope,
                            "subject": subject, **extra, "fiscal_years": sorted(years)})
    return out


def remedy_event_id(plan_id: str, project: str, problem_id: str, remedy: dict) -> str:
    """Once per remedy (its action and due date) of a problem, however often it is found."""
    return str(uuid.uuid5(EVENT_NAMESPACE, f"remedy_overdue:{plan_id}:{project}:{problem_id}:"
                                           f"{remedy['action']}:{remedy['due']}"))


def overdue_remedy_events(plan: dict, problems: list[dict], today: date,
                          now: datetime) -> list[tuple[str, dict]]:
    """A fact for each remedy past its due date and not done, of a problem not resolved."""
    events = []
    for problem in problems:
        if problem["status"] == "resolved":
            continue
        for remedy in problem["remedies"]:
            due = date.fromisoformat(remedy["due"])
            if remedy.get("done") or due >= today:
                continue
            events.append(contract_events.outgoing(REMEDY_OVERDUE, {
                "event_id": remedy_event_id(plan["id"], problem["project"],
                                            problem["problem_id"], remedy),
                "occurred_at": now.isoformat(), "plan_id": plan["id"], "cluster": plan["cluster"],
                "project": {"code": problem["project"], "title_th": problem["title_th"],
                            "title_en": problem["title_en"], "issue": problem["issue"]},
                **{k: problem[k] for k in ("problem_id", "province", "cause", "cause_label_th",
                                           "cause_label_en", "severity", "status",
                                           "description", "owner_agency")},
                "action": remedy["action"], "due": remedy["due"],
                "days_overdue": (today - due).days}))
    return events

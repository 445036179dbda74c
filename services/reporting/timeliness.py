"""Completeness and timeliness of the provinces' reporting (DHIS2-style reporting rates): when a
period's reports are due, who has sent what, and the reminders of what is due soon or overdue.
Pure, like domain.py (taken out of it to keep each under ~600 lines)."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

from services.contracts import events
from services.contracts.events import REPORT_DUE_SOON, REPORT_OVERDUE
from services.contracts.periods import (fiscal_year_bounds, last_ended_period, parse_period,
                                       quarter_months)
from services.contracts.plans import iter_indicators

from .domain import BANGKOK, EVENT_NAMESPACE


DEFAULT_DUE_DAYS = 15  # a period's reports are due this many days after it ends


def due_date(period_code: str, due_days: int) -> date:
    return parse_period(period_code).end + timedelta(days=due_days)


def progress_frequency(plan: dict) -> str:
    """How often the plan expects project progress: quarterly (the default), monthly or none."""
    return plan.get("progress_frequency") or "quarterly"


def projects_due(plan: dict, period_code: str, province: str) -> list[dict]:
    """The projects whose progress a province owes for a period: at the plan's cadence, active,
    running in the province, and running during the period (from its start date, else its
    fiscal year's start, to its end date, else its fiscal year's end)."""
    period = parse_period(period_code)
    if period.kind != progress_frequency(plan):
        return []
    due = []
    for project in plan.get("projects", []):
        if project.get("status", "active") != "active":
            continue
        if project.get("provinces") and province not in project["provinces"]:
            continue
        fy_start, fy_end = fiscal_year_bounds(project["fiscal_year"])
        begins = date.fromisoformat(project["start_date"]) if project.get("start_date") else fy_start
        ends = date.fromisoformat(project["end_date"]) if project.get("end_date") else fy_end
        if begins <= period.end and ends >= period.start:
            due.append(project)
    return due


def project_completeness(plan: dict, period_code: str, province: str, received: dict,
                         due: date) -> dict:
    """A province's project progress for a period: expected (projects_due), received (a report
    with ``as_of`` in the period, by any sender - the province or the implementing agency), on
    time, late, missing, and the implementing agencies of the missing ones."""
    expected = projects_due(plan, period_code, province)
    first = {p["code"]: _bangkok_date(received[(province, p["code"])]) for p in expected
             if (province, p["code"]) in received}
    missing = [p for p in expected if p["code"] not in first]
    return {"frequency": progress_frequency(plan), "expected": len(expected),
            "received": len(first), "on_time": sum(day <= due for day in first.values()),
            "late": sum(day > due for day in first.values()),
            "missing": [p["code"] for p in missing],
            "late_projects": sorted(c for c, day in first.items() if day > due),
            "missing_agencies": sorted({p["implementing_agency"] for p in missing
                                        if p.get("implementing_agency")})}


def completeness(plan: dict, period_code: str, first_received: dict, due_days: int,
                 today: date, projects_received: dict | None = None) -> list[dict]:
    """Per province: reports expected for the period (indicators of that frequency it reports),
    received, on time (first received by the due date, Bangkok time), late, missing - and the
    rates, never above 100 %. ``projects``: the same for project progress
    (``projects_received``: first received per (province, project) with as_of in the period)."""
    period = parse_period(period_code)
    due = due_date(period_code, due_days)
    rows = []
    for province in plan["provinces"]:
        expected = [i["code"] for _, i in iter_indicators(plan)
                    if i["frequency"] == period.kind
                    and (not i.get("provinces") or province in i["provinces"])]
        received = {code: _bangkok_date(first_received[(province, code)]) for code in expected
                    if (province, code) in first_received}
        on_time = sorted(c for c, day in received.items() if day <= due)
        late = sorted(c for c, day in received.items() if day > due)
        missing = sorted(set(expected) - set(received))
        rate = lambda n: round(n / len(expected) * 100, 2) if expected else None  # noqa: E731
        rows.append({"province": province, "period": period_code, "due_date": due.isoformat(),
                     "overdue": today > due and bool(missing),
                     "expected": len(expected), "received": len(received),
                     "on_time": len(on_time), "late": len(late), "missing": missing,
                     "late_indicators": late, "completeness_pct": rate(len(received)),
                     "timeliness_pct": rate(len(on_time)),
                     "projects": project_completeness(plan, period_code, province,
                                                      projects_received or {}, due)})
    return rows


def _bangkok_date(iso: str) -> date:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(BANGKOK).date()


def plan_periods(plan: dict) -> list[str]:
    """Every period an indicator of the plan is reported for, across the plan's years."""
    kinds = {i["frequency"] for _, i in iter_indicators(plan)} | {"yearly"}
    kinds.add(progress_frequency(plan))
    periods = []
    for fy in range(plan["start_fy"], plan["end_fy"] + 1):
        periods.append(f"FY{fy}")
        if "quarterly" in kinds:
            periods += [f"FY{fy}-Q{q}" for q in range(1, 5)]
        if "monthly" in kinds:
            periods += [m for q in range(1, 5) for m in quarter_months(fy, q)]
    return periods


def reminders(plan: dict, today: date, first_received_by_period: dict, due_days: int,
              soon_days: int = 7, projects_received_by_period: dict | None = None
              ) -> list[tuple[str, dict]]:
    """Report due soon / overdue facts for the provinces still missing reports - indicator
    values or project progress - of the period that ended last, one per (kind, plan, period,
    province) ever (the event id says so). The implementing agencies of the missing projects
    are named (``agencies``), so they hear of it too."""
    facts = []
    kinds = sorted({i["frequency"] for _, i in iter_indicators(plan)}
                   | ({progress_frequency(plan)} - {"none"}))
    for kind in kinds:
        period = last_ended_period(kind, today)
        fiscal_year = parse_period(period).fiscal_year
        if not plan["start_fy"] <= fiscal_year <= plan["end_fy"]:
            continue
        due = due_date(period, due_days)
        if today > due:
            fact = REPORT_OVERDUE
        elif (due - today).days <= soon_days:
            fact = REPORT_DUE_SOON
        else:
            continue
        rows = completeness(plan, period, first_received_by_period.get(period, {}), due_days, today,
                            (projects_received_by_period or {}).get(period, {}))
        for row in rows:
            if not row["missing"] and not row["projects"]["missing"]:
                continue
            facts.append(events.outgoing(fact, {
                "event_id": str(uuid.uuid5(EVENT_NAMESPACE,
                                           f"{fact[1]}:{plan['id']}:{period}:{row['province']}")),
                "occurred_at": datetime.now(timezone.utc).isoformat(),
                "plan_id": plan["id"], "cluster": plan["cluster"], "province": row["province"],
                "period": period, "due_date": row["due_date"], "missing": row["missing"],
                "expected": row["expected"], "received": row["received"],
                "missing_projects": row["projects"]["missing"],
                "agencies": row["projects"]["missing_agencies"]}))
    return facts

"""Completeness and timeliness of the provinces' reporting (DHIS2-style reporting rates): when a
period's reports are due, who has sent what, and the reminders of what is due soon or overdue.
Pure, like domain.py (taken out of it to keep each under ~600 lines)."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

from services.contracts import events
from services.contracts.events import REPORT_DUE_SOON, REPORT_OVERDUE
from services.contracts.periods import last_ended_period, parse_period, quarter_months
from services.contracts.plans import iter_indicators

from .domain import BANGKOK, EVENT_NAMESPACE


DEFAULT_DUE_DAYS = 15  # a period's reports are due this many days after it ends


def due_date(period_code: str, due_days: int) -> date:
    return parse_period(period_code).end + timedelta(days=due_days)


def completeness(plan: dict, period_code: str, first_received: dict, due_days: int,
                 today: date) -> list[dict]:
    """Per province: reports expected for the period (indicators of that frequency it reports),
    received, on time (first received by the due date, Bangkok time), late, missing - and the
    rates, never above 100 %."""
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
                     "timeliness_pct": rate(len(on_time))})
    return rows


def _bangkok_date(iso: str) -> date:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(BANGKOK).date()


def plan_periods(plan: dict) -> list[str]:
    """Every period an indicator of the plan is reported for, across the plan's years."""
    kinds = {i["frequency"] for _, i in iter_indicators(plan)} | {"yearly"}
    periods = []
    for fy in range(plan["start_fy"], plan["end_fy"] + 1):
        periods.append(f"FY{fy}")
        if "quarterly" in kinds:
            periods += [f"FY{fy}-Q{q}" for q in range(1, 5)]
        if "monthly" in kinds:
            periods += [m for q in range(1, 5) for m in quarter_months(fy, q)]
    return periods


def reminders(plan: dict, today: date, first_received_by_period: dict, due_days: int,
              soon_days: int = 7) -> list[tuple[str, dict]]:
    """Report due soon / overdue facts for the provinces still missing reports of the period
    that ended last, one per (kind, plan, period, province) ever (the event id says so)."""
    facts = []
    kinds = sorted({i["frequency"] for _, i in iter_indicators(plan)})
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
        rows = completeness(plan, period, first_received_by_period.get(period, {}), due_days, today)
        for row in rows:
            if not row["missing"]:
                continue
            facts.append(events.outgoing(fact, {
                "event_id": str(uuid.uuid5(EVENT_NAMESPACE,
                                           f"{fact[1]}:{plan['id']}:{period}:{row['province']}")),
                "occurred_at": datetime.now(timezone.utc).isoformat(),
                "plan_id": plan["id"], "cluster": plan["cluster"], "province": row["province"],
                "period": period, "due_date": row["due_date"], "missing": row["missing"],
                "expected": row["expected"], "received": row["received"]}))
    return facts

"""How certain each figure of a view is (step 15, docs/approvals.md section 4). Pure, like
domain.py: the views are given the approvals view (``{(period, province): state}``, from
approval_cases.states) at read, so a rebuild or a replay shows the same with nothing new stored.

A province's figure for a period is as certain as the approval of that period, or of a period
holding it (a quarter's value in an approved year): ``provisional`` (open), ``submitted``,
``approved`` or ``accepted`` (contracts/approvals.py CERTAINTY). A cluster value is ``full``ly
approved when every expected province is approved or accepted, ``partial`` when some are, else
``none`` (contracts/approvals.py summary).
"""
from __future__ import annotations

from datetime import date, datetime

from services.contracts import approvals as rule

from .domain import BANGKOK

Found = dict[tuple[str, str], str]  # {(approved period, province): state}; absent: open


def _higher(a: str, b: str) -> str:
    return a if rule.STATES.index(a) >= rule.STATES.index(b) else b


def state_of(found: Found, period: str, province: str) -> str:
    """The state of the approval of ``period`` for ``province``, or of a period holding it,
    whichever is further on (an approved year locks its quarters: its figures are approved)."""
    best = rule.OPEN
    for (approved, p), state in found.items():
        if p == province and rule.contains(approved, period):
            best = _higher(state, best)
    return best


def state_on_day(found: Found, day: str, province: str) -> str:
    """The state for a project report ``as_of`` ``day`` (ISO): of the approved periods holding
    that day, the one further on (the lock's rule, approval_cases.lock_of)."""
    best = rule.OPEN
    for (approved, p), state in found.items():
        if p == province and rule.holds_day(approved, date.fromisoformat(day[:10])):
            best = _higher(state, best)
    return best


def value_state(found: Found, period: str, province: str, result: dict) -> str:
    """The state of a province's value in ``result``: a fiscal year rolled up from quarters or
    months is as certain as the least certain period it is made of, unless the year is
    approved itself."""
    own = state_of(found, period, province)
    made_of = ((result.get("rolled_up_from") or {}).get("periods") or {}).get(province)
    if not made_of:
        return own
    least = min((state_of(found, p, province) for p in made_of), key=rule.STATES.index)
    return _higher(own, least)


def with_certainty(result: dict, found: Found, period: str, expected: list[str]) -> dict:
    """An indicator result (of indicator-results or one period of a series) with ``certainty``
    ({province: word} for the provinces with a value), ``approval`` (the cluster value's, over
    the ``expected`` provinces) and each ``by_province`` row's ``certainty``."""
    provinces = list(dict.fromkeys([*expected, *result["provinces"], *result.get("by_province", {})]))
    states = {p: value_state(found, period, p, result) for p in provinces}
    out = {**result,
           "certainty": {p: rule.CERTAINTY[states[p]] for p in result["provinces"]},
           "approval": rule.summary(states, expected)}
    if "by_province" in result:
        out["by_province"] = {p: {**row, "certainty": rule.CERTAINTY[states[p]]}
                              for p, row in result["by_province"].items()}
    return out


def _approved_day(steps: list[dict], period: str, province: str) -> date | None:
    """The day (Bangkok) the approval of ``period`` for ``province`` was last approved."""
    approve = [s for s in steps if (s["period"], s["province"], s["step"]) ==
               (period, province, rule.APPROVE)]
    if not approve:
        return None
    at = max(approve, key=lambda s: s["version"])["at"]
    return datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(BANGKOK).date()


def with_approvals(completeness: dict, found: Found, steps: list[dict]) -> dict:
    """A completeness answer with each province's ``approval`` (its state for the period) and
    ``approved_on_time`` (approved, by a period holding it or itself, on or before the due
    date; still approved or accepted now), and for the period how many are ``approved`` and
    ``approved_on_time``."""
    period = completeness["period"]
    rows = []
    for row in completeness["provinces"]:
        province, due = row["province"], date.fromisoformat(row["due_date"])
        state = state_of(found, period, province)
        days = [_approved_day(steps, held, province) for (held, p), s in found.items()
                if p == province and s in rule.LOCKED and rule.contains(held, period)]
        on_time = any(day is not None and day <= due for day in days)
        rows.append({**row, "approval": state, "certainty": rule.CERTAINTY[state],
                     "approved_on_time": on_time})
    return {**completeness, "provinces": rows,
            "approved": sum(r["approval"] in rule.LOCKED for r in rows),
            "approved_on_time": sum(r["approved_on_time"] for r in rows)}


def with_project_certainty(rows: list[dict], found: Found) -> list[dict]:
    """Project progress rows with each province's ``certainty`` (of the period its report's
    ``as_of`` lies in) and the project's ``approval`` over the provinces that reported (its
    totals are theirs)."""
    out = []
    for row in rows:
        states = {p: state_on_day(found, figures["as_of"], p)
                  for p, figures in row["provinces"].items()}
        out.append({**row, "provinces": {p: {**figures, "certainty": rule.CERTAINTY[states[p]]}
                                         for p, figures in row["provinces"].items()},
                    "approval": rule.summary(states, list(states))})
    return out


"""Each province's own target and baseline beside the cluster's, in the views (pure, no I/O).

Read from the plan (contracts/targets.py does the lookups) and the views already kept, at query
time: nothing new is stored, so a revised plan shows at once and no replay is needed.
"""
from __future__ import annotations

from services.contracts.targets import (progress_from_baseline_pct, province_baseline,
                                        province_fiscal_year_target, province_target)

from .domain import achievement_pct, fiscal_year_rollup, status_of

__all__ = ["progress_from_baseline_pct", "province_row", "with_targets", "five_year_path",
           "province_plan", "expected"]


def expected(plan: dict, indicator: dict) -> list[str]:
    """The provinces that report the indicator, in the plan's order."""
    return list(indicator.get("provinces") or plan["provinces"])


def province_row(indicator: dict, province: str, period: str, value: float | None) -> dict:
    """One province's figures for an indicator and period (value None: not reported)."""
    direction = indicator["direction"]
    target = province_target(indicator, province, period)
    baseline = province_baseline(indicator, province)
    return {"value": value, "target": target,
            "fiscal_year_target": province_fiscal_year_target(indicator, province, period),
            "status": status_of(value, target, direction),
            "achievement_pct": achievement_pct(value, target, direction),
            "baseline": baseline,
            "progress_from_baseline_pct": progress_from_baseline_pct(
                value, baseline and baseline["value"], target)}


def with_targets(plan: dict, indicator: dict, period: str, result: dict) -> dict:
    """A cluster result (``domain.indicator_result``) with its baseline, the progress from it
    toward the target its status is judged against, and ``by_province``: every expected
    province's figures (one that reported although a revision dropped it is kept too)."""
    baseline = indicator.get("baseline")
    values = result["provinces"]
    provinces = expected(plan, indicator)
    provinces += [p for p in values if p not in provinces]
    return {**result, "baseline": baseline,
            "progress_from_baseline_pct": progress_from_baseline_pct(
                result["value"], baseline and baseline["value"], result["target"]),
            "by_province": {p: province_row(indicator, p, period, values.get(p))
                            for p in provinces}}


def five_year_path(plan: dict, indicator: dict, views_by_period: dict[str, dict]) -> list[dict]:
    """Each fiscal year of the plan: the cluster's target (None where the plan sets none) and
    its value for the whole year - a yearly indicator's own, else rolled up from its periods
    as indicator-results does for a fiscal year - with status and progress from the baseline."""
    targets = indicator.get("targets") or {}
    baseline = (indicator.get("baseline") or {}).get("value")
    path = []
    for year in range(plan["start_fy"], plan["end_fy"] + 1):
        if indicator["frequency"] == "yearly":
            view = views_by_period.get(f"FY{year}")
        else:
            view = fiscal_year_rollup(plan, indicator, year, views_by_period)
        value, target = (view or {}).get("value"), targets.get(f"FY{year}")
        path.append({"period": f"FY{year}", "fiscal_year": year, "target": target,
                     "value": value, "status": status_of(value, target, indicator["direction"]),
                     "achievement_pct": achievement_pct(value, target, indicator["direction"]),
                     "progress_from_baseline_pct": progress_from_baseline_pct(value, baseline,
                                                                              target)})
    return path


def province_plan(plan: dict, indicator: dict) -> dict:
    """Per expected province: its baseline and its own target for each fiscal year of the plan."""
    years = range(plan["start_fy"], plan["end_fy"] + 1)
    own = indicator.get("province_targets") or {}
    return {p: {"baseline": province_baseline(indicator, p),
                "targets": {f"FY{y}": (own.get(p) or {}).get(f"FY{y}") for y in years}}
            for p in expected(plan, indicator)}

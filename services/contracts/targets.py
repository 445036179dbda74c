"""A plan's own targets and baselines per province, looked up the one way everywhere (reporting's
views, the province workbook, the mails): ``province_targets`` is ``{province: {FY2567: x}}``,
``province_baselines`` is ``{province: {value, fiscal_year}}``; both optional.

Progress from the baseline is the share of the way from the baseline to the target travelled so
far, ``(value - baseline) / (target - baseline) * 100``. The one formula serves an indicator to
increase and one to decrease: for a decrease the target lies below the baseline, so a fall in
the value counts as progress. A value that moved the wrong way gives a negative share, one
beyond its target more than 100.
"""
from __future__ import annotations

from .periods import PeriodError, parse_period


def progress_from_baseline_pct(value: float | None, baseline: float | None,
                               target: float | None) -> float | None:
    """How far from the baseline toward the target, in %; None when any is missing or the
    target is the baseline itself (there is no way to travel)."""
    if value is None or baseline is None or target is None or target == baseline:
        return None
    return round((value - baseline) / (target - baseline) * 100, 2)


def fiscal_year_of(period: str) -> int | None:
    try:
        return parse_period(period).fiscal_year
    except PeriodError:
        return None


def province_fiscal_year_target(indicator: dict, province: str, period: str) -> float | None:
    """The province's own target for the fiscal year the period falls in, else None."""
    year = fiscal_year_of(period)
    targets = (indicator.get("province_targets") or {}).get(province) or {}
    return targets.get(f"FY{year}") if year is not None else None


def province_target(indicator: dict, province: str, period: str) -> float | None:
    """The target a province's value for the period is judged against, else None.

    A province's targets are yearly, so - as for the cluster (reporting's ``judged_at``) - a
    quarter or a month is not judged against a whole year's target: only a fiscal year is (the
    year's target stays visible beside it, ``province_fiscal_year_target``)."""
    if fiscal_year_of(period) is None or parse_period(period).kind != "yearly":
        return None
    return province_fiscal_year_target(indicator, province, period)


def province_baseline(indicator: dict, province: str) -> dict | None:
    """``{value, fiscal_year}`` of the province's own baseline, else None."""
    return (indicator.get("province_baselines") or {}).get(province)

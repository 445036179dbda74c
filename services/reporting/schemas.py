"""The edges of reporting: what its settings RPCs take from the gateway, checked before anything is
stored - the government's disbursement targets of a fiscal year and the days after a period's end
a report is due. Each names every problem it finds. (The province reports themselves are checked
by the shared intake schemas, ``contracts/reports.py``, which the gateway's upload path uses too.)"""
from __future__ import annotations

import re

from services.contracts.errors import QueryError  # raised to RPC callers

QUARTERS = ("Q1", "Q2", "Q3", "Q4")
MAX_DUE_DAYS = 180


def disbursement_targets(fiscal_year, targets) -> dict:
    """``{"Q1".."Q4": cumulative % of budget}`` for ``FY<B.E. year>``, each 0-100, never falling."""
    if not isinstance(fiscal_year, str) or not re.fullmatch(r"FY\d{4}", fiscal_year, re.ASCII):
        raise QueryError(f"fiscal year {fiscal_year!r} must look like FY2567")
    if not isinstance(targets, dict):
        raise QueryError(f"disbursement targets for {fiscal_year} must be an object "
                         '{"Q1": %, "Q2": %, "Q3": %, "Q4": %}')
    problems = []
    clean = {}
    for quarter in QUARTERS:
        value = targets.get(quarter)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
            problems.append(f"{quarter} must be a percentage from 0 to 100")
        else:
            clean[quarter] = float(value)
    extra = sorted(map(str, set(targets) - set(QUARTERS)))
    if extra:
        problems.append(f"unknown keys {', '.join(extra)}; use Q1-Q4")
    if not problems and list(clean.values()) != sorted(clean.values()):
        problems.append("targets are cumulative: each quarter's must not be below the one before")
    if problems:
        raise QueryError(f"disbursement targets for {fiscal_year}: " + "; ".join(problems))
    return clean


def due_days(days) -> int:
    """Whole days after a period's end until its report is due."""
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_DUE_DAYS:
        raise QueryError(f"due_days must be a whole number of days from 0 to {MAX_DUE_DAYS}")
    return days

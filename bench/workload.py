"""What the benchmark sends: report bodies as provinces send them, and one plan per cluster.

Every report is far above its target (direction ``increase``) or at zero (``decrease``), so no
off-target fact and no mail follows: the figures are the intake's and the views', not notify's.
"""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from clusterctl.reference import load_sample_plan
from services.contracts.periods import parse_period, quarter_months
from tests.support.plans import cluster_plan, clusters

SAMPLE_PLAN_ID = "northeast-lower-2-2566-2570"
BANGKOK = ZoneInfo("Asia/Bangkok")
LOAD_FY = 2568
LOAD_QUARTERS = tuple(f"FY{LOAD_FY}-Q{q}" for q in range(1, 5))
# Quarterly "sum" indicators every province of the sample plan reports (as tests/reliability).
LOAD_INDICATORS = ("NE2-1.1", "NE2-2.1")


class ReportClock:
    """``reported_at`` values that only grow within a run, a microsecond apart: of the reports
    sent for one key, the last sent is the one in force (DESIGN 3.3 precedence). A microsecond,
    so that a run's million reports stay within a second of the real clock: the intake rejects
    a report dated more than REPORT_MAX_AHEAD_MINUTES ahead of it."""

    def __init__(self, start: datetime | None = None):
        self.at = (start or datetime.now(timezone.utc)).astimezone(timezone(timedelta(hours=7)))

    def next(self) -> str:
        self.at += timedelta(microseconds=1)
        return self.at.isoformat(timespec="microseconds")


def plan_periods(plan: dict, frequency: str, today: date | None = None) -> list[str]:
    """The periods of ``frequency`` in the plan's fiscal years that have begun by ``today``
    (Bangkok; the intake rejects a report for a period that has not)."""
    today = today or datetime.now(BANGKOK).date()
    periods = []
    for fy in range(plan["start_fy"], plan["end_fy"] + 1):
        if frequency == "yearly":
            periods.append(f"FY{fy}")
        elif frequency == "quarterly":
            periods += [f"FY{fy}-Q{q}" for q in range(1, 5)]
        else:
            periods += [m for q in range(1, 5) for m in quarter_months(fy, q)]
    return [p for p in periods if parse_period(p).start <= today]


def other_cluster_plans() -> list[dict]:
    sample = load_sample_plan()
    return [cluster_plan(sample, code, provinces) for code, provinces in clusters().items()
            if code != sample["cluster"]]


def load_keys(plan: dict) -> list[tuple[str, str]]:
    """(indicator, period) the load reports cycle over: the plan's counterparts of the sample
    plan's two quarterly sum indicators, in the quarters of FY2568."""
    cluster_code = "NE2" if plan["id"] == SAMPLE_PLAN_ID else plan["cluster"]
    return [(code.replace("NE2", cluster_code), q) for code in LOAD_INDICATORS for q in LOAD_QUARTERS]


def indicator_report(province: str, indicator: str, period: str, value, clock: ReportClock) -> dict:
    return {"event_id": str(uuid.uuid4()), "province": province, "indicator": indicator,
            "period": period, "value": value, "reported_at": clock.next()}


def load_reports(province: str, keys: list[tuple[str, str]], count: int, clock: ReportClock,
                 value_base: float = 1_000_000) -> list[dict]:
    """``count`` reports of ``province`` cycling over ``keys``, each later than the last."""
    return [indicator_report(province, *keys[n % len(keys)], value_base + n, clock)
            for n in range(count)]


def messages(reports: list[dict]) -> list[list]:
    """[routing key, JSON body, message id] as a province publishes each report."""
    return [[f"report.{r['province']}.indicator", json.dumps(r, ensure_ascii=False), r["event_id"]]
            for r in reports]


def expected_latest(reports: list[dict]) -> dict[tuple[str, str, str], float]:
    """(indicator, period, province) -> the value of the report sent last for it (the one in
    force: each report of a run is later than the one before)."""
    return {(r["indicator"], r["period"], r["province"]): r["value"] for r in reports}

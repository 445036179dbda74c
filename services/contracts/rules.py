"""Validation rules kept as data in the plan: what a value may be, checked the same way by the
intake, the province workbook and the dashboard's upload check (pure, no I/O).

An indicator may carry ``validation: {"min": .., "max": .., "outlier_z": ..}``, a project
``validation: {"disbursement_tolerance_pct": .., "report_after_end_days": ..}``, and the plan
itself ``validation: {"report_expiry_days": ..}`` (its reporting window, DHIS2's expiry days:
reporting/window.py; left out or null, no window). A key left out takes the default below;
a key set to null switches that rule off (no lower bound, say, for a growth rate that can
fall). Defaults by unit: a percentage lies within 0-100, anything else
(counts, money, areas, days) is not negative.

Hard rules reject the report (the rejection names the rule, the value and the limit). The soft
rule - an outlier - accepts the value and flags it for the OSM to check (``outlier``).
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from statistics import median

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

PERCENT_UNIT = re.compile(r"%|ร้อยละ|percent", re.IGNORECASE)
DEFAULT_OUTLIER_Z = 3.5            # Iglewicz and Hoaglin's cut-off for the modified z-score
DEFAULT_DISBURSEMENT_TOLERANCE_PCT = 0.0
DEFAULT_REPORT_AFTER_END_DAYS = 365  # a late project still reports its last steps
MIN_HISTORY = 3                      # previous periods of the province's own, to compare with
MIN_PEERS = 3                        # other provinces of the same period, when it has fewer
INDICATOR_RULES = ("min", "max", "outlier_z")
PROJECT_RULES = ("disbursement_tolerance_pct", "report_after_end_days")
PLAN_RULES = ("report_expiry_days",)
MAX_EXPIRY_DAYS = 3650
RULE_LABEL_TH = {"min": "ค่าต่ำสุด", "max": "ค่าสูงสุด", "outlier_z": "เกณฑ์ค่าผิดปกติ (modified z)",
                 "disbursement_tolerance_pct": "เบิกจ่ายเกินงบได้ไม่เกิน (%)",
                 "report_after_end_days": "รายงานหลังวันสิ้นสุดโครงการได้ (วัน)"}


class _Rules(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


class IndicatorRulesSchema(_Rules):
    min = fields.Float(allow_none=True, allow_nan=False,
                       metadata={"description": "lowest accepted value; null: none"})
    max = fields.Float(allow_none=True, allow_nan=False,
                       metadata={"description": "highest accepted value; null: none"})
    outlier_z = fields.Float(allow_none=True, allow_nan=False,
                             validate=validate.Range(min=1, max=100),
                             metadata={"description": "modified z-score above which a value is "
                                                      "flagged to check; null: never flagged"})

    @validates_schema
    def _bounds(self, data, **_):
        low, high = data.get("min"), data.get("max")
        if low is not None and high is not None and low > high:
            raise ValidationError(f"min {low:g} is above max {high:g}", "min")


class ProjectRulesSchema(_Rules):
    disbursement_tolerance_pct = fields.Float(
        allow_none=True, allow_nan=False, validate=validate.Range(min=0, max=100),
        metadata={"description": "how far (% of the budget) cumulative disbursement may exceed "
                                 "the budget; null: no limit"})
    report_after_end_days = fields.Integer(
        allow_none=True, validate=validate.Range(min=0, max=3650),
        metadata={"description": "days after end_date that as_of may fall on; null: no limit"})


class PlanRulesSchema(_Rules):
    report_expiry_days = fields.Integer(
        allow_none=True, validate=validate.Range(min=0, max=MAX_EXPIRY_DAYS),
        metadata={"description": "the reporting window: a period accepts reports until its due "
                                 "date plus this many days, then only with an extension the "
                                 "cluster's OSM grants (DHIS2's expiry days); null or left "
                                 "out: no window"})


def report_expiry_days(plan: dict) -> int | None:
    """The plan's reporting window in days after the due date; None: the plan sets none."""
    return (plan.get("validation") or {}).get("report_expiry_days")


def _number(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def indicator_bounds(indicator: dict) -> tuple[float | None, float | None]:
    """(min, max) in force: the indicator's own, else the default for its unit."""
    rules = indicator.get("validation") or {}
    percent = bool(PERCENT_UNIT.search(indicator.get("unit") or ""))
    low = rules["min"] if "min" in rules else 0.0
    high = rules["max"] if "max" in rules else (100.0 if percent else None)
    return low, high


def outlier_z(indicator: dict) -> float | None:
    rules = indicator.get("validation") or {}
    return rules["outlier_z"] if "outlier_z" in rules else DEFAULT_OUTLIER_Z


def project_rules(project: dict) -> dict:
    rules = project.get("validation") or {}
    return {"disbursement_tolerance_pct": rules.get("disbursement_tolerance_pct",
                                                    DEFAULT_DISBURSEMENT_TOLERANCE_PCT),
            "report_after_end_days": rules.get("report_after_end_days",
                                               DEFAULT_REPORT_AFTER_END_DAYS)}


def _origin(indicator: dict, rule: str) -> tuple[str, str]:
    if rule in (indicator.get("validation") or {}):
        return "the plan's rule for this indicator", "ตามเกณฑ์ของตัวชี้วัดในแผน"
    if rule == "max":
        return "the default for a percentage", "ค่าปริยายของหน่วยร้อยละ"
    return "the default: a count or an amount is not negative", "ค่าปริยาย: จำนวนหรือมูลค่าต้องไม่ติดลบ"


def indicator_problem(indicator: dict, value: float | None) -> tuple[str, str] | None:
    """(English, Thai) reason ``value`` breaks the indicator's hard rules, or None."""
    if value is None:  # a retraction
        return None
    low, high = indicator_bounds(indicator)
    name = f"{indicator['code']} ({indicator.get('unit') or '-'})"
    for rule, limit, broken, en_word, th_word in (
            ("min", low, low is not None and value < low, "below its minimum", "ต่ำกว่าค่าต่ำสุด"),
            ("max", high, high is not None and value > high, "above its maximum", "สูงกว่าค่าสูงสุด")):
        if broken:
            origin_en, origin_th = _origin(indicator, rule)
            return (f"value {_number(value)} for {name} is {en_word} {_number(limit)} "
                    f"(rule {rule}: {origin_en})",
                    f"ค่า {_number(value)} ของตัวชี้วัด {name} {th_word} {_number(limit)} "
                    f"({RULE_LABEL_TH[rule]} {origin_th})")
    return None


def project_problem(project: dict, report: dict) -> tuple[str, str] | None:
    """(English, Thai) reason a progress report breaks the project's hard rules, or None.
    ``report`` as its schema loaded it (``as_of`` a date). Physical progress within 0-100 and
    money not negative are the report schema's own checks."""
    rules = project_rules(project)
    budget, disbursed = project["budget_thb"], report["disbursed_thb"]
    tolerance = rules["disbursement_tolerance_pct"]
    if tolerance is not None and disbursed > budget * (1 + tolerance / 100) + 0.005:
        allowed = budget * (1 + tolerance / 100)
        return (f"disbursed_thb {_number(disbursed)} is above project {project['code']}'s budget "
                f"{_number(budget)} THB (+{_number(tolerance)}% tolerance: at most "
                f"{_number(allowed)}); disbursement is cumulative for the project in your province",
                f"ยอดเบิกจ่ายสะสม {_number(disbursed)} บาท เกินงบประมาณโครงการ {project['code']} "
                f"{_number(budget)} บาท (ยอมให้เกินได้ {_number(tolerance)}% คือไม่เกิน "
                f"{_number(allowed)} บาท)")
    as_of = report["as_of"]
    start = date.fromisoformat(project["start_date"]) if project.get("start_date") else None
    end = date.fromisoformat(project["end_date"]) if project.get("end_date") else None
    if start and as_of < start:
        return (f"as_of {as_of.isoformat()} is before project {project['code']} starts "
                f"({start.isoformat()})",
                f"วันที่ข้อมูล (as_of) {as_of.isoformat()} อยู่ก่อนวันเริ่มโครงการ {project['code']} "
                f"({start.isoformat()})")
    after = rules["report_after_end_days"]
    if end and after is not None and as_of > end + timedelta(days=after):
        return (f"as_of {as_of.isoformat()} is more than {after} days after project "
                f"{project['code']} ends ({end.isoformat()})",
                f"วันที่ข้อมูล (as_of) {as_of.isoformat()} เลยวันสิ้นสุดโครงการ {project['code']} "
                f"({end.isoformat()}) เกิน {after} วัน")
    return None


def outlier(value: float, history: list[float], peers: list[float],
            threshold: float | None) -> dict | None:
    """Whether a value is far from what it is compared with - and then how far, and why.

    The modified z-score (Iglewicz and Hoaglin): |value - median| / (1.4826 x MAD), against the
    province's own values of earlier periods when it has at least ``MIN_HISTORY`` of them (a
    province is most like itself), else against the other provinces of the same period when
    there are at least ``MIN_PEERS``. The scale is at least a tenth of the median's size, so a
    series that barely moves does not flag every small change. None: not an outlier, or too
    little to compare with."""
    if threshold is None:
        return None
    if len(history) >= MIN_HISTORY:
        basis, reference = "own_history", history
    elif len(peers) >= MIN_PEERS:
        basis, reference = "other_provinces", peers
    else:
        return None
    middle = median(reference)
    mad = median(abs(v - middle) for v in reference)
    scale = max(1.4826 * mad, 0.1 * abs(middle))
    if scale == 0:
        score = 0.0 if value == middle else float("inf")
    else:
        score = abs(value - middle) / scale
    if score <= threshold:
        return None
    return {"basis": basis, "median": middle, "reference": list(reference),
            "score": None if score == float("inf") else round(score, 2), "threshold": threshold}


def describe_indicator_rules(indicator: dict) -> tuple[str, str]:
    """The accepted range as a person reads it: (English, Thai), e.g. ("0 to 100", "0 ถึง 100")."""
    low, high = indicator_bounds(indicator)
    if low is not None and high is not None:
        return f"{_number(low)} to {_number(high)}", f"{_number(low)} ถึง {_number(high)}"
    if low is not None:
        return f"at least {_number(low)}", f"ไม่น้อยกว่า {_number(low)}"
    if high is not None:
        return f"at most {_number(high)}", f"ไม่เกิน {_number(high)}"
    return "any number", "ตัวเลขใดก็ได้"

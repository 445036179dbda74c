"""The plan's validation rules (services/contracts/rules.py): defaults by unit, the plan's own
rules, and the outlier method."""
from datetime import date

import pytest
from marshmallow import ValidationError

from services.contracts import rules
from services.contracts.plans import IndicatorSchema

PERCENT = {"code": "NE2-3.1", "unit": "ร้อยละ (%)"}
COUNT = {"code": "NE2-2.1", "unit": "ราย (businesses)"}
PROJECT = {"code": "NE2-67-001", "budget_thb": 1_000_000.0, "start_date": "2023-11-01",
           "end_date": "2024-09-30"}


def progress(**changes):
    return {"disbursed_thb": 500_000.0, "as_of": date(2024, 3, 31), **changes}


@pytest.mark.parametrize("indicator, value, words", [
    (PERCENT, 250, ("250", "above its maximum 100", "default for a percentage")),
    (PERCENT, -1, ("below its minimum 0",)),
    (COUNT, -3, ("-3", "below its minimum 0", "not negative")),
])
def test_impossible_values_are_refused_by_the_default_for_their_unit(indicator, value, words):
    en, th = rules.indicator_problem(indicator, value)
    assert all(w in en for w in words), en
    assert str(value) in th and ("สูงกว่า" in th or "ต่ำกว่า" in th)


@pytest.mark.parametrize("indicator, value", [(PERCENT, 0), (PERCENT, 100), (PERCENT, 57.5),
                                              (COUNT, 0), (COUNT, 10**9), (COUNT, None)])
def test_possible_values_and_retractions_pass(indicator, value):
    assert rules.indicator_problem(indicator, value) is None


def test_the_plans_own_rule_replaces_the_default_and_null_switches_a_bound_off():
    growth = {**PERCENT, "validation": {"min": None, "max": 500}}
    assert rules.indicator_problem(growth, -12.5) is None
    assert rules.indicator_problem(growth, 300) is None
    en, _ = rules.indicator_problem(growth, 501)
    assert "above its maximum 500" in en and "the plan's rule" in en
    assert rules.describe_indicator_rules(growth) == ("at most 500", "ไม่เกิน 500")
    assert rules.describe_indicator_rules(PERCENT) == ("0 to 100", "0 ถึง 100")


def test_a_plan_cannot_give_a_minimum_above_its_maximum():
    with pytest.raises(ValidationError, match="min 5 is above max 1"):
        rules.IndicatorRulesSchema().load({"min": 5, "max": 1})
    with pytest.raises(ValidationError):
        rules.IndicatorRulesSchema().load({"maximum": 5})


def test_an_indicator_keeps_its_rules_in_the_plan():
    base = {"code": "X", "name_th": "ก", "name_en": "x", "unit": "%", "direction": "increase",
            "aggregation": "mean", "frequency": "yearly"}
    assert IndicatorSchema().load(base)["validation"] is None
    assert IndicatorSchema().load({**base, "validation": {"max": 120}})["validation"] == {"max": 120}


def test_disbursement_above_the_budget_is_refused_unless_within_the_stated_tolerance():
    en, th = rules.project_problem(PROJECT, progress(disbursed_thb=1_200_000.0))
    assert "above project NE2-67-001's budget 1,000,000" in en and "เกินงบประมาณ" in th
    assert rules.project_problem(PROJECT, progress(disbursed_thb=1_000_000.0)) is None
    tolerant = {**PROJECT, "validation": {"disbursement_tolerance_pct": 25}}
    assert rules.project_problem(tolerant, progress(disbursed_thb=1_200_000.0)) is None


def test_as_of_must_fall_within_the_projects_dates():
    en, _ = rules.project_problem(PROJECT, progress(as_of=date(2023, 10, 1)))
    assert "before project NE2-67-001 starts (2023-11-01)" in en
    assert rules.project_problem(PROJECT, progress(as_of=date(2025, 3, 1))) is None  # a late one
    en, _ = rules.project_problem(PROJECT, progress(as_of=date(2025, 10, 1)))
    assert "more than 365 days after" in en


def test_an_outlier_is_judged_against_the_provinces_own_history_first():
    flagged = rules.outlier(500, [40, 42, 45, 41], [1, 2, 3], 3.5)
    assert flagged["basis"] == "own_history" and flagged["median"] == 41.5
    assert flagged["score"] > 3.5
    assert rules.outlier(47, [40, 42, 45, 41], [], 3.5) is None


def test_without_history_an_outlier_is_judged_against_the_other_provinces():
    flagged = rules.outlier(900, [50], [48, 52, 50], 3.5)
    assert flagged["basis"] == "other_provinces"
    assert rules.outlier(55, [50], [48, 52, 50], 3.5) is None


def test_too_little_to_compare_with_or_the_rule_off_flags_nothing():
    assert rules.outlier(10**6, [1, 2], [3, 4], 3.5) is None
    assert rules.outlier(10**6, [1, 2, 3], [], None) is None
    assert rules.outlier_z({"validation": {"outlier_z": None}}) is None
    assert rules.outlier_z({}) == rules.DEFAULT_OUTLIER_Z

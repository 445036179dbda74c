"""The plan rules of step 2: every problem named with where it is and what would be right."""
import copy

import pytest

from clusterctl.reference import load_sample_plan
from clusterctl.settings import REPO_ROOT
from services.plans.domain import PlanError, parse_reference_csv, prepare_plan
from services.reporting.domain import aggregate, indicator_view, target_for


@pytest.fixture(scope="module")
def reference():
    text = (REPO_ROOT / "clusterctl" / "data" / "reference" / "provincial-clusters.csv").read_text("utf-8")
    return parse_reference_csv(text, "reference", "2017-11-17")


@pytest.fixture
def plan_doc():
    return copy.deepcopy(load_sample_plan())


def indicator(doc, code):
    return next(i for issue in doc["issues"] for i in issue["indicators"] if i["code"] == code)


def project(doc, code):
    return next(p for p in doc["projects"] if p["code"] == code)


def problems(doc, reference):
    with pytest.raises(PlanError) as error:
        prepare_plan(doc, reference)
    return error.value.problems


def test_a_percentage_is_not_summed(reference, plan_doc):
    indicator(plan_doc, "NE2-3.1")["aggregation"] = "sum"
    [(where, what)] = problems(plan_doc, reference)
    assert where == "indicator NE2-3.1, aggregation" and "percentages are not summed" in what


def test_a_weight_must_be_defined_and_goes_with_mean(reference, plan_doc):
    indicator(plan_doc, "NE2-1.3")["weight"] = "population"
    indicator(plan_doc, "NE2-1.1")["weight"] = "households"  # a sum takes no weight
    found = dict(problems(plan_doc, reference))
    assert "'population' is not defined" in found["indicator NE2-1.3, weight"]
    assert "needs aggregation mean, not sum" in found["indicator NE2-1.1, weight"]


def test_a_weight_covers_every_province_and_only_the_clusters(reference, plan_doc):
    del plan_doc["weights"]["households"]["TH-37"]
    plan_doc["weights"]["households"]["TH-10"] = 5.0
    found = problems(plan_doc, reference)
    assert ("weight households", "no value for TH-37") in found
    assert ("weight households", "TH-10 is not a province of cluster northeast-lower-2") in found


def test_budget_categories_and_planned_disbursement_agree_with_the_budget(reference, plan_doc):
    p = project(plan_doc, "NE2-67-003")
    p["budget_by_category"]["operating"] += 1000
    p["planned_disbursement"]["Q4"] += 5_000_000
    found = dict(problems(plan_doc, reference))
    assert "add up to 32,001,000.00 THB but budget_thb is 32,000,000.00" in \
        found["project NE2-67-003, budget_by_category"]
    assert "more than the budget" in found["project NE2-67-003, planned_disbursement"]


@pytest.mark.parametrize("field, value, message", [
    ("budget_thb", -1, "must not be negative"),
    ("start_date", "31/03/2567", "YYYY-MM-DD"),
    ("sdgs", [18], "between 1 and 17"),
])
def test_project_fields_are_checked(reference, plan_doc, field, value, message):
    project(plan_doc, "NE2-67-001")[field] = value
    [(where, what)] = problems(plan_doc, reference)
    assert message.lower() in what.lower() and field in what


def test_a_project_cannot_end_before_it_starts(reference, plan_doc):
    p = project(plan_doc, "NE2-67-001")
    p["end_date"] = "2023-01-01"
    assert dict(problems(plan_doc, reference))["project NE2-67-001, end_date"].startswith("ends (2023-01-01)")


def test_targets_for_quarters_and_provinces_stay_inside_the_plan(reference, plan_doc):
    ind = indicator(plan_doc, "NE2-1.1")
    ind["quarterly_targets"] = {"FY2567-Q2": 160000, "FY2571-Q1": 1}
    ind["province_targets"] = {"TH-34": {"FY2567": 90000}, "TH-10": {"FY2567": 1}}
    found = problems(plan_doc, reference)
    assert ("indicator NE2-1.1, quarterly_targets",
            "FY2571-Q1 is outside the plan's years FY2566-FY2570") in found
    assert ("indicator NE2-1.1, province_targets", "TH-10 is not in the plan") in found
    assert len(found) == 2


def test_a_yearly_indicator_has_no_quarterly_targets(reference, plan_doc):
    indicator(plan_doc, "NE2-5.2")["quarterly_targets"] = {"FY2567-Q1": 17.0}
    assert problems(plan_doc, reference) == [
        ("indicator NE2-5.2, quarterly_targets", "a yearly indicator has no quarterly targets")]


def test_a_weighted_mean_weighs_only_the_provinces_that_reported():
    weights = {"TH-34": 3.0, "TH-33": 1.0, "TH-35": 100.0}
    assert aggregate({"TH-34": 10.0, "TH-33": 20.0}, "mean", weights) == 12.5
    assert aggregate({"TH-34": 10.0, "TH-33": 20.0}, "mean") == 15.0
    assert aggregate({}, "mean", weights) is None


def test_the_sample_plan_aggregates_forest_cover_by_land_area(reference, plan_doc):
    plan = prepare_plan(plan_doc, reference)
    forest = indicator(plan, "NE2-5.2")
    view = indicator_view(plan, forest, {"TH-34": 20.0, "TH-37": 10.0})
    land = plan["weights"]["land_area"]
    expected = (20.0 * land["TH-34"] + 10.0 * land["TH-37"]) / (land["TH-34"] + land["TH-37"])
    assert view["value"] == pytest.approx(expected)


def test_a_quarter_is_judged_against_its_own_target_where_the_plan_sets_one(reference, plan_doc):
    from services.reporting.domain import indicator_result
    plan = prepare_plan(plan_doc, reference)
    ind = indicator(plan, "NE2-1.1")
    ind["quarterly_targets"] = {"FY2567-Q2": 160000}
    result = indicator_result(plan, ind, "FY2567-Q2", None)
    assert (result["target"], result["target_basis"], result["fiscal_year_target"]) == \
        (160000, "quarter", 180000.0)
    other = indicator_result(plan, ind, "FY2567-Q3", None)
    assert (other["target"], other["target_basis"]) == (180000.0, "fiscal_year")
    assert target_for(ind, "FY2567-Q3") == ind["targets"]["FY2567"]
    assert indicator_result(plan, indicator(plan, "NE2-5.2"), "FY2567", None)["weight"] == "land_area"


def test_a_province_outside_an_indicators_list_is_refused(reference, plan_doc):
    import uuid
    from datetime import datetime, timezone

    from services.reporting.domain import Rejection, match_plan
    plan = prepare_plan(plan_doc, reference)
    report = {"event_id": str(uuid.uuid4()), "province": "TH-33", "indicator": "NE2-2.2",
              "period": "FY2567-Q2", "value": 1.0,
              "reported_at": datetime(2024, 4, 1, tzinfo=timezone.utc)}
    outcome = match_plan("indicator", report, [plan])
    assert isinstance(outcome, Rejection)
    assert outcome.reason == "indicator NE2-2.2 is reported only by TH-34, not TH-33"

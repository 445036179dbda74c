"""Project progress against budget, the project's own plan and the government's targets."""
import copy

import pytest

from services.reporting.domain import project_progress
from tests.support.plans import published_sample_plan

GOVERNMENT = {"FY2567": {"Q1": 30.0, "Q2": 52.0, "Q3": 77.0, "Q4": 100.0}}


@pytest.fixture(scope="module")
def plan():
    return published_sample_plan()


def report(province, as_of, pct, disbursed, stage="in_progress", project="NE2-67-002"):
    return {"project": project, "province": province, "as_of": as_of, "physical_progress_pct": pct,
            "disbursed_thb": disbursed, "procurement_stage": stage}


def row_of(plan, reports, code="NE2-67-002", government=GOVERNMENT):
    return next(r for r in project_progress(plan, reports, government) if r["project"] == code)


def test_money_is_summed_over_provinces_and_compared_with_plan_and_government(plan):
    # NE2-67-002: budget 18.5 M, planned Q1 1.5 M, Q2 6 M -> 7.5 M (40.54 %) by the end of Q2
    row = row_of(plan, [report("TH-34", "2024-03-31", 40.0, 4_000_000),
                        report("TH-37", "2024-03-15", 20.0, 1_000_000, stage="contract_signed")])
    assert (row["quarter"], row["as_of"]) == (2, "2024-03-31")
    assert row["disbursed_thb"] == 5_000_000 and row["disbursement_pct"] == 27.03
    assert row["planned_to_date_thb"] == 7_500_000 and row["planned_to_date_pct"] == 40.54
    assert row["government_target_pct"] == 52.0
    assert row["physical_progress_pct"] == 30.0
    assert row["procurement_stage"] == "contract_signed"  # the least advanced province
    assert row["behind_schedule"] is True
    assert row["behind_reasons"] == ["below_planned_disbursement", "below_government_target"]


def test_on_track_when_above_both(plan):
    row = row_of(plan, [report("TH-34", "2023-12-31", 50.0, 6_000_000)])
    assert row["quarter"] == 1 and row["government_target_pct"] == 30.0
    assert row["behind_schedule"] is False and row["behind_reasons"] == []


def test_without_government_targets_only_the_projects_own_plan_counts(plan):
    row = row_of(plan, [report("TH-34", "2024-06-30", 50.0, 100.0)], government={})
    assert row["government_target_pct"] is None
    assert row["behind_reasons"] == ["below_planned_disbursement"]


def test_a_project_nobody_reported_has_no_figures(plan):
    row = row_of(plan, [], code="NE2-67-001")
    assert row["disbursed_thb"] is None and row["behind_schedule"] is None
    assert row["provinces_reported"] == []


def test_a_report_after_the_fiscal_year_compares_with_the_whole_year(plan):
    row = row_of(plan, [report("TH-34", "2024-11-15", 100.0, 18_500_000, stage="completed")])
    assert row["quarter"] == 4 and row["planned_to_date_thb"] == 18_500_000
    assert row["behind_schedule"] is False


def test_a_cancelled_project_is_never_behind(plan):
    cancelled = copy.deepcopy(plan)
    next(p for p in cancelled["projects"] if p["code"] == "NE2-67-002")["status"] = "cancelled"
    row = row_of(cancelled, [report("TH-34", "2024-06-30", 5.0, 0.0)])
    assert row["behind_schedule"] is False and row["status"] == "cancelled"

"""Each province's own target and baseline: the plan field and its rules, the pure look-ups and
progress from the baseline (direction-aware), reporting's per-province figures and five-year
path, the plan workbook's baselines sheet, the province workbook, the exports and the mail."""
import copy
import io
from datetime import datetime, timedelta, timezone

import openpyxl
import pytest

from services.contracts.targets import (progress_from_baseline_pct, province_baseline,
                                        province_fiscal_year_target, province_target)
from services.notify.domain import Recipient
from services.notify.mails import render
from services.plans import workbook as wbk
from services.plans.domain import PlanError, prepare_plan
from services.plans.workbook import locate, plan_to_csv, plan_to_xlsx, csv_to_plan, xlsx_to_plan
from services.reporting import domain, targets
from services.infra.report_workbook import build_workbook
from tests.support.plans import published_sample_plan, sample_reference

BASELINES = next(sheet.title for sheet in wbk.SHEETS if sheet.key == "baselines")


@pytest.fixture(scope="module")
def reference():
    return sample_reference()


@pytest.fixture
def plan():
    plan = copy.deepcopy(published_sample_plan())
    gap = indicator(plan, "NE2-1.3")  # yearly, mean, increase; baseline 380 (FY2565)
    gap["province_targets"] = {"TH-34": {"FY2567": 420.0, "FY2568": 430.0},
                               "TH-33": {"FY2567": 390.0}}
    gap["province_baselines"] = {"TH-34": {"value": 400.0, "fiscal_year": 2565},
                                 "TH-33": {"value": 370.0, "fiscal_year": 2565}}
    debt = indicator(plan, "NE2-4.1")  # quarterly, decrease; baseline 8.5
    debt["province_targets"] = {"TH-35": {"FY2567": 6.0}}
    debt["province_baselines"] = {"TH-35": {"value": 9.0, "fiscal_year": 2565}}
    return plan


def indicator(plan, code):
    return next(i for issue in plan["issues"] for i in issue["indicators"] if i["code"] == code)


# --- progress from the baseline ---------------------------------------------------------------

@pytest.mark.parametrize("value, baseline, target, expected", [
    (410.0, 400.0, 420.0, 50.0),     # increase: half way
    (420.0, 400.0, 420.0, 100.0),
    (430.0, 400.0, 420.0, 150.0),    # beyond the target
    (390.0, 400.0, 420.0, -50.0),    # the wrong way
    (7.5, 9.0, 6.0, 50.0),           # decrease: a fall is progress
    (6.0, 9.0, 6.0, 100.0),
    (10.5, 9.0, 6.0, -50.0),         # a decrease indicator that rose went backwards
    (5.0, 9.0, 6.0, 133.33),
])
def test_progress_from_the_baseline_is_direction_aware(value, baseline, target, expected):
    assert progress_from_baseline_pct(value, baseline, target) == expected


@pytest.mark.parametrize("value, baseline, target", [
    (None, 1.0, 2.0), (1.0, None, 2.0), (1.0, 2.0, None), (1.0, 2.0, 2.0)])
def test_no_progress_without_all_three_or_when_the_target_is_the_baseline(value, baseline, target):
    assert progress_from_baseline_pct(value, baseline, target) is None


def test_a_provinces_target_is_judged_on_a_fiscal_year_only(plan):
    gap, debt = indicator(plan, "NE2-1.3"), indicator(plan, "NE2-4.1")
    assert province_target(gap, "TH-34", "FY2567") == 420.0
    assert province_target(gap, "TH-34", "FY2569") is None      # no target that year
    assert province_target(gap, "TH-35", "FY2567") is None      # none for that province
    assert province_target(debt, "TH-35", "FY2567-Q2") is None  # a quarter: not judged...
    assert province_fiscal_year_target(debt, "TH-35", "FY2567-Q2") == 6.0  # ...the year's shown
    assert province_fiscal_year_target(debt, "TH-35", "2024-01") == 6.0  # Jan 2024 is FY2567
    assert province_baseline(gap, "TH-33") == {"value": 370.0, "fiscal_year": 2565}
    assert province_baseline(gap, "TH-37") is None


# --- reporting's figures ----------------------------------------------------------------------

def result_for(plan, code, period, values):
    ind = indicator(plan, code)
    view = domain.indicator_view(plan, ind, values)
    return targets.with_targets(plan, ind, period, domain.indicator_result(plan, ind, period, view))


def test_every_expected_province_has_its_target_status_baseline_and_progress(plan):
    result = result_for(plan, "NE2-1.3", "FY2567", {"TH-34": 410.0, "TH-33": 395.0})
    assert list(result["by_province"]) == plan["provinces"]
    th34, th33 = result["by_province"]["TH-34"], result["by_province"]["TH-33"]
    assert th34 == {"value": 410.0, "target": 420.0, "fiscal_year_target": 420.0,
                    "status": "not_achieved", "achievement_pct": 97.62,
                    "baseline": {"value": 400.0, "fiscal_year": 2565},
                    "progress_from_baseline_pct": 50.0}
    assert (th33["status"], th33["achievement_pct"], th33["progress_from_baseline_pct"]) == (
        "achieved", 101.28, 125.0)
    assert result["by_province"]["TH-35"] == {
        "value": None, "target": None, "fiscal_year_target": None, "status": "no_data",
        "achievement_pct": None, "baseline": None, "progress_from_baseline_pct": None}
    # the cluster: its (weighted) mean against 400, from its baseline 380
    assert result["baseline"] == {"value": 380, "fiscal_year": 2565}
    assert result["progress_from_baseline_pct"] == round((result["value"] - 380) / 20 * 100, 2)
    # and every field it had before is as it was
    plain = domain.indicator_result(plan, indicator(plan, "NE2-1.3"), "FY2567", domain.indicator_view(
        plan, indicator(plan, "NE2-1.3"), {"TH-34": 410.0, "TH-33": 395.0}))
    assert {k: result[k] for k in plain} == plain


def test_a_decrease_indicators_province_figures(plan):
    year = result_for(plan, "NE2-4.1", "FY2567", {"TH-35": 7.5})["by_province"]["TH-35"]
    assert (year["status"], year["achievement_pct"], year["progress_from_baseline_pct"]) == (
        "not_achieved", 80.0, 50.0)
    quarter = result_for(plan, "NE2-4.1", "FY2567-Q2", {"TH-35": 5.0})["by_province"]["TH-35"]
    assert quarter["target"] is None and quarter["fiscal_year_target"] == 6.0
    assert quarter["status"] == "no_target" and quarter["progress_from_baseline_pct"] is None


def test_a_province_no_longer_expected_keeps_its_reported_figure(plan):
    indicator(plan, "NE2-1.3")["provinces"] = ["TH-34"]
    result = result_for(plan, "NE2-1.3", "FY2567", {"TH-34": 410.0, "TH-37": 1.0})
    assert list(result["by_province"]) == ["TH-34", "TH-37"]


def test_the_five_year_path_rolls_up_each_year(plan):
    ind = indicator(plan, "NE2-1.1")  # quarterly, sum, not cumulative
    views = {p: domain.indicator_view(plan, ind, values) for p, values in (
        ("FY2567-Q1", {"TH-34": 100.0}), ("FY2567-Q2", {"TH-34": 50.0, "TH-33": 25.0}))}
    path = targets.five_year_path(plan, ind, views)
    assert [step["period"] for step in path] == [f"FY{y}" for y in range(2566, 2571)]
    fy67 = path[1]
    assert (fy67["target"], fy67["value"], fy67["status"]) == (180000, 175.0, "not_achieved")
    assert fy67["progress_from_baseline_pct"] == round((175 - 120000) / (180000 - 120000) * 100, 2)
    assert path[0]["value"] is None and path[0]["status"] == "no_data"
    plans = targets.province_plan(plan, indicator(plan, "NE2-1.3"))
    assert plans["TH-34"] == {"baseline": {"value": 400.0, "fiscal_year": 2565}, "targets": {
        "FY2566": None, "FY2567": 420.0, "FY2568": 430.0, "FY2569": None, "FY2570": None}}


# --- the plan: rules and workbook -------------------------------------------------------------

def document(plan):
    return {k: v for k, v in plan.items() if k not in ("status", "version", "revision")}


def test_province_baselines_must_be_of_the_plans_provinces_and_years(plan, reference):
    ind = indicator(plan, "NE2-1.3")
    ind["province_baselines"] = {"TH-30": {"value": 1.0, "fiscal_year": 2565},
                                 "TH-34": {"value": 1.0, "fiscal_year": 2568}}
    with pytest.raises(PlanError) as caught:
        prepare_plan({**document(plan), "status": "draft"}, reference)
    found = caught.value.problems
    assert ("indicator NE2-1.3, province_baselines", "TH-30 is not in the plan") in found
    assert ("indicator NE2-1.3, province_baselines", "TH-34: baseline year 2568 is after the "
                                                     "plan starts (FY2566)") in found
    ind["province_baselines"] = {"TH-34": {"value": 1.0}}
    with pytest.raises(PlanError, match="province_baselines"):
        prepare_plan({**document(plan), "status": "draft"}, reference)


@pytest.mark.parametrize("write, read", [(plan_to_xlsx, xlsx_to_plan), (plan_to_csv, csv_to_plan)])
def test_province_baselines_round_trip_through_the_plan_workbook(plan, reference, write, read):
    prepared = prepare_plan({**document(plan), "status": "draft"}, reference)
    got, locations = read(write(prepared))
    assert indicator(got, "NE2-1.3")["province_baselines"] == {
        "TH-34": {"value": 400.0, "fiscal_year": 2565}, "TH-33": {"value": 370.0, "fiscal_year": 2565}}
    assert indicator(got, "NE2-1.1")["province_baselines"] == {}
    assert locations["indicator NE2-1.3, province_baselines TH-33"][0] in (BASELINES,
                                                                         "baselines.csv")


def test_a_workbook_without_the_baselines_sheet_reads_with_none(plan, reference):
    prepared = prepare_plan({**document(plan), "status": "draft"}, reference)
    book = openpyxl.load_workbook(io.BytesIO(plan_to_xlsx(prepared)))
    del book[BASELINES]
    out = io.BytesIO()
    book.save(out)
    got, _ = xlsx_to_plan(out.getvalue())
    assert indicator(got, "NE2-1.3")["province_baselines"] == {}


def test_bad_baseline_rows_are_named_on_their_cells(plan, reference):
    prepared = prepare_plan({**document(plan), "status": "draft"}, reference)
    book = openpyxl.load_workbook(io.BytesIO(plan_to_xlsx(prepared)))
    sheet = book[BASELINES]
    first = sheet.max_row + 1
    sheet.append(["NE2-9.9", "TH-34", 1, 2565])
    sheet.append(["NE2-1.3", "TH-34", 2, 2565])  # the same indicator and province again
    sheet.append(["NE2-1.3", "TH-35", "abc", 2565])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(wbk.WorkbookError) as caught:
        xlsx_to_plan(out.getvalue())
    found = {(p.row, p.column): p.message for p in caught.value.problems}
    assert "NE2-9.9" in found[(first, "indicator")]
    assert "already" in found[(first + 1, "province")]
    assert (first + 2, "value") in found


def test_a_plan_rule_on_a_baseline_points_at_its_row(plan, reference):
    prepared = prepare_plan({**document(plan), "status": "draft"}, reference)
    _, locations = xlsx_to_plan(plan_to_xlsx(prepared))
    [problem] = locate([("indicator NE2-1.3, province_baselines", "TH-33: baseline year 2568 is "
                         "after the plan starts (FY2566)")], locations)
    assert (problem.sheet, problem.row, problem.column) == (BASELINES, 3, "fiscal_year")


# --- where people look: the province workbook and the mail -------------------------------------

def test_the_province_workbook_shows_its_own_target_and_baseline(plan):
    data = build_workbook(plan, "TH-35", "FY2567-Q2", {},
                          datetime(2024, 2, 1, 9, tzinfo=timezone(timedelta(hours=7))))
    sheet = openpyxl.load_workbook(io.BytesIO(data))["ตัวชี้วัด (indicators)"]
    head = {c.value: c.column for c in sheet[1]}
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == "NE2-4.1")
    cell = lambda name: sheet.cell(row, head[name]).value  # noqa: E731
    assert cell("เป้าหมายปีงบประมาณของจังหวัด (province_target)") == 6.0
    assert cell("ค่าฐานของจังหวัด (province_baseline)") == 9.0
    assert cell("ปีค่าฐานของจังหวัด พ.ศ. (province_baseline_year)") == 2565
    other = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == "NE2-1.1")
    assert sheet.cell(other, head["เป้าหมายปีงบประมาณของจังหวัด (province_target)"]).value is None


def test_the_off_target_fact_and_mail_name_the_provinces_own_target(plan):
    ind = indicator(plan, "NE2-4.1")
    view = domain.indicator_view(plan, ind, {"TH-35": 9.5})
    report = {"province": "TH-35", "event_id": "7a1c2f34-5b6d-4e7f-8a9b-0c1d2e3f4a5b"}
    _, event = domain.off_target_event(plan, ind, "FY2567-Q2", view, report,
                                       datetime(2024, 4, 1, tzinfo=timezone.utc))
    assert (event["province_value"], event["province_target"]) == (9.5, 6.0)
    osm = Recipient("osm@example.org", "สำนักงาน", "Office", "th", "osm-ne2")
    mail = render("indicator_off_target", event, osm, "https://example.org")
    assert "เป้าหมายของจังหวัดเองในปีงบประมาณนี้ 6" in mail.text
    assert "its own target for this fiscal year 6" in mail.text and "6" in mail.html
    without = {**event, "province_target": None}
    assert "เป้าหมายของจังหวัดเอง" not in render("indicator_off_target", without, osm,
                                                 "https://example.org").text

"""Views by national alignment (services/reporting/rollup.py): a plan's budget, disbursement,
physical progress and indicator achievement rolled up by strategy, master plan and SDG, per
plan and across clusters - from links and carried entries set by hand, as the plans service
would carry them (services.plans.national.carried_entries over the shipped hierarchy)."""
from __future__ import annotations

import copy

import pytest

from clusterctl.reference import load_national
from services.contracts.errors import QueryError
from services.contracts.national import LEVEL_NAMES, level_problem
from services.plans.national import LEVEL_PARENT, carried_entries
from services.reporting import queries, rollup
from tests.support.plans import clusters, cluster_plan, published_sample_plan, without_links

FY = 2567
M = 1_000_000.0


def linked(plan: dict, issues: dict, parts: dict | None = None) -> dict:
    """The plan with ``issues`` {number: codes} and ``parts`` {indicator or project code:
    codes} linked, and the entries the plans service would carry for them."""
    plan = copy.deepcopy(plan)
    codes = set()
    for issue in plan["issues"]:
        issue["national_links"] = issues.get(issue["number"], [])
        codes.update(issue["national_links"])
        for indicator in issue["indicators"]:
            indicator["national_links"] = (parts or {}).get(indicator["code"], [])
            codes.update(indicator["national_links"])
    for project in plan["projects"]:
        project["national_links"] = (parts or {}).get(project["code"], [])
        codes.update(project["national_links"])
    plan["national_version"] = "test"
    plan["national_entries"] = carried_entries(load_national().as_of("2024-01-01"), sorted(codes))
    return plan


@pytest.fixture(scope="module")
def plan():
    sample = published_sample_plan()
    sample["projects"][1]["status"] = "cancelled"  # NE2-67-002: counts nowhere
    return linked(sample, {1: ["MP03"], 2: ["MP08"], 3: ["MP05", "SDG8"], 5: ["MP18"]},
                  {"NE2-67-001": ["MP03", "MP04"],  # two master plans of one strategy (NS2)
                   "NE2-5.2": ["SDG13"]})            # its own link, not its issue's


PROGRESS = [{"project": "NE2-67-001", "physical_progress_pct": 50.0, "disbursed_thb": 10 * M},
            {"project": "NE2-67-003", "physical_progress_pct": 100.0, "disbursed_thb": 32 * M},
            {"project": "NE2-67-004", "physical_progress_pct": None, "disbursed_thb": None},
            {"project": "NE2-67-005", "physical_progress_pct": 20.0, "disbursed_thb": 1 * M},
            {"project": "NE2-67-006", "physical_progress_pct": 10.0, "disbursed_thb": 0.6 * M},
            {"project": "NE2-68-001", "physical_progress_pct": 90.0, "disbursed_thb": 9 * M}]
RESULTS = [{"indicator": "NE2-1.1", "status": "achieved", "achievement_pct": 120.0},
           {"indicator": "NE2-1.2", "status": "not_achieved", "achievement_pct": 80.0},
           {"indicator": "NE2-5.1", "status": "not_achieved", "achievement_pct": 50.0}]


def by_code(view: dict) -> dict:
    return {row["code"]: row for row in view["rows"]}


def test_by_strategy_a_project_linked_to_two_master_plans_of_one_strategy_counts_once(plan):
    view = rollup.plan_rollup(plan, "strategy", FY, PROGRESS, RESULTS)
    rows = by_code(view)
    assert list(rows) == ["NS2", "NS5", None]  # the entries the plan serves, then not aligned
    ns2 = rows["NS2"]
    assert ns2["name_th"] == "ยุทธศาสตร์ชาติด้านการสร้างความสามารถในการแข่งขัน"
    assert ns2["name_en"] == "Competitiveness enhancement" and ns2["verified"] is False
    # FY2567's projects of issues 1-3 (NE2-67-002 cancelled): 001 once, though under two MPs
    assert ns2["projects"] == 4 and ns2["budget_thb"] == 72 * M
    assert ns2["disbursed_thb"] == 43 * M and ns2["disbursement_pct"] == 59.72
    # by budget, over those that reported: (50 x 25 + 100 x 32 + 20 x 10.5) / 67.5
    assert ns2["physical_progress_pct"] == 69.04 and ns2["projects_reported"] == 3
    assert (ns2["issues"], ns2["indicators"], ns2["indicators_with_data"],
            ns2["indicators_on_track"]) == (3, 8, 2, 1)
    assert ns2["achievement_mean_pct"] == 90.0  # 120 counts as 100: it does not hide the 80


def test_what_serves_no_entry_of_the_level_is_one_row_and_the_rows_add_up(plan):
    view = rollup.plan_rollup(plan, "strategy", FY, PROGRESS, RESULTS)
    none = by_code(view)[None]
    assert (none["name_th"], none["name_en"]) == ("ไม่ระบุความสอดคล้อง", "Not aligned")
    # issue 4 links nothing: its project and indicators; NE2-5.2 serves an SDG only
    assert (none["issues"], none["projects"], none["indicators"]) == (1, 1, 3)
    assert none["budget_thb"] == 6 * M and none["physical_progress_pct"] == 10.0
    total = view["total"]
    for key in ("issues", "projects", "indicators", "budget_thb", "disbursed_thb"):
        assert sum(row[key] for row in view["rows"]) == total[key], key
    assert total["projects"] == 6 and total["indicators"] == 12 and total["issues"] == 5


def test_by_master_plan_a_part_serving_two_counts_under_each_and_the_total_once(plan):
    view = rollup.plan_rollup(plan, "master_plan", FY, PROGRESS, RESULTS)
    rows = by_code(view)
    assert list(rows) == ["MP03", "MP04", "MP05", "MP08", "MP18", None]
    assert rows["MP03"]["projects"] == rows["MP04"]["projects"] == 1
    assert rows["MP04"]["issues"] == 0 and rows["MP04"]["indicators"] == 0
    assert rows["MP03"]["budget_thb"] == rows["MP04"]["budget_thb"] == 25 * M
    assert sum(r["budget_thb"] for r in view["rows"]) == view["total"]["budget_thb"] + 25 * M


def test_by_sdg_goal_and_another_fiscal_year(plan):
    view = rollup.plan_rollup(plan, "sdg_goal", FY, PROGRESS, RESULTS)
    rows = by_code(view)
    assert list(rows) == ["SDG8", "SDG13", None]  # natural order: 8 before 13
    assert rows["SDG8"]["projects"] == 1 and rows["SDG13"]["indicators"] == 1
    assert rows["SDG13"]["projects"] == 0 and rows["SDG13"]["budget_thb"] == 0
    assert rows["SDG13"]["disbursement_pct"] is None  # no budget: no share of it
    later = by_code(rollup.plan_rollup(plan, "strategy", 2568, PROGRESS, []))
    assert later["NS5"]["projects"] == 1 and later["NS5"]["physical_progress_pct"] == 90.0
    assert later["NS2"]["indicators_with_data"] == 0 and later["NS2"]["achievement_mean_pct"] is None


def test_a_plan_with_no_links_is_all_not_aligned():
    plan = {**without_links(published_sample_plan()), "national_entries": []}
    view = rollup.plan_rollup(plan, "milestone", FY, PROGRESS, RESULTS)
    assert [r["code"] for r in view["rows"]] == [None]
    assert view["rows"][0]["projects"] == 7 and view["rows"][0]["budget_thb"] == view["total"]["budget_thb"]


def test_across_clusters_each_entry_with_its_clusters_beside(plan):
    other_cluster = "northeast-upper-1"
    other = cluster_plan(published_sample_plan(), other_cluster, clusters()[other_cluster])
    other = linked({**other, "status": "published"}, {1: ["MP11"], 3: ["MP05"]})
    other_progress = [{"project": f"{other_cluster}-67-001", "physical_progress_pct": 40.0,
                       "disbursed_thb": 5 * M}]
    view = rollup.national_rollup([(plan, PROGRESS, RESULTS), (other, other_progress, [])],
                                     "strategy", FY)
    rows = by_code(view)
    assert list(rows) == ["NS2", "NS3", "NS5", None]
    assert [p["cluster"] for p in view["plans"]] == ["northeast-lower-2", other_cluster]
    ns2 = rows["NS2"]
    assert [c["cluster"] for c in ns2["clusters"]] == ["northeast-lower-2", other_cluster]
    assert ns2["projects"] == 4 and ns2["issues"] == 3 + 1  # the other's issue 3 (no project)
    assert ns2["indicators"] == 8 + 3
    ns3 = rows["NS3"]  # the other cluster's issue 1 and its one project (25 M, 40%)
    assert [c["cluster"] for c in ns3["clusters"]] == [other_cluster]
    assert ns3["projects"] == 1 and ns3["budget_thb"] == 25 * M
    assert ns3["physical_progress_pct"] == 40.0 and ns3["disbursement_pct"] == 20.0
    assert view["total"]["projects"] == 6 + 1
    for key in ("issues", "projects", "indicators", "budget_thb"):
        assert sum(row[key] for row in view["rows"]) == view["total"][key], key
        for row in view["rows"]:  # a row is the sum of its clusters
            assert sum(c[key] for c in row["clusters"]) == row[key], (row["code"], key)


def test_every_level_has_its_names_and_a_bad_level_or_year_is_refused_in_both_languages(plan):
    assert set(LEVEL_NAMES) == set(LEVEL_PARENT)
    assert level_problem("master_plan") is None
    problem = level_problem("ministry")
    assert "ไม่รู้จัก" in problem and "is not one of" in problem and "sdg_goal" in problem

    class Store:
        def get_plan(self, plan_id):
            return plan if plan_id == plan["id"] else None

    for level, year, words in (("ministry", 2567, "level 'ministry'"),
                               ("strategy", "2567", "must be a B.E. year"),
                               ("strategy", 2024, "must be a B.E. year"),
                               ("strategy", 2580, "outside plan")):
        with pytest.raises(QueryError) as refused:
            queries.plan_alignment(Store(), plan["id"], level, year)
        assert words in str(refused.value) and "พ.ศ." in str(refused.value) or \
            "ไม่รู้จัก" in str(refused.value), (level, year, str(refused.value))

"""The alignment map (issue 26): from a plan snapshot alone, which national entries each issue,
indicator and project serves (named, with parents up to the root), which parts serve each
entry, and which serve none - as the API's JSON, its CSV and the dashboard's page show it."""
import copy
import csv
import io

import pytest

from services.gateway import alignment_view, dashboard
from services.gateway.api.common import file_response
from services.plans.alignment import alignment_map
from tests.support.plans import published_sample_plan


@pytest.fixture(scope="module")
def published():
    return published_sample_plan()


@pytest.fixture
def plan(published):
    plan = copy.deepcopy(published)
    plan["issues"][4]["national_links"] = []  # issue 5 serves none now
    for indicator in plan["issues"][4]["indicators"]:
        indicator["national_links"] = []
    for project in plan["projects"]:
        if project["issue"] == 5:
            project["national_links"] = []
    return plan


def test_each_issue_serves_its_entries_named_with_their_parents_up_to_the_strategy(published):
    found = alignment_map(published)
    issue = next(i for i in found["issues"] if i["number"] == 1)
    [mp03] = [path for path in issue["serves"] if path[-1]["code"] == "MP03"]
    assert [e["code"] for e in mp03] == ["NS2", "MP03"]
    assert mp03[0]["name_th"] == "ยุทธศาสตร์ชาติด้านการสร้างความสามารถในการแข่งขัน"
    assert mp03[-1]["level_th"] == "แผนแม่บทฯ" and mp03[-1]["level_en"] == "Master plan"
    assert {path[-1]["code"] for path in issue["serves"]} == {"MP03", "M01", "SDG2"}


def test_a_project_without_links_of_its_own_serves_what_its_issue_serves(published):
    found = alignment_map(published)
    road = next(p for p in found["projects"] if p["code"] == "NE2-68-005")
    issue = next(i for i in found["issues"] if i["number"] == road["issue"])
    assert road["own_links"] is False and road["serves"] == issue["serves"]
    rice = next(p for p in found["projects"] if p["code"] == "NE2-67-001")
    assert rice["own_links"] is True


def test_each_entry_lists_the_parts_serving_it_directly_or_below_it(published):
    found = alignment_map(published)
    by_code = {e["code"]: e for e in found["entries"]}
    assert by_code["MP03"]["issues"] == [1]
    assert set(by_code["MP03"]["projects"]) == {"NE2-67-001", "NE2-68-002"}
    assert {1, 2, 3} <= set(by_code["NS2"]["issues"])  # through MP03, MP08, MP05 ...
    assert "NE2-1.3" in by_code["SDG2"]["indicators"]
    assert found["unaligned"] == {"issues": [], "indicators": [], "projects": []}


def test_issues_and_projects_serving_none_are_listed(plan):
    found = alignment_map(plan)
    assert found["unaligned"]["issues"] == [5]
    assert set(found["unaligned"]["projects"]) == {"NE2-67-007", "NE2-68-001"}
    assert "MP18" not in {e["code"] for e in found["entries"]} or \
        not next(e for e in found["entries"] if e["code"] == "MP18")["projects"]


def test_a_plan_without_links_maps_every_part_as_serving_none():
    plan = {"id": "old-plan", "version": 3, "issues": [{"number": 1, "title_th": "ก",
                                                        "title_en": "A", "indicators": []}],
            "projects": [{"code": "P1", "title_th": "ข", "title_en": "B", "issue": 1}]}
    found = alignment_map(plan)
    assert found["entries"] == [] and found["national_version"] is None
    assert found["unaligned"] == {"issues": [1], "indicators": [], "projects": ["P1"]}


def test_a_linked_code_the_plan_does_not_carry_is_shown_as_itself(published):
    plan = {**copy.deepcopy(published), "national_entries": []}
    found = alignment_map(plan)
    [path] = [p for p in found["issues"][0]["serves"] if p[-1]["code"] == "MP03"]
    assert path == [{"code": "MP03", "level": None, "level_th": "ไม่ทราบระดับ",
                     "level_en": "unknown", "name_th": "MP03", "name_en": "MP03",
                     "verified": None, "parent_code": None}]


def test_the_csv_has_a_row_per_part_and_entry_and_says_which_serve_none(plan):
    header, rows = alignment_view.alignment_table(alignment_map(plan))
    response = file_response("map", "csv", header, rows, sample=True)
    table = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert table[0][0] == "ประเภท (kind)"
    issue5 = [r for r in table[1:] if r[0].startswith("ประเด็นการพัฒนา") and r[1] == "5"]
    assert [r[7] for r in issue5] == ["ยังไม่ระบุความสอดคล้อง"]
    assert issue5[0][8] == "serves no national target"
    mp03 = next(r for r in table[1:] if r[1] == "1" and r[5] == "MP03")
    assert mp03[9] == "ยุทธศาสตร์ชาติด้านการสร้างความสามารถในการแข่งขัน > แผนแม่บทประเด็นการเกษตร"


@pytest.mark.parametrize("lang", ["th", "en"])
def test_the_page_names_entries_and_says_which_issues_serve_none(plan, lang):
    found = alignment_map(plan)
    html = dashboard.render(
        "alignment", lang, a=alignment_view.page_words(lang),
        map=alignment_view.page_model(found, lang), page="alignment", plan=plan, plans=[plan],
        periods=[], period=None, provinces=[], province_names={}, who="x", query="",
        download=None, nav=dashboard.PAGES, sample=False, csrf="t")
    assert ("แผนแม่บทประเด็นการเกษตร" if lang == "th" else "Agriculture") in html
    none = "ยังไม่ระบุความสอดคล้อง" if lang == "th" else "serves no national target"
    unaligned = html.split('id="unaligned"')[1].split("</ul>")[0]
    assert 'data-issue="5"' in unaligned and none in unaligned
    assert 'data-project="NE2-68-001"' in unaligned
    assert "serves no national target" in unaligned  # English beside the Thai
    assert 'data-issue="1"' not in unaligned

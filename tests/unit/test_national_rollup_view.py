"""The national-alignment views where people look (services/gateway/rollup_view.py, the page
template, the OpenAPI entries): the fiscal year asked for, the export files with Thai headers,
names and B.E. years, sample rows marked, and the page in Thai and English - names, not codes."""
from __future__ import annotations

import copy
import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from services.gateway import rollup_view, exports
from services.gateway.dashboard import PAGES, render
from services.gateway.openapi import openapi_document
from services.reporting import rollup
from tests.unit.test_national_rollup import PROGRESS, RESULTS, linked
from tests.support.plans import clusters, cluster_plan, published_sample_plan

OTHER = "northeast-upper-1"
CLUSTERS = [{"code": "northeast-lower-2", "name_th": "กลุ่มจังหวัดภาคตะวันออกเฉียงเหนือตอนล่าง 2",
             "name_en": "Lower Northeastern Provincial Cluster 2", "provinces": []},
            {"code": OTHER, "name_th": "กลุ่มจังหวัดภาคตะวันออกเฉียงเหนือตอนบน 1",
             "name_en": "Upper Northeastern Provincial Cluster 1", "provinces": []}]


@pytest.fixture(scope="module")
def plan():
    return linked(published_sample_plan(), {1: ["MP03"], 2: ["MP08"], 5: ["MP18"]},
                  {"NE2-5.2": ["SDG13"]})


@pytest.fixture(scope="module")
def national(plan):
    other = cluster_plan(published_sample_plan(), OTHER, clusters()[OTHER])
    other = linked({**other, "status": "published", "sample": True}, {1: ["MP11"]})
    real = unsampled(plan)
    view = rollup.national_rollup([(real, PROGRESS, RESULTS), (other, [], [])], "strategy",
                                     2567)
    return rollup_view.name_clusters(view, CLUSTERS)


def unsampled(plan: dict) -> dict:
    """The sample plan as if its figures were real (no part flagged sample)."""
    plan = copy.deepcopy(plan)
    plan["sample"] = False
    for part in [i for issue in plan["issues"] for i in issue["indicators"]] + plan["projects"]:
        part["sample"] = False
    return plan


def test_the_fiscal_year_is_a_be_year_and_defaults_to_the_last_ended_quarters():
    assert rollup_view.fiscal_year_asked("2569", 2570) == 2569
    assert rollup_view.fiscal_year_asked("FY2568", 2570) == 2568
    assert rollup_view.fiscal_year_asked(None, 2570) == 2570  # not given: the default
    for bad in ("", " 2569", "fy2569", "2024", "FY25", "abc", "\u0e52\u0e55\u0e56\u0e59",
                "2569.0", "FY-2569"):
        with pytest.raises(ValueError) as refused:
            rollup_view.fiscal_year_asked(bad, 2570)
        assert "ปีงบประมาณ" in str(refused.value) and "B.E. fiscal year" in str(refused.value)
    # 20 December 2026: FY2570-Q1 has not ended; the quarter that has is FY2569-Q4
    assert rollup_view.default_fiscal_year(date(2026, 12, 20)) == 2569
    assert rollup_view.default_fiscal_year(date(2026, 12, 20), 2566, 2568) == 2568
    assert rollup_view.default_fiscal_year(date(2021, 1, 5), 2566, 2570) == 2566


def test_a_plans_file_has_thai_headers_names_be_years_the_not_aligned_row_and_the_total(plan):
    view = rollup.plan_rollup(plan, "strategy", 2567, PROGRESS, RESULTS)
    header, rows = rollup_view.plan_table(view)
    data = exports.table_file("x", header, rows, "csv", sample=True)
    assert data.startswith("\ufeff".encode())
    read = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert read[0][:4] == ["ระดับ (level)", "รหัส (code)", "ชื่อ (name_th)", "Name (name_en)"]
    assert "งบประมาณ บาท (budget_thb)" in read[0] and read[0][-1] == exports.SAMPLE_HEADER
    names = [r[2] for r in read[1:]]
    assert names == ["ยุทธศาสตร์ชาติด้านการสร้างความสามารถในการแข่งขัน",
                     "ยุทธศาสตร์ชาติด้านการสร้างการเติบโตบนคุณภาพชีวิตที่เป็นมิตรต่อสิ่งแวดล้อม",
                     "ไม่ระบุความสอดคล้อง", "รวมทั้งแผน"]
    assert {r[5] for r in read[1:]} == {"2567"} and read[1][0] == "ยุทธศาสตร์ชาติ (strategy)"
    assert read[1][4] == "ยังไม่ได้ตรวจทาน"  # the shipped names are not checked yet
    budget = read[0].index("งบประมาณ บาท (budget_thb)")
    assert sum(float(r[budget]) for r in read[1:-1]) == float(read[-1][budget])
    book = load_workbook(io.BytesIO(exports.table_file("x", header, rows, "xlsx")))
    assert [c.value for c in book.active[1]] == header and book.active.max_row == len(rows) + 1


def test_the_national_file_names_each_cluster_under_its_entry_and_marks_sample_rows(national):
    header, rows = rollup_view.national_table(national)
    assert header[6] == "กลุ่มจังหวัด (cluster)"
    ns3 = [r for r in rows if r[1] == "NS3"]
    assert [r[6] for r in ns3] == [rollup_view.ALL_CLUSTERS, CLUSTERS[1]["name_th"]]
    assert rows[-1][2] == "รวมทุกกลุ่มจังหวัด" and rows[-1][6] == rollup_view.ALL_CLUSTERS
    flags = rollup_view.national_sample(national)
    assert len(flags) == len(rows)
    marked = {(r[1], r[6]) for r, f in zip(rows, flags) if f}
    assert ("NS3", CLUSTERS[1]["name_th"]) in marked
    assert ("NS2", CLUSTERS[0]["name_th"]) not in marked
    assert ("NS3", rollup_view.ALL_CLUSTERS) in marked  # one of its clusters is sample
    assert ("NS5", rollup_view.ALL_CLUSTERS) not in marked  # the real plan's alone
    assert flags[-1]  # the whole country includes the sample plan


def page(lang: str, view: dict, national: bool, plan: dict) -> str:
    return render("national_rollup", lang, page="national_rollup", plan=plan, plans=[plan], period=None,
                  periods=[], provinces=[], province_names={}, who="x", query="", download=None,
                  nav=PAGES, sample=False, csrf="t", a=rollup_view.words(lang),
                  levels=rollup_view.level_choices(lang), level=view["level"],
                  years=[2566, 2567], year=2567, national=national, may_national=True,
                  rows=rollup_view.page_rows(view, lang), total=view["total"],
                  files={"xlsx": "/x.xlsx", "csv": "/x.csv"},
                  chart_json=rollup_view.chart_json(view, lang),
                  level_name=dict(rollup_view.level_choices(lang))[view["level"]])


def visible(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", "", html, flags=re.S))


def test_the_page_shows_names_not_codes_in_thai_and_english_with_be_years(plan, national):
    view = rollup.plan_rollup(plan, "strategy", 2567, PROGRESS, RESULTS)
    thai = page("th", view, False, plan)
    text = visible(thai)
    assert "ยุทธศาสตร์ชาติด้านการสร้างความสามารถในการแข่งขัน" in text
    assert "Competitiveness enhancement" in text  # the other language beside it
    assert "ไม่ระบุความสอดคล้อง" in text and "ปีงบประมาณ พ.ศ. 2567" in text
    assert not re.search(r"\b(NS|MP|SDG)\d", text)  # codes only in attributes
    assert 'data-code="NS2"' in thai and 'id="rollup-money"' in thai
    assert "* ชื่อนี้ยังไม่ได้ตรวจทาน" in text
    english = visible(page("en", view, False, plan))
    assert "Competitiveness enhancement" in english and "Not aligned" in english
    assert "Fiscal year 2024 (B.E. 2567)" in english and "Results by national alignment" in english
    across = page("en", national, True, plan)
    assert 'id="rollup-clusters"' in across and CLUSTERS[1]["name_en"] in visible(across)
    assert "Every cluster (national view)" in visible(across)


def test_both_routes_are_documented_with_their_levels_and_answers():
    paths = openapi_document()["paths"]
    one = paths["/api/plans/{plan_id}/national-alignment"]["get"]
    every = paths["/api/national-alignment"]["get"]
    for operation in (one, every):
        names = [p["name"] for p in operation["parameters"]]
        assert {"level", "fy", "format"} <= set(names)
        assert {"200", "400", "401", "403"} <= set(operation["responses"])
        assert "text/csv; charset=utf-8" in operation["responses"]["200"]["content"]
    assert "404" in one["responses"] and "national viewer" in every["responses"]["403"]["description"]
    schemas = openapi_document()["components"]["schemas"]
    assert "clusters" in schemas["NationalAlignmentAcrossClusters"]["properties"]["rows"]["items"]["properties"]


def test_the_answers_match_their_documented_schemas(plan, national):
    from jsonschema import Draft202012Validator
    schemas = openapi_document()["components"]["schemas"]
    one = rollup.plan_rollup(plan, "master_plan", 2567, PROGRESS, RESULTS)
    for name, answer in (("NationalAlignment", one),
                         ("NationalAlignmentAcrossClusters", national)):
        errors = [e.message for e in Draft202012Validator(schemas[name]).iter_errors(answer)]
        assert errors == [], (name, errors[:3])
    broken = {**one, "rows": [{**one["rows"][0], "budget_thb": "a lot"}]}
    assert list(Draft202012Validator(schemas["NationalAlignment"]).iter_errors(broken))


def test_a_long_name_is_cut_short_on_the_charts_axis_and_whole_in_its_tooltip(plan):
    import json
    view = rollup.plan_rollup(plan, "strategy", 2567, PROGRESS, RESULTS)
    data = json.loads(rollup_view.chart_json(view, "th"))
    long_name = "ยุทธศาสตร์ชาติด้านการสร้างการเติบโตบนคุณภาพชีวิตที่เป็นมิตรต่อสิ่งแวดล้อม"
    at = data["names"].index(long_name)
    assert data["labels"][at].endswith("…") and len(data["labels"][at]) == rollup_view.LABEL_CHARS
    assert long_name.startswith(data["labels"][at][:-1])
    assert data["labels"][-1] == data["names"][-1] == "ไม่ระบุความสอดคล้อง"  # short: as it is

"""The gateway's side of each province's target and baseline (pure): names on the figures, the
tile-grid map and its hand-made layout, the indicator page's chart data, the export columns."""
import copy

import pytest
from markupsafe import escape

from services.gateway import exports, targets_view
from services.gateway.openapi import openapi_document
from services.reporting import domain, targets
from tests.support.plans import clusters, published_sample_plan, sample_reference


@pytest.fixture(scope="module")
def reference_clusters():
    return sample_reference().clusters


@pytest.fixture
def plan():
    plan = copy.deepcopy(published_sample_plan())
    ind = indicator(plan, "NE2-1.3")
    ind["province_targets"] = {"TH-34": {"FY2567": 420.0}, "TH-33": {"FY2567": 390.0}}
    ind["province_baselines"] = {"TH-34": {"value": 400.0, "fiscal_year": 2565}}
    return plan


def indicator(plan, code):
    return next(i for issue in plan["issues"] for i in issue["indicators"] if i["code"] == code)


def results(plan, period, values, reference_clusters, code="NE2-1.3"):
    ind = indicator(plan, code)
    result = targets.with_targets(plan, ind, period, domain.indicator_result(
        plan, ind, period, domain.indicator_view(plan, ind, values)))
    return targets_view.name_provinces([result], targets_view.names_of(reference_clusters))


def test_the_tile_layout_has_every_province_of_the_reference_once_on_its_own_square():
    tiles = targets_view.tiles()
    codes = [code for code, _, _ in tiles]
    expected = sorted(p for members in clusters().values() for p in members)
    assert sorted(codes) == expected and len(codes) == 76
    squares = [(x, y) for _, x, y in tiles]
    assert len(set(squares)) == len(squares)
    assert all(0 <= x < 12 and 0 <= y < 20 for x, y in squares)


def test_the_layout_looks_like_the_country():
    at = {code: (x, y) for code, x, y in targets_view.tiles()}
    assert at["TH-57"][1] == 0                     # Chiang Rai at the top
    assert at["TH-96"][1] == max(y for _, y in at.values())  # Narathiwat at the bottom
    assert at["TH-34"][0] == max(x for x, _ in at.values())  # Ubon Ratchathani furthest east
    # each cluster's provinces lie close together (within a 4 x 4 box)
    for members in clusters().values():
        xs, ys = [at[p][0] for p in members], [at[p][1] for p in members]
        assert max(xs) - min(xs) <= 3 and max(ys) - min(ys) <= 3, members


def test_figures_are_named_and_the_map_coloured_by_status(plan, reference_clusters):
    [result] = results(plan, "FY2567", {"TH-34": 430.0, "TH-33": 300.0}, reference_clusters)
    assert result["by_province"]["TH-34"]["name_th"] == "อุบลราชธานี"
    assert result["by_province"]["TH-34"]["name_en"] == "Ubon Ratchathani"
    found = targets_view.map_data(reference_clusters, result["by_province"], plan, "th")
    tiles = {t["code"]: t for t in found["tiles"]}
    assert len(tiles) == 76 and found["plan_cluster"] == "northeast-lower-2"
    assert tiles["TH-34"]["light"] == "green" and tiles["TH-34"]["status"] == "บรรลุเป้าหมาย"
    assert tiles["TH-33"]["light"] == "red"       # 300 of 390: under 80 %
    assert tiles["TH-35"]["light"] == "grey"      # no value
    assert tiles["TH-50"]["light"] == "grey" and tiles["TH-50"]["status"] == "นอกแผนนี้"
    assert tiles["TH-50"]["name"] == "เชียงใหม่" and tiles["TH-50"]["cluster"] == "north-upper-1"
    english = targets_view.map_data(reference_clusters, result["by_province"], plan, "en")
    assert next(t for t in english["tiles"] if t["code"] == "TH-50")["name"] == "Chiang Mai"


def test_the_indicator_pages_rows_and_charts(plan, reference_clusters):
    [result] = results(plan, "FY2567", {"TH-34": 410.0}, reference_clusters)
    rows = targets_view.province_rows(result, "th")
    assert [r["code"] for r in rows] == plan["provinces"]
    th34 = rows[0]
    assert th34["name"] == "อุบลราชธานี" and th34["baseline_text"] == "400 (2565)"
    assert th34["progress_from_baseline_pct"] == 50.0 and th34["light"] == "amber"
    series = {"series": [{**result, "period": "FY2567", "label_th": "ปีงบประมาณ พ.ศ. 2567",
                          "label_en": "fiscal year 2024"}],
              "path": [{**step, "label_th": "", "label_en": ""} for step in targets.five_year_path(
                  plan, indicator(plan, "NE2-1.3"), {"FY2567": domain.indicator_view(
                      plan, indicator(plan, "NE2-1.3"), {"TH-34": 410.0})})]}
    charts = targets_view.chart_data(result, series, "th")
    assert charts["labels"] == ["ปีงบประมาณ พ.ศ. 2567"]
    th34_trend = next(t for t in charts["trends"] if t["province"] == "TH-34")
    assert th34_trend == {"province": "TH-34", "name": "อุบลราชธานี", "values": [410.0],
                          "targets": [420.0]}
    assert charts["bars"]["labels"][0] == "อุบลราชธานี" and charts["bars"]["targets"][:2] == [420.0, 390.0]
    assert charts["path"]["labels"][0] == "ปีงบประมาณ 2566"  # B.E. years
    assert charts["path"]["targets"] == [390, 400, 410, 420, 430]
    assert charts["path"]["values"] == [None, 410.0, None, None, None]
    assert "</" not in targets_view.as_json({"x": "</script>"})


def test_the_export_keeps_its_columns_and_adds_each_provinces(plan, reference_clusters):
    found = results(plan, "FY2567", {"TH-34": 410.0}, reference_clusters)
    view = {"period": "FY2567", "results": found}
    provinces = ["TH-33", "TH-34"]
    plain_header, plain_rows = exports.indicator_results_table(view, provinces)
    header, rows = targets_view.extended((plain_header, plain_rows), found, provinces)
    assert header[:len(plain_header)] == plain_header and rows[0][:len(plain_header)] == plain_rows[0]
    row = dict(zip(header, rows[0]))
    assert row["อุบลราชธานี TH-34 เป้าหมายของจังหวัด (target)"] == 420.0
    assert row["อุบลราชธานี TH-34 สถานะ (status)"] == "ไม่บรรลุเป้าหมาย"
    assert row["อุบลราชธานี TH-34 ค่าฐาน (baseline)"] == 400.0
    assert row["อุบลราชธานี TH-34 ความก้าวหน้าจากค่าฐาน ร้อยละ (progress_from_baseline_pct)"] == 50.0
    assert row["ศรีสะเกษ TH-33 สถานะ (status)"] == "ยังไม่มีข้อมูล"
    assert row["ค่าฐานของกลุ่มจังหวัด (baseline)"] == 380


def test_names_are_read_again_after_a_while_and_never_cached_empty(reference_clusters):
    calls = []

    def load(answer):
        calls.append(1)
        return answer
    targets_view._names.update(at=None, names={})
    assert targets_view.cached_names(lambda: load([]), now=0.0) == {}
    names = targets_view.cached_names(lambda: load(reference_clusters), now=1.0)
    assert names["TH-34"]["name_th"] == "อุบลราชธานี"
    targets_view.cached_names(lambda: load(reference_clusters), now=30.0)
    assert len(calls) == 2
    targets_view.cached_names(lambda: load(reference_clusters), now=62.0)
    assert len(calls) == 3
    targets_view._names.update(at=None, names={})


def test_openapi_documents_the_new_fields():
    schemas = openapi_document()["components"]["schemas"]
    result = schemas["IndicatorResult"]["properties"]
    assert {"baseline", "progress_from_baseline_pct", "by_province"} <= set(result)
    figures = schemas["ProvinceFigures"]
    assert {"name_th", "target", "status", "baseline", "progress_from_baseline_pct"} <= set(
        figures["required"])
    assert {"baseline", "path", "provinces"} <= set(schemas["IndicatorSeries"]["required"])


# --- the indicator page, rendered from canned service answers ----------------------------------

class Answers:
    """The RPC answers the indicator page asks for, computed from the plan with reporting's own
    pure functions (as its queries module does over its store)."""

    def __init__(self, plan, reference_clusters, values_by_period, code):
        self.plan, self.clusters, self.values, self.code = plan, reference_clusters, values_by_period, code

    def views(self, ind):
        return {p: domain.indicator_view(self.plan, ind, v) for p, v in self.values.items()}

    def __call__(self, service, method, *args):
        if method == "reports":  # the reports behind the value (none here)
            return {"reports": []}
        if method == "list_clusters":
            return {"clusters": self.clusters}
        if method == "indicator_results":
            period = args[1]
            results = []
            for _, ind in domain.iter_indicators(self.plan):
                views = self.views(ind) if ind["code"] == self.code else {}
                results.append(targets.with_targets(self.plan, ind, period, domain.indicator_result(
                    self.plan, ind, period, views.get(period))))
            return {"plan_id": self.plan["id"], "period": period, "results": results}
        if method == "indicator_series":
            ind = indicator(self.plan, args[1])
            views = self.views(ind)
            return {"series": [{**targets.with_targets(self.plan, ind, p, domain.indicator_result(
                        self.plan, ind, p, views[p])), "period": p, "label_th": p, "label_en": p}
                        for p in sorted(views)],
                    "path": [{**s, "label_th": "", "label_en": ""}
                             for s in targets.five_year_path(self.plan, ind, views)],
                    "provinces": targets.province_plan(self.plan, ind), "baseline": None}
        raise AssertionError(method)


@pytest.mark.parametrize("who, lang, shown", [
    (("osm", "northeast-lower-2"), "th", {"TH-34", "TH-33", "TH-35", "TH-37"}),
    (("province", "TH-35"), "en", {"TH-35"}),
])
def test_the_indicator_page_of_a_quarter_for_the_osm_and_for_a_province(plan, reference_clusters,
                                                                        who, lang, shown):
    from werkzeug.test import EnvironBuilder

    from services.contracts.access import Who
    from services.gateway import dashboard
    from services.gateway.indicator_page import IndicatorPage

    ind = indicator(plan, "NE2-4.1")  # quarterly, decrease
    ind["province_targets"] = {"TH-35": {"FY2567": 6.0}}
    ind["province_baselines"] = {"TH-35": {"value": 9.0, "fiscal_year": 2565}}
    page = IndicatorPage()
    page._call = Answers(plan, reference_clusters, {"FY2567-Q1": {"TH-35": 8.0, "TH-34": 7.0},
                                                    "FY2567-Q2": {"TH-35": 7.5}}, "NE2-4.1")
    request = EnvironBuilder(query_string={"code": "NE2-4.1"}).get_request()
    context = page._indicator_view({"plan": plan, "period": "FY2567-Q2", "lang": lang,
                                    "principal": Who(*who), "request": request})
    assert {r["code"] for r in context["rows"]} == shown and not context["yearly"]
    th35 = next(r for r in context["rows"] if r["code"] == "TH-35")
    assert th35["target"] is None and th35["fiscal_year_target"] == 6.0  # a quarter: not judged
    charts = targets_view.json.loads(context["charts_json"])
    trend = next(t for t in charts["trends"] if t["province"] == "TH-35")
    assert trend["values"] == [8.0, 7.5] and trend["targets"] == [6.0, 6.0]  # the year's line
    frame = {"page": "indicator", "plan": plan, "plans": [plan], "period": "FY2567-Q2",
             "provinces": [], "province_names": {}, "who": "x", "download": None,
             "nav": dashboard.PAGES, "sample": False, "csrf": "t"}
    html = dashboard.render("indicator", lang, **{**frame, **context})
    assert 'id="province-targets"' in html and 'id="tile-map"' in html
    assert ("ยโสธร" if lang == "th" else "Yasothon") in html and "9 (2565)" in html
    note = targets_view.WORDS["quarter_note"][0 if lang == "th" else 1]
    assert str(escape(note)) in html

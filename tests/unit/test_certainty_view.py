"""How certain a figure is, where people read it (services/gateway/certainty_view.py): a mark of
words beside each province's figure and each cluster value on the dashboard's pages, with a
legend, in Thai and English; and a column of it in every export, the columns already there
staying where they were."""
import pytest

from services.gateway import exports
from services.gateway.dashboard import PAGES, render

FRAME = {"plan": None, "plans": [], "periods": [], "province_names": {"TH-34": "อุบลราชธานี"},
         "who": "x", "query": "", "download": None, "nav": PAGES, "sample": False, "csrf": "t"}
RESULT = {"indicator": "NE2-1.1", "name_th": "รายได้", "name_en": "Income", "unit": "ล้านบาท",
          "target": 100.0, "value": 30.0, "status": "not_achieved", "achievement_pct": 30.0,
          "reported": 2, "expected": 4, "provinces": {"TH-34": 10.0, "TH-33": 20.0},
          "certainty": {"TH-34": "approved", "TH-33": "provisional"}, "approval": "partial",
          "light": "red", "status_label": "x", "name": "รายได้"}


@pytest.mark.parametrize("lang, words", [
    ("th", ("อนุมัติแล้ว", "ข้อมูลเบื้องต้น", "อนุมัติบางจังหวัด")),
    ("en", ("approved", "provisional", "partly approved")),
])
def test_the_overview_marks_each_figure_in_words_and_explains_the_marks(lang, words):
    approved, provisional, partly = words
    page = render("overview", lang, page="overview", period="FY2568-Q2",
                  provinces=["TH-34", "TH-33", "TH-35"], trend=None,
                  groups=[{"number": 1, "title": "t", "rows": [RESULT]}], **FRAME)
    cells = {p: page.split(f'data-province="{p}">')[1].split("</td>")[0]
             for p in ("TH-34", "TH-33", "TH-35")}
    assert approved in cells["TH-34"] and 'data-certainty="approved"' in cells["TH-34"]
    assert provisional in cells["TH-33"]
    assert "certainty" not in cells["TH-35"]  # no value, nothing to vouch for
    value = page.split('class="num value">')[1].split("</td>")[0]
    assert partly in value and '<span class="figure">30</span>' in value
    legend = page.split('class="certainty-legend"')[1]
    for kind in ("provisional", "submitted", "approved", "accepted", "full", "partial", "none"):
        assert f'data-certainty="{kind}"' in legend  # every mark explained
    assert 'aria-hidden="true"' in legend  # the shape is decoration; the words say it


def test_completeness_and_projects_pages_show_the_approval_of_each_province():
    row = {"province": "TH-34", "due_date": "2025-04-15", "expected": 3, "received": 3,
           "on_time": 3, "late": 0, "completeness_pct": 100.0, "timeliness_pct": 100.0,
           "missing": [], "projects": {"received": 0, "expected": 0, "missing": [],
                                       "missing_agencies": []},
           "approval": "accepted", "certainty": "accepted", "approved_on_time": True}
    page = render("completeness", "th", page="completeness", period="FY2568-Q2", provinces=[],
                  rows=[row], approved=1, all_provinces=4, approved_on_time=1, **FRAME)
    assert "รับรองแล้ว" in page.split('class="approval">')[1].split("</td>")[0]
    assert "อนุมัติภายในกำหนดส่ง: 1" in page and "จังหวัดที่อนุมัติแล้ว: 1 / 4" in page
    project = {"project": "P1", "title_th": "โครงการ", "title_en": "P", "fiscal_year": 2568,
               "budget_thb": 1.0, "disbursed_thb": 1.0, "disbursement_pct": 1.0,
               "planned_to_date_pct": 1.0, "government_target_pct": None,
               "physical_progress_pct": 1.0, "behind_schedule": False, "approval": "partial",
               "provinces": {"TH-34": {"as_of": "2025-03-31", "certainty": "submitted"}}}
    page = render("projects", "en", page="projects", period=None, provinces=[], rows=[project],
                  emenscr_years=[],
                  **FRAME)
    cell = page.split('class="approval">')[1].split("</td>")[0]
    assert "partly approved" in cell and "อุบลราชธานี" in cell and "submitted" in cell


def test_every_export_says_how_certain_each_figure_is_after_its_own_columns():
    results = {"period": "FY2568-Q2", "results": [RESULT]}
    header, [row] = exports.indicator_results_table(results, ["TH-34", "TH-33", "TH-35"])
    cells = dict(zip(header, row))
    assert header[11:14] == ["TH-34", "TH-33", "TH-35"]  # the value columns stay where they were
    assert cells["การอนุมัติค่าของกลุ่มจังหวัด (approval)"] == "อนุมัติบางจังหวัด"
    assert cells["TH-34 การอนุมัติของจังหวัด (certainty)"] == "อนุมัติแล้ว"
    assert cells["TH-33 การอนุมัติของจังหวัด (certainty)"] == "ข้อมูลเบื้องต้น"
    assert cells["TH-35 การอนุมัติของจังหวัด (certainty)"] is None  # no value

    series = {"provinces": {"TH-34": {}}, "series": [
        {**RESULT, "period": "FY2568-Q2", "label_th": "ไตรมาส 2"}]}
    header, [row] = exports.series_table(series)
    cells = dict(zip(header, row))
    assert cells["TH-34 การอนุมัติของจังหวัด (certainty)"] == "อนุมัติแล้ว"
    assert cells["การอนุมัติค่าของกลุ่มจังหวัด (approval)"] == "อนุมัติบางจังหวัด"

    done = {"period": "FY2568-Q2", "provinces": [{
        "province": "TH-34", "due_date": "2025-04-15", "expected": 1, "received": 1,
        "on_time": 1, "late": 0, "completeness_pct": 100.0, "timeliness_pct": 100.0,
        "missing": [], "approval": "approved", "certainty": "approved",
        "approved_on_time": False}]}
    header, [row] = exports.completeness_table(done)
    cells = dict(zip(header, row))
    assert header[1] == "จังหวัด (province)"
    assert cells["การอนุมัติของจังหวัด (certainty)"] == "อนุมัติแล้ว"
    assert cells["อนุมัติภายในกำหนดส่ง (approved_on_time)"] == "ไม่"

    status = {"projects": [{
        "project": "P1", "title_th": "t", "title_en": "t", "fiscal_year": 2568, "issue": 1,
        "budget_thb": 1.0, "disbursed_thb": 1.0, "disbursement_pct": 1.0,
        "planned_to_date_pct": None, "government_target_pct": None,
        "physical_progress_pct": 1.0, "procurement_stage": None, "behind_schedule": None,
        "behind_reasons": [], "as_of": "2025-03-31", "provinces_reported": ["TH-33", "TH-34"],
        "approval": "full", "provinces": {"TH-34": {"certainty": "accepted"},
                                          "TH-33": {"certainty": "approved"}}}]}
    header, [row] = exports.project_progress_table(status)
    cells = dict(zip(header, row))
    assert header[0] == "รหัสโครงการ (project)"
    assert cells["การอนุมัติค่าของกลุ่มจังหวัด (approval)"] == "อนุมัติครบทุกจังหวัด"
    assert cells["การอนุมัติรายจังหวัด (certainty)"] == "TH-34 รับรองแล้ว, TH-33 อนุมัติแล้ว"

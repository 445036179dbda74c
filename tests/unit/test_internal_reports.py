"""A province marks a report internal (issue 26): the views say which province values come from
such a report (a province key: only its own), and the exports and pages show it."""
from services.contracts import access
from services.gateway import exports
from services.reporting.queries import with_internal

RESULT = {"indicator": "NE2-1.1", "provinces": {"TH-33": 4.0, "TH-34": 5.0, "TH-35": 6.0},
          "by_province": {"TH-34": {"name_th": "ศรีสะเกษ"}}}


def test_a_result_names_the_provinces_whose_value_in_force_is_internal():
    marked = {("NE2-1.1", "FY2567-Q2", "TH-34"), ("NE2-1.1", "FY2567-Q1", "TH-35"),
              ("NE2-1.2", "FY2567-Q2", "TH-33"), ("NE2-1.1", "FY2567-Q2", "TH-37")}
    assert with_internal(dict(RESULT), "FY2567-Q2", marked)["internal_provinces"] == ["TH-34"]
    # a fiscal year rolled up from quarters: internal if any quarter it is made of is
    rolled = {**RESULT, "rolled_up_from": {"frequency": "quarterly", "periods": {
        "TH-33": ["FY2567-Q1"], "TH-34": ["FY2567-Q1"], "TH-35": ["FY2567-Q1", "FY2567-Q2"]}}}
    assert with_internal(rolled, "FY2567", marked)["internal_provinces"] == ["TH-35"]
    assert with_internal(dict(RESULT), "FY2567-Q2", set())["internal_provinces"] == []


def test_a_province_key_sees_only_its_own_internal_mark():
    result = {**RESULT, "internal_provinces": ["TH-34", "TH-35"]}
    own = access.results_for(access.Who("province", "TH-35"), {"results": [result]})
    assert own["results"][0]["internal_provinces"] == ["TH-35"]
    other = access.results_for(access.Who("province", "TH-33"), {"results": [result]})
    assert other["results"][0]["internal_provinces"] == []
    osm = access.results_for(access.Who("osm", "northeast-lower-2"), {"results": [result]})
    assert osm["results"][0]["internal_provinces"] == ["TH-34", "TH-35"]


def test_the_indicator_export_ends_with_the_internal_province_values_by_name():
    header, rows = exports.with_internal_column(
        (["a"], [[1], [2]]), [{**RESULT, "internal_provinces": ["TH-34", "TH-35"]},
                              {**RESULT, "internal_provinces": []}])
    assert header == ["a", "ค่าของจังหวัดที่เป็นข้อมูลภายใน ไม่เผยแพร่ (internal_provinces)"]
    assert rows == [[1, "ศรีสะเกษ (TH-34), TH-35"], [2, ""]]


def report(**changes):
    return {"received_at": "2025-01-10T07:30:00+00:00", "reported_at": "2025-01-10T14:30:00+07:00",
            "province": "TH-34", "kind": "indicator", "indicator": "NE2-1.1",
            "period": "FY2568-Q1", "value": 5.0, "status": "in_force", "retraction": False,
            "sender": "TH-34", "event_id": "e1", **changes}


def test_the_reports_export_has_an_internal_column_last():
    header, rows = exports.reports_table({"reports": [report(internal=True), report(),
                                                      report(internal=False)]})
    assert header[-1] == "ข้อมูลภายใน ไม่เผยแพร่ (internal)"
    assert [row[-1] for row in rows] == ["ภายใน / internal", "", ""]
    assert len(header) == len(rows[0])


def test_the_project_export_names_the_provinces_whose_progress_is_internal():
    project = {"project": "P", "title_th": "t", "title_en": "t", "fiscal_year": 2568, "issue": 1,
               "budget_thb": 1.0, "disbursed_thb": 0.0, "disbursement_pct": 0.0,
               "planned_to_date_pct": 0.0, "government_target_pct": None,
               "physical_progress_pct": 1.0, "procurement_stage": None, "behind_schedule": False,
               "behind_reasons": [], "as_of": None, "provinces_reported": ["TH-33", "TH-34"],
               "approval": "none", "provinces": {"TH-33": {"certainty": "preliminary"},
                                                 "TH-34": {"certainty": "preliminary",
                                                           "internal": True}}}
    header, rows = exports.project_progress_table({"projects": [project]})
    assert header[-1].endswith("(internal_provinces)") and rows[0][-1] == "TH-34"


def test_the_badge_shows_for_a_report_marked_internal_only():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from services.gateway import dashboard
    template = Environment(loader=FileSystemLoader(str(dashboard.HERE / "templates")),
                           undefined=StrictUndefined).get_template("_internal.html")
    words = dashboard.words("en")
    shown = template.render(r=report(internal=True), w=words)
    assert "ภายใน / internal" in shown and "not published outside the government" in shown
    assert template.render(r=report(), w=words).strip() == ""
    assert template.render(r=report(internal="yes"), w=words).strip() == ""

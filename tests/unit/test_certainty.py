"""How certain a figure is (services/reporting/certainty.py, docs/approvals.md section 4): each
province's value marked by its period's approval (or a period holding it), a rolled-up year as
certain as its least certain quarter, the cluster value fully or partly approved over the
expected provinces, completeness counting the periods approved by their due date, and project
progress by the period its report is as of."""
from services.reporting import certainty

EXPECTED = ["TH-34", "TH-33", "TH-35", "TH-37"]


def result(values, **more):
    return {"provinces": values, "by_province": {p: {"value": values.get(p)} for p in EXPECTED},
            **more}


def test_each_value_says_its_approval_and_the_cluster_value_is_full_only_when_all_are():
    found = {("FY2568-Q2", "TH-34"): "approved", ("FY2568-Q2", "TH-33"): "submitted"}
    got = certainty.with_certainty(result({"TH-34": 1.0, "TH-33": 2.0, "TH-35": 3.0}), found,
                                   "FY2568-Q2", EXPECTED)
    assert got["certainty"] == {"TH-34": "approved", "TH-33": "submitted",
                                "TH-35": "provisional"}  # only the provinces with a value
    assert got["approval"] == "partial"
    assert got["by_province"]["TH-37"]["certainty"] == "provisional"
    assert got["by_province"]["TH-34"] == {"value": 1.0, "certainty": "approved"}
    everyone = {("FY2568-Q2", p): "accepted" for p in EXPECTED} | {("FY2568-Q2", "TH-34"): "approved"}
    assert certainty.with_certainty(result({"TH-34": 1.0}), everyone, "FY2568-Q2",
                                    EXPECTED)["approval"] == "full"
    assert certainty.with_certainty(result({"TH-34": 1.0}), {}, "FY2568-Q2",
                                    EXPECTED)["approval"] == "none"
    # another period's approval says nothing of this one's figures
    assert certainty.with_certainty(result({"TH-34": 1.0}), found, "FY2568-Q3",
                                    EXPECTED)["certainty"] == {"TH-34": "provisional"}


def test_an_approved_year_covers_its_quarters_and_a_year_rolled_up_is_its_least_certain_quarter():
    found = {("FY2567", "TH-34"): "accepted", ("FY2568-Q1", "TH-33"): "approved",
             ("FY2568-Q2", "TH-33"): "submitted", ("FY2568-Q1", "TH-34"): "approved",
             ("FY2568-Q2", "TH-34"): "accepted"}
    assert certainty.state_of(found, "FY2567-Q3", "TH-34") == "accepted"
    assert certainty.state_of(found, "2024-02", "TH-34") == "accepted"  # a month of that year
    assert certainty.state_of(found, "FY2568", "TH-34") == "open"  # quarters do not hold a year
    year = result({"TH-34": 5.0, "TH-33": 4.0}, rolled_up_from={
        "frequency": "quarterly", "periods": {"TH-34": ["FY2568-Q1", "FY2568-Q2"],
                                              "TH-33": ["FY2568-Q1", "FY2568-Q2"]}})
    got = certainty.with_certainty(year, found, "FY2568", ["TH-34", "TH-33"])
    assert got["certainty"] == {"TH-34": "approved", "TH-33": "submitted"}
    assert got["approval"] == "partial"
    found[("FY2568", "TH-33")] = "approved"  # the year approved as a whole
    assert certainty.with_certainty(year, found, "FY2568", ["TH-34", "TH-33"])["approval"] == "full"


def step(period, province, name, version, at):
    return {"period": period, "province": province, "step": name, "version": version, "at": at}


def test_completeness_counts_the_provinces_approved_by_the_due_date_and_still_approved():
    due = "2025-04-15"  # FY2568-Q2 ends 31 March; due 15 days later
    rows = [{"province": p, "due_date": due} for p in EXPECTED]
    found = {("FY2568-Q2", "TH-34"): "accepted", ("FY2568-Q2", "TH-33"): "approved",
             ("FY2568-Q2", "TH-35"): "open", ("FY2568-Q2", "TH-37"): "submitted"}
    steps = [step("FY2568-Q2", "TH-34", "submit", 1, "2025-04-10T09:00:00+07:00"),
             step("FY2568-Q2", "TH-34", "approve", 2, "2025-04-15T23:30:00+07:00"),  # the day
             step("FY2568-Q2", "TH-34", "accept", 3, "2025-05-20T09:00:00+07:00"),
             step("FY2568-Q2", "TH-33", "approve", 2, "2025-04-01T09:00:00+07:00"),
             step("FY2568-Q2", "TH-33", "reopen", 3, "2025-04-02T09:00:00+07:00"),
             step("FY2568-Q2", "TH-33", "approve", 5, "2025-04-16T00:30:00+07:00"),  # a day late
             step("FY2568-Q2", "TH-35", "approve", 2, "2025-04-01T09:00:00+07:00"),
             step("FY2568-Q2", "TH-35", "reopen", 3, "2025-04-05T09:00:00+07:00")]  # not now
    got = certainty.with_approvals({"period": "FY2568-Q2", "provinces": rows}, found, steps)
    by = {r["province"]: r for r in got["provinces"]}
    assert {p: (by[p]["approval"], by[p]["approved_on_time"]) for p in EXPECTED} == {
        "TH-34": ("accepted", True), "TH-33": ("approved", False), "TH-35": ("open", False),
        "TH-37": ("submitted", False)}
    assert by["TH-35"]["certainty"] == "provisional"
    assert (got["approved"], got["approved_on_time"]) == (2, 1)


def test_project_progress_is_as_certain_as_the_period_its_report_is_as_of():
    rows = [{"project": "P1", "provinces": {
        "TH-34": {"as_of": "2025-03-31", "disbursed_thb": 1.0},
        "TH-33": {"as_of": "2025-04-02", "disbursed_thb": 2.0}}},
        {"project": "P2", "provinces": {}}]
    found = {("FY2568-Q2", "TH-34"): "approved", ("FY2568-Q2", "TH-33"): "accepted"}
    p1, p2 = certainty.with_project_certainty(rows, found)
    assert p1["provinces"]["TH-34"] == {"as_of": "2025-03-31", "disbursed_thb": 1.0,
                                        "certainty": "approved"}
    assert p1["provinces"]["TH-33"]["certainty"] == "provisional"  # as of a day in Q3
    assert p1["approval"] == "partial" and p2["approval"] == "none"
    found[("FY2568-Q3", "TH-33")] = "approved"
    assert certainty.with_project_certainty(rows, found)[0]["approval"] == "full"

"""Problems analysed together, the pure rules (services/reporting/problems.py and
services/contracts/problems.py): what problem_items may say, a problem's current state and its
precedence, the analysis, the Pareto of causes, recurring causes and overdue remedies."""
from collections import Counter
from datetime import date, datetime, timezone

import pytest
from marshmallow import ValidationError

from services.contracts.problems import (checked_cause_list, default_cause_list,
                                         derived_problem_id, load_problem_items)
from services.contracts.reports import ProjectReportSchema
from services.reporting import problems

PLAN = {"id": "p", "cluster": "c", "issues": [{"number": 1, "title_th": "เกษตร", "title_en": "Farming"},
                                               {"number": 2, "title_th": "การค้า", "title_en": "Trade"}],
        "projects": [{"code": "A", "issue": 1, "budget_thb": 100.0, "title_th": "ก", "title_en": "A"},
                     {"code": "B", "issue": 1, "budget_thb": 50.0, "title_th": "ข", "title_en": "B"},
                     {"code": "C", "issue": 2, "budget_thb": 10.0, "title_th": "ค", "title_en": "C"}],
        "agencies": [{"code": "owner"}]}
CAUSES = default_cause_list()


def item(pid="P1", cause="procurement", status="open", remedies=(), description="ไม่มีผู้ยื่นซอง"):
    return {"problem_id": pid, "cause": cause, "severity": "high", "status": status,
            "owner_agency": "owner", "description": description, "remedies": list(remedies)}


def report(event_id, reported_at, items, project="A", province="TH-34", as_of="2024-03-31"):
    return {"event_id": event_id, "project": project, "province": province, "as_of": as_of,
            "reported_at": reported_at, "problem_items": items}


# --- what a report may say ----------------------------------------------------------------------

BODY = {"event_id": "6f1c2d3e-0000-4000-8000-000000000001", "province": "TH-34",
        "reported_at": "2024-04-10T09:30:00+07:00", "project": "A", "as_of": "2024-03-31",
        "physical_progress_pct": 1, "disbursed_thb": 0, "procurement_stage": "procurement"}


def test_problem_items_are_optional_and_absent_stays_absent():
    assert "problem_items" not in ProjectReportSchema().load(BODY)
    loaded = ProjectReportSchema().load({**BODY, "problem_items": [
        {**item(pid=None), "remedies": [{"action": "ประกาศใหม่", "due": "2024-05-01"}]}]})
    assert loaded["problem_items"][0]["remedies"] == [
        {"action": "ประกาศใหม่", "due": "2024-05-01", "done": False}]


@pytest.mark.parametrize("items, words", [
    ([{**item(), "severity": "huge"}], ["[0].severity", "low, medium, high", "ต้องเป็น"]),
    ([{**item(), "remedies": [{"action": "x", "due": "2024-13-01"}]}], ["[0].remedies[0].due",
                                                                        "วันที่"]),
    ([{k: v for k, v in item().items() if k != "owner_agency"}], ["[0].owner_agency: required",
                                                                  "ต้องระบุ"]),
    ([item()] * 21, ["at most 20", "ไม่เกิน 20"]),
    ([{**item(), "remedies": [{"action": "x", "due": "2024-05-01"}] * 11}], ["at most 10"]),
    ([{**item(), "description": "x" * 2001}], ["[0].description", "2000"]),
    ([{**item(), "problem_id": "has space"}], ["[0].problem_id"]),
    ([{**item(), "extra": 1}], ["unknown field(s) extra"]),
])
def test_a_bad_item_is_named_in_english_and_thai(items, words):
    with pytest.raises(ValidationError) as caught:
        ProjectReportSchema().load({**BODY, "problem_items": items})
    text = str(caught.value.messages["problem_items"])
    assert all(w in text for w in words), text


def test_cause_and_owner_must_fit_the_list_and_the_plan():
    report_body = {"project": "A", "problem_items": [item(cause="nope"),
                                                     {**item(pid="P2"), "owner_agency": "x"},
                                                     item(pid="P3"), item(pid="P3")]}
    english, thai = problems.item_problem(PLAN, report_body, CAUSES)
    assert "'nope' is not in the cause list" in english and "ไม่มีในรายการสาเหตุ" in thai
    assert "problem_items[1].owner_agency" in english and "ไม่ใช่หน่วยงาน" in thai
    assert "problem P3 is listed twice" in english
    retired = {**CAUSES, "causes": [{**c, "retired": c["code"] == "procurement"}
                                    for c in CAUSES["causes"]]}
    assert "is retired" in problems.item_problem(PLAN, {"project": "A", "problem_items": [item()]},
                                                 retired)[0]
    assert problems.item_problem(PLAN, {"project": "A", "problem_items": [item()]}, CAUSES) is None


def test_the_cause_list_is_checked():
    with pytest.raises(ValueError, match="Bad"):
        checked_cause_list([{"code": "Bad", "label_th": "ก", "label_en": "A"}])
    with pytest.raises(ValueError, match="label_en"):
        checked_cause_list([{"code": "ok", "label_th": "ก", "label_en": " "}])
    with pytest.raises(ValueError, match="code"):
        checked_cause_list([{"code": {}, "label_th": "ก", "label_en": "A"}, 5])
    with pytest.raises(ValueError, match="twice"):
        checked_cause_list([{"code": "ok", "label_th": "ก", "label_en": "A"}] * 2)
    with pytest.raises(ValueError, match="at least one"):
        checked_cause_list([{"code": "ok", "label_th": "ก", "label_en": "A", "retired": True}])
    assert [c["code"] for c in default_cause_list()["causes"]] == [
        "budget_release", "procurement", "land_permits", "weather_disaster", "contractor",
        "design_change", "coordination", "staffing", "regulation", "other"]


def test_a_problem_without_an_id_gets_the_same_id_from_the_same_words():
    one = derived_problem_id("A", "procurement", "ไม่มี  ผู้ยื่น ")
    assert one == derived_problem_id("A", "procurement", "ไม่มี ผู้ยื่น")
    assert one != derived_problem_id("B", "procurement", "ไม่มี ผู้ยื่น")
    items, found = load_problem_items([item(pid=None)])
    assert found == [] and problems.problem_id_of("A", items[0]).startswith("p-")


# --- current state and precedence -----------------------------------------------------------

def test_the_latest_report_wins_by_instant_then_event_id():
    reports = [
        # 09:30 in Bangkok is 02:30 UTC: earlier than 03:00 UTC although it reads later
        report("e-2", "2024-04-10T09:30:00+07:00", [item(status="resolved")]),
        report("e-1", "2024-04-10T03:00:00+00:00", [item(status="in_progress")]),
    ]
    [state] = problems.current_problems(PLAN, reports, [], CAUSES)
    assert state["status"] == "in_progress" and state["event_id"] == "e-1"
    tie = [report("e-1", "2024-04-10T03:00:00+00:00", [item(status="open")]),
           report("e-9", "2024-04-10T10:00:00+07:00", [item(status="resolved")])]
    for order in (tie, tie[::-1]):
        [state] = problems.current_problems(PLAN, order, [], CAUSES)
        assert state["status"] == "resolved"  # same instant: the greater event_id


def test_the_later_of_report_and_osm_update_wins():
    reports = [report("e-1", "2024-04-10T09:30:00+07:00", [item()])]
    update = {"update_id": "u", "project": "A", "problem_id": "P1", "by": "osm",
              "at": "2024-04-11T00:00:00+00:00",
              "changes": {"status": "in_progress", "owner_agency": None, "remedies": None,
                          "note": "ตามแล้ว"}}
    [state] = problems.current_problems(PLAN, reports, [update], CAUSES)
    assert (state["status"], state["source"], state["note"]) == ("in_progress", "osm", "ตามแล้ว")
    reports.append(report("e-2", "2024-04-12T09:30:00+07:00", [item(status="open")]))
    [state] = problems.current_problems(PLAN, reports, [update], CAUSES)
    assert (state["status"], state["source"]) == ("open", "report")


# --- the analysis --------------------------------------------------------------------------

def analysed():
    reports = [
        report("1", "2024-01-10T00:00:00+00:00", [item("P1"), item("P2", cause="contractor")],
               project="A", as_of="2024-01-05"),                              # FY2567
        report("2", "2024-02-10T00:00:00+00:00", [item("P3")], project="B", as_of="2024-02-05"),
        report("3", "2024-11-10T00:00:00+00:00", [item("P1")], project="A", as_of="2024-11-05"),
        report("4", "2024-11-11T00:00:00+00:00", [item("P4", cause="contractor")], project="C",
               province="TH-33", as_of="2024-11-05"),                         # FY2568
    ]
    return problems.current_problems(PLAN, reports, [], CAUSES)


def test_groups_count_occurrences_and_budget_once_per_project():
    result = problems.analysis(analysed(), CAUSES, PLAN, {})
    cells = {(g["cause"], g["issue"], g["province"], g["fiscal_year"]): g for g in result["groups"]}
    assert cells[("procurement", 1, "TH-34", 2567)]["count"] == 2  # P1 of A, P3 of B
    assert cells[("procurement", 1, "TH-34", 2567)]["budget_at_stake_thb"] == 150.0
    assert cells[("procurement", 1, "TH-34", 2568)]["count"] == 1  # P1 again, next year
    assert cells[("contractor", 2, "TH-33", 2568)]["budget_at_stake_thb"] == 10.0
    assert result["occurrences"] == 5
    only = problems.analysis(analysed(), CAUSES, PLAN, {"fiscal_year": 2568})
    assert only["occurrences"] == 2


def test_pareto_matches_a_recount():
    result = problems.analysis(analysed(), CAUSES, PLAN, {})
    recount = Counter(o["cause"] for o in problems.occurrences(analysed()))
    assert [(p["cause"], p["count"]) for p in result["pareto"]] == \
        sorted(recount.items(), key=lambda kv: (-kv[1], kv[0]))
    assert result["pareto"][0]["cumulative_pct"] == 60.0 and result["pareto"][-1]["cumulative_pct"] == 100.0
    assert result["pareto"][0]["cause_label_th"] == "การจัดซื้อจัดจ้าง"


def test_causes_recurring_across_fiscal_years():
    recurring = problems.analysis(analysed(), CAUSES, PLAN, {})["recurring"]
    found = {(r["cause"], r["scope"], r["subject"]): r["fiscal_years"] for r in recurring}
    assert found == {("procurement", "project", "A"): [2567, 2568],
                     ("procurement", "issue", 1): [2567, 2568]}


# --- remedies overdue ----------------------------------------------------------------------

def test_a_remedy_past_due_and_not_done_is_one_fact_each():
    remedies = [{"action": "เร่งรัด", "due": "2024-04-30", "done": False},
                {"action": "ทำแล้ว", "due": "2024-04-01", "done": True},
                {"action": "ยังไม่ถึง", "due": "2024-06-30", "done": False}]
    reports = [report("1", "2024-04-10T00:00:00+00:00", [item(remedies=remedies),
                                                          item("P9", status="resolved",
                                                               remedies=remedies)])]
    current = problems.current_problems(PLAN, reports, [], CAUSES)
    now = datetime(2024, 5, 10, tzinfo=timezone.utc)
    facts = problems.overdue_remedy_events(PLAN, current, date(2024, 5, 10), now)
    assert [(f[0], f[1]["action"], f[1]["days_overdue"], f[1]["owner_agency"]) for f in facts] == \
        [("remedy_overdue", "เร่งรัด", 10, "owner")]
    again = problems.overdue_remedy_events(PLAN, current, date(2024, 5, 11), now)
    assert again[0][1]["event_id"] == facts[0][1]["event_id"]  # the same fact: mailed once


# --- the mail to the owner agency ------------------------------------------------------------

def test_an_overdue_remedy_is_mailed_to_its_owner_agency_in_thai_and_english():
    from clusterctl.reference import load_sample_plan
    from services.contracts import events
    from services.notify.domain import DEFAULT_RULES, recipients
    from services.notify.mails import render
    from services.notify.store import _directory

    plan = load_sample_plan()
    directory = _directory([{"cluster": plan["cluster"], "provinces": plan["provinces"],
                             "agencies": plan["agencies"]}])
    reports = [report("1", "2024-04-10T00:00:00+00:00", [
        {**item(remedies=[{"action": "ประกาศประกวดราคาใหม่", "due": "2024-04-30", "done": False}]),
         "owner_agency": "ubon-commerce"}], project="NE2-67-003")]
    current = problems.current_problems(plan, reports, [], CAUSES)
    [(name, fact)] = problems.overdue_remedy_events(plan, current, date(2024, 5, 10),
                                                   datetime(2024, 5, 10, tzinfo=timezone.utc))
    fact = events.load(events.named(name), fact)
    [who] = recipients(name, fact, directory, DEFAULT_RULES)
    assert who.email == "commerce@ubon.example"
    mail = render(name, fact, who, "http://gw")
    assert "ประกาศประกวดราคาใหม่" in mail.text and "30 เมษายน 2567" in mail.text
    assert "Remedy: ประกาศประกวดราคาใหม่" in mail.text and "10 day(s) overdue" in mail.text
    assert "การจัดซื้อจัดจ้าง" in mail.html and "Procurement" in mail.html


def test_osm_updates_after_the_report_add_up():
    reports = [report("e-1", "2024-04-10T09:30:00+07:00", [item()])]
    first = {"update_id": "u1", "project": "A", "problem_id": "P1", "by": "osm",
             "at": "2024-04-11T00:00:00+00:00",
             "changes": {"status": "in_progress", "owner_agency": None, "remedies": None,
                         "note": None}}
    second = {**first, "update_id": "u2", "at": "2024-04-12T00:00:00+00:00",
              "changes": {"status": None, "owner_agency": None, "remedies": None, "note": "ต่อ"}}
    [state] = problems.current_problems(PLAN, reports, [second, first], CAUSES)
    assert (state["status"], state["note"], state["updated_at"]) == \
        ("in_progress", "ต่อ", "2024-04-12T00:00:00+00:00")


# --- the annual review workbook ------------------------------------------------------------

def test_the_review_workbook_has_a_sheet_per_table_and_runs_nothing_typed():
    import io

    import openpyxl

    from services.gateway.problem_exports import review_workbook

    hostile = '=HYPERLINK("http://evil.example","x")'
    reports = [report("1", "2024-01-10T00:00:00+00:00",
                      [item(description=hostile, remedies=[{"action": "@SUM(1,1)",
                                                            "due": "2024-02-01", "done": False}])])]
    current = problems.current_problems(PLAN, reports, [], CAUSES)
    data = review_workbook({**problems.analysis(current, CAUSES, PLAN, {}), "problems": current},
                           {"TH-34": "อุบลราชธานี"})
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert [s.title for s in book.worksheets] == ["สรุปตามสาเหตุ (groups)", "Pareto",
                                                 "สาเหตุที่ซ้ำ (recurring)", "ปัญหา (problems)"]
    cells = [c for s in book.worksheets for row in s.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    texts = {c.value for c in cells}
    assert hostile in texts and "อุบลราชธานี" in texts and "ปีงบประมาณ พ.ศ. 2567" in texts

"""Implementing agencies report their own projects: who the sender is, the envelope an agency may
use, whose projects it may report, and the broker's topic permissions that hold it to them."""
import json
import re

import pytest

from clusterctl.credentials import add_agency_key, ensure_credentials, implementing_agencies
from clusterctl.deploy import definitions
from services.contracts import access
from services.contracts.reports import (AGENCY_CODE, agency_routing_key, agency_topic_pattern,
                                        province_topic_pattern)
from services.reporting.domain import (Rejection, Sender, ValidReport, check_envelope,
                                       identify_sender, match_plan, parse_body)

EVENT_ID = "7a1c2f34-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
TOURISM = Sender("agency.ubon-tourism", None, "ubon-tourism")
PLAN = {
    "id": "ne2", "cluster": "northeast-lower-2", "status": "published", "start_fy": 2566,
    "end_fy": 2570, "provinces": ["TH-34", "TH-33", "TH-35", "TH-37"], "issues": [],
    "agencies": [{"code": "ubon-tourism", "roles": ["implementing"]},
                 {"code": "ubon-commerce", "roles": ["responsible"]},
                 {"code": "th-34-strategy", "roles": ["focal_point"]}],
    "projects": [{"code": "P-TOUR", "provinces": ["TH-34", "TH-37"],
                  "implementing_agency": "ubon-tourism"},
                 {"code": "P-TRADE", "provinces": ["TH-34"], "implementing_agency": "ubon-commerce"},
                 {"code": "P-NONE", "provinces": [], "implementing_agency": None}],
}


def project_body(**changes) -> dict:
    data = {"event_id": EVENT_ID, "province": "TH-37", "project": "P-TOUR",
            "as_of": "2024-03-31", "physical_progress_pct": 45.0, "disbursed_thb": 10.0,
            "procurement_stage": "in_progress", "reported_at": "2024-04-10T09:30:00+07:00"}
    return {**data, **changes}


def parsed(sender=TOURISM, **changes):
    return parse_body(json.dumps(project_body(**changes)).encode(), "project", sender, EVENT_ID)


# --- who sent it ---------------------------------------------------------------------------

def test_an_agency_user_is_recognised_with_or_without_the_prefix():
    assert identify_sender("agency.ubon-tourism", "x") == TOURISM
    assert identify_sender("t1-agency.ubon-tourism", "x", "t1-") == \
        Sender("t1-agency.ubon-tourism", None, "ubon-tourism")
    assert TOURISM.code == "ubon-tourism" and Sender("TH-34", "TH-34").code == "TH-34"


@pytest.mark.parametrize("user", ["agency.", "agency.a.b", "agency.TH-34", "agency.*", "agency"])
def test_a_malformed_agency_user_is_no_sender(user):
    assert identify_sender(user, "report.x.project").code is None


def test_agency_codes_are_one_routing_key_word_and_never_a_province():
    assert AGENCY_CODE.match("ubon-tourism") and AGENCY_CODE.match("th-34-strategy")
    assert not any(AGENCY_CODE.match(c) for c in ("TH-34", "a.b", "#", "", "x" * 65))


# --- the envelope --------------------------------------------------------------------------

def test_an_agency_sends_project_reports_on_its_own_routing_key():
    assert check_envelope(TOURISM, agency_routing_key("ubon-tourism"), None) == "project"


@pytest.mark.parametrize("key, words", [
    ("report.ubon-tourism.indicator", "project"),
    ("report.ubon-commerce.project", "names ubon-commerce but the sender is ubon-tourism"),
    ("report.TH-34.project", "names TH-34 but the sender is ubon-tourism"),
    ("reports.ubon-tourism", "not report.ubon-tourism.project"),
])
def test_an_agency_is_refused_any_other_envelope(key, words):
    outcome = check_envelope(TOURISM, key, None)
    assert isinstance(outcome, Rejection) and words in outcome.reason, outcome


def test_an_agency_sending_an_indicator_is_told_in_thai_too():
    outcome = check_envelope(TOURISM, "report.ubon-tourism.indicator", None)
    assert "หน่วยงาน" in outcome.reason_th


# --- the body and the plan -----------------------------------------------------------------

def test_an_agency_body_names_the_province_the_project_runs_in():
    report = parsed()
    assert isinstance(report, dict) and report["province"] == "TH-37"
    outcome = match_plan("project", report, [PLAN], "ubon-tourism")
    assert isinstance(outcome, ValidReport) and outcome.subject == "P-TOUR"


def test_a_province_still_reports_only_for_itself():
    outcome = parsed(Sender("TH-34", "TH-34"), province="TH-37")
    assert isinstance(outcome, Rejection) and "reports only for itself" in outcome.reason


def test_an_agency_reports_only_the_projects_it_implements():
    for project, province in (("P-TRADE", "TH-34"), ("P-NONE", "TH-33")):
        outcome = match_plan("project", parsed(project=project, province=province), [PLAN],
                             "ubon-tourism")
        assert isinstance(outcome, Rejection), outcome
        assert "not by ubon-tourism" in outcome.reason and "ubon-tourism" in outcome.reason_th
        assert outcome.report_event_id == EVENT_ID and outcome.kind == "project"


def test_an_agency_names_one_of_its_projects_provinces():
    outcome = match_plan("project", parsed(province="TH-33"), [PLAN], "ubon-tourism")
    assert isinstance(outcome, Rejection) and "does not run in TH-33" in outcome.reason


def test_a_province_reports_any_project_running_in_it():
    report = parsed(Sender("TH-34", "TH-34"), province="TH-34", project="P-TRADE")
    assert isinstance(match_plan("project", report, [PLAN]), ValidReport)


# --- credentials and the broker's permissions ----------------------------------------------

def test_topic_permissions_pin_each_sender_to_its_routing_keys():
    province, agency = province_topic_pattern("TH-34"), agency_topic_pattern("ubon-tourism")
    assert re.search(province, "report.TH-34.indicator") and re.search(province, "report.TH-34.project")
    assert not re.search(province, "report.TH-33.indicator")
    assert re.search(agency, "report.ubon-tourism.project")
    for key in ("report.ubon-tourism.indicator", "report.ubon-commerce.project",
                "report.ubon-tourismx.project", "report.ubon-tourism.projects"):
        assert not re.search(agency, key), key


def test_implementing_agencies_are_those_with_the_role_or_a_project():
    assert implementing_agencies(PLAN) == ["ubon-commerce", "ubon-tourism"]


def test_implementing_agencies_get_an_amqp_login_and_definitions_hold_them(tmp_path):
    path = tmp_path / "credentials.json"
    creds = ensure_credentials(path, "amqp://h/v", [], "t-", ["ubon-pao", "ubon-tourism"],
                               implementing_agencies(PLAN))
    assert creds["agencies"]["ubon-tourism"]["amqp_username"] == "t-agency.ubon-tourism"
    assert "amqp_username" not in creds["agencies"]["ubon-pao"]  # receives assets only
    again = ensure_credentials(path, "amqp://h/v", [], "t-", ["ubon-pao"],
                               implementing_agencies(PLAN))
    assert again == creds  # never rotated
    rights = definitions({**creds, "broker_operator": {"username": "op", "password": "x"}}, "v")
    topic = {t["user"]: t["write"] for t in rights["topic_permissions"]}
    assert topic["t-agency.ubon-tourism"] == agency_topic_pattern("ubon-tourism")
    assert {u["name"] for u in rights["users"]} >= {"t-agency.ubon-tourism", "t-agency.ubon-commerce"}


def test_the_agency_key_command_adds_an_amqp_login_once(tmp_path):
    path = tmp_path / "credentials.json"
    ensure_credentials(path, "amqp://h/v", [], "", ["ubon-pao"])
    key, entry = add_agency_key(path, "ubon-pao")
    assert entry["amqp_username"] == "agency.ubon-pao" and entry["amqp_password"]
    assert add_agency_key(path, "ubon-pao") == (key, entry)
    with pytest.raises(ValueError, match="cannot be an AMQP user"):
        add_agency_key(path, "a.b")


# --- who sees which rejections -------------------------------------------------------------

def test_rejections_an_agency_and_an_osm_see():
    agency, osm = access.Who("agency", "ubon-tourism"), access.Who("osm", "northeast-lower-2")
    assert access.rejection_provinces(agency, None, []) == []
    assert access.rejection_agencies(agency, None, []) == ["ubon-tourism"]
    plans = [{**PLAN, "agency_codes": ["ubon-tourism", "ubon-commerce"]},
             {"cluster": "other", "agency_codes": ["elsewhere"]}]
    assert access.rejection_agencies(osm, None, plans) == ["ubon-commerce", "ubon-tourism"]
    assert access.rejection_agencies(osm, "TH-34", plans) == []
    assert access.rejection_agencies(access.Who("admin", None), None, plans) is None
    with pytest.raises(access.Denied):
        access.rejection_provinces(agency, "TH-34", [])


# --- cadence: project progress in completeness and reminders -------------------------------

from datetime import date  # noqa: E402

from services.notify.domain import DEFAULT_RULES, recipients  # noqa: E402
from services.notify.domain import Recipient  # noqa: E402
from services.notify.mails import render  # noqa: E402
from services.reporting.timeliness import completeness, projects_due, reminders  # noqa: E402
from tests.support.plans import published_sample_plan  # noqa: E402

SAMPLE = published_sample_plan()
RECEIVED = "2025-04-05T03:00:00+00:00"  # 5 April 2025, before the due date (15 April)


def test_the_plan_defaults_to_quarterly_progress_and_projects_are_due_while_they_run():
    assert SAMPLE["progress_frequency"] == "quarterly"
    due = {p["code"] for p in projects_due(SAMPLE, "FY2568-Q2", "TH-34")}
    assert due == {"NE2-68-001", "NE2-68-003", "NE2-68-004"}
    assert projects_due(SAMPLE, "2025-02", "TH-34") == []  # not at the plan's cadence
    assert projects_due({**SAMPLE, "progress_frequency": "none"}, "FY2568-Q2", "TH-34") == []
    assert {p["code"] for p in projects_due({**SAMPLE, "progress_frequency": "monthly"},
                                            "2025-01", "TH-34")} == {"NE2-68-001", "NE2-68-003",
                                                                     "NE2-68-004"}
    # NE2-68-003 starts on 10 January 2025: not yet in October-December 2024
    assert "NE2-68-003" not in {p["code"] for p in projects_due(SAMPLE, "FY2568-Q1", "TH-34")}


def test_completeness_counts_project_progress_from_any_sender():
    received = {("TH-34", "NE2-68-003"): RECEIVED, ("TH-34", "NE2-68-001"): "2025-05-01T03:00:00+00:00"}
    rows = {r["province"]: r for r in completeness(SAMPLE, "FY2568-Q2", {}, 15, date(2025, 6, 1),
                                                   received)}
    projects = rows["TH-34"]["projects"]
    assert (projects["expected"], projects["received"], projects["on_time"], projects["late"]) \
        == (3, 2, 1, 1)
    assert projects["missing"] == ["NE2-68-004"] and projects["missing_agencies"] == ["sisaket-labour"]
    assert projects["late_projects"] == ["NE2-68-001"]
    assert rows["TH-35"]["projects"]["received"] == 0
    yearly = completeness(SAMPLE, "FY2568", {}, 15, date(2025, 6, 1), {})
    assert all(r["projects"]["expected"] == 0 for r in yearly)


def test_a_reminder_names_missing_projects_and_goes_to_their_implementing_agencies():
    everything = {(p, i["code"]): RECEIVED for p in SAMPLE["provinces"]
                  for issue in SAMPLE["issues"] for i in issue["indicators"]}
    facts = [f for f in reminders(SAMPLE, date(2025, 4, 20), {"FY2568-Q2": everything}, 15,
                                  projects_received_by_period={"FY2568-Q2": {}})
             if f[1]["period"] == "FY2568-Q2"]
    by_province = {e["province"]: e for _, e in facts}
    assert set(by_province) == {"TH-34", "TH-33", "TH-35", "TH-37"}  # indicators all sent
    th34 = by_province["TH-34"]
    assert th34["missing"] == [] and "NE2-68-004" in th34["missing_projects"]
    assert "sisaket-labour" in th34["agencies"]
    directory = {"agencies": {a["code"]: {**a, "cluster": SAMPLE["cluster"]}
                              for a in SAMPLE["agencies"]}, "province_cluster": {}}
    to = {r.email for r in recipients("report_overdue", th34, directory, {})}
    assert {"strategy@ubon.example", "skills@sisaket.example"} <= to
    assert "project_agencies" in DEFAULT_RULES["report_overdue"]
    mail = render("report_overdue", th34, Recipient("s@x.example", "ก", "A"), "http://x")
    assert "NE2-68-004" in mail.text and "โครงการที่ยังไม่ได้รายงานความก้าวหน้า" in mail.text
    assert "Projects without a progress report" in mail.text


def test_a_rejection_of_an_agencys_report_is_mailed_to_that_agency():
    directory = {"agencies": {a["code"]: {**a, "cluster": SAMPLE["cluster"]}
                              for a in SAMPLE["agencies"]}, "province_cluster": {}}
    event = {"province": None, "agency": "amnat-tourism", "sender": "agency.amnat-tourism"}
    assert [r.email for r in recipients("report_rejected", event, directory, {})] == [
        "tourism@amnatcharoen.example"]


# --- the HTTP path's pure part (services/gateway/project_reports.py) -----------------------

from datetime import datetime, timezone  # noqa: E402

from services.gateway import project_reports  # noqa: E402

ITEM = {"project": "P-TOUR", "province": "TH-37", "as_of": "2024-03-31",
        "physical_progress_pct": 45.0, "disbursed_thb": 10.0, "procurement_stage": "in_progress"}


@pytest.mark.parametrize("item, province, words", [
    ([], None, "not a JSON object"),
    ({**ITEM, "event_id": EVENT_ID}, None, "leave event_id out"),
    ({k: v for k, v in ITEM.items() if k != "as_of"}, None, "missing as_of"),
    ({k: v for k, v in ITEM.items() if k != "province"}, None, "name the province"),
    (ITEM, "TH-34", "a TH-34 key reports for TH-34"),
    ({**ITEM, "project": "NOPE"}, None, "has no project 'NOPE'"),
    ({**ITEM, "project": ["P-TOUR"]}, None, "has no project"),
])
def test_an_item_is_refused_with_what_is_wrong_and_where(item, province, words):
    assert words in project_reports.item_problem(item, 3, province, PLAN)


def test_the_event_id_derives_from_sender_plan_and_content_not_the_time():
    first = project_reports.bodies([ITEM], "ne2", "agency:ubon-tourism", None,
                                   datetime(2025, 1, 1, tzinfo=timezone.utc))[0]
    later = project_reports.bodies([ITEM], "ne2", "agency:ubon-tourism", None)[0]
    assert first["event_id"] == later["event_id"] and first["reported_at"] != later["reported_at"]
    assert project_reports.bodies([{**ITEM, "physical_progress_pct": 46.0}], "ne2",
                                  "agency:ubon-tourism", None)[0]["event_id"] != first["event_id"]
    assert project_reports.bodies([ITEM], "ne2", "province:TH-37", None)[0]["event_id"] \
        != first["event_id"]
    mine = project_reports.bodies([{k: v for k, v in ITEM.items() if k != "province"}], "ne2",
                                  "province:TH-37", "TH-37")[0]
    assert mine["province"] == "TH-37"
    assert project_reports.item_problem(ITEM, 0, None, PLAN) is None


def test_an_item_marked_internal_is_another_report_and_one_marked_false_the_same():
    plain = project_reports.bodies([ITEM], "ne2", "agency:ubon-tourism", None)[0]
    marked = project_reports.bodies([{**ITEM, "internal": True}], "ne2", "agency:ubon-tourism",
                                    None)[0]
    unmarked = project_reports.bodies([{**ITEM, "internal": False}], "ne2",
                                      "agency:ubon-tourism", None)[0]
    assert marked["internal"] is True and marked["event_id"] != plain["event_id"]
    assert "internal" not in unmarked and unmarked["event_id"] == plain["event_id"]
    # a mark that is no boolean goes to the intake's check as it is, which refuses it
    assert project_reports.bodies([{**ITEM, "internal": "yes"}], "ne2", "agency:ubon-tourism",
                                  None)[0]["internal"] == "yes"


def test_going_back_to_an_unmarked_report_after_a_marked_one_sends_it_again():
    """A, then A marked internal, then A again: A's id was received and is superseded by the
    marked one, so it goes out again under a new id (province_send.to_send)."""
    from services.infra.province_send import to_send
    plain = project_reports.bodies([ITEM], "ne2", "province:TH-37", "TH-37")[0]
    marked = project_reports.bodies([{**ITEM, "internal": True}], "ne2", "province:TH-37",
                                    "TH-37")[0]
    superseded = {plain["event_id"]: {"status": "superseded", "in_force": marked}}
    fresh, follow = to_send([plain], superseded)
    assert len(fresh) == 1 and fresh[0]["event_id"] not in (plain["event_id"], marked["event_id"])
    assert follow == [fresh[0]["event_id"]] and "internal" not in fresh[0]
    # the report in force says the same (its mark left out is false): nothing to send
    same = {**marked, "internal": False}
    assert to_send([plain], {plain["event_id"]: {"status": "superseded", "in_force": same}}) \
        == ([], [same["event_id"]])


def test_the_gateway_names_the_person_or_the_organisation_s_key_it_sends_for():
    from services.gateway.province_reports import reporter
    person = access.Who("agency", "ubon-pao", person="สมหญิง (สมชาย) (somying)", duty="agency_officer")
    assert reporter(person) == ("somying", "สมหญิง (สมชาย)")
    assert reporter(access.Who("agency", "ubon-pao")) == ("api-key:agency:ubon-pao",
                                                         "API key agency:ubon-pao")

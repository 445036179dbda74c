"""Implementing agencies report their own projects, through the running system and the real
broker: their own AMQP login held to ``report.<code>.project``, the HTTP path with their API key,
rejections listed for them and mailed to them, and the reports counted in completeness.

Projects of this module only: NE2-68-003 (amnat-tourism) and NE2-68-005 (amnat-commerce) in
FY2568-Q2, NE2-67-005 (sisaket-tourism), NE2-67-006 (yasothon-social)."""
import email
import json
import subprocess
import sys
import uuid
from email import policy

import pika
import pytest
import requests

from clusterctl.settings import REPO_ROOT
from tests.support.browsing import csrf_of, signed_in
from tests.support.system import Province, wait_until

from .test_dashboard import ARTIFACTS, CHROMIUM

PLAN = "northeast-lower-2-2566-2570"


@pytest.fixture
def sender(system):
    opened = []

    def open_as(code):
        opened.append(Province(system.credentials(), code))
        return opened[-1]
    yield open_as
    for each in opened:
        each.close()


def reports_of(system, project):
    return system.get(f"/api/plans/{PLAN}/reports", system.key(), project=project).json()["reports"]


def post(system, key, items):
    return requests.post(f"{system.base}/api/plans/{PLAN}/project-reports", json=items,
                         headers={"Authorization": f"Bearer {key}"}, timeout=60)


def test_an_agency_publishes_its_own_project_report_and_it_counts(system, sender):
    creds = system.credentials()
    assert creds["agencies"]["amnat-tourism"]["amqp_username"] == \
        f"{system.prefix}agency.amnat-tourism"
    event_id = sender("amnat-tourism").project(
        "NE2-68-003", "TH-34", "2025-03-31", "2025-04-02T09:00:00+07:00",
        physical_progress_pct=35.0, disbursed_thb=700000.0, problems="ฝนตกนอกฤดู")
    [mine] = wait_until(lambda: [r for r in reports_of(system, "NE2-68-003")
                                 if r["event_id"] == event_id], timeout=60, what="the report")
    assert mine["sender"] == f"{system.prefix}agency.amnat-tourism"
    assert mine["status"] == "in_force" and mine["province"] == "TH-34"
    osm = system.key("osm", "northeast-lower-2")
    row = next(r for r in system.get(f"/api/plans/{PLAN}/completeness", osm,
                                     period="FY2568-Q2").json()["provinces"]
               if r["province"] == "TH-34")
    projects = row["projects"]
    assert projects["frequency"] == "quarterly"
    # running in TH-34 in January-March 2025: NE2-68-001, NE2-68-003, NE2-68-004
    assert projects["expected"] == 3 and projects["received"] >= 1
    assert "NE2-68-003" not in projects["missing"] and "NE2-68-004" in projects["missing"]
    assert "sisaket-labour" in projects["missing_agencies"]
    assert "amnat-tourism" not in projects["missing_agencies"]
    status = system.get(f"/api/plans/{PLAN}/report-status", system.key("agency", "amnat-tourism"),
                        event_id=event_id).json()
    assert status["agency"] == "amnat-tourism" and status["statuses"][event_id]["status"] == "in_force"


def test_the_broker_refuses_another_agencys_routing_key(system, sender):
    agency = sender("amnat-tourism")
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
        agency.publish({"event_id": str(uuid.uuid4())}, routing_key="report.amnat-commerce.project")
    assert refused.value.reply_code == 403 and "ACCESS_REFUSED" in refused.value.reply_text
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
        sender("amnat-tourism").publish({"event_id": str(uuid.uuid4())},
                                        routing_key="report.amnat-tourism.indicator")
    assert refused.value.reply_code == 403


def test_a_project_the_agency_does_not_implement_is_rejected_listed_and_mailed(system, sender):
    event_id = sender("amnat-tourism").project(  # NE2-68-005 is amnat-commerce's
        "NE2-68-005", "TH-37", "2025-03-31", "2025-04-02T09:00:00+07:00")
    mine = system.key("agency", "amnat-tourism")
    [kept] = wait_until(lambda: [r for r in system.get("/api/rejections", mine).json()
                                 if r["event_id"] == event_id], timeout=60, what="the rejection")
    assert kept["agency"] == "amnat-tourism" and kept["province"] is None
    assert "implemented by amnat-commerce, not by amnat-tourism" in kept["reason"]
    osm = system.key("osm", "northeast-lower-2")
    assert event_id in {r["event_id"] for r in system.get("/api/rejections", osm).json()}
    assert event_id not in {r["event_id"] for r in system.get(
        "/api/rejections", system.key("province", "TH-37")).json()}
    assert event_id not in {r["event_id"] for r in system.get(
        "/api/rejections", system.key("agency", "amnat-commerce")).json()}

    def mailed():
        for path in system.mails():
            msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            if msg["To"] == "tourism@amnatcharoen.example" and "รายงานถูกปฏิเสธ" in msg["Subject"]:
                text = msg.get_body(("plain",)).get_content()
                if event_id in text:
                    return text
    text = wait_until(mailed, timeout=60, what="the rejection mailed to the agency")
    assert "ดำเนินการโดย amnat-commerce" in text and "not by amnat-tourism" in text


def test_project_reports_over_http_all_or_none_then_once(system):
    agency = system.key("agency", "amnat-commerce")
    good = {"project": "NE2-68-005", "province": "TH-37", "as_of": "2025-03-31",
            "physical_progress_pct": 20.0, "disbursed_thb": 1500000.0,
            "procurement_stage": "contract_signed", "problems": "รอส่งมอบพื้นที่"}
    theirs = {**good, "project": "NE2-68-003"}
    refused = post(system, agency, [good, theirs])
    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert [p["item"] for p in error["problems"]] == [1]
    assert "not by amnat-commerce" in error["problems"][0]["message"]
    assert not reports_of(system, "NE2-68-005") or all(
        r["sender"].endswith("agency.amnat-tourism") for r in reports_of(system, "NE2-68-005"))
    osm = system.key("osm", "northeast-lower-2")
    assert post(system, osm, [good]).status_code == 403
    assert post(system, agency, {"project": "x"}).status_code == 400  # not an array

    sent = post(system, agency, [good])
    assert sent.status_code == 202, sent.text
    answer = sent.json()
    assert answer["sent"] == 1 and answer["agency"] == "amnat-commerce"
    [event_id] = answer["event_ids"]
    wait_until(lambda: system.get(f"/api/plans/{PLAN}/report-status", agency, event_id=event_id)
               .json()["statuses"][event_id]["status"] == "in_force", timeout=60,
               what="the report in force")
    again = post(system, agency, [good]).json()
    assert (again["sent"], again["already_received"], again["event_ids"]) == (0, 1, [event_id])
    [report] = [r for r in reports_of(system, "NE2-68-005") if r["event_id"] == event_id]
    assert report["sender"] == f"{system.prefix}agency.amnat-commerce"
    row = next(r for r in system.get(f"/api/plans/{PLAN}/completeness", osm,
                                     period="FY2568-Q2").json()["provinces"]
               if r["province"] == "TH-37")
    assert "NE2-68-005" not in row["projects"]["missing"]
    # a province key sends for itself only
    th37 = system.key("province", "TH-37")
    assert post(system, th37, [{**good, "province": "TH-34"}]).status_code == 400


def test_the_dashboard_form_lists_the_agencys_projects_and_sends_through_the_same_path(system):
    browser = signed_in(system.base, system.key("agency", "sisaket-tourism"))
    page = browser.get(f"{system.base}/project-report", timeout=30)
    assert page.status_code == 200 and 'data-project="NE2-67-005"' in page.text
    assert 'data-project="NE2-68-005"' not in page.text  # not its project
    assert "Project progress" in page.text
    item = {"project": "NE2-67-005", "province": "TH-33", "as_of": "2024-06-30",
            "physical_progress_pct": 70.0, "disbursed_thb": 5000000.0,
            "procurement_stage": "in_progress", "problems": None, "solutions": None}
    sent = browser.post(f"{system.base}/project-report/send", params={"plan": PLAN}, json=[item],
                        headers={"X-CSRF-Token": csrf_of(browser, "/project-report")}, timeout=60)
    assert sent.status_code == 202, sent.text
    [event_id] = sent.json()["event_ids"]
    wait_until(lambda: browser.get(f"{system.base}/report/status", timeout=30,
                                    params={"plan": PLAN, "event_id": event_id}).json()
               ["statuses"][event_id]["status"] == "in_force", timeout=60, what="in force")
    assert browser.get(f"{system.base}/", allow_redirects=False,
                       timeout=30).headers["Location"].startswith("/assets")


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine (make test installs "
                                             "Debian's when it runs as root with apt)")
def test_an_agency_sends_progress_with_the_dashboard_form_in_a_browser(system):
    ARTIFACTS.mkdir(exist_ok=True)
    request = {"mode": "agency_form", "base": system.base, "plan": PLAN, "chromium": CHROMIUM,
               "artifacts": str(ARTIFACTS), "key": system.key("agency", "yasothon-social"),
               "project": "NE2-67-006", "province": "TH-35",
               "values": {"physical_progress_pct": "64", "disbursed_thb": "2500000",
                          "as_of": "2024-06-30", "problems": "วัสดุก่อสร้างขึ้นราคา"}}
    done = subprocess.run([sys.executable, "-m", "tests.e2e.browser_checks"], cwd=REPO_ROOT,
                          input=json.dumps(request), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout)
    assert set(seen["forms"]) == {"NE2-67-006 TH-35", "NE2-67-006 TH-37"}  # its project only
    assert len(seen["nav"]) == 3  # transfers, project progress, rejected reports
    assert seen["status"] == "in_force", seen["outcome"]
    [report] = [r for r in reports_of(system, "NE2-67-006") if r["province"] == "TH-35"]
    assert report["physical_progress_pct"] == 64 and report["problems"] == "วัสดุก่อสร้างขึ้นราคา"
    assert report["sender"] == f"{system.prefix}agency.yasothon-social"

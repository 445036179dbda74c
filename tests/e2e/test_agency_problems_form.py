"""An implementing agency's progress form with its problems and remedies (/project-report): the
choices are names (the cause list's, the plan's agencies'), the problems go with the progress
as ``problem_items`` through the same path as POST /api/plans/{id}/project-reports, and the
problems in force come back into the form to update. On a system of its own: the problems sent
here would change the counts test_problems.py recounts on the shared one."""
import json
import subprocess
import sys

import pytest

from clusterctl.settings import REPO_ROOT
from tests.support.browsing import csrf_of, signed_in
from tests.support.system import RunningSystem, wait_until

from .test_dashboard import ARTIFACTS, CHROMIUM

PLAN = "northeast-lower-2-2566-2570"


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    running = RunningSystem(tmp_path_factory.mktemp("problems-form") / "var")
    try:
        running.start()
        yield running
    finally:
        running.stop()
        running.cleanup_broker()


def in_force(system, project, province):
    reports = system.get(f"/api/plans/{PLAN}/reports", system.key(), project=project).json()
    return [r for r in reports["reports"] if r["province"] == province and r.get("in_force", True)]


def test_the_form_offers_names_and_sends_problems_through_the_same_path(own):
    browser = signed_in(own.base, own.key("agency", "sisaket-tourism"))
    page = browser.get(f"{own.base}/project-report?lang=en", timeout=30)
    assert page.status_code == 200 and 'id="problem-template"' in page.text
    assert ">Procurement</option>" in page.text and 'value="procurement"' in page.text
    assert 'data-owner="sisaket-tourism"' in page.text
    th = browser.get(f"{own.base}/project-report?lang=th", timeout=30).text
    assert ">การจัดซื้อจัดจ้าง</option>" in th and "ปัญหาอุปสรรคและมาตรการแก้ไข" in th
    item = {"project": "NE2-67-005", "province": "TH-33", "as_of": "2024-06-30",
            "physical_progress_pct": 40.0, "disbursed_thb": 1000000.0,
            "procurement_stage": "in_progress", "problems": None, "solutions": None,
            "problem_items": [{"cause": "land_permits", "severity": "high", "status": "open",
                               "owner_agency": "sisaket-tourism", "description": "รอใบอนุญาต",
                               "remedies": [{"action": "ประสานกรมป่าไม้", "due": "2024-08-31",
                                             "done": False}]}]}
    headers = {"X-CSRF-Token": csrf_of(browser, "/project-report")}
    bad = {**item, "problem_items": [{**item["problem_items"][0], "cause": "no_such_cause"}]}
    refused = browser.post(f"{own.base}/project-report/send", params={"plan": PLAN}, json=[bad],
                           headers=headers, timeout=60)
    assert refused.status_code in (202, 400), refused.text
    if refused.status_code == 202:  # checked by the intake: rejected with its reason
        [event_id] = refused.json()["event_ids"]
        wait_until(lambda: browser.get(f"{own.base}/report/status", timeout=30, params={
            "plan": PLAN, "event_id": event_id}).json()["statuses"][event_id]["status"]
            == "rejected", timeout=60, what="the bad cause rejected")
    sent = browser.post(f"{own.base}/project-report/send", params={"plan": PLAN}, json=[item],
                        headers=headers, timeout=60)
    assert sent.status_code == 202, sent.text
    [event_id] = sent.json()["event_ids"]
    wait_until(lambda: browser.get(f"{own.base}/report/status", timeout=30, params={
        "plan": PLAN, "event_id": event_id}).json()["statuses"][event_id]["status"]
        == "in_force", timeout=60, what="in force")
    again = browser.get(f"{own.base}/project-report?lang=en", timeout=30).text
    assert 'data-problem-id="p-' in again and "รอใบอนุญาต" in again  # in force, to update
    assert 'value="2024-08-31"' in again


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine (make test installs "
                                             "Debian's when it runs as root with apt)")
def test_an_agency_adds_a_problem_with_a_remedy_in_the_browser(own):
    ARTIFACTS.mkdir(exist_ok=True)
    request = {"mode": "agency_problems", "base": own.base, "plan": PLAN, "chromium": CHROMIUM,
               "artifacts": str(ARTIFACTS), "key": own.key("agency", "yasothon-social"),
               "project": "NE2-67-006", "province": "TH-37",
               "values": {"physical_progress_pct": "30", "disbursed_thb": "1500000",
                          "as_of": "2024-06-30"},
               "problem": {"cause_label": "Contractor", "severity": "high",
                           "description": "ผู้รับจ้างทิ้งงาน", "action": "บอกเลิกสัญญาและหาผู้รับจ้างใหม่",
                           "due": "2024-09-30"}}
    done = subprocess.run([sys.executable, "-m", "tests.e2e.browser_checks"], cwd=REPO_ROOT,
                          input=json.dumps(request), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout)
    assert "Contractor" in seen["causes"] and "contractor" not in seen["causes"]  # names
    assert seen["owner_default"] == "yasothon-social"  # the implementing agency
    assert all(not o.islower() or " " in o for o in seen["owners"])  # names, not codes
    assert seen["status"] == "in_force", seen["outcome"]
    [report] = in_force(own, "NE2-67-006", "TH-37")
    [problem] = report["problem_items"]
    assert (problem["cause"], problem["severity"], problem["status"], problem["owner_agency"]) == \
        ("contractor", "high", "open", "yasothon-social")
    assert problem["remedies"] == [{"action": "บอกเลิกสัญญาและหาผู้รับจ้างใหม่",
                                    "due": "2024-09-30", "done": False}]
    assert [(p["description"], p["remedies"]) for p in seen["in_force"]] == \
        [("ผู้รับจ้างทิ้งงาน", 1)] and seen["in_force"][0]["id"]

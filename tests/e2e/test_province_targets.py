"""Each province's own target and baseline through the running system: the OSM revises the plan
to give NE2-1.3 (yearly, mean) province targets and baselines, a province reports through the
real broker, and indicator-results, the series, the export, the off-target mail and the
indicator page (headless Chromium) all show the province's target, status and progress from its
baseline. NE2-1.3 in FY2570 is used by no other e2e test."""
import copy
import csv
import email
import io
import json
import shutil
import subprocess
import sys
from email import policy

import pytest
import requests

from clusterctl.settings import REPO_ROOT
from tests.support.system import Province, wait_until

from .conftest import PLAN

CODE, PERIOD = "NE2-1.3", "FY2570"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = REPO_ROOT / "test-artifacts"


def result_of(system, key, period=PERIOD):
    body = system.get(f"/api/plans/{PLAN}/indicator-results", key, period=period).json()
    return next(r for r in body["results"] if r["indicator"] == CODE)


@pytest.fixture(scope="module")
def reported(system):
    """The plan revised with TH-34's and TH-33's own targets and baselines, then TH-34's value."""
    osm = system.key("osm", "northeast-lower-2")
    plan = system.get(f"/api/plans/{PLAN}", osm).json()
    revised = copy.deepcopy(plan)
    ind = next(i for issue in revised["issues"] for i in issue["indicators"] if i["code"] == CODE)
    ind["province_targets"] = {"TH-34": {"FY2569": 425.0, "FY2570": 440.0},
                               "TH-33": {"FY2570": 420.0}}
    ind["province_baselines"] = {"TH-34": {"value": 400.0, "fiscal_year": 2565},
                                 "TH-33": {"value": 390.0, "fiscal_year": 2565}}
    answer = requests.post(f"{system.base}/api/plans/{PLAN}/revisions", timeout=15,
                           headers={"Authorization": f"Bearer {osm}"},
                           json={"plan": revised, "reason": "เป้าหมายและค่าฐานรายจังหวัด",
                                 "approved_by": "ก.บ.ก."})
    assert answer.status_code == 201, answer.text
    # reporting learns the revision (plan_published) before the value comes in
    wait_until(lambda: result_of(system, osm)["by_province"]["TH-34"]["target"] == 440.0,
               what="reporting to learn the province targets")
    th34 = Province(system.credentials(), "TH-34")
    try:
        th34.report(CODE, PERIOD, 420.0, "2026-11-02T09:00:00+07:00")
    finally:
        th34.close()
    return wait_until(lambda: (r := result_of(system, osm))["reported"] == 1 and r,
                      what="TH-34's value in indicator-results")


def test_indicator_results_carry_each_provinces_target_status_and_progress(system, reported):
    cluster_fields = ("target", "value", "status", "achievement_pct", "provinces", "reported",
                      "expected", "fiscal_year_target", "target_basis")
    assert {k: reported[k] for k in cluster_fields} == {
        "target": 430.0, "value": 420.0, "status": "not_achieved", "achievement_pct": 97.67,
        "provinces": {"TH-34": 420.0}, "reported": 1, "expected": 4,
        "fiscal_year_target": 430.0, "target_basis": "fiscal_year"}
    assert reported["baseline"] == {"value": 380.0, "fiscal_year": 2565}
    assert reported["progress_from_baseline_pct"] == 80.0  # (420-380)/(430-380)
    th34 = reported["by_province"]["TH-34"]
    assert th34 == {"name_th": "อุบลราชธานี", "name_en": "Ubon Ratchathani", "value": 420.0,
                    "target": 440.0, "fiscal_year_target": 440.0, "status": "not_achieved",
                    "achievement_pct": 95.45, "baseline": {"value": 400.0, "fiscal_year": 2565},
                    "progress_from_baseline_pct": 50.0,
                    "certainty": "provisional"}  # nobody has approved the period (step 15)
    assert set(reported["by_province"]) == {"TH-34", "TH-33", "TH-35", "TH-37"}
    th33 = reported["by_province"]["TH-33"]
    assert (th33["value"], th33["target"], th33["status"], th33["name_en"]) == (
        None, 420.0, "no_data", "Si Sa Ket")
    # a province key sees its own figures only
    own = result_of(system, system.key("province", "TH-34"))
    assert set(own["by_province"]) == {"TH-34"} and own["by_province"]["TH-34"] == th34


def test_the_series_carries_the_target_lines_baselines_and_five_year_path(system, reported):
    body = system.get(f"/api/plans/{PLAN}/indicators/{CODE}/series", system.key()).json()
    fy70 = next(s for s in body["series"] if s["period"] == PERIOD)
    assert fy70["by_province"]["TH-34"]["target"] == 440.0
    assert fy70["by_province"]["TH-34"]["progress_from_baseline_pct"] == 50.0
    assert body["provinces"]["TH-34"]["targets"] == {
        "FY2566": None, "FY2567": None, "FY2568": None, "FY2569": 425.0, "FY2570": 440.0}
    assert body["provinces"]["TH-34"]["baseline"] == {"value": 400.0, "fiscal_year": 2565}
    assert body["provinces"]["TH-34"]["name_th"] == "อุบลราชธานี"
    assert body["baseline"] == {"value": 380.0, "fiscal_year": 2565}
    assert [(p["period"], p["target"]) for p in body["path"]] == [
        ("FY2566", 390.0), ("FY2567", 400.0), ("FY2568", 410.0), ("FY2569", 420.0),
        ("FY2570", 430.0)]
    assert body["path"][-1]["value"] == 420.0 and body["path"][-1]["label_th"] == \
        "ปีงบประมาณ พ.ศ. 2570"
    mine = system.get(f"/api/plans/{PLAN}/indicators/{CODE}/series",
                      system.key("province", "TH-33")).json()
    assert set(mine["provinces"]) == {"TH-33"}


def test_the_export_carries_the_provinces_columns(system, reported):
    got = system.get(f"/api/plans/{PLAN}/indicator-results", system.key("osm", "northeast-lower-2"),
                     period=PERIOD, format="csv")
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    row = dict(zip(rows[0], next(r for r in rows[1:] if r[1] == CODE)))
    assert row["TH-34"] == "420.0"  # the columns it had stay
    assert row["อุบลราชธานี TH-34 เป้าหมายของจังหวัด (target)"] == "440.0"
    assert row["อุบลราชธานี TH-34 สถานะ (status)"] == "ไม่บรรลุเป้าหมาย"
    assert row["อุบลราชธานี TH-34 ความก้าวหน้าจากค่าฐาน ร้อยละ (progress_from_baseline_pct)"] == "50.0"


def test_the_off_target_mail_names_the_provinces_own_target(system, reported):
    def mail():
        for path in system.mails():
            msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            if "Indicator off target" in msg["Subject"] and f"{CODE} {PERIOD}" in msg["Subject"]:
                return msg.get_body(("plain",)).get_content()
    text = wait_until(mail, what="the off-target mail")
    assert "เป้าหมายของจังหวัดเองในปีงบประมาณนี้ 440" in text
    assert "its own target for this fiscal year 440" in text


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine")
def test_the_indicator_page_draws_the_province_charts_and_the_map(system, reported):
    ARTIFACTS.mkdir(exist_ok=True)
    request = {"base": system.base, "plan": PLAN, "period": PERIOD, "indicator": CODE,
               "osm_key": system.key("osm", "northeast-lower-2"), "chromium": CHROMIUM,
               "artifacts": str(ARTIFACTS)}
    done = subprocess.run([sys.executable, "-m", "tests.e2e.browser_targets"], cwd=REPO_ROOT,
                          input=json.dumps(request), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout)
    assert seen["errors"] == []
    th34 = seen["th"]["rows"]["TH-34"]
    assert "อุบลราชธานี" in th34 and "440" in th34 and "ใกล้เป้าหมาย" in th34 and "50" in th34
    assert "400 (2565)" in th34  # the baseline with its B.E. year
    assert seen["th"]["charts"] == {"province-trend": True, "province-bars": True,
                                    "cluster-path": True}
    assert seen["th"]["tiles"] == 76 and seen["th"]["edges"] > 0
    assert seen["th"]["lights"]["TH-34"] == "amber" and seen["th"]["lights"]["TH-50"] == "grey"
    assert "Ubon Ratchathani" in seen["en"]["rows"]["TH-34"] and "Near target" in seen["en"]["rows"]["TH-34"]
    assert seen["overview_link"] is True

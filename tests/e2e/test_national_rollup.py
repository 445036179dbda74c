"""Views by national alignment through the running system: a second cluster's plan linked to the
national hierarchy is published, its province reports the project's progress over the real
broker, and the HTTP API answers the plan's rollup to the cluster's OSM, the country's to the
admin and to a national viewer (a person, signed in) - and to no OSM or province; both as CSV and
Excel files; then the dashboard page in Chromium, in Thai and English, at a phone's width.
northeast-upper-2 is used by no other e2e test."""
from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys

import pytest
import requests
from openpyxl import load_workbook

from clusterctl.reference import load_sample_plan
from clusterctl.settings import REPO_ROOT
from tests.support.browsing import signed_in
from tests.support.plans import cluster_plan, clusters, without_links
from tests.support.system import Province, wait_until

from .conftest import PLAN as SAMPLE_PLAN

CLUSTER = "northeast-upper-2"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = REPO_ROOT / "test-artifacts"
PASSWORD = "ดูภาพรวมทั้งประเทศ 2569"


@pytest.fixture(scope="module")
def aligned(system):
    """The cluster's plan, issue 1 serving the agriculture master plan and its one project
    (FY2567, 25 M THB) also the human-potential one, published; its first province's progress
    report (40%, 10 M THB disbursed) in force."""
    provinces = clusters()[CLUSTER]
    plan = without_links(cluster_plan(load_sample_plan(), CLUSTER, provinces))
    plan["issues"][0]["national_links"] = ["MP03"]
    plan["projects"][0]["national_links"] = ["MP03", "MP11"]
    admin = {"Authorization": f"Bearer {system.key()}"}
    made = requests.post(f"{system.base}/api/plans", json=plan, headers=admin, timeout=30)
    assert made.status_code == 201, made.text
    published = requests.post(f"{system.base}/api/plans/{plan['id']}/publish", timeout=30,
                              json={"approved_by": "ก.บ.ก."}, headers=admin)
    assert published.status_code == 200, published.text
    province = Province(system.credentials(), provinces[0])
    try:
        province.project(plan["projects"][0]["code"], provinces[0], "2024-06-30",
                         "2024-07-01T09:00:00+07:00", physical_progress_pct=40.0,
                         disbursed_thb=10_000_000.0, procurement_stage="in_progress")
    finally:
        province.close()
    osm = system.key("osm", CLUSTER)

    def reported():
        answer = system.get(f"/api/plans/{plan['id']}/national-alignment", osm, fy="2567")
        return answer.status_code == 200 and answer.json()["total"]["projects_reported"] == 1
    wait_until(reported, timeout=60, what="the project's progress in the rollup")
    return plan["id"]


def test_the_plans_rollup_for_its_osm_the_countrys_for_the_admin_and_a_national_viewer(
        system, aligned):
    osm = system.key("osm", CLUSTER)
    view = system.get(f"/api/plans/{aligned}/national-alignment", osm, level="strategy",
                      fy="FY2567").json()
    rows = {r["code"]: r for r in view["rows"]}
    assert list(rows) == ["NS2", "NS3", None]  # MP03 is under NS2, MP11 under NS3
    for code in ("NS2", "NS3"):  # the one project under each strategy it serves
        assert rows[code]["projects"] == 1 and rows[code]["budget_thb"] == 25_000_000.0
        assert rows[code]["disbursement_pct"] == 40.0 and rows[code]["physical_progress_pct"] == 40.0
    assert rows["NS3"]["issues"] == 0 and rows["NS2"]["issues"] == 1
    assert view["total"]["projects"] == 1 and view["total"]["issues"] == 5

    refused = system.get("/api/national-alignment", osm)
    assert refused.status_code == 403 and "national viewer" in refused.json()["error"]["message"]
    assert "ผู้ดูข้อมูลระดับประเทศ" in refused.json()["error"]["message"]
    assert system.get("/api/national-alignment", system.key("province", "TH-34")).status_code == 403
    assert system.get(f"/api/plans/{aligned}/national-alignment",
                      system.key("osm", "northeast-lower-2")).status_code == 403  # not its plan
    bad = system.get(f"/api/plans/{aligned}/national-alignment", osm, level="ministry")
    assert bad.status_code == 400 and "ไม่รู้จัก" in bad.json()["error"]["message"]
    outside = system.get(f"/api/plans/{aligned}/national-alignment", osm, fy="2580")
    assert outside.status_code == 400 and "outside plan" in outside.json()["error"]["message"]

    country = system.get("/api/national-alignment", system.key(), level="strategy",
                         fy="2567").json()
    assert {SAMPLE_PLAN, aligned} <= {p["plan_id"] for p in country["plans"]}
    ns3 = next(r for r in country["rows"] if r["code"] == "NS3")
    mine = {c["cluster"]: c for c in ns3["clusters"]}[CLUSTER]  # the sample plan's beside it
    assert mine["cluster_name_th"] == "กลุ่มจังหวัดภาคตะวันออกเฉียงเหนือตอนบน 2"
    assert mine["projects"] == 1 and mine["budget_thb"] == 25_000_000.0
    assert ns3["budget_thb"] == sum(c["budget_thb"] for c in ns3["clusters"])
    system.add_person("napa-align", "national_viewer", None, PASSWORD, name="นภา ทั่วประเทศ")
    person = signed_in(system.base, username="napa-align", password=PASSWORD)
    seen = person.get(f"{system.base}/api/national-alignment", timeout=30,
                      params={"level": "strategy", "fy": "2567"})
    assert seen.status_code == 200 and seen.json()["rows"] == country["rows"]


def test_the_views_as_csv_and_excel_files(system, aligned):
    osm = system.key("osm", CLUSTER)
    answer = system.get(f"/api/plans/{aligned}/national-alignment", osm, level="master_plan",
                        fy="2567", format="csv")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/csv")
    assert f"{aligned}-FY2567-master_plan-alignment.csv" in answer.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert table[0][2] == "ชื่อ (name_th)"
    assert [r[2] for r in table[1:]] == ["แผนแม่บทประเด็นการเกษตร",
                                         "แผนแม่บทประเด็นการพัฒนาศักยภาพคนตลอดช่วงชีวิต",
                                         "ไม่ระบุความสอดคล้อง", "รวมทั้งแผน"]
    assert {r[5] for r in table[1:]} == {"2567"}  # the B.E. fiscal year
    book = system.get("/api/national-alignment", system.key(), fy="2567", format="xlsx")
    assert book.status_code == 200
    sheet = load_workbook(io.BytesIO(book.content)).worksheets[0]
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0][6] == "กลุ่มจังหวัด (cluster)"
    ns3 = [r[6] for r in cells if r[1] == "NS3"]  # all clusters, then each by its Thai name
    assert ns3[0] == "ทุกกลุ่มจังหวัด (all clusters)"
    assert "กลุ่มจังหวัดภาคตะวันออกเฉียงเหนือตอนบน 2" in ns3[1:]


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine")
def test_the_page_in_chromium_names_the_entries_and_draws_the_charts(system, aligned):
    ARTIFACTS.mkdir(exist_ok=True)
    request = {"base": system.base, "plan": aligned, "osm_key": system.key("osm", CLUSTER),
               "admin_key": system.key(), "chromium": CHROMIUM, "artifacts": str(ARTIFACTS)}
    done = subprocess.run([sys.executable, "-m", "tests.e2e.browser_rollup"], cwd=REPO_ROOT,
                          input=json.dumps(request), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout)
    assert seen["errors"] == []
    osm = seen["osm"]
    assert osm["scope_picker"] == 0 and osm["nav"] == 1  # its own plan's, from the menu
    assert [r["code"] for r in osm["rows"]] == ["MP03", "MP11", ""]
    assert "แผนแม่บทประเด็นการเกษตร" in osm["rows"][0]["text"] and "Agriculture" in osm["rows"][0]["text"]
    assert "MP03" not in osm["rows"][0]["text"]  # names, not codes
    assert "ปีงบประมาณ พ.ศ. 2567" in osm["title"] and "แผนแม่บทฯ" in osm["title"]
    assert osm["charts"] == {"rollup-money": True, "rollup-pct": True}
    national = seen["national_th"]
    assert national["scope_picker"] == 1 and "ทุกกลุ่มจังหวัด" in national["title"]
    assert any("กลุ่มจังหวัดภาคตะวันออกเฉียงเหนือตอนบน 2" in row for row in national["clusters"])
    assert national["charts"] == {"rollup-money": True, "rollup-pct": True}
    assert national["download"].startswith("/api/national-alignment?")
    assert seen["overflow"] <= 1  # the tables scroll inside the phone's width
    english = seen["national_en"]
    assert english["lang"] == "en" and "Every cluster (national view)" in english["title"]
    assert "Fiscal year 2024 (B.E. 2567)" in english["title"]  # the pick kept across languages
    assert any("Upper Northeast 2" in row for row in english["clusters"])

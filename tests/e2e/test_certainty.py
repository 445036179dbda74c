"""Views say how certain a figure is (docs/approvals.md section 4), through the real broker: a
province's value arrives provisional; once its period is submitted and approved (the steps taken
through reporting's RPC, as the approvals API does) the API, the dashboard's pages and the
exports mark it approved and the cluster value partly approved, the same after a rebuild; the
period is reopened at the end so that no other test meets its lock. The period, FY2567-Q4 of
TH-35, is one no other e2e test reports for."""
from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from clusterctl.runner import rpc_config
from clusterctl.settings import REPO_ROOT, Settings
from tests.support.browsing import signed_in
from tests.support.system import Province, wait_until

from .conftest import PLAN

PERIOD, PROVINCE, CODE, PROJECT = "FY2567-Q4", "TH-35", "NE2-4.1", "NE2-67-004"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = REPO_ROOT / "test-artifacts"
PLANNER = {"role": "province", "scope": PROVINCE, "person": "สมชาย (somchai)",
           "duty": "province_planner"}
APPROVER = {"role": "province", "scope": PROVINCE, "person": "สมศรี (somsri)",
            "duty": "province_approver"}
DIRECTOR = {"role": "osm", "scope": "northeast-lower-2", "person": "ประยุทธ (prayut)",
            "duty": "osm_director"}


@pytest.fixture
def rpc(system):
    with ClusterRpcProxy(rpc_config(Settings.from_env(system.env), system.credentials()),
                         timeout=30) as proxy:
        yield proxy


def take(rpc, step, actor, comment=None):
    [now] = rpc.reporting.approvals(PLAN, PERIOD, [PROVINCE])
    return rpc.reporting.approval_step(PLAN, PERIOD, PROVINCE, step, actor, now["version"],
                                       now["figures"], comment)


def result(system, key):
    body = system.get(f"/api/plans/{PLAN}/indicator-results", key, period=PERIOD).json()
    return next(r for r in body["results"] if r["indicator"] == CODE)


def csv_rows(system, path, key, **params):
    got = system.get(path, key, format="csv", **params)
    assert got.status_code == 200, got.text
    return list(csv.DictReader(io.StringIO(got.content.decode("utf-8-sig"))))


def progress(system, key):
    body = system.get(f"/api/plans/{PLAN}/projects/progress", key).json()
    return next(r for r in body["projects"] if r["project"] == PROJECT)


def on_a_phone(system, osm):
    """The marks as a person sees them on a phone: beside the figure, explained, no page wider
    than the screen (tests/e2e/browser_certainty.py in headless Chromium)."""
    ARTIFACTS.mkdir(exist_ok=True)
    request = {"base": system.base, "plan": PLAN, "period": PERIOD, "code": CODE,
               "province": PROVINCE, "osm_key": osm, "chromium": CHROMIUM,
               "artifacts": str(ARTIFACTS)}
    done = subprocess.run([sys.executable, "-m", "tests.e2e.browser_certainty"], cwd=REPO_ROOT,
                          input=json.dumps(request), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout)
    for page in ("overview", "indicator", "completeness", "projects"):
        assert seen[page]["overflow"] <= 0, (page, seen[page]["wide"])
        assert seen[page]["mark_visible"] and seen[page]["legend"], (page, seen[page])
    assert "อนุมัติแล้ว" in seen["overview"]["mark"] and "อนุมัติแล้ว" in seen["indicator"]["mark"]
    assert "อนุมัติแล้ว" in seen["completeness"]["mark"]


def test_an_approved_figure_is_marked_so_in_the_api_the_pages_and_the_exports(system, rpc):
    osm = system.key("osm", "northeast-lower-2")
    th35 = Province(system.credentials(), PROVINCE)
    try:
        th35.report(CODE, PERIOD, 12.5, "2024-10-03T09:00:00+07:00")
        th35.project(PROJECT, PROVINCE, "2024-09-15", "2024-09-16T09:00:00+07:00")
    finally:
        th35.close()
    first = wait_until(lambda: (r := result(system, osm))["provinces"].get(PROVINCE) and r,
                       what="TH-35's value in indicator-results")
    wait_until(lambda: PROVINCE in progress(system, osm)["provinces"], what="TH-35's progress")
    assert first["certainty"][PROVINCE] == "provisional"
    assert first["by_province"][PROVINCE]["certainty"] == "provisional"

    take(rpc, "submit", PLANNER)
    assert take(rpc, "approve", APPROVER)["state"] == "approved"
    try:
        now = result(system, osm)
        assert now["certainty"][PROVINCE] == "approved" and now["approval"] == "partial"
        mine = result(system, system.key("province", PROVINCE))  # a province: its own
        assert mine["certainty"] == {PROVINCE: "approved"} and mine["approval"] == "partial"
        done = system.get(f"/api/plans/{PLAN}/completeness", osm, period=PERIOD).json()
        row = next(r for r in done["provinces"] if r["province"] == PROVINCE)
        assert (row["approval"], row["approved_on_time"]) == ("approved", False)  # two years late
        assert done["approved"] >= 1
        row = progress(system, osm)
        assert row["provinces"][PROVINCE]["certainty"] == "approved"  # as of a day in FY2567-Q4
        assert row["approval"] in ("full", "partial")

        # the dashboard: a mark of words beside the figure, on the overview and the indicator
        # page, and the province's approval on the completeness page
        session = signed_in(system.base, osm, lang="th")
        page = session.get(f"{system.base}/", params={"plan": PLAN, "period": PERIOD},
                           timeout=30).text
        row_html = page.split(f'data-indicator="{CODE}"')[1].split("</tr>")[0]
        cell = row_html.split(f'data-province="{PROVINCE}">')[1].split("</td>")[0]
        assert "12.5" in cell and "อนุมัติแล้ว" in cell
        assert "อนุมัติบางจังหวัด" in row_html.split('class="num value">')[1].split("</td>")[0]
        assert "certainty-legend" in page
        page = session.get(f"{system.base}/indicator", params={
            "plan": PLAN, "period": PERIOD, "code": CODE, "lang": "en"}, timeout=30).text
        row_html = page.split(f'<tr data-province="{PROVINCE}">')[1].split("</tr>")[0]
        assert 'data-certainty="approved"' in row_html and "approved" in row_html
        page = session.get(f"{system.base}/completeness", params={
            "plan": PLAN, "period": PERIOD, "lang": "th"}, timeout=30).text
        row_html = page.split(f'<tr data-province="{PROVINCE}">')[1].split("</tr>")[0]
        assert "อนุมัติแล้ว" in row_html

        # the exports: a column of it
        rows = csv_rows(system, f"/api/plans/{PLAN}/indicator-results", osm, period=PERIOD)
        line = next(r for r in rows if r["รหัส (indicator)"] == CODE)
        assert line[PROVINCE] == "12.5"  # the columns it had stay
        assert line[f"{PROVINCE} การอนุมัติของจังหวัด (certainty)"] == "อนุมัติแล้ว"
        assert line["การอนุมัติค่าของกลุ่มจังหวัด (approval)"] == "อนุมัติบางจังหวัด"
        rows = csv_rows(system, f"/api/plans/{PLAN}/completeness", osm, period=PERIOD)
        line = next(r for r in rows if r["จังหวัด (province)"] == PROVINCE)
        assert line["การอนุมัติของจังหวัด (certainty)"] == "อนุมัติแล้ว"
        rows = csv_rows(system, f"/api/plans/{PLAN}/indicators/{CODE}/series", osm)
        line = next(r for r in rows if r["รหัสช่วงเวลา (period)"] == PERIOD)
        assert line[f"{PROVINCE} การอนุมัติของจังหวัด (certainty)"] == "อนุมัติแล้ว"
        rows = csv_rows(system, f"/api/plans/{PLAN}/projects/progress", osm)
        line = next(r for r in rows if r["รหัสโครงการ (project)"] == PROJECT)
        assert f"{PROVINCE} อนุมัติแล้ว" in line["การอนุมัติรายจังหวัด (certainty)"]
        if CHROMIUM:
            on_a_phone(system, osm)

        # a rebuild from the event store shows the same
        rpc.reporting.rebuild()
        assert result(system, osm)["certainty"][PROVINCE] == "approved"
    finally:
        take(rpc, "reopen", DIRECTOR, "เปิดคืนหลังการทดสอบ")  # no lock left for other tests
    assert result(system, osm)["certainty"][PROVINCE] == "provisional"

"""Alive on first start (issue 22, point 5): a system started as `make run` starts it loads the
sample fiscal year through the real path; every dashboard page shows data (headless Chromium)
and says it is sample data, and so does every export; a second start adds nothing; `clusterctl
sample remove` takes it all out and leaves real reports and assets alone.

Its own system (SEED_SAMPLE_YEAR=1): the package's shared one starts without the sample, so the
other e2e tests keep their own indicator/period combinations and counts."""
import io
import json
import shutil
import subprocess
import sys

import pytest
import requests

from openpyxl import load_workbook

from clusterctl import sample_year
from clusterctl.reference import load_sample_assets
from clusterctl.settings import REPO_ROOT
from tests.support.browsing import signed_in
from tests.support.system import Province, RunningSystem, wait_until

from .conftest import PLAN

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = REPO_ROOT / "test-artifacts"
DATA = sample_year.load_data()
FY = DATA["fiscal_year"]
SAMPLE_COLUMN = "ข้อมูลตัวอย่าง (sample)"


@pytest.fixture(scope="module")
def sampled(tmp_path_factory):
    running = RunningSystem(tmp_path_factory.mktemp("sample") / "var", sample_year=True)
    try:
        running.start(timeout=180)
        yield running
    finally:
        running.stop()
        running.cleanup_broker()


def osm(system):
    return system.key("osm", "northeast-lower-2")


def counts(system) -> dict:
    key = osm(system)
    reports = system.get(f"/api/plans/{PLAN}/reports", key).json()["reports"]
    return {"reports": sorted((r["sender"], r["event_id"]) for r in reports),
            "rejections": len(system.get("/api/rejections", system.key()).json()),
            "flags": sorted((f["province"], f["indicator"], f["period"], f["value"])
                            for f in system.get(f"/api/plans/{PLAN}/flags", key).json()),
            "assets": sorted(a["code"] for a in system.get("/api/assets", system.key()).json())}


def clusterctl(system, *args):
    return subprocess.run([sys.executable, "-m", "clusterctl", *args], cwd=REPO_ROOT,
                          env=system.env, capture_output=True, text=True, timeout=300)


def test_the_start_loads_the_sample_year_and_says_so(sampled):
    said = sampled.output.read_text("utf-8")
    assert f"sample year: FY{FY} (ปีงบประมาณ พ.ศ. {FY}) loaded in" in said, said[-3000:]
    assert said.index("sample year:") < said.index("clusterctl: ready.")
    key = osm(sampled)
    for period in (f"FY{FY}-Q1", f"FY{FY}-Q4", f"FY{FY}"):
        results = sampled.get(f"/api/plans/{PLAN}/indicator-results", key, period=period).json()
        shown = [r for r in results["results"] if period == f"FY{FY}" or r["frequency"] == "quarterly"]
        assert len(shown) >= 9 and all(r["value"] is not None and r["reported"] == r["expected"]
                                       for r in shown), (period, shown)
    statuses = {r["status"] for r in sampled.get(f"/api/plans/{PLAN}/indicator-results", key,
                                                  period=f"FY{FY}").json()["results"]}
    assert {"achieved", "not_achieved"} <= statuses
    reports = sampled.get(f"/api/plans/{PLAN}/reports", key).json()["reports"]
    assert any(r["status"] == "superseded" for r in reports)  # the corrections
    flags = sampled.get(f"/api/plans/{PLAN}/flags", key).json()
    assert [(f["province"], f["indicator"], f["period"]) for f in flags] == \
        [(DATA["flagged"]["province"], DATA["flagged"]["indicator"], DATA["flagged"]["period"])]
    rejected = sampled.get("/api/rejections", sampled.key()).json()
    assert [r["province"] for r in rejected] == [DATA["rejected"]["province"]]
    progress = sampled.get(f"/api/plans/{PLAN}/projects/progress", key).json()["projects"]
    assert all(p["physical_progress_pct"] is not None for p in progress)
    assert len(sampled.get(f"/api/plans/{PLAN}/problems", key).json()) >= 10
    moving = [a for a in sampled.get("/api/assets", key).json() if a.get("transfer")]
    assert moving and all(a["sample"] for a in moving)


def test_every_export_says_it_is_sample_data(sampled):
    key = osm(sampled)
    for path, params in ((f"/api/plans/{PLAN}/indicator-results", {"period": f"FY{FY}-Q4"}),
                         (f"/api/plans/{PLAN}/indicators/NE2-1.1/series", {}),
                         (f"/api/plans/{PLAN}/reports", {}), (f"/api/plans/{PLAN}/problems", {}),
                         (f"/api/plans/{PLAN}/projects/progress", {}),
                         (f"/api/plans/{PLAN}/completeness", {"period": f"FY{FY}-Q4"}),
                         (f"/api/plans/{PLAN}/problem-items", {}),
                         (f"/api/plans/{PLAN}/problem-analysis", {}),
                         ("/api/assets", {})):
        csv = sampled.get(path, key, format="csv", **params)
        assert csv.status_code == 200, (path, csv.text)
        header = csv.content.decode("utf-8-sig").splitlines()[0]
        assert header.endswith(SAMPLE_COLUMN), (path, header)
        book = load_workbook(io.BytesIO(sampled.get(path, key, format="xlsx", **params).content))
        assert SAMPLE_COLUMN in book.sheetnames and \
            book.worksheets[0].cell(row=1, column=book.worksheets[0].max_column).value == SAMPLE_COLUMN
    workbook = sampled.get(f"/api/plans/{PLAN}/report-workbook", sampled.key("province", "TH-34"),
                           period=f"FY{FY}-Q4")
    about = load_workbook(io.BytesIO(workbook.content)).worksheets[-2]
    assert any(row[0] == "ข้อมูลตัวอย่าง (sample)" for row in about.iter_rows(values_only=True))
    # the printable pages, which stand without the dashboard's frame, say so too
    session = signed_in(sampled.base, key, lang="th")
    for page, params in (("/indicator-card", {"indicator": "NE2-1.3"}), ("/problem-review", {})):
        shown = session.get(f"{sampled.base}{page}", params={"plan": PLAN, **params}, timeout=30)
        assert shown.status_code == 200 and "ข้อมูลตัวอย่าง" in shown.text, page


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine (make test installs "
                                             "Debian's when it runs as root with apt; otherwise "
                                             "apt-get install chromium)")
def test_every_dashboard_page_shows_data_and_says_it_is_sample(sampled):
    ARTIFACTS.mkdir(exist_ok=True)
    request = {"mode": "alive", "base": sampled.base, "chromium": CHROMIUM,
               "start": f"/?plan={PLAN}&period=FY{FY}-Q4", "artifacts": str(ARTIFACTS),
               "osm_key": osm(sampled), "province_key": sampled.key("province", "TH-34")}
    done = subprocess.run([sys.executable, "-m", "tests.e2e.browser_checks"], cwd=REPO_ROOT,
                          input=json.dumps(request), capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout)
    pages = {"/", "/projects", "/completeness", "/problems", "/assets", "/rejections", "/flags",
             "/report", "/report-entry", "/my-reports"}  # services/gateway/pages.py: the menu
    assert pages <= set(seen), sorted(seen)
    for path, by_who in seen.items():
        assert all(shown["banner"] for shown in by_who.values()), path
        charts = [c for shown in by_who.values() for c in shown["charts"]]
        assert all(c["drawn"] for c in charts), (path, charts)
        if path == "/report":  # the upload form: its periods to download, no table until a file
            assert by_who["province"]["options"] > 0
            continue
        if path == "/project-report":  # a province's projects, each its progress and a form
            assert by_who["province"]["forms"] > 0
            continue
        if path == "/audit":  # people's acts: the sample year is loaded by no person
            continue
        if path == "/national":  # reference data, not the sample's: the hierarchy's trees
            assert all(shown["tree"] > 0 for shown in by_who.values()), by_who
            continue
        filled = [t for shown in by_who.values() for t in shown["tables"] if t["rows"]]
        assert filled, (path, by_who)
    assert seen["/ (trend)"]["osm"]["charts"] == [{"id": "trend", "drawn": True}]


def test_a_second_start_adds_nothing(sampled):
    before = counts(sampled)
    assert sampled.stop() == 0
    sampled.start(timeout=180)
    assert f"sample year: FY{FY} already loaded" in sampled.output.read_text("utf-8")
    assert counts(sampled) == before


def test_sample_remove_takes_it_all_out_and_leaves_real_data_alone(sampled):
    th34 = Province(sampled.credentials(), "TH-34")
    try:
        real_id = th34.report("NE2-1.1", f"FY{FY}-Q4", 777.0, f"{FY - 543}-10-20T09:00:00+07:00")
    finally:
        th34.close()
    real_asset = {**load_sample_assets()[0]["asset"], "code": "NE2-67-002-REAL1", "sample": False}
    made = requests.post(f"{sampled.base}/api/assets", json=real_asset, timeout=15,
                         headers={"Authorization": f"Bearer {sampled.key()}"})
    assert made.status_code == 201, made.text
    wait_until(lambda: any(r["event_id"] == real_id for r in sampled.get(
        f"/api/plans/{PLAN}/reports", osm(sampled)).json()["reports"]), what="the real report")

    def rejected_mails():
        return len(sampled.get("/api/mails", sampled.key(), template="report_rejected").json())
    wait_until(lambda: rejected_mails() >= 1, what="the sample rejection's mail")

    done = clusterctl(sampled, "sample", "remove")
    assert done.returncode == 0, done.stderr + done.stdout
    assert "sample removed:" in done.stdout and "The sample plan stays" in done.stdout
    after = counts(sampled)
    sender = sampled.credentials()["provinces"]["TH-34"]["amqp_username"]
    # the real report stays, with the flag of its own (777 is far from TH-34's earlier quarters,
    # which were sample data then), and so does the real asset
    assert after == {"reports": [(sender, real_id)], "rejections": 0,
                     "flags": [("TH-34", "NE2-1.1", f"FY{FY}-Q4", 777.0)],
                     "assets": ["NE2-67-002-REAL1"]}
    results = sampled.get(f"/api/plans/{PLAN}/indicator-results", osm(sampled),
                          period=f"FY{FY}-Q4").json()["results"]
    assert {r["indicator"]: r["value"] for r in results if r["value"] is not None} == {"NE2-1.1": 777.0}
    assert sampled.get(f"/api/plans/{PLAN}/problems", osm(sampled)).json() == []
    assert rejected_mails() == 0  # the mail the sample caused is gone from the log too
    assert sampled.get(f"/api/plans/{PLAN}", osm(sampled)).status_code == 200  # the plan stays

    again = clusterctl(sampled, "sample", "remove")
    assert again.returncode == 2 and "no sample data is there" in again.stderr

    assert sampled.stop() == 0  # a restart does not bring it back
    sampled.start(timeout=180)
    said = sampled.output.read_text("utf-8")
    assert "sample year: removed earlier" in said and "sample assets: removed earlier" in said
    assert counts(sampled) == after


def test_sample_remove_refuses_when_the_system_is_not_running(sampled):
    assert sampled.stop() == 0
    done = clusterctl(sampled, "sample", "remove")
    assert done.returncode == 2 and "is 'make run' running?" in done.stderr, done.stderr

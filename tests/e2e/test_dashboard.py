"""The dashboard in a real browser (Debian's headless Chromium driven by Playwright, in its own
process: see browser_checks.py) against the running system: a key is needed, the numbers shown
are the API's, the language switches, every page renders on a phone; screenshots are kept in
test-artifacts/ for a person to look at."""
import json
import shutil
import subprocess
import sys

import pytest

from clusterctl.settings import REPO_ROOT
from tests.support.system import Province, wait_until

from .conftest import PLAN

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = REPO_ROOT / "test-artifacts"


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine (make test installs "
                                             "Debian's when it runs as root with apt; otherwise "
                                             "apt-get install chromium)")
def test_the_dashboard_shows_the_apis_numbers_in_thai_and_english(system):
    th34 = Province(system.credentials(), "TH-34")
    try:
        th34.report("NE2-1.1", "FY2569-Q4", 4321.5, "2026-10-02T09:00:00+07:00")
    finally:
        th34.close()
    osm = system.key("osm", "northeast-lower-2")
    api = wait_until(lambda: next(r for r in system.get(
        f"/api/plans/{PLAN}/indicator-results", osm, period="FY2569-Q4").json()["results"]
        if r["indicator"] == "NE2-1.1" and r["reported"]), what="the report in the API")
    ARTIFACTS.mkdir(exist_ok=True)
    request = {"base": system.base, "plan": PLAN, "period": "FY2569-Q4", "indicator": "NE2-1.1",
               "province": "TH-34", "osm_key": osm, "agency_key": system.key("agency", "ubon-pao"),
               "chromium": CHROMIUM, "artifacts": str(ARTIFACTS)}
    done = subprocess.run([sys.executable, "-m", "tests.e2e.browser_checks"], cwd=REPO_ROOT,
                          input=json.dumps(request), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout)

    assert seen["login_required"]
    shown = f"{api['value']:,.2f}".rstrip("0").rstrip(".")
    assert seen["th"]["value"] == shown == "4,321.5" and seen["th"]["province"] == "4,321.5"
    # beside each figure, in words, how certain it is (nobody has approved FY2569-Q4 yet)
    assert "ข้อมูลเบื้องต้น" in seen["th"]["marks"]["province"]
    assert "ยังไม่มีจังหวัดอนุมัติ" in seen["th"]["marks"]["value"] and seen["th"]["legend"] == 1
    assert seen["th"]["lang"] == "th" and "ไม่บรรลุเป้าหมาย" in seen["th"]["row"]
    assert "ไตรมาสที่ 4 ปีงบประมาณ พ.ศ. 2569" in seen["th"]["page"]
    assert seen["th"]["font"] is True  # the Thai font is served locally and loads
    assert seen["en"]["lang"] == "en" and "Not achieved" in seen["en"]["row"]
    assert "Q4 of fiscal year 2026" in seen["en"]["page"]
    assert seen["chart"] is True
    assert all(n == 1 for n in seen["tables"].values()), seen["tables"]
    moving = [a["code"] for a in system.get("/api/assets", osm).json() if a.get("transfer")]
    assert sorted(seen["transfers"]) == sorted(moving)
    assert seen["bad_key_refused"] and "/assets" in seen["agency_lands_on"]
    assert (ARTIFACTS / "overview-th.png").stat().st_size > 10_000

"""The plans page in a real browser (browser_checks.plan_forms): an OSM uploads a bad plan workbook
and sees every bad cell, uploads a good one as a draft, publishes it, and revises it - refused
without a reason, made with one; a province is refused the page and its forms, server-side too."""
import copy
import io
import json
import subprocess
import sys
from datetime import date

import openpyxl
import pytest
import requests

from clusterctl.settings import REPO_ROOT
from tests.support.browsing import csrf_of, signed_in

from .conftest import PLAN
from .test_dashboard import ARTIFACTS, CHROMIUM

SOURCE, NEW = "northeast-lower-2-2576-2580-source", "northeast-lower-2-2576-2580"
SHIFT = 10  # years after the seeded plan: no code clash with a published plan of the same years
REASON = "ปรับชื่อแผนตามมติ ก.บ.ก. ครั้งที่ 2/2569"


def shifted_draft(plan: dict, plan_id: str) -> dict:
    """The seeded plan as a new draft SHIFT years later (as test_plan_lifecycle does)."""
    draft = {k: v for k, v in copy.deepcopy(plan).items()
             if k not in ("version", "revision", "status", "reference_version")}
    draft["id"] = plan_id
    draft["start_fy"], draft["end_fy"] = plan["start_fy"] + SHIFT, plan["end_fy"] + SHIFT
    for issue in draft["issues"]:
        for ind in issue["indicators"]:
            ind["targets"] = {f"FY{int(k[2:]) + SHIFT}": v for k, v in ind["targets"].items()}
            ind["baseline"]["fiscal_year"] += SHIFT
            ind["province_targets"] = {
                province: {f"FY{int(k[2:]) + SHIFT}": v for k, v in targets.items()}
                for province, targets in ind.get("province_targets", {}).items()}
            for baseline in ind.get("province_baselines", {}).values():
                baseline["fiscal_year"] += SHIFT
            ind.pop("quarterly_targets", None)
    for project in draft["projects"]:
        project["fiscal_year"] += SHIFT
    return draft


def set_plan_field(book, field: str, value) -> None:
    sheet = next(book[n] for n in book.sheetnames if n.endswith("(plan)"))
    for row in sheet.iter_rows():
        if row[0].value and f"({field})" in str(row[0].value):
            row[1].value = value
            return
    raise AssertionError(f"no {field} row in the plan sheet")


def saved(book, path):
    out = io.BytesIO()
    book.save(out)
    path.write_bytes(out.getvalue())
    return path


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine (apt-get install "
                                             "chromium)")
def test_an_osm_uploads_publishes_and_revises_a_plan_in_the_browser(system, tmp_path):
    osm, th34 = system.key("osm", "northeast-lower-2"), system.key("province", "TH-34")
    auth = {"Authorization": f"Bearer {osm}"}
    plan = system.get(f"/api/plans/{PLAN}", osm).json()
    made = requests.post(f"{system.base}/api/plans", json=shifted_draft(plan, SOURCE),
                         headers=auth, timeout=30)
    assert made.status_code == 201, made.text
    exported = requests.get(f"{system.base}/api/plans/{SOURCE}/export", params={"format": "xlsx"},
                            headers=auth, timeout=30)
    book = openpyxl.load_workbook(io.BytesIO(exported.content))
    set_plan_field(book, "id", NEW)
    good = saved(book, tmp_path / "good.xlsx")
    indicators = next(book[n] for n in book.sheetnames if n.endswith("(indicators)"))
    header = [str(c.value) for c in next(indicators.iter_rows(max_row=1))]
    direction = next(i for i, h in enumerate(header) if h.endswith("(direction)"))
    indicators.cell(row=2, column=direction + 1, value="sideways")
    indicators.cell(row=3, column=direction + 1, value="upwards")
    bad = saved(book, tmp_path / "bad.xlsx")

    ARTIFACTS.mkdir(exist_ok=True)
    request = {"mode": "plan_forms", "base": system.base, "chromium": CHROMIUM,
               "artifacts": str(ARTIFACTS), "osm_key": osm, "province_key": th34,
               "new_plan": NEW, "bad_file": str(bad), "good_file": str(good),
               "revised_file": str(tmp_path / "revised.xlsx"), "reason": REASON,
               "title_en": "Cluster plan 2576-2580 (revised title)"}
    done = subprocess.run([sys.executable, "-m", "tests.e2e.browser_checks"], cwd=REPO_ROOT,
                          input=json.dumps(request), capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout)

    assert "/plans" in seen["nav"] and seen["labelled"] and seen["fits_phone"], seen
    assert seen["bad_status"] == 400
    directions = {(c["row"], c["column"]) for c in seen["bad_cells"]
                  if "sideways" in c["en"] or "upwards" in c["en"]}
    assert directions == {("2", "direction"), ("3", "direction")}, seen["bad_cells"]
    assert all(c["th"].strip() and c["en"].strip() for c in seen["bad_cells"])
    assert any("\u0e00" <= ch <= "\u0e7f" for c in seen["bad_cells"] for ch in c["th"])

    assert seen["good_status"] == 200 and "done=created" in seen["created"]["url"], seen["created"]
    assert NEW in seen["created"]["notice"] and seen["created"]["status"] == "draft"
    assert "published" in seen["published"]["notice"] and seen["published"]["status"] == "published"
    assert seen["no_reason"]["status"] == 400 and "reason" in seen["no_reason"]["refusal"]
    history = system.get(f"/api/plans/{NEW}/history", osm).json()
    assert [h["status"] for h in history] == ["draft", "published", "published"], history
    assert history[-1]["revision"]["reason"] == REASON
    assert seen["revised"]["version"] == str(history[-1]["version"])
    assert "revised" in seen["revised"]["notice"] and REASON in seen["revised"]["row"]
    assert system.get(f"/api/plans/{NEW}", osm).json()["title_en"].endswith("(revised title)")
    assert str(date.today().year + 543) in seen["thai_row"]  # the published day, B.E.

    assert "/plans" not in seen["province_nav"]
    assert seen["province_page"] == {"status": 403, "forms": 0, "refused": True}


def test_the_plan_forms_refuse_a_province_and_another_plans_workbook(system):
    osm, th34 = system.key("osm", "northeast-lower-2"), system.key("province", "TH-34")
    exported = requests.get(f"{system.base}/api/plans/{PLAN}/export", params={"format": "xlsx"},
                            headers={"Authorization": f"Bearer {osm}"}, timeout=30).content
    province = signed_in(system.base, th34)
    token = csrf_of(province)
    before = system.get(f"/api/plans/{PLAN}", osm).json()["version"]
    for path, files in (("/plans/upload", {"workbook": ("plan.xlsx", exported)}),
                        (f"/plans/{PLAN}/revise", {"workbook": ("plan.xlsx", exported)}),
                        (f"/plans/{PLAN}/publish", None)):
        answer = province.post(f"{system.base}{path}", files=files, allow_redirects=False,
                               data={"reason": "ลองแก้", "csrf": token}, timeout=30)
        assert answer.status_code == 403, (path, answer.status_code)
        assert "form" not in answer.text.split("<main>")[1].split("</main>")[0], path
    assert system.get(f"/api/plans/{PLAN}", osm).json()["version"] == before

    # the revise form sends ?plan=: a workbook of another plan is refused at its id cell
    wrong = requests.post(f"{system.base}/api/plans/import", data=exported, timeout=60,
                          params={"format": "xlsx", "plan": "northeast-lower-2-other",
                                  "reason": "r"}, headers={"Authorization": f"Bearer {osm}"})
    assert wrong.status_code == 400, wrong.text
    problem, = wrong.json()["error"]["problems"]
    assert problem["column"] == "value" and problem["sheet"].endswith("(plan)"), problem
    assert "northeast-lower-2-other" in problem["message_en"] and problem["message_th"]
    assert system.get(f"/api/plans/{PLAN}", osm).json()["version"] == before
    # an OSM's form without a file: the page says so, nothing is called
    session = signed_in(system.base, osm)
    empty = session.post(f"{system.base}/plans/upload", data={"csrf": csrf_of(session), "lang": "en"},
                         allow_redirects=False, timeout=30)
    assert empty.status_code == 400 and "Choose a plan workbook file first" in empty.text

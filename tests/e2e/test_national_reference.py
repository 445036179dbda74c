"""The national strategy hierarchy loaded by the admin into the running system (issue 26): through
the gateway and the real broker - versions listed, every bad row named by file and line with
nothing kept, only the admin loads, the page shows the trees and the unverified marks, and the
operator's `clusterctl national` does the same from a folder."""
import io
import subprocess
import sys
import zipfile

import pytest
import requests

from clusterctl.reference import NATIONAL_DIR
from clusterctl.settings import REPO_ROOT
from tests.support.browsing import csrf_of, signed_in

HEADER = "code,parent_code,level,name_th,name_en,effective_from,source,verified"
SUB_PLAN = (HEADER + "\nMP03.1,MP03,sub_plan,แผนย่อยทดลอง,Trial sub-plan,2019-04-18,"
                     "a test's own,no\n")
SHIPPED = {e.name: e.read_text("utf-8") for e in NATIONAL_DIR.iterdir() if e.name.endswith(".csv")}


@pytest.fixture(scope="module", autouse=True)
def shipped_in_force_after(system):
    """The system is shared by the whole run: once these tests have loaded their own versions
    (a whole one of a few files among them), the shipped one is put in force again - loading a
    kept version again does that - so later plans are checked against the shipped lists."""
    yield
    again = post(system, system.key(), params={"mode": "whole"}, json={"files": SHIPPED})
    assert again.status_code == 200, again.text


def post(system, key, **kwargs):
    return requests.post(f"{system.base}/api/national", headers={"Authorization": f"Bearer {key}"},
                         timeout=60, **kwargs)


def versions(system):
    return [v["version_id"] for v in system.get("/api/national", system.key()).json()["versions"]]


def level(answer, name):
    return next((lv for lv in answer["levels"] if lv["level"] == name), None)


def test_the_admin_loads_the_shipped_files_and_then_adds_one(system):
    whole = post(system, system.key(), params={"mode": "whole"}, json={"files": SHIPPED})
    assert whole.status_code in (200, 201), whole.text  # 200: the start-up loaded it already
    assert whole.json()["by_level"]["sdg_target"] == 169
    assert versions(system)[-1] == whole.json()["version_id"]

    added = post(system, system.key(), json={"files": {"sub-plans.csv": SUB_PLAN}})
    assert added.status_code == 201, added.text
    assert "sub-plans.csv" in added.json()["files"] and "sdg-targets.csv" in added.json()["files"]
    # any key reads it: a province's too
    shown = system.get("/api/national", system.key("province", "TH-34")).json()
    assert shown["version"]["version_id"] == added.json()["version_id"] == versions(system)[-1]
    sub_plan = level(shown, "sub_plan")["entries"][0]
    assert sub_plan["code"] == "MP03.1" and sub_plan["verified"] is False
    assert sub_plan["level_name_th"] == "แผนย่อย" and sub_plan["source"] == "a test's own"
    older = system.get("/api/national", system.key(), version=whole.json()["version_id"]).json()
    assert level(older, "sub_plan") is None and level(older, "strategy")["count"] == 6
    assert system.get("/api/national", system.key(), version="1999-01-01-nope").status_code == 404

    audit = system.get("/api/audit", system.key(), act="settings.national_reference").json()
    assert any(r["target"] == added.json()["version_id"] for r in audit)


def test_bad_rows_answer_400_naming_each_file_and_line_and_keep_nothing(system):
    before = versions(system)
    bad = SUB_PLAN + ("MP03.2,MP03,sub_plan,แผนย่อยผิด,Wrong,2019-04-18,test,maybe\n"
                      "MP03.3,MP99,sub_plan,แผนย่อยผิด,Wrong,2019-04-18,test,no\n")
    answer = post(system, system.key(), params={"mode": "whole"},
                  json={"files": {**SHIPPED, "sub-plans.csv": bad}})
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    wheres = {p["where"] for p in error["problems"]}
    assert wheres == {"sub-plans.csv line 3", "sub-plans.csv line 4"}
    assert error["problems_total"] == 2 and "nothing was loaded" in error["message"]
    messages = " ".join(p["message_en"] + p["message_th"] for p in error["problems"])
    assert "verified must be yes or no" in messages and "verified ต้องเป็น yes หรือ no" in messages
    assert "parent_code MP99 is unknown" in messages and "ไม่พบ parent_code MP99" in messages
    assert versions(system) == before

    not_csv = post(system, system.key(), files={"files": ("notes.txt", b"hello")})
    assert not_csv.status_code == 400 and "not a .csv file" in not_csv.json()["error"]["message"]
    assert versions(system) == before


def test_only_the_admin_loads(system):
    for key in (system.key("province", "TH-34"), system.key("osm", "northeast-lower-2")):
        refused = post(system, key, json={"files": {"sub-plans.csv": SUB_PLAN}})
        assert refused.status_code == 403, refused.text
    assert system.get("/api/national").status_code == 401


def test_a_zip_of_csv_files_is_loaded_whole(system):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        for name, text in SHIPPED.items():
            archive.writestr(f"national/{name}", text)
        archive.writestr("national/withdrawn.csv", HEADER + ",withdrawn\n"
                         "MP23,,master_plan,,,2030-01-01,a test's own,no,yes\n")
    answer = post(system, system.key(), params={"mode": "whole"},
                  files={"files": ("national.zip", data.getvalue(), "application/zip")})
    assert answer.status_code == 201, answer.text
    assert "sub-plans.csv" not in answer.json()["files"]
    late = system.get("/api/national", system.key(), on_date="2030-01-01").json()
    assert level(late, "master_plan")["count"] == 22


def test_the_page_shows_the_trees_and_the_admin_uploads_there(system):
    admin = signed_in(system.base, system.key(), lang="th")
    page = admin.get(f"{system.base}/national", timeout=30)
    assert page.status_code == 200
    assert 'data-code="SDG14.c"' in page.text and 'data-code="NS1.1"' in page.text
    assert "ยังไม่ได้ตรวจสอบกับเอกสารทางการ" in page.text and 'id="national-upload-form"' in page.text
    assert 'href="/national?' in page.text  # in the menu

    bad = admin.post(f"{system.base}/national/upload", data={"csrf": csrf_of(admin, "/national"),
                                                             "mode": "add"},
                     files={"files": ("sub-plans.csv", SUB_PLAN.replace(",no\n", ",maybe\n"))},
                     timeout=60)
    assert bad.status_code == 400 and 'data-file="sub-plans.csv" data-line="2"' in bad.text

    good = admin.post(f"{system.base}/national/upload", data={"csrf": csrf_of(admin, "/national"),
                                                              "mode": "add"},
                      files={"files": ("sub-plans.csv", SUB_PLAN)}, timeout=60)
    assert good.status_code == 200 and 'id="national-notice"' in good.text  # after the 303
    assert 'data-code="MP03.1"' in good.text

    province = signed_in(system.base, system.key("province", "TH-34"))
    seen = province.get(f"{system.base}/national", timeout=30)
    assert seen.status_code == 200 and "national-upload-form" not in seen.text


def test_clusterctl_national_load_and_list(system, tmp_path):
    (tmp_path / "sub-plans.csv").write_text(SUB_PLAN.replace("Trial", "Operator's"), "utf-8")

    def clusterctl(*args):
        return subprocess.run([sys.executable, "-m", "clusterctl", "national", *args],
                              cwd=REPO_ROOT, env=system.env, capture_output=True, text=True,
                              timeout=120)
    loaded = clusterctl("load", str(tmp_path))
    assert loaded.returncode == 0, loaded.stderr + loaded.stdout
    assert "loaded" in loaded.stdout and "sub-plans.csv" in loaded.stdout
    assert "Operator's" in str(system.get("/api/national", system.key()).json()["levels"])

    (tmp_path / "sub-plans.csv").write_text(SUB_PLAN.replace("MP03,", "MP99,"), "utf-8")
    refused = clusterctl("load", str(tmp_path))
    assert refused.returncode == 2 and "sub-plans.csv line 2: ไม่พบ parent_code MP99" in refused.stdout

    listed = clusterctl("list")
    assert listed.returncode == 0 and "sub_plan 1" in listed.stdout

"""The eMENSCR export through the running system (issue 26 point 4): provinces report two
projects' progress over AMQP; the cluster's OSM downloads the workbook of the fiscal year and it
reads back - with python-calamine, not the openpyxl that wrote it - with Thai headers, English
under them, the agencies by name, the alignment, each quarter's figures recomputed here from what
was sent, the problems and remedies, and a sheet naming every field's source. A province is
refused. The admin replaces the field list (a bad one named by line, in Thai and English, and
refused whole), through the API and the settings page, and goes back to the shipped one; each
change is in the audit log. This test publishes a small plan of its own (its own project and
indicator codes: no other test's reports reach it) and puts the field list back."""
import copy
import csv
import io
import uuid
from datetime import date

import pytest
import requests
from python_calamine import CalamineWorkbook

from clusterctl.reference import load_national
from services.plans.national import carried_entries
from tests.support.browsing import csrf_of, signed_in
from tests.support.system import Province, wait_until

from .conftest import PLAN as SAMPLE_PLAN

PLAN_ID = "northeast-lower-2-emenscr-2567-2568"
INDICATOR = "NE2-EM1"
PROJECTS = ("NE2-EM-001", "NE2-EM-002")
TAG = uuid.uuid4().hex[:6]
HEADER = "key,header_th,header_en,source,verified,order"
# (province, project, as_of, reported_at, physical %, disbursed THB, problems, solutions)
SENT = [
    ("TH-34", "NE2-EM-001", "2023-12-29", "2024-01-05T09:00:00+07:00", 10.0, 1_000_000.0,
     f"ฝนตกหนัก {TAG}", f"ขยายเวลา {TAG}"),
    ("TH-34", "NE2-EM-001", "2024-03-29", "2024-04-03T09:00:00+07:00", 35.0, 6_000_000.0, None, None),
    ("TH-33", "NE2-EM-001", "2024-03-28", "2024-04-02T09:00:00+07:00", 25.0, 2_500_000.0, None, None),
    ("TH-33", "NE2-EM-002", "2024-06-28", "2024-07-02T09:00:00+07:00", 50.0, 4_000_000.0, None, None),
]


def send(system, method, path, key, body=None, **kwargs):
    return requests.request(method, f"{system.base}{path}", json=body, timeout=30,
                            headers={"Authorization": f"Bearer {key}"}, **kwargs)


def own_plan(sample: dict) -> dict:
    """The sample cut to one indicator and two FY2567 projects of its own, the first linked to
    the master plan on agriculture (MP03, under NS2), the second to nothing (its free text)."""
    draft = {k: v for k, v in copy.deepcopy(sample).items()
             if k not in ("version", "revision", "status", "reference_version",
                          "national_version", "national_entries")}
    issue = draft["issues"][0]
    issue["national_links"] = []  # else the second project would serve the issue's links
    indicator = copy.deepcopy(issue["indicators"][0])
    indicator.update(code=INDICATOR, national_links=[], quarterly_targets={}, province_targets={},
                     province_baselines={}, targets={"FY2567": 1000.0, "FY2568": 2000.0})
    issue["indicators"] = [indicator]
    first, second = (copy.deepcopy(p) for p in sample["projects"][:2])
    first.update(code=PROJECTS[0], indicators=[INDICATOR], issue=1, national_links=["MP03"])
    second.update(code=PROJECTS[1], indicators=[INDICATOR], issue=1, national_links=[],
                  provinces=list(sample["provinces"]))
    draft.update(id=PLAN_ID, title_en="eMENSCR export test plan", start_fy=2567, end_fy=2568,
                 issues=[issue], projects=[first, second],
                 national_entries=carried_entries(
                     load_national().as_of(date.today().isoformat()), ["MP03"]))
    return draft


@pytest.fixture(scope="module")
def published(system):
    admin = system.key()
    osm = system.key("osm", "northeast-lower-2")
    document = own_plan(system.get(f"/api/plans/{SAMPLE_PLAN}", osm).json())
    made = send(system, "POST", "/api/plans", osm, document)
    assert made.status_code == 201, made.text
    done = send(system, "POST", f"/api/plans/{PLAN_ID}/publish", admin, {"approved_by": "ก.บ.ก."})
    assert done.status_code == 200, done.text
    creds = system.credentials()
    senders = {code: Province(creds, code) for code in ("TH-34", "TH-33")}
    ids = []
    try:
        wait_until(lambda: system.get(f"/api/plans/{PLAN_ID}/projects/progress", admin)
                   .status_code == 200, timeout=60, what="reporting to learn the plan")
        for province, project, as_of, at, pct, money, problems, solutions in SENT:
            extra = {"problems": problems, "solutions": solutions} if problems else {}
            ids.append(senders[province].project(project, province, as_of, at,
                                                 physical_progress_pct=pct,
                                                 disbursed_thb=money, **extra))
    finally:
        for sender in senders.values():
            sender.close()

    def accepted():
        reports = system.get(f"/api/plans/{PLAN_ID}/reports", admin).json()["reports"]
        return set(ids) <= {r["event_id"] for r in reports}
    wait_until(accepted, timeout=60, what="the progress reports to be accepted")
    return system.get(f"/api/plans/{PLAN_ID}", admin).json()


def sheets_of(data: bytes) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def download(system, key, fy="2567"):
    return system.get(f"/api/plans/{PLAN_ID}/emenscr", key, fy=fy)


def test_the_osm_downloads_the_years_projects_as_a_planner_enters_them(system, published):
    answer = download(system, system.key("osm", "northeast-lower-2"))
    assert answer.status_code == 200, answer.text[:500]
    assert answer.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert f"{PLAN_ID}-emenscr-2567.xlsx" in answer.headers["Content-Disposition"]
    sheets = sheets_of(answer.content)
    projects, sources = sheets["โครงการ (projects)"], sheets["แหล่งที่มา (sources)"]
    fields = system.get("/api/emenscr/fields", system.key()).json()
    assert fields["origin"] == "shipped"
    keys = fields["keys"]
    assert projects[0][:len(keys)] == [f["header_th"] for f in fields["fields"]]
    assert projects[1][:len(keys)] == [f["header_en"] for f in fields["fields"]]
    rows = {row[keys.index("project_code")]: dict(zip(keys, row)) for row in projects[3:]}
    assert set(rows) == set(PROJECTS)
    first, second = rows[PROJECTS[0]], rows[PROJECTS[1]]
    agencies = {a["code"]: a["name_th"] for a in published["agencies"]}
    project = published["projects"][0]
    assert first["implementing_agency"] == agencies[project["implementing_agency"]]
    assert first["fiscal_year"] == 2567 and first["budget_total"] == project["budget_thb"]
    assert first["align_master_plan"] == "MP03 แผนแม่บทประเด็นการเกษตร"
    assert first["align_strategy"].startswith("NS2 ยุทธศาสตร์ชาติด้านการสร้างความสามารถ")
    assert second["align_master_plan"] == published["projects"][1]["strategy"]["master_plan"]
    assert INDICATOR not in first["indicators"] and "เป้าหมายปี 2567: 1,000" in first["indicators"]
    # each quarter, recomputed from SENT: every province's latest report by the quarter's end
    planned = project["planned_disbursement"]
    assert first["q1_planned_thb"] == planned["Q1"]
    assert first["q2_planned_thb"] == planned["Q1"] + planned["Q2"]
    assert (first["q1_disbursed_thb"], first["q1_physical_pct"]) == (1_000_000, 10)
    assert (first["q2_disbursed_thb"], first["q2_physical_pct"]) == (8_500_000, 30)
    assert first["q4_disbursed_thb"] == 8_500_000
    assert second["q2_disbursed_thb"] in ("", None) and second["q3_disbursed_thb"] == 4_000_000
    assert f"ฝนตกหนัก {TAG}" in first["problems"] and "อุบลราชธานี" in first["problems"]
    assert f"ขยายเวลา {TAG}" in first["remedies"]
    assert {row[1] for row in sources[1:len(keys) + 1]} == set(keys)
    assert all(row[5] == "ยังไม่ได้ตรวจสอบ (unverified)" for row in sources[1:len(keys) + 1])


def test_only_the_cluster_downloads_it_and_the_year_must_be_the_plans(system, published):
    province = download(system, system.key("province", "TH-34"))
    assert province.status_code == 403 and province.json()["error"]["code"] == "forbidden"
    assert download(system, system.key(), fy="2590").status_code == 400
    assert download(system, system.key(), fy="next").status_code == 400
    other = system.key("osm", "northeast-upper-1")
    assert download(system, other).status_code == 403


def test_the_admin_replaces_the_field_list_and_goes_back_to_the_shipped_one(system, published):
    admin = system.key()
    bad = "\n".join([HEADER, "name_th,ชื่อโครงการ,Name,ours,no,1", "budget_colour,สี,Colour,ours,no,2",
                     "name_th,ซ้ำ,Again,ours,maybe,3"])
    refused = send(system, "PUT", "/api/emenscr/fields", admin, data=bad.encode("utf-8"),
                   params={"reason": "ทดสอบ"})
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert [p["row"] for p in error["problems"]] == [3, 4, 4]
    assert "budget_colour" in error["problems"][0]["message"]
    assert "ไม่ใช่ข้อมูลที่ระบบกรอกได้" in error["problems"][0]["message"]
    assert "ยังไม่มีการเปลี่ยนแปลงใด" in error["message_th"]
    assert system.get("/api/emenscr/fields", admin).json()["origin"] == "shipped"
    assert send(system, "PUT", "/api/emenscr/fields", system.key("osm", "northeast-lower-2"),
                data=bad.encode("utf-8")).status_code == 403
    mine = "\n".join([HEADER, f"name_th,ชื่อโครงการ {TAG},Project name,ours,no,1",
                      "fiscal_year,ปีงบประมาณ,Fiscal year,ours,yes,2"])
    try:
        saved = send(system, "PUT", "/api/emenscr/fields", admin, data=mine.encode("utf-8"),
                     params={"reason": "ปรับตามแบบฟอร์มใหม่"})
        assert saved.status_code == 200, saved.text
        assert saved.json()["origin"] == "admin" and saved.json()["keys"] == ["name_th", "fiscal_year"]
        as_csv = system.get("/api/emenscr/fields", admin, format="csv")
        def cells(text):  # written again from the fields (each cell through csv_cell)
            return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        assert cells(as_csv.content.decode("utf-8")) == cells(mine)
        projects = sheets_of(download(system, admin).content)["โครงการ (projects)"]
        assert projects[0] == [f"ชื่อโครงการ {TAG}", "ปีงบประมาณ", "ข้อมูลตัวอย่าง (sample)"]
        assert projects[2][:2] == ["ยังไม่ได้ตรวจสอบ (unverified)",
                                   "ตรวจสอบกับเอกสาร สศช. แล้ว (verified)"]
        [record, *_] = system.get("/api/audit", admin, act="settings.emenscr_fields").json()
        assert record["reason"] == "ปรับตามแบบฟอร์มใหม่" and record["after"]["origin"] == "admin"
    finally:
        back = send(system, "DELETE", "/api/emenscr/fields", admin, params={"reason": "คืนค่า"})
        assert back.status_code == 200 and back.json()["origin"] == "shipped"
    assert system.get("/api/emenscr/fields", admin).json()["origin"] == "shipped"


def test_the_settings_page_shows_the_list_and_takes_a_new_one(system, published):
    admin = signed_in(system.base, system.key())
    page = admin.get(f"{system.base}/settings", timeout=30).text
    assert 'id="emenscr-fields"' in page and 'data-key="align_y1"' in page
    assert "Now: the list shipped with the system" in page
    token = csrf_of(admin, "/settings")
    mine = "\n".join([HEADER, "name_th,ชื่อโครงการ,Project name,ours,no,1"]).encode("utf-8")
    try:
        sent = admin.post(f"{system.base}/settings/emenscr", timeout=30, allow_redirects=False,
                          data={"csrf": token, "reason": "ทดสอบหน้าตั้งค่า"},
                          files={"fields_csv": ("fields.csv", mine, "text/csv")})
        assert sent.status_code == 303, sent.text[:500]
        assert system.get("/api/emenscr/fields", system.key()).json()["keys"] == ["name_th"]
        bad = admin.post(f"{system.base}/settings/emenscr", timeout=30,
                         data={"csrf": token, "reason": "ทดสอบ"},
                         files={"fields_csv": ("fields.csv", b"key,header_th\nx,y\n", "text/csv")})
        assert bad.status_code == 400 and "missing column(s)" in bad.text
        reset = admin.post(f"{system.base}/settings/emenscr/reset", timeout=30,
                           allow_redirects=False, data={"csrf": token, "reason": "คืนค่า"})
        assert reset.status_code == 303, reset.text[:500]
    finally:
        send(system, "DELETE", "/api/emenscr/fields", system.key())
    assert system.get("/api/emenscr/fields", system.key()).json()["origin"] == "shipped"
    projects_page = signed_in(system.base, system.key("osm", "northeast-lower-2"))
    shown = projects_page.get(f"{system.base}/projects?plan={PLAN_ID}", timeout=30).text
    assert f'href="/api/plans/{PLAN_ID}/emenscr?fy=2567"' in shown

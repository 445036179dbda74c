"""Step 2 through the HTTP API: drafts, publishing, revisions, history, and a revised target
changing the status in indicator-results with no report sent again."""
import copy
import email
from email import policy

import requests

from tests.support.system import Province, wait_until

from .conftest import PLAN


def send(system, method, path, key, body=None):
    raw = {"data": body} if isinstance(body, bytes) else {"json": body}
    return requests.request(method, f"{system.base}{path}", timeout=15,
                            headers={"Authorization": f"Bearer {key}"}, **raw)


def status_of(system, indicator, period):
    body = system.get(f"/api/plans/{PLAN}/indicator-results", system.key(), period=period).json()
    return next(r for r in body["results"] if r["indicator"] == indicator)


def test_a_revised_target_changes_the_status_without_resending_reports(system):
    osm = system.key("osm", "northeast-lower-2")
    th34 = Province(system.credentials(), "TH-34")
    th34.report("NE2-2.1", "FY2569-Q2", 2500, "2026-04-01T09:00:00+07:00")
    th34.close()
    before = wait_until(lambda: (r := status_of(system, "NE2-2.1", "FY2569-Q2"))["reported"] == 1 and r,
                        what="the report")
    assert (before["target"], before["status"]) == (2000.0, "achieved")

    plan = system.get(f"/api/plans/{PLAN}", osm).json()
    revised = copy.deepcopy(plan)
    ind = next(i for issue in revised["issues"] for i in issue["indicators"] if i["code"] == "NE2-2.1")
    ind["targets"]["FY2569"] = 3000.0
    response = send(system, "POST", f"/api/plans/{PLAN}/revisions", osm,
                    {"plan": revised, "reason": "ทบทวนค่าเป้าหมายตามมติคณะกรรมการ",
                     "approved_by": "คณะกรรมการบริหารงานกลุ่มจังหวัด (ก.บ.ก.)"})
    assert response.status_code == 201, response.text
    assert response.json()["version"] == plan["version"] + 1
    assert "target_revised" in response.json()["events"]

    after = wait_until(lambda: (r := status_of(system, "NE2-2.1", "FY2569-Q2"))["target"] == 3000.0 and r,
                       what="reporting to learn the revision")
    assert after["status"] == "not_achieved" and after["provinces"] == {"TH-34": 2500.0}

    history = system.get(f"/api/plans/{PLAN}/history", osm).json()
    assert [h["version"] for h in history][-2:] == [plan["version"], plan["version"] + 1]
    assert history[-1]["revision"]["reason"] == "ทบทวนค่าเป้าหมายตามมติคณะกรรมการ"
    old = system.get(f"/api/plans/{PLAN}", osm, version=str(plan["version"])).json()
    old_ind = next(i for issue in old["issues"] for i in issue["indicators"] if i["code"] == "NE2-2.1")
    assert old_ind["targets"]["FY2569"] == 2000.0

    def revision_mail():
        for path in system.mails():
            msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            if msg["To"] == "commerce@ubon.example" and "NE2-2.1" in msg["Subject"] \
                    and "Target revised" in msg["Subject"]:
                return msg.get_body(("plain",)).get_content()
    text = wait_until(revision_mail, what="the target-revised mail to the responsible agency")
    assert "พ.ศ. 2569" in text and "3,000" in text and "2,000" in text


def test_drafts_are_the_osms_until_published(system):
    osm, admin = system.key("osm", "northeast-lower-2"), system.key()
    th34 = system.key("province", "TH-34")
    plan = system.get(f"/api/plans/{PLAN}", osm).json()
    draft = {k: v for k, v in copy.deepcopy(plan).items()
             if k not in ("version", "revision", "status", "reference_version")}
    draft["id"] = "northeast-lower-2-2571-2575"
    draft["title_en"] = "Next plan (draft)"
    draft["start_fy"], draft["end_fy"] = 2571, 2575
    for _, issue in enumerate(draft["issues"]):
        for ind in issue["indicators"]:
            ind["targets"] = {f"FY{y}": v for y, v in zip(range(2571, 2576), ind["targets"].values())}
            ind["baseline"]["fiscal_year"] = 2570
            ind["province_targets"] = {  # the provinces' own targets move with the years
                province: {f"FY{int(key[2:]) + 5}": v for key, v in targets.items()}
                for province, targets in ind.get("province_targets", {}).items()}
            for baseline in ind.get("province_baselines", {}).values():
                baseline["fiscal_year"] = 2570
    for project in draft["projects"]:
        project["fiscal_year"] += 5

    assert send(system, "POST", "/api/plans", th34, draft).status_code == 403
    assert send(system, "POST", "/api/plans", system.key("osm", "south-border"), draft).status_code == 403
    created = send(system, "POST", "/api/plans", osm, draft)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "draft"
    taken = send(system, "POST", "/api/plans", osm, draft)  # its id exists already: a conflict
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "conflict", taken.text

    assert system.get(f"/api/plans/{draft['id']}", th34).status_code == 403
    assert draft["id"] not in [p["id"] for p in system.get("/api/plans", th34).json()]

    draft["title_en"] = "Next plan"
    assert send(system, "PUT", f"/api/plans/{draft['id']}", osm, draft).status_code == 200
    bad = copy.deepcopy(draft)
    bad["issues"][0]["indicators"][0]["targets"]["FY2590"] = 1
    refused = send(system, "PUT", f"/api/plans/{draft['id']}", osm, bad)
    assert refused.status_code == 400
    assert "FY2590 is outside the plan's years FY2571-FY2575" in refused.json()["error"]["message"]

    published = send(system, "POST", f"/api/plans/{draft['id']}/publish", admin,
                      {"approved_by": "ก.บ.ก."})
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert send(system, "PUT", f"/api/plans/{draft['id']}", osm, draft).status_code == 409
    assert send(system, "POST", f"/api/plans/{draft['id']}/publish", osm).status_code == 409
    assert system.get(f"/api/plans/{draft['id']}", th34).json()["title_en"] == "Next plan"
    no_reason = send(system, "POST", f"/api/plans/{draft['id']}/revisions", osm,
                     {"plan": draft, "reason": " "})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["error"]["message"]
    assert send(system, "POST", "/api/plans", osm, b"not json").status_code == 400


def test_the_admin_loads_a_new_reference_version_and_bad_csv_is_named_by_line(system):
    from clusterctl.settings import REPO_ROOT
    admin, osm = system.key(), system.key("osm", "northeast-lower-2")
    text = (REPO_ROOT / "clusterctl" / "data" / "reference" / "provincial-clusters.csv").read_text("utf-8")
    moved = text.replace("northeast-lower-1,กลุ่มจังหวัดภาคตะวันออกเฉียงเหนือตอนล่าง 1",
                         "northeast-lower-1,กลุ่มจังหวัดภาคตะวันออกเฉียงเหนือตอนล่าง 1 (ฉบับทดสอบ)")
    url = f"{system.base}/api/reference-data"
    params = {"effective_from": "2026-01-01", "source": "ประกาศทดสอบ (test announcement)"}
    headers = {"Content-Type": "text/csv; charset=utf-8"}
    forbidden = requests.post(url, params=params, data=moved.encode(), timeout=15,
                              headers={**headers, "Authorization": f"Bearer {osm}"})
    assert forbidden.status_code == 403
    bad = requests.post(url, params=params, data=(text + "x,y,z,w,TH-999,a,b,c\n").encode(),
                        timeout=15, headers={**headers, "Authorization": f"Bearer {admin}"})
    assert bad.status_code == 400 and "line 78" in bad.json()["error"]["message"]
    loaded = requests.post(url, params=params, data=moved.encode(), timeout=15,
                           headers={**headers, "Authorization": f"Bearer {admin}"})
    assert loaded.status_code == 201 and loaded.json()["created"] is True
    versions = system.get("/api/reference-data", admin).json()
    assert [v["effective_from"] for v in versions] == ["2017-11-17", "2026-01-01"]
    clusters = system.get("/api/clusters", admin)
    assert clusters.headers["X-Reference-Version"] == loaded.json()["version_id"]
    names = {c["code"]: c["name_th"] for c in clusters.json()}
    assert names["northeast-lower-1"].endswith("(ฉบับทดสอบ)")
    # the seeded plan keeps the membership it was made under
    plan = system.get(f"/api/plans/{PLAN}", admin).json()
    assert plan["reference_version"].startswith("2017-11-17")


def test_the_agencies_directory_by_scope(system):
    admin, osm = system.key(), system.key("osm", "northeast-lower-2")
    th33 = system.key("province", "TH-33")
    everyone = system.get("/api/agencies", admin).json()
    assert {"osm-ne2", "ubon-agriculture", "sisaket-commerce"} <= {a["code"] for a in everyone}
    mine = system.get("/api/agencies", th33).json()
    assert mine and {a["province"] for a in mine} == {"TH-33"}
    focal = system.get("/api/agencies", osm, role="focal_point").json()
    assert {a["province"] for a in focal} == {"TH-34", "TH-33", "TH-35", "TH-37"}
    assert system.get("/api/agencies", th33, province="TH-34").status_code == 403

    lao = {"code": "warin-municipality", "name_th": "เทศบาลเมืองวารินชำราบ",
           "name_en": "Warin Chamrap Town Municipality", "province": "TH-34",
           "kind": "local_administration", "emails": ["saraban@warin.example"],
           "roles": ["receiving"], "language": "th"}
    assert send(system, "PUT", "/api/agencies/warin-municipality", th33, lao).status_code == 403
    assert send(system, "PUT", "/api/agencies/warin-municipality",
                system.key("osm", "south-border"), lao).status_code == 403
    saved = send(system, "PUT", "/api/agencies/warin-municipality", osm, lao)
    assert saved.status_code == 200 and saved.json()["name_th"] == "เทศบาลเมืองวารินชำราบ"
    receiving = system.get("/api/agencies", osm, role="receiving", kind="local_administration").json()
    assert "warin-municipality" in [a["code"] for a in receiving]
    assert all("receiving" in a["roles"] and a["kind"] == "local_administration" for a in receiving)
    bad = send(system, "PUT", "/api/agencies/warin-municipality", osm,
               {**lao, "emails": ["not-an-email"], "kind": "temple"})
    assert bad.status_code == 400
    assert "emails" in bad.json()["error"]["message"] and "kind" in bad.json()["error"]["message"]


def test_a_plan_round_trips_through_excel_and_a_bad_workbook_changes_nothing(system):
    import io

    import openpyxl

    osm = system.key("osm", "northeast-lower-2")
    exported = requests.get(f"{system.base}/api/plans/{PLAN}/export", params={"format": "xlsx"},
                            headers={"Authorization": f"Bearer {osm}"}, timeout=30)
    assert exported.status_code == 200
    assert exported.headers["Content-Disposition"].startswith("attachment; filename=")
    book = openpyxl.load_workbook(io.BytesIO(exported.content))
    assert any("ตัวชี้วัด" in name for name in book.sheetnames)

    # a new draft from the same workbook, under another id
    plan_sheet = next(book[n] for n in book.sheetnames if n.endswith("(plan)"))
    for row in plan_sheet.iter_rows():
        if row[0].value and "(id)" in str(row[0].value):
            row[1].value = "northeast-lower-2-copy"
    out = io.BytesIO()
    book.save(out)

    def upload(data, key=osm, **params):
        return requests.post(f"{system.base}/api/plans/import", params={"format": "xlsx", **params},
                             data=data, timeout=60, headers={"Authorization": f"Bearer {key}"})

    assert upload(out.getvalue(), system.key("osm", "south-border")).status_code == 403
    assert upload(out.getvalue(), system.key("province", "TH-34")).status_code == 403
    created = upload(out.getvalue())
    assert created.status_code == 201, created.text
    assert (created.json()["id"], created.json()["status"]) == ("northeast-lower-2-copy", "draft")
    copy_ = system.get("/api/plans/northeast-lower-2-copy", osm).json()
    original = system.get(f"/api/plans/{PLAN}", osm).json()
    assert copy_["issues"] == original["issues"] and copy_["projects"] == original["projects"]

    # a broken workbook: every bad cell named, nothing applied
    indicators = next(book[n] for n in book.sheetnames if n.endswith("(indicators)"))
    header = [str(c.value) for c in next(indicators.iter_rows(max_row=1))]
    direction = next(i for i, h in enumerate(header) if h.endswith("(direction)"))
    indicators.cell(row=2, column=direction + 1, value="sideways")
    indicators.cell(row=3, column=direction + 1, value="upwards")
    out = io.BytesIO()
    book.save(out)
    refused = upload(out.getvalue())
    assert refused.status_code == 400
    problems = refused.json()["error"]["problems"]
    assert {(p["row"], p["column"]) for p in problems if "sideways" in p["message"] or
            "upwards" in p["message"]} == {(2, "direction"), (3, "direction")}
    assert system.get("/api/plans/northeast-lower-2-copy", osm).json()["version"] == copy_["version"]
    assert upload(b"not a workbook").status_code == 400


def test_no_overwriting_others_and_no_taking_over_agencies(system):
    osm = system.key("osm", "northeast-lower-2")
    plan = system.get(f"/api/plans/{PLAN}", osm).json()
    stale = {**copy.deepcopy(plan), "version": plan["version"] - 1, "title_en": "Stale edit"}
    response = send(system, "POST", f"/api/plans/{PLAN}/revisions", osm,
                    {"plan": stale, "reason": "r", "approved_by": "ก.บ.ก."})
    assert response.status_code == 409 and response.json()["error"]["code"] == "stale_version"

    south = system.key("osm", "south-border")
    takeover = {"code": "osm-ne2", "name_th": "ยึด", "name_en": "Taken", "province": "TH-96",
                "kind": "osm", "emails": ["x@south.example"], "roles": ["osm"]}
    assert send(system, "PUT", "/api/agencies/osm-ne2", south, takeover).status_code == 403
    kept = [a for a in system.get("/api/agencies", system.key()).json() if a["code"] == "osm-ne2"]
    assert kept[0]["province"] == "TH-34"

    history = system.get(f"/api/plans/{PLAN}/history", system.key("province", "TH-34")).json()
    assert history and all(h["status"] != "draft" for h in history)
    assert system.get(f"/api/plans/{PLAN}", system.key("province", "TH-34"),
                      version="1").status_code == 404  # version 1 was the draft
    # a version no store can hold, or not a version at all: a 400 naming it, never a 5xx
    for version in ("1234567890123456789012", "๑", "-1", "1.5"):
        answer = system.get(f"/api/plans/{PLAN}", system.key(), version=version)
        assert answer.status_code == 400 and "version" in answer.json()["error"]["message"]
    assert system.get(f"/api/plans/{PLAN}", system.key(), version="999999999").status_code == 404

"""DESIGN 3.2-3.4 checked from outside: plain pika for the province side, HTTP for the rest."""
import email
import json
import uuid
from email import policy

import pika
import requests
import pytest

from tests.support.system import Province, wait_until

from .conftest import PLAN

LOWER_NE2 = {"TH-34", "TH-33", "TH-35", "TH-37"}


@pytest.fixture
def province(system, request):
    opened = {}

    def open_(code):
        opened[code] = opened.get(code) or Province(system.credentials(), code)
        return opened[code]
    yield open_
    for p in opened.values():
        p.close()


def results(system, period, indicator):
    body = system.get(f"/api/plans/{PLAN}/indicator-results", system.key(), period=period).json()
    return next(r for r in body["results"] if r["indicator"] == indicator)


def wait_result(system, period, indicator, check, what):
    return wait_until(lambda: check(r := results(system, period, indicator)) and r,
                      timeout=15, what=what)


def test_health_reports_every_service(system):
    response = system.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "services": {
        "plans": "ok", "reporting": "ok", "assets": "ok", "notify": "ok"}}


def test_credentials_file_has_every_province_and_no_secret_in_the_url(system):
    creds = system.credentials()
    assert "@" not in creds["amqp_url"] and creds["amqp_url"].endswith(system.vhost)
    assert len(creds["provinces"]) == 76
    assert LOWER_NE2 <= set(creds["provinces"])
    assert all(e["amqp_password"] and e["api_key"] for e in creds["provinces"].values())
    assert len(creds["osm"]) == 18 and creds["admin"]["api_key"]


def test_clusters_are_the_reference_data(system):
    clusters = system.get("/api/clusters", system.key()).json()
    assert len(clusters) == 18
    assert sum(len(c["provinces"]) for c in clusters) == 76
    ne2 = next(c for c in clusters if c["code"] == "northeast-lower-2")
    assert {p["code"] for p in ne2["provinces"]} == LOWER_NE2
    ubon = next(p for p in ne2["provinces"] if p["code"] == "TH-34")
    assert (ubon["name_th"], ubon["name_en"]) == ("อุบลราชธานี", "Ubon Ratchathani")


def test_the_seeded_plan_is_listed_and_complete(system):
    plans = system.get("/api/plans", system.key("osm", "northeast-lower-2")).json()
    seeded = next(p for p in plans if p["id"] == PLAN)  # other tests may add plans
    assert {p["cluster"] for p in plans} == {"northeast-lower-2"}
    assert {k: seeded[k] for k in ("cluster", "start_fy", "end_fy", "status")} == {
        "cluster": "northeast-lower-2", "start_fy": 2566, "end_fy": 2570, "status": "published"}
    plan = system.get(f"/api/plans/{PLAN}", system.key()).json()
    assert set(plan["provinces"]) == LOWER_NE2
    assert [i["number"] for i in plan["issues"]] == [1, 2, 3, 4, 5]
    for issue in plan["issues"]:
        assert issue["title_th"] and issue["title_en"] and issue["indicators"]
        for ind in issue["indicators"]:
            assert set(ind["targets"]) == {f"FY{y}" for y in range(2566, 2571)}
            assert ind["direction"] in ("increase", "decrease")
            assert ind["aggregation"] in ("sum", "mean", "min", "max")
            assert ind["sample"] is True  # invented figures are marked as such
    assert plan["projects"]


def test_a_report_appears_in_the_cluster_view_within_seconds(system, province):
    province("TH-34").report("NE2-1.1", "FY2567-Q2", 50000, "2024-04-10T09:30:00+07:00")
    province("TH-33").report("NE2-1.1", "FY2567-Q2", 40000, "2024-04-11T09:30:00+07:00")
    result = wait_result(system, "FY2567-Q2", "NE2-1.1", lambda r: r["reported"] == 2,
                         "both reports in indicator-results")
    assert result["provinces"] == {"TH-33": 40000.0, "TH-34": 50000.0}
    assert result["value"] == 90000.0  # aggregation: sum
    assert (result["expected"], result["target"]) == (4, 180000.0)
    assert result["status"] == "not_achieved" and result["achievement_pct"] == 50.0


def test_latest_reported_at_wins_whatever_the_arrival_order(system, province):
    th35 = province("TH-35")
    th35.report("NE2-3.1", "FY2568-Q1", 70.0, "2024-12-20T10:00:00+07:00")   # the later one first
    th35.report("NE2-3.1", "FY2568-Q1", 40.0, "2024-12-10T10:00:00+07:00")   # an older correction
    marker = th35.report("NE2-3.1", "FY2568-Q2", 1.0, "2025-03-01T10:00:00+07:00")
    wait_result(system, "FY2568-Q2", "NE2-3.1", lambda r: r["reported"] == 1, f"marker {marker}")
    assert results(system, "FY2568-Q1", "NE2-3.1")["provinces"] == {"TH-35": 70.0}


def test_equal_reported_at_greater_event_id_wins_and_repeats_are_ignored(system, province):
    th37 = province("TH-37")
    low, high = sorted(str(uuid.uuid4()) for _ in range(2))
    th37.report("NE2-2.1", "FY2568-Q3", 300, "2025-05-01T08:00:00+07:00", event_id=high)
    th37.report("NE2-2.1", "FY2568-Q3", 100, "2025-05-01T08:00:00+07:00", event_id=low)
    th37.report("NE2-2.1", "FY2568-Q3", 999, "2026-01-01T08:00:00+07:00", event_id=high)  # repeat
    marker = th37.report("NE2-2.1", "FY2568-Q4", 1, "2025-08-01T08:00:00+07:00")
    wait_result(system, "FY2568-Q4", "NE2-2.1", lambda r: r["reported"] == 1, f"marker {marker}")
    assert results(system, "FY2568-Q3", "NE2-2.1")["provinces"] == {"TH-37": 300.0}


def test_null_value_retracts_and_mean_follows(system, province):
    province("TH-34").report("NE2-4.1", "FY2568-Q1", 8.0, "2025-11-01T09:00:00+07:00")
    province("TH-33").report("NE2-4.1", "FY2568-Q1", 6.0, "2025-11-01T09:00:00+07:00")
    result = wait_result(system, "FY2568-Q1", "NE2-4.1", lambda r: r["reported"] == 2, "two values")
    assert result["value"] == 7.0 and result["status"] == "achieved"  # decrease: 7.0 <= 7.0
    province("TH-34").report("NE2-4.1", "FY2568-Q1", None, "2025-11-02T09:00:00+07:00")
    result = wait_result(system, "FY2568-Q1", "NE2-4.1", lambda r: r["reported"] == 1, "retraction")
    assert result["provinces"] == {"TH-33": 6.0} and result["value"] == 6.0


BAD_REPORTS = {
    "malformed": (b'{"event_id": "oops", ', "malformed JSON"),
    "schema": (None, "does not match the schema"),
    "unknown_indicator": (None, "unknown indicator"),
    "other_province": (None, "sender is TH-35"),
}


def test_bad_reports_are_rejected_listed_mailed_and_do_not_block(system, province):
    th35 = province("TH-35")
    schema_id, unknown_id, other_id = (str(uuid.uuid4()) for _ in range(3))
    th35.publish(b'{"event_id": "oops", ')
    th35.publish({"event_id": schema_id, "province": "TH-35", "indicator": "NE2-1.1",
                  "period": "FY2567-Q3", "value": "a lot", "reported_at": "2024-07-01T00:00:00+07:00"})
    th35.publish({"event_id": unknown_id, "province": "TH-35", "indicator": "NO-SUCH",
                  "period": "FY2567-Q3", "value": 1, "reported_at": "2024-07-01T00:00:00+07:00"})
    th35.publish({"event_id": other_id, "province": "TH-34", "indicator": "NE2-1.1",
                  "period": "FY2567-Q3", "value": 1, "reported_at": "2024-07-01T00:00:00+07:00"})
    good = th35.report("NE2-1.1", "FY2567-Q3", 12345, "2024-07-02T00:00:00+07:00")
    wait_result(system, "FY2567-Q3", "NE2-1.1", lambda r: r["provinces"].get("TH-35") == 12345,
                f"the good report {good} behind the bad ones")

    listed = wait_until(lambda: len(r := system.get("/api/rejections", system.key(),
                                                    province="TH-35").json()) >= 4 and r,
                        what="four rejections for TH-35")
    reasons = {r["event_id"]: r["reason"] for r in listed}
    assert any("malformed JSON" in r["reason"] and r["event_id"] is None for r in listed)
    assert "value" in reasons[schema_id] and "number" in reasons[schema_id]
    assert "unknown indicator" in reasons[unknown_id]
    assert "TH-34" in reasons[other_id] and "TH-35" in reasons[other_id]
    assert all(r["province"] == "TH-35" and r["received_at"] for r in listed)
    assert good not in reasons

    def mailed_to_focal():
        found = []
        for path in system.mails():
            msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            if msg["To"] == "strategy@yasothon.example" and "รายงานถูกปฏิเสธ" in msg["Subject"]:
                found.append(msg.get_body(("plain",)).get_content())
        return len(found) >= 4 and found
    texts = wait_until(mailed_to_focal, what="rejection mails to TH-35's focal contact")
    assert any(unknown_id in t and "เหตุผล" in t and "Reason" in t for t in texts)


def test_a_province_cannot_publish_another_provinces_routing_key(system, province):
    th34 = province("TH-34")
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
        th34.publish({"event_id": str(uuid.uuid4())}, routing_key="report.TH-33.indicator")
    assert refused.value.reply_code == 403


def test_a_province_cannot_forge_user_id(system, province):
    th34 = province("TH-34")
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
        th34.publish({"event_id": str(uuid.uuid4())}, user_id=f"{system.prefix}TH-33")
    assert refused.value.reply_code == 406


def test_off_target_report_mails_the_responsible_agency(system, province):
    province("TH-33").report("NE2-5.1", "FY2567-Q4", 40, "2024-10-01T09:00:00+07:00")

    def mail_to_environment_office():
        for path in system.mails():
            msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            if msg["To"] == "environment@ubon.example" and "NE2-5.1 FY2567-Q4" in msg["Subject"]:
                return msg
    msg = wait_until(mail_to_environment_office, what="off-target mail")
    text = msg.get_body(("plain",)).get_content()
    assert "ไตรมาสที่ 4 ปีงบประมาณ พ.ศ. 2567" in text and "Q4 of fiscal year 2024" in text


def test_auth_and_scopes(system):
    assert system.get("/api/clusters").status_code == 401
    assert system.get("/api/clusters").json()["error"]["code"] == "unauthenticated"
    assert system.get("/api/clusters", "not-a-key").status_code == 401
    th34 = system.key("province", "TH-34")
    assert system.get("/api/rejections", th34, province="TH-33").status_code == 403
    assert system.get("/api/rejections", th34).status_code == 200
    other_osm = system.key("osm", "south-andaman")
    assert system.get(f"/api/plans/{PLAN}", other_osm).status_code == 403
    assert system.get("/api/plans", other_osm).json() == []
    assert system.get("/api/rejections", other_osm, province="TH-34").status_code == 403
    assert system.get(f"/api/plans/{PLAN}", th34).status_code == 200
    assert system.get("/api/plans/no-such-plan", system.key()).status_code == 404
    bad = system.get(f"/api/plans/{PLAN}/indicator-results", system.key(), period="Q2-2567")
    assert bad.status_code == 400 and "FY2567-Q2" in bad.json()["error"]["message"]


def test_a_province_sees_only_its_own_figure(system, province):
    province("TH-34").report("NE2-1.1", "FY2570-Q1", 10, "2026-10-05T09:00:00+07:00")
    province("TH-33").report("NE2-1.1", "FY2570-Q1", 20, "2026-10-05T09:00:00+07:00")
    wait_result(system, "FY2570-Q1", "NE2-1.1", lambda r: r["reported"] == 2, "two values")
    body = system.get(f"/api/plans/{PLAN}/indicator-results", system.key("province", "TH-34"),
                      period="FY2570-Q1").json()
    mine = next(r for r in body["results"] if r["indicator"] == "NE2-1.1")
    assert mine["provinces"] == {"TH-34": 10.0} and mine["value"] == 30.0


def test_openapi_documents_the_api(system):
    doc = system.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    for path in ("/health", "/api/clusters", "/api/plans", "/api/plans/{plan_id}",
                 "/api/plans/{plan_id}/indicator-results", "/api/rejections"):
        assert path in doc["paths"]
    json.dumps(doc)


def test_unknown_endpoints_answer_json(system):
    response = system.get("/api/no-such-thing", system.key())
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert system.get("/api/no-such-thing").status_code == 401


def service_pid(system, service):
    return next(int(line.split()[0]) for line in system.leftover_processes()
                if f"run/{service}.yaml" in line)


def test_health_names_a_service_that_does_not_answer_and_a_dead_one_comes_back(system):
    import os
    import signal

    pid = service_pid(system, "notify")
    os.kill(pid, signal.SIGSTOP)
    try:
        response = system.get("/health")
        assert response.status_code == 503
        assert response.json()["services"]["notify"] == "unavailable"
        assert response.json()["services"]["plans"] == "ok"
    finally:
        os.kill(pid, signal.SIGCONT)
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: service_pid(system, "notify") != pid, timeout=20,
               what="the runner to restart notify")
    wait_until(lambda: system.get("/health").status_code == 200, timeout=60,
               what="health to be ok again")


def test_clusterctl_rebuild_replays_the_event_store_into_the_same_views(system, province):
    import subprocess
    import sys

    from clusterctl.settings import REPO_ROOT
    province("TH-37").report("NE2-3.1", "FY2569-Q3", 66.0, "2026-07-05T09:00:00+07:00")
    before = wait_result(system, "FY2569-Q3", "NE2-3.1", lambda r: r["reported"] == 1, "a report")
    done = subprocess.run([sys.executable, "-m", "clusterctl", "rebuild"], cwd=REPO_ROOT,
                          env=system.env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "rebuilt" in done.stdout and "stored reports" in done.stdout
    assert results(system, "FY2569-Q3", "NE2-3.1") == before


def test_parked_messages_are_shown_to_the_admin_only(system):
    assert system.get("/api/parked", system.key("osm", "northeast-lower-2")).status_code == 403
    response = system.get("/api/parked", system.key())
    assert response.status_code == 200 and isinstance(response.json(), list)


def test_the_problems_register_is_searchable_in_thai_and_scoped(system, province):
    th37 = province("TH-37")
    for pct, when, problem in ((30, "2024-03-31", "ฝนตกหนัก ผู้รับจ้างเข้าพื้นที่ไม่ได้"),
                               (55, "2024-06-30", "ราคาวัสดุก่อสร้างสูงขึ้น")):
        event_id = str(uuid.uuid4())
        th37.publish({"event_id": event_id, "province": "TH-37", "project": "NE2-67-002",
                      "as_of": when, "physical_progress_pct": pct, "disbursed_thb": 1000.0 * pct,
                      "procurement_stage": "in_progress", "problems": problem,
                      "solutions": "ขยายเวลาสัญญา", "reported_at": f"{when}T17:00:00+07:00"},
                     kind="project", event_id=event_id)
    osm = system.key("osm", "northeast-lower-2")
    found = wait_until(lambda: len(r := system.get(f"/api/plans/{PLAN}/problems", osm,
                                                   project="NE2-67-002").json()) >= 2 and r,
                       what="two problem entries")
    assert [f["as_of"] for f in found][:2] == ["2024-06-30", "2024-03-31"]  # newest first
    assert found[0]["issue"] == 3 and found[0]["title_th"].startswith("พัฒนาเส้นทางท่องเที่ยว")
    rain = system.get(f"/api/plans/{PLAN}/problems", osm, q="ฝนตกหนัก").json()
    assert [f["problems"] for f in rain] == ["ฝนตกหนัก ผู้รับจ้างเข้าพื้นที่ไม่ได้"]
    assert system.get(f"/api/plans/{PLAN}/problems", osm, issue="1", q="ฝนตกหนัก").json() == []
    th34 = system.key("province", "TH-34")
    assert system.get(f"/api/plans/{PLAN}/problems", th34, province="TH-37").status_code == 403
    assert all(f["province"] == "TH-34" for f in system.get(f"/api/plans/{PLAN}/problems", th34).json())


def test_an_indicators_series_runs_in_time_order_with_thai_labels(system, province):
    for period, value in (("FY2569-Q3", 30.0), ("FY2569-Q2", 20.0)):  # periods that have begun
        province("TH-35").report("NE2-1.2", period, value, "2026-07-01T09:00:00+07:00")
    def both_periods():  # named, not counted: the shared system's other tests report it too
        found = system.get(f"/api/plans/{PLAN}/indicators/NE2-1.2/series", system.key()).json()
        return {"FY2569-Q2", "FY2569-Q3"} <= {s["period"] for s in found["series"]} and found

    body = wait_until(both_periods, what="both periods in the series")
    periods = [s["period"] for s in body["series"]]
    assert periods.index("FY2569-Q2") < periods.index("FY2569-Q3")
    q2 = next(s for s in body["series"] if s["period"] == "FY2569-Q2")
    assert q2["label_th"] == "ไตรมาสที่ 2 ปีงบประมาณ พ.ศ. 2569" and q2["target"] == 4400.0
    # the path names an indicator the plan does not have: 404, as for any path-scoped thing
    assert system.get(f"/api/plans/{PLAN}/indicators/NO-SUCH/series", system.key()).status_code == 404


def test_project_progress_against_the_governments_targets(system, province):
    admin, osm = system.key(), system.key("osm", "northeast-lower-2")
    url = "/api/disbursement-targets/FY2568"
    put = lambda key, body: requests.put(f"{system.base}{url}", json=body, timeout=15,  # noqa: E731
                                         headers={"Authorization": f"Bearer {key}"})
    assert put(osm, {"Q1": 30, "Q2": 52, "Q3": 77, "Q4": 100}).status_code == 403
    bad = put(admin, {"Q1": 60, "Q2": 52, "Q3": 177, "Q4": 100})
    assert bad.status_code == 400 and "Q3 must be a percentage" in bad.json()["error"]["message"]
    assert put(admin, {"Q1": 30, "Q2": 52, "Q3": 77, "Q4": 100}).status_code == 200

    event_id = str(uuid.uuid4())
    province("TH-34").publish({
        "event_id": event_id, "province": "TH-34", "project": "NE2-68-001", "as_of": "2025-03-31",
        "physical_progress_pct": 35.0, "disbursed_thb": 2_000_000.0,
        "procurement_stage": "in_progress", "reported_at": "2025-04-02T10:00:00+07:00"},
        kind="project", event_id=event_id)

    def row():
        body = system.get(f"/api/plans/{PLAN}/projects/progress", osm).json()
        return next((r for r in body["projects"] if r["project"] == "NE2-68-001"
                     and r["provinces_reported"]), None)
    progress = wait_until(row, what="the project's progress")
    # budget 10 M; planned Q1+Q2 = 4 M; government Q2 target 52 %
    assert progress["disbursement_pct"] == 20.0 and progress["planned_to_date_pct"] == 40.0
    assert progress["government_target_pct"] == 52.0 and progress["behind_schedule"] is True


def test_completeness_counts_what_each_province_sent(system, province):
    province("TH-35").report("NE2-4.1", "FY2569-Q4", 7.1, "2026-10-02T09:00:00+07:00")
    osm = system.key("osm", "northeast-lower-2")

    def th35():
        body = system.get(f"/api/plans/{PLAN}/completeness", osm, period="FY2569-Q4").json()
        return next(r for r in body["provinces"] if r["province"] == "TH-35" and r["received"])
    r = wait_until(th35, what="TH-35's report counted")
    assert r["expected"] == 8 and r["received"] == 1 and "NE2-4.1" not in r["missing"]
    assert r["due_date"] == "2026-10-15" and 0 < r["completeness_pct"] <= 100
    mine = system.get(f"/api/plans/{PLAN}/completeness", system.key("province", "TH-34"),
                      period="FY2569-Q4").json()["provinces"]
    assert [x["province"] for x in mine] == ["TH-34"]
    assert requests.put(f"{system.base}/api/reporting-schedule", json={"due_days": 30}, timeout=15,
                        headers={"Authorization": f"Bearer {osm}"}).status_code == 403
    def due_days(days):
        return requests.put(f"{system.base}/api/reporting-schedule", json={"due_days": days},
                            timeout=15, headers={"Authorization": f"Bearer {system.key()}"})
    assert due_days(30).status_code == 200
    try:
        body = system.get(f"/api/plans/{PLAN}/completeness", osm, period="FY2569-Q4").json()
        assert body["due_days"] == 30 and body["provinces"][0]["due_date"] == "2026-10-30"
    finally:  # the system is shared: later tests count on the default
        assert due_days(15).status_code == 200


def test_a_simulated_fiscal_year_ends_with_views_matching_an_independent_recomputation(system):
    import subprocess
    import sys

    from clusterctl.settings import REPO_ROOT
    done = subprocess.run([sys.executable, "-m", "bench.simulate_fiscal_year", "--fy", "2566",
                           "--seed", "11", "--timeout", "90"], cwd=REPO_ROOT, env=system.env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK:" in done.stdout and "match the recomputation" in done.stdout


def test_views_download_as_csv_and_excel_with_thai_headers(system, province):
    import csv as csv_module
    import io

    import openpyxl
    province("TH-33").report("NE2-1.1", "FY2567-Q1", 123.0, "2024-01-03T09:00:00+07:00")
    wait_result(system, "FY2567-Q1", "NE2-1.1", lambda r: "TH-33" in r["provinces"], "a report")
    osm = system.key("osm", "northeast-lower-2")
    got = system.get(f"/api/plans/{PLAN}/indicator-results", osm, period="FY2567-Q1", format="csv")
    assert got.status_code == 200 and got.headers["Content-Type"].startswith("text/csv")
    assert got.content.startswith("\ufeff".encode("utf-8"))
    rows = list(csv_module.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["ช่วงเวลา (period)", "รหัส (indicator)"] and "TH-33" in rows[0]
    ne2 = next(r for r in rows[1:] if r[1] == "NE2-1.1")
    assert ne2[0] == "ไตรมาสที่ 1 ปีงบประมาณ พ.ศ. 2567" and ne2[rows[0].index("TH-33")] == "123.0"
    book = system.get(f"/api/plans/{PLAN}/completeness", osm, period="FY2567-Q1", format="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(book.content)).active
    assert sheet["B1"].value == "จังหวัด (province)"
    assert {sheet.cell(row=r, column=2).value for r in range(2, 6)} == {"TH-34", "TH-33", "TH-35", "TH-37"}
    mine = system.get(f"/api/plans/{PLAN}/indicator-results", system.key("province", "TH-34"),
                      period="FY2567-Q1", format="csv").content.decode("utf-8-sig")
    assert "TH-33" not in mine.splitlines()[0]
    assert system.get(f"/api/plans/{PLAN}/indicator-results", osm, period="FY2567-Q1",
                      format="pdf").status_code == 400


def test_a_cumulative_year_rolls_up_and_drills_down_to_the_reports_behind_it(system, province):
    import io

    import openpyxl
    th37 = province("TH-37")
    th37.report("NE2-3.2", "FY2568-Q1", 1000.0, "2025-01-05T09:00:00+07:00")
    first_q2 = th37.report("NE2-3.2", "FY2568-Q2", 2500.0, "2025-04-05T09:00:00+07:00")
    correction = th37.report("NE2-3.2", "FY2568-Q2", 2600.0, "2025-04-09T09:00:00+07:00")
    # NE2-3.2 is reported as a year-to-date total: the year so far is Q2's 2600, not 1000+2600
    year = wait_result(system, "FY2568", "NE2-3.2",
                       lambda r: r["provinces"].get("TH-37") == 2600.0, "the FY2568 roll-up")
    assert year["cumulative"] is True and year["value"] == 2600.0
    assert year["rolled_up_from"]["periods"]["TH-37"] == ["FY2568-Q1", "FY2568-Q2"]

    osm = system.key("osm", "northeast-lower-2")
    drill = system.get(f"/api/plans/{PLAN}/reports", osm, province="TH-37", indicator="NE2-3.2",
                       period="FY2568-Q2").json()["reports"]
    assert [(r["event_id"], r["status"]) for r in drill] == \
        [(correction, "in_force"), (first_q2, "superseded")]
    assert drill[0]["sender"] == th37.username and drill[0]["value"] == 2600.0
    assert system.get(f"/api/plans/{PLAN}/reports", system.key("province", "TH-34"),
                      province="TH-37").status_code == 403
    assert system.get(f"/api/plans/{PLAN}/reports", osm, period="FY25").status_code == 400
    own = system.get(f"/api/plans/{PLAN}/reports", system.key("province", "TH-37"),
                     indicator="NE2-3.2").json()["reports"]
    assert {r["province"] for r in own} == {"TH-37"}
    assert {correction, first_q2} <= {r["event_id"] for r in own}

    # every view downloads with Thai headers
    sheet = openpyxl.load_workbook(io.BytesIO(system.get(
        f"/api/plans/{PLAN}/reports", osm, indicator="NE2-3.2", format="xlsx").content)).active
    assert sheet["A1"].value == "ได้รับเมื่อ (received_at)"
    assert "ไตรมาสที่ 2 ปีงบประมาณ พ.ศ. 2568" in [c.value for c in sheet["F"]]
    for path, header in ((f"/api/plans/{PLAN}/projects/progress", "รหัสโครงการ (project)"),
                         (f"/api/plans/{PLAN}/problems", "วันที่รายงาน (reported_at)"),
                         (f"/api/plans/{PLAN}/indicators/NE2-3.2/series", "ช่วงเวลา (label_th)")):
        got = system.get(path, osm, format="csv")
        assert got.status_code == 200 and got.headers["Content-Type"].startswith("text/csv"), path
        assert got.content.decode("utf-8-sig").splitlines()[0].split(",")[0] == header

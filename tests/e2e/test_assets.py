"""The asset registry and its transfer through the HTTP API, as agencies use it (make run)."""
import email
import io
from email import policy

import openpyxl
import requests

from tests.support.system import wait_until


def post(system, path, key, body):
    return requests.post(f"{system.base}{path}", json=body, timeout=15,
                         headers={"Authorization": f"Bearer {key}"})


def test_the_sample_registry_is_seeded_with_assets_mid_transfer(system):
    assets = {a["code"]: a for a in system.get("/api/assets", system.key()).json()}
    assert len(assets) == 5 and all(a["sample"] for a in assets.values())
    centre = assets["NE2-67-002-A01"]
    assert (centre["status"], centre["transfer"]["to"]) == ("handed_over", "ubon-pao")
    assert centre["status_th"] == "ส่งมอบแล้ว รอรับโอน" and centre["category_th"] == "อาคารและสิ่งก่อสร้าง"
    assert 0 < centre["book_value_thb"] <= centre["total_value_thb"]
    assert assets["NE2-67-001-A01"]["custodian"] == "sisaket-khukhan-tao"


def test_an_agency_accepts_what_is_addressed_to_it_and_nothing_else(system):
    pao, tourism = system.key("agency", "ubon-pao"), system.key("agency", "ubon-tourism")
    stranger = system.key("agency", "sisaket-commerce")
    mine = {a["code"] for a in system.get("/api/assets", pao).json()}
    assert mine == {"NE2-67-002-A01"}  # addressed to it, not yet its own
    assert system.get("/api/assets/NE2-67-002-A01", stranger).status_code == 404
    centre = system.get("/api/assets/NE2-67-002-A01", pao).json()
    # the holder cannot accept for the receiver; a missing maintenance plan is named
    refused = post(system, "/api/assets/NE2-67-002-A01/accept", tourism,
                   {"version": centre["version"], "maintenance": {"agency": "x", "budget_thb": 1}})
    assert refused.status_code == 403 and "ubon-pao" in refused.json()["error"]["message"]
    bad = post(system, "/api/assets/NE2-67-002-A01/accept", pao, {"version": centre["version"]})
    assert bad.status_code == 400 and "maintenance" in bad.json()["error"]["message"]
    stale = post(system, "/api/assets/NE2-67-002-A01/accept", pao,
                 {"version": centre["version"] - 1,
                  "maintenance": {"agency": "ubon-pao", "budget_thb": 120000}})
    assert stale.status_code == 409
    done = post(system, "/api/assets/NE2-67-002-A01/accept", pao,
                {"version": centre["version"],
                 "maintenance": {"agency": "ubon-pao", "budget_thb": 120000, "note": "ข้อบัญญัติ 2568"}})
    assert done.status_code == 200, done.text
    assert (done.json()["custodian"], done.json()["status"]) == ("ubon-pao", "in_custody")
    again = post(system, "/api/assets/NE2-67-002-A01/accept", pao, {"version": done.json()["version"]})
    assert again.status_code == 400 and "in_custody: it cannot accept" in again.json()["error"]["message"]
    # the ledger, as JSON and as a spreadsheet with Thai headers
    ledger = system.get("/api/assets/NE2-67-002-A01/history", pao).json()["ledger"]
    assert [e["action"] for e in ledger] == ["register", "request", "approve", "hand_over", "accept"]
    sheet = openpyxl.load_workbook(io.BytesIO(system.get(
        "/api/assets/NE2-67-002-A01/history", pao, format="xlsx").content)).active
    assert sheet["C1"].value == "การดำเนินการ (action)" and sheet["C6"].value == "รับโอน"
    # the holder hears of it in Thai and English
    def told():
        mails = [email.message_from_bytes(p.read_bytes(), policy=policy.default)
                 for p in system.mails()]
        return any(m["To"] == "tourism@ubon.example" and "รับโอนทรัพย์สินแล้ว" in m["Subject"]
                   and "NE2-67-002-A01" in m["Subject"] for m in mails)
    wait_until(told, what="the holder's mail about the acceptance")


def test_registering_and_requesting_through_http_with_bad_input_named(system):
    tourism, osm = system.key("agency", "ubon-tourism"), system.key("osm", "northeast-lower-2")
    body = {"code": "E2E-A01", "project": "NE2-67-002", "fiscal_year": 2567,
            "category": "durable_article", "description_th": "เรือท้องแบนท่องเที่ยว",
            "quantity": 2, "unit": "ลำ", "unit_value_thb": 95000, "acquired_on": "2024-07-01",
            "location": {"province": "TH-37"}, "custodian": "ubon-tourism"}
    assert post(system, "/api/assets", system.key("agency", "sisaket-commerce"), body).status_code == 403
    wrong = post(system, "/api/assets", tourism, {**body, "location": {"province": "TH-33"}})
    assert wrong.status_code == 400 and "does not run in TH-33" in wrong.json()["error"]["message"]
    made = post(system, "/api/assets", tourism, body)
    assert made.status_code == 201 and made.json()["total_value_thb"] == 190000
    assert post(system, "/api/assets", tourism, body).status_code == 409  # the code is taken
    asked = post(system, "/api/assets/E2E-A01/transfer", tourism,
                 {"version": 1, "to": "amnat-tourism", "reason": "ใช้งานในพื้นที่อำนาจเจริญ"})
    assert asked.status_code == 200 and asked.json()["status"] == "transfer_requested"
    assert post(system, "/api/assets/E2E-A01/approve", tourism, {"version": 2}).status_code == 403
    assert post(system, "/api/assets/E2E-A01/approve", osm, {"version": 2}).status_code == 200
    assert post(system, "/api/assets/E2E-A01/fly", osm, {"version": 3}).status_code == 404
    listed = system.get("/api/assets", osm, status="transfer_approved", format="csv")
    assert listed.status_code == 200 and "E2E-A01" in listed.content.decode("utf-8-sig")
    assert listed.content.decode("utf-8-sig").splitlines()[0].startswith("รหัสทรัพย์สิน (code)")
    assert system.get("/api/assets", system.key("province", "TH-37")).status_code == 200


def test_an_agency_key_reads_the_plans_naming_it_but_no_reporting_view(system):
    pao = system.key("agency", "ubon-pao")
    plans = system.get("/api/plans", pao).json()
    assert [p["id"] for p in plans] == ["northeast-lower-2-2566-2570"]
    plan = plans[0]["id"]
    assert system.get(f"/api/plans/{plan}", pao).status_code == 200
    for path in ("indicator-results?period=FY2567-Q1", "reports", "problems", "projects/progress",
                 "completeness?period=FY2567-Q1", "indicators/NE2-1.1/series"):
        got = system.get(f"/api/plans/{plan}/{path}", pao)
        assert got.status_code == 403 and "agency key" in got.json()["error"]["message"], path
    assert system.get("/api/rejections", pao).json() == []
    assert system.get("/api/parked", pao).status_code == 403

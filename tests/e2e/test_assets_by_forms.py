"""Every asset action as a dashboard form (no hand-written JSON): registration, and each
transfer step on the asset's own page by the key whose step it is, through the API's own
handlers - in a real browser (browser_checks.asset_forms) and as plain form posts."""
import email
import json
import shutil
import subprocess
import sys
from email import policy

import pytest
import requests

from clusterctl.settings import REPO_ROOT
from tests.support.browsing import csrf_of, signed_in
from tests.support.system import wait_until

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = REPO_ROOT / "test-artifacts"
PAO_TH = "องค์การบริหารส่วนจังหวัดอุบลราชธานี"
REGISTRATION = {"code": "NE2-67-002-F01", "project": "NE2-67-002", "fiscal_year": 2567,
                "category": "durable_article", "description_th": "เรือท้องแบนท่องเที่ยว",
                "quantity": 2, "unit": "ลำ", "unit_value_thb": 95000,
                "acquired_on": "2024-07-01", "location": {"province": "TH-34"},
                "custodian": "ubon-tourism"}


def logged_in(system, key) -> requests.Session:
    """A browser without scripts: the login form, then its session cookie."""
    session = signed_in(system.base, key)
    session.csrf = csrf_of(session, "/assets")
    return session


def form_post(session, system, path, fields):
    return session.post(f"{system.base}{path}", data={"csrf": session.csrf, **fields}, timeout=15,
                        allow_redirects=False)


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine")
def test_a_whole_transfer_by_forms_each_by_the_key_whose_step_it_is(system):
    ARTIFACTS.mkdir(exist_ok=True)
    code = "NE2-67-002-F02"
    fields = {"code": code, "project": "NE2-67-002", "fiscal_year": "2567",
              "category": "durable_article", "description_th": "เครื่องฉายภาพศูนย์บริการ",
              "quantity": "1", "unit": "เครื่อง", "unit_value_thb": "45,000",
              "acquired_on": "2024-07-01", "province": "TH-34"}
    request = {"mode": "asset_forms", "base": system.base, "chromium": CHROMIUM,
               "artifacts": str(ARTIFACTS), "code": code, "registration": fields,
               "receiver": "ubon-pao", "holder_key": system.key("agency", "ubon-tourism"),
               "osm_key": system.key("osm", "northeast-lower-2"),
               "receiver_key": system.key("agency", "ubon-pao")}
    done = subprocess.run([sys.executable, "-m", "tests.e2e.browser_checks"], cwd=REPO_ROOT,
                          input=json.dumps(request), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout)

    assert seen["unlabelled"] == [] and seen["phone_overflow"] == []
    registered = seen["registered"]
    assert registered["url"].endswith(f"/assets/{code}?done=register"), registered
    assert registered["status"] == "in_custody" and "ลงทะเบียน" in registered["outcome"]
    assert registered["forms"] == ["request", "audit"]  # the holder's, in custody
    assert any(PAO_TH in r for r in seen["receivers"])  # a select of names
    assert not any("ubon-pao" in r for r in seen["receivers"])
    assert seen["requested"]["status"] == "transfer_requested"  # sent by the keyboard alone
    assert PAO_TH in seen["transfer_to"]
    assert seen["osm_forms"] == ["approve", "cancel", "audit"]
    assert seen["approved"]["status"] == "transfer_approved"
    assert seen["handed_over"]["status"] == "handed_over"
    assert seen["receiver_forms"] == ["accept", "reject"]  # the receiver's alone
    refused = seen["refused"]
    assert refused["status"] == "handed_over" and "budget_thb" in refused["message"]
    assert "ทำรายการไม่สำเร็จ" in refused["box"] and "Not done" in refused["box"]
    assert refused["kept"] == "ข้อบัญญัติงบประมาณ 2568"
    assert seen["accepted"]["status"] == "in_custody" and PAO_TH in seen["custodian"]
    assert [a for a, _ in seen["ledger"]] == ["register", "request", "approve", "hand_over", "accept"]
    assert "สำนักงานกลุ่มจังหวัด" in seen["ledger"][2][1] and PAO_TH in seen["ledger"][4][1]
    for code_word in ("ubon-pao", "ubon-tourism", "agency:", "osm:"):  # names, not codes
        assert code_word not in seen["text"], code_word
    asset = system.get(f"/api/assets/{code}", system.key()).json()
    assert (asset["custodian"], asset["maintenance"]["budget_thb"]) == ("ubon-pao", 120000)
    assert asset["unit_value_thb"] == 45000


def test_forms_work_without_scripts_and_the_server_still_decides(system):
    tourism = logged_in(system, system.key("agency", "ubon-tourism"))
    made = form_post(tourism, system, "/register-asset", {
        **{k: str(v) for k, v in REGISTRATION.items() if k != "location"}, "province": "TH-34",
        "doc_reference_0": "ใบตรวจรับ 3/2567", "doc_kind_0": "inspection", "doc_date_0": ""})
    assert made.status_code == 303 and made.headers["Location"] == "/assets/NE2-67-002-F01?done=register"
    again = form_post(tourism, system, "/register-asset", {
        **{k: str(v) for k, v in REGISTRATION.items() if k != "location"}, "province": "TH-34"})
    assert again.status_code == 409 and "รหัสซ้ำ" in again.text  # said on the form, typed kept
    assert 'value="เรือท้องแบนท่องเที่ยว"' in again.text
    page = tourism.get(f"{system.base}/assets/NE2-67-002-F01", timeout=15).text
    assert 'id="form-request"' in page and 'id="form-approve"' not in page
    asked = form_post(tourism, system, "/assets/NE2-67-002-F01/transfer",
                      {"version": "1", "to": "ubon-pao", "reason": "ดูแลต่อ"})
    assert asked.status_code == 303 and asked.headers["Location"].endswith("?done=request")
    # a step the page does not offer is still the API's to refuse: 403 with its message
    page = tourism.get(f"{system.base}/assets/NE2-67-002-F01", timeout=15).text
    assert 'id="form-cancel"' in page and 'id="form-approve"' not in page
    approve = form_post(tourism, system, "/assets/NE2-67-002-F01/approve", {"version": "2"})
    assert approve.status_code == 403 and "ท่านไม่มีสิทธิ์ทำขั้นตอนนี้" in approve.text
    assert "You may not take this step" in approve.text and "OSM" in approve.text
    # a reason is required to cancel, even when the browser's check is bypassed
    blank = form_post(tourism, system, "/assets/NE2-67-002-F01/cancel", {"version": "2", "reason": " "})
    assert blank.status_code == 400 and "reason" in blank.text
    stale = form_post(tourism, system, "/assets/NE2-67-002-F01/cancel", {"version": "1", "reason": "x"})
    assert stale.status_code == 409 and "reload" in stale.text
    assert form_post(tourism, system, "/assets/NE2-67-002-F01/fly", {"version": "2"}).status_code == 404
    switch = tourism.get(f"{system.base}/assets/NE2-67-002-F01/cancel?lang=en", timeout=15,
                         allow_redirects=False)  # a refused form's language switch
    assert switch.headers["Location"] == "/assets/NE2-67-002-F01?lang=en"
    cancelled = form_post(tourism, system, "/assets/NE2-67-002-F01/cancel",
                          {"version": "2", "reason": "เปลี่ยนแผนการใช้งาน"})
    assert cancelled.status_code == 303
    audited = form_post(tourism, system, "/assets/NE2-67-002-F01/audits", {
        "version": "3", "on": "2025-03-01", "found": "yes", "condition": "needs_repair",
        "note": "ใบพัดชำรุด", "doc_reference_0": "ภาพถ่าย 1", "doc_kind_0": "photo"})
    assert audited.status_code == 303 and audited.headers["Location"].endswith("?done=audit")
    ledger = system.get("/api/assets/NE2-67-002-F01/history", system.key()).json()["ledger"]
    assert [e["action"] for e in ledger] == ["register", "request", "cancel", "audit"]
    assert ledger[0]["documents"][0]["reference"] == "ใบตรวจรับ 3/2567"
    assert ledger[3]["details"]["condition"] == "needs_repair"
    page = tourism.get(f"{system.base}/assets/NE2-67-002-F01?lang=en", timeout=15).text
    assert "needs repair" in page and "photo: ภาพถ่าย 1" in page
    cross = tourism.post(f"{system.base}/assets/NE2-67-002-F01/cancel", timeout=15,
                         data={"version": "2", "reason": "x"}, headers={"Origin": "http://evil.example"},
                         allow_redirects=False)
    assert cross.status_code == 403
    nobody = requests.post(f"{system.base}/assets/NE2-67-002-F01/cancel", timeout=15,
                           data={"version": "2", "reason": "x"}, allow_redirects=False)
    assert nobody.status_code == 303 and "/login" in nobody.headers["Location"]
    stranger = logged_in(system, system.key("agency", "sisaket-commerce"))
    assert stranger.get(f"{system.base}/assets/NE2-67-002-F01", timeout=15).status_code == 404
    # the receiver's mail links straight to the asset's page, where its form is
    def linked():
        for path in system.mails():
            mail = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            if mail["To"] == "assets@ubon-pao.example" and "NE2-67-002-F01" in mail["Subject"]:
                return "/assets/NE2-67-002-F01\n" in mail.get_body(("plain",)).get_content()
        return False
    wait_until(linked, what="the receiver's mail linking to the asset's page")

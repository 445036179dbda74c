"""The audit log as its readers use it: every act kept with the person and organisation, the
before and after and the reason - whether done through a dashboard form by a signed-in person
or through the API with a key - readable by the admin, a national viewer and the cluster's OSM
and auditors (their cluster's only), filterable, on a page, and exportable as CSV and Excel.
The e2e system is shared: every setting changed here is put back."""
import csv
import io
import subprocess
import sys
import uuid

import openpyxl
import requests

from clusterctl.settings import REPO_ROOT
from tests.support.browsing import csrf_of, signed_in

PASSWORD = "a long enough audit passphrase"
CLUSTER = "northeast-lower-2"
REASON = "มติคณะกรรมการ ก.บ.ก. ครั้งที่ 3/2569"


def person(system, duty, organisation, name):
    username = f"{duty.split('_')[0]}{uuid.uuid4().hex[:6]}"
    system.add_person(username, duty, organisation, PASSWORD, name=name)
    return username, signed_in(system.base, username=username, password=PASSWORD)


def audit(system, key, **filters):
    found = system.get("/api/audit", key, **filters)
    assert found.status_code == 200, found.text
    return found.json()


def api(system, method, path, key, body=None, **params):
    return requests.request(method, f"{system.base}{path}", json=body, params=params, timeout=30,
                            headers={"Authorization": f"Bearer {key}"})


def test_a_persons_change_through_a_form_is_kept_with_name_before_after_and_why(system):
    username, admin = person(system, "admin", None, "วิไลวรรณ ตรวจตรา")
    before = system.get("/api/reporting-schedule", system.key()).json()["due_days"]
    try:
        sent = admin.post(f"{system.base}/settings/schedule", allow_redirects=False, timeout=30,
                          data={"csrf": csrf_of(admin, "/settings"), "due_days": str(before + 3),
                                "reason": REASON})
        assert sent.status_code == 303, sent.text[:400]
        kept = audit(system, system.key(), act="settings.due_days", person=username)[0]
        assert kept["person"] == f"วิไลวรรณ ตรวจตรา ({username})" and kept["duty"] == "admin"
        assert kept["via"] == "session" and kept["reason"] == REASON
        assert kept["changes"] == [{"field": "due_days", "before": before, "after": before + 3}]
        assert kept["act_en"] == "set when reports are due"
    finally:  # put back through the API with a key: kept too, as the key's act
        assert api(system, "PUT", "/api/reporting-schedule", system.key(), {"due_days": before},
                   reason="put back by the audit test").status_code == 200
    newest = audit(system, system.key(), act="settings")[0]
    assert (newest["act"], newest["via"], newest["role"], newest["person"]) == \
        ("settings.due_days", "api_key", "admin", None)
    assert newest["reason"] == "put back by the audit test"
    # a refused change is no act: nothing new is kept
    refused = api(system, "PUT", "/api/reporting-schedule", system.key(), {"due_days": 999})
    assert refused.status_code == 400
    assert audit(system, system.key(), act="settings")[0]["id"] == newest["id"]


def test_ledger_steps_and_keys_are_kept_and_no_secret_is(system):
    osm, admin_key = system.key("osm", CLUSTER), system.key()
    code = f"AUD-{uuid.uuid4().hex[:6]}"
    made = api(system, "POST", "/api/assets", osm, {
        "code": code, "project": "NE2-67-002", "fiscal_year": 2567,
        "category": "durable_article", "description_th": "เครื่องฉายภาพ", "quantity": 1,
        "unit": "เครื่อง", "unit_value_thb": 30000, "acquired_on": "2024-07-01",
        "location": {"province": "TH-34"}, "custodian": "ubon-tourism"})
    assert made.status_code == 201, made.text
    asked = api(system, "POST", f"/api/assets/{code}/transfer", osm,
                {"version": 1, "to": "ubon-pao", "reason": "ใช้ในศูนย์บริการ"})
    assert asked.status_code == 200, asked.text
    steps = audit(system, admin_key, target=code)
    assert [s["act"] for s in steps] == ["asset.request", "asset.register"]
    request, register = steps
    assert request["cluster"] == CLUSTER and request["reason"] == "ใช้ในศูนย์บริการ"
    assert {"field": "status", "before": "in_custody", "after": "transfer_requested"} in \
        request["changes"]
    assert register["after"]["code"] == code and register["organisation"] == CLUSTER
    # a key issued: who, for whom, until when - never its secret
    issued = api(system, "POST", "/api/keys", admin_key, {
        "role": "province", "scope": "TH-34", "label": "สคริปต์ทดสอบ",
        "owner": "system: audit test"})
    assert issued.status_code == 201, issued.text
    secret = issued.json()["api_key"]
    kept = audit(system, admin_key, act="key.issue")[0]
    assert kept["target"] == issued.json()["id"] and kept["after"]["owner"] == "system: audit test"
    assert secret not in str(kept) and kept["after"]["api_key"] == "***"
    assert api(system, "DELETE", f"/api/keys/{issued.json()['id']}", admin_key).status_code == 200
    assert audit(system, admin_key, act="key")[0]["act"] == "key.revoke"


def test_who_reads_the_audit_log_and_how_much(system):
    _, auditor = person(system, "auditor", CLUSTER, "ผู้ตรวจ สอบบัญชี")
    _, planner = person(system, "province_planner", "TH-34", "นักวางแผน อุบล")
    _, national = person(system, "national_viewer", None, "ผู้ดู ส่วนกลาง")
    api(system, "PUT", "/api/notify/preferences/ubon-pao", system.key("osm", CLUSTER),
        {"delivery": "immediate"})  # an act of the cluster, so there is one to read
    theirs = auditor.get(f"{system.base}/api/audit", timeout=30)
    assert theirs.status_code == 200 and theirs.json()
    assert {r["cluster"] for r in theirs.json()} == {CLUSTER}
    assert auditor.get(f"{system.base}/api/audit", params={"cluster": "north-upper-1"},
                       timeout=30).status_code == 403
    everything = national.get(f"{system.base}/api/audit", timeout=30)
    assert everything.status_code == 200
    assert int(everything.headers["X-Total-Count"]) >= int(theirs.headers["X-Total-Count"])
    assert planner.get(f"{system.base}/api/audit", timeout=30).status_code == 403
    assert planner.get(f"{system.base}/audit", timeout=30).status_code == 403
    assert system.get("/api/audit", system.key("province", "TH-34")).status_code == 403
    assert system.get("/api/audit", system.key("agency", "ubon-pao")).status_code == 403
    # the menu has it for those who read it, not for the others
    assert 'href="/audit?' in auditor.get(f"{system.base}/", timeout=30).text
    assert 'href="/audit?' not in planner.get(f"{system.base}/", timeout=30).text


def test_the_page_filters_and_the_files_hold_the_same_acts(system):
    username, admin = person(system, "admin", None, "สมศรี บันทึกดี")
    before = system.get("/api/reporting-schedule", system.key()).json()["due_days"]
    token = csrf_of(admin, "/settings")
    for days in (before + 1, before):
        assert admin.post(f"{system.base}/settings/schedule", allow_redirects=False, timeout=30,
                          data={"csrf": token, "due_days": str(days), "reason": REASON}
                          ).status_code == 303
    page = admin.get(f"{system.base}/audit", params={"lang": "th", "person": username},
                     timeout=30)
    assert page.status_code == 200
    assert page.text.count('data-act="settings.due_days"') == 2
    assert "ตั้งกำหนดส่งรายงาน" in page.text and "สมศรี บันทึกดี" in page.text
    assert REASON in page.text and "ผู้ดูแลระบบ" in page.text
    english = admin.get(f"{system.base}/audit", params={"lang": "en", "person": username},
                        timeout=30).text
    assert "set when reports are due" in english and "Audit log" in english
    bad = admin.get(f"{system.base}/audit", params={"since": "yesterday"}, timeout=30)
    assert bad.status_code == 200 and "since: a date or time like 2026-12-06" in bad.text
    assert system.get("/api/audit", system.key(), since="yesterday").status_code == 400
    # the files: every filtered act, Thai headers
    sheet = admin.get(f"{system.base}/api/audit", params={"person": username, "format": "csv"},
                      timeout=30)
    rows = list(csv.reader(io.StringIO(sheet.content.decode("utf-8-sig"))))
    assert rows[0][0] == "เมื่อ (at, UTC)" and len(rows) == 3
    assert all(r[7] == "ตั้งกำหนดส่งรายงาน" and r[14] == REASON for r in rows[1:])
    book = openpyxl.load_workbook(io.BytesIO(admin.get(
        f"{system.base}/api/audit", params={"person": username, "format": "xlsx"},
        timeout=30).content)).active
    assert book.max_row == 3 and book["H2"].value == "ตั้งกำหนดส่งรายงาน"


def test_the_operators_acts_at_the_shell_are_kept_too(system):
    """`clusterctl agency-key` (a new key) and `clusterctl admin-link`: via clusterctl, signed
    by the OS user on this host; the key itself is never kept, and a key already held is no act."""
    code = f"audit-{uuid.uuid4().hex[:6]}"

    def clusterctl(*args):
        done = subprocess.run([sys.executable, "-m", "clusterctl", *args], cwd=REPO_ROOT,
                              env=system.env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    key = clusterctl("agency-key", code)
    assert clusterctl("agency-key", code) == key  # the same key again: nothing issued
    kept = audit(system, system.key(), act="key.issue", target=f"agency:{code}")
    assert len(kept) == 1 and kept[0]["via"] == "clusterctl" and "(clusterctl)" in kept[0]["person"]
    assert key not in str(kept)
    link = clusterctl("admin-link")
    reset = audit(system, system.key(), act="user.reset", target="admin")[0]
    assert reset["via"] == "clusterctl" and link.split("token=")[1] not in str(reset)


def test_a_persons_own_account_acts_are_kept_under_their_name(system):
    username, browser = person(system, "osm_analyst", CLUSTER, "สุดา แผนดี")
    new = PASSWORD + " renewed"
    changed = browser.post(f"{system.base}/account", timeout=30, data={
        "csrf": csrf_of(browser, "/account"), "action": "password", "current": PASSWORD,
        "new": new, "again": new})
    assert changed.status_code == 200, changed.text[:300]
    kept = audit(system, system.key(), act="user.password", target=username)
    assert len(kept) == 1 and kept[0]["person"] == f"สุดา แผนดี ({username})"
    assert kept[0]["cluster"] == CLUSTER and new not in str(kept) and PASSWORD not in str(kept)
    # its cluster's auditor reads it on the page, by name
    _, auditor = person(system, "auditor", CLUSTER, "ตรวจ ละเอียด")
    page = auditor.get(f"{system.base}/audit", params={"act": "user", "lang": "en"}, timeout=30)
    assert page.status_code == 200 and "สุดา แผนดี" in page.text
    assert "changed their password" in page.text

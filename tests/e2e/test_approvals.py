"""Certified figures (step 15, docs/approvals.md), end to end through the real broker, as the
people whose steps they are: a province's planner submits its figures for a period, its approver
approves them, a late report over AMQP is rejected with the lock's reason and mailed, the period
is reopened with a reason, the same report re-driven is accepted, and the cluster's OSM director
accepts - each next person mailed; then the same journey in Chromium at a phone's width, in Thai.

The e2e system is shared: each journey has a province and a period no other test reports for
(TH-37 FY2567-Q4 through the API, TH-37 FY2567-Q1 in the browser), reopened at the end, so the
lock stops nobody else."""
from __future__ import annotations

import email
import email.policy
import json
import shutil
import subprocess
import sys
import uuid

import pytest

from clusterctl.settings import REPO_ROOT
from tests.support.browsing import csrf_of, signed_in
from tests.support.system import Province, wait_until

pytestmark = pytest.mark.e2e
PLAN, CLUSTER = "northeast-lower-2-2566-2570", "northeast-lower-2"
PASSWORD = "รับรองข้อมูลงวดนี้ 2569"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = REPO_ROOT / "test-artifacts"


def people(system, province: str) -> dict:
    """A planner and an approver of ``province`` and a director of the cluster, with e-mails,
    each signed in (a browser session, used here through the JSON API with its CSRF token)."""
    tag = uuid.uuid4().hex[:6]
    found = {}
    for role, duty, organisation, name in (
            ("planner", "province_planner", province, "กัญญา วางแผน"),
            ("approver", "province_approver", province, "บุญมี อนุมัติ"),
            ("director", "osm_director", CLUSTER, "ประยุทธ ผู้อำนวยการ")):
        username = f"ap{role[:3]}{tag}"
        system.add_person(username, duty, organisation, PASSWORD, name=name,
                          email=f"{username}@example.org")
        found[role] = {"username": username, "name": name, "email": f"{username}@example.org",
                       "password": PASSWORD, "signed": f"{name} ({username})"}
    return found


def session(system, person):
    http = signed_in(system.base, username=person["username"], password=PASSWORD)
    http.headers["X-CSRF-Token"] = csrf_of(http, "/approvals")
    return http


def approval(http, period, province):
    [row] = http.get(f"{http.base}/api/plans/{PLAN}/approvals", timeout=30,
                     params={"period": period, "province": province}).json()
    return row


def take(http, period, province, step, comment=None, row=None):
    row = row or approval(http, period, province)
    return http.post(f"{http.base}/api/plans/{PLAN}/approvals/{period}/{province}", timeout=60,
                     json={"step": step, "version": row["version"], "figures": row["figures"],
                           "comment": comment})


def mails_to(system, address: str) -> list:
    found = []
    for path in system.mails():
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if address in str(message["To"]):
            found.append(message)
    return found


def mail_about(system, address, *words):
    """The mail to ``address`` whose subject holds every one of ``words`` (waited for)."""
    return wait_until(lambda: next((m for m in mails_to(system, address)
                                    if all(w in str(m["Subject"]) for w in words)), None),
                      timeout=60, what=f"a mail to {address} about {words}")


def test_submit_approve_lock_reopen_redrive_accept_through_the_broker(system):
    province, period = "TH-37", "FY2567-Q4"
    who = people(system, province)
    planner, approver, director = (session(system, who[r]) for r in ("planner", "approver",
                                                                     "director"))
    th37 = Province(system.credentials(), province)
    try:
        first = th37.report("NE2-1.1", period, 50.0, "2024-10-02T09:00:00+07:00")
        wait_until(lambda: first in {r["event_id"] for r in planner.get(
            f"{system.base}/api/plans/{PLAN}/reports", timeout=30,
            params={"period": period}).json()["reports"]}, timeout=60, what="the first report")

        opened = approval(planner, period, province)
        assert (opened["state"], opened["certainty"], opened["version"]) == \
            ("open", "provisional", 0)
        assert opened["next_steps"] == ["submit"] and opened["figures"] >= 1
        assert approval(approver, period, province)["next_steps"] == []  # the planner's step

        submitted = take(planner, period, province, "submit", "ข้อมูลไตรมาส 4 ครบแล้ว")
        assert submitted.status_code == 200, submitted.text
        assert submitted.json()["state"] == "submitted" and submitted.json()["next_steps"] == \
            ["reopen"]  # the planner may withdraw
        mail = mail_about(system, who["approver"]["email"], province, period)
        assert "submitted, awaiting approval" in str(mail["Subject"])
        body = mail.get_body(("plain",)).get_content()
        assert who["planner"]["signed"] in body and "ข้อมูลไตรมาส 4 ครบแล้ว" in body
        assert f"/approvals?plan={PLAN}&period={period}&province={province}" in body

        assert take(planner, period, province, "approve").status_code == 403  # not the planner's
        approved = take(approver, period, province, "approve")
        assert approved.status_code == 200 and approved.json()["state"] == "approved"
        mail_about(system, who["director"]["email"], province, period, "approved")

        # the lock: a late report over AMQP is rejected with who approved it and when, and mailed
        late = th37.report("NE2-1.1", period, 55.0, "2024-10-20T09:00:00+07:00")
        rejection = wait_until(lambda: next(
            (r for r in planner.get(f"{system.base}/api/rejections", timeout=30).json()
             if r["event_id"] == late), None), timeout=60, what="the late report's rejection")
        assert "was approved on" in rejection["reason"] and who["approver"]["signed"] in \
            rejection["reason"] and "เปิดงวดใหม่" in rejection["reason_th"]
        rejected_mail = wait_until(lambda: next(
            (m for path in system.mails()
             for m in [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)]
             if "Report rejected" in str(m["Subject"]) and late in m.get_body(
                 ("plain",)).get_content()), None), timeout=60, what="the rejection's mail")
        assert "was approved on" in rejected_mail.get_body(("plain",)).get_content()
        redrive = f"{system.base}/api/rejections/{rejection['rejection_id']}/redrive"
        still = planner.post(redrive, timeout=60)
        assert still.status_code == 409 and still.json()["error"]["code"] == "still_rejected"

        # reopened by the approver with a reason (the planner may not, once approved)
        assert take(planner, period, province, "reopen", "แก้ไข").status_code == 403
        reasonless = take(approver, period, province, "reopen", "  ")
        assert reasonless.status_code == 400 and "reason" in reasonless.json()["error"]["message"]
        reopened = take(approver, period, province, "reopen", "ตัวเลขเดือนกันยายนยังไม่ครบ")
        assert reopened.status_code == 200 and reopened.json()["state"] == "open"
        for person in ("planner", "approver"):  # both: it had been approved
            mail_about(system, who[person]["email"], province, period, "Period reopened")

        # nothing lost: the same report, re-driven, is accepted as the province sent it
        taken = planner.post(redrive, timeout=60)
        assert taken.status_code == 200, taken.text
        assert taken.json()["outcome"] == "accepted" and taken.json()["redriven_at"]
        listed = next(r for r in planner.get(f"{system.base}/api/rejections", timeout=30).json()
                      if r["rejection_id"] == rejection["rejection_id"])
        assert listed["redrive_outcome"] == "accepted" and \
            who["planner"]["username"] in listed["redriven_by"]
        results = planner.get(f"{system.base}/api/plans/{PLAN}/indicator-results", timeout=30,
                              params={"period": period}).json()["results"]
        assert next(r for r in results if r["indicator"] == "NE2-1.1")["provinces"][province] \
            == 55.0
        assert planner.post(redrive, timeout=60).json()["error"]["code"] == "already_redriven"

        # submitted and approved again (the figures token moved: one report more), accepted
        assert take(planner, period, province, "submit").status_code == 200
        stale = approval(approver, period, province)
        assert stale["figures"] == opened["figures"] + 1
        assert take(approver, period, province, "approve",
                    row={**stale, "figures": opened["figures"]}).json()["error"]["code"] == \
            "figures_changed"
        assert take(approver, period, province, "approve").status_code == 200
        accepted = take(director, period, province, "accept", "รับรองในการประชุม ก.บ.ก.")
        assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
        assert accepted.json()["certainty"] == "accepted"
        for person in ("planner", "approver"):
            mail_about(system, who[person]["email"], province, period, "accepted")
    finally:
        th37.close()

    done = approval(director, period, province)
    assert [s["step"] for s in done["steps"]] == ["submit", "approve", "reopen", "submit",
                                                  "approve", "accept"]
    assert done["steps"][2]["comment"] == "ตัวเลขเดือนกันยายนยังไม่ครบ"
    assert done["last"]["by"].startswith(who["director"]["signed"])
    # the steps are acts of the audit log, each with the person and the reason
    kept = system.get("/api/audit", system.key(), act="period.approval",
                      target=f"{period}/{province}").json()
    assert len(kept) == 6 and {r["person"] for r in kept} == {
        who[p]["signed"] for p in ("planner", "approver", "director")}
    assert any(r["reason"] == "ตัวเลขเดือนกันยายนยังไม่ครบ" for r in kept)
    redriven = system.get("/api/audit", system.key(), act="report.redrive").json()
    assert any(r["target"] == rejection["rejection_id"] for r in redriven)

    # the page a mail links to: the province's people see their own province, its row marked
    page = who_sees(system, who["planner"], f"/approvals?plan={PLAN}&period={period}"
                                            f"&province={province}")
    assert 'id="approval-TH-37" class="approval-row highlight"' in page
    assert 'id="approval-TH-33"' not in page and "รับรองแล้ว" in page
    reopen_when_done(system, who, period, province)


def who_sees(system, person, path):
    shown = signed_in(system.base, username=person["username"], password=PASSWORD,
                      lang="th").get(f"{system.base}{path}", timeout=30)
    assert shown.status_code == 200, shown.text[:500]
    return shown.text


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine")
def test_the_three_people_take_their_steps_on_the_page_on_a_phone_in_thai(system):
    province, period = "TH-37", "FY2567-Q1"
    who = people(system, province)
    link = f"/approvals?plan={PLAN}&period={period}&province={province}"  # as the mails have it
    comments = {"submit": "ข้อมูลไตรมาส 1 ครบทุกตัวชี้วัด", "approve": "ตรวจแล้ว ถูกต้อง",
                "accept": "รับรองตามมติ ก.บ.ก.", "late_reopen": "ขอถอนเพื่อแก้ตัวเลข"}
    ARTIFACTS.mkdir(exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "tests.e2e.browser_approvals"], cwd=REPO_ROOT, timeout=240,
        capture_output=True, text=True, input=json.dumps({
            "mode": "approval_journey", "chromium": CHROMIUM, "artifacts": str(ARTIFACTS),
            "base": system.base, "plan": PLAN, "period": period, "province": province,
            "mail_link": link, "comments": comments,
            "people": {r: {"username": who[r]["username"], "password": PASSWORD}
                       for r in ("planner", "approver", "director")}}))
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout)

    first = seen["planner_sees"]
    assert (first["state"], first["forms"], first["lang"]) == ("open", ["submit"], "th")
    assert seen["planner_nav"] == "การรับรองข้อมูล"
    submitted = seen["submitted"]
    assert submitted["state"] == "submitted" and "done=submit" in submitted["url"]
    assert "ยืนยันว่าข้อมูลครบ" in submitted["notice"] and submitted["forms"] == ["reopen"]
    assert who["planner"]["signed"] in submitted["last"] and "เจ้าหน้าที่แผนงานจังหวัด" in \
        submitted["last"] and submitted["comment"] == comments["submit"]
    # the approver came by the mail's link: the province's row is marked, its forms are its own
    mail = mail_about(system, who["approver"]["email"], province, period)
    assert link in mail.get_body(("plain",)).get_content()
    opened = seen["approver_sees"]
    assert opened["highlighted"] and opened["forms"] == ["approve", "reopen"]
    assert seen["approved"]["state"] == "approved"
    # the planner's stale form: refused in Thai and English, on the page, the reason kept
    refused = seen["refused"]
    assert seen["refused_status"] == 403 and refused["state"] == "approved"
    assert "ไม่มีสิทธิ์" in refused["refusal"] and "may not reopen" in refused["refusal"]
    assert seen["refused_typed"] == comments["late_reopen"] and refused["forms"] == []
    assert seen["director_sees"]["forms"] == ["accept", "reopen"]
    accepted = seen["accepted"]
    assert accepted["state"] == "accepted" and accepted["state_text"] == "สำนักงานกลุ่มจังหวัดรับรองแล้ว"
    assert [step for step, _ in seen["history"]] == ["accept", "approve", "submit"]
    assert who["approver"]["signed"] in seen["history"][1][1] and comments["approve"] in \
        seen["history"][1][1]
    assert seen["every_period"] == "รับรองแล้ว"  # the overview's short word
    for code in ("province:", "osm:", "TH-37 ·"):  # names, not codes
        assert code not in seen["text"], code
    for look in ("planner_sees", "submitted", "approver_sees", "approved", "refused",
                 "director_sees", "accepted"):
        assert seen[look]["overflow"] <= 1, (look, seen[look]["overflow"])
    for person in ("planner", "approver"):
        mail_about(system, who[person]["email"], province, period, "accepted")
    reopen_when_done(system, who, period, province)


def reopen_when_done(system, who, period, province):
    """The shared system's other tests may report for the period later: no lock is left."""
    done = take(session(system, who["director"]), period, province, "reopen",
                "การทดสอบเสร็จแล้ว / the test is done")
    assert done.status_code == 200 and done.json()["state"] == "open", done.text

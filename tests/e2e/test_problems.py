"""Problems analysed together, end to end through the real broker: two provinces report
structured problems over AMQP for two fiscal years; the analysis API's counts, budgets, Pareto
and recurring causes match a recount made here from what was sent; an item breaking the cause
list is rejected with its reason in English and Thai; the OSM's update changes a problem's
status; and a remedy past its due date is mailed to its owner agency through the SMTP sink,
once."""
from __future__ import annotations

import email
import time
import uuid
from collections import Counter, defaultdict
from email import policy

import pytest
import requests

from tests.support.browsing import csrf_of, signed_in
from tests.support.system import Province, wait_until

PLAN = "northeast-lower-2-2566-2570"
TAG = uuid.uuid4().hex[:6]
OVERDUE_ACTION = f"ขอขยายเวลาสัญญา {TAG}"


def problem(pid, cause, owner, status="open", severity="medium", remedies=(), description=None):
    found = {"cause": cause, "severity": severity, "status": status, "owner_agency": owner,
             "description": description or f"{TAG} ปัญหา {pid}", "remedies": list(remedies)}
    if pid:
        found["problem_id"] = f"{TAG}-{pid}"
    return found


# (province, project, as_of, reported_at, items): FY2567 (as_of before October 2024) and FY2568
SENT = [
    ("TH-34", "NE2-67-001", "2024-03-31", "2024-04-10T09:00:00+07:00", [
        problem("A", "procurement", "ubon-agriculture", severity="high",
                remedies=[{"action": "ประกาศประกวดราคาใหม่", "due": "2024-04-30"}]),
        problem("B", "weather_disaster", "ubon-agriculture", status="in_progress",
                remedies=[{"action": OVERDUE_ACTION, "due": "2024-05-31", "done": False}])]),
    ("TH-34", "NE2-67-003", "2024-06-30", "2024-07-05T09:00:00+07:00", [
        problem("C", "procurement", "ubon-commerce", severity="low")]),
    ("TH-33", "NE2-67-004", "2024-03-31", "2024-04-08T10:00:00+07:00", [
        problem("D", "contractor", "sisaket-commerce")]),
    ("TH-33", "NE2-67-005", "2024-06-30", "2024-07-02T10:00:00+07:00", [
        problem(None, "land_permits", "sisaket-tourism", description=f"{TAG} รอการอนุญาตใช้ที่ดิน")]),
    ("TH-34", "NE2-67-001", "2024-11-15", "2024-11-20T09:00:00+07:00", [
        problem("A", "procurement", "ubon-agriculture", status="in_progress",
                remedies=[{"action": "ประกาศประกวดราคาใหม่", "due": "2024-04-30", "done": True}]),
        problem("B", "weather_disaster", "ubon-agriculture", status="in_progress",
                remedies=[{"action": OVERDUE_ACTION, "due": "2024-05-31", "done": False}])]),
    ("TH-33", "NE2-67-004", "2024-12-15", "2024-12-20T10:00:00+07:00", [
        problem("E", "contractor", "sisaket-commerce")]),
    # sent last, made earlier: the July report of C stays in force (precedence by reported_at)
    ("TH-34", "NE2-67-003", "2024-06-15", "2024-06-20T09:00:00+07:00", [
        problem("C", "procurement", "ubon-commerce", status="resolved", severity="low")]),
]


def body(province, project, as_of, reported_at, items):
    event_id = str(uuid.uuid4())
    return event_id, {"event_id": event_id, "province": province, "project": project,
                      "as_of": as_of, "reported_at": reported_at, "physical_progress_pct": 20.0,
                      "disbursed_thb": 1000.0, "procurement_stage": "procurement",
                      "problem_items": items}


def fiscal_year(as_of: str) -> int:
    year, month = int(as_of[:4]), int(as_of[5:7])
    return year + 543 + (1 if month >= 10 else 0)


def recount(plan: dict) -> tuple[Counter, dict, Counter]:
    """What the analysis must say, from SENT alone: per (cause, issue, province, fiscal year)
    the count of problems and the budget of the projects concerned (each once); per cause the
    count; each problem reported in a fiscal year counts once in it (its latest item there)."""
    projects = {p["code"]: p for p in plan["projects"]}
    latest = {}
    for province, project, as_of, reported_at, items in SENT:
        for item in items:
            key = (project, item.get("problem_id") or item["description"], fiscal_year(as_of))
            if key not in latest or reported_at > latest[key][0]:  # same offset within a key
                latest[key] = (reported_at, province, item["cause"])
    counts, budgets, causes = Counter(), defaultdict(set), Counter()
    for (project, _, fy), (_, province, cause) in latest.items():
        cell = (cause, projects[project]["issue"], province, fy)
        counts[cell] += 1
        budgets[cell].add(project)
        causes[cause] += 1
    budget = {cell: sum(projects[p]["budget_thb"] for p in found) for cell, found in budgets.items()}
    return counts, budget, causes


@pytest.fixture(scope="module")
def sent(system):
    creds = system.credentials()
    senders = {code: Province(creds, code) for code in ("TH-34", "TH-33")}
    ids = []
    try:
        for entry in SENT:
            event_id, report = body(*entry)
            senders[entry[0]].publish(report, kind="project", event_id=event_id)
            ids.append(event_id)
        bad_id, bad = body("TH-33", "NE2-67-004", "2024-12-15", "2024-12-21T10:00:00+07:00",
                           [problem("X", "no_such_cause", "sisaket-commerce")])
        senders["TH-33"].publish(bad, kind="project", event_id=bad_id)
    finally:
        for sender in senders.values():
            sender.close()
    admin = system.key()

    def accepted():
        kept = set()
        for project in {entry[1] for entry in SENT}:
            kept |= {r["event_id"] for r in system.get(f"/api/plans/{PLAN}/reports", admin,
                                                       project=project).json()["reports"]}
        return set(ids) <= kept
    wait_until(accepted, timeout=60, what="the problem reports to be accepted")
    return {"ids": ids, "bad": bad_id}


def test_the_analysis_matches_an_independent_recount(system, sent):
    admin = system.key()
    plan = system.get(f"/api/plans/{PLAN}", admin).json()
    counts, budget, causes = recount(plan)
    analysis = system.get(f"/api/plans/{PLAN}/problem-analysis", admin).json()
    found = {(g["cause"], g["issue"], g["province"], g["fiscal_year"]): g for g in analysis["groups"]}
    assert {cell: g["count"] for cell, g in found.items()} == dict(counts)
    assert {cell: g["budget_at_stake_thb"] for cell, g in found.items()} == budget
    assert analysis["occurrences"] == sum(counts.values()) == 8
    total = sum(causes.values())
    expected, running = [], 0
    for cause, count in sorted(causes.items(), key=lambda kv: (-kv[1], kv[0])):
        running += count
        expected.append((cause, count, round(running * 100 / total, 2)))
    assert [(p["cause"], p["count"], p["cumulative_pct"]) for p in analysis["pareto"]] == expected
    assert analysis["pareto"][0]["cause_label_th"] == "การจัดซื้อจัดจ้าง"
    recurring = {(r["cause"], r["scope"], r["subject"]): r["fiscal_years"]
                 for r in analysis["recurring"]}
    assert recurring[("procurement", "project", "NE2-67-001")] == [2567, 2568]
    assert recurring[("contractor", "project", "NE2-67-004")] == [2567, 2568]
    assert ("weather_disaster", "project", "NE2-67-001") in recurring
    one_year = system.get(f"/api/plans/{PLAN}/problem-analysis", admin, fiscal_year=2568).json()
    assert one_year["occurrences"] == sum(n for cell, n in counts.items() if cell[3] == 2568)


def test_a_province_sees_its_own_problems_and_the_precedence_holds(system, sent):
    th34 = system.get(f"/api/plans/{PLAN}/problem-items", system.key("province", "TH-34")).json()
    assert th34 and {p["province"] for p in th34} == {"TH-34"}
    by_id = {p["problem_id"]: p for p in th34}
    assert by_id[f"{TAG}-C"]["status"] == "open"  # the later-made July report is in force
    assert by_id[f"{TAG}-A"]["fiscal_years"] == [2567, 2568]
    assert by_id[f"{TAG}-A"]["cause_label_en"] == "Procurement"


def test_an_item_outside_the_cause_list_is_rejected_in_both_languages(system, sent):
    def rejected():
        for r in system.get("/api/rejections", system.key(), province="TH-33").json():
            if r["event_id"] == sent["bad"]:
                return r
    found = wait_until(rejected, timeout=60, what="the rejection of the bad cause")
    assert "no_such_cause" in found["reason"] and "cause list" in found["reason"]
    assert "ไม่มีในรายการสาเหตุ" in (found.get("reason_th") or "")

    def mailed_to_the_province():
        for path in system.mails():
            msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            if msg["To"] == "strategy@sisaket.example" and "รายงานถูกปฏิเสธ" in msg["Subject"]:
                text = msg.get_body(("plain",)).get_content()
                if sent["bad"] in text:
                    return text
    text = wait_until(mailed_to_the_province, timeout=60, what="the rejection mail to TH-33")
    assert "ไม่มีในรายการสาเหตุ" in text and "cause list" in text


def test_the_admin_edits_the_cause_list_on_the_dashboard(system):
    admin = system.key()
    before = system.get("/api/problem-causes", admin).json()
    form = {"version": str(before["version"]), "rows": str(len(before["causes"]) + 1)}
    for n, cause in enumerate(before["causes"]):
        form.update({f"code_{n}": cause["code"], f"label_th_{n}": cause["label_th"],
                     f"label_en_{n}": cause["label_en"]})
        if cause["retired"]:
            form[f"retired_{n}"] = "on"
    n = len(before["causes"])
    form.update({f"code_{n}": f"e2e_{TAG}", f"label_th_{n}": "ทดสอบ", f"label_en_{n}": "Test"})
    browser = signed_in(system.base, admin)
    answer = browser.post(f"{system.base}/problem-causes", allow_redirects=False, timeout=30,
                          data={**form, "csrf": csrf_of(browser, "/problem-causes")})
    assert answer.status_code == 303 and "saved=1" in answer.headers["Location"]
    after = system.get("/api/problem-causes", admin).json()
    assert after["version"] == before["version"] + 1 and after["changed_by"].startswith("admin")
    assert {"code": f"e2e_{TAG}", "label_th": "ทดสอบ", "label_en": "Test", "retired": False} \
        in after["causes"]
    history = system.get("/api/problem-causes/history", admin).json()
    assert history[0]["version"] == after["version"]
    # a province key may read the list but not change it
    province = system.key("province", "TH-34")
    browser = signed_in(system.base, province)
    refused = browser.post(f"{system.base}/problem-causes", allow_redirects=False, timeout=30,
                           data={**form, "csrf": csrf_of(browser, "/problems")})
    assert refused.status_code == 403


def test_the_osm_update_changes_the_status_and_an_overdue_remedy_is_mailed_once(system, sent):
    osm = system.key("osm", "northeast-lower-2")
    answer = requests.post(f"{system.base}/api/plans/{PLAN}/problems/{TAG}-D",
                           json={"status": "in_progress", "note": "ประสานผู้รับจ้างแล้ว"},
                           headers={"Authorization": f"Bearer {osm}"}, timeout=30)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["source"]) == ("in_progress", "osm")
    items = system.get(f"/api/plans/{PLAN}/problem-items", osm, status="in_progress").json()
    assert f"{TAG}-D" in {p["problem_id"] for p in items}
    refused = requests.post(f"{system.base}/api/plans/{PLAN}/problems/{TAG}-D",
                            json={"status": "closed"},
                            headers={"Authorization": f"Bearer {osm}"}, timeout=30)
    assert refused.status_code == 400

    def overdue_mails():
        found = []
        for path in system.mails():
            msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            text = msg.get_body(("plain",)).get_content()
            if "Remedy overdue" in msg["Subject"] and OVERDUE_ACTION in text:
                found.append((msg["To"], text))
        return found
    mails = wait_until(overdue_mails, timeout=60, what="the overdue remedy's mail")
    to, text = mails[0]
    assert to == "agriculture@ubon.example"
    assert "31 พฤษภาคม 2567" in text and "May 2024" in text and "สภาพอากาศ" in text
    # checked again (another update runs the check): still one mail for that remedy
    requests.post(f"{system.base}/api/plans/{PLAN}/problems/{TAG}-D", json={"note": "again"},
                  headers={"Authorization": f"Bearer {osm}"}, timeout=30).raise_for_status()
    time.sleep(5)
    assert len(overdue_mails()) == 1


def test_the_review_workbook_and_page(system, sent):
    admin = system.key()
    answer = system.get(f"/api/plans/{PLAN}/problem-analysis", admin, format="xlsx")
    assert answer.status_code == 200 and answer.content[:2] == b"PK"
    page = signed_in(system.base, admin).get(f"{system.base}/problem-analysis",
                                             params={"plan": PLAN, "lang": "th"}, timeout=30)
    assert page.status_code == 200 and "การจัดซื้อจัดจ้าง" in page.text and "pareto" in page.text

"""The reporting window through the real broker (issue 24, point 4): a plan that sets
``validation.report_expiry_days`` rejects a late report sent over AMQP - kept, listed and mailed
like any rejection, in Thai and English - until the cluster's OSM extends the window for that
province and period; the same report sent again is then accepted. The extension is the OSM's
(a province may not grant one), seen by the province it concerns, and kept in the audit log.
The sample plan sets no window, so this test publishes a small plan of its own: past fiscal years
(no due-date reminders) and an indicator code of its own (no other test's reports reach it)."""
import copy
import email
import uuid
from datetime import datetime, timedelta, timezone
from email import policy

import requests

from tests.support.system import Province, wait_until

from .conftest import PLAN as SAMPLE_PLAN

PLAN_ID = "northeast-lower-2-window-2566-2567"
CODE = "NE2-W1"
BKK = timezone(timedelta(hours=7))


def send(system, method, path, key, body=None):
    return requests.request(method, f"{system.base}{path}", json=body, timeout=30,
                            headers={"Authorization": f"Bearer {key}"})


def windowed_plan(sample: dict) -> dict:
    """The sample plan cut to one indicator of its own, over two past years, with a window of
    30 days after the due date."""
    draft = {k: v for k, v in copy.deepcopy(sample).items()
             if k not in ("version", "revision", "status", "reference_version")}
    issue = draft["issues"][0]
    indicator = copy.deepcopy(issue["indicators"][0])
    indicator.update(code=CODE, name_en="Window test indicator", quarterly_targets={},
                     province_targets={}, province_baselines={},
                     targets={"FY2566": 1.0, "FY2567": 1.0})
    issue["indicators"] = [indicator]
    draft.update(id=PLAN_ID, title_en="Reporting window test plan", start_fy=2566, end_fy=2567,
                 issues=[issue], projects=[], validation={"report_expiry_days": 30})
    return draft


def publish_plan(system, osm):
    sample = system.get(f"/api/plans/{SAMPLE_PLAN}", osm).json()
    created = send(system, "POST", "/api/plans", osm, windowed_plan(sample))
    assert created.status_code == 201, created.text
    published = send(system, "POST", f"/api/plans/{PLAN_ID}/publish", system.key(),
                     {"approved_by": "ก.บ.ก."})
    assert published.status_code == 200, published.text
    wait_until(lambda: system.get(f"/api/plans/{PLAN_ID}/extensions", osm).json()
               .get("report_expiry_days") == 30, what="reporting to learn the plan's window")


def rejection_of(system, event_id):
    listed = system.get("/api/rejections", system.key("province", "TH-33")).json()
    return next((r for r in listed if r["event_id"] == event_id), None)


def test_a_late_report_is_rejected_by_the_window_then_accepted_after_an_extension(system):
    osm, th33_key = system.key("osm", "northeast-lower-2"), system.key("province", "TH-33")
    publish_plan(system, osm)
    th33 = Province(system.credentials(), "TH-33")
    event_id = str(uuid.uuid4())
    try:
        # FY2567-Q1 ended 31 Dec 2023, due 15 Jan 2024, closed after 14 Feb 2024
        th33.report(CODE, "FY2567-Q1", 42, "2024-01-10T09:00:00+07:00", event_id=event_id)
        rejected = wait_until(lambda: rejection_of(system, event_id), what="the rejection")
        assert rejected["reason"].startswith(
            "the period FY2567-Q1 (Q1 of fiscal year 2024) closed for reports after 14 February "
            "2024 (due 15 January 2024, plus the plan's 30 days)")
        assert "ปิดรับรายงานแล้วหลังวันที่ 14 กุมภาพันธ์ 2567" in rejected["reason_th"]

        def mailed():
            for path in system.mails():
                msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
                if "รายงานถูกปฏิเสธ" in (msg["Subject"] or ""):
                    text = msg.get_body(("plain",)).get_content()
                    if event_id in text and "closed for reports" in text:
                        return text
        assert "ขยายเวลา" in wait_until(mailed, what="the rejection's mail")

        today = datetime.now(BKK).date()
        extension = {"province": "TH-33", "period": "FY2567-Q1",
                     "until": (today + timedelta(days=7)).isoformat(),
                     "reason": "ระบบสารสนเทศของจังหวัดขัดข้อง"}
        refused = send(system, "POST", f"/api/plans/{PLAN_ID}/extensions", th33_key, extension)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
        wrong = send(system, "POST", f"/api/plans/{PLAN_ID}/extensions", osm,
                     {**extension, "until": "2024-02-01"})
        assert wrong.status_code == 400 and "until: 2024-02-01 has passed" in \
            wrong.json()["error"]["message"]
        granted = send(system, "POST", f"/api/plans/{PLAN_ID}/extensions", osm, extension)
        assert granted.status_code == 201, granted.text
        assert (granted.json()["in_force"], granted.json()["closes_on"]) == (True, "2024-02-14")

        # the province sees its own extension; another province none of it
        mine = system.get(f"/api/plans/{PLAN_ID}/extensions", th33_key).json()["extensions"]
        assert [(e["province"], e["period"]) for e in mine] == [("TH-33", "FY2567-Q1")]
        assert system.get(f"/api/plans/{PLAN_ID}/extensions",
                          system.key("province", "TH-34")).json()["extensions"] == []

        th33.report(CODE, "FY2567-Q1", 42, "2024-01-10T09:00:00+07:00", event_id=event_id)

        def in_force():
            results = system.get(f"/api/plans/{PLAN_ID}/indicator-results", osm,
                                 period="FY2567-Q1").json()["results"]
            return next(r for r in results if r["indicator"] == CODE)["provinces"].get("TH-33")
        assert wait_until(in_force, what="the same report accepted after the extension") == 42
        acts = system.get("/api/audit", system.key(), act="report.extension").json()
        assert any(a["target"] == PLAN_ID and a["reason"] == extension["reason"] for a in acts)
    finally:
        th33.close()

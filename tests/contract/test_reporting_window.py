"""Contract of the reporting window and the OSM's extensions (reporting/window.py, docs/approvals.md
section 5) and of the approval reminders, on every backend: a plan with no window accepts a late
report as ever; a plan with one rejects it after the due date plus its days (Bangkok days, in
Thai and English, with what to do) until the cluster's OSM extends the window for that province
and period; a report kept before the window closed is still a duplicate when redelivered; an
extension is refused with what and where when it is not the asker's or is wrong; a step that
waits is announced once per reminder."""
import copy
import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from services.contracts.errors import ApprovalError, QueryError
from services.infra.messaging import RawMessage
from services.reporting import approval_cases, handlers, window
from tests.support.plans import published_sample_plan

BKK = timezone(timedelta(hours=7))
SAMPLE = published_sample_plan()
# the sample plan revised to set a window of 30 days
PLAN = {**copy.deepcopy(SAMPLE), "version": SAMPLE["version"] + 1,
        "validation": {"report_expiry_days": 30}}
# FY2568-Q2 ends 31 Mar 2025; due 15 days later (the default), 15 Apr; the window 30 days more
PERIOD, PROVINCE, LAST_DAY = "FY2568-Q2", "TH-34", datetime(2025, 5, 15, tzinfo=BKK)
DIRECTOR = {"role": "osm", "scope": PLAN["cluster"], "person": "ประยุทธ (prayut)",
            "duty": "osm_director"}
ANALYST = {**DIRECTOR, "person": "สมหญิง (somying)", "duty": "osm_analyst"}
PLANNER = {"role": "province", "scope": PROVINCE, "person": "กัญญา (kanya)",
           "duty": "province_planner"}


@pytest.fixture
def store(reporting_with_sample_plan):
    assert reporting_with_sample_plan.save_plan(copy.deepcopy(PLAN))  # the revision learned
    return reporting_with_sample_plan


def report(value=10, period=PERIOD, province=PROVINCE, event_id=None, indicator="NE2-1.1"):
    return {"event_id": event_id or str(uuid.uuid4()), "province": province,
            "indicator": indicator, "period": period, "value": value,
            "reported_at": datetime(2025, 4, 2, 9, tzinfo=BKK).isoformat()}


def project_report(as_of="2025-03-20", province=PROVINCE):
    return {"event_id": str(uuid.uuid4()), "province": province, "project": "NE2-67-002",
            "as_of": as_of, "reported_at": datetime(2025, 4, 2, 9, tzinfo=BKK).isoformat(),
            "physical_progress_pct": 40.0, "disbursed_thb": 1000.0,
            "procurement_stage": "contract_signed"}


def send(store, body, now, kind="indicator"):
    return handlers.handle_intake(store, RawMessage(
        body=json.dumps(body).encode(), routing_key=f"report.{body['province']}.{kind}",
        user_id=body["province"], message_id=body["event_id"], content_type="application/json",
        redelivered=False), now=now)


def last_rejection(store, province=PROVINCE):
    return max(store.rejections([province]), key=lambda r: r["received_at"])


def grant(store, until, actor=DIRECTOR, now=LAST_DAY + timedelta(days=5), **body):
    return window.grant_extension(store, PLAN["id"], {
        "province": PROVINCE, "period": PERIOD, "until": until,
        "reason": "น้ำท่วมสำนักงานจังหวัด ระบบส่งรายงานใช้ไม่ได้", **body}, actor, 15, now)


def test_a_plan_that_sets_no_window_accepts_a_late_report_as_ever(reporting_with_sample_plan):
    store = reporting_with_sample_plan
    years_later = datetime(2027, 1, 1, tzinfo=BKK)
    assert send(store, report(), years_later) == "accepted"
    assert send(store, project_report(), years_later, "project") == "accepted"
    with pytest.raises(ApprovalError) as nothing_to_extend:
        window.grant_extension(store, SAMPLE["id"], {"province": PROVINCE, "period": PERIOD,
                                                     "until": "2027-01-31", "reason": "x"},
                               DIRECTOR, 15, years_later)
    assert nothing_to_extend.value.status == 400
    assert "sets no reporting window" in nothing_to_extend.value.en


def test_the_window_closes_after_the_due_date_plus_the_plans_days_in_bangkok(store):
    last_evening = LAST_DAY.replace(hour=23, minute=30)
    assert send(store, report(), last_evening) == "accepted"
    # 00:30 in Bangkok on 16 May is still 15 May in UTC: Bangkok's day decides
    next_morning = datetime(2025, 5, 16, 0, 30, tzinfo=BKK)
    assert next_morning.astimezone(timezone.utc).day == 15
    late = report(12)
    assert send(store, late, next_morning) == "rejected"
    refused = last_rejection(store)
    assert refused["event_id"] == late["event_id"]
    assert refused["reason"] == (
        "the period FY2568-Q2 (Q2 of fiscal year 2025) closed for reports after 15 May 2025 "
        "(due 15 April 2025, plus the plan's 30 days); ask the cluster's OSM for an extension")
    assert "ปิดรับรายงานแล้วหลังวันที่ 15 พฤษภาคม 2568" in refused["reason_th"]
    assert "ขอขยายเวลาจากสำนักงานบริหารยุทธศาสตร์กลุ่มจังหวัด" in refused["reason_th"]
    # another period is judged by its own window: FY2568-Q3 (due 15 Jul 2025) is open
    assert send(store, report(5, period="FY2568-Q3"), datetime(2025, 7, 1, tzinfo=BKK)) == \
        "accepted"
    # the workbook's and the upload's check say the same before anything is sent
    [reason] = handlers.check_reports(store, PROVINCE, [report(13)])
    assert reason and "closed for reports" in reason


def test_project_progress_is_judged_by_the_quarter_of_its_as_of(store):
    after = datetime(2025, 5, 20, tzinfo=BKK)
    assert send(store, project_report("2025-03-20"), after, "project") == "rejected"
    reason = last_rejection(store)["reason"]
    assert reason.startswith("progress as of 2025-03-20 belongs to the period FY2568-Q2")
    assert send(store, project_report("2025-04-20"), after, "project") == "accepted"


def test_an_extension_reopens_the_window_for_its_province_and_period_until_its_day(store):
    late, other = report(12), report(7, province="TH-33")
    week_after = LAST_DAY + timedelta(days=7)
    assert send(store, late, week_after) == "rejected"
    granted = grant(store, "2025-05-31", actor=ANALYST)  # any OSM person of the cluster
    assert (granted["until"], granted["in_force"], granted["closes_on"]) == \
        ("2025-05-31", True, "2025-05-15")
    assert granted["by"] == "สมหญิง (somying) · osm:northeast-lower-2"
    assert send(store, late, week_after) == "accepted"  # the same report, sent again
    assert send(store, other, week_after) == "rejected"  # another province: still closed
    value = next(r for r in handlers.indicator_results(store, PLAN["id"], PERIOD)["results"]
                 if r["indicator"] == "NE2-1.1")["provinces"][PROVINCE]
    assert value == 12
    assert send(store, report(13), datetime(2025, 5, 31, 23, tzinfo=BKK)) == "accepted"
    assert send(store, report(14), datetime(2025, 6, 1, 8, tzinfo=BKK)) == "rejected"
    assert "its extension until 31 May 2025 has passed too" in last_rejection(store)["reason"]
    # a year's extension covers its quarters; a later grant replaces the earlier one
    grant(store, "2025-06-30", period="FY2568", now=datetime(2025, 6, 2, tzinfo=BKK))
    assert send(store, report(15), datetime(2025, 6, 2, tzinfo=BKK)) == "accepted"
    listed = window.list_extensions(store, PLAN["id"], 15, now=datetime(2025, 6, 2, tzinfo=BKK))
    assert listed["report_expiry_days"] == 30
    assert [(e["period"], e["in_force"]) for e in listed["extensions"]] == \
        [("FY2568", True), ("FY2568-Q2", False)]
    assert window.list_extensions(store, PLAN["id"], 15, ["TH-33"])["extensions"] == []


def test_a_report_kept_before_the_window_closed_is_a_duplicate_when_redelivered(store):
    kept = report(10)
    assert send(store, kept, LAST_DAY) == "accepted"
    assert send(store, kept, LAST_DAY + timedelta(days=40)) == "duplicate"


@pytest.mark.parametrize("body, words", [
    ({"until": "2025-05-10"}, "until: 2025-05-10 has passed"),
    ({"until": "2025-05-15", }, "until: 2025-05-15 has passed"),
    ({"until": "31/05/2025"}, "until: '31/05/2025' is not a date YYYY-MM-DD"),
    ({"until": "2027-05-31"}, "until: 2027-05-31 is more than 366 days ahead"),
    ({"province": "TH-10"}, "province: 'TH-10' is not one of the plan's provinces"),
    ({"period": "FY2599-Q1"}, "period: 'FY2599-Q1' is not one of the plan's reporting periods"),
    ({"period": "soon"}, "period: 'soon' is not a period"),
    ({"reason": "  "}, "reason: an extension needs a reason"),
    ({"note": "x"}, "unknown field(s) note"),
])
def test_a_wrong_extension_is_refused_saying_what_and_where(store, body, words):
    with pytest.raises(ApprovalError) as refused:
        grant(store, **{"until": "2025-05-31", **body})
    assert refused.value.status == 400 and words in refused.value.en, refused.value.en
    assert refused.value.th
    assert store.extensions(PLAN["id"]) == []


def test_an_extension_that_ends_before_the_window_closes_is_refused(store):
    with pytest.raises(ApprovalError) as needless:
        grant(store, "2025-05-10", now=datetime(2025, 5, 1, tzinfo=BKK))
    assert "is not after 15 May 2025, the last day the period FY2568-Q2 (and any within it)" in \
        needless.value.en


@pytest.mark.parametrize("actor", [
    PLANNER, {**DIRECTOR, "scope": "south-border"},
    {"role": "agency", "scope": "ubon-pao", "person": None, "duty": None}])
def test_only_the_clusters_osm_or_the_admin_grants_an_extension(store, actor):
    with pytest.raises(ApprovalError) as refused:
        grant(store, "2025-05-31", actor=actor)
    assert refused.value.status == 403
    assert grant(store, "2025-05-31", actor={"role": "admin", "scope": None})["in_force"]


# --- reminders --------------------------------------------------------------------------------

def waiting(store):
    return [p for t, p in store.outbox.pending_events(1000) if t == "period_approval_waiting"]


def test_a_step_that_waits_is_announced_once_per_reminder_and_step(store):
    submitted_at = datetime(2026, 1, 5, 10, tzinfo=BKK)
    row = approval_cases.list_approvals(store, PLAN["id"], PERIOD, [PROVINCE])[0]
    approval_cases.take_step(store, PLAN["id"], PERIOD, PROVINCE, "submit", PLANNER,
                             row["version"], notify=[{"name": "บุญมี", "email": "b@example.org"}],
                             now=submitted_at)
    handlers.check_deadlines(store, submitted_at + timedelta(days=6))
    assert waiting(store) == []
    for hours in (0, 5):  # the timer runs every ten minutes: the same reminder once
        handlers.check_deadlines(store, submitted_at + timedelta(days=7, hours=hours))
    [first] = waiting(store)
    assert (first["step"], first["state"], first["days_waiting"], first["notify"][0]["email"]) == \
        ("submit", "submitted", 7, "b@example.org")
    handlers.check_deadlines(store, submitted_at + timedelta(days=15))
    assert [w["days_waiting"] for w in waiting(store)] == [7, 15]  # the second reminder (day 14)
    approval_cases.set_reminder_days(store, 3)  # day 15 is reminder day 15: a new one
    handlers.check_deadlines(store, submitted_at + timedelta(days=15, hours=1))
    assert len(waiting(store)) == 3
    approval_cases.set_reminder_days(store, 7)  # back: day 14's reminder was sent already
    handlers.check_deadlines(store, submitted_at + timedelta(days=15, hours=2))
    assert len(waiting(store)) == 3
    with pytest.raises(QueryError):
        approval_cases.set_reminder_days(store, 0)
    assert approval_cases.reminder_days_of(store) == 7


def test_an_open_or_accepted_approval_waits_for_nobody(store):
    at = datetime(2026, 1, 5, 10, tzinfo=BKK)
    row = approval_cases.list_approvals(store, PLAN["id"], PERIOD, [PROVINCE])[0]
    approval_cases.take_step(store, PLAN["id"], PERIOD, PROVINCE, "submit", PLANNER,
                             row["version"], now=at)
    approval_cases.take_step(store, PLAN["id"], PERIOD, PROVINCE, "reopen", DIRECTOR, 1,
                             comment="ขาดตัวชี้วัด", now=at)
    handlers.check_deadlines(store, at + timedelta(days=30))
    assert waiting(store) == []

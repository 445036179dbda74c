"""Report due soon / overdue facts, and the mails they become."""
from datetime import date

import pytest

from services.notify.domain import Recipient
from services.notify.mails import render
from services.contracts.periods import last_ended_period
from services.reporting.timeliness import reminders
from tests.support.plans import published_sample_plan

PLAN = published_sample_plan()


@pytest.mark.parametrize("kind, today, period", [
    ("quarterly", date(2024, 1, 5), "FY2567-Q1"),
    ("quarterly", date(2023, 11, 1), "FY2566-Q4"),
    ("monthly", date(2024, 1, 5), "2023-12"),
    ("yearly", date(2024, 10, 3), "FY2567"),
])
def test_the_period_that_ended_last(kind, today, period):
    assert last_ended_period(kind, today) == period


def test_due_soon_then_overdue_for_the_provinces_still_missing_reports():
    everything = {(p, i["code"]): "2024-01-02T00:00:00+00:00" for p in ("TH-34",)
                  for issue in PLAN["issues"] for i in issue["indicators"]}
    progress = {"FY2567-Q1": {("TH-34", p["code"]): "2024-01-02T00:00:00+00:00"
                              for p in PLAN["projects"]}}  # TH-34's projects' progress too

    def quarter(facts):
        return [(k, e) for k, e in facts if e["period"] == "FY2567-Q1"]
    soon = quarter(reminders(PLAN, date(2024, 1, 10), {"FY2567-Q1": everything}, due_days=15,
                             projects_received_by_period=progress))
    assert {(k, e["province"]) for k, e in soon} == {
        ("report_due_soon", p) for p in ("TH-33", "TH-35", "TH-37")}
    late = quarter(reminders(PLAN, date(2024, 1, 20), {"FY2567-Q1": everything}, due_days=15,
                             projects_received_by_period=progress))
    assert {k for k, _ in late} == {"report_overdue"} and len(late) == 3
    assert late[0][1]["due_date"] == "2024-01-15"
    # not due within a week yet; the year FY2566 (nobody reported it) is overdue, though
    early = reminders(PLAN, date(2024, 1, 2), {}, due_days=15)
    assert quarter(early) == [] and {e["period"] for _, e in early} == {"FY2566"}


def test_each_fact_has_one_id_ever_so_it_is_sent_once():
    first = reminders(PLAN, date(2024, 1, 20), {}, due_days=15)
    again = reminders(PLAN, date(2024, 1, 21), {}, due_days=15)
    assert [e["event_id"] for _, e in first] == [e["event_id"] for _, e in again]


def test_periods_outside_the_plan_are_left_alone():
    assert reminders(PLAN, date(2022, 1, 20), {}, due_days=15) == []


def test_a_reminder_mail_says_what_is_missing_and_when_it_was_due():
    kind, event = next(f for f in reminders(PLAN, date(2024, 1, 20), {}, due_days=15)
                       if f[1]["period"] == "FY2567-Q1")
    mail = render(kind, event, Recipient("s@x.example", "กลุ่มงานยุทธศาสตร์", "Strategy group"), "http://x")
    assert "เลยกำหนดส่งรายงาน" in mail.subject and "Report overdue" in mail.subject
    assert "15 มกราคม 2567" in mail.text and "15 January 2024" in mail.text
    assert "NE2-1.1" in mail.text and "ไตรมาสที่ 1 ปีงบประมาณ พ.ศ. 2567" in mail.text

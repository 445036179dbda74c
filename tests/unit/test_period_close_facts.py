"""Period-close and behind-schedule facts, and the mails they become (pure)."""
from datetime import date, datetime, timezone

from services.contracts.events import IndicatorOffTargetAtClose, ProjectBehindSchedule
from services.notify.domain import Recipient
from services.notify.mails import render
from services.reporting.domain import (behind_schedule_events, indicator_result,
                                       indicator_view, off_target_at_close_events,
                                       project_progress)
from tests.support.plans import published_sample_plan

PLAN = published_sample_plan()
NOW = datetime(2024, 10, 20, 3, 0, tzinfo=timezone.utc)
OSM = Recipient("osm@x.example", "สำนักงานบริหารยุทธศาสตร์กลุ่มจังหวัด", "Cluster OSM")


def indicator(code):
    return next(i for issue in PLAN["issues"] for i in issue["indicators"] if i["code"] == code)


def result(code, period, values):
    ind = indicator(code)
    return indicator_result(PLAN, ind, period, indicator_view(PLAN, ind, values))


def test_only_judged_periods_of_the_indicators_own_frequency_close_off_target():
    results = [result("NE2-1.1", "FY2567-Q4", {"TH-34": 1.0}),   # quarterly, FY target: not judged
               result("NE2-1.3", "FY2567-Q4", {"TH-34": 1.0})]   # a yearly indicator in a quarter
    assert off_target_at_close_events(PLAN, "FY2567-Q4", date(2024, 10, 15), results, NOW) == []
    year = [result("NE2-1.3", "FY2567", {"TH-34": 1.0, "TH-33": 2.0}),
            result("NE2-4.1", "FY2567", {"TH-34": 1.0})]         # decrease, 1.0 <= 7.5: achieved
    [(kind, event)] = off_target_at_close_events(PLAN, "FY2567", date(2024, 10, 15), year, NOW)
    assert kind == "indicator_off_target_at_close"
    IndicatorOffTargetAtClose().load(event)
    assert event["indicator"] == "NE2-1.3" and event["not_reported"] == ["TH-35", "TH-37"]
    again = off_target_at_close_events(PLAN, "FY2567", date(2024, 10, 15), year, NOW)
    assert again[0][1]["event_id"] == event["event_id"]  # one fact per indicator and period, ever


def test_the_period_close_mail_lists_each_provinces_value_in_thai_and_english():
    year = [result("NE2-1.3", "FY2567", {"TH-34": 150.0, "TH-33": 250.0})]
    [(kind, event)] = off_target_at_close_events(PLAN, "FY2567", date(2024, 10, 15), year, NOW)
    mail = render(kind, event, OSM, "http://x")
    assert "ปิดช่วงเวลา" in mail.subject and "Period closed off target" in mail.subject
    assert "ปีงบประมาณ พ.ศ. 2567 (กำหนดส่งรายงาน 15 ตุลาคม 2567)" in mail.text
    assert "reports were due 15 October 2024" in mail.text
    assert "- TH-33: 250" in mail.text and "- TH-34: 150" in mail.text
    assert "จังหวัดที่ไม่ได้รายงาน: TH-35, TH-37" in mail.text
    assert "เป้าหมายของปีงบประมาณ 400" in mail.text and "fiscal-year target 400" in mail.text


def test_the_behind_schedule_mail_says_why_in_thai_and_english():
    reports = [{"project": "NE2-67-002", "province": "TH-34", "as_of": "2024-03-31",
                "physical_progress_pct": 20.0, "disbursed_thb": 2_000_000.0,
                "procurement_stage": "in_progress"}]
    rows = project_progress(PLAN, reports, {"FY2567": {"Q1": 30, "Q2": 52, "Q3": 77, "Q4": 100}})
    [(kind, event)] = behind_schedule_events(PLAN, rows, NOW)
    ProjectBehindSchedule().load(event)
    mail = render(kind, event, OSM, "http://x")
    assert "โครงการล่าช้ากว่าแผน" in mail.subject and "NE2-67-002" in mail.subject
    assert "31 มีนาคม 2567 (ไตรมาสที่ 2 ปีงบประมาณ พ.ศ. 2567)" in mail.text
    assert "เบิกจ่ายต่ำกว่าแผนการเบิกจ่ายของโครงการ" in mail.text
    assert "เบิกจ่ายต่ำกว่าเป้าหมายการเบิกจ่ายของรัฐบาล" in mail.text
    assert "disbursement below the government's target" in mail.text
    assert "Disbursed: 2,000,000 THB (10.81%)" in mail.text
    assert "ร้อยละ 52" in mail.html


def test_every_period_of_the_plan_is_checked_at_close():
    from services.contracts.periods import parse_period
    from services.reporting.timeliness import plan_periods
    periods = plan_periods(PLAN)  # yearly and quarterly indicators, FY2566-FY2570
    assert len(periods) == 5 * 5 and "FY2566-Q1" in periods and "FY2570" in periods
    monthly = {**PLAN, "issues": [{"indicators": [{**indicator("NE2-1.1"), "frequency": "monthly"}]}]}
    months = [p for p in plan_periods(monthly) if not p.startswith("FY")]
    assert months[:3] == ["2022-10", "2022-11", "2022-12"] and len(months) == 60
    assert {parse_period(m).fiscal_year for m in months} == set(range(2566, 2571))

"""What a person is told when an approval cannot be taken or a setting is wrong (approval_cases):
in English and in Thai (the approvals page shows the message as it comes); who may not take a
step hears that first (403); a report for an approved period is refused before it is sent."""
from datetime import date

import pytest

from services.contracts.errors import ApprovalError, QueryError
from services.reporting import approval_cases, handlers
from tests.contract import test_approvals_store as approvals
from tests.contract.test_approvals_store import (APPROVER, PLAN, PLANNER, PROVINCE, report,
                                                 step)

store = approvals.store  # the reporting store with the sample plan, on every backend


@pytest.mark.parametrize("period, province, english, thai", [
    ("FY2599-Q1", PROVINCE, "not one of the plan's reporting periods", "ไม่ใช่งวดรายงานของแผนนี้"),
    ("nonsense", PROVINCE, "not a period code", "ไม่ใช่รหัสงวดที่ใช้ได้"),
    (None, PROVINCE, "must be a string", "ไม่ใช่รหัสงวดที่ใช้ได้"),
    ("FY2568-Q2", "TH-10", "not in plan", "ไม่อยู่ในแผน"),
])
def test_a_period_or_province_not_to_approve_is_refused_in_english_and_thai(
        store, period, province, english, thai):
    with pytest.raises(QueryError) as refused:
        approval_cases.take_step(store, PLAN["id"], period, province, "submit", PLANNER, 0)
    assert english in str(refused.value) and thai in str(refused.value)


def test_a_period_not_begun_is_refused_with_its_first_day_in_thai(store):
    with pytest.raises(QueryError) as refused:  # the sample plan's period, asked a year early
        approval_cases._plan_and_period(store, PLAN["id"], "FY2568-Q2", today=date(2024, 1, 1))
    assert "has not started" in str(refused.value)
    assert "ยังไม่เริ่ม" in str(refused.value) and "1 มกราคม 2568" in str(refused.value)


def test_a_reminder_setting_out_of_range_is_refused_in_english_and_thai(store):
    for days in (0, 91, "7", True):
        with pytest.raises(QueryError) as refused:
            approval_cases.set_reminder_days(store, days)
        assert "reminder_days must be" in str(refused.value)
        assert "จำนวนวันที่เตือน" in str(refused.value)


def test_the_check_before_sending_tells_of_an_approved_period(store):
    # the workbook's, the form's and the API's check say what the intake would: the lock
    assert handlers.check_reports(store, PROVINCE, [report(12)]) == [None]
    step(store, "submit", PLANNER)
    step(store, "approve", APPROVER)
    [reason] = handlers.check_reports(store, PROVINCE, [report(12)])
    assert reason and "was approved on" in reason and "บุญมี (boonmee)" in reason
    step(store, "reopen", APPROVER, "แก้ไขตัวเลข")
    assert handlers.check_reports(store, PROVINCE, [report(12)]) == [None]


def test_someone_not_allowed_is_refused_403_before_the_reason_is_judged(store):
    step(store, "submit", PLANNER)
    step(store, "approve", APPROVER)
    stranger = {**PLANNER, "scope": "TH-33"}  # another province's planner, with no reason given
    with pytest.raises(ApprovalError) as refused:
        step(store, "reopen", stranger, comment=None)
    assert refused.value.status == 403
    with pytest.raises(ApprovalError) as reasonless:  # the approver may: then the reason counts
        step(store, "reopen", APPROVER, comment="  ")
    assert reasonless.value.status == 400

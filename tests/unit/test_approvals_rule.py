"""The approval of a province's figures for a period (services/contracts/approvals.py): the
states and steps, who may take each (docs/approvals.md's table), the periods a lock covers, and
a current state that does not depend on the order or repetition of its steps."""
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.contracts import approvals as rule
from services.contracts.access import Who
from services.contracts.errors import ApprovalError

CLUSTER, PROVINCE = "northeast-lower-2", "TH-34"


def person(role, scope, duty):
    return Who(role, scope, person="x (x)", duty=duty)


PLANNER = person("province", PROVINCE, "province_planner")
APPROVER = person("province", PROVINCE, "province_approver")
DIRECTOR = person("osm", CLUSTER, "osm_director")
ANALYST = person("osm", CLUSTER, "osm_analyst")
ADMIN = person("admin", None, "admin")
OTHER_PLANNER = person("province", "TH-33", "province_planner")
OTHER_DIRECTOR = person("osm", "northeast-lower-1", "osm_director")
AUDITOR = person("auditor", CLUSTER, "auditor")
PROVINCE_KEY, OSM_KEY = Who("province", PROVINCE), Who("osm", CLUSTER)
EVERYONE = {"planner": PLANNER, "approver": APPROVER, "director": DIRECTOR, "analyst": ANALYST,
            "admin": ADMIN, "other planner": OTHER_PLANNER, "other director": OTHER_DIRECTOR,
            "auditor": AUDITOR, "province key": PROVINCE_KEY, "osm key": OSM_KEY}

# who may take each step from each state: the table of docs/approvals.md
MAY = {
    ("submit", "open"): {"planner", "province key"},
    ("approve", "submitted"): {"approver", "province key"},
    ("accept", "approved"): {"director", "admin", "osm key"},
    ("reopen", "submitted"): {"planner", "approver", "province key", "director", "admin",
                              "osm key"},
    ("reopen", "approved"): {"approver", "province key", "director", "admin", "osm key"},
    ("reopen", "accepted"): {"director", "admin", "osm key"},
}


@pytest.mark.parametrize("step,state", sorted(MAY))
def test_each_step_is_its_peoples_alone(step, state):
    allowed = {name for name, who in EVERYONE.items()
               if rule.may_take(who, step, state, PROVINCE, CLUSTER)}
    assert allowed == MAY[(step, state)]


def test_the_steps_go_one_way_and_reopen_goes_back_to_open():
    state = rule.OPEN
    for step, expected in (("submit", "submitted"), ("approve", "approved"),
                           ("accept", "accepted"), ("reopen", "open")):
        state = rule.next_state(step, state)
        assert state == expected
    for step, state in (("approve", "open"), ("accept", "submitted"), ("submit", "approved"),
                        ("reopen", "open")):
        with pytest.raises(ApprovalError) as refused:
            rule.next_state(step, state)
        assert refused.value.status == 409 and refused.value.th  # Thai words too


def test_a_reopening_needs_a_reason_and_a_comment_is_text_of_bounded_length():
    with pytest.raises(ApprovalError, match="reason"):
        rule.check_text("reopen", "   ")
    assert rule.check_text("reopen", " ตัวเลขไตรมาส 2 ผิด ") == "ตัวเลขไตรมาส 2 ผิด"
    assert rule.check_text("submit", None) is None
    with pytest.raises(ApprovalError):
        rule.check_text("approve", "x" * (rule.MAX_COMMENT + 1))
    with pytest.raises(ApprovalError):  # measured as sent: the OpenAPI's maxLength
        rule.check_text("approve", "x" * rule.MAX_COMMENT + " ")
    assert rule.check_text("approve", " " + "x" * (rule.MAX_COMMENT - 1)) == "x" * 1999
    with pytest.raises(ApprovalError):
        rule.check_text("approve", 12)


def test_the_error_travels_over_rpc_with_its_status_and_both_languages():
    error = ApprovalError(409, "figures_changed", "look again", "โปรดดูใหม่")
    rebuilt = ApprovalError(*error.args)  # what nameko does at the caller
    assert (rebuilt.status, rebuilt.code, str(rebuilt)) == (409, "figures_changed",
                                                            "look again / โปรดดูใหม่")


def test_a_lock_covers_the_period_and_what_lies_within_it():
    assert rule.contains("FY2568-Q2", "FY2568-Q2")
    assert rule.contains("FY2568", "FY2568-Q3") and rule.contains("FY2568-Q2", "2025-02")
    assert not rule.contains("FY2568-Q2", "FY2568") and not rule.contains("FY2568-Q2", "2025-04")
    assert rule.holds_day("FY2568-Q2", date(2025, 3, 31))
    assert not rule.holds_day("FY2568-Q2", date(2025, 4, 1))


def test_the_lock_reason_says_when_by_whom_and_what_to_do_in_both_languages():
    en, th = rule.lock_reason("FY2568-Q2", "TH-34", {"state": "approved", "by": "บุญมี (boonmee)",
                                                     "at": "2025-04-19T20:00:00+00:00"})
    # 20:00 UTC is 03:00 the next day in Bangkok: that is the day people there saw it approved
    assert "was approved on 20 April 2025" in en and "บุญมี (boonmee)" in en and "reopened" in en
    assert "Q2 of fiscal year 2025" in en
    assert "20 เมษายน 2568" in th and "ไตรมาสที่ 2 ปีงบประมาณ พ.ศ. 2568" in th
    assert "บุญมี (boonmee)" in th and "เปิดงวดใหม่" in th


def test_the_cluster_value_is_fully_partly_or_not_approved():
    expected = ["TH-33", "TH-34"]
    assert rule.summary({"TH-33": "approved", "TH-34": "accepted"}, expected) == "full"
    assert rule.summary({"TH-33": "approved", "TH-34": "submitted"}, expected) == "partial"
    assert rule.summary({"TH-34": "submitted"}, expected) == "none"


def steps_of(n):
    order = ["submitted", "approved", "accepted", "open", "submitted", "approved"]
    return [{"event_id": f"e{v}", "version": v, "state": order[(v - 1) % len(order)]}
            for v in range(1, n + 1)]


@given(st.integers(1, 6).flatmap(
    lambda n: st.tuples(st.just(n), st.permutations(steps_of(n)),
                        st.lists(st.sampled_from(steps_of(n)), max_size=4))))
def test_the_current_state_is_the_same_in_any_order_with_any_duplicates(case):
    n, shuffled, repeated = case
    found = rule.current(list(shuffled) + repeated)
    assert (found.version, found.state) == (n, steps_of(n)[-1]["state"])
    assert rule.current([]) == rule.Approval()


def test_the_next_actor_is_mailed_in_thai_and_english_with_the_link_to_act():
    from services.contracts import events
    from services.notify import domain as notify_domain
    from services.notify.mails import render
    from tests.unit.test_event_registry import APPROVAL_STEP
    event = events.load(events.PERIOD_APPROVAL_CHANGED, {
        **APPROVAL_STEP, "event_id": "e-1", "occurred_at": "2025-04-20T09:00:00+07:00",
        "comment": "ครบทุกตัวชี้วัด"})
    directory = {"agencies": {"osm-ne2": {"code": "osm-ne2", "name_th": "สำนักงาน",
                                          "name_en": "OSM", "emails": ["osm@example.org"],
                                          "roles": ["osm"], "cluster": "NE2"}},
                 "province_cluster": {"TH-34": "NE2"}}
    [to] = notify_domain.recipients("period_approval_changed", event, directory, {})
    assert to.email == "boonmee@example.org"  # the approver the gateway named, not the OSM
    mail = render("period_approval_changed", event, to, "https://plan.example")
    assert "TH-34" in mail.subject and "FY2568-Q2" in mail.subject
    assert "https://plan.example/approvals?plan=p&period=FY2568-Q2&province=TH-34" in mail.text
    assert "อนุมัติ" in mail.text and "approve them" in mail.text and "ครบทุกตัวชี้วัด" in mail.html
    nobody = {**event, "notify": []}  # nobody named: the cluster's OSM hears of it
    assert [r.email for r in notify_domain.recipients("period_approval_changed", nobody,
                                                      directory, {})] == ["osm@example.org"]


def test_the_steps_open_to_a_person_are_the_tables_and_who_takes_no_part_is_named():
    for state in rule.STATES:
        for name, who in EVERYONE.items():
            offered = set(rule.steps_open_to(who, state, PROVINCE, CLUSTER))
            expected = {step for (step, from_state), people in MAY.items()
                        if from_state == state and name in people}
            assert offered == expected, (name, state)
    taking_part = {name for name, who in EVERYONE.items()
                   if rule.takes_part(who, PROVINCE, CLUSTER)}
    # the analyst prepares and reads; readers read; another province or cluster has no step here
    assert taking_part == {"planner", "approver", "director", "admin", "province key", "osm key"}

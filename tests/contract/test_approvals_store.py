"""Contract of the reporting store's approvals part (store/approvals.py) and of the use cases over
it (approval_cases.py), on every backend: steps kept with their events, a step from a stale
version or stale figures refused, the lock on reports of an approved period (a redelivery of a
report kept before it still counts as kept), reopening lifts it, and a rebuild derives the same
states from the steps."""
import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from services.contracts.errors import ApprovalError, QueryError
from services.infra.messaging import RawMessage
from services.reporting import approval_cases, handlers
from tests.support.plans import published_sample_plan

PLAN = published_sample_plan()
PERIOD, PROVINCE = "FY2568-Q2", "TH-34"
PLANNER = {"role": "province", "scope": PROVINCE, "person": "กัญญา (kanya)",
           "duty": "province_planner"}
APPROVER = {"role": "province", "scope": PROVINCE, "person": "บุญมี (boonmee)",
            "duty": "province_approver"}
DIRECTOR = {"role": "osm", "scope": PLAN["cluster"], "person": "ประยุทธ (prayut)",
            "duty": "osm_director"}


@pytest.fixture
def store(backend):
    found = backend.open("reporting")
    found.save_plan(json.loads(json.dumps(PLAN)))
    return found


def report(value, period=PERIOD, event_id=None, province=PROVINCE, indicator="NE2-1.1", day=2):
    return {"event_id": event_id or str(uuid.uuid4()), "province": province,
            "indicator": indicator, "period": period, "value": value,
            "reported_at": datetime(2025, 4, day, 9, tzinfo=timezone(timedelta(hours=7))).isoformat()}


def send(store, body):
    return handlers.handle_intake(store, RawMessage(
        body=json.dumps(body).encode(), routing_key=f"report.{body['province']}.indicator",
        user_id=body["province"], message_id=body["event_id"], content_type="application/json",
        redelivered=False))


def step(store, name, actor, comment=None, figures="now", period=PERIOD):
    row = approval_cases.list_approvals(store, PLAN["id"], period, [PROVINCE])[0]
    return approval_cases.take_step(
        store, PLAN["id"], period, PROVINCE, name, actor, row["version"],
        row["figures"] if figures == "now" else figures, comment,
        [{"name": "บุญมี", "email": "boonmee@example.org", "lang": "th"}])


def test_an_approval_goes_open_submitted_approved_accepted_each_step_kept_with_its_event(store):
    assert send(store, report(10)) == "accepted"
    first = approval_cases.list_approvals(store, PLAN["id"], PERIOD, [PROVINCE])[0]
    assert (first["state"], first["certainty"], first["version"], first["figures"]) == \
        ("open", "provisional", 0, 1)
    step(store, "submit", PLANNER, "ครบแล้ว")
    step(store, "approve", APPROVER)
    done = step(store, "accept", DIRECTOR, "รับรอง")
    assert (done["state"], done["version"]) == ("accepted", 3)
    assert [s["step"] for s in done["steps"]] == ["submit", "approve", "accept"]
    assert done["steps"][0]["by"] == "กัญญา (kanya) · province:TH-34"
    assert done["steps"][0]["comment"] == "ครบแล้ว" and "notify" not in done["steps"][0]
    queued = [p for t, p in store.outbox.pending_events(100) if t == "period_approval_changed"]
    assert len(queued) == 3
    assert queued[0]["notify"][0]["email"] == "boonmee@example.org"


def test_a_step_from_a_stale_version_or_stale_figures_is_refused_and_changes_nothing(store):
    send(store, report(10))
    step(store, "submit", PLANNER)
    with pytest.raises(ApprovalError) as late:  # two people read version 0; one submitted
        approval_cases.take_step(store, PLAN["id"], PERIOD, PROVINCE, "reopen", PLANNER, 0,
                                 None, "แก้ไข")
    assert late.value.status == 409 and late.value.code == "version_conflict"
    seen = approval_cases.list_approvals(store, PLAN["id"], PERIOD, [PROVINCE])[0]
    send(store, report(12))  # a correction arrives while the approver reads the figures
    with pytest.raises(ApprovalError) as changed:
        approval_cases.take_step(store, PLAN["id"], PERIOD, PROVINCE, "approve", APPROVER,
                                 seen["version"], seen["figures"])
    assert changed.value.code == "figures_changed"
    assert step(store, "approve", APPROVER)["state"] == "approved"  # having looked again


def test_only_the_rules_people_take_a_step_and_bad_input_is_named(store):
    with pytest.raises(ApprovalError) as refused:
        step(store, "submit", APPROVER)  # the approver certifies; it does not submit
    assert refused.value.status == 403
    with pytest.raises(ApprovalError):
        step(store, "submit", {**PLANNER, "scope": "TH-33"})
    with pytest.raises(ApprovalError) as reasonless:
        step(store, "submit", PLANNER) and step(store, "reopen", PLANNER, comment=" ")
    assert reasonless.value.status == 400
    for bad in ({"period": "FY2599-Q1"}, {"period": "FY2571-Q1"}, {"period": "nonsense"}):
        with pytest.raises(QueryError):
            approval_cases.take_step(store, PLAN["id"], bad["period"], PROVINCE, "submit",
                                     PLANNER, 0)
    with pytest.raises(QueryError):
        approval_cases.take_step(store, PLAN["id"], PERIOD, "TH-10", "submit", PLANNER, 0)


def test_an_approved_period_refuses_reports_until_it_is_reopened(store):
    kept = report(10)
    assert send(store, kept) == "accepted"
    step(store, "submit", PLANNER)
    step(store, "approve", APPROVER)
    late = report(11, day=20)
    assert send(store, late) == "rejected"
    rejection = store.rejections([PROVINCE])[0]
    assert "approved on" in rejection["reason"] and "บุญมี (boonmee)" in rejection["reason"]
    assert "เปิดงวดใหม่" in rejection["reason_th"]
    assert send(store, kept) == "duplicate"  # a redelivery of what was kept before: as ever
    assert send(store, report(5, period="FY2568-Q3")) == "accepted"  # another period: open
    # the year holds the quarter, not the other way round
    assert send(store, report(5, period="FY2568", indicator="NE2-1.3")) == "accepted"
    step(store, "reopen", DIRECTOR, "ตัวเลขไตรมาส 2 ต้องแก้")
    assert send(store, late) == "accepted"  # the same report, sent again after the reopening
    values = handlers.indicator_results(store, PLAN["id"], PERIOD)["results"]
    assert next(r for r in values if r["indicator"] == "NE2-1.1")["provinces"][PROVINCE] == 11


def test_an_approved_year_locks_its_quarters_too(store):
    step(store, "submit", PLANNER, period="FY2567")
    step(store, "approve", APPROVER, period="FY2567")
    assert send(store, report(3, period="FY2567-Q4")) == "rejected"


def test_a_rebuild_derives_the_same_approvals_from_the_steps(store):
    send(store, report(10))
    step(store, "submit", PLANNER)
    step(store, "approve", APPROVER)
    before = approval_cases.list_approvals(store, PLAN["id"], PERIOD)
    result = handlers.rebuild(store)
    assert result["approval_steps"] == 2
    assert approval_cases.list_approvals(store, PLAN["id"], PERIOD) == before
    assert send(store, report(9)) == "rejected"  # the lock holds after the rebuild


def test_a_report_recorded_between_the_check_and_the_write_makes_the_step_stale(store):
    """The figures are counted again with the step's write: the approver's token, checked a
    moment before, does not let an unseen report into the approved figures."""
    send(store, report(10))
    step(store, "submit", PLANNER)
    seen = approval_cases.list_approvals(store, PLAN["id"], PERIOD, [PROVINCE])[0]
    real_count = store.figures_count
    calls = []

    def count_then_a_report_arrives(*args):
        found = real_count(*args)
        if not calls:  # the first count is take_step's check; then a report lands
            calls.append(found)
            assert send(store, report(99, day=21)) == "accepted"
        return found
    store.figures_count = count_then_a_report_arrives
    with pytest.raises(ApprovalError) as stale:
        approval_cases.take_step(store, PLAN["id"], PERIOD, PROVINCE, "approve", APPROVER,
                                 seen["version"], seen["figures"])
    assert stale.value.code == "figures_changed"
    store.figures_count = real_count
    assert approval_cases.list_approvals(store, PLAN["id"], PERIOD, [PROVINCE])[0]["state"] == \
        "submitted"


def test_the_state_is_read_from_the_steps_and_a_step_whose_events_a_crash_lost_is_finished(
        store, backend):
    """What the lock and the marks read is the steps themselves; MongoDB's second write (the
    events) is finished by the remind timer's requeue after a crash between the two."""
    send(store, report(10))
    step(store, "submit", PLANNER)
    seen = approval_cases.list_approvals(store, PLAN["id"], PERIOD, [PROVINCE])[0]
    real_add = store.outbox.add
    if backend.name == "sqlite":  # one transaction: a crash keeps neither write
        return
    store.outbox.add = lambda *a, **k: (_ for _ in ()).throw(ConnectionError("crash"))
    with pytest.raises(ConnectionError):
        approval_cases.take_step(store, PLAN["id"], PERIOD, PROVINCE, "approve", APPROVER,
                                 seen["version"], seen["figures"])
    store.outbox.add = real_add
    assert approval_cases.states(store, PLAN["id"])[(PERIOD, PROVINCE)] == "approved"
    assert send(store, report(11, day=22)) == "rejected"  # the lock holds at once
    assert approval_cases.requeue_events(store) == 1
    assert approval_cases.requeue_events(store) == 0
    queued = [p for t, p in store.outbox.pending_events(100) if t == "period_approval_changed"]
    assert [p["step"] for p in queued] == ["submit", "approve"]

"""Contract of the reporting store (services/reporting/store.py), run on every backend."""
import pytest

from services.reporting.store import Recorded

PLAN_ID = "northeast-lower-2-2566-2570"
EARLY = "2024-04-10T02:30:00.000000Z"
LATE = "2024-04-10T02:30:00.000001Z"
EVENT_A = "11111111-1111-4111-8111-111111111111"
EVENT_B = "22222222-2222-4222-8222-222222222222"
EVENT_C = "33333333-3333-4333-8333-333333333333"


@pytest.fixture
def store(backend):
    return backend.open("reporting")


def plan(version=1, **changes):
    doc = {"id": PLAN_ID, "cluster": "northeast-lower-2", "version": version, "status": "published",
           "title_th": "แผนพัฒนากลุ่มจังหวัด", "provinces": ["TH-34", "TH-33", "TH-35", "TH-37"],
           "start_fy": 2566, "end_fy": 2570, "issues": [], "projects": []}
    doc.update(changes)
    return doc


def report(store, event_id, value, reported_at=EARLY, province="TH-34", indicator="NE2-1.1",
           period="FY2567-Q2", plan_id=PLAN_ID) -> Recorded:
    body = {"event_id": event_id, "province": province, "indicator": indicator, "period": period,
            "value": value, "reported_at": reported_at, "note": "ทดสอบ"}
    return store.record_report("indicator", plan_id, indicator, period, province, event_id,
                               reported_at, body, province)


def progress(store, event_id, pct, reported_at=EARLY, province="TH-34", project="NE2-67-001"):
    body = {"event_id": event_id, "province": province, "project": project, "as_of": "2024-03-31",
            "physical_progress_pct": pct, "disbursed_thb": 1000.0,
            "procurement_stage": "in_progress", "reported_at": reported_at,
            "problems": "ฝนตกหนัก"}
    return store.record_report("project", PLAN_ID, project, "", province, event_id, reported_at,
                               body, province)


def values(store, indicator="NE2-1.1", period="FY2567-Q2", plan_id=PLAN_ID):
    return store.current_values(plan_id, indicator, period)


def rejection(rejection_id, province="TH-34", received_at="2024-04-10T02:30:00+00:00", **changes):
    record = {"rejection_id": rejection_id, "province": province, "sender": province or "guest",
              "event_id": EVENT_A, "kind": "indicator", "reason": "unknown indicator 'X' for TH-34",
              "received_at": received_at, "routing_key": f"report.{province}.indicator",
              "raw_body": '{"indicator": "X", "note": "ไทย"}'.encode("utf-8")}
    record.update(changes)
    return record


def rejected_event(rejection_id):
    return ("report_rejected", {"event_id": f"evt-{rejection_id}", "rejection_id": rejection_id})


# --- plans learned from plan events ------------------------------------------------------------

def test_a_plan_is_kept_and_a_newer_version_replaces_it(store):
    assert store.get_plan(PLAN_ID) is None and store.plans() == []
    assert store.save_plan(plan(1)) is True
    assert store.get_plan(PLAN_ID) == plan(1)
    assert store.save_plan(plan(2, title_th="ฉบับทบทวน")) is True
    assert store.get_plan(PLAN_ID)["title_th"] == "ฉบับทบทวน"


def test_an_old_or_repeated_plan_version_changes_nothing(store):
    store.save_plan(plan(2, title_th="ฉบับที่ 2"))
    assert store.save_plan(plan(2, title_th="ซ้ำ")) is False
    assert store.save_plan(plan(1, title_th="เก่า")) is False
    assert store.get_plan(PLAN_ID)["title_th"] == "ฉบับที่ 2"


def test_plans_are_listed_by_id(store):
    store.save_plan(plan(1, id="zz-plan"))
    store.save_plan(plan(1, id="aa-plan"))
    assert [p["id"] for p in store.plans()] == ["aa-plan", "zz-plan"]


# --- precedence --------------------------------------------------------------------------------

def test_a_first_report_is_new_and_current(store):
    assert report(store, EVENT_A, 3.5) == Recorded(new=True, current=True)
    assert values(store) == {"TH-34": 3.5}


@pytest.mark.parametrize("arrival", ["in_order", "late_report_first"])
def test_the_later_reported_at_wins_whatever_the_arrival_order(store, arrival):
    # EVENT_A carries the greater event_id on the earlier report, so only time can decide.
    earlier, later = (EVENT_C, 1.0, EARLY), (EVENT_A, 2.0, LATE)
    first, second = (earlier, later) if arrival == "in_order" else (later, earlier)
    assert report(store, first[0], first[1], first[2]).current is True
    outcome = report(store, second[0], second[1], second[2])
    assert outcome == Recorded(new=True, current=second is later)
    assert values(store) == {"TH-34": 2.0}


@pytest.mark.parametrize("arrival", ["smaller_id_first", "greater_id_first"])
def test_at_equal_reported_at_the_greater_event_id_wins(store, arrival):
    order = [(EVENT_A, 1.0), (EVENT_B, 2.0)]
    if arrival == "greater_id_first":
        order.reverse()
    for event_id, value in order:
        report(store, event_id, value, EARLY)
    assert values(store) == {"TH-34": 2.0}


def test_a_repeated_event_id_has_no_further_effect(store):
    assert report(store, EVENT_A, 1.0) == Recorded(True, True)
    assert report(store, EVENT_A, 1.0) == Recorded(new=False, current=True)
    # a resend that stamps the time again still says the same: a redelivery, not a conflict
    assert report(store, EVENT_A, 1.0, LATE) == Recorded(new=False, current=True)
    assert values(store) == {"TH-34": 1.0}
    assert store.count_reports() == 1


def test_the_same_senders_event_id_with_other_content_is_a_conflict_that_changes_nothing(store):
    report(store, EVENT_A, 1.0, EARLY)
    outcome = report(store, EVENT_A, 99.0, LATE)
    assert (outcome.new, outcome.current) == (False, False)
    assert {k: outcome.conflict[k] for k in ("kind", "subject", "period")} == \
        {"kind": "indicator", "subject": "NE2-1.1", "period": "FY2567-Q2"}
    assert outcome.conflict["received_at"]
    # reused for another period or for a project report: a conflict too, and nothing moves
    assert report(store, EVENT_A, 5.0, LATE, period="FY2567-Q3").conflict["period"] == "FY2567-Q2"
    assert progress(store, EVENT_A, 50.0, LATE).conflict["kind"] == "indicator"
    assert values(store) == {"TH-34": 1.0}
    assert values(store, period="FY2567-Q3") == {} and store.project_progress(PLAN_ID) == []
    assert store.count_reports() == 1


def test_another_senders_event_id_neither_blocks_nor_replaces_a_report(store):
    # TH-33 uses the id first; TH-34's own report under the same id is its own, and counts
    assert report(store, EVENT_A, 1.0, EARLY, province="TH-33") == Recorded(True, True)
    assert report(store, EVENT_A, 7.0, EARLY, province="TH-34") == Recorded(True, True)
    assert progress(store, EVENT_A, 50.0, LATE, province="TH-35") == Recorded(True, True)
    assert values(store) == {"TH-33": 1.0, "TH-34": 7.0}
    assert [r["physical_progress_pct"] for r in store.project_progress(PLAN_ID)] == [50.0]
    assert store.count_reports() == 3
    # each is listed as in force for its own sender, and replays as its own
    listed = {r["province"]: r["in_force"] for r in store.reports_of(PLAN_ID, {"kind": "indicator"})}
    assert listed == {"TH-33": True, "TH-34": True}
    assert sorted(r["sender"] for r in store.stored_reports()) == ["TH-33", "TH-34", "TH-35"]
    store.reset_views()
    for r in store.stored_reports():
        store.replay_report(r["kind"], r["plan_id"], r["subject"], r["period"], r["province"],
                            r["event_id"], r["reported_at"], r["body"])
    assert values(store) == {"TH-33": 1.0, "TH-34": 7.0}


def test_a_later_report_of_one_sender_leaves_anothers_same_id_in_force(store):
    report(store, EVENT_A, 1.0, EARLY, province="TH-33")
    report(store, EVENT_A, 7.0, EARLY, province="TH-34")
    report(store, EVENT_B, 8.0, LATE, province="TH-34")
    listed = {(r["province"], r["event_id"]): r["in_force"]
              for r in store.reports_of(PLAN_ID, {})}
    assert listed == {("TH-33", EVENT_A): True, ("TH-34", EVENT_A): False,
                      ("TH-34", EVENT_B): True}


def test_a_repeat_of_a_superseded_report_does_not_bring_it_back(store):
    report(store, EVENT_A, 1.0, EARLY)
    report(store, EVENT_B, 2.0, LATE)
    assert report(store, EVENT_A, 1.0, EARLY) == Recorded(new=False, current=False)
    assert values(store) == {"TH-34": 2.0}


def test_a_null_value_retracts_the_province(store):
    report(store, EVENT_A, 1.0, EARLY, province="TH-34")
    report(store, EVENT_B, 5.0, EARLY, province="TH-33")
    assert report(store, EVENT_C, None, LATE, province="TH-34") == Recorded(True, True)
    assert values(store) == {"TH-33": 5.0}


def test_an_older_retraction_does_not_remove_a_newer_value(store):
    report(store, EVENT_A, 1.0, LATE)
    assert report(store, EVENT_B, None, EARLY) == Recorded(True, False)
    assert values(store) == {"TH-34": 1.0}


def test_a_value_reported_after_a_retraction_counts_again(store):
    report(store, EVENT_A, None, EARLY)
    assert values(store) == {}
    report(store, EVENT_B, 4.0, LATE)
    assert values(store) == {"TH-34": 4.0}


def test_current_values_belong_to_one_plan_indicator_and_period(store):
    report(store, EVENT_A, 1.0)
    report(store, EVENT_B, 2.0, period="FY2567-Q3")
    report(store, EVENT_C, 3.0, indicator="NE2-2.1")
    report(store, "44444444-4444-4444-8444-444444444444", 4.0, plan_id="other-plan")
    report(store, "55555555-5555-4555-8555-555555555555", 5.0, province="TH-37")
    assert values(store) == {"TH-34": 1.0, "TH-37": 5.0}
    assert values(store, period="FY2567-Q3") == {"TH-34": 2.0}
    assert values(store, indicator="NE2-2.1") == {"TH-34": 3.0}
    assert values(store, plan_id="other-plan") == {"TH-34": 4.0}
    assert values(store, period="FY2567-Q4") == {}


def test_reports_are_counted_once_each(store):
    assert store.count_reports() == 0
    report(store, EVENT_A, 1.0)
    report(store, EVENT_B, 2.0, LATE)
    report(store, EVENT_B, 2.0, LATE)
    progress(store, EVENT_C, 10.0)
    assert store.count_reports() == 3


# Two workers on one database (nameko runs several at once): the Mongo adapter updates-or-inserts,
# and another worker may create the same key in between. The later report must still win.

def test_a_later_report_is_not_lost_to_a_concurrent_earlier_one(store, backend):
    other = backend.open("reporting")
    backend.before_next_insert(store, "current_reports",
                               lambda: report(other, EVENT_C, 1.0, EARLY))
    assert report(store, EVENT_A, 2.0, LATE) == Recorded(new=True, current=True)
    assert values(store) == {"TH-34": 2.0}


def test_an_earlier_report_does_not_displace_a_concurrent_later_one(store, backend):
    other = backend.open("reporting")
    backend.before_next_insert(store, "current_reports",
                               lambda: report(other, EVENT_C, 2.0, LATE))
    assert report(store, EVENT_A, 1.0, EARLY) == Recorded(new=True, current=False)
    assert values(store) == {"TH-34": 2.0}


def test_a_newer_plan_is_not_lost_to_a_concurrent_older_one(store, backend):
    other = backend.open("reporting")
    backend.before_next_insert(store, "plans", lambda: other.save_plan(plan(1, title_th="เก่า")))
    assert store.save_plan(plan(2, title_th="ใหม่")) is True
    assert store.get_plan(PLAN_ID)["title_th"] == "ใหม่"


def test_an_older_plan_does_not_displace_a_concurrent_newer_one(store, backend):
    other = backend.open("reporting")
    backend.before_next_insert(store, "plans", lambda: other.save_plan(plan(2, title_th="ใหม่")))
    assert store.save_plan(plan(1, title_th="เก่า")) is False
    assert store.get_plan(PLAN_ID)["title_th"] == "ใหม่"


# --- project progress --------------------------------------------------------------------------

def test_project_progress_keeps_the_latest_report_per_project_and_province(store):
    progress(store, EVENT_A, 40.0, LATE, province="TH-37")
    progress(store, EVENT_B, 30.0, LATE, province="TH-34")
    progress(store, EVENT_C, 10.0, EARLY, province="TH-34")   # older: arrives late, ignored
    progress(store, "44444444-4444-4444-8444-444444444444", 5.0, project="NE2-67-000")
    rows = store.project_progress(PLAN_ID)
    assert [(r["project"], r["province"], r["physical_progress_pct"]) for r in rows] == [
        ("NE2-67-000", "TH-34", 5.0), ("NE2-67-001", "TH-34", 30.0), ("NE2-67-001", "TH-37", 40.0)]
    assert rows[1]["problems"] == "ฝนตกหนัก" and rows[1]["event_id"] == EVENT_B
    assert store.project_progress("other-plan") == []


def test_the_reports_behind_a_view_are_listed_newest_first_with_the_one_in_force(store):
    report(store, EVENT_A, 1.0, EARLY)
    report(store, EVENT_B, 2.0, LATE)                       # supersedes A
    report(store, EVENT_C, 3.0, EARLY, province="TH-37")
    progress(store, "44444444-4444-4444-8444-444444444444", 5.0)
    found = store.reports_of(PLAN_ID, {"kind": "indicator", "province": "TH-34"})
    assert [(r["event_id"], r["in_force"]) for r in found] == [(EVENT_B, True), (EVENT_A, False)]
    assert found[0]["body"]["value"] == 2.0 and found[0]["sender"] == "TH-34"
    assert found[0]["received_at"]
    assert {r["event_id"] for r in store.reports_of(PLAN_ID, {"period": "FY2567-Q2"})} == \
        {EVENT_A, EVENT_B, EVENT_C}
    assert [r["kind"] for r in store.reports_of(PLAN_ID, {"subject": "NE2-67-001"})] == ["project"]
    assert store.reports_of(PLAN_ID, {"province": "TH-33"}) == []
    assert store.reports_of("other-plan", {}) == []


def test_first_received_counts_values_in_force_from_their_first_report(store):
    report(store, EVENT_A, 1.0, EARLY)
    first = store.first_received(PLAN_ID, "FY2567-Q2")
    report(store, EVENT_B, 2.0, LATE)                           # a correction: still first A's
    report(store, EVENT_C, None, LATE, province="TH-37")        # only a retraction: not received
    progress(store, "44444444-4444-4444-8444-444444444444", 5.0)
    assert store.first_received(PLAN_ID, "FY2567-Q2") == first
    assert list(first) == [("TH-34", "NE2-1.1")]
    report(store, "55555555-5555-4555-8555-555555555555", None,
           "2024-04-10T02:30:00.000002Z")                     # TH-34 withdraws its value
    assert store.first_received(PLAN_ID, "FY2567-Q2") == {}
    assert store.first_received(PLAN_ID, "FY2567-Q3") == {}


def test_project_reports_are_not_indicator_values(store):
    progress(store, EVENT_A, 40.0)
    assert store.current_values(PLAN_ID, "NE2-67-001", "") == {}


# --- views -------------------------------------------------------------------------------------

def test_an_indicator_view_is_kept_per_plan_period_and_indicator(store):
    view = {"value": 7.0, "provinces": {"TH-34": 3.0, "TH-33": 4.0}, "reported": 2}
    store.save_indicator_view(PLAN_ID, "NE2-1.1", "FY2567-Q2", view, [])
    store.save_indicator_view(PLAN_ID, "NE2-2.1", "FY2567-Q2", {**view, "value": 1.0}, [])
    store.save_indicator_view(PLAN_ID, "NE2-1.1", "FY2567-Q3", {**view, "value": 2.0}, [])
    store.save_indicator_view("other-plan", "NE2-1.1", "FY2567-Q2", {**view, "value": 3.0}, [])
    assert store.indicator_views(PLAN_ID, "FY2567-Q2") == {
        "NE2-1.1": view, "NE2-2.1": {**view, "value": 1.0}}
    assert store.indicator_views(PLAN_ID, "FY2567-Q4") == {}


def test_a_new_view_replaces_the_old_one(store):
    store.save_indicator_view(PLAN_ID, "NE2-1.1", "FY2567-Q2", {"value": 1.0}, [])
    store.save_indicator_view(PLAN_ID, "NE2-1.1", "FY2567-Q2", {"value": None, "provinces": {}}, [])
    assert store.indicator_views(PLAN_ID, "FY2567-Q2") == {
        "NE2-1.1": {"value": None, "provinces": {}}}


def test_a_view_saved_with_an_event_queues_it(store):
    event = ("indicator_off_target", {"event_id": "off-1", "value": 7.0, "indicator": "NE2-1.1"})
    store.save_indicator_view(PLAN_ID, "NE2-1.1", "FY2567-Q2", {"value": 7.0}, [event])
    store.save_indicator_view(PLAN_ID, "NE2-1.1", "FY2567-Q2", {"value": 7.0}, [event])  # redelivery
    assert store.outbox.pending_events() == [event]


def test_verbs_compose_inside_atomic(store):
    with store.atomic():
        report(store, EVENT_A, 3.0)
        store.save_indicator_view(PLAN_ID, "NE2-1.1", "FY2567-Q2",
                                  {"value": 3.0, "provinces": values(store), "reported": 1},
                                  [("indicator_off_target", {"event_id": "off-1"})])
    assert store.indicator_views(PLAN_ID, "FY2567-Q2")["NE2-1.1"]["provinces"] == {"TH-34": 3.0}
    assert [p["event_id"] for _, p in store.outbox.pending_events()] == ["off-1"]


def test_a_failure_inside_atomic_leaves_nothing_behind(store, backend):
    if backend.name != "sqlite":
        pytest.skip("MongoDB has no transaction here: its verbs are idempotent and repeated on "
                    "redelivery instead")
    with pytest.raises(RuntimeError):
        with store.atomic():
            report(store, EVENT_A, 3.0)
            store.save_indicator_view(PLAN_ID, "NE2-1.1", "FY2567-Q2", {"value": 3.0},
                                      [("indicator_off_target", {"event_id": "off-1"})])
            raise RuntimeError("crash before the message is acked")
    assert values(store) == {} and store.count_reports() == 0
    assert store.indicator_views(PLAN_ID, "FY2567-Q2") == {} and store.outbox.pending_events() == []
    assert report(store, EVENT_A, 3.0) == Recorded(True, True)  # the redelivery is new


def test_a_view_computed_from_older_values_never_overwrites_a_newer_one(store, backend):
    """Two workers on one view: A reads the values, B's report comes into force and B saves
    its view, then A saves - A's stale view must not win (MongoDB has no transaction here)."""
    if backend.name == "sqlite":
        pytest.skip("SQLite runs the whole intake step in one transaction: no interleaving")
    report(store, EVENT_A, 1.0)
    a_revision = store.view_revision(PLAN_ID, "NE2-1.1", "FY2567-Q2")
    a_values = values(store)
    report(store, EVENT_B, 2.0, province="TH-37")
    b_revision = store.view_revision(PLAN_ID, "NE2-1.1", "FY2567-Q2")
    assert b_revision > a_revision
    store.save_indicator_view(PLAN_ID, "NE2-1.1", "FY2567-Q2",
                              {"value": 3.0, "provinces": values(store), "reported": 2}, [], b_revision)
    store.save_indicator_view(PLAN_ID, "NE2-1.1", "FY2567-Q2",
                              {"value": 1.0, "provinces": a_values, "reported": 1}, [], a_revision)
    assert store.indicator_views(PLAN_ID, "FY2567-Q2")["NE2-1.1"]["value"] == 3.0
    # a redelivery of B (already in force) still moves the clock: its recomputation is kept
    report(store, EVENT_B, 2.0, province="TH-37")
    again = store.view_revision(PLAN_ID, "NE2-1.1", "FY2567-Q2")
    assert again > b_revision
    store.save_indicator_view(PLAN_ID, "NE2-1.1", "FY2567-Q2",
                              {"value": 3.5, "provinces": values(store), "reported": 2}, [], again)
    assert store.indicator_views(PLAN_ID, "FY2567-Q2")["NE2-1.1"]["value"] == 3.5


# --- rejections --------------------------------------------------------------------------------

def test_a_rejection_is_kept_once_by_rejection_id(store):
    assert store.record_rejection(rejection("r-1"), [rejected_event("r-1")]) is True
    assert store.record_rejection(rejection("r-1", reason="again"), [rejected_event("r-1")]) is False
    rows = store.rejections()
    assert len(rows) == 1
    assert rows[0]["reason"] == "unknown indicator 'X' for TH-34"
    assert [p["event_id"] for _, p in store.outbox.pending_events()] == ["evt-r-1"]


def test_a_rejection_keeps_what_the_province_needs_to_fix_it(store):
    store.record_rejection(rejection("r-1"), [])
    row = store.rejections(["TH-34"])[0]
    assert set(row) == {"rejection_id", "province", "sender", "event_id", "kind", "reason",
                        "reason_th", "received_at", "routing_key", "raw_body", "agency",
                        "redriven_at", "redrive_outcome", "redriven_by", "reported_by"}
    assert row["reason_th"] is None  # a rule without Thai words (and rejections kept before)
    store.record_rejection({**rejection("r-2"), "reason_th": "งวดนี้ยังไม่เริ่ม"}, [])
    assert next(r for r in store.rejections(None) if r["rejection_id"] == "r-2")["reason_th"] == \
        "งวดนี้ยังไม่เริ่ม"
    assert row["rejection_id"] == "r-1" and row["event_id"] == EVENT_A
    assert row["province"] == "TH-34" and row["sender"] == "TH-34" and row["kind"] == "indicator"
    assert row["received_at"] == "2024-04-10T02:30:00+00:00"
    assert row["routing_key"] == "report.TH-34.indicator"
    assert row["raw_body"] == '{"indicator": "X", "note": "ไทย"}'


def test_a_raw_body_that_is_not_utf8_is_still_listed(store):
    store.record_rejection(rejection("r-1", raw_body=b'{"note": "\xe0\xb8"}', event_id=None), [])
    row = store.rejections()[0]
    assert row["raw_body"].startswith('{"note": "') and row["event_id"] is None


def test_rejections_are_newest_first_and_filtered_by_province(store):
    store.record_rejection(rejection("r-1", "TH-34", "2024-04-10T01:00:00+00:00"), [])
    store.record_rejection(rejection("r-2", "TH-33", "2024-04-10T03:00:00+00:00"), [])
    store.record_rejection(rejection("r-3", "TH-34", "2024-04-10T02:00:00+00:00"), [])
    store.record_rejection(rejection("r-4", None, "2024-04-10T04:00:00+00:00", sender="guest"), [])
    assert [r["rejection_id"] for r in store.rejections()] == ["r-4", "r-2", "r-3", "r-1"]
    assert [r["rejection_id"] for r in store.rejections(["TH-34"])] == ["r-3", "r-1"]
    assert [r["rejection_id"] for r in store.rejections(["TH-34", "TH-33"])] == ["r-2", "r-3", "r-1"]
    assert store.rejections(["TH-37"]) == [] and store.rejections([]) == []
    assert [r["rejection_id"] for r in store.rejections(limit=2)] == ["r-4", "r-2"]


# --- durability --------------------------------------------------------------------------------

def test_everything_survives_a_restart(store, backend):
    store.save_plan(plan(3))
    report(store, EVENT_A, 1.0, EARLY)
    report(store, EVENT_B, 2.0, LATE)
    progress(store, EVENT_C, 50.0)
    store.save_indicator_view(PLAN_ID, "NE2-1.1", "FY2567-Q2", {"value": 2.0},
                              [("indicator_off_target", {"event_id": "off-1"})])
    store.record_rejection(rejection("r-1"), [rejected_event("r-1")])
    store = backend.reopen(store)
    assert store.get_plan(PLAN_ID)["version"] == 3
    assert values(store) == {"TH-34": 2.0} and store.count_reports() == 3
    assert [r["physical_progress_pct"] for r in store.project_progress(PLAN_ID)] == [50.0]
    assert store.indicator_views(PLAN_ID, "FY2567-Q2") == {"NE2-1.1": {"value": 2.0}}
    assert [r["rejection_id"] for r in store.rejections(["TH-34"])] == ["r-1"]
    assert {p["event_id"] for _, p in store.outbox.pending_events()} == {"off-1", "evt-r-1"}
    # and precedence and identity still hold against what was stored before the restart
    assert report(store, EVENT_A, 1.0, EARLY) == Recorded(False, False)
    assert report(store, EVENT_A, 3.0, EARLY).conflict is not None


def test_the_event_store_replays_into_the_same_reports_in_force(store):
    report(store, EVENT_A, 1.0, EARLY, province="TH-34")
    report(store, EVENT_B, 2.0, LATE, province="TH-34")
    report(store, EVENT_C, 5.0, EARLY, province="TH-33")
    before = values(store)
    stored = list(store.stored_reports())
    assert [r["event_id"] for r in stored] == [EVENT_A, EVENT_B, EVENT_C]
    # Streamed a page at a time (a replay of a million reports never holds them all): the
    # pages join up in the same order, none skipped or repeated.
    assert [r["event_id"] for r in store.stored_reports(page=2)] == [EVENT_A, EVENT_B, EVENT_C]
    store.reset_views()
    assert values(store) == {} and store.count_reports() == 3
    for r in reversed(stored):  # any order: the precedence rule decides
        store.replay_report(r["kind"], r["plan_id"], r["subject"], r["period"], r["province"],
                            r["event_id"], r["reported_at"], r["body"])
    assert values(store) == before == {"TH-34": 2.0, "TH-33": 5.0}


def test_meta_values_are_kept(store, backend):
    assert store.get_meta("views_version") is None
    store.set_meta("views_version", 3)
    store.set_meta("views_version", 4)
    assert backend.reopen(store).get_meta("views_version") == 4


def test_parked_messages_are_kept_once_with_their_body(store):
    parked = {"parked_id": "p1", "queue": "notify.on.reporting.report_rejected",
              "reason": "delivery_limit", "deliveries": 6, "routing_key": "report_rejected",
              "parked_at": "2024-04-10T02:30:00+00:00", "headers": {"x-death": [{"count": 6}]},
              "body": "{\"event_id\": \"ข้อความ\"}".encode("utf-8")}
    assert store.park(parked) is True
    assert store.park(parked) is False
    store.park({**parked, "parked_id": "p2", "parked_at": "2024-04-11T00:00:00+00:00",
                "body": b"\xff\xfe"})
    kept = store.parked()
    assert [p["parked_id"] for p in kept] == ["p2", "p1"]
    assert kept[1]["body"] == "{\"event_id\": \"ข้อความ\"}" and kept[1]["deliveries"] == 6
    assert kept[1]["headers"] == {"x-death": [{"count": 6}]}


def test_every_project_report_is_kept_for_the_problems_register(store):
    progress(store, EVENT_B, 60.0, LATE)
    progress(store, EVENT_A, 40.0, EARLY)            # superseded, but still history
    progress(store, EVENT_C, 10.0, EARLY, province="TH-33")
    history = store.project_reports(PLAN_ID)
    assert history[-1]["event_id"] == EVENT_B  # oldest first, by reported_at
    assert {r["event_id"] for r in history} == {EVENT_A, EVENT_B, EVENT_C}
    assert all(r["problems"] == "ฝนตกหนัก" for r in history)
    assert store.project_reports("other-plan") == []


def test_an_indicators_views_are_listed_by_period(store):
    store.save_indicator_view(PLAN_ID, "NE2-1.1", "FY2567-Q1", {"value": 1.0}, [])
    store.save_indicator_view(PLAN_ID, "NE2-1.1", "FY2567-Q2", {"value": 2.0}, [])
    store.save_indicator_view(PLAN_ID, "NE2-2.1", "FY2567-Q2", {"value": 9.0}, [])
    assert store.indicator_series(PLAN_ID, "NE2-1.1") == {"FY2567-Q1": {"value": 1.0},
                                                           "FY2567-Q2": {"value": 2.0}}
    assert store.indicator_series(PLAN_ID, "NE2-9.9") == {}


def test_what_each_project_produced_is_counted_once_per_asset(store):
    store.record_project_asset(PLAN_ID, "NE2-67-001", "A-1", 1000.0)
    store.record_project_asset(PLAN_ID, "NE2-67-001", "A-2", 250.5)
    store.record_project_asset(PLAN_ID, "NE2-67-001", "A-1", 1000.0)   # a redelivery
    store.record_project_asset(PLAN_ID, "NE2-67-002", "B-1", 10.0)
    store.record_project_asset("other-plan", "X-1", "C-1", 5.0)
    assert store.project_assets(PLAN_ID) == {"NE2-67-001": {"count": 2, "value_thb": 1250.5},
                                             "NE2-67-002": {"count": 1, "value_thb": 10.0}}


def test_counts_for_monitoring(store):
    report(store, EVENT_A, 1.0)
    store.record_rejection(rejection("r-1"), [rejected_event("r-1")])
    assert store.counts() == {"reports": 1, "rejections": 1, "parked_waiting": 0}


def test_a_sqlite_store_made_before_thai_reasons_gets_the_column_and_keeps_its_rejections(tmp_path):
    import sqlite3

    from services.reporting.store import SqliteReportingStore
    path = tmp_path / "reporting.sqlite3"
    SqliteReportingStore(path).record_rejection(rejection("r-old"), [])
    with sqlite3.connect(path) as conn:  # as a store made before the column was added
        conn.execute("ALTER TABLE rejections DROP COLUMN reason_th")
    store = SqliteReportingStore(path)
    assert [(r["rejection_id"], r["reason_th"]) for r in store.rejections(None)] == [("r-old", None)]
    store.record_rejection({**rejection("r-new"), "reason_th": "ล่วงหน้า"}, [])
    assert {r["rejection_id"]: r["reason_th"] for r in store.rejections(None)}["r-new"] == "ล่วงหน้า"


def test_a_sqlite_store_keyed_by_event_id_alone_is_rekeyed_by_sender_and_keeps_its_reports(tmp_path):
    import sqlite3

    from services.reporting.store import SqliteReportingStore
    path = tmp_path / "reporting.sqlite3"
    old = SqliteReportingStore(path)
    report(old, EVENT_A, 1.0, EARLY, province="TH-33")
    report(old, EVENT_B, 2.0, LATE, province="TH-34")
    old.close()
    with sqlite3.connect(path) as conn:  # as a store made when event_id alone was the key
        conn.executescript(
            "ALTER TABLE reports RENAME TO r; DROP INDEX IF EXISTS reports_by_receipt;"
            "CREATE TABLE reports (event_id TEXT PRIMARY KEY, kind TEXT NOT NULL, plan_id TEXT"
            " NOT NULL, subject TEXT NOT NULL, period TEXT NOT NULL, province TEXT NOT NULL,"
            " reported_at TEXT NOT NULL, received_at TEXT NOT NULL, sender TEXT NOT NULL,"
            " body TEXT NOT NULL); CREATE INDEX reports_by_received ON reports"
            " (received_at, event_id); INSERT INTO reports SELECT event_id, kind, plan_id, subject,"
            " period, province, reported_at, received_at, sender, body FROM r; DROP TABLE r;")
    store = SqliteReportingStore(path)
    assert store.count_reports() == 2 and values(store) == {"TH-33": 1.0, "TH-34": 2.0}
    later = "2024-04-10T02:31:00.000000Z"  # TH-33's id, now TH-34's own too
    assert report(store, EVENT_A, 5.0, later, province="TH-34") == Recorded(True, True)
    assert values(store) == {"TH-33": 1.0, "TH-34": 5.0}
    indexes = {r["name"] for r in store.db.query("PRAGMA index_list(reports)")}
    assert "reports_by_receipt" in indexes and "reports_by_received" not in indexes
    store.close()
    assert SqliteReportingStore(path).count_reports() == 3  # opened again: nothing to redo


def test_a_mongo_store_with_reports_keyed_by_event_id_alone_is_rekeyed_by_sender():
    mongomock = pytest.importorskip("mongomock")
    from services.reporting.store import MongoReportingStore
    db = mongomock.MongoClient(tz_aware=True)["reporting_rekey"]
    body = {"event_id": EVENT_A, "province": "TH-33", "indicator": "NE2-1.1",
            "period": "FY2567-Q2", "value": 1.0, "reported_at": EARLY}
    db.reports.insert_one({"_id": EVENT_A, "kind": "indicator", "plan_id": PLAN_ID,
                           "subject": "NE2-1.1", "period": "FY2567-Q2", "province": "TH-33",
                           "reported_at": EARLY, "received_at": "2024-04-10T02:30:01+00:00",
                           "sender": "TH-33", "body": body})
    store = MongoReportingStore(db)
    assert [r["event_id"] for r in store.stored_reports()] == [EVENT_A]
    assert db.reports.find_one({"_id": EVENT_A}) is None
    assert report(store, EVENT_A, 1.0, EARLY, province="TH-33").new is False
    assert report(store, EVENT_A, 7.0, EARLY, province="TH-34") == Recorded(True, True)


# --- values flagged to check -------------------------------------------------------------------

def flag(flag_id, province="TH-34", flagged_at="2024-04-10T02:30:00+00:00", **changes):
    return {"flag_id": flag_id, "plan_id": PLAN_ID, "indicator": "NE2-1.1", "period": "FY2567-Q2",
            "province": province, "event_id": EVENT_A, "value": 900.0,
            "basis": {"basis": "own_history", "median": 41.5, "reference": [40.0, 43.0, 41.5],
                      "score": 310.2, "threshold": 3.5},
            "flagged_at": flagged_at, "status": "to_check", **changes}


def test_a_flag_is_kept_once_with_its_event_and_survives_a_restart(store, backend):
    assert store.record_flag(flag("f-1"), [("report_flagged", {"event_id": "evt-f-1"})]) is True
    assert store.record_flag(flag("f-1"), [("report_flagged", {"event_id": "evt-f-1"})]) is False
    store = backend.reopen(store)
    kept = store.get_flag("f-1")
    assert kept["basis"]["reference"] == [40.0, 43.0, 41.5] and kept["status"] == "to_check"
    assert kept["reviewed_by"] is None
    assert [p["event_id"] for _, p in store.outbox.pending_events()] == ["evt-f-1"]
    assert store.get_flag("nope") is None


def test_flags_are_listed_newest_first_by_status_and_province(store):
    store.record_flag(flag("f-1", flagged_at="2024-04-10T01:00:00+00:00"), [])
    store.record_flag(flag("f-2", province="TH-33", flagged_at="2024-04-10T03:00:00+00:00"), [])
    store.record_flag(flag("f-3", flagged_at="2024-04-10T02:00:00+00:00", plan_id="other"), [])
    assert [f["flag_id"] for f in store.flags(PLAN_ID)] == ["f-2", "f-1"]
    assert [f["flag_id"] for f in store.flags(PLAN_ID, provinces=["TH-34"])] == ["f-1"]
    assert store.review_flag("f-1", "checked", "osm:ne2", "2024-04-11T00:00:00+00:00",
                             "ตรวจแล้ว ถูกต้อง", [("x", {"event_id": "evt-review"})]) is True
    assert [f["flag_id"] for f in store.flags(PLAN_ID, status="to_check")] == ["f-2"]
    reviewed = store.get_flag("f-1")
    assert (reviewed["status"], reviewed["reviewed_by"], reviewed["review_note"]) == \
        ("checked", "osm:ne2", "ตรวจแล้ว ถูกต้อง")
    assert store.review_flag("nope", "checked", "osm:ne2", "2024-04-11T00:00:00+00:00", None,
                             []) is False


# --- taking sample reports out again (clusterctl sample remove) -------------------------------

def test_reports_are_deleted_by_their_senders_identity_with_their_rejections_and_flags(store):
    report(store, EVENT_A, 1.0)                                    # TH-34's: to delete
    report(store, EVENT_B, 2.0, province="TH-33")                   # kept
    store.record_report("indicator", PLAN_ID, "NE2-1.1", "FY2567-Q2", "TH-35", EVENT_A, EARLY,
                        {"event_id": EVENT_A, "province": "TH-35", "indicator": "NE2-1.1",
                         "period": "FY2567-Q2", "value": 5.0, "reported_at": EARLY}, "TH-35")
    progress(store, EVENT_C, 40.0)                                  # to delete
    store.record_rejection(rejection("r-1", event_id=EVENT_C), [])  # TH-34's, to delete
    store.record_rejection(rejection("r-2", province="TH-33", event_id=EVENT_C), [])  # kept
    store.record_flag(flag("f-1"), [])                              # of EVENT_A: to delete
    store.record_flag(flag("f-2", plan_id="other"), [])             # another plan's: kept
    store.record_project_asset(PLAN_ID, "NE2-67-001", "A-1", 1000.0)
    store.record_project_asset(PLAN_ID, "NE2-67-001", "A-2", 10.0)

    taken = store.delete_reports(PLAN_ID, [("TH-34", EVENT_A), ("TH-34", EVENT_C)])
    assert taken == {"reports": 2, "rejections": 1, "flags": 1}
    assert store.delete_project_assets(["A-1", "nope"]) == 1
    assert {(r["sender"], r["event_id"]) for r in store.stored_reports()} == \
        {("TH-33", EVENT_B), ("TH-35", EVENT_A)}
    assert [r["rejection_id"] for r in store.rejections()] == ["r-2"]
    assert store.flags(PLAN_ID) == [] and len(store.flags("other")) == 1
    assert store.project_assets(PLAN_ID) == {"NE2-67-001": {"count": 1, "value_thb": 10.0}}
    assert store.delete_reports(PLAN_ID, [("TH-34", EVENT_A)]) == \
        {"reports": 0, "rejections": 0, "flags": 0}


# --- reports the gateway sent (its own route; contracts/reports.py) ---------------------------

PERSON = {"username": "somchai", "name": "สมชาย ใจดี", "via": "cluster-planning-gateway"}


def test_a_gateway_report_keeps_its_person_beside_its_body(store):
    store.save_plan(plan())
    store.record_report("indicator", PLAN_ID, "NE2-1.1", "FY2567-Q2", "TH-34", EVENT_A, EARLY,
                        {"event_id": EVENT_A, "province": "TH-34", "value": 3.0}, "TH-34", PERSON)
    report(store, EVENT_B, 4.0, LATE, province="TH-35")
    rows = {r["province"]: r for r in store.reports_of(PLAN_ID, {})}
    assert rows["TH-34"]["reported_by"] == PERSON and "reported_by" not in rows["TH-34"]["body"]
    assert rows["TH-35"]["reported_by"] is None  # sent by the province's own system


def test_a_gateway_report_s_rejection_shows_its_person(store):
    store.record_rejection(rejection("r-1", envelope={"content_type": None, "message_id": None,
                                                      "reported_by": PERSON}), [])
    store.record_rejection(rejection("r-2"), [])
    rows = {r["rejection_id"]: r for r in store.rejections(["TH-34"])}
    assert rows["r-1"]["reported_by"] == PERSON and rows["r-2"]["reported_by"] is None


# --- the internal mark (issue 26): kept in the body, in force with its report ------------------

def test_a_report_marked_internal_is_kept_with_its_mark_in_force_and_in_the_event_store(store):
    marked = {"event_id": EVENT_A, "province": "TH-34", "indicator": "NE2-1.1",
              "period": "FY2567-Q2", "value": 5.0, "reported_at": EARLY, "internal": True}
    store.record_report("indicator", PLAN_ID, "NE2-1.1", "FY2567-Q2", "TH-34", EVENT_A, EARLY,
                        marked, "TH-34")
    report(store, EVENT_B, 7.0, province="TH-33")  # not marked: no internal in its body
    progress(store, EVENT_C, 40.0)
    kept = {r["province"]: r for r in store.reports_of(PLAN_ID, {"kind": "indicator"})}
    assert kept["TH-34"]["body"]["internal"] is True and kept["TH-34"]["in_force"]
    assert "internal" not in kept["TH-33"]["body"]
    assert store.internal_in_force(PLAN_ID, "indicator") == {("NE2-1.1", "FY2567-Q2", "TH-34")}
    assert store.internal_in_force(PLAN_ID, "project") == set()
    assert [row["event_id"] for row in store.stored_reports() if row["body"].get("internal")] \
        == [EVENT_A]


def test_the_mark_goes_with_the_report_a_later_one_supersedes(store):
    marked = {"event_id": EVENT_A, "province": "TH-34", "project": "NE2-67-001",
              "as_of": "2024-03-31", "physical_progress_pct": 40.0, "disbursed_thb": 1000.0,
              "procurement_stage": "in_progress", "reported_at": EARLY, "internal": True}
    store.record_report("project", PLAN_ID, "NE2-67-001", "", "TH-34", EVENT_A, EARLY, marked,
                        "TH-34")
    assert store.project_progress(PLAN_ID)[0]["internal"] is True
    assert store.internal_in_force(PLAN_ID, "project") == {("NE2-67-001", "", "TH-34")}
    progress(store, EVENT_B, 50.0, reported_at=LATE)  # the province's next report, unmarked
    assert "internal" not in store.project_progress(PLAN_ID)[0]
    assert store.internal_in_force(PLAN_ID, "project") == set()
    # the first report stays kept as it was, mark and all
    first = next(r for r in store.reports_of(PLAN_ID, {"kind": "project"})
                 if r["event_id"] == EVENT_A)
    assert first["body"]["internal"] is True and not first["in_force"]

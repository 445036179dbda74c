"""Contract of re-driving a kept rejection (store/redrives.py, redrive.py) on every backend: a report
refused by an approved period's lock is kept with its envelope, judged again once the period is
reopened - as its original sender, as it came - and taken; the rejection then says so, once. A
message still wrong stays rejected and nothing is kept; another province's is not the asker's."""
import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from services.contracts.errors import RedriveError
from services.infra.messaging import RawMessage
from services.reporting import handlers
from services.reporting.redrive import redrive
from tests.contract import test_approvals_store as approvals
from tests.contract.test_approvals_store import APPROVER, PERIOD, PLAN, PLANNER, PROVINCE, step

ADMIN = {"role": "admin"}
OSM = {"role": "osm", "scope": PLAN["cluster"], "person": "ประยุทธ (prayut)", "duty": "osm_analyst"}

store = approvals.store  # the reporting store with the sample plan, on every backend


def message(value, event_id=None, content_type="application/json", message_id="same", day=20):
    event_id = event_id or str(uuid.uuid4())
    body = {"event_id": event_id, "province": PROVINCE, "indicator": "NE2-1.1", "period": PERIOD,
            "value": value, "reported_at": datetime(2025, 4, day, 9, tzinfo=timezone(
                timedelta(hours=7))).isoformat()}
    return RawMessage(json.dumps(body).encode(), f"report.{PROVINCE}.indicator", PROVINCE,
                      event_id if message_id == "same" else message_id, content_type, False)


def value_in_force(store):
    results = handlers.indicator_results(store, PLAN["id"], PERIOD)["results"]
    return next(r for r in results if r["indicator"] == "NE2-1.1")["provinces"].get(PROVINCE)


def test_a_report_refused_by_the_lock_is_taken_when_redriven_after_the_reopening(store):
    assert handlers.handle_intake(store, message(10, day=2)) == "accepted"
    step(store, "submit", PLANNER)
    step(store, "approve", APPROVER)
    assert handlers.handle_intake(store, message(11)) == "rejected"
    [kept] = store.rejections([PROVINCE])
    assert kept["redriven_at"] is None and "envelope" not in kept
    with pytest.raises(RedriveError) as locked:  # still approved: the lock's reason again
        redrive(store, kept["rejection_id"], PLANNER)
    assert locked.value.status == 409 and locked.value.code == "still_rejected"
    assert "approved on" in locked.value.en and "เปิดงวดใหม่" in locked.value.th
    assert store.rejections([PROVINCE])[0]["redriven_at"] is None  # nothing changed
    step(store, "reopen", APPROVER, "ตัวเลขต้องแก้")
    done = redrive(store, kept["rejection_id"], PLANNER, [PROVINCE], [],
                   now=datetime(2026, 12, 6, tzinfo=timezone.utc))
    assert done["outcome"] == "accepted" and value_in_force(store) == 11
    [listed] = store.rejections([PROVINCE])
    assert (listed["redriven_at"][:10], listed["redrive_outcome"], listed["redriven_by"]) == \
        ("2026-12-06", "accepted", "กัญญา (kanya) · province:TH-34")
    assert "envelope" not in done and done["rejection_id"] == kept["rejection_id"]
    with pytest.raises(RedriveError) as twice:
        redrive(store, kept["rejection_id"], PLANNER)
    assert (twice.value.status, twice.value.code) == (409, "already_redriven")


def test_a_message_is_judged_as_it_came_its_envelope_included(store):
    # a good body under a wrong content type stays refused: re-driving is not a way round a rule
    assert handlers.handle_intake(store, message(5, content_type="text/plain")) == "rejected"
    wrong_id = message(6, message_id=str(uuid.uuid4()))
    assert handlers.handle_intake(store, wrong_id) == "rejected"
    for kept in store.rejections([PROVINCE]):
        with pytest.raises(RedriveError) as again:
            redrive(store, kept["rejection_id"], ADMIN)
        assert again.value.code == "still_rejected"
    assert value_in_force(store) is None and len(store.rejections([PROVINCE])) == 2


def test_the_report_kept_meanwhile_is_a_duplicate_and_scope_and_unknown_are_refused(store):
    step(store, "submit", PLANNER)
    step(store, "approve", APPROVER)
    late = message(12)
    handlers.handle_intake(store, late)
    [kept] = store.rejections([PROVINCE])
    with pytest.raises(RedriveError) as other:
        redrive(store, kept["rejection_id"], OSM, provinces=["TH-33"], agencies=[])
    assert other.value.status == 403
    with pytest.raises(RedriveError) as unknown:
        redrive(store, "no-such-rejection", ADMIN)
    assert unknown.value.status == 404
    step(store, "reopen", APPROVER, "แก้ไข")
    assert handlers.handle_intake(store, late) == "accepted"  # the province sent it itself
    assert redrive(store, kept["rejection_id"], PLANNER)["outcome"] == "duplicate"


def test_reporting_judges_who_may_redrive_whatever_scope_it_is_sent(store):
    step(store, "submit", PLANNER)
    step(store, "approve", APPROVER)
    handlers.handle_intake(store, message(12))
    [kept] = store.rejections([PROVINCE])
    step(store, "reopen", APPROVER, "แก้ไข")
    # the approver certifies and sends no reports; another province's planner, sent the scope
    # "all" (as a gateway in error would), is still another province's
    for asker in (APPROVER, {**PLANNER, "scope": "TH-33"}, {"role": "agency", "scope": "DOH"}):
        with pytest.raises(RedriveError) as refused:
            redrive(store, kept["rejection_id"], asker, None, None)
        assert refused.value.status == 403
    assert store.get_rejection(kept["rejection_id"])["redriven_at"] is None
    assert redrive(store, kept["rejection_id"], PLANNER, None, None)["outcome"] == "accepted"


def test_a_redrive_that_loses_to_a_concurrent_one_answers_already_redriven(store, monkeypatch):
    step(store, "submit", PLANNER)
    step(store, "approve", APPROVER)
    handlers.handle_intake(store, message(12))
    [kept] = store.rejections([PROVINCE])
    step(store, "reopen", APPROVER, "แก้ไข")
    as_read = store.get_rejection(kept["rejection_id"])  # what this re-drive read at its start
    assert store.mark_redriven(kept["rejection_id"], "2026-12-05T00:00:00+00:00", "accepted",
                               "ประยุทธ (prayut)")  # the other re-drive, done meanwhile
    reads = iter([as_read])
    monkeypatch.setattr(store, "get_rejection",
                        lambda rejection_id, get=store.get_rejection: next(reads, None)
                        or get(rejection_id))
    with pytest.raises(RedriveError) as lost:
        redrive(store, kept["rejection_id"], PLANNER)
    assert (lost.value.status, lost.value.code) == (409, "already_redriven")
    assert store.get_rejection(kept["rejection_id"])["redriven_by"] == "ประยุทธ (prayut)"


def test_a_rejection_kept_before_envelopes_cannot_be_judged_as_it_came(store):
    store.record_rejection({"rejection_id": "old-1", "province": PROVINCE, "sender": PROVINCE,
                            "event_id": None, "kind": "indicator", "reason": "old",
                            "received_at": "2024-04-10T02:30:00+00:00",
                            "routing_key": f"report.{PROVINCE}.indicator",
                            "raw_body": b"{}"}, [])
    assert store.get_rejection("old-1")["envelope"] is None
    with pytest.raises(RedriveError) as old:
        redrive(store, "old-1", ADMIN)
    assert old.value.code == "not_redrivable"
    assert store.get_rejection("nothing") is None
    assert store.mark_redriven("old-1", "2026-12-06T00:00:00+00:00", "accepted", "x") is True
    assert store.mark_redriven("old-1", "2026-12-07T00:00:00+00:00", "accepted", "y") is False
    assert store.get_rejection("old-1")["redriven_by"] == "x"


def test_a_sqlite_store_made_before_redrives_gets_the_columns_and_keeps_its_rejections(tmp_path):
    import sqlite3

    from services.reporting.store import SqliteReportingStore
    path = tmp_path / "reporting.sqlite3"
    SqliteReportingStore(path).record_rejection(
        {"rejection_id": "r-old", "province": PROVINCE, "sender": PROVINCE, "event_id": None,
         "kind": "indicator", "reason": "old", "received_at": "2024-04-10T02:30:00+00:00",
         "routing_key": f"report.{PROVINCE}.indicator", "raw_body": b"{}"}, [])
    with sqlite3.connect(path) as conn:  # as a store made before the columns were added
        for column in ("envelope", "redriven_at", "redrive_outcome", "redriven_by"):
            conn.execute(f"ALTER TABLE rejections DROP COLUMN {column}")
    reopened = SqliteReportingStore(path)
    [old] = reopened.rejections(None)
    assert (old["rejection_id"], old["redriven_at"]) == ("r-old", None)
    assert reopened.get_rejection("r-old")["envelope"] is None
    assert reopened.mark_redriven("r-old", "2026-12-06T00:00:00+00:00", "accepted", "x")


def test_a_gateway_sent_report_refused_by_the_lock_is_redriven_with_its_person(store):
    from services.contracts.reports import GATEWAY_USER, reported_by_headers
    step(store, "submit", PLANNER)
    step(store, "approve", APPROVER)
    own = message(13)
    sent = RawMessage(own.body, f"gateway.report.{PROVINCE}.indicator", GATEWAY_USER,
                      own.message_id, own.content_type, False,
                      reported_by_headers("kanya", "กัญญา"))
    assert handlers.handle_intake(store, sent) == "rejected"
    [kept] = store.rejections([PROVINCE])  # the province's rejection, naming the person
    assert kept["sender"] == GATEWAY_USER and kept["reported_by"]["username"] == "kanya"
    step(store, "reopen", APPROVER, "ตัวเลขต้องแก้")
    done = redrive(store, kept["rejection_id"], PLANNER, [PROVINCE], [],
                   now=datetime(2026, 12, 6, tzinfo=timezone.utc))
    assert done["outcome"] == "accepted" and value_in_force(store) == 13
    [report] = handlers.reports_of(store, PLAN["id"], PROVINCE)["reports"]
    assert report["sender"] == PROVINCE  # kept as the province's own
    assert report["reported_by"] == {"username": "kanya", "name": "กัญญา", "via": GATEWAY_USER}

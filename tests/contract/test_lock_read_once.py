"""The intake reads a province's approvals (the lock) and extensions (the window) once per
transaction on SQLite, not once per report (store/approvals.py ``_documents_once``): what it
keeps must never hide a step or an extension. On every backend: a step, an extension or the due
days written inside the transaction are seen at once by the next read, and a batch of reports of
an approved province is refused whole while another province's reports in the same batch are
kept."""
import json
import uuid
from datetime import timedelta

from services.infra.messaging import RawMessage
from services.reporting import handlers
from tests.contract import test_approvals_store as approvals
from tests.contract.test_approvals_store import (APPROVER, PERIOD, PLAN, PLANNER, PROVINCE,
                                                 report, step)

store = approvals.store  # the reporting store with the sample plan, on every backend


def message(body) -> RawMessage:
    return RawMessage(body=json.dumps(body).encode(),
                      routing_key=f"report.{body['province']}.indicator",
                      user_id=body["province"], message_id=body["event_id"],
                      content_type="application/json", redelivered=False)


def states(store):
    return [a["state"] for a in store.approvals(PLAN["id"], provinces=[PROVINCE])]


def test_a_step_taken_inside_the_transaction_is_read_at_once(store):
    with store.atomic():
        assert states(store) == []  # read (and on SQLite kept) before the steps
        step(store, "submit", PLANNER)
        assert states(store) == ["submitted"]
        step(store, "approve", APPROVER)
        assert states(store) == ["approved"]
        assert handlers.handle_intake(store, message(report(12))) == "rejected"
        step(store, "reopen", APPROVER, "แก้ไขตัวเลข")
        assert handlers.handle_intake(store, message(report(13))) == "accepted"


def test_an_extension_saved_inside_the_transaction_is_read_at_once(store):
    extension = {"plan_id": PLAN["id"], "period": PERIOD, "province": PROVINCE,
                 "until": "2099-01-01", "reason": "ทดสอบ", "by": "admin", "at": "2025-01-01"}
    with store.atomic():
        assert store.extensions(PLAN["id"], [PROVINCE]) == []
        store.save_extension(extension)
        assert store.extensions(PLAN["id"], [PROVINCE]) == [extension]
        store.save_extension({**extension, "until": "2099-02-01"})
        assert [e["until"] for e in store.extensions(PLAN["id"], [PROVINCE])] == ["2099-02-01"]


def test_a_batch_of_an_approved_province_is_refused_whole_and_others_kept(store):
    step(store, "submit", PLANNER)
    step(store, "approve", APPROVER)
    locked = [report(n, day=2 + n) for n in range(5)]
    other = [report(n, province="TH-33", day=2 + n) for n in range(5)]
    mixed = [body for pair in zip(locked, other) for body in pair]
    assert handlers.handle_intake_batch(store, [message(b) for b in mixed]) == []
    refused = {r["event_id"] for r in store.rejections([PROVINCE])}
    assert refused == {b["event_id"] for b in locked}
    assert not store.rejections(["TH-33"])
    assert store.count_reports() == len(other)


def test_the_lock_is_read_once_per_province_in_a_batch_on_sqlite(store, backend):
    if backend.name != "sqlite":  # no transaction to keep a read in: read per report, as ever
        return
    reads = []
    real_query = store.db.query

    def counting(sql, params=()):
        if "approval_steps" in sql:
            reads.append(tuple(params))
        return real_query(sql, params)
    store.db.query = counting
    bodies = [report(n, day=2 + n % 20, event_id=str(uuid.uuid4())) for n in range(40)] + \
        [report(n, province="TH-33", day=2 + n % 20) for n in range(40)]
    assert handlers.handle_intake_batch(store, [message(b) for b in bodies]) == []
    assert sorted(reads) == sorted([(PLAN["id"], PROVINCE), (PLAN["id"], "TH-33")])
    assert handlers.handle_intake(store, message(report(7))) == "accepted"
    assert len(reads) == 3  # a transaction of its own: read again
    store.db.query = real_query


def test_the_window_sees_due_days_and_an_extension_set_inside_the_transaction(backend):
    """The window's due days (meta) and extensions, read once per transaction on SQLite, are
    read again once the transaction changes them."""
    from tests.contract import test_reporting_window as windowed
    store = backend.open("reporting")
    store.save_plan(json.loads(json.dumps(windowed.PLAN)))
    late = windowed.LAST_DAY + timedelta(days=3)  # three days after the window closed
    with store.atomic():
        assert windowed.send(store, windowed.report(1), late) == "rejected"
        store.set_meta(handlers.DUE_DAYS, 20)  # five more days: the window closes later
        assert windowed.send(store, windowed.report(2), late) == "accepted"
        store.set_meta(handlers.DUE_DAYS, 15)
        assert windowed.send(store, windowed.report(3), late) == "rejected"
        windowed.grant(store, "2025-06-30", now=late)
        assert windowed.send(store, windowed.report(4), late) == "accepted"

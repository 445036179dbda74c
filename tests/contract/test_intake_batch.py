"""Reports that arrive together are stored in one transaction; a fault in one of them (not bad
input: that is a rejection) undoes the batch, and then only that one is retried."""
import json
import uuid

from services.infra.messaging import RawMessage
from services.reporting import handlers
from tests.support.plans import published_sample_plan


def message(province="TH-34", value=1.0, period="FY2568-Q1", indicator="NE2-1.1") -> RawMessage:
    event_id = str(uuid.uuid4())
    body = {"event_id": event_id, "province": province, "indicator": indicator, "period": period,
            "value": value, "reported_at": "2025-01-10T09:00:00+07:00"}
    return RawMessage(json.dumps(body).encode(), f"report.{province}.indicator", province,
                      event_id, "application/json", False)


def stored(store) -> set[str]:
    return {r["event_id"] for r in store.stored_reports()}


def test_a_batch_stores_every_report_and_keeps_every_rejection(reporting_with_sample_plan):
    store = reporting_with_sample_plan
    good = [message("TH-34"), message("TH-33"), message("TH-35", period="FY2568-Q2")]
    bad = message("TH-37", indicator="NO-SUCH")
    assert handlers.handle_intake_batch(store, [good[0], bad, *good[1:]]) == []
    assert stored(store) == {m.message_id for m in good}
    assert [r["event_id"] for r in store.rejections(None, 10)] == [bad.message_id]


def test_a_fault_in_one_report_retries_that_one_alone(reporting_with_sample_plan, monkeypatch):
    store = reporting_with_sample_plan
    batch = [message("TH-34"), message("TH-33"), message("TH-35")]
    faulty = batch[1].message_id
    record = store.record_report

    def failing(*args, **kwargs):  # a fault (a bug, a full disk) on one report only
        if faulty in args:
            raise OSError("disk I/O error")
        return record(*args, **kwargs)
    monkeypatch.setattr(store, "record_report", failing)
    assert handlers.handle_intake_batch(store, batch) == [1]
    assert stored(store) == {batch[0].message_id, batch[2].message_id}


def report(province, value, at, indicator="NE2-1.1", period="FY2568-Q1", event_id=None):
    event_id = event_id or str(uuid.uuid4())
    body = {"event_id": event_id, "province": province, "indicator": indicator, "period": period,
            "value": value, "reported_at": at}
    return RawMessage(json.dumps(body).encode(), f"report.{province}.indicator", province,
                      event_id, "application/json", False)


def outcome(store):
    """What a user sees of the intake: the views, the values in force, the facts to be told."""
    plan_id = published_sample_plan()["id"]
    views = {period: store.indicator_views(plan_id, period) for period in ("FY2568-Q1", "FY2568-Q2")}
    facts = sorted(({k: v for k, v in payload.items() if k != "occurred_at"}
                    for kind, payload in store.outbox.pending_events()), key=lambda f: f["event_id"])
    return views, facts


def test_a_batch_has_the_effects_of_its_reports_one_at_a_time(backend, tmp_path):
    """Views are written once per key at the end of a batch, but every report is still judged
    on the view right after it: the same views and the same off-target facts as one by one."""
    import copy

    from tests.contract.conftest import Backend
    one_by_one = backend.open("reporting")
    other = Backend(backend.name, tmp_path / "batched")
    (tmp_path / "batched").mkdir()
    try:
        batched = other.open("reporting")
        for store in (one_by_one, batched):
            store.save_plan(copy.deepcopy(published_sample_plan()))
        again = report("TH-33", 9000.0, "2025-01-10T11:00:00+07:00")
        reports = [
            report("TH-34", 60000.0, "2025-01-10T09:00:00+07:00"),  # on the quarter's pace
            report("TH-33", 1.0, "2025-01-10T09:00:00+07:00"),  # now off target
            report("TH-35", 2.0, "2025-01-10T09:00:00+07:00", period="FY2568-Q2"),
            report("TH-34", 5.0, "2025-01-10T10:00:00+07:00"),  # a correction: off target
            report("TH-34", 70000.0, "2025-01-10T08:00:00+07:00"),  # older than the one in force
            again,
            report("TH-37", 200000.0, "2025-01-10T09:00:00+07:00"),  # back on target
            report("TH-33", None, "2025-01-10T12:00:00+07:00"),  # a retraction
            again,  # redelivered
            report("TH-35", 3.0, "2025-01-10T09:00:00+07:00", indicator="NE2-1.2"),
        ]
        for message in reports:
            handlers.handle_intake(one_by_one, message)
        assert handlers.handle_intake_batch(batched, reports) == []
        views, facts = outcome(batched)
        assert (views, facts) == outcome(one_by_one)
        assert views["FY2568-Q1"]["NE2-1.1"]["provinces"] == {"TH-34": 5.0, "TH-37": 200000.0}
        assert len(facts) >= 2  # off-target facts were judged inside the batch
    finally:
        other.cleanup()

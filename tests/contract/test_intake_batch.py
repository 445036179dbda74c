"""Reports that arrive together are stored in one transaction; a fault in one of them (not bad
input: that is a rejection) undoes the batch, and then only that one is retried."""
import json
import uuid

from services.infra.messaging import RawMessage
from services.reporting import handlers


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

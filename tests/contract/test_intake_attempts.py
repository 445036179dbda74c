"""The intake parks a report from its own record of the attempts it made, over both adapters: a
report whose handling raises is parked after five failures, one the process died on ten times is
parked too, and a redelivery alone - however often the broker counted it - parks nothing."""
import pytest

from services.infra.topology import INTAKE_QUEUE_NAME
from services.reporting import handlers

from .test_intake_batch import message, stored


def redelivered(msg):
    from dataclasses import replace
    return replace(msg, redelivered=True)


def test_a_report_redelivered_any_number_of_times_is_stored_not_parked(
        reporting_with_sample_plan):
    store = reporting_with_sample_plan
    report = redelivered(message("TH-34"))  # prefetched, then taken back by 20 crashes
    assert handlers.handle_intake_batch(store, [report, redelivered(message("TH-33"))]) == []
    assert report.message_id in stored(store) and store.parked() == []
    assert store.begin_attempt(handlers.attempt_key(report)) == (0, 0)  # its record is gone


def test_a_report_that_keeps_failing_is_retried_then_parked_and_the_others_flow(
        reporting_with_sample_plan, monkeypatch):
    store = reporting_with_sample_plan
    batch = [message("TH-34"), message("TH-33"), message("TH-35")]
    poison = batch[1].message_id
    record = store.record_report

    def failing(*args, **kwargs):  # a fault on one report only, every time
        if poison in args:
            raise OSError("disk I/O error")
        return record(*args, **kwargs)
    monkeypatch.setattr(store, "record_report", failing)
    assert handlers.handle_intake_batch(store, batch) == [1]  # attempt 1, in the batch's retry
    for attempt in range(2, handlers.FAILURE_LIMIT + 1):
        assert handlers.handle_intake_batch(store, [redelivered(batch[1])]) == [0], attempt
    assert store.parked() == []
    assert handlers.handle_intake_batch(store, [redelivered(batch[1])]) == []  # settled: parked
    [kept] = store.parked()
    assert (kept["queue"], kept["reason"], kept["deliveries"]) == (
        INTAKE_QUEUE_NAME, "failed_attempts", handlers.FAILURE_LIMIT)
    assert kept["properties"]["user_id"] == "TH-33"
    assert stored(store) == {batch[0].message_id, batch[2].message_id}


def test_a_report_the_process_died_on_again_and_again_is_parked(reporting_with_sample_plan):
    store = reporting_with_sample_plan
    killer, unlucky = redelivered(message("TH-34")), redelivered(message("TH-33"))
    for _ in range(handlers.UNFINISHED_LIMIT):  # begun, then the process died: no end noted
        store.begin_attempt(handlers.attempt_key(killer))
    for _ in range(handlers.UNFINISHED_LIMIT - 1):  # a kill from outside landed on it, often
        store.begin_attempt(handlers.attempt_key(unlucky))
    assert handlers.handle_intake_batch(store, [killer, unlucky]) == []
    [kept] = store.parked()
    assert (kept["reason"], kept["deliveries"]) == ("unfinished_attempts",
                                                    handlers.UNFINISHED_LIMIT)
    assert stored(store) == {unlucky.message_id}


def test_an_attempt_record_the_store_refuses_retries_without_parking(
        reporting_with_sample_plan, monkeypatch):
    store = reporting_with_sample_plan
    monkeypatch.setattr(handlers, "ATTEMPTS_DOWN_PAUSE_S", 0)

    def refused(key):
        raise OSError("database is locked")
    monkeypatch.setattr(store, "begin_attempt", refused)
    assert handlers.handle_intake_batch(store, [redelivered(message("TH-34"))]) == [0]
    assert store.parked() == []


@pytest.mark.parametrize("field", ["user_id", "message_id", "body"])
def test_the_attempt_key_tells_senders_ids_and_bodies_apart(field):
    from dataclasses import replace
    base = message("TH-34")
    other = {"user_id": "TH-33", "message_id": "x", "body": base.body + b" "}[field]
    assert handlers.attempt_key(base) != handlers.attempt_key(replace(base, **{field: other}))

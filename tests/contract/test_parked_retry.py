"""Parked messages re-driven after a fix (clusterctl parked retry), on every store backend."""
import json
import uuid

import pytest

from services.infra.messaging import RawMessage
from services.reporting import handlers
from tests.support.plans import published_sample_plan

PLAN = published_sample_plan()


@pytest.fixture
def store(reporting_with_sample_plan):
    return reporting_with_sample_plan


def parked(queue, body, user_id=None, routing_key="report.TH-34.indicator"):
    return RawMessage(body, routing_key, user_id, None, "application/json", True, {
        "x-death": [{"queue": queue, "reason": "delivery_limit", "count": 5}]})


def test_a_parked_report_is_processed_again_as_its_province_sent_it(store):
    report = {"event_id": str(uuid.uuid4()), "province": "TH-34", "indicator": "NE2-1.1",
              "period": "FY2567-Q2", "value": 5.0, "reported_at": "2024-04-01T09:00:00+07:00"}
    assert handlers.park(store, parked("reporting.intake", json.dumps(report).encode(), "TH-34"))
    [kept] = store.parked()
    assert kept["properties"]["user_id"] == "TH-34" and kept["retried_at"] is None
    result = handlers.retry_parked(store, kept["parked_id"], republish=None)
    assert result["outcome"] == "accepted"
    assert store.current_values(PLAN["id"], "NE2-1.1", "FY2567-Q2") == {"TH-34": 5.0}
    with pytest.raises(handlers.ParkedError, match="retried already"):
        handlers.retry_parked(store, kept["parked_id"], republish=None)
    with pytest.raises(handlers.ParkedError, match="no parked message"):
        handlers.retry_parked(store, "nope", republish=None)


def test_a_parked_gateway_report_is_processed_again_with_its_person(store):
    from services.contracts.reports import GATEWAY_USER, reported_by_headers
    report = {"event_id": str(uuid.uuid4()), "province": "TH-34", "indicator": "NE2-1.1",
              "period": "FY2567-Q2", "value": 6.0, "reported_at": "2024-04-01T09:00:00+07:00"}
    message = parked("reporting.intake", json.dumps(report).encode(), GATEWAY_USER,
                     "gateway.report.TH-34.indicator")
    message.headers.update(reported_by_headers("kanya", "กัญญา"))
    assert handlers.park(store, message)
    [kept] = store.parked()
    assert handlers.retry_parked(store, kept["parked_id"], republish=None)["outcome"] == "accepted"
    [row] = handlers.reports_of(store, PLAN["id"], "TH-34")["reports"]
    assert row["sender"] == "TH-34" and row["reported_by"]["username"] == "kanya"


def test_a_parked_event_goes_back_to_its_queue_and_if_it_dies_again_is_parked_anew(store):
    sent = []
    body = b'{"event_id": "e-1", "plan": {}}'
    handlers.park(store, parked("notify.on.plans.plan_published", body, routing_key="plan_published"))
    [kept] = store.parked()
    handlers.retry_parked(store, kept["parked_id"], lambda *a: sent.append(a))
    assert sent == [("notify.on.plans.plan_published", body, {"content_type": "application/json"})]
    # still poison: it dies again and is a new entry, the old one stays marked retried
    assert handlers.park(store, parked("notify.on.plans.plan_published", body,
                                       routing_key="plan_published"))
    entries = store.parked()
    assert len(entries) == 2 and sorted(bool(e["retried_at"]) for e in entries) == [False, True]

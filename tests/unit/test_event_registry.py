"""The event registry (services/contracts/events.py): every fact that crosses a service boundary
is registered with a version and a schema; producers dump through it, consumers load through it."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from services.contracts import events
from services.infra import topology
from tests.support.plans import published_sample_plan

NOW = datetime(2024, 4, 10, 3, 0, tzinfo=timezone.utc).isoformat()
ASSET = {"code": "A-1", "project": "NE2-67-001", "plan_id": "p", "cluster": "NE2",
         "category": "building", "description_th": "อาคาร", "description_en": "building",
         "quantity": 1, "unit": "unit", "total_value_thb": 1000.0, "custodian": "AG-1",
         "implementing_agency": "AG-1", "province": "TH-34"}
INDICATOR_RESULT = {"plan_id": "p", "cluster": "NE2", "indicator": "NE2-1.1",
                    "indicator_name_th": "ตัวชี้วัด", "indicator_name_en": "indicator",
                    "unit": "%", "period": "FY2567-Q1", "value": 5.0, "target": 10.0,
                    "direction": "increase", "achievement_pct": 50.0}
PLAN_CHANGE = {"plan_id": "p", "cluster": "NE2", "version": 2,
               "revision": {"version": 2, "at": NOW, "by": "osm", "reason": "r",
                            "approved_by": None}}
TRANSFER = {"asset": ASSET, "action": "request", "by": "AG-1", "reason": "", "documents": [],
            "from_agency": "AG-1", "to_agency": "AG-2", "due_by": None, "transfer_id": "t-1"}
# One valid payload per schema (without event_id / occurred_at, added below).
FLAG = {"flag_id": "f-1", "plan_id": "p", "cluster": "NE2", "indicator": "NE2-1.1",
        "indicator_name_th": "ก", "indicator_name_en": "a", "unit": "ไร่", "period": "FY2567-Q2",
        "province": "TH-34", "report_event_id": "e-1", "value": 900.0, "basis": "own_history",
        "median": 41.0, "reference": [40.0, 41.0, 42.0], "score": 300.0, "threshold": 3.5}
APPROVAL_STEP = {"plan_id": "p", "cluster": "NE2", "period": "FY2568-Q2", "province": "TH-34",
                 "step": "submit", "state": "submitted", "from_state": "open", "version": 1,
                 "at": "2025-04-20T09:00:00+07:00", "by": "กัญญา (kanya) · province:TH-34",
                 "notify": [{"name": "บุญมี", "email": "boonmee@example.org", "lang": "th"}]}
EXAMPLES = {
    events.PlanPublished: lambda: {"plan": published_sample_plan()},
    events.TargetRevised: lambda: {**PLAN_CHANGE, "indicator": {"code": "NE2-1.1"},
                                   "before": {"targets": {}}, "after": {"targets": {"2567": 1.0}}},
    events.ProjectChange: lambda: {**PLAN_CHANGE, "project": {"code": "NE2-67-001"},
                                   "changed_fields": ["budget_thb"]},
    events.ReportRejected: lambda: {"rejection_id": "r-1", "province": "TH-34", "sender": "TH-34",
                                    "report_event_id": None, "kind": "indicator",
                                    "reason": "bad", "received_at": NOW},
    events.IndicatorOffTarget: lambda: {**INDICATOR_RESULT, "reported": 1, "expected": 4,
                                        "province": "TH-34", "report_event_id": "e-1"},
    events.ReportDue: lambda: {"plan_id": "p", "cluster": "NE2", "province": "TH-34",
                               "period": "FY2567-Q1", "due_date": "2024-01-15",
                               "missing": ["NE2-1.1"], "expected": 1, "received": 0},
    events.IndicatorOffTargetAtClose: lambda: {**INDICATOR_RESULT, "due_date": "2024-01-15",
                                               "target_basis": "quarter",
                                               "provinces": {"TH-34": 5.0},
                                               "not_reported": ["TH-33"]},
    events.ProjectBehindSchedule: lambda: {"plan_id": "p", "cluster": "NE2",
                                           "project": {"code": "NE2-67-001"},
                                           "quarter": "FY2567-Q2", "as_of": "2024-02-01",
                                           "reasons": ["below_government_target"],
                                           "disbursed_thb": 0.0},
    events.ReportFlagged: lambda: dict(FLAG),
    events.CorrectionRequested: lambda: {**FLAG, "requested_by": "osm:NE2", "note": "โปรดตรวจสอบ"},
    events.TransferStep: lambda: dict(TRANSFER),
    events.AssetDisposed: lambda: {**TRANSFER, "action": "dispose", "to_agency": None,
                                   "transfer_id": None,
                                   "disposal": {"method": "auction", "decided_on": "2024-05-01",
                                                "committee_reference": "คำสั่ง 12/2567",
                                                "proceeds_thb": 35000.0, "recipient": None}},
    events.RemedyOverdue: lambda: {"plan_id": "p", "cluster": "NE2",
                                   "project": {"code": "NE2-67-001"}, "problem_id": "P-1",
                                   "province": "TH-34", "cause": "procurement",
                                   "cause_label_th": "การจัดซื้อจัดจ้าง",
                                   "cause_label_en": "Procurement", "severity": "high",
                                   "status": "open", "description": "ไม่มีผู้ยื่นซอง",
                                   "owner_agency": "AG-1", "action": "ประกาศใหม่",
                                   "due": "2024-04-30", "days_overdue": 3},
    events.AuditDue: lambda: {"asset": ASSET, "due_on": "2024-05-01", "overdue": False,
                              "custodian": "AG-1"},
    events.PeriodApproval: lambda: APPROVAL_STEP,
    events.PeriodApprovalWaiting: lambda: {**APPROVAL_STEP, "days_waiting": 8},
}


def example(kind) -> dict:
    schema = events.event_type(kind).schema
    return {"event_id": f"{kind[1]}-1", "occurred_at": NOW, **EXAMPLES[schema]()}


@pytest.mark.parametrize("kind", list(events.REGISTRY), ids=lambda k: f"{k[0]}.{k[1]}")
def test_every_registered_event_round_trips(kind):
    payload = example(kind)
    dumped = events.dump(kind, payload)
    assert dumped == {**payload, "event_version": events.event_type(kind).version}
    assert events.load(kind, dumped) == dumped
    assert events.outgoing(kind, payload) == (kind[1], dumped)


@pytest.mark.parametrize("kind", list(events.REGISTRY), ids=lambda k: f"{k[0]}.{k[1]}")
def test_every_event_is_described_in_english_and_thai(kind):
    event = events.event_type(kind)
    assert event.description_en and event.description_th and event.description_en != event.description_th
    assert event.source in topology.EVENT_SOURCES


def test_the_registry_covers_exactly_the_subscriptions():
    """No subscription without a schema, and no registered fact nobody consumes."""
    subscribed = {(s.source, s.event_type) for s in topology.SUBSCRIPTIONS}
    assert subscribed == set(events.REGISTRY)


def test_a_payload_without_a_version_is_version_1():
    payload = example(events.REPORT_REJECTED)
    assert "event_version" not in payload  # as events queued before versions existed
    assert events.load(events.REPORT_REJECTED, payload)["event_version"] == 1


def test_an_unknown_event_is_a_clear_error():
    with pytest.raises(events.EventError, match=r"unknown event \('plans', 'plan_deleted'\).*"
                                                r"plans\.plan_published"):
        events.dump(("plans", "plan_deleted"), {"event_id": "x"})
    with pytest.raises(events.EventError, match="unknown event name 'plan_deleted'"):
        events.named("plan_deleted")
    with pytest.raises(events.EventError, match="unknown event"):
        events.load(("reporting", "plan_published"), example(events.PLAN_PUBLISHED))


def test_a_payload_that_fails_its_schema_is_refused_with_where_and_what():
    bad = {**example(events.INDICATOR_OFF_TARGET), "value": "high"}
    del bad["province"]
    with pytest.raises(events.EventError) as raised:
        events.load(events.INDICATOR_OFF_TARGET, bad)
    message = str(raised.value)
    assert "reporting.indicator_off_target v1 event indicator_off_target-1" in message
    assert "province: Missing data for required field." in message
    assert "value: Not a valid number." in message
    # a ValueError: the consumer's handler fails, the delivery is handed back, then parked
    assert isinstance(raised.value, ValueError)
    with pytest.raises(events.EventError, match="producer bug"):
        events.dump(events.INDICATOR_OFF_TARGET, bad)


def test_a_version_newer_than_ours_or_not_a_number_is_refused():
    payload = example(events.AUDIT_DUE)
    with pytest.raises(events.EventError, match="is version 7; this service knows up to version 1"):
        events.load(events.AUDIT_DUE, {**payload, "event_version": 7})
    with pytest.raises(events.EventError, match="event_version '1' is not a version"):
        events.load(events.AUDIT_DUE, {**payload, "event_version": "1"})
    with pytest.raises(events.EventError, match="a payload is a JSON object, not list"):
        events.load(events.AUDIT_DUE, [payload])


def test_an_upcaster_brings_an_old_payload_to_the_current_version(monkeypatch):
    """The mechanism a breaking change uses: here a fake audit_due v2 renamed ``due_on`` to
    ``due_date``; events written as v1 (or before versions, without event_version) still load."""
    from marshmallow import fields

    class AuditDueV2(events.AuditDue):
        class Meta(events.AuditDue.Meta):
            exclude = ("due_on",)
        due_date = fields.String(required=True)

    def v1_to_v2(payload: dict) -> dict:
        payload["due_date"] = payload.pop("due_on")
        return payload

    old = example(events.AUDIT_DUE)  # no event_version: a v1 payload from a store or a queue
    v2 = events.EventType(events.AUDIT_DUE, AuditDueV2, "audit due", "ครบกำหนดตรวจนับ",
                          version=2, upcasters={1: v1_to_v2})
    monkeypatch.setitem(events.REGISTRY, events.AUDIT_DUE, v2)
    loaded = events.load(events.AUDIT_DUE, old)
    assert loaded["event_version"] == 2 and loaded["due_date"] == "2024-05-01"
    assert "due_on" not in loaded and old["due_on"] == "2024-05-01"  # the input is not changed
    assert events.load(events.AUDIT_DUE, {**old, "event_version": 1}) == loaded
    assert events.dump(events.AUDIT_DUE, loaded)["event_version"] == 2


def test_a_new_version_without_its_upcasters_is_refused_at_import():
    with pytest.raises(ValueError, match=r"v3 has no upcaster from version\(s\) \[2\]"):
        events.build_registry(events.EventType(events.AUDIT_DUE, events.AuditDue, "a", "ก",
                                          version=3, upcasters={1: dict}))
    with pytest.raises(ValueError, match="registered twice"):
        events.build_registry(*[events.EventType(events.AUDIT_DUE, events.AuditDue, "a", "ก")] * 2)


def test_producers_queue_versioned_events():
    """What the producers put in their outboxes went through ``dump``."""
    from services.plans.domain import plan_published_event
    from services.reporting.domain import rejected_event
    name, payload = plan_published_event(published_sample_plan())
    assert name == "plan_published" and payload["event_version"] == 1
    name, payload = rejected_event({"rejection_id": "r-1", "received_at": NOW, "province": None,
                                    "sender": "guest", "event_id": None, "kind": None,
                                    "reason": "no user_id"})
    assert name == "report_rejected" and payload["event_version"] == 1

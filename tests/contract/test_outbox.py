"""Contract of the outbox verbs that the plans, reporting and assets stores share
(services/infra/outbox.py), run on every backend: an event stored with a state change is relayed
until the broker confirms it, and never queued twice."""
import pytest

from services.assets.store import DuplicateAsset
from services.plans.store import ConcurrentUpdate


def change_plans(store, n, events):
    plan = {"id": f"plan-{n}", "version": 1, "cluster": "northeast-lower-2", "provinces": ["TH-34"]}
    store.put_plan(plan, None, events)


def change_reporting(store, n, events):
    store.save_indicator_view("plan", "NE2-1.1", f"FY2567-Q{n}", {"value": float(n)}, events)


def change_assets(store, n, events):
    store.register({"code": f"A-{n}", "project": "NE2-67-001", "version": 1}, events)


CHANGES = {"plans": change_plans, "reporting": change_reporting, "assets": change_assets}


@pytest.fixture(params=sorted(CHANGES))
def outbox(request, backend):
    """(store, change): ``change(store, n, events)`` makes the n-th state change with its events."""
    return backend.open(request.param), CHANGES[request.param]


def event(event_id, **payload):
    return ("something_happened", {"event_id": event_id, **payload})


def pending_ids(store):
    return [p["event_id"] for _, p in store.outbox.pending_events()]


def test_nothing_is_pending_at_first(outbox):
    store, _ = outbox
    assert store.outbox.pending_events() == []


def test_events_of_a_state_change_are_pending_with_their_type_and_payload(outbox):
    store, change = outbox
    payload = {"event_id": "e-1", "name_th": "อุบลราชธานี", "value": 12.5, "nested": {"a": [1, None]}}
    change(store, 1, [("plan_published", payload), event("e-2")])
    assert sorted(store.outbox.pending_events(), key=lambda e: e[1]["event_id"]) == [
        ("plan_published", payload), event("e-2")]


def test_events_are_pending_in_the_order_they_were_queued(outbox):
    store, change = outbox
    change(store, 1, [event("e-3")])
    change(store, 2, [event("e-2")])
    change(store, 3, [event("e-1")])
    assert pending_ids(store) == ["e-3", "e-2", "e-1"]
    assert [p["event_id"] for _, p in store.outbox.pending_events(limit=2)] == ["e-3", "e-2"]


def test_an_event_queued_twice_is_pending_once(outbox):
    store, change = outbox
    change(store, 1, [event("e-1", first=True)])
    change(store, 2, [event("e-1", first=False)])  # e.g. a redelivered message redoes its work
    assert store.outbox.pending_events() == [event("e-1", first=True)]


def test_a_published_event_is_no_longer_pending_and_stays_published(outbox):
    store, change = outbox
    change(store, 1, [event("e-1"), event("e-2")])
    store.outbox.mark_published("e-1")
    assert pending_ids(store) == ["e-2"]
    change(store, 2, [event("e-1")])  # queued again after it was relayed: not relayed again
    assert pending_ids(store) == ["e-2"]
    store.outbox.mark_published("e-1")  # a second confirmation is harmless
    store.outbox.mark_published("no-such-event")
    assert pending_ids(store) == ["e-2"]


def test_a_failed_publication_keeps_the_event_pending(outbox):
    store, change = outbox
    change(store, 1, [event("e-1")])
    for _ in range(3):
        store.outbox.note_publish_failure("e-1", "broker unavailable: " + "x" * 2000)
    store.outbox.note_publish_failure("no-such-event", "unroutable")
    assert pending_ids(store) == ["e-1"]
    store.outbox.mark_published("e-1")
    assert store.outbox.pending_events() == []


def test_a_refused_state_change_queues_no_event(backend):
    plans = backend.open("plans")
    change_plans(plans, 1, [])
    with pytest.raises(ConcurrentUpdate):
        change_plans(plans, 1, [event("e-1")])
    assets = backend.open("assets")
    change_assets(assets, 1, [])
    with pytest.raises(DuplicateAsset):
        change_assets(assets, 1, [event("e-1")])
    assert plans.outbox.pending_events() == [] and assets.outbox.pending_events() == []


def test_pending_events_survive_a_restart(outbox, backend):
    store, change = outbox
    change(store, 1, [event("e-1"), event("e-2")])
    store.outbox.mark_published("e-1")
    store = backend.reopen(store)
    assert pending_ids(store) == ["e-2"]


def unroutable_dispatch(sent: list, unroutable: set):
    """A broker on which the events in ``unroutable`` are bound to no queue."""
    from nameko.amqp.publish import UndeliverableMessage

    def dispatch(event_type, payload):
        if payload["event_id"] in unroutable:
            raise UndeliverableMessage()
        sent.append(payload["event_id"])
    return dispatch


def test_unroutable_events_neither_block_the_others_nor_vanish(outbox):
    """A full batch of events routed nowhere used to be the whole batch on every pass: the
    events behind it were never sent. Now they are held (kept, listed, counted) and the rest
    flows; once their hold is over they are tried again."""
    from services.infra.outbox import UNROUTABLE_HOLD_S, now_iso, relay
    store, change = outbox
    stuck = {f"u-{n}" for n in range(5)}
    change(store, 1, [event(f"u-{n}") for n in range(5)])
    change(store, 2, [event("e-1"), event("e-2")])
    sent = []
    relay(store.outbox, unroutable_dispatch(sent, stuck), limit=5)
    assert sent == ["e-1", "e-2"]
    assert pending_ids(store) == []  # the held ones are not in the way of the next events
    held = store.outbox.held_events()
    assert {h["event_id"] for h in held} == stuck and store.outbox.count_held() == 5
    assert all(h["attempts"] == 1 and "unroutable" in h["last_error"] for h in held)
    later = now_iso(UNROUTABLE_HOLD_S + 1)
    assert sorted(p["event_id"] for _, p in store.outbox.pending_events(now=later)) == sorted(stuck)
    for event_id in stuck:  # the binding is fixed and they go out
        store.outbox.mark_published(event_id)
    assert store.outbox.held_events() == [] and store.outbox.count_held() == 0

"""A crash between a state write and its events' write (step 16: "MongoDB writes state and outbox
atomically"), over every backend: the events of a state that was kept are never lost, and a state
that was not kept (a conflict, a sheet taken back) never announces anything.

The crash is injected as the outbox insert raising. SQLite writes both in one transaction; the
Mongo adapter carries the events in the state's own document (services/infra/outbox.py,
MongoOutbox) and the relay's next pass moves them once their grace is over."""
import pytest

from services.assets.store import DuplicateAsset
from services.infra.outbox import CARRIED_GRACE_S, now_iso


class Crash(Exception):
    """The process died here."""


def crash_at_outbox_insert(store) -> None:
    """The store's next outbox write raises, as a process killed just before it."""
    def crash(*args, **kwargs):
        raise Crash()
    store.outbox.add = crash


def pending_after_the_grace(store) -> list[str]:
    later = now_iso(CARRIED_GRACE_S + 1)
    return sorted(p["event_id"] for _, p in store.outbox.pending_events(now=later))


def plan(version: int, status: str = "published") -> dict:
    return {"id": "plan-1", "version": version, "status": status, "cluster": "northeast-lower-2",
            "provinces": ["TH-34"]}


def asset(code: str, version: int = 1) -> dict:
    return {"code": code, "project": "NE2-67-001", "version": version}


def facts(*ids):
    return [("something_happened", {"event_id": event_id}) for event_id in ids]


def kept_or_absent(backend, store, read, ids) -> None:
    """After the crash and a restart: the state is kept with every event, or neither is."""
    store = backend.reopen(store)
    if read(store) is None:
        assert pending_after_the_grace(store) == []
    else:
        assert pending_after_the_grace(store) == sorted(ids)


def test_a_new_plan_keeps_its_events_through_a_crash(backend):
    store = backend.open("plans")
    crash_at_outbox_insert(store)
    with pytest.raises(Crash):
        store.put_plan(plan(1), None, facts("p-1", "p-2"))
    kept_or_absent(backend, store, lambda s: s.get_plan("plan-1"), ["p-1", "p-2"])


def test_a_plan_revision_keeps_target_revised_and_project_events_through_a_crash(backend):
    """Only plan_published was queued again (hourly): a revision's other events were lost."""
    store = backend.open("plans")
    store.put_plan(plan(1), None, facts("p-1"))
    crash_at_outbox_insert(store)
    with pytest.raises(Crash):
        store.put_plan(plan(2), 1, facts("target_revised-2", "project_added-2"))
    store = backend.reopen(store)
    revised = store.get_plan("plan-1")["version"] == 2  # SQLite: the revision rolled back
    assert pending_after_the_grace(store) == (
        ["p-1", "project_added-2", "target_revised-2"] if revised else ["p-1"])


def test_an_asset_step_keeps_its_events_through_a_crash(backend):
    """The latest step's events were queued again, but not an earlier step's."""
    store = backend.open("assets")
    store.register(asset("A-1"), facts("registered"))
    crash_at_outbox_insert(store)
    with pytest.raises(Crash):
        store.update(asset("A-1", 2), 1, facts("requested", "mail-to-osm"))
    store = backend.reopen(store)
    stepped = store.get("A-1")["version"] == 2  # SQLite: the step rolled back
    store.update(asset("A-1", 3), 2 if stepped else 1, facts("approved"))  # a later step first
    assert pending_after_the_grace(store) == (
        ["approved", "mail-to-osm", "registered", "requested"] if stepped
        else ["approved", "registered"])


def test_a_new_asset_keeps_its_events_through_a_crash(backend):
    store = backend.open("assets")
    crash_at_outbox_insert(store)
    with pytest.raises(Crash):
        store.register(asset("A-1"), facts("registered"))
    kept_or_absent(backend, store, lambda s: s.get("A-1"), ["registered"])


def test_a_sheet_taken_back_never_shows_its_events_to_a_relay(backend):
    """A relay running while the sheet was being inserted published events of assets the
    sheet then took back (a code further down was taken)."""
    store = backend.open("assets")
    store.register(asset("A-3"), facts("A-3-registered"))
    relay_view = backend.open("assets")  # another worker's relay, reading what is committed
    seen = set()
    real_add = store.outbox.add

    def add_and_let_a_relay_look(*args, **kwargs):
        real_add(*args, **kwargs)
        seen.update(p["event_id"] for _, p in relay_view.outbox.pending_events())
    store.outbox.add = add_and_let_a_relay_look
    with pytest.raises(DuplicateAsset):
        store.register_many([(asset("A-1"), facts("A-1-registered")),
                             (asset("A-2"), facts("A-2-registered")),
                             (asset("A-3"), facts("A-3-again"))])
    assert seen <= {"A-3-registered"}
    assert store.get("A-1") is None and store.get("A-2") is None
    assert pending_after_the_grace(relay_view) == ["A-3-registered"]

"""RECORD_EFFECTS (the fault suite's setting): a row each time a report reaches the views, kept
with the intake's writes, so a report applied twice would show as two "new" rows; a
redelivery of a stored report shows as a row that is not new (no second effect)."""
from services.reporting import handlers
from services.reporting.store import SqliteReportingStore

from .test_intake_batch import message


def effects(store) -> list[tuple[str, bool]]:
    if isinstance(store, SqliteReportingStore):
        if not store.db.query("SELECT 1 FROM sqlite_master WHERE name = 'view_effects'"):
            return []
        rows = store.db.query("SELECT event_id, new FROM view_effects ORDER BY rowid")
        return [(r["event_id"], bool(r["new"])) for r in rows]
    return [(d["event_id"], d["new"]) for d in store.db.view_effects.find().sort("at", 1)]


def test_a_redelivered_report_is_noted_again_but_not_as_new(reporting_with_sample_plan):
    store = reporting_with_sample_plan
    store.record_effects()
    first, second = message("TH-34"), message("TH-33")
    handlers.handle_intake_batch(store, [first, second])
    handlers.handle_intake_batch(store, [first])  # the broker hands it back after a crash
    assert effects(store) == [(first.message_id, True), (second.message_id, True),
                              (first.message_id, False)]


def test_nothing_is_noted_unless_asked(reporting_with_sample_plan):
    store = reporting_with_sample_plan
    handlers.handle_intake_batch(store, [message("TH-34")])
    assert effects(store) == []  # production stores get no table and no rows

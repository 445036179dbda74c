"""Transactional outbox: events are stored with the state change that caused them and relayed
to the broker until the broker confirms them (DESIGN 2, "state change and event publication must
not be able to diverge"). Consumers de-duplicate on ``event_id``, so relaying twice is harmless.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone

from nameko.amqp.publish import UndeliverableMessage

from .sqlite import dumps, loads

log = logging.getLogger(__name__)

OUTBOX_SQL = """
CREATE TABLE IF NOT EXISTS outbox (
    event_id     TEXT PRIMARY KEY,
    event_type   TEXT NOT NULL,
    payload      TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    published_at TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (created_at) WHERE published_at IS NULL;
"""


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


class RelayGate:
    """One relay at a time per outbox: a caller that finds one running asks it to make one more
    pass (``again``) instead of publishing the same rows a second time."""

    def __init__(self):
        self.lock = threading.Lock()
        self.again = False


def relay(outbox, dispatch, limit: int = 500) -> int:
    """Publish ``outbox``'s pending events in creation order; returns how many the broker
    confirmed. ``outbox``: a SqliteOutbox or MongoOutbox (a store's ``outbox``)."""
    gate = outbox.gate
    if not gate.lock.acquire(blocking=False):
        gate.again = True
        return 0
    try:
        sent = 0
        while True:
            gate.again = False
            batch = outbox.pending_events(limit)
            published, broker_down = _publish(outbox, dispatch, batch)
            sent += published
            more = gate.again or len(batch) == limit
            if broker_down or not published or not more:
                return sent
    finally:
        gate.lock.release()


def _publish(store, dispatch, batch) -> tuple[int, bool]:
    published = 0
    for event_type, payload in batch:
        try:
            dispatch(event_type, payload)
        except UndeliverableMessage:
            # Bound to no queue (should not happen: the topology is declared at start-up). Kept,
            # visible with its error, and it does not hold up the events behind it.
            log.error("event %s %s routed to no queue; kept in the outbox", event_type,
                      payload.get("event_id"))
            store.note_publish_failure(payload["event_id"], "unroutable: no queue bound")
            continue
        except Exception as exc:  # broker unavailable: keep it, retry on the next pass
            log.warning("publishing %s failed (%s); kept in the outbox", event_type, exc)
            store.note_publish_failure(payload["event_id"], str(exc))
            return published, True
        store.mark_published(payload["event_id"])
        published += 1
    return published, False


class SqliteOutbox:
    """The outbox of a SQLite store (table ``outbox`` from OUTBOX_SQL in the store's database):
    the store adds events inside its own transaction (``add``); the relay reads and settles."""

    def __init__(self, db, gate: RelayGate | None = None):
        self.db = db  # the store's SqliteDatabase
        self.gate = gate or RelayGate()

    def add(self, conn, events) -> None:
        """Queue events on ``conn``, inside the caller's transaction."""
        for event_type, payload in events:
            conn.execute("INSERT OR IGNORE INTO outbox (event_id, event_type, payload, created_at)"
                         " VALUES (?, ?, ?, ?)",
                         (payload["event_id"], event_type, dumps(payload), now_iso()))

    def pending_events(self, limit: int = 500):
        rows = self.db.query("SELECT event_type, payload FROM outbox WHERE published_at IS NULL"
                             " ORDER BY created_at, event_id LIMIT ?", (limit,))
        return [(r["event_type"], loads(r["payload"])) for r in rows]

    def mark_published(self, event_id: str) -> None:
        with self.db.transaction() as conn:
            conn.execute("UPDATE outbox SET published_at = ? WHERE event_id = ?",
                         (now_iso(), event_id))

    def note_publish_failure(self, event_id: str, error: str) -> None:
        with self.db.transaction() as conn:
            conn.execute("UPDATE outbox SET attempts = attempts + 1, last_error = ?"
                         " WHERE event_id = ?", (error[:500], event_id))


class MongoOutbox:
    """The outbox of a Mongo store (collection ``outbox`` of the store's database).

    Without multi-document transactions, the outbox entry is written *before* the state change,
    with an id derived from the triggering message; the whole step is idempotent and the message
    is acked only after both, so a crash in between is repaired by the redelivery.
    """

    def __init__(self, db, gate: RelayGate | None = None):
        self.db = db
        self.gate = gate or RelayGate()
        self.db.outbox.create_index([("published_at", 1), ("created_at", 1)])

    def add(self, events) -> None:
        from pymongo.errors import DuplicateKeyError
        for event_type, payload in events:
            try:
                self.db.outbox.insert_one({"_id": payload["event_id"], "event_type": event_type,
                                           "payload": payload, "created_at": now_iso(),
                                           "published_at": None, "attempts": 0})
            except DuplicateKeyError:
                pass

    def pending_events(self, limit: int = 500):
        cursor = self.db.outbox.find({"published_at": None}).sort(
            [("created_at", 1), ("_id", 1)]).limit(limit)
        return [(d["event_type"], d["payload"]) for d in cursor]

    def mark_published(self, event_id: str) -> None:
        self.db.outbox.update_one({"_id": event_id}, {"$set": {"published_at": now_iso()}})

    def note_publish_failure(self, event_id: str, error: str) -> None:
        self.db.outbox.update_one({"_id": event_id}, {"$inc": {"attempts": 1},
                                                       "$set": {"last_error": error[:500]}})

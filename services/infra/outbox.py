"""Transactional outbox: events are stored with the state change that caused them and relayed
to the broker until the broker confirms them (DESIGN 2, "state change and event publication must
not be able to diverge"). Consumers de-duplicate on ``event_id``, so relaying twice is harmless.

An event the broker routes to no queue (a binding missing, a topology not declared) is held:
kept with its error, alarmed (an error in the log, ``cluster_outbox_unroutable_total``, and
``cluster_outbox_held_events`` while it waits), and tried again after ``UNROUTABLE_HOLD_S`` -
never dropped, and never in the way of the events behind it (docs/architecture.md, "Bounded
retries").
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone

from nameko.amqp.publish import UndeliverableMessage

from .event_publisher import BrokerBlocked
from .metrics import OUTBOX_HELD, OUTBOX_UNROUTABLE
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
    last_error   TEXT,
    held_until   TEXT    -- unroutable: not tried again before this time
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (created_at) WHERE published_at IS NULL;
"""


UNROUTABLE_HOLD_S = 300  # the operator's time to fix a binding before the event is tried again
CARRIED_GRACE_S = 60  # MongoDB: events left in a state document this long were left by a crash


def now_iso(after_s: float = 0) -> str:
    return (datetime.now(timezone.utc) + timedelta(seconds=after_s)).isoformat()


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
            # Every event of the batch is now published or held (out of the next batch), unless
            # the broker is down: a full batch means there may be more behind it.
            if broker_down or not (gate.again or len(batch) == limit):
                return sent
    finally:
        OUTBOX_HELD.set(outbox.count_held())
        gate.lock.release()


def _publish(store, dispatch, batch) -> tuple[int, bool]:
    published = 0
    for event_type, payload in batch:
        try:
            dispatch(event_type, payload)
        except UndeliverableMessage:
            # Bound to no queue (should not happen: the topology is declared at start-up). Kept,
            # visible with its error, and held so it does not hold up the events behind it.
            log.error("event %s %s routed to no queue; kept in the outbox and tried again in "
                      "%d s (cluster_outbox_held_events)", event_type, payload.get("event_id"),
                      UNROUTABLE_HOLD_S)
            OUTBOX_UNROUTABLE.inc()
            store.hold(payload["event_id"], "unroutable: no queue bound", UNROUTABLE_HOLD_S)
            continue
        except BrokerBlocked as exc:  # a resource alarm (logged once, as it began): wait
            store.note_publish_failure(payload["event_id"], str(exc))
            return published, True
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
        columns = {r["name"] for r in self.db.query("PRAGMA table_info(outbox)")}
        if "held_until" not in columns:  # an outbox made before events were held
            with self.db.transaction() as conn:
                conn.execute("ALTER TABLE outbox ADD COLUMN held_until TEXT")

    def add(self, conn, events) -> None:
        """Queue events on ``conn``, inside the caller's transaction."""
        for event_type, payload in events:
            conn.execute("INSERT OR IGNORE INTO outbox (event_id, event_type, payload, created_at)"
                         " VALUES (?, ?, ?, ?)",
                         (payload["event_id"], event_type, dumps(payload), now_iso()))

    def pending_events(self, limit: int = 500, now: str | None = None):
        """Not yet published, oldest first; an event held (unroutable) only once its time is up."""
        rows = self.db.query("SELECT event_type, payload FROM outbox WHERE published_at IS NULL"
                             " AND (held_until IS NULL OR held_until <= ?)"
                             " ORDER BY created_at, event_id LIMIT ?", (now or now_iso(), limit))
        return [(r["event_type"], loads(r["payload"])) for r in rows]

    def held_events(self, limit: int = 500) -> list[dict]:
        """Events held because the broker routed them nowhere, for an operator."""
        rows = self.db.query("SELECT event_id, event_type, attempts, last_error, held_until"
                             " FROM outbox WHERE published_at IS NULL AND held_until IS NOT NULL"
                             " ORDER BY created_at, event_id LIMIT ?", (limit,))
        return [dict(r) for r in rows]

    def count_held(self) -> int:
        return self.db.query("SELECT COUNT(*) AS n FROM outbox WHERE published_at IS NULL"
                             " AND held_until IS NOT NULL")[0]["n"]

    def hold(self, event_id: str, error: str, for_s: float) -> None:
        with self.db.transaction() as conn:
            conn.execute("UPDATE outbox SET attempts = attempts + 1, last_error = ?,"
                         " held_until = ? WHERE event_id = ?",
                         (error[:500], now_iso(for_s), event_id))

    def mark_published(self, event_id: str) -> None:
        with self.db.transaction() as conn:
            conn.execute("UPDATE outbox SET published_at = ?, held_until = NULL WHERE event_id = ?",
                         (now_iso(), event_id))

    def note_publish_failure(self, event_id: str, error: str) -> None:
        with self.db.transaction() as conn:
            conn.execute("UPDATE outbox SET attempts = attempts + 1, last_error = ?"
                         " WHERE event_id = ?", (error[:500], event_id))


class MongoOutbox:
    """The outbox of a Mongo store (collection ``outbox`` of the store's database).

    Without multi-document transactions, a state change and its events are written together by
    *carrying* the events in the state's own document (``carried_events``, one single-document
    write, atomic on every MongoDB), then moved into the outbox (``settle``: insert by
    ``event_id``, then ``$pull`` them from the document). A crash in between leaves them in the
    document, and the relay's next pass moves them (``sweep``) once ``carried_due`` has passed:
    no event is lost, and none exists without its state (docs/architecture.md, "MongoDB: state
    and events in one write"). Moving twice is harmless: the outbox key is the ``event_id``.
    """

    def __init__(self, db, gate: RelayGate | None = None, carriers: tuple[str, ...] = ()):
        self.db = db
        self.gate = gate or RelayGate()
        self.carriers = carriers  # collections whose documents may carry events
        self.db.outbox.create_index([("published_at", 1), ("created_at", 1)])
        for name in carriers:
            self.db[name].create_index("carried_due", sparse=True)

    @staticmethod
    def carried(events, due_after_s: float = CARRIED_GRACE_S) -> dict:
        """The fields that carry ``events`` in a state document written now (``$set`` them with
        an insert, or ``$push`` ``carried_events`` / ``$set`` ``carried_due`` with an update)."""
        return {"carried_events": [{"event_type": t, "payload": p} for t, p in events],
                "carried_due": now_iso(due_after_s)}

    def carry_update(self, events, due_after_s: float = CARRIED_GRACE_S) -> dict:
        """An update document's parts that carry ``events``: merge into ``$push``/``$set``."""
        fields = self.carried(events, due_after_s)
        return {"$push": {"carried_events": {"$each": fields["carried_events"]}},
                "$set": {"carried_due": fields["carried_due"]}}

    def settle(self, collection: str, doc_id, events) -> None:
        """The state write is done: its events into the outbox, then out of the document."""
        self.add(events)
        ids = [payload["event_id"] for _, payload in events]
        self.db[collection].update_one({"_id": doc_id}, {
            "$pull": {"carried_events": {"payload.event_id": {"$in": ids}}}})
        # out of the sweep's index once it carries nothing (another write may have added some)
        self.db[collection].update_one({"_id": doc_id, "carried_events": {"$size": 0}},
                                       {"$unset": {"carried_events": "", "carried_due": ""}})

    def sweep(self, now: str | None = None) -> int:
        """Move the events a crash left in state documents (their grace over) into the
        outbox; returns how many documents held some."""
        moved = 0
        for name in self.carriers:
            stranded = {"carried_due": {"$lte": now or now_iso()}, "carried_events.0": {"$exists": True}}
            for doc in self.db[name].find(stranded, {"carried_events": 1}):
                events = [(e["event_type"], e["payload"]) for e in doc["carried_events"]]
                log.warning("%d event(s) of %s %s were left out of the outbox by a crash; "
                            "queued now", len(events), name, doc["_id"])
                self.settle(name, doc["_id"], events)
                moved += 1
        return moved

    def add(self, events) -> None:
        from pymongo.errors import DuplicateKeyError
        for event_type, payload in events:
            try:
                self.db.outbox.insert_one({"_id": payload["event_id"], "event_type": event_type,
                                           "payload": payload, "created_at": now_iso(),
                                           "published_at": None, "attempts": 0})
            except DuplicateKeyError:
                pass

    def pending_events(self, limit: int = 500, now: str | None = None):
        """Not yet published, oldest first; an event held (unroutable) only once its time is up."""
        self.sweep(now)
        due = {"published_at": None, "$or": [{"held_until": None},
                                             {"held_until": {"$lte": now or now_iso()}}]}
        cursor = self.db.outbox.find(due).sort([("created_at", 1), ("_id", 1)]).limit(limit)
        return [(d["event_type"], d["payload"]) for d in cursor]

    HELD = {"published_at": None, "held_until": {"$ne": None}}

    def held_events(self, limit: int = 500) -> list[dict]:
        """Events held because the broker routed them nowhere, for an operator."""
        cursor = self.db.outbox.find(self.HELD).sort([("created_at", 1), ("_id", 1)]).limit(limit)
        return [{"event_id": d["_id"], "event_type": d["event_type"], "attempts": d["attempts"],
                 "last_error": d.get("last_error"), "held_until": d["held_until"]} for d in cursor]

    def count_held(self) -> int:
        return self.db.outbox.count_documents(self.HELD)

    def hold(self, event_id: str, error: str, for_s: float) -> None:
        self.db.outbox.update_one({"_id": event_id}, {
            "$inc": {"attempts": 1},
            "$set": {"last_error": error[:500], "held_until": now_iso(for_s)}})

    def mark_published(self, event_id: str) -> None:
        self.db.outbox.update_one({"_id": event_id}, {"$set": {"published_at": now_iso(),
                                                               "held_until": None}})

    def note_publish_failure(self, event_id: str, error: str) -> None:
        self.db.outbox.update_one({"_id": event_id}, {"$inc": {"attempts": 1},
                                                       "$set": {"last_error": error[:500]}})

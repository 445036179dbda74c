"""What a fault could double, counted per fact where the effect shows - not in the event store,
whose key makes a second row impossible (a "duplicated 0" read there says nothing):

- **view applications**: reporting, started with ``RECORD_EFFECTS=1``, keeps a row each time
  a report reaches the views, in the intake's own transaction (store ``view_effects``). A row
  marked new is the report taking effect; one not new is a copy or a redelivery of a report
  stored before (the view written again from the store: no second effect).
- **events published**: ``EventTap``, a queue of the harness bound to every events exchange,
  sees each event the services' relays published. Grouped by fact (an off-target fact is its
  report's, a flag its flag's...): two event_ids for one fact is a doubled fact; the same
  event_id twice is a re-send, which DESIGN ("at-least-once everywhere, consumers key on
  event_id") allows and whose effect downstream - the mail - is counted too.
- **mails**: the SMTP sink's files by Message-ID (stable per fact, template and recipient),
  grouped by the fact notify's store says each one announces.

A fact is duplicated when any of its effects happened more than once.
"""
from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from pathlib import Path

import pika

from tests.support.system import wait_until

TAP_QUEUE = "effects-tap"  # outside the retry policy's pattern (topology.retry_policy): never parked
EVENT_SOURCES = ("plans", "reporting", "assets", "notify")


def read_only(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    conn.row_factory = sqlite3.Row
    return conn


class EventTap:
    """A quorum queue (a confirmed event survives a broker crash in it too) bound with ``#`` to
    every ``<source>.events`` exchange; ``drain`` takes what arrived and keeps the count."""

    def __init__(self, amqp_url: str, username: str, password: str):
        self.params = pika.URLParameters(amqp_url)
        self.params.credentials = pika.PlainCredentials(username, password)
        self.copies: Counter = Counter()  # event_id -> messages seen
        self.events_of: dict[tuple, set] = defaultdict(set)  # fact -> its event_ids
        self.unreadable = 0

    def _channel(self):
        connection = pika.BlockingConnection(self.params)
        return connection, connection.channel()

    def declare(self) -> None:
        connection, channel = self._channel()
        try:
            channel.queue_declare(TAP_QUEUE, durable=True, arguments={"x-queue-type": "quorum"})
            for source in EVENT_SOURCES:
                channel.queue_bind(TAP_QUEUE, f"{source}.events", "#")
        finally:
            connection.close()

    def drain(self) -> None:
        connection, channel = self._channel()
        try:
            while True:
                method, _properties, body = channel.basic_get(TAP_QUEUE)
                if method is None:
                    return
                self.count(method.routing_key, body)
                channel.basic_ack(method.delivery_tag)
        finally:
            connection.close()

    def count(self, routing_key: str, body: bytes) -> None:
        try:
            payload = json.loads(body)
            event_id = payload["event_id"]
        except (ValueError, KeyError, TypeError):
            self.unreadable += 1  # a poison message a test sent on purpose
            return
        self.copies[event_id] += 1
        self.events_of[fact_of(routing_key, payload)].add(event_id)


def fact_of(routing_key: str, payload: dict) -> tuple:
    """What an event announces, independent of its event_id: the report it is about (with its
    province: another province may use the same event_id), else its flag or rejection."""
    if payload.get("report_event_id"):
        return routing_key, payload.get("province"), payload["report_event_id"]
    for field in ("flag_id", "rejection_id"):
        if payload.get(field):
            return routing_key, field, payload[field]
    return routing_key, "event_id", payload["event_id"]


def view_effects(reporting_db: Path, event_ids: set[str]) -> tuple[Counter, Counter]:
    """(times each report took effect, times it came again after it was stored)."""
    applied, repeated = Counter(), Counter()
    with read_only(reporting_db) as conn:
        for row in conn.execute("SELECT event_id, new FROM view_effects"):
            if row["event_id"] in event_ids:
                (applied if row["new"] else repeated)[row["event_id"]] += 1
    return applied, repeated


def outbox_pending(db: Path) -> int:
    with read_only(db) as conn:
        return conn.execute("SELECT COUNT(*) FROM outbox WHERE published_at IS NULL").fetchone()[0]


def tap_settled(system, timeout: float = 120) -> EventTap:
    """Every event reporting stored has been relayed, and the tap has read it."""
    wait_until(lambda: outbox_pending(system.data_dir / "reporting.sqlite3") == 0,
               timeout=timeout, interval=0.5, what="reporting's outbox relayed")
    system.tap.drain()
    return system.tap


def events_per_fact(tap: EventTap, sent: list[dict], fact_ids: set[str]) -> dict:
    """The case's facts on the bus: those about its reports, and the facts it expects."""
    reports = {(r["province"], r["event_id"]) for r in sent}
    mine = {fact: ids for fact, ids in tap.events_of.items()
            if (fact[1], fact[2]) in reports or ids & fact_ids}
    seen = set().union(*mine.values()) if mine else set()
    return {"facts": len(mine), "events": sum(tap.copies[e] for e in seen),
            "doubled": {f for f, ids in mine.items() if len(ids) > 1},
            "resent": sum(1 for e in seen if tap.copies[e] > 1),
            "missing": fact_ids - seen}


def mails_per_fact(system, fact_ids: set[str]) -> dict:
    """Each fact's mails at the SMTP server, by the Message-IDs notify gave them."""
    at_server = system.sink.message_ids()
    rows = [m for m in system.queued_mails() if m["event_id"] in fact_ids]
    doubled = {m["event_id"] for m in rows if at_server[m["message_id"]] > 1}
    return {"mails": sum(at_server[m["message_id"]] for m in rows), "queued": len(rows),
            "doubled": doubled,
            "missing": {m["event_id"] for m in rows if at_server[m["message_id"]] == 0}
            | (fact_ids - {m["event_id"] for m in rows}),
            "recipients_per_fact": sorted(set(Counter(m["event_id"] for m in rows).values()))}

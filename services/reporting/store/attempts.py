"""Reporting store, the intake's own attempt record (docs/architecture.md, "Bounded
retries"): for each province message it handled one at a time, how often its handling
raised (``failures``) and how often it was begun and never finished (``unfinished`` - the process
died in the middle). The broker's delivery count cannot tell these from a delivery that was only
prefetched when the process died, so the intake parks a report from this record, not from it.
The interface and its two adapters, mixed into the reporting stores; both pass
tests/contract/test_intake_attempts.py."""
from __future__ import annotations

from abc import ABC, abstractmethod

ATTEMPTS_SQL = """
CREATE TABLE IF NOT EXISTS intake_attempts (
    key TEXT PRIMARY KEY,                       -- handlers.attempt_key: sender, id and body
    failures INTEGER NOT NULL DEFAULT 0,        -- its handling raised
    unfinished INTEGER NOT NULL DEFAULT 0       -- begun, and the process died before the end
)
"""


class AttemptsStore(ABC):
    @abstractmethod
    def begin_attempt(self, key: str) -> tuple[int, int]:
        """Note that the message ``key`` is about to be handled (durably, before it is); returns
        (failures, unfinished) as they were before this attempt."""

    @abstractmethod
    def attempt_failed(self, key: str) -> None:
        """The attempt begun last raised: one failure more, one unfinished less."""

    @abstractmethod
    def forget_attempts(self, key: str) -> None:
        """The message is settled (stored, rejected or parked): its record goes."""


class SqliteAttempts(AttemptsStore):
    db: object  # the adapter's SqliteDatabase

    def _attempts_schema(self) -> None:
        with self.db.transaction() as conn:
            conn.execute(ATTEMPTS_SQL)

    def begin_attempt(self, key):
        with self.db.transaction() as conn:
            row = conn.execute("SELECT failures, unfinished FROM intake_attempts WHERE key = ?",
                               (key,)).fetchone()
            conn.execute("INSERT INTO intake_attempts (key, unfinished) VALUES (?, 1)"
                         " ON CONFLICT (key) DO UPDATE SET unfinished = unfinished + 1", (key,))
        return (row["failures"], row["unfinished"]) if row else (0, 0)

    def attempt_failed(self, key):
        with self.db.transaction() as conn:
            conn.execute("UPDATE intake_attempts SET failures = failures + 1,"
                         " unfinished = MAX(unfinished - 1, 0) WHERE key = ?", (key,))

    def forget_attempts(self, key):
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM intake_attempts WHERE key = ?", (key,))


class MongoAttempts(AttemptsStore):
    db: object  # the adapter's pymongo Database

    def begin_attempt(self, key):
        from pymongo import ReturnDocument
        before = self.db.intake_attempts.find_one_and_update(
            {"_id": key}, {"$inc": {"unfinished": 1}, "$setOnInsert": {"failures": 0}},
            upsert=True, return_document=ReturnDocument.BEFORE)
        return (before["failures"], before["unfinished"]) if before else (0, 0)

    def attempt_failed(self, key):
        # one round trip: the unfinished count never goes below 0 (a record made by hand)
        self.db.intake_attempts.update_one({"_id": key, "unfinished": {"$gt": 0}},
                                           {"$inc": {"failures": 1, "unfinished": -1}})

    def forget_attempts(self, key):
        self.db.intake_attempts.delete_one({"_id": key})

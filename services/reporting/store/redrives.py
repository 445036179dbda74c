"""Reporting store, the re-drive part (docs/approvals.md, "nothing is lost"): one kept rejection
read whole - with the envelope its message came in, so that it can be judged again exactly as
it came - and marked once it was sent through the intake again and taken. The interface and its
two adapters, mixed into the reporting stores; both pass tests/contract/test_redrive_store.py."""
from __future__ import annotations

from abc import ABC, abstractmethod

from services.infra.sqlite import loads

from .base import _rejection_row

# columns the rejections table gained for re-drives (a store made before gets them added)
REDRIVE_COLUMNS = ("envelope", "redriven_at", "redrive_outcome", "redriven_by")


class RedrivesStore(ABC):
    @abstractmethod
    def get_rejection(self, rejection_id: str) -> dict | None:
        """The rejection as listed, and its ``envelope`` ({content_type, message_id} of the
        message as it came; None for one kept before envelopes were)."""

    @abstractmethod
    def mark_redriven(self, rejection_id: str, at: str, outcome: str, by: str | None) -> bool:
        """Record that the rejection's message was sent again and taken (``outcome``:
        accepted or duplicate); False when it was marked already (nothing changes)."""


class SqliteRedrives(RedrivesStore):
    db: object  # the adapter's SqliteDatabase

    def _redrives_schema(self) -> None:
        columns = {r["name"] for r in self.db.query("PRAGMA table_info(rejections)")}
        for column in REDRIVE_COLUMNS:
            if column not in columns:
                with self.db.transaction() as conn:
                    conn.execute(f"ALTER TABLE rejections ADD COLUMN {column} TEXT")

    def get_rejection(self, rejection_id):
        rows = self.db.query("SELECT * FROM rejections WHERE rejection_id = ?", (rejection_id,))
        if not rows:
            return None
        envelope = rows[0]["envelope"]
        return {**_rejection_row(rows[0]), "envelope": loads(envelope) if envelope else None}

    def mark_redriven(self, rejection_id, at, outcome, by):
        with self.db.transaction() as conn:
            return conn.execute(
                "UPDATE rejections SET redriven_at = ?, redrive_outcome = ?, redriven_by = ?"
                " WHERE rejection_id = ? AND redriven_at IS NULL",
                (at, outcome, by, rejection_id)).rowcount == 1


class MongoRedrives(RedrivesStore):
    db: object  # the adapter's pymongo Database

    def get_rejection(self, rejection_id):
        found = self.db.rejections.find_one({"_id": rejection_id})
        if found is None:
            return None
        envelope = found.get("envelope")
        return {**_rejection_row({"rejection_id": found.pop("_id"), **found}),
                "envelope": envelope}

    def mark_redriven(self, rejection_id, at, outcome, by):
        return self.db.rejections.update_one(
            {"_id": rejection_id, "redriven_at": None},
            {"$set": {"redriven_at": at, "redrive_outcome": outcome,
                      "redriven_by": by}}).modified_count == 1

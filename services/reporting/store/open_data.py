"""Reporting store, the open-data part (docs/open-data.md): per plan one record of what may be
published - its CSV texts, CKAN package and DCAT JSON-LD exactly as served, the public page's
figures, when and why it was made - and the indicator reports in force it is made from. The
interface and its two adapters, mixed into the reporting stores; both pass
tests/contract/test_open_data_store.py."""
from __future__ import annotations

from abc import ABC, abstractmethod

from pymongo.errors import DuplicateKeyError

from services.infra.sqlite import dumps, loads

OPEN_DATA_SQL = """
CREATE TABLE IF NOT EXISTS open_data (        -- what is published of a plan, as made last
    plan_id TEXT PRIMARY KEY, generated_at TEXT NOT NULL, document TEXT NOT NULL
);
"""


class OpenDataStore(ABC):
    @abstractmethod
    def save_open_data(self, record: dict) -> bool:
        """Keep the record {plan_id, generated_at, ...} in place of the plan's kept one, unless
        that one was made later (two reporting processes making it at once); True when kept."""

    @abstractmethod
    def open_data(self, plan_id: str) -> dict | None: ...

    @abstractmethod
    def indicators_in_force(self, plan_id: str) -> list[dict]:
        """Each (indicator, period, province)'s report in force: {subject, period, province,
        body} - retractions included (their value is null)."""


class SqliteOpenData(OpenDataStore):
    db: object  # the adapter's SqliteDatabase

    def _open_data_schema(self) -> None:
        with self.db.transaction() as conn:
            conn.execute(OPEN_DATA_SQL)

    def save_open_data(self, record):
        with self.db.transaction() as conn:
            return conn.execute(
                "INSERT INTO open_data VALUES (?, ?, ?) ON CONFLICT(plan_id) DO UPDATE SET"
                " generated_at = excluded.generated_at, document = excluded.document"
                " WHERE excluded.generated_at >= open_data.generated_at",
                (record["plan_id"], record["generated_at"], dumps(record))).rowcount == 1

    def open_data(self, plan_id):
        rows = self.db.query("SELECT document FROM open_data WHERE plan_id = ?", (plan_id,))
        return loads(rows[0]["document"]) if rows else None

    def indicators_in_force(self, plan_id):
        rows = self.db.query("SELECT subject, period, province, body FROM current_reports"
                             " WHERE kind = 'indicator' AND plan_id = ?"
                             " ORDER BY subject, period, province", (plan_id,))
        return [{**dict(r), "body": loads(r["body"])} for r in rows]


class MongoOpenData(OpenDataStore):
    db: object  # the adapter's pymongo Database

    def save_open_data(self, record):
        # one guarded single-document write: an older record never replaces a later one
        found = self.db.open_data.update_one(
            {"_id": record["plan_id"], "generated_at": {"$lte": record["generated_at"]}},
            {"$set": {"generated_at": record["generated_at"], "document": record}})
        if found.matched_count:
            return True
        if self.db.open_data.find_one({"_id": record["plan_id"]}, {"_id": 1}) is not None:
            return False  # a later one is kept
        try:
            self.db.open_data.insert_one({"_id": record["plan_id"],
                                          "generated_at": record["generated_at"],
                                          "document": record})
        except DuplicateKeyError:  # another process inserted first: the guard decides again
            return self.db.open_data.update_one(
                {"_id": record["plan_id"], "generated_at": {"$lte": record["generated_at"]}},
                {"$set": {"generated_at": record["generated_at"],
                          "document": record}}).matched_count == 1
        return True

    def open_data(self, plan_id):
        found = self.db.open_data.find_one({"_id": plan_id})
        return found["document"] if found else None

    def indicators_in_force(self, plan_id):
        cursor = self.db.current_reports.find(
            {"kind": "indicator", "plan_id": plan_id},
            {"subject": 1, "period": 1, "province": 1, "body": 1}).sort(
            [("subject", 1), ("period", 1), ("province", 1)])
        return [{k: d[k] for k in ("subject", "period", "province", "body")} for d in cursor]

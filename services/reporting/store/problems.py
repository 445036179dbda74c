"""Reporting store, the problems part: the cause code list (every version kept: who changed it,
when) and the OSM's updates of problems (every one kept: who, when, what). The interface and
its two adapters, mixed into the reporting stores (sqlite.py, mongo.py); both pass the same
contract suite (tests/contract/test_problems_store.py)."""
from __future__ import annotations

from abc import ABC, abstractmethod

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from services.infra.sqlite import dumps, loads

PROBLEMS_SQL = """
CREATE TABLE IF NOT EXISTS cause_lists (      -- every version of the cause code list
    version INTEGER PRIMARY KEY, changed_by TEXT NOT NULL, changed_at TEXT NOT NULL,
    causes TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS problem_updates (  -- the OSM's updates of problems
    update_id TEXT PRIMARY KEY, plan_id TEXT NOT NULL, project TEXT NOT NULL,
    problem_id TEXT NOT NULL, at TEXT NOT NULL, by_whom TEXT NOT NULL, changes TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS problem_updates_by_plan ON problem_updates (plan_id, at);
-- project reports of a plan (problems are read from them) without a scan of every indicator
-- report (partial: an indicator report's insert does not maintain it)
CREATE INDEX IF NOT EXISTS project_reports_by_plan ON reports (plan_id, reported_at)
    WHERE kind = 'project';
"""


class ProblemsStore(ABC):
    @abstractmethod
    def cause_list(self) -> dict | None:
        """The latest version {version, changed_by, changed_at, causes}, or None (none saved)."""

    @abstractmethod
    def save_cause_list(self, cause_list: dict) -> bool:
        """Keep a new version; False when that version number is kept already (someone saved
        meanwhile: the caller read an older list)."""

    @abstractmethod
    def cause_list_history(self) -> list[dict]:
        """Every version kept, newest first."""

    @abstractmethod
    def record_problem_update(self, update: dict) -> bool:
        """Keep an update {update_id, plan_id, project, problem_id, at, by, changes}
        (idempotent on update_id); True when new."""

    @abstractmethod
    def problem_updates(self, plan_id: str) -> list[dict]:
        """The plan's updates, oldest first."""


class SqliteProblems(ProblemsStore):
    db: object  # the adapter's SqliteDatabase

    def _problems_schema(self) -> None:
        with self.db.transaction() as conn:
            for statement in filter(str.strip, PROBLEMS_SQL.split(";")):
                conn.execute(statement)

    def cause_list(self):
        rows = self.db.query("SELECT * FROM cause_lists ORDER BY version DESC LIMIT 1")
        return self._cause_row(rows[0]) if rows else None

    @staticmethod
    def _cause_row(row) -> dict:
        return {"version": row["version"], "changed_by": row["changed_by"],
                "changed_at": row["changed_at"], "causes": loads(row["causes"])}

    def save_cause_list(self, cause_list):
        with self.db.transaction() as conn:
            return conn.execute(
                "INSERT OR IGNORE INTO cause_lists VALUES (?, ?, ?, ?)",
                (cause_list["version"], cause_list["changed_by"], cause_list["changed_at"],
                 dumps(cause_list["causes"]))).rowcount == 1

    def cause_list_history(self):
        return [self._cause_row(r) for r in
                self.db.query("SELECT * FROM cause_lists ORDER BY version DESC")]

    def record_problem_update(self, update):
        with self.db.transaction() as conn:
            return conn.execute(
                "INSERT OR IGNORE INTO problem_updates VALUES (?, ?, ?, ?, ?, ?, ?)",
                (update["update_id"], update["plan_id"], update["project"], update["problem_id"],
                 update["at"], update["by"], dumps(update["changes"]))).rowcount == 1

    def problem_updates(self, plan_id):
        rows = self.db.query("SELECT * FROM problem_updates WHERE plan_id = ?"
                             " ORDER BY at, update_id", (plan_id,))
        return [{"update_id": r["update_id"], "plan_id": r["plan_id"], "project": r["project"],
                 "problem_id": r["problem_id"], "at": r["at"], "by": r["by_whom"],
                 "changes": loads(r["changes"])} for r in rows]


class MongoProblems(ProblemsStore):
    db: object  # the adapter's pymongo Database

    def _problems_schema(self) -> None:
        self.db.problem_updates.create_index([("plan_id", ASCENDING), ("at", ASCENDING)])

    def cause_list(self):
        found = list(self.db.cause_lists.find().sort("_id", -1).limit(1))
        return self._cause_doc(found[0]) if found else None

    @staticmethod
    def _cause_doc(doc) -> dict:
        return {"version": doc["_id"], "changed_by": doc["changed_by"],
                "changed_at": doc["changed_at"], "causes": doc["causes"]}

    def save_cause_list(self, cause_list):
        try:
            self.db.cause_lists.insert_one({"_id": cause_list["version"],
                                            **{k: cause_list[k] for k in
                                               ("changed_by", "changed_at", "causes")}})
            return True
        except DuplicateKeyError:
            return False

    def cause_list_history(self):
        return [self._cause_doc(d) for d in self.db.cause_lists.find().sort("_id", -1)]

    def record_problem_update(self, update):
        try:
            self.db.problem_updates.insert_one({"_id": update["update_id"], **update})
            return True
        except DuplicateKeyError:
            return False

    def problem_updates(self, plan_id):
        found = self.db.problem_updates.find({"plan_id": plan_id}).sort(
            [("at", ASCENDING), ("_id", ASCENDING)])
        return [{k: v for k, v in d.items() if k != "_id"} for d in found]

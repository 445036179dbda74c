"""Reporting store, the approvals part (step 15, docs/approvals.md): every step of every
approval kept as an event (``approval_steps``, append-only: the event store of approvals), and
each approval's current state (``approvals``: the step of the highest version, a view that a
rebuild derives again from the steps). The interface and its two adapters, mixed into the
reporting stores; both pass tests/contract/test_approvals_store.py."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from services.infra.sqlite import dumps, loads

APPROVALS_SQL = """
CREATE TABLE IF NOT EXISTS approval_steps (   -- every step, as it was taken
    event_id TEXT PRIMARY KEY, plan_id TEXT NOT NULL, period TEXT NOT NULL,
    province TEXT NOT NULL, version INTEGER NOT NULL, at TEXT NOT NULL, step TEXT NOT NULL,
    document TEXT NOT NULL,
    UNIQUE (plan_id, period, province, version)  -- two steps from one version: the second loses
);
CREATE TABLE IF NOT EXISTS approvals (        -- the current state: the highest version's step
    plan_id TEXT NOT NULL, period TEXT NOT NULL, province TEXT NOT NULL,
    state TEXT NOT NULL, version INTEGER NOT NULL, document TEXT NOT NULL,
    PRIMARY KEY (plan_id, period, province)
);
CREATE TABLE IF NOT EXISTS extensions (       -- the OSM's extensions of a reporting window
    plan_id TEXT NOT NULL, period TEXT NOT NULL, province TEXT NOT NULL,
    document TEXT NOT NULL, PRIMARY KEY (plan_id, period, province)
);
"""
KEY = ("plan_id", "period", "province")


class ApprovalsStore(ABC):
    @abstractmethod
    def record_approval_step(self, step: dict, events) -> str:
        """Keep a step {event_id, plan_id, period, province, version, at, step, state, ...}
        and queue its events, together: "recorded"; "duplicate" when its event_id is kept
        already (its events are queued again: an outbox ignores what it has); "conflict" when
        another step took that version of the approval first (nothing is kept)."""

    @abstractmethod
    def approval_steps(self, plan_id: str, period: str | None = None,
                       province: str | None = None) -> list[dict]:
        """The plan's steps (of one period and/or province), oldest first."""

    @abstractmethod
    def approvals(self, plan_id: str, period: str | None = None,
                  provinces: list[str] | None = None) -> list[dict]:
        """The current step of each approval that has one (the step document: state, version,
        by, at, ...), by period then province."""

    @abstractmethod
    def all_approval_steps(self) -> Iterator[dict]:
        """Every step of every plan (a rebuild replays them)."""

    @abstractmethod
    def apply_approval_step(self, step: dict) -> None:
        """Make ``step`` its approval's current state unless a higher version is (a replay)."""

    @abstractmethod
    def reset_approvals(self) -> None:
        """Forget the current states (the steps stay)."""

    @abstractmethod
    def figures_count(self, plan_id: str, province: str, periods: list[str],
                      start: str, end: str) -> int:
        """How many reports were ever recorded for the province in the period: indicator
        reports of any of ``periods`` and project reports whose ``as_of`` is from ``start`` to
        ``end`` (ISO days) - superseded ones included, so the count only grows."""

    @abstractmethod
    def save_extension(self, extension: dict) -> None:
        """Keep the extension {plan_id, period, province, until, by, at, reason} (a later one
        for the same period and province replaces it)."""

    @abstractmethod
    def extensions(self, plan_id: str, provinces: list[str] | None = None) -> list[dict]: ...


class SqliteApprovals(ApprovalsStore):
    db: object  # the adapter's SqliteDatabase
    outbox: object

    def _approvals_schema(self) -> None:
        with self.db.transaction() as conn:
            for statement in filter(str.strip, APPROVALS_SQL.split(";")):
                conn.execute(statement)

    def record_approval_step(self, step, events):
        with self.db.transaction() as conn:
            if conn.execute("SELECT 1 FROM approval_steps WHERE event_id = ?",
                            (step["event_id"],)).fetchone():
                self.outbox.add(conn, events)
                return "duplicate"
            written = conn.execute(
                "INSERT OR IGNORE INTO approval_steps VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (step["event_id"], *(step[k] for k in KEY), step["version"], step["at"],
                 step["step"], dumps(step))).rowcount == 1
            if not written:
                return "conflict"
            self._apply_step(conn, step)
            self.outbox.add(conn, events)
            return "recorded"

    @staticmethod
    def _apply_step(conn, step):
        conn.execute(
            "INSERT INTO approvals VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (plan_id, period,"
            " province) DO UPDATE SET state = excluded.state, version = excluded.version,"
            " document = excluded.document WHERE excluded.version > approvals.version",
            (*(step[k] for k in KEY), step["state"], step["version"], dumps(step)))

    def approval_steps(self, plan_id, period=None, province=None):
        where, args = "plan_id = ?", [plan_id]
        for name, value in (("period", period), ("province", province)):
            if value is not None:
                where, args = f"{where} AND {name} = ?", args + [value]
        rows = self.db.query(f"SELECT document FROM approval_steps WHERE {where}"
                             " ORDER BY at, version, event_id", args)
        return [loads(r["document"]) for r in rows]

    def approvals(self, plan_id, period=None, provinces=None):
        where, args = "plan_id = ?", [plan_id]
        if period is not None:
            where, args = where + " AND period = ?", args + [period]
        if provinces is not None:
            where += f" AND province IN ({','.join('?' * len(provinces))})"
            args += list(provinces)
        rows = self.db.query(f"SELECT document FROM approvals WHERE {where}"
                             " ORDER BY period, province", args)
        return [loads(r["document"]) for r in rows]

    def all_approval_steps(self):
        for row in self.db.query("SELECT document FROM approval_steps ORDER BY at, event_id"):
            yield loads(row["document"])

    def apply_approval_step(self, step):
        with self.db.transaction() as conn:
            self._apply_step(conn, step)

    def reset_approvals(self):
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM approvals")

    def figures_count(self, plan_id, province, periods, start, end):
        marks = ",".join("?" * len(periods)) or "NULL"
        row = self.db.query(
            "SELECT (SELECT COUNT(*) FROM reports WHERE plan_id = ? AND province = ?"
            f"         AND kind = 'indicator' AND period IN ({marks}))"
            " + (SELECT COUNT(*) FROM reports WHERE plan_id = ? AND province = ?"
            "    AND kind = 'project' AND json_extract(body, '$.as_of') BETWEEN ? AND ?) AS n",
            (plan_id, province, *periods, plan_id, province, start, end))
        return row[0]["n"]

    def save_extension(self, extension):
        with self.db.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO extensions VALUES (?, ?, ?, ?)",
                         (*(extension[k] for k in KEY), dumps(extension)))

    def extensions(self, plan_id, provinces=None):
        where, args = "plan_id = ?", [plan_id]
        if provinces is not None:
            where += f" AND province IN ({','.join('?' * len(provinces))})"
            args += list(provinces)
        return [loads(r["document"]) for r in self.db.query(
            f"SELECT document FROM extensions WHERE {where} ORDER BY period, province", args)]


def _key_id(doc: dict, version: int | None = None) -> str:
    parts = [doc[k] for k in KEY] + ([str(version)] if version is not None else [])
    return "|".join(parts)


class MongoApprovals(ApprovalsStore):
    db: object  # the adapter's pymongo Database
    outbox: object

    def _approvals_schema(self) -> None:
        self.db.approval_steps.create_index([("event_id", ASCENDING)], unique=True)
        self.db.approval_steps.create_index([("plan_id", ASCENDING), ("at", ASCENDING)])

    def record_approval_step(self, step, events):
        # the step's _id is its approval and version: a second step from one version loses;
        # a retry of the same step (its event_id) queues its events again - the outbox ignores
        # what it has, so a crash between the two writes loses no event
        try:
            self.db.approval_steps.insert_one({"_id": _key_id(step, step["version"]), **step})
        except DuplicateKeyError:
            kept = self.db.approval_steps.find_one({"event_id": step["event_id"]})
            if kept is None:
                return "conflict"
            self.outbox.add(events)
            return "duplicate"
        self.apply_approval_step(step)
        self.outbox.add(events)
        return "recorded"

    def approval_steps(self, plan_id, period=None, province=None):
        query = {"plan_id": plan_id}
        for name, value in (("period", period), ("province", province)):
            if value is not None:
                query[name] = value
        found = self.db.approval_steps.find(query).sort(
            [("at", ASCENDING), ("version", ASCENDING), ("event_id", ASCENDING)])
        return [{k: v for k, v in d.items() if k != "_id"} for d in found]

    def approvals(self, plan_id, period=None, provinces=None):
        query = {"plan_id": plan_id}
        if period is not None:
            query["period"] = period
        if provinces is not None:
            query["province"] = {"$in": list(provinces)}
        found = self.db.approvals.find(query).sort([("period", ASCENDING),
                                                    ("province", ASCENDING)])
        return [d["document"] for d in found]

    def all_approval_steps(self):
        for doc in self.db.approval_steps.find().sort([("at", ASCENDING), ("event_id", ASCENDING)]):
            yield {k: v for k, v in doc.items() if k != "_id"}

    def apply_approval_step(self, step):
        try:
            self.db.approvals.update_one(
                {"_id": _key_id(step), "version": {"$lt": step["version"]}},
                {"$set": {**{k: step[k] for k in KEY}, "state": step["state"],
                          "version": step["version"], "document": step}}, upsert=True)
        except DuplicateKeyError:  # a higher version is current already
            pass

    def reset_approvals(self):
        self.db.approvals.delete_many({})

    def figures_count(self, plan_id, province, periods, start, end):
        base = {"plan_id": plan_id, "province": province}
        return (self.db.reports.count_documents({**base, "kind": "indicator",
                                                 "period": {"$in": list(periods)}})
                + self.db.reports.count_documents({**base, "kind": "project",
                                                   "body.as_of": {"$gte": start, "$lte": end}}))

    def save_extension(self, extension):
        self.db.extensions.replace_one({"_id": _key_id(extension)}, extension, upsert=True)

    def extensions(self, plan_id, provinces=None):
        query = {"plan_id": plan_id}
        if provinces is not None:
            query["province"] = {"$in": list(provinces)}
        found = self.db.extensions.find(query).sort([("period", ASCENDING),
                                                     ("province", ASCENDING)])
        return [{k: v for k, v in d.items() if k != "_id"} for d in found]

"""Reporting store, the approvals part (step 15, docs/approvals.md): every step of every
approval kept as an event (``approval_steps``, append-only: the event store of approvals). An
approval's current state is read from its steps - the highest version's - never from a copy
that a crash could leave behind them, so the lock, the marks and the list always agree with what
was recorded (and a rebuild has nothing to redo). The interface and its two adapters, mixed into
the reporting stores; both pass tests/contract/test_approvals_store.py."""
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
-- a step's figures token counts a province's reports of a period: without this, every count
-- scans the event store (partial: a project report's insert does not maintain it)
CREATE INDEX IF NOT EXISTS indicator_reports_by_province ON reports (plan_id, province, period)
    WHERE kind = 'indicator';
CREATE TABLE IF NOT EXISTS extensions (       -- the OSM's extensions of a reporting window
    plan_id TEXT NOT NULL, period TEXT NOT NULL, province TEXT NOT NULL,
    document TEXT NOT NULL, PRIMARY KEY (plan_id, period, province)
);
"""
KEY = ("plan_id", "period", "province")


class ApprovalsStore(ABC):
    @abstractmethod
    def record_approval_step(self, step: dict, events, figures: tuple | None = None) -> str:
        """Keep a step {event_id, plan_id, period, province, version, at, step, state, ...}
        and queue its events: "recorded"; "duplicate" when its event_id is kept already (its
        events are queued again: an outbox ignores what it has); "conflict" when another step
        took that version of the approval first; "figures_changed" when ``figures`` (periods,
        start, end: figures_count's arguments) counts otherwise than the step's ``figures`` -
        a report came since the approver looked (nothing is kept in both cases). SQLite does
        all of it in one transaction; MongoDB checks the figures just before the write and
        marks the step ``queued`` once its events are in the outbox (requeue_approval_events
        finishes a step a crash interrupted)."""

    def requeue_approval_events(self, event_of) -> int:
        """Queue the events of steps recorded without them (a crash between the two writes):
        ``event_of(step)`` makes them; how many steps were finished. Nothing to do where the
        two writes are one transaction."""
        return 0

    @abstractmethod
    def approval_steps(self, plan_id: str, period: str | None = None,
                       province: str | None = None) -> list[dict]:
        """The plan's steps (of one period and/or province), oldest first."""

    @abstractmethod
    def approvals(self, plan_id: str, period: str | None = None,
                  provinces: list[str] | None = None) -> list[dict]:
        """The current step of each approval that has one - its step of the highest version
        (the step document: state, version, by, at, ...) - by period then province."""

    @abstractmethod
    def all_approval_steps(self) -> Iterator[dict]:
        """Every step of every plan."""

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

    def record_approval_step(self, step, events, figures=None):
        with self.db.transaction() as conn:  # BEGIN IMMEDIATE: no report is recorded meanwhile
            self._forget_documents()
            if conn.execute("SELECT 1 FROM approval_steps WHERE event_id = ?",
                            (step["event_id"],)).fetchone():
                self.outbox.add(conn, events)
                return "duplicate"
            if figures is not None and self._count(conn, step["plan_id"], step["province"],
                                                   *figures) != step.get("figures"):
                return "figures_changed"
            written = conn.execute(
                "INSERT OR IGNORE INTO approval_steps VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (step["event_id"], *(step[k] for k in KEY), step["version"], step["at"],
                 step["step"], dumps(step))).rowcount == 1
            if not written:
                return "conflict"
            self.outbox.add(conn, events)
            return "recorded"

    def approval_steps(self, plan_id, period=None, province=None):
        where, args = "plan_id = ?", [plan_id]
        for name, value in (("period", period), ("province", province)):
            if value is not None:
                where, args = f"{where} AND {name} = ?", args + [value]
        rows = self.db.query(f"SELECT document FROM approval_steps WHERE {where}"
                             " ORDER BY at, version, event_id", args)
        return [loads(r["document"]) for r in rows]

    def approvals(self, plan_id, period=None, provinces=None):
        where, args = "s.plan_id = ?", [plan_id]
        if period is not None:
            where, args = where + " AND s.period = ?", args + [period]
        if provinces is not None:
            where += f" AND s.province IN ({','.join('?' * len(provinces))})"
            args += list(provinces)
        return self._documents_once(
            f"SELECT s.document FROM approval_steps s WHERE {where} AND s.version = ("
            " SELECT MAX(t.version) FROM approval_steps t WHERE t.plan_id = s.plan_id"
            " AND t.period = s.period AND t.province = s.province) ORDER BY s.period, s.province",
            args)

    def _documents_once(self, sql: str, args: list) -> list[dict]:
        """The documents a query finds, read once per transaction: the intake asks the lock
        and the window of every report it records, and inside its transaction the answer
        cannot change but by this transaction's own step or extension, whose writes clear what
        was kept (SqliteDatabase.transaction_memo). Outside a transaction: read each time."""
        memo = self.db.transaction_memo()
        key = ("approvals-store", sql, tuple(args))
        texts = memo.get(key) if memo is not None else None
        if texts is None:
            texts = [r["document"] for r in self.db.query(sql, args)]
            if memo is not None:
                memo[key] = texts
        return [loads(text) for text in texts]  # decoded each time: a caller may change its own

    def _forget_documents(self) -> None:
        """A step or an extension written: the reads kept in this transaction are stale."""
        memo = self.db.transaction_memo()
        for key in [k for k in memo or () if k[0] == "approvals-store"]:
            del memo[key]

    def all_approval_steps(self):
        for row in self.db.query("SELECT document FROM approval_steps ORDER BY at, event_id"):
            yield loads(row["document"])

    def figures_count(self, plan_id, province, periods, start, end):
        with self.db.transaction() as conn:
            return self._count(conn, plan_id, province, periods, start, end)

    @staticmethod
    def _count(conn, plan_id, province, periods, start, end) -> int:
        marks = ",".join("?" * len(periods)) or "NULL"
        return conn.execute(
            "SELECT (SELECT COUNT(*) FROM reports WHERE plan_id = ? AND province = ?"
            f"         AND kind = 'indicator' AND period IN ({marks}))"
            " + (SELECT COUNT(*) FROM reports WHERE plan_id = ? AND province = ?"
            "    AND kind = 'project' AND json_extract(body, '$.as_of') BETWEEN ? AND ?) AS n",
            (plan_id, province, *periods, plan_id, province, start, end)).fetchone()["n"]

    def save_extension(self, extension):
        with self.db.transaction() as conn:
            self._forget_documents()
            conn.execute("INSERT OR REPLACE INTO extensions VALUES (?, ?, ?, ?)",
                         (*(extension[k] for k in KEY), dumps(extension)))

    def extensions(self, plan_id, provinces=None):
        where, args = "plan_id = ?", [plan_id]
        if provinces is not None:
            where += f" AND province IN ({','.join('?' * len(provinces))})"
            args += list(provinces)
        return self._documents_once(
            f"SELECT document FROM extensions WHERE {where} ORDER BY period, province", args)


def _step_doc(doc: dict) -> dict:
    """A step as it was taken (without the adapter's own fields)."""
    return {k: v for k, v in doc.items() if k not in ("_id", "queued")}


def _key_id(doc: dict, version: int | None = None) -> str:
    parts = [doc[k] for k in KEY] + ([str(version)] if version is not None else [])
    return "|".join(parts)


class MongoApprovals(ApprovalsStore):
    db: object  # the adapter's pymongo Database
    outbox: object

    def _approvals_schema(self) -> None:
        self.db.approval_steps.create_index([("event_id", ASCENDING)], unique=True)
        self.db.approval_steps.create_index([("plan_id", ASCENDING), ("at", ASCENDING)])
        self.db.approval_steps.create_index([("queued", ASCENDING)], sparse=True)
        self.db.reports.create_index([("plan_id", ASCENDING), ("province", ASCENDING),
                                      ("period", ASCENDING)])

    def record_approval_step(self, step, events, figures=None):
        # the step's _id is its approval and version: a second step from one version loses.
        # Not one transaction (a replica set's transactions are step 16's): the figures are
        # checked just before the write, and a step is marked queued once its events are in
        # the outbox - requeue_approval_events finishes one a crash left unqueued.
        if self.db.approval_steps.find_one({"event_id": step["event_id"]}) is not None:
            self.outbox.add(events)
            return "duplicate"
        if figures is not None and self.figures_count(step["plan_id"], step["province"],
                                                      *figures) != step.get("figures"):
            return "figures_changed"
        try:
            self.db.approval_steps.insert_one({"_id": _key_id(step, step["version"]), **step,
                                               "queued": False})
        except DuplicateKeyError:
            if self.db.approval_steps.find_one({"event_id": step["event_id"]}) is not None:
                self.outbox.add(events)
                return "duplicate"
            return "conflict"
        self.outbox.add(events)
        self.db.approval_steps.update_one({"event_id": step["event_id"]},
                                          {"$set": {"queued": True}})
        return "recorded"

    def requeue_approval_events(self, event_of):
        done = 0
        for doc in self.db.approval_steps.find({"queued": False}):
            self.outbox.add(event_of(_step_doc(doc)))
            self.db.approval_steps.update_one({"_id": doc["_id"]}, {"$set": {"queued": True}})
            done += 1
        return done

    def approval_steps(self, plan_id, period=None, province=None):
        query = {"plan_id": plan_id}
        for name, value in (("period", period), ("province", province)):
            if value is not None:
                query[name] = value
        found = self.db.approval_steps.find(query).sort(
            [("at", ASCENDING), ("version", ASCENDING), ("event_id", ASCENDING)])
        return [_step_doc(d) for d in found]

    def approvals(self, plan_id, period=None, provinces=None):
        query = {"plan_id": plan_id}
        if period is not None:
            query["period"] = period
        if provinces is not None:
            query["province"] = {"$in": list(provinces)}
        latest: dict[tuple, dict] = {}
        for doc in self.db.approval_steps.find(query):
            key = tuple(doc[k] for k in KEY)
            if key not in latest or doc["version"] > latest[key]["version"]:
                latest[key] = _step_doc(doc)
        return [latest[key] for key in sorted(latest, key=lambda k: (k[1], k[2]))]

    def all_approval_steps(self):
        for doc in self.db.approval_steps.find().sort([("at", ASCENDING), ("event_id", ASCENDING)]):
            yield _step_doc(doc)

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

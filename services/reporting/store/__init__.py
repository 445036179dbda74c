"""Reporting store: the interface (domain verbs) and its SQLite and MongoDB adapters.

Three kinds of data: the plans learned from plan events; the event store (every accepted report
as received) with each key's current report by the precedence rule; and the views built from it.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass

from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from services.infra.meta import META_SQL, MongoMeta, SqliteMeta
from services.infra.mongo import open_database
from services.infra.outbox import OUTBOX_SQL, MongoOutbox, SqliteOutbox, now_iso
from services.infra.sqlite import SqliteDatabase, dumps, loads, sqlite_path


@dataclass(frozen=True)
class Recorded:
    new: bool       # False: this event_id was already stored (a redelivery or a resend)
    current: bool   # this report is now the one in force for its key


class ReportingStore(ABC):
    @abstractmethod
    def atomic(self):
        """A context in which the verbs below commit together (SQLite) or are each idempotent
        and safely repeatable on redelivery (MongoDB)."""

    # plans learned from plan_published events
    @abstractmethod
    def save_plan(self, plan: dict) -> bool:
        """Keep the snapshot unless a newer version is kept already; True when stored."""

    @abstractmethod
    def plans(self) -> list[dict]: ...

    @abstractmethod
    def get_plan(self, plan_id: str) -> dict | None: ...

    # intake
    @abstractmethod
    def record_report(self, kind: str, plan_id: str, subject: str, period: str, province: str,
                      event_id: str, reported_at_key: str, body: dict, sender: str) -> Recorded:
        """Keep an accepted report; make it current for (kind, plan, subject, period, province)
        if it is later (reported_at, then event_id) than the current one."""

    @abstractmethod
    def current_values(self, plan_id: str, indicator: str, period: str) -> dict[str, float]:
        """Each province's value in force (retracted ones left out)."""

    @abstractmethod
    def view_revision(self, plan_id: str, indicator: str, period: str) -> int:
        """A counter that grows whenever a report comes into force for the view's key. Read it
        before ``current_values`` and pass it to ``save_indicator_view``: a view computed from
        older values is then never saved over a newer one (concurrent workers on MongoDB)."""

    @abstractmethod
    def save_indicator_view(self, plan_id: str, indicator: str, period: str, view: dict,
                            events, revision: int = 0) -> None:
        """Keep the view unless one computed at a later revision is kept already."""

    @abstractmethod
    def indicator_views(self, plan_id: str, period: str) -> dict[str, dict]: ...

    @abstractmethod
    def project_progress(self, plan_id: str) -> list[dict]:
        """Each (project, province)'s report in force."""

    @abstractmethod
    def project_reports(self, plan_id: str) -> list[dict]:
        """Every accepted project report of the plan, past and present, oldest first."""

    @abstractmethod
    def reports_of(self, plan_id: str, filters: dict, limit: int = 1000) -> list[dict]:
        """Accepted reports of the plan as received, newest reported_at first, each with
        ``in_force`` (whether it is its key's current report). ``filters`` may hold kind,
        province, subject and period."""

    @abstractmethod
    def first_received(self, plan_id: str, period: str) -> dict[tuple[str, str], str]:
        """When each (province, indicator) of the period that has a value in force was first
        reported (received_at); a value retracted and not sent again is not received."""

    @abstractmethod
    def indicator_series(self, plan_id: str, indicator: str) -> dict[str, dict]:
        """The indicator's view in every period that has one, by period code."""

    @abstractmethod
    def record_rejection(self, rejection: dict, events) -> bool:
        """Keep a rejection (idempotent on rejection_id); True when new."""

    @abstractmethod
    def rejections(self, provinces: list[str] | None = None, limit: int = 500) -> list[dict]:
        """Newest first; ``provinces`` None means all (including unknown senders)."""

    @abstractmethod
    def count_reports(self) -> int: ...

    @abstractmethod
    def counts(self) -> dict[str, int]:
        """Totals for monitoring: reports kept, rejections, parked messages waiting."""

    # messages no service could process (dead-lettered after the delivery limit)
    @abstractmethod
    def park(self, parked: dict) -> bool:
        """Keep a parked message (idempotent on parked_id); True when new."""

    @abstractmethod
    def parked(self, limit: int = 500) -> list[dict]:
        """Newest first."""

    @abstractmethod
    def get_parked(self, parked_id: str) -> dict | None: ...

    @abstractmethod
    def mark_retried(self, parked_id: str, at: str) -> None:
        """Note that an operator sent the message back to be processed again."""

    # rebuilding the views from the event store
    @abstractmethod
    def stored_reports(self, page: int = 5000) -> Iterator[dict]:
        """Every accepted report as received, in the order received - streamed, so a replay of
        a million reports holds a page of them in memory, not all."""

    @abstractmethod
    def reset_views(self) -> None:
        """Forget the reports in force and the views (the event store stays)."""

    @abstractmethod
    def replay_report(self, kind: str, plan_id: str, subject: str, period: str, province: str,
                      event_id: str, reported_at_key: str, body: dict) -> bool:
        """Apply a stored report to the reports in force, as record_report does; True when it
        is now the one in force for its key."""

    @abstractmethod
    def add_events(self, events) -> None:
        """Queue facts in the outbox; an event_id queued before (even long ago) is ignored."""

    # what each project has produced (from assets' asset_registered events)
    @abstractmethod
    def record_project_asset(self, plan_id: str, project: str, code: str, value_thb: float) -> None:
        """Keep one asset of a project (by asset code: a redelivery counts once)."""

    @abstractmethod
    def project_assets(self, plan_id: str) -> dict[str, dict]:
        """{project: {"count": n, "value_thb": total}} for the plan's projects with assets."""

    @abstractmethod
    def get_meta(self, key: str): ...

    @abstractmethod
    def set_meta(self, key: str, value) -> None: ...

    @abstractmethod
    def close(self) -> None: ...


SCHEMA = OUTBOX_SQL + META_SQL + """
CREATE TABLE IF NOT EXISTS plans (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL, document TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS reports (          -- the event store: every accepted report
    event_id    TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    plan_id     TEXT NOT NULL,
    subject     TEXT NOT NULL,
    period      TEXT NOT NULL,
    province    TEXT NOT NULL,
    reported_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    sender      TEXT NOT NULL,
    body        TEXT NOT NULL
);
-- the replay reads the event store in pages in this order (keyset pagination)
CREATE INDEX IF NOT EXISTS reports_by_received ON reports (received_at, event_id);
CREATE TABLE IF NOT EXISTS current_reports (  -- the report in force per key
    kind TEXT NOT NULL, plan_id TEXT NOT NULL, subject TEXT NOT NULL, period TEXT NOT NULL,
    province TEXT NOT NULL, reported_at TEXT NOT NULL, event_id TEXT NOT NULL,
    value REAL, body TEXT NOT NULL,
    PRIMARY KEY (kind, plan_id, subject, period, province)
);
CREATE TABLE IF NOT EXISTS indicator_views (
    plan_id TEXT NOT NULL, indicator TEXT NOT NULL, period TEXT NOT NULL,
    view TEXT NOT NULL, updated_at TEXT NOT NULL,
    PRIMARY KEY (plan_id, period, indicator)
);
CREATE TABLE IF NOT EXISTS rejections (
    rejection_id TEXT PRIMARY KEY,
    province     TEXT,
    sender       TEXT NOT NULL,
    event_id     TEXT,
    kind         TEXT,
    reason       TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    routing_key  TEXT NOT NULL,
    raw_body     BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS rejections_by_province ON rejections (province, received_at);
CREATE TABLE IF NOT EXISTS project_assets (
    code TEXT PRIMARY KEY, plan_id TEXT NOT NULL, project TEXT NOT NULL, value_thb REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS parked (
    parked_id TEXT PRIMARY KEY, queue TEXT, reason TEXT, deliveries INTEGER,
    routing_key TEXT, parked_at TEXT NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL,
    properties TEXT, retried_at TEXT
);
"""


def _value_of(kind: str, body: dict):
    return body.get("value") if kind == "indicator" else body.get("physical_progress_pct")


def _key_of(report) -> tuple:
    return tuple(report[k] for k in ("kind", "plan_id", "subject", "period", "province"))


def _parked_row(row: dict) -> dict:
    body = row.pop("body")
    return {**row, "body": body.decode("utf-8", "replace") if isinstance(body, bytes) else body}


def _rejection_row(row) -> dict:
    out = dict(row)
    raw = out.pop("raw_body")
    out["raw_body"] = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return out


class PlanCache:
    """Plan documents decoded once per version: every report needs its plan, and reading and
    decoding them each time was a fifth of the intake's cost. Callers only read them. A version
    check per call keeps several processes (replicas) on the plan in force."""

    def plans(self):
        return [self._plan(plan_id, version) for plan_id, version in self._plan_versions()]

    def get_plan(self, plan_id):
        found = self._plan_versions(plan_id)
        return self._plan(*found[0]) if found else None

    def _plan(self, plan_id: str, version: int) -> dict:
        cache = self.__dict__.setdefault("_plan_cache", {})
        cached = cache.get(plan_id)
        if cached is None or cached[0] != version:
            cached = cache[plan_id] = self._plan_document(plan_id)
        return cached[1]


class SqliteReportingStore(PlanCache, SqliteMeta, SqliteOutbox, ReportingStore):
    def __init__(self, path):
        self.db = SqliteDatabase(path, SCHEMA)
        columns = {r["name"] for r in self.db.query("PRAGMA table_info(parked)")}
        for column in ("properties", "retried_at"):  # a store made before parked retries
            if column not in columns:
                with self.db.transaction() as conn:
                    conn.execute(f"ALTER TABLE parked ADD COLUMN {column} TEXT")

    def atomic(self):
        return self.db.transaction()

    def save_plan(self, plan):
        with self.db.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO plans VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
                " version = excluded.version, document = excluded.document"
                " WHERE excluded.version > plans.version",
                (plan["id"], plan["version"], dumps(plan)))
            return cur.rowcount == 1

    def _plan_versions(self, plan_id=None):
        if plan_id is None:
            return [(r["id"], r["version"]) for r in self.db.query("SELECT id, version FROM plans ORDER BY id")]
        return [(r["id"], r["version"]) for r in self.db.query("SELECT id, version FROM plans WHERE id = ?",
                                                               (plan_id,))]

    def _plan_document(self, plan_id):
        row = self.db.query("SELECT version, document FROM plans WHERE id = ?", (plan_id,))[0]
        return row["version"], loads(row["document"])

    def record_report(self, kind, plan_id, subject, period, province, event_id, reported_at_key,
                      body, sender):
        text = dumps(body)  # once: the event store and the report in force keep the same
        with self.db.transaction() as conn:
            new = conn.execute(
                "INSERT OR IGNORE INTO reports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (event_id, kind, plan_id, subject, period, province, reported_at_key, now_iso(),
                 sender, text)).rowcount == 1
            if not new:  # a repeated event_id: only what was first received under it counts
                kept = conn.execute("SELECT * FROM reports WHERE event_id = ?",
                                    (event_id,)).fetchone()
                if _key_of(kept) != (kind, plan_id, subject, period, province):
                    return Recorded(False, False)  # reused for another report: no effect at all
                reported_at_key, body, text = kept["reported_at"], loads(kept["body"]), kept["body"]
            return Recorded(new, self._apply(conn, kind, plan_id, subject, period, province,
                                             event_id, reported_at_key, body, text))

    @staticmethod
    def _apply(conn, kind, plan_id, subject, period, province, event_id, reported_at_key, body,
               text=None):
        """The precedence rule as one guarded upsert; True when this report is in force
        (``text``: the body already encoded)."""
        written = conn.execute(
            "INSERT INTO current_reports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (kind, plan_id, subject, period, province) DO UPDATE SET"
            " reported_at = excluded.reported_at, event_id = excluded.event_id,"
            " value = excluded.value, body = excluded.body"
            " WHERE (excluded.reported_at, excluded.event_id)"
            "     > (current_reports.reported_at, current_reports.event_id)"
            " RETURNING event_id",
            (kind, plan_id, subject, period, province, reported_at_key, event_id,
             _value_of(kind, body), dumps(body) if text is None else text)).fetchall()
        if written:  # inserted or updated: the usual case, a report later than the last
            return True
        row = conn.execute(
            "SELECT event_id FROM current_reports WHERE kind = ? AND plan_id = ?"
            " AND subject = ? AND period = ? AND province = ?",
            (kind, plan_id, subject, period, province)).fetchone()
        return row["event_id"] == event_id

    def stored_reports(self, page: int = 5000):
        after = ("", "")
        while True:  # keyset pagination: each page a short query, whatever else runs meanwhile
            rows = self.db.query("SELECT * FROM reports WHERE (received_at, event_id) > (?, ?)"
                                 " ORDER BY received_at, event_id LIMIT ?", (*after, page))
            for r in rows:
                yield {**dict(r), "body": loads(r["body"])}
            if len(rows) < page:
                return
            after = (rows[-1]["received_at"], rows[-1]["event_id"])

    def reset_views(self):
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM current_reports")
            conn.execute("DELETE FROM indicator_views")

    def replay_report(self, kind, plan_id, subject, period, province, event_id, reported_at_key,
                      body):
        with self.db.transaction() as conn:
            return self._apply(conn, kind, plan_id, subject, period, province, event_id,
                               reported_at_key, body)

    def park(self, parked):
        with self.db.transaction() as conn:
            return conn.execute(
                "INSERT OR IGNORE INTO parked (parked_id, queue, reason, deliveries, routing_key,"
                " parked_at, headers, body, properties) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (parked["parked_id"], parked["queue"], parked["reason"], parked["deliveries"],
                 parked["routing_key"], parked["parked_at"], dumps(parked["headers"]),
                 parked["body"], dumps(parked.get("properties") or {}))).rowcount == 1

    def parked(self, limit=500):
        rows = self.db.query("SELECT * FROM parked ORDER BY parked_at DESC LIMIT ?", (limit,))
        return [self._parked(r) for r in rows]

    def get_parked(self, parked_id):
        rows = self.db.query("SELECT * FROM parked WHERE parked_id = ?", (parked_id,))
        return self._parked(rows[0]) if rows else None

    @staticmethod
    def _parked(row) -> dict:
        return _parked_row({**dict(row), "headers": loads(row["headers"]),
                            "properties": loads(row["properties"]) if row["properties"] else {}})

    def mark_retried(self, parked_id, at):
        with self.db.transaction() as conn:
            conn.execute("UPDATE parked SET retried_at = ? WHERE parked_id = ?", (at, parked_id))

    def add_events(self, events):
        with self.db.transaction() as conn:
            self._add_events(conn, events)

    def record_project_asset(self, plan_id, project, code, value_thb):
        with self.db.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO project_assets VALUES (?, ?, ?, ?)",
                         (code, plan_id, project, value_thb))

    def project_assets(self, plan_id):
        rows = self.db.query("SELECT project, count(*) AS n, sum(value_thb) AS value"
                             " FROM project_assets WHERE plan_id = ? GROUP BY project", (plan_id,))
        return {r["project"]: {"count": r["n"], "value_thb": round(r["value"], 2)} for r in rows}

    def current_values(self, plan_id, indicator, period):
        rows = self.db.query(
            "SELECT province, value FROM current_reports WHERE kind = 'indicator'"
            " AND plan_id = ? AND subject = ? AND period = ? AND value IS NOT NULL",
            (plan_id, indicator, period))
        return {r["province"]: r["value"] for r in rows}

    def view_revision(self, plan_id, indicator, period):
        return 0  # one writer at a time: the whole intake step is one transaction

    def save_indicator_view(self, plan_id, indicator, period, view, events, revision=0):
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO indicator_views VALUES (?, ?, ?, ?, ?) ON CONFLICT"
                " (plan_id, period, indicator) DO UPDATE SET view = excluded.view,"
                " updated_at = excluded.updated_at",
                (plan_id, indicator, period, dumps(view), now_iso()))
            self._add_events(conn, events)

    def indicator_views(self, plan_id, period):
        rows = self.db.query("SELECT indicator, view FROM indicator_views"
                             " WHERE plan_id = ? AND period = ?", (plan_id, period))
        return {r["indicator"]: loads(r["view"]) for r in rows}

    def project_progress(self, plan_id):
        rows = self.db.query("SELECT body FROM current_reports WHERE kind = 'project'"
                             " AND plan_id = ? ORDER BY subject, province", (plan_id,))
        return [loads(r["body"]) for r in rows]

    def project_reports(self, plan_id):
        rows = self.db.query("SELECT body FROM reports WHERE kind = 'project' AND plan_id = ?"
                             " ORDER BY reported_at, event_id", (plan_id,))
        return [loads(r["body"]) for r in rows]

    def reports_of(self, plan_id, filters, limit=1000):
        where = "".join(f" AND r.{column} = ?" for column in sorted(filters))
        rows = self.db.query(
            "SELECT r.*, c.event_id IS NOT NULL AS in_force FROM reports r"
            " LEFT JOIN current_reports c ON c.event_id = r.event_id AND c.kind = r.kind"
            " AND c.plan_id = r.plan_id AND c.subject = r.subject AND c.period = r.period"
            " AND c.province = r.province"
            f" WHERE r.plan_id = ?{where} ORDER BY r.reported_at DESC, r.event_id DESC LIMIT ?",
            (plan_id, *(filters[c] for c in sorted(filters)), limit))
        return [{**dict(r), "body": loads(r["body"]), "in_force": bool(r["in_force"])}
                for r in rows]

    def first_received(self, plan_id, period):
        rows = self.db.query(
            "SELECT r.province, r.subject, min(r.received_at) AS first FROM reports r"
            " JOIN current_reports c ON c.kind = r.kind AND c.plan_id = r.plan_id"
            " AND c.subject = r.subject AND c.period = r.period AND c.province = r.province"
            " WHERE r.kind = 'indicator' AND r.plan_id = ? AND r.period = ?"
            " AND c.value IS NOT NULL GROUP BY r.province, r.subject", (plan_id, period))
        return {(r["province"], r["subject"]): r["first"] for r in rows}

    def indicator_series(self, plan_id, indicator):
        rows = self.db.query("SELECT period, view FROM indicator_views WHERE plan_id = ?"
                             " AND indicator = ?", (plan_id, indicator))
        return {r["period"]: loads(r["view"]) for r in rows}

    def record_rejection(self, rejection, events):
        with self.db.transaction() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO rejections VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (rejection["rejection_id"], rejection["province"], rejection["sender"],
                 rejection["event_id"], rejection["kind"], rejection["reason"],
                 rejection["received_at"], rejection["routing_key"], rejection["raw_body"]))
            if cur.rowcount == 1:
                self._add_events(conn, events)
            return cur.rowcount == 1

    def rejections(self, provinces=None, limit=500):
        if provinces is None:
            rows = self.db.query("SELECT * FROM rejections ORDER BY received_at DESC, rejection_id"
                                 " LIMIT ?", (limit,))
        else:
            marks = ",".join("?" * len(provinces))
            rows = self.db.query(f"SELECT * FROM rejections WHERE province IN ({marks})"
                                 " ORDER BY received_at DESC, rejection_id LIMIT ?",
                                 (*provinces, limit))
        return [_rejection_row(r) for r in rows]

    def count_reports(self):
        return self.db.query("SELECT count(*) AS n FROM reports")[0]["n"]

    def counts(self):
        one = lambda sql: self.db.query(sql)[0]["n"]  # noqa: E731
        return {"reports": one("SELECT count(*) AS n FROM reports"),
                "rejections": one("SELECT count(*) AS n FROM rejections"),
                "parked_waiting": one("SELECT count(*) AS n FROM parked WHERE retried_at IS NULL")}

    def close(self):
        self.db.close()


class MongoReportingStore(PlanCache, MongoMeta, MongoOutbox, ReportingStore):
    def __init__(self, db):
        self.db = db
        db.reports.create_index([("kind", ASCENDING), ("plan_id", ASCENDING)])
        db.current_reports.create_index([("kind", ASCENDING), ("plan_id", ASCENDING),
                                         ("subject", ASCENDING), ("period", ASCENDING)])
        db.rejections.create_index([("province", ASCENDING), ("received_at", DESCENDING)])
        self._ensure_outbox_indexes()

    def atomic(self):
        return nullcontext()

    def save_plan(self, plan):
        older = {"_id": plan["id"], "version": {"$lt": plan["version"]}}
        update = {"$set": {"version": plan["version"], "document": plan}}
        if self.db.plans.update_one(older, update).matched_count:
            return True
        try:
            self.db.plans.insert_one({"_id": plan["id"], "version": plan["version"], "document": plan})
            return True
        except DuplicateKeyError:
            # A newer (or the same) version is kept already - or a concurrent delivery of an
            # older one was inserted since the update above: the guarded update decides again.
            return self.db.plans.update_one(older, update).matched_count == 1

    def _plan_versions(self, plan_id=None):
        query = {} if plan_id is None else {"_id": plan_id}
        return [(d["_id"], d["version"]) for d in
                self.db.plans.find(query, {"version": 1}).sort("_id", 1)]

    def _plan_document(self, plan_id):
        doc = self.db.plans.find_one({"_id": plan_id})
        return doc["version"], doc["document"]

    def record_report(self, kind, plan_id, subject, period, province, event_id, reported_at_key,
                      body, sender):
        try:
            self.db.reports.insert_one({
                "_id": event_id, "kind": kind, "plan_id": plan_id, "subject": subject,
                "period": period, "province": province, "reported_at": reported_at_key,
                "received_at": now_iso(), "sender": sender, "body": body})
            new = True
        except DuplicateKeyError:
            # A repeated event_id: only what was first received under it counts. Re-applying it
            # below repairs a current report that a crash left unwritten.
            new = False
            kept = self.db.reports.find_one({"_id": event_id})
            if _key_of(kept) != (kind, plan_id, subject, period, province):
                return Recorded(False, False)  # reused for another report: no effect at all
            reported_at_key, body = kept["reported_at"], kept["body"]
        return Recorded(new, self._apply(kind, plan_id, subject, period, province, event_id,
                                         reported_at_key, body))

    def _apply(self, kind, plan_id, subject, period, province, event_id, reported_at_key, body):
        """The precedence rule as a guarded update; True when this report is in force."""
        key = f"{kind}|{plan_id}|{subject}|{period}|{province}"
        doc = {"kind": kind, "plan_id": plan_id, "subject": subject, "period": period,
               "province": province, "reported_at": reported_at_key, "event_id": event_id,
               "value": _value_of(kind, body), "body": body}
        # Guarded update: only a later (reported_at, event_id) replaces the current report.
        later = {"$or": [{"reported_at": {"$lt": reported_at_key}},
                         {"reported_at": reported_at_key, "event_id": {"$lt": event_id}}]}
        if not self.db.current_reports.update_one({"_id": key, **later}, {"$set": doc}).matched_count:
            try:
                self.db.current_reports.insert_one({"_id": key, **doc})
            except DuplicateKeyError:
                # The key exists: its report is later than this one, or a concurrent worker
                # inserted an earlier one since the update above - the guarded update decides.
                self.db.current_reports.update_one({"_id": key, **later}, {"$set": doc})
        current = self.db.current_reports.find_one({"_id": key}, {"event_id": 1})
        in_force = current["event_id"] == event_id
        if in_force and kind == "indicator":
            # After the write, even on a redelivery: a worker that read the values before it
            # holds an older revision, so its view cannot overwrite one that includes this.
            self.db.view_clock.update_one({"_id": self._view_key(plan_id, subject, period)},
                                          {"$inc": {"revision": 1}}, upsert=True)
        return in_force

    @staticmethod
    def _view_key(plan_id, indicator, period):
        return f"{plan_id}|{period}|{indicator}"

    def stored_reports(self, page: int = 5000):
        cursor = self.db.reports.find().sort([("received_at", ASCENDING), ("_id", ASCENDING)]) \
            .batch_size(page)
        return ({**{k: v for k, v in d.items() if k != "_id"}, "event_id": d["_id"]} for d in cursor)

    def reset_views(self):
        self.db.current_reports.delete_many({})
        self.db.indicator_views.delete_many({})

    def replay_report(self, kind, plan_id, subject, period, province, event_id, reported_at_key,
                      body):
        return self._apply(kind, plan_id, subject, period, province, event_id, reported_at_key,
                           body)

    def park(self, parked):
        try:
            self.db.parked.insert_one({"_id": parked["parked_id"], **parked})
            return True
        except DuplicateKeyError:
            return False

    def parked(self, limit=500):
        cursor = self.db.parked.find().sort("parked_at", DESCENDING).limit(limit)
        return [_parked_row({"retried_at": None, "properties": {},
                             **{k: v for k, v in d.items() if k != "_id"}}) for d in cursor]

    def get_parked(self, parked_id):
        doc = self.db.parked.find_one({"_id": parked_id})
        return _parked_row({"retried_at": None, "properties": {},
                            **{k: v for k, v in doc.items() if k != "_id"}}) if doc else None

    def mark_retried(self, parked_id, at):
        self.db.parked.update_one({"_id": parked_id}, {"$set": {"retried_at": at}})

    def add_events(self, events):
        self._add_events(events)

    def record_project_asset(self, plan_id, project, code, value_thb):
        self.db.project_assets.replace_one(
            {"_id": code}, {"plan_id": plan_id, "project": project, "value_thb": value_thb},
            upsert=True)

    def project_assets(self, plan_id):
        out = {}
        for d in self.db.project_assets.find({"plan_id": plan_id}):
            row = out.setdefault(d["project"], {"count": 0, "value_thb": 0.0})
            row["count"] += 1
            row["value_thb"] = round(row["value_thb"] + d["value_thb"], 2)
        return out

    def current_values(self, plan_id, indicator, period):
        cursor = self.db.current_reports.find(
            {"kind": "indicator", "plan_id": plan_id, "subject": indicator, "period": period,
             "value": {"$ne": None}}, {"province": 1, "value": 1})
        return {d["province"]: d["value"] for d in cursor}

    def view_revision(self, plan_id, indicator, period):
        doc = self.db.view_clock.find_one({"_id": self._view_key(plan_id, indicator, period)})
        return doc["revision"] if doc else 0

    def save_indicator_view(self, plan_id, indicator, period, view, events, revision=0):
        self._add_events(events)
        not_newer = {"$or": [{"revision": {"$lte": revision}}, {"revision": {"$exists": False}}]}
        try:
            self.db.indicator_views.update_one(
                {"_id": self._view_key(plan_id, indicator, period), **not_newer},
                {"$set": {"plan_id": plan_id, "period": period, "indicator": indicator,
                          "view": view, "revision": revision, "updated_at": now_iso()}},
                upsert=True)
        except DuplicateKeyError:
            pass  # a view computed at a later revision is kept: this one is already stale

    def indicator_views(self, plan_id, period):
        cursor = self.db.indicator_views.find({"plan_id": plan_id, "period": period})
        return {d["indicator"]: d["view"] for d in cursor}

    def project_progress(self, plan_id):
        cursor = self.db.current_reports.find({"kind": "project", "plan_id": plan_id}).sort(
            [("subject", 1), ("province", 1)])
        return [d["body"] for d in cursor]

    def project_reports(self, plan_id):
        cursor = self.db.reports.find({"kind": "project", "plan_id": plan_id}).sort(
            [("reported_at", ASCENDING), ("_id", ASCENDING)])
        return [d["body"] for d in cursor]

    def reports_of(self, plan_id, filters, limit=1000):
        query = {"plan_id": plan_id, **filters}
        cursor = self.db.reports.find(query).sort([("reported_at", DESCENDING),
                                                   ("_id", DESCENDING)]).limit(limit)
        found = [{**{k: v for k, v in d.items() if k != "_id"}, "event_id": d["_id"]}
                 for d in cursor]
        in_force = {d["event_id"] for d in self.db.current_reports.find(
            {"event_id": {"$in": [r["event_id"] for r in found]}}, {"event_id": 1})}
        return [{**r, "in_force": r["event_id"] in in_force} for r in found]

    def first_received(self, plan_id, period):
        first = {}
        in_force = {(d["province"], d["subject"]) for d in self.db.current_reports.find(
            {"kind": "indicator", "plan_id": plan_id, "period": period, "value": {"$ne": None}},
            {"province": 1, "subject": 1})}
        for d in self.db.reports.find({"kind": "indicator", "plan_id": plan_id, "period": period},
                                      {"province": 1, "subject": 1, "received_at": 1}):
            key = (d["province"], d["subject"])
            if key in in_force and (key not in first or d["received_at"] < first[key]):
                first[key] = d["received_at"]
        return first

    def indicator_series(self, plan_id, indicator):
        cursor = self.db.indicator_views.find({"plan_id": plan_id, "indicator": indicator})
        return {d["period"]: d["view"] for d in cursor}

    def record_rejection(self, rejection, events):
        doc = dict(rejection)
        doc["_id"] = doc.pop("rejection_id")
        self._add_events(events)  # same event_id on a retry: no duplicate
        try:
            self.db.rejections.insert_one(doc)
            return True
        except DuplicateKeyError:
            return False

    def rejections(self, provinces=None, limit=500):
        query = {} if provinces is None else {"province": {"$in": list(provinces)}}
        cursor = self.db.rejections.find(query).sort(
            [("received_at", DESCENDING), ("_id", ASCENDING)]).limit(limit)
        return [_rejection_row({"rejection_id": d.pop("_id"), **d}) for d in cursor]

    def count_reports(self):
        return self.db.reports.count_documents({})

    def counts(self):
        return {"reports": self.db.reports.count_documents({}),
                "rejections": self.db.rejections.count_documents({}),
                "parked_waiting": self.db.parked.count_documents({"retried_at": None})}

    def close(self):
        self.db.client.close()


def open_store(url: str) -> ReportingStore:
    if url.startswith("sqlite:"):
        return SqliteReportingStore(sqlite_path(url))
    return MongoReportingStore(open_database(url, "reporting"))

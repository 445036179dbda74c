"""Plans store: the interface (domain verbs) and its SQLite and MongoDB adapters."""
from __future__ import annotations

from abc import ABC, abstractmethod

from services.infra.mongo import is_duplicate_key, open_database
from services.infra.outbox import OUTBOX_SQL, MongoOutbox, SqliteOutbox, now_iso
from services.infra.sqlite import SqliteDatabase, dumps, loads, sqlite_path

from .domain import ReferenceVersion
from services.contracts.errors import ConcurrentUpdate  # raised to RPC callers


class PlansStore(ABC):
    @abstractmethod
    def save_reference(self, version: ReferenceVersion) -> bool:
        """Keep a reference-data version; False when that exact version is already kept."""

    @abstractmethod
    def reference_in_force(self, on_date: str) -> ReferenceVersion | None:
        """The version with the latest ``effective_from`` not after ``on_date`` (ISO date)."""

    @abstractmethod
    def reference_version(self, version_id: str) -> ReferenceVersion | None: ...

    @abstractmethod
    def reference_versions(self) -> list[dict]:
        """Every kept version's metadata, oldest first."""

    @abstractmethod
    def get_plan(self, plan_id: str) -> dict | None: ...

    @abstractmethod
    def list_plans(self) -> list[dict]: ...

    @abstractmethod
    def put_plan(self, plan: dict, expected_version: int | None, events) -> None:
        """Store ``plan`` if the stored version is still ``expected_version`` (None: new plan),
        together with the events it causes, and keep it in the plan's history; else raise
        ConcurrentUpdate."""

    @abstractmethod
    def plan_version(self, plan_id: str, version: int) -> dict | None:
        """The plan as it was at ``version``."""

    @abstractmethod
    def plan_history(self, plan_id: str) -> list[dict]:
        """Every kept version, oldest first: version, status, revision, saved_at."""

    @abstractmethod
    def add_events(self, events) -> None:
        """Queue events in the outbox; an event_id already there is ignored."""

    # outbox relay: pending_events(limit) / mark_published(event_id) / note_publish_failure(...)

    @abstractmethod
    def save_agencies(self, agencies: list[dict]) -> None:
        """Add or replace agencies in the directory, by code."""

    @abstractmethod
    def agencies(self, provinces: list[str] | None = None) -> list[dict]:
        """The directory, by code; ``provinces`` None means all (agencies with no province too)."""

    @abstractmethod
    def close(self) -> None: ...


SCHEMA = OUTBOX_SQL + """
CREATE TABLE IF NOT EXISTS reference_versions (
    version_id     TEXT PRIMARY KEY,
    effective_from TEXT NOT NULL,
    source         TEXT NOT NULL,
    loaded_at      TEXT NOT NULL,
    clusters       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS plans (
    id       TEXT PRIMARY KEY,
    version  INTEGER NOT NULL,
    document TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS agencies (        -- the agencies directory
    code     TEXT PRIMARY KEY,
    province TEXT,
    document TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS plan_versions (   -- the full history: every version ever stored
    id       TEXT NOT NULL,
    version  INTEGER NOT NULL,
    saved_at TEXT NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
"""


def _history_entry(plan: dict, saved_at: str) -> dict:
    return {"version": plan["version"], "status": plan["status"],
            "revision": plan.get("revision"), "saved_at": saved_at}


class SqlitePlansStore(SqliteOutbox, PlansStore):
    def __init__(self, path):
        self.db = SqliteDatabase(path, SCHEMA)

    def save_reference(self, version):
        with self.db.transaction() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO reference_versions VALUES (?, ?, ?, ?, ?)",
                (version.version_id, version.effective_from, version.source, now_iso(),
                 dumps(version.clusters)))
            return cur.rowcount == 1

    def reference_in_force(self, on_date):
        rows = self.db.query(
            "SELECT * FROM reference_versions WHERE effective_from <= ?"
            " ORDER BY effective_from DESC, loaded_at DESC LIMIT 1", (on_date,))
        if not rows:
            return None
        r = rows[0]
        return ReferenceVersion(r["version_id"], r["effective_from"], r["source"],
                                loads(r["clusters"]))

    def reference_version(self, version_id):
        rows = self.db.query("SELECT * FROM reference_versions WHERE version_id = ?", (version_id,))
        if not rows:
            return None
        r = rows[0]
        return ReferenceVersion(r["version_id"], r["effective_from"], r["source"],
                                loads(r["clusters"]))

    def reference_versions(self):
        rows = self.db.query("SELECT version_id, effective_from, source, loaded_at"
                             " FROM reference_versions ORDER BY effective_from, loaded_at")
        return [dict(r) for r in rows]

    def get_plan(self, plan_id):
        rows = self.db.query("SELECT document FROM plans WHERE id = ?", (plan_id,))
        return loads(rows[0]["document"]) if rows else None

    def list_plans(self):
        return [loads(r["document"]) for r in self.db.query("SELECT document FROM plans ORDER BY id")]

    def put_plan(self, plan, expected_version, events):
        with self.db.transaction() as conn:
            if expected_version is None:
                cur = conn.execute("INSERT OR IGNORE INTO plans VALUES (?, ?, ?)",
                                   (plan["id"], plan["version"], dumps(plan)))
            else:
                cur = conn.execute("UPDATE plans SET version = ?, document = ?"
                                   " WHERE id = ? AND version = ?",
                                   (plan["version"], dumps(plan), plan["id"], expected_version))
            if cur.rowcount != 1:
                raise ConcurrentUpdate(f"plan {plan['id']} changed meanwhile")
            conn.execute("INSERT OR REPLACE INTO plan_versions VALUES (?, ?, ?, ?)",
                         (plan["id"], plan["version"], now_iso(), dumps(plan)))
            self._add_events(conn, events)

    def plan_version(self, plan_id, version):
        rows = self.db.query("SELECT document FROM plan_versions WHERE id = ? AND version = ?",
                             (plan_id, version))
        return loads(rows[0]["document"]) if rows else None

    def plan_history(self, plan_id):
        rows = self.db.query("SELECT saved_at, document FROM plan_versions WHERE id = ?"
                             " ORDER BY version", (plan_id,))
        return [_history_entry(loads(r["document"]), r["saved_at"]) for r in rows]

    def add_events(self, events):
        with self.db.transaction() as conn:
            self._add_events(conn, events)

    def save_agencies(self, agencies):
        with self.db.transaction() as conn:
            conn.executemany("INSERT OR REPLACE INTO agencies VALUES (?, ?, ?)",
                             [(a["code"], a.get("province"), dumps(a)) for a in agencies])

    def agencies(self, provinces=None):
        if provinces is None:
            rows = self.db.query("SELECT document FROM agencies ORDER BY code")
        else:
            marks = ",".join("?" * len(provinces))
            rows = self.db.query(f"SELECT document FROM agencies WHERE province IN ({marks})"
                                 " ORDER BY code", tuple(provinces))
        return [loads(r["document"]) for r in rows]

    def close(self):
        self.db.close()


class MongoPlansStore(MongoOutbox, PlansStore):
    def __init__(self, db):
        self.db = db
        self.db.reference_versions.create_index([("effective_from", -1), ("loaded_at", -1)])
        self.db.plan_versions.create_index([("plan_id", 1), ("version", 1)])
        self.db.agencies.create_index("province")
        self._ensure_outbox_indexes()

    def save_reference(self, version):
        try:
            self.db.reference_versions.insert_one({
                "_id": version.version_id, "effective_from": version.effective_from,
                "source": version.source, "loaded_at": now_iso(), "clusters": version.clusters})
            return True
        except Exception as exc:
            if is_duplicate_key(exc):
                return False
            raise

    def reference_in_force(self, on_date):
        doc = self.db.reference_versions.find_one(
            {"effective_from": {"$lte": on_date}},
            sort=[("effective_from", -1), ("loaded_at", -1)])
        if not doc:
            return None
        return ReferenceVersion(doc["_id"], doc["effective_from"], doc["source"], doc["clusters"])

    def reference_version(self, version_id):
        doc = self.db.reference_versions.find_one({"_id": version_id})
        if not doc:
            return None
        return ReferenceVersion(doc["_id"], doc["effective_from"], doc["source"], doc["clusters"])

    def reference_versions(self):
        cursor = self.db.reference_versions.find({}, {"clusters": 0}).sort(
            [("effective_from", 1), ("loaded_at", 1)])
        return [{"version_id": d["_id"], "effective_from": d["effective_from"],
                 "source": d["source"], "loaded_at": d["loaded_at"]} for d in cursor]

    def get_plan(self, plan_id):
        doc = self.db.plans.find_one({"_id": plan_id})
        return doc["document"] if doc else None

    def list_plans(self):
        return [d["document"] for d in self.db.plans.find().sort("_id", 1)]

    def put_plan(self, plan, expected_version, events):
        # The plan first, then its events: a crash in between is repaired at start-up, when the
        # service re-queues every plan's current snapshot (same event_id, so no duplicate).
        if expected_version is None:
            try:
                self.db.plans.insert_one({"_id": plan["id"], "version": plan["version"],
                                          "document": plan})
            except Exception as exc:
                if is_duplicate_key(exc):
                    raise ConcurrentUpdate(f"plan {plan['id']} exists already") from None
                raise
        else:
            result = self.db.plans.update_one(
                {"_id": plan["id"], "version": expected_version},
                {"$set": {"version": plan["version"], "document": plan}})
            if result.matched_count != 1:
                raise ConcurrentUpdate(f"plan {plan['id']} changed meanwhile")
        self.db.plan_versions.replace_one(
            {"_id": f"{plan['id']}@{plan['version']}"},
            {"plan_id": plan["id"], "version": plan["version"], "saved_at": now_iso(),
             "document": plan}, upsert=True)
        self._add_events(events)

    def plan_version(self, plan_id, version):
        doc = self.db.plan_versions.find_one({"_id": f"{plan_id}@{version}"})
        return doc["document"] if doc else None

    def plan_history(self, plan_id):
        cursor = self.db.plan_versions.find({"plan_id": plan_id}).sort("version", 1)
        return [_history_entry(d["document"], d["saved_at"]) for d in cursor]

    def add_events(self, events):
        self._add_events(events)

    def save_agencies(self, agencies):
        for agency in agencies:
            self.db.agencies.replace_one({"_id": agency["code"]},
                                         {"province": agency.get("province"), "document": agency},
                                         upsert=True)

    def agencies(self, provinces=None):
        query = {} if provinces is None else {"province": {"$in": list(provinces)}}
        return [d["document"] for d in self.db.agencies.find(query).sort("_id", 1)]

    def close(self):
        self.db.client.close()


def open_store(url: str) -> PlansStore:
    if url.startswith("sqlite:"):
        return SqlitePlansStore(sqlite_path(url))
    return MongoPlansStore(open_database(url, "plans"))

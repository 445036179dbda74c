"""Assets store: the interface (domain verbs) and its SQLite and MongoDB adapters."""
from __future__ import annotations

from abc import ABC, abstractmethod

from pymongo.errors import DuplicateKeyError

from services.infra.meta import META_SQL, MongoMeta, SqliteMeta
from services.infra.mongo import open_database
from services.infra.outbox import OUTBOX_SQL, MongoOutbox, SqliteOutbox
from services.infra.sqlite import SqliteDatabase, dumps, loads, sqlite_path


class DuplicateAsset(Exception):
    pass


class VersionConflict(Exception):
    """The asset is no longer at the version the command was decided on."""


class AssetsStore(ABC):
    @abstractmethod
    def save_projects(self, plan_id: str, version: int, projects: list[dict]) -> None:
        """Keep the projects of a plan version (newer versions replace older ones)."""

    @abstractmethod
    def projects(self) -> dict[str, dict]:
        """Every known project by code."""

    @abstractmethod
    def register(self, asset: dict, events) -> None:
        """Keep a new asset with its events; DuplicateAsset if the code is taken."""

    def register_many(self, registrations: list[tuple[dict, list]]) -> None:
        """Keep several new assets; on SQLite all or none (one transaction)."""
        with self._batch():
            for asset, events in registrations:
                self.register(asset, events)

    def _batch(self):
        from contextlib import nullcontext
        return nullcontext()

    @abstractmethod
    def update(self, asset: dict, expected_version: int, events) -> None:
        """Replace the asset only if it is still at ``expected_version`` (optimistic
        concurrency: of two commands decided on one version, exactly one is kept), with its
        events; VersionConflict otherwise, and nothing changes."""

    @abstractmethod
    def get(self, code: str) -> dict | None: ...

    @abstractmethod
    def add_events(self, events) -> None:
        """Queue facts (an event_id queued before is ignored)."""

    @abstractmethod
    def get_meta(self, key: str): ...

    @abstractmethod
    def set_meta(self, key: str, value) -> None: ...

    @abstractmethod
    def list(self, project: str | None = None) -> list[dict]: ...

    @abstractmethod
    def close(self) -> None: ...


SCHEMA = OUTBOX_SQL + META_SQL + """
CREATE TABLE IF NOT EXISTS plan_projects (
    plan_id TEXT PRIMARY KEY, version INTEGER NOT NULL, projects TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS assets (
    code TEXT PRIMARY KEY, project TEXT NOT NULL, version INTEGER NOT NULL, document TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS assets_by_project ON assets (project);
"""


class SqliteAssetsStore(SqliteMeta, SqliteOutbox, AssetsStore):
    def __init__(self, path):
        self.db = SqliteDatabase(path, SCHEMA)

    def _batch(self):
        return self.db.transaction()  # nested transactions join the outer one

    def save_projects(self, plan_id, version, projects):
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO plan_projects VALUES (?, ?, ?) ON CONFLICT(plan_id) DO UPDATE"
                         " SET version = excluded.version, projects = excluded.projects"
                         " WHERE excluded.version >= plan_projects.version",
                         (plan_id, version, dumps(projects)))

    def projects(self):
        out = {}
        for row in self.db.query("SELECT projects FROM plan_projects ORDER BY plan_id"):
            out.update({p["code"]: p for p in loads(row["projects"])})
        return out

    def register(self, asset, events):
        with self.db.transaction() as conn:
            cur = conn.execute("INSERT OR IGNORE INTO assets VALUES (?, ?, ?, ?)",
                               (asset["code"], asset["project"], asset["version"], dumps(asset)))
            if cur.rowcount != 1:
                raise DuplicateAsset(f"asset code {asset['code']} is already registered")
            self._add_events(conn, events)

    def update(self, asset, expected_version, events):
        with self.db.transaction() as conn:
            cur = conn.execute("UPDATE assets SET version = ?, document = ?"
                               " WHERE code = ? AND version = ?",
                               (asset["version"], dumps(asset), asset["code"], expected_version))
            if cur.rowcount != 1:
                raise VersionConflict(asset["code"])
            self._add_events(conn, events)

    def get(self, code):
        rows = self.db.query("SELECT document FROM assets WHERE code = ?", (code,))
        return loads(rows[0]["document"]) if rows else None

    def add_events(self, events):
        with self.db.transaction() as conn:
            self._add_events(conn, events)

    def list(self, project=None):
        if project:
            rows = self.db.query("SELECT document FROM assets WHERE project = ? ORDER BY code",
                                 (project,))
        else:
            rows = self.db.query("SELECT document FROM assets ORDER BY code")
        return [loads(r["document"]) for r in rows]

    def close(self):
        self.db.close()


class MongoAssetsStore(MongoMeta, MongoOutbox, AssetsStore):
    def __init__(self, db):
        self.db = db
        db.assets.create_index("project")
        self._ensure_outbox_indexes()

    def save_projects(self, plan_id, version, projects):
        guard = {"_id": plan_id, "version": {"$lte": version}}
        update = {"$set": {"version": version, "projects": projects}}
        if not self.db.plan_projects.update_one(guard, update).matched_count:
            try:
                self.db.plan_projects.insert_one({"_id": plan_id, "version": version,
                                                  "projects": projects})
            except DuplicateKeyError:
                # a newer version is kept, or an older one was inserted concurrently: decide again
                self.db.plan_projects.update_one(guard, update)

    def projects(self):
        out = {}
        for doc in self.db.plan_projects.find().sort("_id", 1):
            out.update({p["code"]: p for p in doc["projects"]})
        return out

    def register(self, asset, events):
        try:
            self.db.assets.insert_one({"_id": asset["code"], "project": asset["project"],
                                       "version": asset["version"], "document": asset})
        except DuplicateKeyError:
            raise DuplicateAsset(f"asset code {asset['code']} is already registered") from None
        self._add_events(events)

    def update(self, asset, expected_version, events):
        # One guarded single-document update: the version test and the write are atomic.
        done = self.db.assets.update_one(
            {"_id": asset["code"], "version": expected_version},
            {"$set": {"version": asset["version"], "document": asset}})
        if not done.matched_count:
            raise VersionConflict(asset["code"])
        # After the write (a conflict must announce nothing); ids are deterministic, and
        # ``ledger_events`` re-queues the latest step's after a crash in between.
        self._add_events(events)

    def register_many(self, registrations):
        # No transaction here: if one code turns out taken, take back what this call inserted
        # (and its not yet published events) so the sheet is all or none as the API says.
        done = []
        try:
            for asset, events in registrations:
                self.register(asset, events)
                done.append((asset, events))
        except DuplicateAsset:
            for asset, events in done:
                self.db.assets.delete_one({"_id": asset["code"], "version": asset["version"]})
                self.db.outbox.delete_many({"_id": {"$in": [p["event_id"] for _, p in events]},
                                            "published_at": None})
            raise

    def get(self, code):
        doc = self.db.assets.find_one({"_id": code})
        return doc["document"] if doc else None

    def add_events(self, events):
        self._add_events(events)

    def list(self, project=None):
        query = {"project": project} if project else {}
        return [d["document"] for d in self.db.assets.find(query).sort("_id", 1)]

    def close(self):
        self.db.client.close()


def open_store(url: str) -> AssetsStore:
    if url.startswith("sqlite:"):
        return SqliteAssetsStore(sqlite_path(url))
    return MongoAssetsStore(open_database(url, "assets"))

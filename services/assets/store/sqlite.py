"""Assets store on the embedded SQLite file (one per service; infra/sqlite.py)."""
from __future__ import annotations

from services.infra.meta import META_SQL, SqliteMeta
from services.infra.outbox import OUTBOX_SQL, SqliteOutbox
from services.infra.sqlite import SqliteDatabase, dumps, loads

from .base import AssetsStore, DuplicateAsset, VersionConflict

SCHEMA = OUTBOX_SQL + META_SQL + """
CREATE TABLE IF NOT EXISTS plan_projects (
    plan_id TEXT PRIMARY KEY, version INTEGER NOT NULL, projects TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS assets (
    code TEXT PRIMARY KEY, project TEXT NOT NULL, version INTEGER NOT NULL, document TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS assets_by_project ON assets (project);
"""


class SqliteAssetsStore(AssetsStore):
    def __init__(self, path):
        self.db = SqliteDatabase(path, SCHEMA)
        self.outbox = SqliteOutbox(self.db)
        self.meta = SqliteMeta(self.db)

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
            self.outbox.add(conn, events)

    def update(self, asset, expected_version, events):
        with self.db.transaction() as conn:
            cur = conn.execute("UPDATE assets SET version = ?, document = ?"
                               " WHERE code = ? AND version = ?",
                               (asset["version"], dumps(asset), asset["code"], expected_version))
            if cur.rowcount != 1:
                raise VersionConflict(asset["code"])
            self.outbox.add(conn, events)

    def get(self, code):
        rows = self.db.query("SELECT document FROM assets WHERE code = ?", (code,))
        return loads(rows[0]["document"]) if rows else None

    def add_events(self, events):
        with self.db.transaction() as conn:
            self.outbox.add(conn, events)

    def list(self, project=None):
        if project:
            rows = self.db.query("SELECT document FROM assets WHERE project = ? ORDER BY code",
                                 (project,))
        else:
            rows = self.db.query("SELECT document FROM assets ORDER BY code")
        return [loads(r["document"]) for r in rows]

    def delete_sample(self, code):
        with self.db.transaction() as conn:
            row = conn.execute("SELECT document FROM assets WHERE code = ?", (code,)).fetchone()
            if row is None or not loads(row["document"]).get("sample"):
                return False
            return conn.execute("DELETE FROM assets WHERE code = ?", (code,)).rowcount == 1

    def close(self):
        self.db.close()

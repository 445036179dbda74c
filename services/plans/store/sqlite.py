"""Plans store on the embedded SQLite file (one per service; infra/sqlite.py)."""
from __future__ import annotations

from services.infra.outbox import OUTBOX_SQL, SqliteOutbox, now_iso
from services.infra.sqlite import SqliteDatabase, dumps, loads

from ..domain import ReferenceVersion
from .base import ConcurrentUpdate, PlansStore, _history_entry

SCHEMA = OUTBOX_SQL + """
CREATE TABLE IF NOT EXISTS reference_versions (
    version_id     TEXT PRIMARY KEY,
    effective_from TEXT NOT NULL,
    source         TEXT NOT NULL,
    loaded_at      TEXT NOT NULL,
    clusters       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS national_versions (  -- the national hierarchy, as loaded
    version_id TEXT PRIMARY KEY,
    loaded_at  TEXT NOT NULL,
    loaded_by  TEXT NOT NULL,
    files      TEXT NOT NULL                      -- {file name: CSV text}
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


class SqlitePlansStore(PlansStore):
    def __init__(self, path):
        self.db = SqliteDatabase(path, SCHEMA)
        self.outbox = SqliteOutbox(self.db)

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

    def save_national(self, version_id, files, by):
        with self.db.transaction() as conn:
            cur = conn.execute("INSERT OR IGNORE INTO national_versions VALUES (?, ?, ?, ?)",
                               (version_id, now_iso(), by, dumps(files)))
            if cur.rowcount == 1:
                return True
            # loaded again: in force again (how an admin goes back to an earlier version); a new
            # row id keeps the load order when two loads share a timestamp
            kept = conn.execute("SELECT files FROM national_versions WHERE version_id = ?",
                                (version_id,)).fetchone()[0]
            conn.execute("DELETE FROM national_versions WHERE version_id = ?", (version_id,))
            conn.execute("INSERT INTO national_versions VALUES (?, ?, ?, ?)",
                         (version_id, now_iso(), by, kept))
            return False

    def national_files(self, version_id):
        rows = self.db.query("SELECT files FROM national_versions WHERE version_id = ?",
                             (version_id,))
        return loads(rows[0]["files"]) if rows else None

    def latest_national(self):
        rows = self.db.query("SELECT version_id FROM national_versions"
                             " ORDER BY loaded_at DESC, rowid DESC LIMIT 1")
        return rows[0]["version_id"] if rows else None

    def national_versions(self):
        rows = self.db.query("SELECT version_id, loaded_at, loaded_by, files"
                             " FROM national_versions ORDER BY loaded_at, rowid")
        return [{"version_id": r["version_id"], "loaded_at": r["loaded_at"],
                 "loaded_by": r["loaded_by"], "files": sorted(loads(r["files"]))} for r in rows]

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
            self.outbox.add(conn, events)

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
            self.outbox.add(conn, events)

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

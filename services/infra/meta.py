"""A service's small settings and markers (``get_meta``/``set_meta``), the same in every store:
mixins for the SQLite adapters (table ``meta`` from META_SQL) and the MongoDB ones."""
from __future__ import annotations

from .sqlite import dumps, loads

META_SQL = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"


class SqliteMeta:
    def get_meta(self, key):
        rows = self.db.query("SELECT value FROM meta WHERE key = ?", (key,))
        return loads(rows[0]["value"]) if rows else None

    def set_meta(self, key, value):
        with self.db.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, dumps(value)))


class MongoMeta:
    def get_meta(self, key):
        doc = self.db.meta.find_one({"_id": key})
        return doc["value"] if doc else None

    def set_meta(self, key, value):
        self.db.meta.replace_one({"_id": key}, {"value": value}, upsert=True)

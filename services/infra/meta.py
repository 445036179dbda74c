"""A service's small settings and markers, the same in every store: a ``meta`` collaborator the
SQLite adapters (table ``meta`` from META_SQL) and the MongoDB ones compose, behind the stores'
``get_meta``/``set_meta`` verbs."""
from __future__ import annotations

from .sqlite import dumps, loads

META_SQL = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"


class SqliteMeta:
    def __init__(self, db):
        self.db = db  # the store's SqliteDatabase

    def get(self, key):
        # read once per transaction (the intake asks the due days of every report it judges by
        # a reporting window): within one, only its own set() changes it (transaction_memo)
        memo = self.db.transaction_memo()
        if memo is None or ("meta", key) not in memo:
            rows = self.db.query("SELECT value FROM meta WHERE key = ?", (key,))
            text = rows[0]["value"] if rows else None
            if memo is None:
                return loads(text)
            memo["meta", key] = text
        return loads(memo["meta", key])

    def set(self, key, value):
        with self.db.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, dumps(value)))
            self.db.transaction_memo().pop(("meta", key), None)


class MongoMeta:
    def __init__(self, db):
        self.db = db

    def get(self, key):
        doc = self.db.meta.find_one({"_id": key})
        return doc["value"] if doc else None

    def set(self, key, value):
        self.db.meta.replace_one({"_id": key}, {"value": value}, upsert=True)


class KeepsMeta:
    """The ``get_meta``/``set_meta`` verbs of a store interface, kept by the ``meta`` its
    adapter composes (SqliteMeta or MongoMeta)."""

    meta: SqliteMeta | MongoMeta

    def get_meta(self, key: str):
        return self.meta.get(key)

    def set_meta(self, key: str, value) -> None:
        self.meta.set(key, value)

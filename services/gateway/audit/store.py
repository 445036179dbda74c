"""Where the audit log is kept: append-only, newest first, filtered. Two adapters under one
contract suite (tests/contract/test_audit_store.py): SQLite, in the accounts' file, and MongoDB,
in the accounts' database. Records are never changed or deleted through this interface."""
from __future__ import annotations

from pymongo import DESCENDING

from services.infra.mongo import open_database
from services.infra.sqlite import SqliteDatabase, dumps, loads, sqlite_path


class AuditStore:
    def append(self, record: dict) -> None: ...
    # newest first; ``filters`` as record.check_filters gives them, ``clusters`` None = every
    # cluster's (and those of none), else only those clusters' records; (records, whole count)
    def find(self, filters: dict, clusters: list[str] | None, limit: int,
             offset: int) -> tuple[list[dict], int]: ...
    def close(self) -> None: ...


SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL,
    at TEXT NOT NULL, act TEXT NOT NULL, target TEXT, cluster TEXT, person TEXT,
    organisation TEXT, document TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
CREATE INDEX IF NOT EXISTS audit_cluster_at ON audit (cluster, at);
"""


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class SqliteAuditStore(AuditStore):
    def __init__(self, path):
        self.db = SqliteDatabase(path, SCHEMA)

    def append(self, record):
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO audit (id, at, act, target, cluster, person, organisation, "
                         "document) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (record["id"], record["at"], record["act"], record.get("target"),
                          record.get("cluster"), record.get("person"),
                          record.get("organisation"), dumps(record)))

    def find(self, filters, clusters, limit, offset):
        where, values = [], []
        if "since" in filters:
            where.append("at >= ?"), values.append(filters["since"])
        if "until" in filters:
            where.append("at < ?"), values.append(filters["until"])
        if "act" in filters:  # "plan" finds plan.publish, plan.revise, ...
            where.append("(act = ? OR act LIKE ? ESCAPE '\\')")
            values += [filters["act"], filters["act"].replace("_", "\\_") + ".%"]
        for name in ("target", "organisation", "cluster"):
            if name in filters:
                where.append(f"{name} = ?"), values.append(filters[name])
        if "person" in filters:  # a part of the name or the username
            where.append("person LIKE ? ESCAPE '\\'"), values.append(_like(filters["person"]))
        if clusters is not None:
            where.append(f"cluster IN ({', '.join('?' * len(clusters))})" if clusters else "0")
            values += clusters
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        total = self.db.query(f"SELECT COUNT(*) AS n FROM audit{clause}", values)[0]["n"]
        rows = self.db.query(f"SELECT document FROM audit{clause} ORDER BY at DESC, seq DESC "
                             "LIMIT ? OFFSET ?", values + [limit, offset])
        return [loads(r["document"]) for r in rows], total

    def close(self):
        self.db.close()


class MongoAuditStore(AuditStore):
    def __init__(self, db):
        self.db = db
        db.audit.create_index([("at", DESCENDING)])
        db.audit.create_index([("cluster", 1), ("at", DESCENDING)])

    def append(self, record):
        self.db.audit.insert_one({**record, "_id": record["id"]})

    def find(self, filters, clusters, limit, offset):
        import re
        query: dict = {}
        at = {**({"$gte": filters["since"]} if "since" in filters else {}),
              **({"$lt": filters["until"]} if "until" in filters else {})}
        if at:
            query["at"] = at
        if "act" in filters:
            query["act"] = {"$regex": f"^{re.escape(filters['act'])}(\\.|$)"}
        for name in ("target", "organisation", "cluster"):
            if name in filters:
                query[name] = filters[name]
        if "person" in filters:
            query["person"] = {"$regex": re.escape(filters["person"]), "$options": "i"}
        if clusters is not None:
            query.setdefault("$and", []).append({"cluster": {"$in": clusters}})
        total = self.db.audit.count_documents(query)
        found = self.db.audit.find(query, {"_id": 0}).sort([("at", DESCENDING), ("_id", DESCENDING)])
        return list(found.skip(offset).limit(limit)), total

    def close(self):
        self.db.client.close()


def open_store(url: str) -> AuditStore:
    if url.startswith("sqlite:"):
        return SqliteAuditStore(sqlite_path(url))
    return MongoAuditStore(open_database(url, "accounts"))

"""Notify store: the recipient directory and the mail outbox (SQLite and MongoDB adapters)."""
from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime, timedelta, timezone

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.infra.meta import META_SQL, MongoMeta, SqliteMeta
from services.infra.mongo import open_database
from services.infra.sqlite import SqliteDatabase, dumps, loads, sqlite_path

from .domain import Mail

MAIL_FIELDS = ("mail_id", "event_id", "template", "to_addr", "subject", "text", "html",
               "message_id", "status", "attempts", "next_attempt_at", "lease_until",
               "last_error", "created_at", "sent_at", "agency")


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _new_mail(mail: Mail, now: datetime, status: str = "pending") -> dict:
    return {"mail_id": mail.mail_id, "event_id": mail.event_id, "template": mail.template,
            "to_addr": mail.to, "subject": mail.subject, "text": mail.text, "html": mail.html,
            "message_id": mail.message_id, "status": status, "attempts": 0,
            "next_attempt_at": _iso(now), "lease_until": _iso(now), "last_error": None,
            "created_at": _iso(now), "sent_at": None, "agency": mail.agency}


def _directory(plans: list[dict]) -> dict:
    agencies, province_cluster = {}, {}
    for plan in plans:
        for province in plan["provinces"]:
            province_cluster[province] = plan["cluster"]
        for agency in plan["agencies"]:
            agencies[agency["code"]] = {**agency, "cluster": plan["cluster"]}
    return {"agencies": agencies, "province_cluster": province_cluster}


class NotifyStore(ABC):
    @abstractmethod
    def save_directory(self, plan_id: str, version: int, cluster: str, provinces: list[str],
                       agencies: list[dict]) -> None:
        """Keep a plan's agencies and provinces (a newer plan version replaces an older one)."""

    @abstractmethod
    def directory(self) -> dict:
        """``{"agencies": {code: agency}, "province_cluster": {province: cluster}}``."""

    @abstractmethod
    def enqueue(self, mails: list[Mail], now: datetime, status: str = "pending") -> int:
        """Queue mails; one whose mail_id is queued already is ignored. Returns how many new.
        ``status="held"`` keeps them for the recipient's daily digest instead of sending."""

    @abstractmethod
    def digest(self, digest: Mail, held_ids: list[str], now: datetime) -> bool:
        """Queue a digest and mark the held mails it gathers as ``in_digest`` together (a
        digest queued before under the same mail_id changes nothing); True when new."""

    @abstractmethod
    def claim_due(self, now: datetime, lease_seconds: float, limit: int = 50) -> list[dict]:
        """Pending mails due now, leased to the caller so no other sender takes them meanwhile."""

    @abstractmethod
    def mark_sent(self, mail_id: str, now: datetime) -> None: ...

    @abstractmethod
    def retry_later(self, mail_id: str, at: datetime, error: str) -> None: ...

    @abstractmethod
    def mark_failed(self, mail_id: str, error: str) -> None: ...

    @abstractmethod
    def mails(self, status: str | None = None, limit: int = 500,
              agencies: list[str] | None = None, template: str | None = None) -> list[dict]:
        """The delivery log, newest first; ``agencies`` None means every recipient."""

    @abstractmethod
    def status_counts(self) -> dict[str, int]:
        """How many mails are in each status (monitoring)."""

    @abstractmethod
    def get_meta(self, key: str): ...

    @abstractmethod
    def set_meta(self, key: str, value) -> None: ...

    @abstractmethod
    def close(self) -> None: ...


SCHEMA = META_SQL + """
CREATE TABLE IF NOT EXISTS directory (
    plan_id TEXT PRIMARY KEY, version INTEGER NOT NULL, document TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS mails (
    mail_id TEXT PRIMARY KEY, event_id TEXT NOT NULL, template TEXT NOT NULL,
    to_addr TEXT NOT NULL, subject TEXT NOT NULL, text TEXT NOT NULL, html TEXT NOT NULL,
    message_id TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL, lease_until TEXT NOT NULL, last_error TEXT,
    created_at TEXT NOT NULL, sent_at TEXT, agency TEXT
);
CREATE INDEX IF NOT EXISTS mails_due ON mails (status, next_attempt_at);
"""


class SqliteNotifyStore(SqliteMeta, NotifyStore):
    def __init__(self, path):
        self.db = SqliteDatabase(path, SCHEMA)
        columns = {r["name"] for r in self.db.query("PRAGMA table_info(mails)")}
        if "agency" not in columns:  # a store made before the delivery log named agencies
            with self.db.transaction() as conn:
                conn.execute("ALTER TABLE mails ADD COLUMN agency TEXT")

    def save_directory(self, plan_id, version, cluster, provinces, agencies):
        doc = {"id": plan_id, "cluster": cluster, "provinces": provinces, "agencies": agencies}
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO directory VALUES (?, ?, ?) ON CONFLICT(plan_id) DO UPDATE"
                         " SET version = excluded.version, document = excluded.document"
                         " WHERE excluded.version >= directory.version",
                         (plan_id, version, dumps(doc)))

    def directory(self):
        return _directory([loads(r["document"]) for r in
                           self.db.query("SELECT document FROM directory ORDER BY plan_id")])

    def enqueue(self, mails, now, status="pending"):
        with self.db.transaction() as conn:
            added = 0
            for mail in mails:
                row = _new_mail(mail, now, status)
                added += conn.execute(
                    f"INSERT OR IGNORE INTO mails ({', '.join(MAIL_FIELDS)})"
                    f" VALUES ({', '.join('?' * len(MAIL_FIELDS))})",
                    [row[f] for f in MAIL_FIELDS]).rowcount
            return added

    def digest(self, digest, held_ids, now):
        with self.db.transaction() as conn:
            if not self.enqueue([digest], now):
                return False
            conn.executemany("UPDATE mails SET status = 'in_digest', last_error = ?"
                             " WHERE mail_id = ? AND status = 'held'",
                             [(f"sent in digest {digest.mail_id}", i) for i in held_ids])
            return True

    def claim_due(self, now, lease_seconds, limit=50):
        with self.db.transaction() as conn:
            rows = conn.execute(
                "SELECT * FROM mails WHERE status = 'pending' AND next_attempt_at <= ?"
                " AND lease_until <= ? ORDER BY next_attempt_at LIMIT ?",
                (_iso(now), _iso(now), limit)).fetchall()
            until = _iso(now + timedelta(seconds=lease_seconds))
            conn.executemany("UPDATE mails SET lease_until = ?, attempts = attempts + 1"
                             " WHERE mail_id = ?", [(until, r["mail_id"]) for r in rows])
            return [{**dict(r), "attempts": r["attempts"] + 1, "lease_until": until} for r in rows]

    def mark_sent(self, mail_id, now):
        with self.db.transaction() as conn:
            conn.execute("UPDATE mails SET status = 'sent', sent_at = ?, last_error = NULL"
                         " WHERE mail_id = ?", (_iso(now), mail_id))

    def retry_later(self, mail_id, at, error):
        with self.db.transaction() as conn:
            conn.execute("UPDATE mails SET next_attempt_at = ?, lease_until = ?, last_error = ?"
                         " WHERE mail_id = ?", (_iso(at), _iso(at), error[:1000], mail_id))

    def mark_failed(self, mail_id, error):
        with self.db.transaction() as conn:
            conn.execute("UPDATE mails SET status = 'failed', last_error = ? WHERE mail_id = ?",
                         (error[:1000], mail_id))

    def mails(self, status=None, limit=500, agencies=None, template=None):
        where, args = [], []
        if status:
            where.append("status = ?")
            args.append(status)
        if template:
            where.append("template = ?")
            args.append(template)
        if agencies is not None:
            where.append(f"agency IN ({', '.join('?' * len(agencies))})")
            args += agencies
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self.db.query(f"SELECT * FROM mails{clause} ORDER BY created_at DESC LIMIT ?",
                             (*args, limit))
        return [dict(r) for r in rows]

    def status_counts(self):
        return {r["status"]: r["n"] for r in
                self.db.query("SELECT status, count(*) AS n FROM mails GROUP BY status")}

    def close(self):
        self.db.close()


class MongoNotifyStore(MongoMeta, NotifyStore):
    def __init__(self, db):
        self.db = db
        db.mails.create_index([("status", ASCENDING), ("next_attempt_at", ASCENDING)])

    def save_directory(self, plan_id, version, cluster, provinces, agencies):
        doc = {"id": plan_id, "cluster": cluster, "provinces": provinces, "agencies": agencies}
        guard = {"_id": plan_id, "version": {"$lte": version}}
        update = {"$set": {"version": version, "document": doc}}
        if not self.db.directory.update_one(guard, update).matched_count:
            try:
                self.db.directory.insert_one({"_id": plan_id, "version": version, "document": doc})
            except DuplicateKeyError:
                # a newer version is kept, or an older one was inserted concurrently: decide again
                self.db.directory.update_one(guard, update)

    def directory(self):
        return _directory([d["document"] for d in self.db.directory.find().sort("_id", 1)])

    def enqueue(self, mails, now, status="pending"):
        added = 0
        for mail in mails:
            row = _new_mail(mail, now, status)
            try:
                self.db.mails.insert_one({"_id": row["mail_id"], **row})
                added += 1
            except DuplicateKeyError:
                pass
        return added

    def digest(self, digest, held_ids, now):
        # The digest first (its id is derived from the mails it gathers), then the mails: a
        # crash in between leaves them held, and the next run queues the same digest id -
        # ignored - and marks them then.
        new = self.enqueue([digest], now) == 1
        self.db.mails.update_many({"_id": {"$in": list(held_ids)}, "status": "held"},
                                  {"$set": {"status": "in_digest",
                                            "last_error": f"sent in digest {digest.mail_id}"}})
        return new

    def claim_due(self, now, lease_seconds, limit=50):
        claimed, until = [], _iso(now + timedelta(seconds=lease_seconds))
        for _ in range(limit):
            doc = self.db.mails.find_one_and_update(
                {"status": "pending", "next_attempt_at": {"$lte": _iso(now)},
                 "lease_until": {"$lte": _iso(now)}},
                {"$set": {"lease_until": until}, "$inc": {"attempts": 1}},
                sort=[("next_attempt_at", ASCENDING)], return_document=ReturnDocument.AFTER)
            if doc is None:
                break
            doc.pop("_id")
            claimed.append(doc)
        return claimed

    def mark_sent(self, mail_id, now):
        self.db.mails.update_one({"_id": mail_id}, {"$set": {"status": "sent", "sent_at": _iso(now),
                                                            "last_error": None}})

    def retry_later(self, mail_id, at, error):
        self.db.mails.update_one({"_id": mail_id}, {"$set": {
            "next_attempt_at": _iso(at), "lease_until": _iso(at), "last_error": error[:1000]}})

    def mark_failed(self, mail_id, error):
        self.db.mails.update_one({"_id": mail_id}, {"$set": {"status": "failed",
                                                            "last_error": error[:1000]}})

    def mails(self, status=None, limit=500, agencies=None, template=None):
        query = {}
        if status:
            query["status"] = status
        if template:
            query["template"] = template
        if agencies is not None:
            query["agency"] = {"$in": list(agencies)}
        cursor = self.db.mails.find(query).sort("created_at", -1).limit(limit)
        return [{k: v for k, v in d.items() if k != "_id"} for d in cursor]

    def status_counts(self):
        return {d["_id"]: d["n"] for d in
                self.db.mails.aggregate([{"$group": {"_id": "$status", "n": {"$sum": 1}}}])}

    def close(self):
        self.db.client.close()


def open_store(url: str) -> NotifyStore:
    if url.startswith("sqlite:"):
        return SqliteNotifyStore(sqlite_path(url))
    return MongoNotifyStore(open_database(url, "notify"))

"""Notify store on the embedded SQLite file (one per service; infra/sqlite.py)."""
from __future__ import annotations

from datetime import timedelta

from services.infra.meta import META_SQL, SqliteMeta
from services.infra.sqlite import SqliteDatabase, dumps, loads

from .base import MAIL_FIELDS, NotifyStore, _directory, _iso, _new_mail

SCHEMA = META_SQL + """
CREATE TABLE IF NOT EXISTS directory (
    plan_id TEXT PRIMARY KEY, version INTEGER NOT NULL, document TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS mails (
    mail_id TEXT PRIMARY KEY, event_id TEXT NOT NULL, template TEXT NOT NULL,
    to_addr TEXT NOT NULL, subject TEXT NOT NULL, text TEXT NOT NULL, html TEXT NOT NULL,
    message_id TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL, lease_until TEXT NOT NULL, last_error TEXT,
    created_at TEXT NOT NULL, sent_at TEXT, agency TEXT, lease_holder TEXT
);
CREATE INDEX IF NOT EXISTS mails_due ON mails (status, next_attempt_at);
"""


class SqliteNotifyStore(NotifyStore):
    def __init__(self, path):
        self.db = SqliteDatabase(path, SCHEMA)
        self.meta = SqliteMeta(self.db)
        columns = {r["name"] for r in self.db.query("PRAGMA table_info(mails)")}
        # columns a store made by an earlier release lacks: the agency (delivery log by agency),
        # the lease's holder (the fenced lease)
        for column in ("agency", "lease_holder"):
            if column not in columns:
                with self.db.transaction() as conn:
                    conn.execute(f"ALTER TABLE mails ADD COLUMN {column} TEXT")

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

    def claim_due(self, now, lease_seconds, holder, limit=50):
        with self.db.transaction() as conn:
            rows = conn.execute(
                "SELECT * FROM mails WHERE status = 'pending' AND next_attempt_at <= ?"
                " AND lease_until <= ? ORDER BY next_attempt_at LIMIT ?",
                (_iso(now), _iso(now), limit)).fetchall()
            until = _iso(now + timedelta(seconds=lease_seconds))
            conn.executemany("UPDATE mails SET lease_until = ?, lease_holder = ?,"
                             " attempts = attempts + 1 WHERE mail_id = ?",
                             [(until, holder, r["mail_id"]) for r in rows])
            return [{**dict(r), "attempts": r["attempts"] + 1, "lease_until": until,
                     "lease_holder": holder} for r in rows]

    def _under_lease(self, claimed, assignments: str, values: tuple) -> bool:
        with self.db.transaction() as conn:
            return conn.execute(
                f"UPDATE mails SET {assignments} WHERE mail_id = ? AND status = 'pending'"
                " AND attempts = ? AND lease_holder IS ?",
                (*values, claimed["mail_id"], claimed["attempts"],
                 claimed["lease_holder"])).rowcount == 1

    def mark_sent(self, claimed, now):
        return self._under_lease(claimed, "status = 'sent', sent_at = ?, last_error = NULL",
                                 (_iso(now),))

    def retry_later(self, claimed, at, error):
        return self._under_lease(claimed, "next_attempt_at = ?, lease_until = ?, last_error = ?",
                                 (_iso(at), _iso(at), error[:1000]))

    def mark_failed(self, claimed, error):
        return self._under_lease(claimed, "status = 'failed', last_error = ?", (error[:1000],))

    def erase_body(self, mail_id):
        with self.db.transaction() as conn:
            conn.execute("UPDATE mails SET text = '', html = '' WHERE mail_id = ?", (mail_id,))

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

    def delete_mails(self, event_ids):
        with self.db.transaction() as conn:
            return sum(conn.execute("DELETE FROM mails WHERE event_id = ?", (e,)).rowcount
                       for e in event_ids)

    def close(self):
        self.db.close()

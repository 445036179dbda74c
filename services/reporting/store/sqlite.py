"""Reporting store on the embedded SQLite file (one per service; infra/sqlite.py)."""
from __future__ import annotations

from services.infra.meta import META_SQL, SqliteMeta
from services.infra.outbox import OUTBOX_SQL, SqliteOutbox, now_iso
from services.infra.sqlite import SqliteDatabase, dumps, loads

from .approvals import SqliteApprovals
from .attempts import SqliteAttempts
from .problems import SqliteProblems
from .open_data import SqliteOpenData
from .redrives import SqliteRedrives
from .base import (PlanCache, Recorded, ReportingStore, _parked_row, _rejection_row, _value_of,
                   conflict_of, same_report)

REPORTS_SQL = """
CREATE TABLE IF NOT EXISTS reports (          -- the event store: every accepted report
    event_id    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    plan_id     TEXT NOT NULL,
    subject     TEXT NOT NULL,
    period      TEXT NOT NULL,
    province    TEXT NOT NULL,
    reported_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    sender      TEXT NOT NULL,
    body        TEXT NOT NULL,
    reported_by TEXT,                         -- the person, for a report sent by the gateway
    PRIMARY KEY (sender, event_id)            -- a report's identity is its sender's
);
-- the replay reads the event store in pages in this order (keyset pagination)
CREATE INDEX IF NOT EXISTS reports_by_receipt ON reports (received_at, sender, event_id);
-- project progress by plan (completeness): partial, so indicator reports do not pay for it
CREATE INDEX IF NOT EXISTS project_reports_by_plan ON reports (plan_id, subject)
    WHERE kind = 'project';
"""

SCHEMA = OUTBOX_SQL + META_SQL + REPORTS_SQL + """
CREATE TABLE IF NOT EXISTS plans (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL, document TEXT NOT NULL
);
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
    raw_body     BLOB NOT NULL,
    reason_th    TEXT,               -- the reason in Thai, where the rule has it
    agency       TEXT,               -- the sending agency (an implementing agency's report)
    envelope     TEXT,               -- content type and message id, to judge it again
    redriven_at  TEXT, redrive_outcome TEXT, redriven_by TEXT  -- sent again (store/redrives.py)
);
CREATE INDEX IF NOT EXISTS rejections_by_province ON rejections (province, received_at);
CREATE TABLE IF NOT EXISTS flags (         -- values to check: far from what they compare with
    flag_id TEXT PRIMARY KEY, plan_id TEXT NOT NULL, indicator TEXT NOT NULL,
    period TEXT NOT NULL, province TEXT NOT NULL, event_id TEXT NOT NULL, value REAL,
    basis TEXT NOT NULL, flagged_at TEXT NOT NULL, status TEXT NOT NULL,
    reviewed_by TEXT, reviewed_at TEXT, review_note TEXT
);
CREATE INDEX IF NOT EXISTS flags_by_plan ON flags (plan_id, flagged_at);
CREATE TABLE IF NOT EXISTS project_assets (
    code TEXT PRIMARY KEY, plan_id TEXT NOT NULL, project TEXT NOT NULL, value_thb REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS parked (
    parked_id TEXT PRIMARY KEY, queue TEXT, reason TEXT, deliveries INTEGER,
    routing_key TEXT, parked_at TEXT NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL,
    properties TEXT, retried_at TEXT
);
"""


class SqliteReportingStore(SqliteApprovals, SqliteProblems, SqliteRedrives, SqliteAttempts,
                           SqliteOpenData, ReportingStore):
    def __init__(self, path):
        self.db = SqliteDatabase(path, SCHEMA)
        self.outbox = SqliteOutbox(self.db)
        self.meta = SqliteMeta(self.db)
        self.plan_cache = PlanCache(self._plan_versions, self._plan_document)
        # columns added since a store was first made: parked retries, Thai rejection reasons,
        # the sending agency of a rejection
        for table, added in (("parked", ("properties", "retried_at")),
                             ("rejections", ("reason_th", "agency")),
                             ("reports", ("reported_by",))):  # a gateway report's person
            columns = {r["name"] for r in self.db.query(f"PRAGMA table_info({table})")}
            for column in added:
                if column not in columns:
                    with self.db.transaction() as conn:
                        conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} TEXT")
        self._key_reports_by_sender()
        with self.db.transaction() as conn:  # after the column exists (stores made before it)
            conn.execute("CREATE INDEX IF NOT EXISTS rejections_by_agency"
                         " ON rejections (agency, received_at)")
        self._problems_schema()
        self._approvals_schema()
        self._attempts_schema()
        self._redrives_schema()
        self._open_data_schema()

    def _key_reports_by_sender(self):
        """A store made when event_id alone was a report's key gets (sender, event_id): SQLite
        cannot change a primary key in place, so the table is copied, in one transaction."""
        key = [r["name"] for r in sorted(self.db.query("PRAGMA table_info(reports)"),
                                         key=lambda r: r["pk"]) if r["pk"]]
        if key == ["sender", "event_id"]:
            return
        with self.db.transaction() as conn:
            conn.execute("ALTER TABLE reports RENAME TO reports_keyed_by_event_id")
            for index in ("reports_by_received", "reports_by_receipt"):  # went with the rename
                conn.execute(f"DROP INDEX IF EXISTS {index}")
            for statement in filter(str.strip, REPORTS_SQL.split(";")):
                conn.execute(statement)
            conn.execute("INSERT INTO reports (event_id, kind, plan_id, subject, period, province,"
                         " reported_at, received_at, sender, body) SELECT event_id, kind, plan_id,"
                         " subject, period, province, reported_at, received_at, sender, body"
                         " FROM reports_keyed_by_event_id")
            conn.execute("DROP TABLE reports_keyed_by_event_id")

    def atomic(self):
        return self.db.transaction()

    def _create_effects_table(self):
        with self.db.transaction() as conn:  # no key: a second application must show
            conn.execute("CREATE TABLE IF NOT EXISTS view_effects (sender TEXT NOT NULL,"
                         " event_id TEXT NOT NULL, new INTEGER NOT NULL,"
                         " current INTEGER NOT NULL, at TEXT NOT NULL)")

    def _insert_effect(self, row):
        with self.db.transaction() as conn:  # joins the intake's transaction
            conn.execute("INSERT INTO view_effects VALUES (:sender, :event_id, :new, :current,"
                         " :at)", row)

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
                      body, sender, reported_by=None):
        text = dumps(body)  # once: the event store and the report in force keep the same
        with self.db.transaction() as conn:
            new = conn.execute(
                "INSERT OR IGNORE INTO reports (event_id, kind, plan_id, subject, period,"
                " province, reported_at, received_at, sender, body, reported_by)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (event_id, kind, plan_id, subject, period, province, reported_at_key, now_iso(),
                 sender, text, dumps(reported_by) if reported_by else None)).rowcount == 1
            if not new:  # the sender's event_id again: only what it first sent under it counts
                row = conn.execute("SELECT * FROM reports WHERE sender = ? AND event_id = ?",
                                   (sender, event_id)).fetchone()
                kept = {**dict(row), "body": loads(row["body"])}
                if not same_report(kept, (kind, plan_id, subject, period, province), body):
                    return Recorded(False, False, conflict_of(kept))
                reported_at_key, body, text = kept["reported_at"], kept["body"], row["body"]
            return Recorded(new, self._apply(conn, kind, plan_id, subject, period, province,
                                             event_id, reported_at_key, body, text))

    def report_kept(self, sender, event_id):
        return bool(self.db.query("SELECT 1 FROM reports WHERE sender = ? AND event_id = ?",
                                  (sender, event_id)))

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
        after = ("", "", "")
        while True:  # keyset pagination: each page a short query, whatever else runs meanwhile
            rows = self.db.query("SELECT * FROM reports WHERE (received_at, sender, event_id)"
                                 " > (?, ?, ?) ORDER BY received_at, sender, event_id LIMIT ?",
                                 (*after, page))
            for r in rows:
                yield {**dict(r), "body": loads(r["body"])}
            if len(rows) < page:
                return
            after = (rows[-1]["received_at"], rows[-1]["sender"], rows[-1]["event_id"])

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
            self.outbox.add(conn, events)

    def record_project_asset(self, plan_id, project, code, value_thb):
        with self.db.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO project_assets VALUES (?, ?, ?, ?)",
                         (code, plan_id, project, value_thb))

    def project_assets(self, plan_id):
        rows = self.db.query("SELECT project, count(*) AS n, sum(value_thb) AS value"
                             " FROM project_assets WHERE plan_id = ? GROUP BY project", (plan_id,))
        return {r["project"]: {"count": r["n"], "value_thb": round(r["value"], 2)} for r in rows}

    def delete_reports(self, plan_id, keys):
        counts = {"reports": 0, "rejections": 0, "flags": 0}
        with self.db.transaction() as conn:
            for sender, event_id in keys:
                kept = conn.execute("SELECT province FROM reports WHERE plan_id = ? AND sender = ?"
                                    " AND event_id = ?", (plan_id, sender, event_id)).fetchone()
                counts["rejections"] += conn.execute(
                    "DELETE FROM rejections WHERE sender = ? AND event_id = ?",
                    (sender, event_id)).rowcount
                if kept is None:
                    continue
                counts["reports"] += conn.execute(
                    "DELETE FROM reports WHERE plan_id = ? AND sender = ? AND event_id = ?",
                    (plan_id, sender, event_id)).rowcount
                counts["flags"] += conn.execute(  # a flag names the report's province
                    "DELETE FROM flags WHERE plan_id = ? AND province = ? AND event_id = ?",
                    (plan_id, kept["province"], event_id)).rowcount
        return counts

    def delete_project_assets(self, codes):
        with self.db.transaction() as conn:
            return sum(conn.execute("DELETE FROM project_assets WHERE code = ?", (code,)).rowcount
                       for code in codes)

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
            self.outbox.add(conn, events)

    def indicator_views(self, plan_id, period):
        rows = self.db.query("SELECT indicator, view FROM indicator_views"
                             " WHERE plan_id = ? AND period = ?", (plan_id, period))
        return {r["indicator"]: loads(r["view"]) for r in rows}

    def project_progress(self, plan_id):
        rows = self.db.query("SELECT body FROM current_reports WHERE kind = 'project'"
                             " AND plan_id = ? ORDER BY subject, province", (plan_id,))
        return [loads(r["body"]) for r in rows]

    def internal_in_force(self, plan_id, kind):
        rows = self.db.query("SELECT subject, period, province FROM current_reports"
                             " WHERE kind = ? AND plan_id = ?"
                             " AND json_type(body, '$.internal') = 'true'", (kind, plan_id))
        return {(r["subject"], r["period"], r["province"]) for r in rows}

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
        return [{**dict(r), "body": loads(r["body"]), "in_force": bool(r["in_force"]),
                 "reported_by": loads(r["reported_by"]) if r["reported_by"] else None}
                for r in rows]

    def first_received(self, plan_id, period):
        rows = self.db.query(
            "SELECT r.province, r.subject, min(r.received_at) AS first FROM reports r"
            " JOIN current_reports c ON c.kind = r.kind AND c.plan_id = r.plan_id"
            " AND c.subject = r.subject AND c.period = r.period AND c.province = r.province"
            " WHERE r.kind = 'indicator' AND r.plan_id = ? AND r.period = ?"
            " AND c.value IS NOT NULL GROUP BY r.province, r.subject", (plan_id, period))
        return {(r["province"], r["subject"]): r["first"] for r in rows}

    def projects_received(self, plan_id, start, end):
        rows = self.db.query(
            "SELECT province, subject, min(received_at) AS first FROM reports"
            " WHERE kind = 'project' AND plan_id = ?"
            " AND json_extract(body, '$.as_of') BETWEEN ? AND ? GROUP BY province, subject",
            (plan_id, start, end))
        return {(r["province"], r["subject"]): r["first"] for r in rows}

    def indicator_series(self, plan_id, indicator):
        rows = self.db.query("SELECT period, view FROM indicator_views WHERE plan_id = ?"
                             " AND indicator = ?", (plan_id, indicator))
        return {r["period"]: loads(r["view"]) for r in rows}

    def record_rejection(self, rejection, events):
        with self.db.transaction() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO rejections (rejection_id, province, sender, event_id, kind,"
                " reason, received_at, routing_key, raw_body, reason_th, agency, envelope)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (rejection["rejection_id"], rejection["province"], rejection["sender"],
                 rejection["event_id"], rejection["kind"], rejection["reason"],
                 rejection["received_at"], rejection["routing_key"], rejection["raw_body"],
                 rejection.get("reason_th"), rejection.get("agency"),
                 dumps(rejection["envelope"]) if rejection.get("envelope") else None))
            if cur.rowcount == 1:
                self.outbox.add(conn, events)
            return cur.rowcount == 1

    def rejections(self, provinces=None, limit=500, agencies=None):
        if provinces is None and agencies is None:
            rows = self.db.query("SELECT * FROM rejections ORDER BY received_at DESC, rejection_id"
                                 " LIMIT ?", (limit,))
        else:
            wanted = [(column, list(codes)) for column, codes in (("province", provinces),
                                                                   ("agency", agencies)) if codes]
            if not wanted:
                return []
            where = " OR ".join(f"{column} IN ({','.join('?' * len(codes))})"
                                for column, codes in wanted)
            rows = self.db.query(f"SELECT * FROM rejections WHERE {where}"
                                 " ORDER BY received_at DESC, rejection_id LIMIT ?",
                                 (*(c for _, codes in wanted for c in codes), limit))
        return [_rejection_row(r) for r in rows]

    def record_flag(self, flag, events):
        with self.db.transaction() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO flags (flag_id, plan_id, indicator, period, province,"
                " event_id, value, basis, flagged_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (flag["flag_id"], flag["plan_id"], flag["indicator"], flag["period"],
                 flag["province"], flag["event_id"], flag["value"], dumps(flag["basis"]),
                 flag["flagged_at"], flag["status"]))
            if cur.rowcount == 1:
                self.outbox.add(conn, events)
            return cur.rowcount == 1

    def flags(self, plan_id, status=None, provinces=None, limit=500):
        where, args = "plan_id = ?", [plan_id]
        if status is not None:
            where, args = where + " AND status = ?", args + [status]
        if provinces is not None:
            where += f" AND province IN ({','.join('?' * len(provinces))})"
            args += list(provinces)
        rows = self.db.query(f"SELECT * FROM flags WHERE {where}"
                             " ORDER BY flagged_at DESC, flag_id LIMIT ?", (*args, limit))
        return [{**dict(r), "basis": loads(r["basis"])} for r in rows]

    def get_flag(self, flag_id):
        rows = self.db.query("SELECT * FROM flags WHERE flag_id = ?", (flag_id,))
        return {**dict(rows[0]), "basis": loads(rows[0]["basis"])} if rows else None

    def review_flag(self, flag_id, status, by, at, note, events):
        with self.db.transaction() as conn:
            cur = conn.execute("UPDATE flags SET status = ?, reviewed_by = ?, reviewed_at = ?,"
                               " review_note = ? WHERE flag_id = ?", (status, by, at, note, flag_id))
            if cur.rowcount == 1:
                self.outbox.add(conn, events)
            return cur.rowcount == 1

    def count_reports(self):
        return self.db.query("SELECT count(*) AS n FROM reports")[0]["n"]

    def counts(self):
        one = lambda sql: self.db.query(sql)[0]["n"]  # noqa: E731
        return {"reports": one("SELECT count(*) AS n FROM reports"),
                "rejections": one("SELECT count(*) AS n FROM rejections"),
                "parked_waiting": one("SELECT count(*) AS n FROM parked WHERE retried_at IS NULL")}

    def close(self):
        self.db.close()

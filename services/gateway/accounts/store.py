"""Where accounts are kept: users, sessions, one-time links and login attempts. One interface,
two adapters - SQLite (the embedded default, one file the gateway replicas of a host share) and
MongoDB (production, shared by every replica) - under one contract suite
(tests/contract/test_accounts_store.py). Secrets are stored only as digests or hashes."""
from __future__ import annotations

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.infra.mongo import open_database
from services.infra.sqlite import SqliteDatabase, dumps, loads, sqlite_path


class UserExists(Exception):
    """A user of that name is already on file."""


class AccountStore:
    """Users are documents keyed by username; sessions and links by the SHA-256 of their secret."""

    def create_user(self, user: dict) -> None: ...           # UserExists if the name is taken
    def put_user(self, user: dict) -> None: ...              # replace an existing user
    def user(self, username: str) -> dict | None: ...
    def user_by_email(self, email: str) -> dict | None: ...
    def users(self) -> list[dict]: ...
    def save_session(self, session: dict) -> None: ...
    def session(self, digest: str) -> dict | None: ...
    def sessions_of(self, username: str) -> list[dict]: ...
    def end_sessions(self, username: str, now: str, keep: str | None = None) -> int: ...
    def save_link(self, link: dict) -> None: ...
    def link(self, digest: str) -> dict | None: ...
    def take_link(self, digest: str, now: str) -> dict | None: ...  # once, unexpired, then used
    def end_links(self, username: str, now: str, kind: str | None = None) -> None: ...
    def touch_session(self, digest: str, changes: dict) -> bool: ...  # only a session not ended
    def attempts(self, key: str) -> dict | None: ...
    def set_attempts(self, key: str, attempts: dict | None) -> None: ...
    # one more failure, atomically (parallel guesses all count); the limit-th locks until ``until``
    def count_failure(self, key: str, limit: int, until: str) -> dict: ...
    def close(self) -> None: ...


SCHEMA = """
CREATE TABLE IF NOT EXISTS users (username TEXT PRIMARY KEY, email TEXT, document TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS users_email ON users (email);
CREATE TABLE IF NOT EXISTS sessions (digest TEXT PRIMARY KEY, username TEXT NOT NULL,
                                     document TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (username);
CREATE TABLE IF NOT EXISTS links (digest TEXT PRIMARY KEY, document TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS attempts (key TEXT PRIMARY KEY, document TEXT NOT NULL);
"""


def _email_key(email: str | None) -> str | None:
    return email.lower() if email else None


class SqliteAccountStore(AccountStore):
    def __init__(self, path):
        self.db = SqliteDatabase(path, SCHEMA)

    def create_user(self, user):
        with self.db.transaction() as conn:
            if conn.execute("SELECT 1 FROM users WHERE username = ?", (user["username"],)).fetchone():
                raise UserExists(user["username"])
            conn.execute("INSERT INTO users VALUES (?, ?, ?)",
                         (user["username"], _email_key(user.get("email")), dumps(user)))

    def put_user(self, user):
        with self.db.transaction() as conn:
            conn.execute("UPDATE users SET email = ?, document = ? WHERE username = ?",
                         (_email_key(user.get("email")), dumps(user), user["username"]))

    def user(self, username):
        rows = self.db.query("SELECT document FROM users WHERE username = ?", (username,))
        return loads(rows[0]["document"]) if rows else None

    def user_by_email(self, email):
        rows = self.db.query("SELECT document FROM users WHERE email = ? ORDER BY username",
                             (_email_key(email),))
        return loads(rows[0]["document"]) if len(rows) == 1 else None  # shared address: ask by name

    def users(self):
        return [loads(r["document"]) for r in
                self.db.query("SELECT document FROM users ORDER BY username")]

    def save_session(self, session):
        with self.db.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO sessions VALUES (?, ?, ?)",
                         (session["digest"], session["username"], dumps(session)))

    def session(self, digest):
        rows = self.db.query("SELECT document FROM sessions WHERE digest = ?", (digest,))
        return loads(rows[0]["document"]) if rows else None

    def sessions_of(self, username):
        return [loads(r["document"]) for r in self.db.query(
            "SELECT document FROM sessions WHERE username = ?", (username,))]

    def end_sessions(self, username, now, keep=None):
        ended = 0
        with self.db.transaction():
            for session in self.sessions_of(username):
                if session["digest"] != keep and not session.get("ended_at"):
                    self.save_session({**session, "ended_at": now})
                    ended += 1
        return ended

    def save_link(self, link):
        with self.db.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO links VALUES (?, ?)", (link["digest"], dumps(link)))

    def link(self, digest):
        rows = self.db.query("SELECT document FROM links WHERE digest = ?", (digest,))
        return loads(rows[0]["document"]) if rows else None

    def take_link(self, digest, now):
        with self.db.transaction() as conn:
            row = conn.execute("SELECT document FROM links WHERE digest = ?", (digest,)).fetchone()
            link = loads(row["document"]) if row else None
            if link is None or link.get("used_at") or link["expires_at"] <= now:
                return None
            link["used_at"] = now
            conn.execute("UPDATE links SET document = ? WHERE digest = ?", (dumps(link), digest))
            return link

    def end_links(self, username, now, kind=None):
        with self.db.transaction() as conn:
            for row in conn.execute("SELECT document FROM links").fetchall():
                link = loads(row["document"])
                if link["username"] == username and not link.get("used_at") and \
                        kind in (None, link["kind"]):
                    conn.execute("UPDATE links SET document = ? WHERE digest = ?",
                                 (dumps({**link, "used_at": now}), link["digest"]))

    def touch_session(self, digest, changes):
        with self.db.transaction() as conn:
            row = conn.execute("SELECT document FROM sessions WHERE digest = ?", (digest,)).fetchone()
            session = loads(row["document"]) if row else None
            if session is None or session.get("ended_at"):
                return False
            conn.execute("UPDATE sessions SET document = ? WHERE digest = ?",
                         (dumps({**session, **changes}), digest))
            return True

    def attempts(self, key):
        rows = self.db.query("SELECT document FROM attempts WHERE key = ?", (key,))
        return loads(rows[0]["document"]) if rows else None

    def count_failure(self, key, limit, until):
        with self.db.transaction() as conn:  # BEGIN IMMEDIATE: one writer across processes
            row = conn.execute("SELECT document FROM attempts WHERE key = ?", (key,)).fetchone()
            attempts = loads(row["document"]) if row else {"failures": 0, "locked_until": None}
            attempts["failures"] = attempts.get("failures", 0) + 1
            if attempts["failures"] >= limit:
                attempts.update(failures=0, locked_until=until)
            conn.execute("INSERT OR REPLACE INTO attempts VALUES (?, ?)", (key, dumps(attempts)))
            return attempts

    def set_attempts(self, key, attempts):
        with self.db.transaction() as conn:
            if attempts is None:
                conn.execute("DELETE FROM attempts WHERE key = ?", (key,))
            else:
                conn.execute("INSERT OR REPLACE INTO attempts VALUES (?, ?)", (key, dumps(attempts)))

    def close(self):
        self.db.close()


def _plain(doc):
    if doc is not None:
        doc.pop("_id", None)
    return doc


class MongoAccountStore(AccountStore):
    def __init__(self, db):
        self.db = db
        db.users.create_index("email_key")
        db.sessions.create_index("username")

    def create_user(self, user):
        try:
            self.db.users.insert_one({**user, "_id": user["username"],
                                      "email_key": _email_key(user.get("email"))})
        except DuplicateKeyError:
            raise UserExists(user["username"]) from None

    def put_user(self, user):
        self.db.users.replace_one({"_id": user["username"]},
                                  {**user, "email_key": _email_key(user.get("email"))})

    def user(self, username):
        doc = _plain(self.db.users.find_one({"_id": username}))
        return doc and {k: v for k, v in doc.items() if k != "email_key"}

    def user_by_email(self, email):
        found = list(self.db.users.find({"email_key": _email_key(email)}).limit(2))
        return self.user(found[0]["_id"]) if len(found) == 1 else None

    def users(self):
        return [self.user(d["_id"]) for d in self.db.users.find({}, {"_id": 1}).sort("_id", 1)]

    def save_session(self, session):
        self.db.sessions.replace_one({"_id": session["digest"]}, session, upsert=True)

    def session(self, digest):
        return _plain(self.db.sessions.find_one({"_id": digest}))

    def sessions_of(self, username):
        return [_plain(d) for d in self.db.sessions.find({"username": username})]

    def end_sessions(self, username, now, keep=None):
        return self.db.sessions.update_many(
            {"username": username, "ended_at": None, "_id": {"$ne": keep}},
            {"$set": {"ended_at": now}}).modified_count

    def save_link(self, link):
        self.db.links.replace_one({"_id": link["digest"]}, link, upsert=True)

    def link(self, digest):
        return _plain(self.db.links.find_one({"_id": digest}))

    def take_link(self, digest, now):
        # one atomic update: of two clicks on the same link, one wins
        return _plain(self.db.links.find_one_and_update(
            {"_id": digest, "used_at": None, "expires_at": {"$gt": now}},
            {"$set": {"used_at": now}}, return_document=ReturnDocument.AFTER))

    def end_links(self, username, now, kind=None):
        query = {"username": username, "used_at": None, **({"kind": kind} if kind else {})}
        self.db.links.update_many(query, {"$set": {"used_at": now}})

    def touch_session(self, digest, changes):
        return self.db.sessions.update_one({"_id": digest, "ended_at": None},
                                           {"$set": changes}).modified_count == 1

    def attempts(self, key):
        return _plain(self.db.attempts.find_one({"_id": key}))

    def count_failure(self, key, limit, until):
        attempts = self.db.attempts.find_one_and_update(
            {"_id": key}, {"$inc": {"failures": 1}}, upsert=True,
            return_document=ReturnDocument.AFTER)
        if attempts["failures"] >= limit:  # the guess that reached the limit locks the name
            attempts = self.db.attempts.find_one_and_update(
                {"_id": key}, {"$set": {"failures": 0, "locked_until": until}},
                return_document=ReturnDocument.AFTER)
        return _plain(attempts)

    def set_attempts(self, key, attempts):
        if attempts is None:
            self.db.attempts.delete_one({"_id": key})
        else:
            self.db.attempts.replace_one({"_id": key}, attempts, upsert=True)

    def close(self):
        self.db.client.close()


def open_store(url: str) -> AccountStore:
    if url.startswith("sqlite:"):
        return SqliteAccountStore(sqlite_path(url))
    return MongoAccountStore(open_database(url, "accounts"))

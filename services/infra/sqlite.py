"""The embedded store's plumbing: one durable SQLite file per service (WAL, fsync on commit)."""
from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

import orjson


def sqlite_path(url: str) -> Path:
    """``sqlite:////abs/path.sqlite3`` or ``sqlite:///rel/path`` -> a Path."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or len(url) == len(prefix):
        raise ValueError(f"not a sqlite:///path URL: {url!r}")
    return Path(url[len(prefix):])


class SqliteDatabase:
    """A connection with transactions that cannot interleave across green threads.

    One connection per process: SQLite calls never yield to the eventlet hub, and the lock makes
    a transaction that spans several statements atomic for every other green thread too.
    """

    def __init__(self, path: Path | str, schema: str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(self.path), isolation_level=None,
                                     check_same_thread=False, timeout=30)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")  # a committed report survives power loss
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._lock = threading.RLock()
        self._depth = 0
        self._memo: dict | None = None  # transaction_memo()'s, for the outer transaction only
        self._conn.executescript(schema)

    @contextmanager
    def transaction(self):
        """BEGIN IMMEDIATE ... COMMIT; nested calls join the outer transaction."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self._conn
                finally:
                    self._depth -= 1
                return
            self._conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            self._memo = {}
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                try:
                    self._conn.execute("COMMIT")
                except sqlite3.Error:  # disk full, I/O error: never leave the transaction open
                    if self._conn.in_transaction:
                        self._conn.execute("ROLLBACK")
                    raise
            finally:
                self._depth = 0
                self._memo = None

    def transaction_memo(self) -> dict | None:
        """A dict that lives as long as the calling thread's outer transaction (None outside
        one). Inside a transaction every read gives the same rows until it ends - BEGIN
        IMMEDIATE holds the write lock, so no other connection commits meanwhile, and WAL
        reads see one snapshot - except what this transaction writes itself. So a value read
        once in a transaction may be kept here for the rest of it, by a caller whose own writes
        of that table clear what it kept (the intake reads each province's approvals once per
        batch this way, not once per report)."""
        with self._lock:  # another thread's transaction: wait until it ends (then None)
            return self._memo if self._depth else None

    def query(self, sql: str, params=()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def close(self) -> None:
        with self._lock:
            self._conn.close()


# Anything orjson would write differently from the standard encoder (a datetime, a dataclass, a
# subclass of str or int) it refuses instead, and the standard encoder then decides.
_ORJSON = (orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
           | orjson.OPT_PASSTHROUGH_SUBCLASS)


def dumps(value) -> str:
    """Compact JSON with sorted keys and Thai as UTF-8, never ``\\u`` escapes. orjson, because the
    intake encodes every report and its view (the standard encoder was a twelfth of its time);
    the standard encoder for what orjson refuses: integers beyond 64 bits, keys that are not
    strings, lone surrogates. A non-finite float becomes null (JSON has no NaN)."""
    try:
        return orjson.dumps(value, option=_ORJSON).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def loads(text):
    return None if text is None else json.loads(text)

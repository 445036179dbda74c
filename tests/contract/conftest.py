"""One contract suite per store, run against every backend (DESIGN 2, "Storage").

The ``backend`` fixture yields each backend in turn:

- ``sqlite``: the SQLite adapter on a file in ``tmp_path`` (always);
- ``mongomock``: the Mongo adapter on ``mongomock.MongoClient(tz_aware=True)`` (always; it
  exercises the pymongo code without a server);
- ``mongodb``: the Mongo adapter on a real MongoDB, only when ``MONGO_URL`` is set; each test
  gets its own database, dropped afterwards.

A contract test asks ``backend.open("plans")`` for a store; ``backend.reopen(store)`` closes it
and opens the same data again (a restart).
"""
from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

from services.assets.store import MongoAssetsStore, SqliteAssetsStore
from services.gateway.accounts.store import MongoAccountStore, SqliteAccountStore
from services.notify.store import MongoNotifyStore, SqliteNotifyStore
from services.plans.store import MongoPlansStore, SqlitePlansStore
from services.reporting.store import MongoReportingStore, SqliteReportingStore

MONGO_URL = os.environ.get("MONGO_URL")

ADAPTERS = {
    "plans": (SqlitePlansStore, MongoPlansStore),
    "reporting": (SqliteReportingStore, MongoReportingStore),
    "notify": (SqliteNotifyStore, MongoNotifyStore),
    "assets": (SqliteAssetsStore, MongoAssetsStore),
    "accounts": (SqliteAccountStore, MongoAccountStore),
}


class Backend:
    """Opens each service's store on one backend and cleans up after the test."""

    def __init__(self, name: str, tmp_path):
        self.name = name
        self.tmp_path = tmp_path
        self._open: list = []
        self._databases: list[str] = []
        self._mock = None
        self._base = f"contract_{uuid.uuid4().hex[:12]}"

    def open(self, service: str):
        sqlite_cls, mongo_cls = ADAPTERS[service]
        if self.name == "sqlite":
            store = sqlite_cls(self.tmp_path / f"{service}.sqlite3")
        else:
            store = mongo_cls(self._database(service))
        self._open.append(store)
        return store

    def reopen(self, store):
        """Close ``store`` (as a stopping service does) and open its data again."""
        service = next(s for s, classes in ADAPTERS.items() if isinstance(store, classes))
        self.close(store)
        return self.open(service)

    def close(self, store) -> None:
        if store in self._open:
            self._open.remove(store)
            store.close()

    def before_next_insert(self, store, collection: str, action) -> None:
        """Run ``action`` (another worker's write) just before ``store``'s next insert into
        ``collection``: the window between a Mongo adapter's guarded update and its insert.
        A SQLite store writes in one locked transaction, so it has no such window."""
        if self.name == "sqlite":
            pytest.skip("SQLite writes in one transaction under a lock: no window to race in")
        real_db, real = store.db, store.db[collection]

        class RacingCollection:
            def __getattr__(self, name):
                return getattr(real, name)

            def insert_one(self, *args, **kwargs):
                store.db = real_db  # once only
                action()
                return real.insert_one(*args, **kwargs)

        class RacingDatabase:
            def __getattr__(self, name):
                return RacingCollection() if name == collection else getattr(real_db, name)

            def __getitem__(self, name):
                return self.__getattr__(name)

        store.db = RacingDatabase()

    def database(self, service: str):
        """A database of this backend for a store with no service of its own (the evidence
        store, tests/contract/test_evidence_store.py); dropped like the others."""
        return self._database(service)

    def _database(self, service: str):
        if self.name == "mongomock":
            import mongomock  # test-only dependency: never imported by production code
            if self._mock is None:
                self._mock = mongomock.MongoClient(tz_aware=True)
            # A store closes its client when it closes; mongomock keeps the data in memory.
            return self._mock[f"{self._base}_{service}"]
        from services.infra.mongo import open_database
        parts = urlsplit(MONGO_URL)
        query = parts.query
        if parts.username and "authsource=" not in query.lower():
            # the URL's database is also where its user is defined: keep authenticating there
            auth_db = parts.path.lstrip("/") or "admin"
            query = f"{query}&authSource={auth_db}" if query else f"authSource={auth_db}"
        url = urlunsplit((parts.scheme, parts.netloc, f"/{self._base}", query, parts.fragment))
        db = open_database(url, service)
        self._databases.append(db.name)
        return db

    def cleanup(self) -> None:
        for store in list(self._open):
            self.close(store)
        if self._databases:
            from pymongo import MongoClient
            with MongoClient(MONGO_URL, serverSelectionTimeoutMS=5000) as client:
                for name in set(self._databases):
                    client.drop_database(name)


@pytest.fixture(params=[
    "sqlite",
    "mongomock",
    pytest.param("mongodb", marks=pytest.mark.skipif(
        not MONGO_URL, reason="MONGO_URL is not set: no real MongoDB to run the Mongo adapter on")),
])
def backend(request, tmp_path):
    b = Backend(request.param, tmp_path)
    try:
        yield b
    finally:
        b.cleanup()


@pytest.fixture
def reporting_with_sample_plan(backend):
    """A reporting store that has learned the published sample plan."""
    import copy

    from tests.support.plans import published_sample_plan
    store = backend.open("reporting")
    store.save_plan(copy.deepcopy(published_sample_plan()))
    return store

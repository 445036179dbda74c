"""Plans store: the interface (base.py, domain verbs) and its two adapters, SQLite
(sqlite.py, the embedded default) and MongoDB (mongo.py, production); ``open_store(url)``
picks one by the URL."""
from __future__ import annotations

from services.infra.mongo import open_database
from services.infra.sqlite import sqlite_path

from .base import ConcurrentUpdate, PlansStore
from .mongo import MongoPlansStore
from .sqlite import SqlitePlansStore

__all__ = ["ConcurrentUpdate", "PlansStore", "MongoPlansStore", "SqlitePlansStore", "open_store"]


def open_store(url: str) -> PlansStore:
    if url.startswith("sqlite:"):
        return SqlitePlansStore(sqlite_path(url))
    return MongoPlansStore(open_database(url, "plans"))

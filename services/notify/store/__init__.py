"""Notify store: the interface (base.py, domain verbs) and its two adapters, SQLite
(sqlite.py, the embedded default) and MongoDB (mongo.py, production); ``open_store(url)``
picks one by the URL."""
from __future__ import annotations

from services.infra.mongo import open_database
from services.infra.sqlite import sqlite_path

from .base import MAIL_FIELDS, NotifyStore, _directory
from .mongo import MongoNotifyStore
from .sqlite import SqliteNotifyStore

__all__ = ["MAIL_FIELDS", "NotifyStore", "_directory", "MongoNotifyStore", "SqliteNotifyStore",
           "open_store"]


def open_store(url: str) -> NotifyStore:
    if url.startswith("sqlite:"):
        return SqliteNotifyStore(sqlite_path(url))
    return MongoNotifyStore(open_database(url, "notify"))

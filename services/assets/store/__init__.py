"""Assets store: the interface (base.py, domain verbs) and its two adapters, SQLite
(sqlite.py, the embedded default) and MongoDB (mongo.py, production); ``open_store(url)``
picks one by the URL."""
from __future__ import annotations

from services.infra.mongo import open_database
from services.infra.sqlite import sqlite_path

from .base import AssetsStore, DuplicateAsset, VersionConflict
from .mongo import MongoAssetsStore
from .sqlite import SqliteAssetsStore

__all__ = ["AssetsStore", "DuplicateAsset", "VersionConflict", "MongoAssetsStore",
           "SqliteAssetsStore", "open_store"]


def open_store(url: str) -> AssetsStore:
    if url.startswith("sqlite:"):
        return SqliteAssetsStore(sqlite_path(url))
    return MongoAssetsStore(open_database(url, "assets"))

"""Reporting store: the interface (base.py, domain verbs) and its two adapters, SQLite
(sqlite.py, the embedded default) and MongoDB (mongo.py, production); ``open_store(url)``
picks one by the URL."""
from __future__ import annotations

from services.infra.mongo import open_database
from services.infra.sqlite import sqlite_path

from .base import PlanCache, Recorded, ReportingStore
from .mongo import MongoReportingStore
from .sqlite import SqliteReportingStore

__all__ = ["PlanCache", "Recorded", "ReportingStore", "MongoReportingStore",
           "SqliteReportingStore", "open_store"]


def open_store(url: str) -> ReportingStore:
    if url.startswith("sqlite:"):
        return SqliteReportingStore(sqlite_path(url))
    return MongoReportingStore(open_database(url, "reporting"))

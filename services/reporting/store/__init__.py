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


def open_store(url: str, record_effects: bool = False) -> ReportingStore:
    """``record_effects`` (RECORD_EFFECTS, for the fault suite): a diagnostic row each time a
    report reaches the views (base.ReportingStore.note_effect)."""
    store = (SqliteReportingStore(sqlite_path(url)) if url.startswith("sqlite:") else
             MongoReportingStore(open_database(url, "reporting")))
    if record_effects:
        store.record_effects()
    return store

"""The production store's plumbing: each service owns one MongoDB database."""
from __future__ import annotations

from urllib.parse import urlsplit

from pymongo import MongoClient
from pymongo.write_concern import WriteConcern


def open_database(url: str, service: str, **client_options):
    """``mongodb://host/<base>`` -> database ``<base>_<service>`` (base defaults to cluster_planning).

    Writes wait for a majority of the replica set, so an acknowledged write survives failover.
    """
    base = urlsplit(url).path.lstrip("/") or "cluster_planning"
    client_options.setdefault("serverSelectionTimeoutMS", 5000)
    client = MongoClient(url, tz_aware=True, **client_options)
    return client.get_database(f"{base}_{service}", write_concern=WriteConcern(w="majority"))


def is_duplicate_key(exc: Exception) -> bool:
    return getattr(exc, "code", None) == 11000

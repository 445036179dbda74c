"""The accounts as the gateway's nameko dependency: one store per gateway process, opened from
ACCOUNTS_URL (else the gateway's STORE_URL: its own SQLite file, or its MongoDB database)."""
from __future__ import annotations

from services.infra.storage import Storage

from .handlers import Accounts
from .store import open_store


def accounts_url(config: dict) -> str:
    return config.get("ACCOUNTS_URL") or config["STORE_URL"]


class People(Storage):
    def __init__(self):
        super().__init__(open_store, url_of=accounts_url)

    def get_dependency(self, worker_ctx):
        return Accounts(self.store)

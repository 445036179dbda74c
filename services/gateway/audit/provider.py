"""The audit log as the gateway's nameko dependency: one store per gateway process, beside the
accounts (ACCOUNTS_URL, else the gateway's STORE_URL)."""
from __future__ import annotations

from services.infra.storage import Storage

from ..accounts.provider import accounts_url
from .store import open_store


class AuditLog(Storage):
    def __init__(self):
        super().__init__(open_store, url_of=accounts_url)

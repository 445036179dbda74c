"""API keys (DESIGN 3.4): ``Authorization: Bearer <key>`` -> who is asking and what they may see.

Keys come from ``credentials.json``; only their SHA-256 digests are held in memory, and a key is
never logged. The file is re-read when it changes, so a rotated key works without a restart.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from nameko.extensions import DependencyProvider


@dataclass(frozen=True)
class Principal:
    role: str            # admin | osm | province | agency
    scope: str | None    # cluster code for osm, province code for province, agency code

    def __str__(self):
        return self.role if self.scope is None else f"{self.role}:{self.scope}"


class AuthError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


def principals_from_credentials(creds: dict) -> dict[bytes, Principal]:
    table = {}
    if creds.get("admin", {}).get("api_key"):
        table[_digest(creds["admin"]["api_key"])] = Principal("admin", None)
    for cluster, entry in creds.get("osm", {}).items():
        if entry.get("api_key"):
            table[_digest(entry["api_key"])] = Principal("osm", cluster)
    for province, entry in creds.get("provinces", {}).items():
        if entry.get("api_key"):
            table[_digest(entry["api_key"])] = Principal("province", province)
    for agency, entry in creds.get("agencies", {}).items():  # extension: assets and transfers
        if entry.get("api_key"):
            table[_digest(entry["api_key"])] = Principal("agency", agency)
    return table


class KeyTable:
    def __init__(self, path: Path):
        self.path = path
        self._stamp = None
        self._table: dict[bytes, Principal] = {}

    def _refresh(self):
        try:
            stat = os.stat(self.path)
        except OSError:
            raise AuthError(503, "credentials_unavailable",
                            f"the key file {self.path.name} cannot be read; ask the operator") from None
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            self._table = principals_from_credentials(json.loads(self.path.read_text("utf-8")))
            self._stamp = stamp

    def authenticate(self, header: str | None) -> Principal:
        if not header:
            raise AuthError(401, "unauthenticated",
                            "missing Authorization header; send 'Authorization: Bearer <api_key>'")
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise AuthError(401, "unauthenticated",
                            "Authorization must be 'Bearer <api_key>'")
        self._refresh()
        principal = self._table.get(_digest(key.strip()))  # digests: no timing leak of the key
        if principal is None:
            raise AuthError(401, "unauthenticated", "unknown API key")
        return principal


class ApiKeys(DependencyProvider):
    def setup(self):
        self.table = KeyTable(Path(self.container.config["CREDENTIALS_PATH"]))

    def get_dependency(self, worker_ctx):
        return self.table

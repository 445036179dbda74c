"""API keys (DESIGN 3.4): ``Authorization: Bearer <key>`` -> who is asking and what they may see.

Keys come from ``credentials.json``; only their SHA-256 digests are held in memory, and a key is
never logged. The file is re-read when it changes, so a rotated key works without a restart.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from nameko.extensions import DependencyProvider

from services.contracts.access import Who
from services.infra.files import write_private


Principal = Who  # who is asking: role and scope (the rule is in contracts/access.py)


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



def principals_from_issued(issued: dict) -> dict[bytes, Principal]:
    """Keys the admin issued through the API: only their SHA-256 is kept, revoked ones drop."""
    return {bytes.fromhex(k["sha256"]): Principal(k["role"], k["scope"])
            for k in issued.get("keys", []) if not k.get("revoked_at")}


class KeyTable:
    """Keys from credentials.json (contract v1) and the issued-keys file (hashes only)."""

    def __init__(self, path: Path, issued_path: Path | None = None):
        self.path = path
        # beside credentials.json unless ISSUED_KEYS_PATH says (a read-only secret mount, with
        # the issued keys on a volume the gateway replicas share)
        self.issued_path = issued_path or path.with_name("api-keys.json")
        self._stamp = None
        self._table: dict[bytes, Principal] = {}

    def _refresh(self):
        try:
            stat = os.stat(self.path)
        except OSError:
            raise AuthError(503, "credentials_unavailable",
                            f"the key file {self.path.name} cannot be read; ask the operator") from None
        issued = self.issued_path.stat() if self.issued_path.exists() else None
        stamp = (stat.st_mtime_ns, stat.st_size, issued and (issued.st_mtime_ns, issued.st_size))
        if stamp != self._stamp:
            table = principals_from_credentials(json.loads(self.path.read_text("utf-8")))
            table.update(principals_from_issued(self.issued()))
            self._table, self._stamp = table, stamp

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

    def digest_of(self, header_key: str) -> str:
        """The hex SHA-256 a key is known by (a dashboard session started with it keeps this)."""
        return _digest(header_key.strip()).hex()

    def principal_of_digest(self, hexdigest: str) -> Principal | None:
        """The principal of a key known by its digest, while the key is valid."""
        self._refresh()
        try:
            return self._table.get(bytes.fromhex(hexdigest))
        except ValueError:
            return None

    def issued(self) -> dict:
        if not self.issued_path.exists():
            return {"keys": []}
        return json.loads(self.issued_path.read_text("utf-8"))

    def issue(self, role: str, scope: str | None, label: str, by: str, now: str) -> dict:
        """A new key: its secret is returned once and only its hash is written."""
        import secrets
        import uuid
        key = secrets.token_urlsafe(24)
        entry = {"id": str(uuid.uuid4()), "role": role, "scope": scope, "label": label,
                 "sha256": _digest(key).hex(), "created_at": now, "created_by": by,
                 "revoked_at": None}
        issued = self.issued()
        issued["keys"].append(entry)
        self._write(issued)
        return {**shown_key(entry), "api_key": key}

    def revoke(self, key_id: str, now: str) -> dict | None:
        issued = self.issued()
        entry = next((k for k in issued["keys"] if k["id"] == key_id), None)
        if entry is None:
            return None
        entry["revoked_at"] = entry["revoked_at"] or now
        self._write(issued)
        return shown_key(entry)

    def _write(self, issued: dict) -> None:
        write_private(self.issued_path, json.dumps(issued, ensure_ascii=False, indent=2) + "\n")
        self._stamp = None  # re-read at the next request


def shown_key(entry: dict) -> dict:
    return {k: v for k, v in entry.items() if k != "sha256"}


class ApiKeys(DependencyProvider):
    def setup(self):
        issued = self.container.config.get("ISSUED_KEYS_PATH")
        self.table = KeyTable(Path(self.container.config["CREDENTIALS_PATH"]),
                              Path(issued) if issued else None)

    def get_dependency(self, worker_ctx):
        return self.table

"""API keys (DESIGN 3.4): ``Authorization: Bearer <key>`` -> who is asking and what they may see.

Keys are known by their SHA-256 digests only, from ``service-credentials.json`` (clusterctl
writes it from credentials.json, which the gateway never opens: that one holds the provinces'
AMQP passwords) and from the issued-keys file; a key is never logged. The files are re-read when
they change, so a rotated key (or one ``clusterctl agency-key`` adds) works without a restart.

A key the admin issues (``issue``) belongs to a named person or a named system (``owner``),
expires (a year by default, two at most) and records when it was last used - at most once a
minute per key, in its own small file beside the issued keys (``api-keys-used.json``), so that
noting a use never rewrites the file a revocation writes. The machine and organisation keys of
credentials.json are the operator's: they do not expire (rotated by `clusterctl`).
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from datetime import datetime, timedelta, timezone
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


ROLE_OF_SECTION = {"osm": "osm", "provinces": "province", "agencies": "agency"}


def principals_from_service_credentials(doc: dict, name: str) -> dict[bytes, Principal]:
    """The organisations' keys by digest, from service-credentials.json's ``api_keys``
    (clusterctl/credentials.py). Refused outright: a file holding a province's AMQP password -
    credentials.json given by mistake - which the gateway must not hold."""
    if any("amqp_password" in entry for entry in doc.get("provinces", {}).values()):
        raise AuthError(503, "wrong_key_file",
                        f"{name} holds the provinces' AMQP passwords (it is credentials.json): "
                        "the gateway reads service-credentials.json, which clusterctl writes "
                        "beside it / เกตเวย์ต้องอ่าน service-credentials.json ไม่ใช่ credentials.json")
    keys = doc.get("api_keys", {})
    table = {}
    if keys.get("admin"):
        table[bytes.fromhex(keys["admin"]["api_key_sha256"])] = Principal("admin", None)
    for section, role in ROLE_OF_SECTION.items():  # agencies (extension): assets, transfers
        for code, entry in keys.get(section, {}).items():
            table[bytes.fromhex(entry["api_key_sha256"])] = Principal(role, code)
    return table



def principals_from_issued(issued: dict) -> dict[bytes, Principal]:
    """Keys the admin issued through the API: only their SHA-256 is kept, revoked ones drop."""
    return {bytes.fromhex(k["sha256"]): Principal(k["role"], k["scope"])
            for k in issued.get("keys", []) if not k.get("revoked_at")}


KEY_LIFE = timedelta(days=365)       # an issued key's default life ...
KEY_LIFE_MAX = timedelta(days=730)   # ... and the longest the admin may give it
USE_NOTED_EVERY_S = 60               # last_used_at is written at most this often per key
SYSTEM_OWNER = "system:"             # an owner that is a system, not a person: "system: <name>"


def key_expiry(requested: object, now: datetime) -> datetime:
    """When a new key expires: ``requested`` (an ISO date or date-time; a date means its end,
    UTC), else a year from ``now``; ValueError (said for a person) unless it is in the future
    and at most two years away."""
    if requested is None or requested == "":
        return now + KEY_LIFE
    if not isinstance(requested, str):
        raise ValueError("expires_at must be a date (YYYY-MM-DD) or a date-time (ISO 8601) / "
                         "วันหมดอายุต้องเป็นวันที่ (ปปปป-ดด-วว ค.ศ.)")
    try:
        when = datetime.fromisoformat(requested.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"expires_at {requested[:40]!r} is not a date (YYYY-MM-DD) or an "
                         "ISO 8601 date-time / วันหมดอายุต้องเป็นวันที่ (ปปปป-ดด-วว ค.ศ.)") from None
    if len(requested.strip()) == 10:  # a day: the key works to its end
        when = when.replace(hour=23, minute=59, second=59)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    if when <= now:
        raise ValueError("expires_at must be in the future / วันหมดอายุต้องเป็นวันในอนาคต")
    if when > now + KEY_LIFE_MAX:
        last = (now + KEY_LIFE_MAX).date().isoformat()
        raise ValueError(f"a key lives at most {KEY_LIFE_MAX.days} days; expires_at must be "
                         f"on or before {last} / รหัส API มีอายุได้ไม่เกิน 2 ปี (ไม่เกิน {last})")
    return when


def owner_problem(owner: object, known_user) -> str | None:
    """What is wrong with a key's owner, or None: an existing username (``known_user(name)``
    true) or a named system, "system: <its name>"."""
    if not isinstance(owner, str) or not owner.strip():
        return ("owner is required: the username of the person the key belongs to, or "
                "'system: <the system's name>' / ต้องระบุเจ้าของ: ชื่อผู้ใช้ของผู้ถือรหัส หรือ "
                "'system: ชื่อระบบ'")
    owner = owner.strip()
    if owner.lower().startswith(SYSTEM_OWNER):
        name = owner[len(SYSTEM_OWNER):].strip()
        return None if 0 < len(name) <= 200 else "a system owner is 'system: <its name>' " \
            "(1-200 characters) / เจ้าของที่เป็นระบบเขียนว่า 'system: ชื่อระบบ' (1-200 ตัวอักษร)"
    return None if known_user(owner) else (f"no user {owner[:64]!r}; the owner is an existing "
                                           "username or 'system: <the system's name>' / "
                                           f"ไม่มีผู้ใช้ชื่อ {owner[:64]!r}")


def expired(entry: dict, now: datetime) -> bool:
    return bool(entry.get("expires_at")) and datetime.fromisoformat(entry["expires_at"]) <= now


class KeyTable:
    """Keys from service-credentials.json (contract v1's keys, hashed) and the issued-keys
    file (hashes only)."""

    def __init__(self, path: Path, issued_path: Path | None = None):
        self.path = path
        # beside the key file unless ISSUED_KEYS_PATH says (a read-only secret mount, with
        # the issued keys on a volume the gateway replicas share)
        self.issued_path = issued_path or path.with_name("api-keys.json")
        self.used_path = self.issued_path.with_name(self.issued_path.stem + "-used.json")
        self._stamp = None
        self._table: dict[bytes, Principal] = {}
        self._issued: dict[bytes, dict] = {}    # digest -> an issued key's entry (id, expiry)
        self._noted: dict[str, float] = {}      # key id -> when its use was last written

    def _refresh(self):
        try:
            stat = os.stat(self.path)
        except OSError:
            raise AuthError(503, "credentials_unavailable",
                            f"the key file {self.path.name} cannot be read; ask the operator") from None
        issued = self.issued_path.stat() if self.issued_path.exists() else None
        stamp = (stat.st_mtime_ns, stat.st_size, issued and (issued.st_mtime_ns, issued.st_size))
        if stamp != self._stamp:
            table = principals_from_service_credentials(
                json.loads(self.path.read_text("utf-8")), self.path.name)
            issued = self.issued()
            table.update(principals_from_issued(issued))
            self._issued = {bytes.fromhex(k["sha256"]): k for k in issued.get("keys", [])
                            if not k.get("revoked_at")}
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
        digest = _digest(key.strip())
        principal = self._table.get(digest)  # digests: no timing leak of the key
        if principal is None:
            raise AuthError(401, "unauthenticated", "unknown API key")
        self._check_issued(digest)
        return principal

    def _check_issued(self, digest: bytes) -> None:
        """An issued key: refused once expired; its use noted (at most once a minute)."""
        entry = self._issued.get(digest)
        if entry is None:
            return  # an organisation's key of credentials.json: the operator's, no expiry
        now = datetime.now(timezone.utc)
        if expired(entry, now):
            raise AuthError(401, "key_expired",
                            f"key expired on {entry['expires_at'][:10]}; ask the admin for a new "
                            f"one / รหัส API นี้หมดอายุแล้วเมื่อ {entry['expires_at'][:10]} "
                            "ขอรหัสใหม่จากผู้ดูแลระบบ")
        self._noted_use(entry, now)

    def _noted_use(self, entry: dict, now: datetime) -> None:
        last = self._noted.get(entry["id"])
        if last is None or time.monotonic() - last >= USE_NOTED_EVERY_S:
            self._noted[entry["id"]] = time.monotonic()
            self._note_use(entry["id"], now.isoformat())

    def _note_use(self, key_id: str, now: str) -> None:
        try:
            used = self.last_used()
            used[key_id] = now
            write_private(self.used_path, json.dumps(used, indent=1) + "\n")
        except (OSError, ValueError):
            pass  # a use not noted is no reason to refuse the request (the next minute tries)

    def last_used(self) -> dict[str, str]:
        """{key id: when it was last used} (to the minute, see USE_NOTED_EVERY_S)."""
        if not self.used_path.exists():
            return {}
        try:
            return json.loads(self.used_path.read_text("utf-8"))
        except ValueError:  # a write cut short: the uses are noted again
            return {}

    def digest_of(self, header_key: str) -> str:
        """The hex SHA-256 a key is known by (a dashboard session started with it keeps this)."""
        return _digest(header_key.strip()).hex()

    def principal_of_digest(self, hexdigest: str) -> Principal | None:
        """The principal of a key known by its digest, while the key is valid."""
        self._refresh()
        try:
            digest = bytes.fromhex(hexdigest)
        except ValueError:
            return None
        entry = self._issued.get(digest)
        if entry is not None:
            now = datetime.now(timezone.utc)
            if expired(entry, now):
                return None  # a dashboard session of an expired key ends with it
            self._noted_use(entry, now)  # a page read with the key is a use of it
        return self._table.get(digest)

    def issued(self) -> dict:
        if not self.issued_path.exists():
            return {"keys": []}
        return json.loads(self.issued_path.read_text("utf-8"))

    def listed(self) -> list[dict]:
        """The issued keys as the admin sees them: never the hash; when each was last used."""
        used = self.last_used()
        return [{**shown_key(k), "owner": k.get("owner"), "expires_at": k.get("expires_at"),
                 "last_used_at": used.get(k["id"])} for k in self.issued()["keys"]]

    def issue(self, role: str, scope: str | None, label: str, by: str, now: str,
              owner: str | None = None, expires_at: str | None = None) -> dict:
        """A new key: its secret is returned once and only its hash is written."""
        import secrets
        import uuid
        key = secrets.token_urlsafe(24)
        entry = {"id": str(uuid.uuid4()), "role": role, "scope": scope, "label": label,
                 "owner": owner, "sha256": _digest(key).hex(), "created_at": now,
                 "created_by": by, "expires_at": expires_at, "revoked_at": None}
        issued = self.issued()
        issued["keys"].append(entry)
        self._write(issued)
        return {**shown_key(entry), "last_used_at": None, "api_key": key}

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
        self.table = KeyTable(Path(self.container.config["SERVICE_CREDENTIALS_PATH"]),
                              Path(issued) if issued else None)

    def get_dependency(self, worker_ctx):
        return self.table

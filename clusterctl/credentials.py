"""``var/credentials.json`` (DESIGN 3.2): generated at first run with random secrets, reused after.

Extensions to the v1 layout (documented in the README): ``services`` holds the AMQP user the
services themselves connect as; each province entry may carry a prefixed ``amqp_username`` when
AMQP_USER_PREFIX is set (tests), though its key stays the province code. ``agencies`` holds each
agency's API key and, for an implementing agency, its own AMQP login ``agency.<code>`` (it
reports the progress of the projects it implements; its own system publishes with it). ``gateway``
holds the gateway's own AMQP login (it publishes uploads and dashboard entries on its own route,
contracts/reports.py).

No service opens this file: ``service-credentials.json`` beside it (``SERVICE_CREDENTIALS``,
written again whenever this file changes) holds what the gateway needs of it - the public
``amqp_url`` and the SHA-256 of every API key it checks - and no AMQP login at all (the services'
and the gateway's come in their own environment: services.env, gateway.env), nor any API key
itself.
"""
from __future__ import annotations

import hashlib
import json
import secrets
from pathlib import Path

from services.contracts.reports import AGENCY_CODE, AGENCY_USER_PREFIX, GATEWAY_USER
from services.infra.files import write_private  # noqa: F401 (used by the runner too)

SERVICES_USER = "cluster-planning-services"
SERVICE_CREDENTIALS = "service-credentials.json"
API_KEY_SECTIONS = ("osm", "provinces", "agencies")  # and "admin", a single entry


def _secret() -> str:
    return secrets.token_urlsafe(24)


def implementing_agencies(plan: dict) -> list[str]:
    """The agencies of a plan that report project progress themselves: those with the
    ``implementing`` role, and any a project names as its implementing agency."""
    codes = {a["code"] for a in plan.get("agencies", []) if "implementing" in a.get("roles", [])}
    codes |= {p["implementing_agency"] for p in plan.get("projects", [])
              if p.get("implementing_agency")}
    return sorted(c for c in codes if AGENCY_CODE.match(c))


def agency_login(entry: dict, code: str, user_prefix: str = "") -> bool:
    """Give an agency's entry its AMQP login, unless it has one; True when added."""
    if "amqp_username" in entry:
        return False
    if not AGENCY_CODE.match(code):
        raise ValueError(f"agency code {code!r} cannot be an AMQP user: use letters, digits, "
                         "'-' and '_' (no dot), not a province code")
    entry["amqp_username"] = user_prefix + AGENCY_USER_PREFIX + code
    entry["amqp_password"] = _secret()
    return True


def ensure_credentials(path: Path, amqp_url: str, clusters: list[dict],
                       user_prefix: str = "", agencies=(), reporting_agencies=(),
                       amqp_alternates=()) -> dict:
    """Load the file, add an entry for anything new (a province, a cluster, an agency, an
    implementing agency's AMQP login), never rotate."""
    creds = json.loads(path.read_text("utf-8")) if path.exists() else {}
    before = json.dumps(creds, sort_keys=True)
    creds["amqp_url"] = amqp_url
    # The cluster's other nodes (extension): amqp_url stays one URL (DESIGN 3.2); a province
    # whose client knows failover tries these when amqp_url's node is down.
    if amqp_alternates:
        creds["amqp_alternates"] = list(amqp_alternates)
    else:
        creds.pop("amqp_alternates", None)
    creds.setdefault("provinces", {})
    creds.setdefault("osm", {})
    creds.setdefault("agencies", {})
    for code in agencies:  # agency keys act on the agency's assets and transfers (extension)
        creds["agencies"].setdefault(code, {"api_key": _secret()})
    for code in reporting_agencies:  # ... and implementing agencies report their projects
        agency_login(creds["agencies"].setdefault(code, {"api_key": _secret()}), code, user_prefix)
    creds.setdefault("admin", {"api_key": _secret()})
    creds.setdefault("services", {"amqp_username": user_prefix + SERVICES_USER,
                                  "amqp_password": _secret()})
    creds.setdefault("gateway", {"amqp_username": user_prefix + GATEWAY_USER,
                                 "amqp_password": _secret()})
    for cluster in clusters:
        creds["osm"].setdefault(cluster["code"], {"api_key": _secret()})
        for province in cluster["provinces"]:
            creds["provinces"].setdefault(province["code"], {
                "amqp_username": user_prefix + province["code"],
                "amqp_password": _secret(), "api_key": _secret()})
    if json.dumps(creds, sort_keys=True) != before:
        write_private(path, json.dumps(creds, ensure_ascii=False, indent=2) + "\n")
    sync_service_credentials(path, creds)
    return creds


def service_credentials(creds: dict) -> dict:
    """What the gateway needs of credentials.json to check API keys: each key's SHA-256 (its
    KeyTable). No AMQP password at all - not a province's or an agency's, nor the services'
    (the gateway connects with its own login, given in its own config) - and no key itself."""
    def hashed(entry):
        return {"api_key_sha256": hashlib.sha256(entry["api_key"].encode("utf-8")).hexdigest()}

    keys = {section: {code: hashed(entry) for code, entry in creds.get(section, {}).items()
                      if entry.get("api_key")} for section in API_KEY_SECTIONS}
    if creds.get("admin", {}).get("api_key"):
        keys["admin"] = hashed(creds["admin"])
    return {"amqp_url": creds.get("amqp_url"), "api_keys": keys}


def sync_service_credentials(path: Path, creds: dict) -> Path:
    """Write ``service-credentials.json`` beside ``path`` when what it must hold changed."""
    target = path.with_name(SERVICE_CREDENTIALS)
    text = json.dumps(service_credentials(creds), ensure_ascii=False, indent=2) + "\n"
    if not target.exists() or target.read_text("utf-8") != text:
        write_private(target, text)
    return target


def issued_keys(path: Path) -> set[str]:
    """The agencies holding a key in ``path``, as "agency:CODE" (empty when it is absent)."""
    if not path.exists():
        return set()
    return {f"agency:{code}" for code in json.loads(path.read_text("utf-8")).get("agencies", {})}


def add_agency_key(path: Path, code: str, user_prefix: str = "") -> tuple[str, dict]:
    """``clusterctl agency-key CODE``: the agency's API key, created if it has none, and its
    entry (with its AMQP login for reporting its projects, also created if it has none)."""
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: start the system once with 'make run'")
    creds = json.loads(path.read_text("utf-8"))
    entry = creds.setdefault("agencies", {}).get(code)
    changed = entry is None
    if entry is None:
        entry = creds["agencies"][code] = {"api_key": _secret()}
    changed = agency_login(entry, code, user_prefix) or changed
    if changed:
        write_private(path, json.dumps(creds, ensure_ascii=False, indent=2) + "\n")
    sync_service_credentials(path, creds)  # the gateway knows the new key at once
    return entry["api_key"], entry

"""``var/credentials.json`` (DESIGN 3.2): generated at first run with random secrets, reused after.

Extensions to the v1 layout (documented in the README): ``services`` holds the AMQP user the
services themselves connect as; each province entry may carry a prefixed ``amqp_username`` when
AMQP_USER_PREFIX is set (tests), though its key stays the province code.
"""
from __future__ import annotations

import json
import secrets
from pathlib import Path

from services.infra.files import write_private  # noqa: F401 (used by the runner too)

SERVICES_USER = "cluster-planning-services"


def _secret() -> str:
    return secrets.token_urlsafe(24)


def ensure_credentials(path: Path, amqp_url: str, clusters: list[dict],
                       user_prefix: str = "", agencies=()) -> dict:
    """Load the file, add an entry for anything new (a province, a cluster, an agency), never
    rotate."""
    creds = json.loads(path.read_text("utf-8")) if path.exists() else {}
    before = json.dumps(creds, sort_keys=True)
    creds["amqp_url"] = amqp_url
    creds.setdefault("provinces", {})
    creds.setdefault("osm", {})
    creds.setdefault("agencies", {})
    for code in agencies:  # agency keys act on the agency's assets and transfers (extension)
        creds["agencies"].setdefault(code, {"api_key": _secret()})
    creds.setdefault("admin", {"api_key": _secret()})
    creds.setdefault("services", {"amqp_username": user_prefix + SERVICES_USER,
                                  "amqp_password": _secret()})
    for cluster in clusters:
        creds["osm"].setdefault(cluster["code"], {"api_key": _secret()})
        for province in cluster["provinces"]:
            creds["provinces"].setdefault(province["code"], {
                "amqp_username": user_prefix + province["code"],
                "amqp_password": _secret(), "api_key": _secret()})
    if json.dumps(creds, sort_keys=True) != before:
        write_private(path, json.dumps(creds, ensure_ascii=False, indent=2) + "\n")
    return creds




def add_agency_key(path: Path, code: str) -> str:
    """``clusterctl agency-key CODE``: the agency's API key, created if it has none."""
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: start the system once with 'make run'")
    creds = json.loads(path.read_text("utf-8"))
    entry = creds.setdefault("agencies", {}).get(code)
    if entry is None:
        entry = creds["agencies"][code] = {"api_key": _secret()}
        write_private(path, json.dumps(creds, ensure_ascii=False, indent=2) + "\n")
    return entry["api_key"]

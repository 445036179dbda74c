"""``var/credentials.json`` (DESIGN 3.2): generated at first run with random secrets, reused after.

Extensions to the v1 layout (documented in the README): ``services`` holds the AMQP user the
services themselves connect as; each province entry may carry a prefixed ``amqp_username`` when
AMQP_USER_PREFIX is set (tests), though its key stays the province code. ``agencies`` holds each
agency's API key and, for an implementing agency, its own AMQP login ``agency.<code>`` (it
reports the progress of the projects it implements).
"""
from __future__ import annotations

import json
import secrets
from pathlib import Path

from services.contracts.reports import AGENCY_CODE, AGENCY_USER_PREFIX
from services.infra.files import write_private  # noqa: F401 (used by the runner too)

SERVICES_USER = "cluster-planning-services"


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
                       user_prefix: str = "", agencies=(), reporting_agencies=()) -> dict:
    """Load the file, add an entry for anything new (a province, a cluster, an agency, an
    implementing agency's AMQP login), never rotate."""
    creds = json.loads(path.read_text("utf-8")) if path.exists() else {}
    before = json.dumps(creds, sort_keys=True)
    creds["amqp_url"] = amqp_url
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
    for cluster in clusters:
        creds["osm"].setdefault(cluster["code"], {"api_key": _secret()})
        for province in cluster["provinces"]:
            creds["provinces"].setdefault(province["code"], {
                "amqp_username": user_prefix + province["code"],
                "amqp_password": _secret(), "api_key": _secret()})
    if json.dumps(creds, sort_keys=True) != before:
        write_private(path, json.dumps(creds, ensure_ascii=False, indent=2) + "\n")
    return creds


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
    return entry["api_key"], entry

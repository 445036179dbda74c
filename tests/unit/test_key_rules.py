"""Issued API keys: an owner, an expiry (a year by default, two at most), refused once expired,
their last use noted at most once a minute; credentials.json keys never expire."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from clusterctl.credentials import SERVICE_CREDENTIALS, ensure_credentials, sync_service_credentials
from services.gateway import auth

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_expiry_defaults_to_a_year_and_is_at_most_two():
    assert auth.key_expiry(None, NOW) == NOW + timedelta(days=365)
    assert auth.key_expiry("2026-06-30", NOW) == datetime(2026, 6, 30, 23, 59, 59, tzinfo=timezone.utc)
    for bad in ("2025-12-31", "2029-01-01", "soon", 5):
        with pytest.raises(ValueError):
            auth.key_expiry(bad, NOW)


def test_an_owner_is_a_known_person_or_a_named_system():
    known = {"somchai"}.__contains__
    assert auth.owner_problem("somchai", known) is None
    assert auth.owner_problem("system: nightly export", known) is None
    assert "no user" in auth.owner_problem("nobody", known)
    assert auth.owner_problem("system:", known) and auth.owner_problem("", known)
    assert auth.owner_problem(None, known)


def test_an_expired_key_is_refused_and_use_is_noted_once_a_minute(tmp_path):
    creds = tmp_path / "credentials.json"
    ensure_credentials(creds, "amqp://h/v", [])
    json_creds = json.loads(creds.read_text("utf-8"))
    json_creds["admin"]["api_key"] = "machine-admin"
    sync_service_credentials(creds, json_creds)
    table = auth.KeyTable(creds.with_name(SERVICE_CREDENTIALS))
    now = datetime.now(timezone.utc)
    live = table.issue("province", "TH-34", "live", "admin", now.isoformat(), "system: x",
                       (now + timedelta(days=1)).isoformat())
    dead = table.issue("province", "TH-34", "dead", "admin", now.isoformat(), "system: y",
                       (now - timedelta(seconds=1)).isoformat())
    assert table.authenticate(f"Bearer {live['api_key']}").scope == "TH-34"
    with pytest.raises(auth.AuthError) as refused:
        table.authenticate(f"Bearer {dead['api_key']}")
    assert refused.value.status == 401 and "key expired on" in refused.value.message
    assert table.principal_of_digest(table.digest_of(dead["api_key"])) is None
    assert table.authenticate("Bearer machine-admin").role == "admin"  # no expiry
    first = table.last_used()[live["id"]]
    table.authenticate(f"Bearer {live['api_key']}")
    assert table.last_used()[live["id"]] == first  # not again within the minute
    listed = {k["label"]: k for k in table.listed()}
    assert listed["live"]["last_used_at"] == first and listed["dead"]["last_used_at"] is None
    assert listed["live"]["owner"] == "system: x" and "sha256" not in listed["live"]


def test_the_gateway_s_key_file_holds_digests_and_no_amqp_password(tmp_path):
    creds_path = tmp_path / "credentials.json"
    clusters = [{"code": "ne2", "provinces": [{"code": "TH-34"}, {"code": "TH-37"}]}]
    creds = ensure_credentials(creds_path, "amqp://h/v", clusters, "t-", ["ubon-pao"], ["ubon-pao"])
    text = (tmp_path / SERVICE_CREDENTIALS).read_text("utf-8")
    for entry in [*creds["provinces"].values(), *creds["agencies"].values()]:
        assert entry.get("amqp_password", "none") not in text and entry["api_key"] not in text
    for login in (creds["gateway"], creds["services"]):  # the gateway's own comes in its config
        assert login["amqp_password"] not in text
    assert creds["gateway"]["amqp_username"] == "t-cluster-planning-gateway"
    table = auth.KeyTable(tmp_path / SERVICE_CREDENTIALS)
    assert table.authenticate(f"Bearer {creds['provinces']['TH-37']['api_key']}").scope == "TH-37"
    assert table.authenticate(f"Bearer {creds['agencies']['ubon-pao']['api_key']}").role == "agency"
    with pytest.raises(auth.AuthError) as refused:  # credentials.json given by mistake
        auth.KeyTable(creds_path).authenticate("Bearer x")
    assert refused.value.code == "wrong_key_file"


def test_a_key_clusterctl_adds_reaches_the_gateway_s_file(tmp_path):
    from clusterctl.credentials import add_agency_key
    creds_path = tmp_path / "credentials.json"
    ensure_credentials(creds_path, "amqp://h/v", [])
    table = auth.KeyTable(tmp_path / SERVICE_CREDENTIALS)
    key, _ = add_agency_key(creds_path, "korat-pao")
    assert table.authenticate(f"Bearer {key}").scope == "korat-pao"

"""Issued API keys: an owner, an expiry (a year by default, two at most), refused once expired,
their last use noted at most once a minute; credentials.json keys never expire."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

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
    creds.write_text(json.dumps({"admin": {"api_key": "machine-admin"}}))
    table = auth.KeyTable(creds)
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

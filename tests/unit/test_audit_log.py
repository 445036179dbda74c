"""The audit log's rules: which routes are acts (every one that changes something is kept),
what of an act is kept (secrets masked, sizes bounded), what changed, and the filters."""
import pytest

from services.contracts.access import Who
from services.gateway.api import ROUTES
from services.gateway.audit.acts import ACTS, AUDITED_IN_HANDLER, NOT_ACTS
from services.gateway.audit.record import (bounded, changes, check_filters, masked, new_record,
                                           reason_of)
from services.gateway.audit.words import ACT_NAMES, KINDS, PAGE_WORDS


def test_every_route_that_changes_something_is_an_audited_act():
    writes = {r.name for r in ROUTES if r.method != "GET"}
    missing = writes - set(ACTS) - AUDITED_IN_HANDLER - NOT_ACTS
    assert missing == set(), f"routes that change something but are not in audit/acts.py: {missing}"
    assert set(ACTS) <= writes, "an act in audit/acts.py names no route"
    assert all(r.audit is ACTS[r.name] for r in ROUTES if r.name in ACTS)


def test_every_act_has_thai_and_english_words_and_a_kind():
    handler_acts = {"user.create", "user.change", "user.reset", "key.issue", "key.revoke"}
    for act in {a.act for a in ACTS.values()} | handler_acts:
        assert act in ACT_NAMES, act
        assert act.split(".")[0] in KINDS and f"kind_{act.split('.')[0]}" in PAGE_WORDS


def test_secrets_are_masked_wherever_they_are():
    kept = masked({"api_key": "s3cret", "password": "p", "nested": {"totp_secret": "x",
                   "csrf": "t"}, "label": "ok", "list": [{"token": "t"}]})
    assert kept == {"api_key": "***", "password": "***", "nested": {"totp_secret": "***",
                    "csrf": "***"}, "label": "ok", "list": [{"token": "***"}]}


def test_sizes_are_bounded_but_the_names_kept():
    assert masked("ก" * 1000).endswith("…") and len(masked("ก" * 1000)) == 301
    assert masked(list(range(60)))[-1] == "… 10 more"
    big = bounded({"plan": {"x": "y" * 20_000}, "reason": "why"})
    assert big["reason"] == "why" and "not kept here" in big["plan"]


def test_what_changed_is_each_differing_value_nested_ones_by_path():
    assert changes({"due_days": 15}, {"due_days": 20}) == [
        {"field": "due_days", "before": 15, "after": 20}]
    assert changes({"FY2568": {"Q1": 20, "Q2": 50}}, {"FY2568": {"Q1": 25, "Q2": 50}}) == [
        {"field": "FY2568.Q1", "before": 20, "after": 25}]
    assert changes({"FY2569": None}, {"FY2569": {"Q1": 1}}) == [
        {"field": "FY2569.Q1", "before": None, "after": 1}]
    assert changes(None, {"a": 1}) == []


def test_a_record_names_the_person_and_organisation_and_keeps_the_after_of_the_before():
    who = Who("osm", "northeast-lower-2", "สมชาย ใจดี (somchai)", "osm_director")
    record = new_record(at="2026-12-06T03:00:00.000000+00:00", act="plan.publish", who=who,
                        target="NE2-2566", cluster="northeast-lower-2", via="session",
                        status=200, before={"status": "draft", "version": 1},
                        answer={"status": "published", "version": 1, "title": "แผน"},
                        request={"approved_by": "ก.บ.ก."}, reason=None)
    assert (record["person"], record["organisation"], record["duty"]) == (
        "สมชาย ใจดี (somchai)", "northeast-lower-2", "osm_director")
    assert record["after"] == {"status": "published", "version": 1}
    assert record["changes"] == [{"field": "status", "before": "draft", "after": "published"}]
    made = new_record(at="t", act="asset.register", who=who, target="A1", cluster=None,
                      via="api_key", status=201, before={}, answer={"code": "A1", "unit": "ลำ"})
    assert made["after"] == {"code": "A1", "unit": "ลำ"} and len(made["changes"]) == 2


def test_why_is_the_reason_parameter_or_the_bodys_reason():
    assert reason_of({"reason": " ตามมติ "}, {"reason": "x"}) == "ตามมติ"
    assert reason_of({}, {"comment": "ค่าถูกต้อง"}) == "ค่าถูกต้อง"
    assert reason_of({}, {"reason": "  "}) is None and reason_of({}, None) is None


def test_filters_are_checked_and_dates_are_bangkok_days():
    assert check_filters({"since": "2026-12-06", "until": "2026-12-06", "act": " plan "}) == {
        "since": "2026-12-05T17:00:00.000000+00:00",
        "until": "2026-12-06T17:00:00.000000+00:00", "act": "plan"}
    with pytest.raises(ValueError, match="since: a date or time"):
        check_filters({"since": "yesterday"})
    with pytest.raises(ValueError, match="person: at most 200"):
        check_filters({"person": "x" * 201})

"""The asset registry and the transfer state machine (pure): every legal and illegal step."""
from datetime import date, datetime, timedelta, timezone

import pytest

from services.assets import domain
from services.assets.domain import (APPROVED, HANDED_OVER, IN_CUSTODY, REQUESTED, TRANSITIONS,
                                    Actor, AssetError, Conflict, NotAllowed, due_facts,
                                    new_asset, record_audit, transition, with_state)

NOW = datetime(2024, 6, 1, 3, 0, tzinfo=timezone.utc)
PROJECTS = {"NE2-67-002": {"code": "NE2-67-002", "provinces": ["TH-34", "TH-37"],
                           "plan_id": "plan-1", "cluster": "northeast-lower-2",
                           "implementing_agency": "ubon-tourism"}}
ADMIN = Actor("admin", None)
OSM = Actor("osm", "northeast-lower-2")
OTHER_OSM = Actor("osm", "northeast-lower-1")
HOLDER = Actor("agency", "ubon-tourism")
RECEIVER = Actor("agency", "ubon-pao")
STRANGER = Actor("agency", "sisaket-commerce")
DIRECTORY = {"ubon-tourism", "ubon-pao", "sisaket-commerce"}
MAINTENANCE = {"agency": "ubon-pao", "budget_thb": 120000.0, "note": "งบซ่อมบำรุงประจำปี"}
EVIDENCE = [{"kind": "handover", "reference": "บันทึกส่งมอบ อบ 0017/2567", "date": "2024-06-01"}]


def registration(**changes):
    doc = {"code": "NE2-67-002-A01", "project": "NE2-67-002", "fiscal_year": 2567,
           "category": "building", "description_th": "ศูนย์บริการนักท่องเที่ยวริมโขง",
           "description_en": "Mekong visitor centre", "quantity": 1, "unit": "หลัง",
           "unit_value_thb": 4_500_000, "acquired_on": "2024-03-15",
           "location": {"province": "TH-34", "district": "โขงเจียม"},
           "custodian": "ubon-tourism",
           "documents": [{"kind": "inspection", "reference": "ตรวจรับ 5/2567"}]}
    doc.update(changes)
    return doc


def registered(**changes):
    asset, _ = new_asset(registration(**changes), PROJECTS, HOLDER, NOW)
    return asset


def step(asset, action, actor, **command):
    return transition(asset, action, {"version": asset["version"], **command}, actor, NOW,
                      DIRECTORY)


def at_state(state):
    """An asset brought to ``state`` by the legal path."""
    asset = registered()
    path = {IN_CUSTODY: [], REQUESTED: ["request"], APPROVED: ["request", "approve"],
            HANDED_OVER: ["request", "approve", "hand_over"]}[state]
    for action in path:
        asset, _ = step(asset, action, {"request": HOLDER, "approve": OSM, "hand_over": HOLDER}[action],
                        to="ubon-pao", documents=EVIDENCE)
    return asset


# --- registration --------------------------------------------------------------------------------

def test_a_registration_is_valued_located_and_logged():
    asset, events = new_asset(registration(quantity=2, unit_value_thb=1250.5), PROJECTS, HOLDER, NOW)
    assert asset["total_value_thb"] == 2501.0 and asset["status"] == IN_CUSTODY
    assert (asset["cluster"], asset["implementing_agency"]) == ("northeast-lower-2", "ubon-tourism")
    assert asset["audit"]["next_due"] == "2025-03-15"
    assert [e["action"] for e in asset["ledger"]] == ["register"]
    assert [kind for kind, _ in events] == ["asset_registered"]


@pytest.mark.parametrize("changes, words", [
    ({"project": "NE2-99-999"}, "unknown project"),
    ({"location": {"province": "TH-33"}}, "does not run in TH-33"),
    ({"category": "vehicle"}, "category"),
    ({"quantity": 0}, "quantity"),
    ({"acquired_on": "15/03/2567"}, "acquired_on"),
    ({"colour": "red"}, "colour"),
])
def test_a_bad_registration_says_what_is_wrong(changes, words):
    with pytest.raises(AssetError, match=words):
        new_asset(registration(**changes), PROJECTS, HOLDER, NOW)


def test_only_the_implementing_agency_custodian_osm_or_admin_register():
    for actor in (HOLDER, OSM, ADMIN):
        new_asset(registration(), PROJECTS, actor, NOW)
    for actor in (STRANGER, OTHER_OSM):
        with pytest.raises(NotAllowed):
            new_asset(registration(), PROJECTS, actor, NOW)


# --- the state machine: every legal step -----------------------------------------------------------

def test_the_whole_transfer_moves_custody_to_the_receiver_and_logs_every_step():
    asset = registered()
    asset, events = step(asset, "request", HOLDER, to="ubon-pao", reason="ให้ อบจ. ดูแล")
    assert asset["status"] == REQUESTED and asset["transfer"]["to"] == "ubon-pao"
    assert events[0][0] == "transfer_requested" and events[0][1]["to_agency"] == "ubon-pao"
    asset, events = step(asset, "approve", OSM)
    assert asset["status"] == APPROVED
    assert asset["transfer"]["due_by"] == (NOW + timedelta(days=60)).isoformat()
    asset, _ = step(asset, "hand_over", HOLDER, documents=EVIDENCE)
    assert asset["status"] == HANDED_OVER and asset["custodian"] == "ubon-tourism"
    asset, events = step(asset, "accept", RECEIVER, maintenance=MAINTENANCE)
    assert (asset["status"], asset["custodian"], asset["transfer"]) == (IN_CUSTODY, "ubon-pao", None)
    assert asset["maintenance"]["budget_thb"] == 120000.0
    assert asset["documents"][-1]["reference"] == "บันทึกส่งมอบ อบ 0017/2567"
    assert events[0][0] == "transfer_accepted"
    assert [e["action"] for e in asset["ledger"]] == \
        ["register", "request", "approve", "hand_over", "accept"]
    assert [e["seq"] for e in asset["ledger"]] == [1, 2, 3, 4, 5] and asset["version"] == 5
    assert len({e["transfer_id"] for e in asset["ledger"][1:]}) == 1


@pytest.mark.parametrize("state, action, actor", [
    (APPROVED, "reject", RECEIVER), (HANDED_OVER, "reject", RECEIVER),
    (REQUESTED, "cancel", HOLDER), (APPROVED, "cancel", OSM),
])
def test_a_rejection_or_cancel_returns_the_asset_to_its_holder(state, action, actor):
    asset, events = step(at_state(state), action, actor, reason="อาคารยังไม่พร้อมใช้งาน")
    assert (asset["status"], asset["custodian"], asset["transfer"]) == (IN_CUSTODY, "ubon-tourism", None)
    assert events[0][0] == {"reject": "transfer_rejected", "cancel": "transfer_cancelled"}[action]
    assert asset["ledger"][-1]["reason"] == "อาคารยังไม่พร้อมใช้งาน"


# --- every illegal step ----------------------------------------------------------------------------

LEGAL = {(state, action) for action, (starts, _) in TRANSITIONS.items() for state in starts}


ILLEGAL = [(state, action) for state in (IN_CUSTODY, REQUESTED, APPROVED, HANDED_OVER)
           for action in sorted(TRANSITIONS) if (state, action) not in LEGAL]


@pytest.mark.parametrize("state, action", ILLEGAL)
def test_a_step_from_a_state_that_does_not_allow_it_is_refused_and_changes_nothing(state, action):
    asset = at_state(state)
    before = repr(asset)
    with pytest.raises(AssetError, match=f"is {state}: it cannot"):
        step(asset, action, ADMIN, to="ubon-pao", documents=EVIDENCE, reason="x",
             maintenance=MAINTENANCE)
    assert repr(asset) == before


@pytest.mark.parametrize("state, action, refused", [
    (IN_CUSTODY, "request", [STRANGER, RECEIVER, OTHER_OSM]),
    (REQUESTED, "approve", [HOLDER, RECEIVER, STRANGER, OTHER_OSM]),
    (APPROVED, "hand_over", [RECEIVER, STRANGER]),
    (HANDED_OVER, "accept", [HOLDER, OSM, ADMIN, STRANGER]),
    (HANDED_OVER, "reject", [HOLDER, OSM, STRANGER]),
    (REQUESTED, "cancel", [RECEIVER, STRANGER]),
])
def test_only_the_right_party_takes_each_step(state, action, refused):
    for actor in refused:
        with pytest.raises(NotAllowed, match="may not"):
            step(at_state(state), action, actor, to="ubon-pao", documents=EVIDENCE, reason="x",
                 maintenance=MAINTENANCE)


def test_a_command_decided_on_an_old_version_is_a_conflict():
    asset = registered()
    with pytest.raises(Conflict, match="changed since it was read"):
        transition(asset, "request", {"version": 0, "to": "ubon-pao"}, HOLDER, NOW, DIRECTORY)


@pytest.mark.parametrize("state, action, command, words", [
    (IN_CUSTODY, "request", {}, "names the receiving agency"),
    (IN_CUSTODY, "request", {"to": "ubon-tourism"}, "already holds"),
    (IN_CUSTODY, "request", {"to": "nobody"}, "unknown receiving agency"),
    (APPROVED, "hand_over", {}, "delivery evidence"),
    (APPROVED, "hand_over", {"documents": [{"kind": "handover"}]}, "reference"),
    (HANDED_OVER, "accept", {}, "maintenance readiness"),
    (HANDED_OVER, "accept", {"maintenance": {"agency": "ubon-pao"}}, "budget_thb"),
    (HANDED_OVER, "reject", {}, "needs a 'reason'"),
    (REQUESTED, "cancel", {"reason": "  "}, "needs a 'reason'"),
])
def test_a_step_missing_what_it_needs_says_so(state, action, command, words):
    actor = {"request": HOLDER, "hand_over": HOLDER, "accept": RECEIVER, "reject": RECEIVER,
             "cancel": HOLDER}[action]
    with pytest.raises(AssetError, match=words):
        step(at_state(state), action, actor, **command)


def test_land_improvement_needs_no_maintenance_plan_to_be_accepted():
    asset = registered(category="land_improvement")
    for action, actor in (("request", HOLDER), ("approve", OSM), ("hand_over", HOLDER)):
        asset, _ = step(asset, action, actor, to="ubon-pao", documents=EVIDENCE)
    asset, _ = step(asset, "accept", RECEIVER)
    assert asset["custodian"] == "ubon-pao"


# --- due dates, audits, value ---------------------------------------------------------------------

def test_a_transfer_not_completed_in_time_is_overdue_once():
    asset = at_state(APPROVED)
    assert [k for k, _ in due_facts(asset, NOW + timedelta(days=59))] == []
    late = due_facts(asset, NOW + timedelta(days=61))
    assert [k for k, _ in late] == ["transfer_overdue"]
    again = due_facts(asset, NOW + timedelta(days=90))
    assert again[0][1]["event_id"] == late[0][1]["event_id"]
    assert with_state(asset, (NOW + timedelta(days=61)).date())["transfer_overdue"] is True


def test_an_audit_falls_due_a_year_later_and_is_announced_once_per_due_date():
    asset = registered()  # acquired 2024-03-15: first audit due 2025-03-15
    assert due_facts(asset, datetime(2025, 1, 1, tzinfo=timezone.utc)) == []
    [(kind, fact)] = due_facts(asset, datetime(2025, 2, 20, tzinfo=timezone.utc))
    assert kind == "audit_due" and fact["overdue"] is False and fact["due_on"] == "2025-03-15"
    audited, _ = record_audit(asset, {"version": 1, "on": "2025-03-01", "found": True,
                                      "condition": "good"}, HOLDER, NOW)
    assert audited["audit"]["next_due"] == "2026-03-01" and audited["ledger"][-1]["action"] == "audit"
    with pytest.raises(AssetError, match="condition"):
        record_audit(asset, {"version": 1, "on": "2025-03-01", "found": True,
                             "condition": "shiny"}, HOLDER, NOW)
    with pytest.raises(NotAllowed):
        record_audit(asset, {"version": 1, "on": "2025-03-01", "found": True,
                             "condition": "good"}, STRANGER, NOW)


def test_book_value_is_straight_line_by_category():
    asset = registered(category="durable_article", unit_value_thb=100_000, quantity=1,
                       acquired_on="2020-01-01")
    assert with_state(asset, date(2022, 7, 2))["book_value_thb"] == pytest.approx(50_000, abs=50)
    assert with_state(asset, date(2030, 1, 1))["book_value_thb"] == 0.0
    other = registered(category="other", unit_value_thb=100_000, quantity=1)
    assert with_state(other, date(2030, 1, 1))["book_value_thb"] == 100_000


def test_settings_are_checked_and_merged():
    merged = domain.validate_settings({"transfer_overdue_days": 30,
                                       "useful_life_years": {"building": 25}})
    assert merged["transfer_overdue_days"] == 30 and merged["useful_life_years"]["building"] == 25
    assert merged["useful_life_years"]["durable_article"] == 5
    with pytest.raises(AssetError, match="transfer_overdue_days.*unknown category 'boat'"):
        domain.validate_settings({"transfer_overdue_days": 0, "audit_interval_days": {"boat": 1}})


def test_review_findings_are_refused_with_a_clear_message():
    with pytest.raises(AssetError, match="not B.E."):
        new_asset(registration(acquired_on="2567-07-01"), PROJECTS, HOLDER, NOW)
    with pytest.raises(AssetError, match="no spaces or /"):
        new_asset(registration(code="0017/2567"), PROJECTS, HOLDER, NOW)
    # an agency registers only for a project it implements, even naming itself custodian
    with pytest.raises(NotAllowed):
        new_asset(registration(custodian="sisaket-commerce"), PROJECTS, STRANGER, NOW)
    with pytest.raises(AssetError, match="documents must be a list"):
        step(at_state(APPROVED), "hand_over", HOLDER, documents=3)
    with pytest.raises(AssetError, match="must be an object by category"):
        domain.validate_settings({"useful_life_years": 5})


def test_an_audit_due_soon_and_then_overdue_are_two_facts():
    asset = registered()
    soon = due_facts(asset, datetime(2025, 3, 1, tzinfo=timezone.utc))
    late = due_facts(asset, datetime(2025, 3, 20, tzinfo=timezone.utc))
    assert (soon[0][1]["overdue"], late[0][1]["overdue"]) == (False, True)
    assert soon[0][1]["event_id"] != late[0][1]["event_id"]


@pytest.mark.parametrize("state, steps", [
    ("in_custody", ["request", "audit"]), ("transfer_requested", ["approve", "cancel", "audit"]),
    ("transfer_approved", ["hand_over", "reject", "cancel", "audit"]),
    ("handed_over", ["accept", "reject", "audit"])])
def test_an_asset_as_shown_lists_the_steps_its_state_allows(state, steps):
    """What the dashboard offers as forms (who may: the access rule): each one the state
    machine takes from here, and an audit."""
    assert with_state(at_state(state), NOW.date())["next_steps"] == steps

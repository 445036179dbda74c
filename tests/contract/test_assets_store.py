"""Contract of the assets store (services/assets/store.py), run on every backend."""
import pytest

from services.assets.store import DuplicateAsset


@pytest.fixture
def store(backend):
    return backend.open("assets")


def project(code, provinces=("TH-34",)):
    return {"code": code, "title_th": f"โครงการ {code}", "provinces": list(provinces),
            "plan_id": "ne2", "cluster": "northeast-lower-2"}


def asset(code, project_code="NE2-67-001", **changes):
    doc = {"code": code, "project": project_code, "fiscal_year": 2567, "category": "building",
           "description_th": "อาคารแปรรูปข้าวหอมมะลิ", "description_en": "Rice mill", "quantity": 1.0,
           "unit": "หลัง", "unit_value_thb": 2500000.0, "total_value_thb": 2500000.0,
           "acquired_on": "2024-03-31", "province": "TH-34", "district": None,
           "custodian": "ubon-agriculture", "status": "registered", "version": 1}
    doc.update(changes)
    return doc


def registered(code):
    return ("asset_registered", {"event_id": f"ar-{code}", "asset": code})


def test_projects_of_a_plan_are_known_by_code(store):
    assert store.projects() == {}
    store.save_projects("ne2", 1, [project("NE2-67-001"), project("NE2-67-002")])
    store.save_projects("ne1", 1, [project("NE1-67-001")])
    assert set(store.projects()) == {"NE2-67-001", "NE2-67-002", "NE1-67-001"}
    assert store.projects()["NE2-67-001"] == project("NE2-67-001")


def test_a_newer_plan_version_replaces_its_projects(store):
    store.save_projects("ne2", 1, [project("NE2-67-001"), project("NE2-67-002")])
    store.save_projects("ne2", 2, [project("NE2-67-001", provinces=("TH-34", "TH-37"))])
    assert list(store.projects()) == ["NE2-67-001"]
    assert store.projects()["NE2-67-001"]["provinces"] == ["TH-34", "TH-37"]


def test_an_older_plan_version_is_ignored(store):
    store.save_projects("ne2", 3, [project("NE2-67-003")])
    store.save_projects("ne2", 2, [project("NE2-67-002")])
    assert list(store.projects()) == ["NE2-67-003"]


def test_newer_projects_are_not_lost_to_a_concurrent_older_version(store, backend):
    other = backend.open("assets")  # another worker on the same database
    backend.before_next_insert(store, "plan_projects",
                               lambda: other.save_projects("ne2", 1, [project("NE2-67-001")]))
    store.save_projects("ne2", 2, [project("NE2-67-002")])
    assert list(store.projects()) == ["NE2-67-002"]


def test_a_registered_asset_can_be_read_back(store):
    assert store.get("A-1") is None
    store.register(asset("A-1"), [registered("A-1")])
    assert store.get("A-1") == asset("A-1")
    assert store.outbox.pending_events() == [registered("A-1")]


def test_an_asset_code_is_registered_once(store):
    store.register(asset("A-1"), [registered("A-1")])
    with pytest.raises(DuplicateAsset, match="A-1"):
        store.register(asset("A-1", description_th="อีกรายการ"),
                       [("asset_registered", {"event_id": "ar-A-1-again"})])
    assert store.get("A-1")["description_th"] == "อาคารแปรรูปข้าวหอมมะลิ"
    assert store.outbox.pending_events() == [registered("A-1")]


def test_assets_are_listed_by_code_and_by_project(store):
    store.register(asset("B-2", "NE2-67-002"), [])
    store.register(asset("A-1"), [])
    store.register(asset("C-3"), [])
    assert [a["code"] for a in store.list()] == ["A-1", "B-2", "C-3"]
    assert [a["code"] for a in store.list("NE2-67-001")] == ["A-1", "C-3"]
    assert store.list("NE2-99-999") == []


def test_everything_survives_a_restart(store, backend):
    store.save_projects("ne2", 1, [project("NE2-67-001")])
    store.register(asset("A-1"), [registered("A-1")])
    store = backend.reopen(store)
    assert list(store.projects()) == ["NE2-67-001"]
    assert store.get("A-1") == asset("A-1")
    assert store.outbox.pending_events() == [registered("A-1")]
    with pytest.raises(DuplicateAsset):
        store.register(asset("A-1"), [])


def test_an_update_decided_on_the_current_version_is_kept_with_its_events(store):
    store.register(asset("A-1"), [registered("A-1")])
    moved = asset("A-1", version=2, status="transfer_requested")
    store.update(moved, 1, [("transfer_requested", {"event_id": "tr-A-1"})])
    assert store.get("A-1") == moved
    assert [p["event_id"] for _, p in store.outbox.pending_events()] == ["ar-A-1", "tr-A-1"]


def test_of_two_commands_decided_on_one_version_exactly_one_wins(store, backend):
    from services.assets.store import VersionConflict
    store.register(asset("A-1"), [])
    other = backend.open("assets")  # another worker, same database, same version read
    accepted = asset("A-1", version=2, custodian="ubon-pao")
    rejected = asset("A-1", version=2, custodian="ubon-agriculture", status="rejected-ish")
    other.update(accepted, 1, [("transfer_accepted", {"event_id": "acc"})])
    with pytest.raises(VersionConflict):
        store.update(rejected, 1, [("transfer_rejected", {"event_id": "rej"})])
    assert store.get("A-1") == accepted and other.get("A-1") == accepted
    assert [p["event_id"] for _, p in store.outbox.pending_events()] == ["acc"]  # the loser announced nothing


def test_settings_are_kept(store):
    assert store.get_meta("settings") is None
    store.set_meta("settings", {"transfer_overdue_days": 30})
    assert store.get_meta("settings") == {"transfer_overdue_days": 30}


def test_a_batch_with_a_taken_code_registers_nothing(store):
    store.register(asset("A-2"), [])
    batch = [(asset("A-1"), [registered("A-1")]), (asset("A-2"), [registered("A-2")])]
    with pytest.raises(DuplicateAsset):
        store.register_many(batch)
    assert [a["code"] for a in store.list()] == ["A-2"]
    assert store.outbox.pending_events() == []


def test_only_a_sample_asset_is_deleted(store):
    store.register(asset("S-1", sample=True), [])
    store.register(asset("R-1"), [])
    assert store.delete_sample("S-1") is True
    assert store.delete_sample("R-1") is False and store.delete_sample("nope") is False
    assert store.get("S-1") is None and store.get("R-1") == asset("R-1")
    assert store.delete_sample("S-1") is False

"""Contract of the plans store (services/plans/store.py), run on every backend."""
import pytest

from services.plans.domain import ReferenceVersion
from services.plans.store import ConcurrentUpdate

CLUSTERS = [{"code": "northeast-lower-2", "name_th": "กลุ่มจังหวัดภาคตะวันออกเฉียงเหนือตอนล่าง 2",
             "name_en": "Lower Northeast 2", "region": "northeast",
             "provinces": [{"code": "TH-34", "name_th": "อุบลราชธานี", "name_en": "Ubon Ratchathani",
                            "membership_confidence": "high"}]}]


@pytest.fixture
def store(backend):
    return backend.open("plans")


def version(effective_from, tag="a", clusters=CLUSTERS):
    return ReferenceVersion(f"{effective_from}-{tag}", effective_from, f"gazette {tag}", clusters)


def plan(version=1, plan_id="northeast-lower-2-2566-2570", **changes):
    doc = {"id": plan_id, "cluster": "northeast-lower-2", "version": version,
           "title_th": "แผนพัฒนากลุ่มจังหวัด", "status": "draft", "start_fy": 2566, "end_fy": 2570,
           "provinces": ["TH-34", "TH-33"], "issues": [], "projects": []}
    doc.update(changes)
    return doc


def published(plan_doc):
    return ("plan_published", {"event_id": f"pp-{plan_doc['id']}-{plan_doc['version']}",
                               "plan": plan_doc})


# --- reference data ----------------------------------------------------------------------------

def test_a_reference_version_is_kept_once(store):
    assert store.save_reference(version("2017-11-17")) is True
    assert store.save_reference(version("2017-11-17")) is False
    assert len(store.reference_versions()) == 1


def test_the_reference_in_force_is_the_latest_effective_not_after_the_date(store):
    store.save_reference(version("2023-01-01", "b", clusters=[{**CLUSTERS[0], "name_en": "B"}]))
    store.save_reference(version("2017-11-17", "a"))
    store.save_reference(version("2025-10-01", "c"))
    assert store.reference_in_force("2017-11-16") is None
    assert store.reference_in_force("2017-11-17").version_id == "2017-11-17-a"
    assert store.reference_in_force("2022-12-31").version_id == "2017-11-17-a"
    in_force = store.reference_in_force("2024-04-10")
    assert in_force == ReferenceVersion("2023-01-01-b", "2023-01-01", "gazette b",
                                        [{**CLUSTERS[0], "name_en": "B"}])
    assert store.reference_in_force("2099-01-01").version_id == "2025-10-01-c"


def test_the_reference_keeps_thai_names(store):
    store.save_reference(version("2017-11-17"))
    cluster = store.reference_in_force("2024-01-01").cluster("northeast-lower-2")
    assert cluster["provinces"][0]["name_th"] == "อุบลราชธานี"


def test_reference_versions_are_listed_oldest_first_without_their_clusters(store):
    store.save_reference(version("2023-01-01", "b"))
    store.save_reference(version("2017-11-17", "a"))
    listed = store.reference_versions()
    assert [(v["version_id"], v["effective_from"], v["source"]) for v in listed] == [
        ("2017-11-17-a", "2017-11-17", "gazette a"), ("2023-01-01-b", "2023-01-01", "gazette b")]
    assert all(set(v) == {"version_id", "effective_from", "source", "loaded_at"} for v in listed)
    assert all(v["loaded_at"] for v in listed)


# --- the national hierarchy ---------------------------------------------------------------------

NATIONAL = {"strategies.csv": "code,parent_code,level\nNS1,,strategy\n",
            "sdg.v2.csv": "code,parent_code,level\nSDG1,,sdg_goal\n"}


def test_a_national_version_is_kept_once_with_its_files_as_loaded(store):
    assert store.latest_national() is None
    assert store.save_national("2018-10-13-aaa", NATIONAL, "admin") is True
    assert store.save_national("2018-10-13-aaa", {"other.csv": "x"}, "someone") is False
    assert store.national_files("2018-10-13-aaa") == NATIONAL  # a dotted file name survives
    assert store.national_files("nope") is None
    [kept] = store.national_versions()
    assert kept["version_id"] == "2018-10-13-aaa" and kept["loaded_by"] == "someone"  # again
    assert kept["files"] == ["sdg.v2.csv", "strategies.csv"]


def test_the_latest_national_version_is_the_one_loaded_last(store):
    store.save_national("2023-01-01-bbb", NATIONAL, "admin")
    store.save_national("2018-10-13-aaa", NATIONAL, "admin")  # an older list, loaded later
    assert store.latest_national() == "2018-10-13-aaa"
    assert [v["version_id"] for v in store.national_versions()] == ["2023-01-01-bbb",
                                                                     "2018-10-13-aaa"]
    assert store.save_national("2023-01-01-bbb", NATIONAL, "admin2") is False  # loaded again:
    assert store.latest_national() == "2023-01-01-bbb"  # the admin went back to it
    assert [v["loaded_by"] for v in store.national_versions()] == ["admin", "admin2"]


# --- plans -------------------------------------------------------------------------------------

def test_a_new_plan_is_stored_and_listed_by_id(store):
    assert store.get_plan("northeast-lower-2-2566-2570") is None and store.list_plans() == []
    store.put_plan(plan(plan_id="zz-plan"), None, [])
    store.put_plan(plan(), None, [])
    assert store.get_plan("northeast-lower-2-2566-2570") == plan()
    assert [p["id"] for p in store.list_plans()] == ["northeast-lower-2-2566-2570", "zz-plan"]


def test_a_plan_id_cannot_be_created_twice(store):
    store.put_plan(plan(title_th="ฉบับแรก"), None, [])
    with pytest.raises(ConcurrentUpdate):
        store.put_plan(plan(title_th="ฉบับซ้ำ"), None, [published(plan())])
    assert store.get_plan(plan()["id"])["title_th"] == "ฉบับแรก"
    assert store.outbox.pending_events() == []


def test_an_update_from_the_version_read_succeeds(store):
    store.put_plan(plan(1), None, [])
    store.put_plan(plan(2, status="published"), 1, [])
    assert store.get_plan(plan()["id"])["status"] == "published"
    assert store.get_plan(plan()["id"])["version"] == 2


def test_an_update_from_a_stale_version_is_refused_and_changes_nothing(store):
    store.put_plan(plan(1), None, [])
    store.put_plan(plan(2, title_th="แก้โดย ก"), 1, [])
    with pytest.raises(ConcurrentUpdate):
        store.put_plan(plan(2, title_th="แก้โดย ข"), 1, [published(plan(2))])
    assert store.get_plan(plan()["id"])["title_th"] == "แก้โดย ก"
    assert store.outbox.pending_events() == []


def test_an_update_of_a_plan_that_does_not_exist_is_refused(store):
    with pytest.raises(ConcurrentUpdate):
        store.put_plan(plan(2), 1, [])
    assert store.get_plan(plan()["id"]) is None


def test_a_plan_stored_with_its_event_queues_it(store):
    store.put_plan(plan(1), None, [published(plan(1))])
    store.put_plan(plan(2), 1, [published(plan(2))])
    assert [p["event_id"] for _, p in store.outbox.pending_events()] == [
        "pp-northeast-lower-2-2566-2570-1", "pp-northeast-lower-2-2566-2570-2"]
    assert store.outbox.pending_events()[1][1]["plan"] == plan(2)


def test_add_events_ignores_an_event_already_queued(store):
    store.put_plan(plan(1), None, [published(plan(1))])
    store.add_events([published(plan(1))])  # start-up re-queues every plan's snapshot
    assert store.outbox.pending_events() == [published(plan(1))]


# --- durability --------------------------------------------------------------------------------

def test_a_reference_version_is_found_by_its_id(store):
    store.save_reference(version("2017-11-17"))
    store.save_reference(version("2024-10-01", "b"))
    kept = store.reference_version("2017-11-17-a")
    assert kept.source == "gazette a" and kept.clusters == CLUSTERS
    assert store.reference_version("no-such-version") is None


def test_every_stored_version_is_kept_in_the_history(store):
    store.put_plan(plan(1), None, [])
    revision = {"version": 2, "at": "2024-02-01T09:00:00+00:00", "by": "osm:x",
                "reason": "มติ ก.บ.ก.", "approved_by": "ก.บ.ก."}
    store.put_plan(plan(2, status="published", revision=revision), 1, [])
    store.put_plan(plan(3, status="published", title_th="ฉบับทบทวน"), 2, [])
    history = store.plan_history("northeast-lower-2-2566-2570")
    assert [(h["version"], h["status"]) for h in history] == [
        (1, "draft"), (2, "published"), (3, "published")]
    assert history[1]["revision"] == revision and all(h["saved_at"] for h in history)
    assert store.plan_version("northeast-lower-2-2566-2570", 2)["revision"] == revision
    assert store.plan_version("northeast-lower-2-2566-2570", 3)["title_th"] == "ฉบับทบทวน"
    assert store.plan_version("northeast-lower-2-2566-2570", 9) is None
    assert store.plan_history("other-plan") == []


def test_a_refused_update_leaves_no_trace_in_the_history(store):
    store.put_plan(plan(1), None, [])
    store.put_plan(plan(2), 1, [])
    with pytest.raises(ConcurrentUpdate):
        store.put_plan(plan(3, title_th="stale"), 1, [])
    assert [h["version"] for h in store.plan_history("northeast-lower-2-2566-2570")] == [1, 2]


def agency(code, province, **changes):
    return {"code": code, "name_th": f"หน่วยงาน {code}", "name_en": f"Agency {code}",
            "province": province, "kind": "provincial_office", "emails": [f"{code}@x.example"],
            "roles": ["focal_point"], "language": "th", "sample": False, **changes}


def test_the_agencies_directory_is_kept_by_code_and_filtered_by_province(store):
    store.save_agencies([agency("b", "TH-34"), agency("a", "TH-33"), agency("c", None)])
    store.save_agencies([agency("b", "TH-34", name_th="สำนักงานใหม่")])  # replaces, by code
    assert [a["code"] for a in store.agencies()] == ["a", "b", "c"]
    assert [a["code"] for a in store.agencies(["TH-34"])] == ["b"]
    assert store.agencies(["TH-34"])[0]["name_th"] == "สำนักงานใหม่"
    assert store.agencies(["TH-99"]) == [] and store.agencies([]) == []


def test_everything_survives_a_restart(store, backend):
    store.save_reference(version("2017-11-17"))
    store.put_plan(plan(1), None, [published(plan(1))])
    store = backend.reopen(store)
    assert store.reference_in_force("2024-01-01").clusters == CLUSTERS
    assert store.get_plan(plan()["id"]) == plan(1)
    assert store.outbox.pending_events() == [published(plan(1))]
    with pytest.raises(ConcurrentUpdate):  # the version check holds across the restart
        store.put_plan(plan(2), 0, [])

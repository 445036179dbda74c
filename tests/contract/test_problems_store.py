"""Contract of the reporting store's problems part (services/reporting/store/problems.py): the
cause code list's versions and the OSM's problem updates - on every backend, and the use cases
over them (problem_cases.py) on every backend too."""
from datetime import datetime, timezone

import pytest

from services.contracts.errors import ConcurrentUpdate, QueryError, UnknownProblem
from services.contracts.problems import default_cause_list
from services.reporting import problem_cases
from tests.support.plans import published_sample_plan

PLAN_ID = "northeast-lower-2-2566-2570"


@pytest.fixture
def store(backend):
    return backend.open("reporting")


def causes(*codes):
    return [{"code": c, "label_th": f"สาเหตุ {c}", "label_en": f"Cause {c}", "retired": False}
            for c in codes]


def version(n, by="admin", at="2026-12-01T00:00:00+00:00", codes=("budget_release", "other")):
    return {"version": n, "changed_by": by, "changed_at": at, "causes": causes(*codes)}


def update(update_id, at, plan_id=PLAN_ID, problem_id="P-1", **changes):
    return {"update_id": update_id, "plan_id": plan_id, "project": "NE2-67-001",
            "problem_id": problem_id, "at": at, "by": "osm northeast-lower-2",
            "changes": {"status": "in_progress", "note": "ติดตามแล้ว", **changes}}


def test_no_cause_list_until_one_is_saved(store):
    assert store.cause_list() is None and store.cause_list_history() == []


def test_every_version_of_the_cause_list_is_kept_with_who_and_when(store, backend):
    assert store.save_cause_list(version(1, by="admin a")) is True
    assert store.save_cause_list(version(2, by="admin b", codes=("other",))) is True
    assert store.cause_list() == version(2, by="admin b", codes=("other",))
    store = backend.reopen(store)
    history = store.cause_list_history()
    assert [(v["version"], v["changed_by"]) for v in history] == [(2, "admin b"), (1, "admin a")]
    assert history[1]["causes"] == causes("budget_release", "other")


def test_a_version_saved_twice_is_refused_the_second_time(store):
    assert store.save_cause_list(version(1, by="first")) is True
    assert store.save_cause_list(version(1, by="second")) is False
    assert store.cause_list()["changed_by"] == "first"


def test_problem_updates_are_kept_once_per_plan_in_time_order(store, backend):
    assert store.problem_updates(PLAN_ID) == []
    later = update("u-2", "2026-12-02T00:00:00+00:00", status="resolved")
    earlier = update("u-1", "2026-12-01T00:00:00+00:00")
    assert store.record_problem_update(later) is True
    assert store.record_problem_update(earlier) is True
    assert store.record_problem_update(earlier) is False  # a repeat changes nothing
    store.record_problem_update(update("u-3", "2026-12-03T00:00:00+00:00", plan_id="other"))
    store = backend.reopen(store)
    assert store.problem_updates(PLAN_ID) == [earlier, later]


def test_views_reset_keeps_problem_updates_and_causes(store):
    store.save_cause_list(version(1))
    store.record_problem_update(update("u-1", "2026-12-01T00:00:00+00:00"))
    store.reset_views()
    assert store.cause_list()["version"] == 1 and len(store.problem_updates(PLAN_ID)) == 1


# --- the use cases over both adapters ---------------------------------------------------------

def project_report(store, event_id, items, reported_at="2024-04-10T09:30:00+07:00",
                   province="TH-34", project="NE2-67-001", as_of="2024-03-31"):
    body = {"event_id": event_id, "province": province, "project": project, "as_of": as_of,
            "physical_progress_pct": 10.0, "disbursed_thb": 1000.0,
            "procurement_stage": "procurement", "reported_at": reported_at,
            "problems": None, "solutions": None, "problem_items": items}
    store.record_report("project", PLAN_ID, project, "", province, event_id, reported_at, body,
                        province)


def item(problem_id="P-1", status="open", cause="procurement", remedies=()):
    return {"problem_id": problem_id, "cause": cause, "severity": "high", "status": status,
            "owner_agency": "ubon-agriculture", "description": "ประกวดราคาไม่มีผู้ยื่น",
            "remedies": list(remedies)}


def test_the_shipped_list_is_in_force_until_the_admin_saves_one(store):
    assert problem_cases.cause_list(store) == default_cause_list()
    saved = problem_cases.set_cause_list(
        store, causes("procurement", "other") + [{**causes("weather_disaster")[0], "retired": True}],
        "admin", version=0, now=datetime(2026, 12, 1, tzinfo=timezone.utc))
    assert saved["version"] == 1 and saved["changed_by"] == "admin"
    assert problem_cases.cause_list(store) == saved
    with pytest.raises(ConcurrentUpdate):
        problem_cases.set_cause_list(store, causes("other"), "admin", version=0)


def test_a_cause_still_used_may_be_retired_but_not_removed(store):
    store.save_plan(published_sample_plan())
    project_report(store, "11111111-1111-4111-8111-111111111111", [item()])
    with pytest.raises(QueryError, match="procurement.*retired"):
        problem_cases.set_cause_list(store, causes("other"), "admin")
    kept = [{**c, "retired": c["code"] == "procurement"} for c in causes("procurement", "other")]
    assert problem_cases.set_cause_list(store, kept, "admin")["version"] == 1


def test_an_osm_update_wins_until_a_later_report(store):
    store.save_plan(published_sample_plan())
    project_report(store, "11111111-1111-4111-8111-111111111111", [item()],
                   reported_at="2024-04-10T09:30:00+07:00")
    state = problem_cases.update_problem(store, PLAN_ID, "P-1", {"status": "in_progress",
                                                                 "note": "เร่งรัดแล้ว"},
                                         "osm northeast-lower-2",
                                         now=datetime(2024, 5, 1, tzinfo=timezone.utc))
    assert (state["status"], state["source"], state["updated_by"]) == \
        ("in_progress", "osm", "osm northeast-lower-2")
    project_report(store, "22222222-2222-4222-8222-222222222222", [item(status="resolved")],
                   reported_at="2024-06-10T09:30:00+07:00")
    [now] = problem_cases.current_problems(store, PLAN_ID)
    assert (now["status"], now["source"]) == ("resolved", "report")
    with pytest.raises(UnknownProblem):
        problem_cases.update_problem(store, PLAN_ID, "nope", {"status": "open"}, "osm")
    with pytest.raises(QueryError, match="owner_agency"):
        problem_cases.update_problem(store, PLAN_ID, "P-1", {"owner_agency": "nobody"}, "osm")

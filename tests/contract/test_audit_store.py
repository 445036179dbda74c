"""The audit log's store on every backend: append-only, newest first, filtered by time, act
(or kind of act), person, organisation, target and cluster; a reader's clusters bound it."""
import pytest

from services.gateway.audit.store import MongoAuditStore, SqliteAuditStore


@pytest.fixture
def store(backend):
    if backend.name == "sqlite":
        found = SqliteAuditStore(backend.tmp_path / "accounts.sqlite3")
    else:
        found = MongoAuditStore(backend.database("accounts"))
    yield found
    found.close()


def act(n, act="plan.publish", cluster="northeast-lower-2", person="สมชาย ใจดี (somchai)",
        organisation="northeast-lower-2", target="NE2"):
    return {"id": f"r{n}", "at": f"2026-12-0{n}T03:00:00.000000+00:00", "act": act,
            "target": target, "cluster": cluster, "person": person, "role": "osm",
            "organisation": organisation, "via": "session", "status": 200,
            "changes": [{"field": "status", "before": "draft", "after": "published"}],
            "reason": "ตามมติ"}


def test_records_come_back_whole_newest_first_a_page_at_a_time(store):
    for n in (1, 3, 2):
        store.append(act(n))
    found, total = store.find({}, None, 2, 0)
    assert total == 3 and [r["id"] for r in found] == ["r3", "r2"]
    assert found[0] == act(3)
    assert [r["id"] for r in store.find({}, None, 2, 2)[0]] == ["r1"]


def test_filters(store):
    store.append(act(1, act="plan.publish"))
    store.append(act(2, act="settings.due_days", cluster=None, person="ผู้ดูแล (admin1)",
                     organisation=None, target=None))
    store.append(act(3, act="asset.accept", target="A_1", person=None, organisation="ubon-pao"))
    store.append(act(4, act="plans.x"))  # "plan" is a kind: plans.x is not of it

    def ids(filters, clusters=None):
        return [r["id"] for r in store.find(filters, clusters, 100, 0)[0]]
    assert ids({"act": "plan"}) == ["r1"] and ids({"act": "plan.publish"}) == ["r1"]
    assert ids({"since": "2026-12-02T00:00:00+00:00", "until": "2026-12-03T12:00:00+00:00"}) \
        == ["r3", "r2"]
    assert ids({"person": "ADMIN1"}) == ["r2"] and ids({"person": "สมชาย"}) == ["r4", "r1"]
    assert ids({"person": "%"}) == [] and ids({"target": "A_1"}) == ["r3"]
    assert ids({"organisation": "ubon-pao"}) == ["r3"]
    assert ids({"cluster": "northeast-lower-2"}) == ["r4", "r3", "r1"]


def test_a_readers_clusters_bound_what_it_finds(store):
    store.append(act(1))
    store.append(act(2, cluster="north-upper-1"))
    store.append(act(3, cluster=None))
    assert [r["id"] for r in store.find({}, ["northeast-lower-2"], 10, 0)[0]] == ["r1"]
    assert store.find({}, [], 10, 0) == ([], 0)
    assert store.find({}, None, 10, 0)[1] == 3


def test_kept_across_a_restart(store, backend):
    store.append(act(1))
    store.close()
    again = SqliteAuditStore(backend.tmp_path / "accounts.sqlite3") if backend.name == "sqlite" \
        else MongoAuditStore(backend.database("accounts"))
    assert again.find({}, None, 10, 0)[0] == [act(1)]

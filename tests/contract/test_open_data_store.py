"""Contract of the reporting store's open-data part (store/open_data.py) and the use cases over
it (open_data_cases.py), on every backend: a plan's record made from the reports in force and
the approvals - a province's figure once its period is accepted, never one marked internal -
kept across a restart, an older record never replacing a later one, made again by the refresh
only when what it holds changed, and served without a key only while the admin's switch is on."""
import csv
import io
import json
import uuid
from datetime import datetime, timezone

from services.reporting import open_data_cases
from tests.contract import test_approvals_store as approvals
from tests.contract.test_approvals_store import (APPROVER, DIRECTOR, PERIOD, PLAN, PLANNER,
                                                 PROVINCE, report, send, step)

store = approvals.store  # the reporting store with the sample plan, on every backend
URL = "https://osm.example.go.th"


def make(store, reason="refresh", **values):
    return open_data_cases.regenerate(store, PLAN["id"], open_data_cases.reason_of(
        reason, **values), URL, None)


def published_values(store):
    text = store.open_data(PLAN["id"])["files"]["indicator-results.csv"]
    return [[row["province_code"], row["value"]]
            for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))]


def test_a_figure_is_published_once_its_period_is_accepted_and_never_when_internal(store, backend):
    assert send(store, report(10)) == "accepted"
    other = report(5, province="TH-33")
    store.record_report("indicator", PLAN["id"], "NE2-1.1", PERIOD, "TH-33", other["event_id"],
                        "2025-04-02T02:00:00Z", {**other, "internal": True}, "TH-33")
    make(store, "published", version=1)
    assert published_values(store) == []  # nothing accepted yet
    step(store, "submit", PLANNER)
    step(store, "approve", APPROVER)
    make(store)
    assert published_values(store) == []  # approved by the province is not certified
    step(store, "accept", DIRECTOR)
    record = make(store, "accept", period=PERIOD, province=PROVINCE)
    assert published_values(store) == [["TH-34", "10"]]  # no cluster row: TH-33's is internal
    assert record["reason"]["en"] == f"period {PERIOD} of {PROVINCE} accepted"

    store = backend.reopen(store)  # kept across a restart
    kept = store.open_data(PLAN["id"])
    assert kept["digest"] == record["digest"] and kept["generated_at"] == record["generated_at"]
    package = json.loads(kept["files"]["package.json"])
    assert package["resources"][0]["url"].startswith(URL)
    assert open_data_cases.refresh(store, URL, None) == 0  # nothing changed: nothing written
    step(store, "reopen", DIRECTOR, "ตัวเลขต้องแก้")
    assert open_data_cases.refresh(store, URL, None) == 1  # a reopened period is taken back
    assert published_values(store) == []


def test_an_older_record_never_replaces_a_later_one(store):
    later = {"plan_id": PLAN["id"], "generated_at": "2025-06-01T00:00:00+00:00", "mark": "later"}
    assert store.save_open_data(later)
    assert not store.save_open_data({**later, "generated_at": "2025-05-01T00:00:00+00:00",
                                     "mark": "older"})
    assert store.open_data(PLAN["id"])["mark"] == "later"
    assert store.save_open_data({**later, "generated_at": "2025-07-01T00:00:00+00:00",
                                 "mark": "newest"})
    assert store.open_data(PLAN["id"])["mark"] == "newest"
    assert store.open_data("no-such-plan") is None


def test_the_indicators_in_force_hold_each_key_once_with_its_body(store):
    first = report(1, event_id=str(uuid.uuid4()))
    send(store, first)
    send(store, {**report(2), "reported_at": "2025-04-03T09:00:00+07:00"})
    [found] = store.indicators_in_force(PLAN["id"])
    assert (found["subject"], found["period"], found["province"], found["body"]["value"]) == \
        ("NE2-1.1", PERIOD, PROVINCE, 2)


def test_parts_are_served_without_a_key_only_while_the_switch_is_on(store, backend):
    make(store, "published", version=1)
    assert open_data_cases.public_of(store, PLAN["id"])["public"] is False  # off by default
    assert open_data_cases.public_part(store, PLAN["id"], "package.json") is None
    now = datetime(2025, 5, 2, tzinfo=timezone.utc)
    assert open_data_cases.set_public(store, PLAN["id"], True, now)["public"] is True
    store = backend.reopen(store)
    assert json.loads(open_data_cases.public_part(store, PLAN["id"], "package.json"))["name"]
    assert open_data_cases.public_part(store, PLAN["id"], "page")["title_th"] == PLAN["title_th"]
    assert open_data_cases.public_part(store, PLAN["id"], "../secrets") is None
    open_data_cases.set_public(store, PLAN["id"], False)
    assert open_data_cases.public_part(store, PLAN["id"], "dcat.jsonld") is None

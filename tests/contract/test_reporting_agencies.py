"""Contract of the reporting store for implementing agencies' own reports, on every backend: their
rejections are kept with the agency and listed by it; their reports take part in the same
precedence as the provinces' (the latest reported_at per project and province wins)."""
import sqlite3

import pytest

from services.reporting.store import SqliteReportingStore

from .test_reporting_store import EARLY, LATE, PLAN_ID, progress, rejection

PROVINCE_SENT = "11111111-1111-4111-8111-aaaaaaaaaaaa"
AGENCY_SENT = "22222222-2222-4222-8222-aaaaaaaaaaaa"


@pytest.fixture
def store(backend):
    return backend.open("reporting")


def agency_rejection(rejection_id, agency="ubon-tourism", received_at="2024-04-10T05:00:00+00:00"):
    return rejection(rejection_id, None, received_at, agency=agency, sender=f"agency.{agency}",
                     kind="project", routing_key=f"report.{agency}.project")


def test_an_agencys_rejections_are_kept_with_it_and_listed_by_it(store):
    store.record_rejection(rejection("r-1", "TH-34", "2024-04-10T01:00:00+00:00"), [])
    store.record_rejection(agency_rejection("r-2"), [])
    store.record_rejection(agency_rejection("r-3", "sisaket-commerce", "2024-04-10T06:00:00+00:00"), [])
    assert [r["rejection_id"] for r in store.rejections()] == ["r-3", "r-2", "r-1"]
    [mine] = store.rejections([], agencies=["ubon-tourism"])
    assert mine["agency"] == "ubon-tourism" and mine["province"] is None
    assert mine["sender"] == "agency.ubon-tourism" and mine["kind"] == "project"
    # an OSM: its provinces' and its plans' agencies' together, newest first
    assert [r["rejection_id"] for r in store.rejections(["TH-34"], agencies=[
        "ubon-tourism", "sisaket-commerce"])] == ["r-3", "r-2", "r-1"]
    assert [r["rejection_id"] for r in store.rejections(["TH-34"])] == ["r-1"]
    assert store.rejections([], agencies=[]) == [] and store.rejections([], agencies=["x"]) == []
    assert store.rejections(["TH-34"], 500, [])[0]["agency"] is None


def test_an_agency_report_and_a_province_report_share_one_precedence(store):
    # the province's report, then the agency's later one for the same project and province
    assert progress(store, PROVINCE_SENT, 40.0, EARLY, project="NE2-67-002").current
    body = {"event_id": AGENCY_SENT, "province": "TH-34", "project": "NE2-67-002",
            "as_of": "2024-06-30", "physical_progress_pct": 55.0, "disbursed_thb": 5.0,
            "procurement_stage": "in_progress", "reported_at": LATE}
    recorded = store.record_report("project", PLAN_ID, "NE2-67-002", "", "TH-34", AGENCY_SENT,
                                   LATE, body, "agency.ubon-tourism")
    assert recorded.new and recorded.current
    [row] = store.project_progress(PLAN_ID)
    assert row["physical_progress_pct"] == 55.0
    senders = {r["sender"]: r["in_force"] for r in store.reports_of(
        PLAN_ID, {"kind": "project"})}
    assert senders == {"TH-34": False, "agency.ubon-tourism": True}
    # and an earlier report (sent late) does not displace the later one in force
    early = {**body, "event_id": PROVINCE_SENT[:-4] + "bbbb", "reported_at": EARLY}
    assert not store.record_report("project", PLAN_ID, "NE2-67-002", "", "TH-34",
                                   early["event_id"], EARLY, early, "agency.ubon-tourism").current
    assert [r["event_id"] for r in store.reports_of(PLAN_ID, {"sender": "agency.ubon-tourism"})] \
        == [AGENCY_SENT, early["event_id"]]  # newest reported_at first


def test_a_sqlite_store_made_before_agencies_gets_the_column(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:  # the rejections table as it was
        conn.execute("CREATE TABLE rejections (rejection_id TEXT PRIMARY KEY, province TEXT,"
                     " sender TEXT NOT NULL, event_id TEXT, kind TEXT, reason TEXT NOT NULL,"
                     " received_at TEXT NOT NULL, routing_key TEXT NOT NULL, raw_body BLOB NOT NULL)")
        conn.execute("INSERT INTO rejections VALUES ('old', 'TH-34', 'TH-34', NULL, NULL, 'why',"
                     " '2024-01-01T00:00:00+00:00', 'report.TH-34.indicator', x'7b7d')")
    store = SqliteReportingStore(path)
    try:
        store.record_rejection(agency_rejection("new"), [])
        assert {r["rejection_id"]: r["agency"] for r in store.rejections()} == {
            "old": None, "new": "ubon-tourism"}
    finally:
        store.close()

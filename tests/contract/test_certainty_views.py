"""Views say how certain a figure is (docs/approvals.md section 4), on every backend: as a
province's period is submitted, approved and accepted, indicator-results, the series, the
fiscal year rolled up, completeness and project progress mark its figures so, the cluster value
turns partly then fully approved, and a rebuild from the event store shows the same."""
import json
from datetime import datetime, timezone

import pytest

from services.infra.messaging import RawMessage
from services.reporting import approval_cases, handlers

from .test_approvals_store import APPROVER, DIRECTOR, PLAN, PLANNER, report, send

PERIOD, CODE, PROVINCES = "FY2568-Q2", "NE2-1.1", ("TH-34", "TH-33", "TH-35", "TH-37")
# FY2568-Q2 ends on 31 March 2025: its reports are due 15 days later
ON_TIME, LATE = (datetime(2025, 4, 10, 2, tzinfo=timezone.utc),
                 datetime(2025, 4, 20, 2, tzinfo=timezone.utc))


@pytest.fixture
def store(backend):
    found = backend.open("reporting")
    found.save_plan(json.loads(json.dumps(PLAN)))
    return found


def as_(actor, province):
    return {**actor, "scope": province} if actor["role"] == "province" else actor


def take(store, province, *steps, at=ON_TIME, period=PERIOD):
    for name, actor in steps:
        row = approval_cases.list_approvals(store, PLAN["id"], period, [province])[0]
        approval_cases.take_step(store, PLAN["id"], period, province, name,
                                 as_(actor, province), row["version"], row["figures"],
                                 "ตรวจแล้ว" if name == "reopen" else None, now=at)


APPROVED = (("submit", PLANNER), ("approve", APPROVER))


def result(store, period=PERIOD, code=CODE):
    found = handlers.indicator_results(store, PLAN["id"], period)["results"]
    return next(r for r in found if r["indicator"] == code)


def project(store, province, as_of, event_id):
    body = {"event_id": event_id, "province": province, "project": "NE2-67-001", "as_of": as_of,
            "physical_progress_pct": 30.0, "disbursed_thb": 1000.0,
            "procurement_stage": "in_progress", "reported_at": f"{as_of}T09:00:00+07:00"}
    return handlers.handle_intake(store, RawMessage(
        body=json.dumps(body).encode(), routing_key=f"report.{province}.project",
        user_id=province, message_id=event_id, content_type="application/json",
        redelivered=False))


def views(store):
    """Every approval-aware view, as a committee would download them."""
    return {"results": handlers.indicator_results(store, PLAN["id"], PERIOD),
            "year": handlers.indicator_results(store, PLAN["id"], "FY2568"),
            "series": handlers.indicator_series(store, PLAN["id"], CODE),
            "completeness": handlers.completeness(store, PLAN["id"], PERIOD),
            "projects": handlers.project_status(store, PLAN["id"])}


def test_figures_turn_submitted_approved_accepted_and_the_cluster_value_partly_then_fully(store):
    for province, value in zip(PROVINCES[:2], (10.0, 20.0)):
        assert send(store, report(value, province=province)) == "accepted"
    first = result(store)
    assert first["certainty"] == {"TH-34": "provisional", "TH-33": "provisional"}
    assert first["approval"] == "none"
    assert first["provinces"] == {"TH-33": 20.0, "TH-34": 10.0}  # the contract's fields as ever

    take(store, "TH-34", ("submit", PLANNER))
    assert result(store)["certainty"]["TH-34"] == "submitted"
    assert result(store)["approval"] == "none"
    take(store, "TH-34", ("approve", APPROVER))
    now = result(store)
    assert now["certainty"] == {"TH-34": "approved", "TH-33": "provisional"}
    assert now["approval"] == "partial"
    assert now["by_province"]["TH-34"]["certainty"] == "approved"
    assert now["by_province"]["TH-35"]["certainty"] == "provisional"  # no value: still marked
    # the series says the same for that period, and the year rolled up from it too
    entry = next(e for e in handlers.indicator_series(store, PLAN["id"], CODE)["series"]
                 if e["period"] == PERIOD)
    assert entry["certainty"] == now["certainty"] and entry["approval"] == "partial"
    assert result(store, "FY2568")["certainty"] == {"TH-34": "approved", "TH-33": "provisional"}
    # an approval of another period leaves this one's figures as they were
    assert result(store, "FY2568-Q3")["approval"] == "none"

    take(store, "TH-34", ("accept", DIRECTOR), at=LATE)
    for province in PROVINCES[1:]:
        take(store, province, *APPROVED, at=LATE if province == "TH-37" else ON_TIME)
    done = result(store)
    assert done["certainty"] == {"TH-34": "accepted", "TH-33": "approved"}
    assert done["approval"] == "full"

    take(store, "TH-33", ("reopen", DIRECTOR))  # reopened: provisional again, partly approved
    reopened = result(store)
    assert reopened["certainty"]["TH-33"] == "provisional" and reopened["approval"] == "partial"


def test_completeness_says_each_provinces_approval_and_counts_those_approved_on_time(store):
    send(store, report(10.0))
    take(store, "TH-34", *APPROVED, ("accept", DIRECTOR))  # approved in time, accepted later
    take(store, "TH-33", *APPROVED, at=LATE)
    take(store, "TH-35", ("submit", PLANNER))
    got = handlers.completeness(store, PLAN["id"], PERIOD)
    by = {r["province"]: r for r in got["provinces"]}
    assert {p: (by[p]["approval"], by[p]["approved_on_time"]) for p in PROVINCES} == {
        "TH-34": ("accepted", True), "TH-33": ("approved", False),
        "TH-35": ("submitted", False), "TH-37": ("open", False)}
    assert (got["approved"], got["approved_on_time"]) == (2, 1)
    assert by["TH-34"]["received"] == 1  # what completeness said before stays


def test_project_progress_marks_each_provinces_report_by_the_quarter_it_is_as_of(store):
    assert project(store, "TH-34", "2025-03-20", "11111111-1111-4111-8111-000000000001") == "accepted"
    assert project(store, "TH-33", "2025-03-25", "11111111-1111-4111-8111-000000000002") == "accepted"
    take(store, "TH-34", *APPROVED)
    row = next(r for r in handlers.project_status(store, PLAN["id"])["projects"]
               if r["project"] == "NE2-67-001")
    assert row["provinces"]["TH-34"]["certainty"] == "approved"
    assert row["provinces"]["TH-33"]["certainty"] == "provisional"
    assert row["approval"] == "partial"


def test_a_rebuild_from_the_event_store_gives_the_same_approval_aware_views(store):
    for province, value in zip(PROVINCES, (10.0, 20.0, 30.0, 40.0)):
        send(store, report(value, province=province))
    project(store, "TH-34", "2025-03-20", "11111111-1111-4111-8111-000000000003")
    take(store, "TH-34", *APPROVED, ("accept", DIRECTOR))
    take(store, "TH-33", *APPROVED, at=LATE)
    take(store, "TH-35", ("submit", PLANNER), ("reopen", DIRECTOR))
    before = views(store)
    assert handlers.rebuild(store)["approval_steps"] == 7
    assert views(store) == before
    assert before["results"]["results"][0]["certainty"]["TH-34"] == "accepted"

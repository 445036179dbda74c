"""Facts reporting tells notify about, through the real intake path and each store backend:
an indicator off target when its period closes, a project behind schedule - each once."""
import copy
import json
import uuid
from datetime import datetime, timezone

import pytest

from services.infra.messaging import RawMessage
from services.reporting import handlers
from tests.support.plans import published_sample_plan

PLAN = published_sample_plan()


@pytest.fixture
def store(reporting_with_sample_plan):
    return reporting_with_sample_plan


def send(store, kind, body):
    body = {"event_id": str(uuid.uuid4()), "reported_at": "2024-04-02T09:00:00+07:00", **body}
    message = RawMessage(json.dumps(body).encode(), f"report.{body['province']}.{kind}",
                         body["province"], body["event_id"], "application/json", False)
    assert handlers.handle_intake(store, message) == "accepted"
    return body


def facts(store, event_type):
    return [payload for kind, payload in store.outbox.pending_events() if kind == event_type]


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T03:00:00+00:00").astimezone(timezone.utc)


def test_a_fiscal_year_that_closed_off_target_is_told_once(store):
    # NE2-1.2 is cumulative (year-to-date) with a FY2567 target of 3800: TH-34's Q4 running
    # total is its year, so the cluster's year is 3000 - off target when FY2567 closes.
    for period, value in (("FY2567-Q1", 1000.0), ("FY2567-Q3", 2500.0), ("FY2567-Q4", 3000.0)):
        send(store, "indicator", {"province": "TH-34", "indicator": "NE2-1.2", "period": period,
                                  "value": value})
    assert facts(store, "indicator_off_target_at_close") == []
    handlers.check_deadlines(store, now=at("2024-10-10"))  # FY2567 ended, not yet due (15 days)
    assert facts(store, "indicator_off_target_at_close") == []
    handlers.check_deadlines(store, now=at("2024-10-20"))
    handlers.check_deadlines(store, now=at("2024-10-21"))
    closed = [f for f in facts(store, "indicator_off_target_at_close") if f["indicator"] == "NE2-1.2"]
    assert len(closed) == 1
    fact = closed[0]
    assert (fact["period"], fact["value"], fact["target"], fact["target_basis"]) == \
        ("FY2567", 3000.0, 3800.0, "fiscal_year")
    assert fact["provinces"] == {"TH-34": 3000.0}
    assert fact["not_reported"] == ["TH-33", "TH-35", "TH-37"]
    assert (fact["due_date"], fact["responsible_agency"]) == ("2024-10-15", "ubon-agriculture")


def test_a_quarter_is_judged_at_close_only_against_a_target_of_its_own(store):
    plan = copy.deepcopy(PLAN)
    plan["version"] += 1
    indicator = next(i for issue in plan["issues"] for i in issue["indicators"]
                     if i["code"] == "NE2-1.1")
    indicator["quarterly_targets"] = {"FY2567-Q2": 90000.0}
    store.save_plan(plan)
    send(store, "indicator", {"province": "TH-34", "indicator": "NE2-1.1", "period": "FY2567-Q2",
                              "value": 50000.0})
    send(store, "indicator", {"province": "TH-34", "indicator": "NE2-2.1", "period": "FY2567-Q2",
                              "value": 1.0})  # far below its FY target, but Q2 has none
    handlers.check_deadlines(store, now=at("2024-04-20"))  # Q2 ended 31 March, due 15 April
    closed = facts(store, "indicator_off_target_at_close")
    assert [(f["indicator"], f["period"], f["target"], f["target_basis"]) for f in closed] == \
        [("NE2-1.1", "FY2567-Q2", 90000.0, "quarter")]


def test_a_project_behind_schedule_is_told_once_a_quarter(store):
    # NE2-67-002 plans 1.5 M by the end of Q1 and 7.5 M by the end of Q2 (budget 18.5 M).
    def progress(as_of, disbursed):
        send(store, "project", {"province": "TH-34", "project": "NE2-67-002", "as_of": as_of,
                                "physical_progress_pct": 10.0, "disbursed_thb": disbursed,
                                "procurement_stage": "in_progress",
                                "reported_at": f"{as_of}T09:00:00+07:00"})
    progress("2023-12-31", 2_000_000)           # on track in Q1
    assert facts(store, "project_behind_schedule") == []
    progress("2024-02-15", 2_500_000)           # Q2 and below plan
    progress("2024-03-01", 2_600_000)           # still Q2: nothing new
    handlers.check_deadlines(store, now=at("2024-03-05"))
    behind = facts(store, "project_behind_schedule")
    assert len(behind) == 1
    fact = behind[0]
    assert (fact["quarter"], fact["as_of"], fact["reasons"]) == \
        ("FY2567-Q2", "2024-02-15", ["below_planned_disbursement"])
    assert fact["project"]["implementing_agency"] == "ubon-tourism"
    progress("2024-04-15", 3_000_000)           # Q3, still behind: told again
    assert [f["quarter"] for f in facts(store, "project_behind_schedule")] == \
        ["FY2567-Q2", "FY2567-Q3"]


def test_the_governments_targets_set_later_are_checked_by_the_timer(store):
    send(store, "project", {"province": "TH-34", "project": "NE2-67-001", "as_of": "2023-12-31",
                            "physical_progress_pct": 10.0, "disbursed_thb": 2_000_000.0,
                            "procurement_stage": "in_progress"})
    assert facts(store, "project_behind_schedule") == []  # 2 M of 2 M planned for Q1
    handlers.set_disbursement_targets(store, "FY2567", {"Q1": 30, "Q2": 52, "Q3": 77, "Q4": 100})
    handlers.check_deadlines(store, now=at("2024-01-02"))
    [fact] = facts(store, "project_behind_schedule")
    assert fact["reasons"] == ["below_government_target"] and fact["government_target_pct"] == 30.0


def test_a_drill_down_names_what_it_cannot_find(store):
    with pytest.raises(handlers.QueryError, match="not both"):
        handlers.reports_of(store, PLAN["id"], indicator="NE2-1.1", project="NE2-67-001")
    with pytest.raises(handlers.QueryError, match="no indicator 'NE2-9.9'"):
        handlers.reports_of(store, PLAN["id"], indicator="NE2-9.9")
    with pytest.raises(handlers.QueryError, match="no project"):
        handlers.reports_of(store, PLAN["id"], project="X")
    with pytest.raises(handlers.QueryError, match="not a period code"):
        handlers.reports_of(store, PLAN["id"], period="Q2")
    retract = send(store, "indicator", {"province": "TH-34", "indicator": "NE2-1.1",
                                        "period": "FY2567-Q2", "value": None})
    [row] = handlers.reports_of(store, PLAN["id"], province="TH-34")["reports"]
    assert (row["event_id"], row["status"], row["retraction"]) == \
        (retract["event_id"], "in_force", True)

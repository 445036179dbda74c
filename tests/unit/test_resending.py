"""Sending a report again through the gateway or clusterctl (services/infra/province_send.py
to_send): ids derive from the content, and the intake keeps a repeated id as the report it
first was (with its first reported_at). So going back to an earlier content (A, then B, then A)
must go out under a new id that supersedes B, and a content equal to the report in force is not
sent at all. The intake here is a small stand-in that keeps the contract's precedence (the later
reported_at, then the greater event_id; a repeated id changes nothing) and stores each body as
the real one does (loaded by its schema); the statuses are reporting's own report_statuses."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from clusterctl.settings import REPO_ROOT
from services.contracts.reports import REPORT_SCHEMAS
from services.gateway import project_reports
from services.infra import report_workbook
from services.infra.province_send import to_send
from services.reporting.domain import utc_key
from services.reporting.handlers import report_statuses

PLAN_FILE = REPO_ROOT / "clusterctl" / "data" / "seed" / "plan-northeast-lower-2-2566-2570.json"
PROVINCE, PERIOD = "TH-34", "FY2568-Q2"
START = datetime(2025, 4, 1, 9, 0, tzinfo=timezone.utc)


class Intake:
    """What the reporting intake does with what it receives, for these tests."""

    def __init__(self):
        self.kept = {}  # event_id -> row
        self.current = {}  # key -> (reported_at key, event_id)

    def receive(self, body: dict, sender: str = PROVINCE) -> None:
        kind = "indicator" if "indicator" in body else "project"
        if body["event_id"] in self.kept:  # a repeated id: kept as it first was
            return
        loaded = REPORT_SCHEMAS[kind]().load(json.loads(json.dumps(body)))
        stored = {**loaded, "event_id": str(loaded["event_id"]),
                  "reported_at": loaded["reported_at"].isoformat()}
        if kind == "project":
            stored["as_of"] = loaded["as_of"].isoformat()
        key = (kind, body.get("indicator") or body.get("project"), body.get("period"),
               body["province"])
        order = (utc_key(loaded["reported_at"]), stored["event_id"])
        self.kept[stored["event_id"]] = {"kind": kind, "body": stored, "sender": sender,
                                         "key": key}
        if key not in self.current or order > self.current[key]:
            self.current[key] = order

    # the two store verbs report_statuses reads
    def reports_of(self, plan_id, filters, limit):
        return [{**row, "in_force": self.current[row["key"]][1] == event_id}
                for event_id, row in self.kept.items()
                if all(row["body"].get(k) == v if k != "kind" else row["kind"] == v
                       for k, v in filters.items())]

    def rejections(self, *args):
        return []

    def in_force(self, body: dict) -> dict:
        kind = "indicator" if "indicator" in body else "project"
        key = (kind, body.get("indicator") or body.get("project"), body.get("period"),
               body["province"])
        return self.kept[self.current[key][1]]["body"]


@pytest.fixture(scope="module")
def plan():
    return json.loads(PLAN_FILE.read_text("utf-8"))


def typed(plan, at: datetime, **item) -> dict:
    """The body the typed-entry form (and the workbook: the same reading) makes of one value."""
    upload = report_workbook.read_entries([{"indicator": "NE2-1.1", "period": PERIOD, **item}],
                                          plan)
    assert not upload.rows[0].errors, upload.rows[0].errors
    [(_, body)] = report_workbook.report_bodies(upload, PROVINCE, at)
    return body


def send(intake: Intake, bodies: list[dict], agency: str | None = None) -> tuple[list, list]:
    """As the gateway sends: ask the statuses, send what to_send says, the intake receives it."""
    province = None if agency else PROVINCE
    statuses = report_statuses(intake, "ne2", province, [b["event_id"] for b in bodies], agency)
    fresh, follow = to_send(bodies, statuses)
    for body in fresh:
        intake.receive(body)
    return fresh, follow


def test_a_then_b_then_a_again_goes_out_three_times_under_three_ids_and_a_is_in_force(plan):
    intake, at = Intake(), START
    sent = []
    for step, internal in enumerate((True, False, True)):  # marked, unmarked, marked again
        fresh, follow = send(intake, [typed(plan, at + timedelta(minutes=step), value="5",
                                            internal=internal)])
        assert len(fresh) == 1, f"step {step}: nothing sent"
        sent.append(follow[0])
    assert len(set(sent)) == 3
    in_force = intake.in_force(fresh[0])
    assert in_force["event_id"] == sent[2] and in_force["internal"] is True
    # 5, then 6, then 5 again: the same
    for step, value in enumerate(("5", "6", "5"), start=3):
        fresh, _ = send(intake, [typed(plan, at + timedelta(minutes=step), value=value)])
        assert len(fresh) == 1, f"value {value} again: nothing sent"
    assert intake.in_force(fresh[0])["value"] == 5.0 and "internal" not in intake.in_force(
        fresh[0])


def test_the_content_in_force_is_not_sent_again_and_its_report_is_followed(plan):
    intake = Intake()
    send(intake, [typed(plan, START, value="5", internal=True)])
    send(intake, [typed(plan, START + timedelta(minutes=1), value="5")])
    fresh, _ = send(intake, [typed(plan, START + timedelta(minutes=2), value="5", internal=True)])
    again, follow = send(intake, [typed(plan, START + timedelta(minutes=3), value="5",
                                        internal=True)])
    assert again == [] and follow == [fresh[0]["event_id"]]  # the report in force, as sent
    # the unmarked value once more: it differs from the marked one in force, so it goes out
    back, _ = send(intake, [typed(plan, START + timedelta(minutes=4), value="5")])
    assert len(back) == 1 and "internal" not in intake.in_force(back[0])


def test_going_back_to_the_earlier_evidence_of_a_value_sends_it_again(plan):
    """The value and note stay; only the evidence behind it changes, then changes back."""
    intake = Intake()
    first, second = "หนังสือ ศก 0017/123", "หนังสือ ศก 0017/456"
    for step, evidence in enumerate((first, second, first)):
        fresh, _ = send(intake, [typed(plan, START + timedelta(minutes=step), value="5",
                                       evidence=evidence)])
        assert len(fresh) == 1, f"step {step}: nothing sent"
    assert intake.in_force(fresh[0])["evidence"] == [{"reference": first}]


PROJECT = {"project": "NE2-68-002", "as_of": "2025-03-31", "physical_progress_pct": 45.0,
           "disbursed_thb": 10.0, "procurement_stage": "in_progress"}
PROBLEM = {"cause": "procurement", "severity": "medium", "status": "open",
           "owner_agency": "osm-ne2", "description": "ผู้รับจ้างส่งงานล่าช้า"}


def project_bodies(item: dict, at: datetime) -> list[dict]:
    return project_reports.bodies([item], "ne2", f"province:{PROVINCE}", PROVINCE, at)


def test_project_progress_going_back_is_sent_again_and_the_same_again_is_not():
    intake = Intake()
    a, b = {**PROJECT, "problem_items": [PROBLEM]}, {**PROJECT, "internal": True}
    for step, item in enumerate((a, b, a)):
        fresh, _ = send(intake, project_bodies(item, START + timedelta(minutes=step)))
        assert len(fresh) == 1, f"step {step}: nothing sent"
    # in force now says what a says (the intake keeps its problem items as loaded, with
    # problem_id and remedies filled in): sending a again sends nothing
    again, follow = send(intake, project_bodies(a, START + timedelta(minutes=5)))
    assert again == [] and follow == [fresh[0]["event_id"]]
    # the problem dropped, then told again: only the structured problems differ
    for step, item in enumerate((PROJECT, a), start=6):
        fresh, _ = send(intake, project_bodies(item, START + timedelta(minutes=step)))
        assert len(fresh) == 1, f"step {step}: nothing sent"
    assert intake.in_force(fresh[0])["problem_items"][0]["description"] == PROBLEM["description"]


def test_project_reports_sent_within_one_second_keep_the_order_they_were_sent_in():
    """Marked internal, then unmarked, then marked again, each a fraction of a second apart:
    the intake orders them by reported_at, so each must be later than the one before."""
    intake, at = Intake(), START
    marks = (True, False, True, False)
    for step, internal in enumerate(marks):
        fresh, _ = send(intake, project_bodies({**PROJECT, "internal": internal},
                                               at + timedelta(milliseconds=150 * step)))
        assert len(fresh) == 1
        assert intake.in_force(fresh[0])["event_id"] == fresh[0]["event_id"], \
            f"step {step}: the report sent last is not the one in force"

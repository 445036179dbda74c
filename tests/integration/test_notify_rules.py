"""Each routing rule over the real broker: one fact of each kind goes in, and exactly the right
addresses receive exactly one mail each (SMTP server in the test process)."""
import email
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from email import policy

import pytest
from aiosmtpd.controller import Controller
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ClusterRpcProxy

from services.assets import domain as assets
from services.notify.service import NotifyService
from services.plans.service import PlansService
from services.reporting import domain as reporting
from services.reporting import timeliness
from services.reporting.service import ReportingService
from tests.support.plans import published_sample_plan
from tests.support.system import free_port, wait_until

from .test_reporting_service import seed

PLAN = published_sample_plan()
NOW = datetime(2024, 6, 1, 3, 0, tzinfo=timezone.utc)
OSM = "osm@northeast-lower-2.example"
TOURISM, PAO, AGRI = "tourism@ubon.example", "assets@ubon-pao.example", "agriculture@ubon.example"
YASOTHON, SISAKET = "strategy@yasothon.example", "strategy@sisaket.example"


class Inbox:
    def __init__(self):
        self.mails = []

    async def handle_DATA(self, server, session, envelope):
        self.mails.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def indicator(code):
    return next(i for issue in PLAN["issues"] for i in issue["indicators"] if i["code"] == code)


def transfer_facts() -> dict:
    """Every transfer step's fact, from the state machine itself."""
    projects = {p["code"]: {**p, "plan_id": PLAN["id"], "cluster": PLAN["cluster"]}
                for p in PLAN["projects"]}
    holder, receiver = assets.Actor("agency", "ubon-tourism"), assets.Actor("agency", "ubon-pao")
    osm = assets.Actor("osm", PLAN["cluster"])
    facts = {}

    def run(code, steps):
        asset, _ = assets.new_asset({
            "code": code, "project": "NE2-67-002", "fiscal_year": 2567, "category": "land_improvement",
            "description_th": f"ลานกิจกรรม {code}", "quantity": 1, "unit": "แห่ง",
            "unit_value_thb": 100000, "acquired_on": "2023-05-01", "location": {"province": "TH-34"},
            "custodian": "ubon-tourism"}, projects, holder, NOW)
        for action, actor, command in steps:
            asset, produced = assets.transition(asset, action, {**command, "version": asset["version"]},
                                                actor, NOW)
            facts.update(produced)
        return asset
    evidence = {"documents": [{"kind": "handover", "reference": "1/2567"}]}
    run("R-1", [("request", holder, {"to": "ubon-pao"}), ("approve", osm, {}),
                ("hand_over", holder, evidence), ("reject", receiver, {"reason": "ยังไม่พร้อม"})])
    run("R-2", [("request", holder, {"to": "ubon-pao"}), ("approve", osm, {}),
                ("hand_over", holder, evidence), ("accept", receiver, {})])
    late = run("R-3", [("request", holder, {"to": "ubon-pao"}), ("approve", osm, {})])
    facts.update(f for f in assets.due_facts(late, NOW + timedelta(days=61)) if f[0] == "transfer_overdue")
    run("R-4", [("request", holder, {"to": "ubon-pao"}), ("cancel", holder, {"reason": "ผิดหน่วยงาน"})])
    facts.update(assets.due_facts(late, datetime(2024, 4, 20, tzinfo=timezone.utc)))  # audit due
    return facts


def one_of_each() -> dict:
    facts = transfer_facts()
    due = dict(timeliness.reminders(PLAN, date(2024, 1, 10), {}, 15) +
               timeliness.reminders(PLAN, date(2024, 1, 20), {}, 15))
    # TH-35's indicators only (project reminders name their agencies: tests/unit/test_agency_reporting.py)
    facts["report_due_soon"] = {**due["report_due_soon"], "province": "TH-35", "agencies": []}
    facts["report_overdue"] = {**due["report_overdue"], "province": "TH-35", "agencies": []}
    rice = indicator("NE2-1.1")
    view = reporting.indicator_view(PLAN, rice, {"TH-34": 10.0})
    facts["indicator_off_target"] = reporting.off_target_event(
        PLAN, rice, "FY2567", view, {"event_id": "00000000-0000-4000-8000-000000000001",
                                     "province": "TH-34"}, NOW)[1]
    result = reporting.indicator_result(PLAN, rice, "FY2567", view)
    [(_, facts["indicator_off_target_at_close"])] = reporting.off_target_at_close_events(
        PLAN, "FY2567", date(2024, 10, 15), [result], NOW)
    rows = reporting.project_progress(PLAN, [{
        "project": "NE2-67-002", "province": "TH-34", "as_of": "2024-03-31",
        "physical_progress_pct": 5.0, "disbursed_thb": 1.0, "procurement_stage": "in_progress"}], {})
    [(_, facts["project_behind_schedule"])] = reporting.behind_schedule_events(PLAN, rows, NOW)
    facts["report_rejected"] = {
        "event_id": "00000000-0000-4000-8000-000000000002", "occurred_at": NOW.isoformat(),
        "rejection_id": "r-1", "province": "TH-33", "sender": "TH-33", "report_event_id": None,
        "kind": "indicator", "reason": "unknown indicator", "received_at": NOW.isoformat()}
    return facts


EXPECTED = {  # event type: who must get it (the default rules)
    "report_rejected": {SISAKET}, "report_due_soon": {YASOTHON}, "report_overdue": {YASOTHON},
    "indicator_off_target": {AGRI, OSM}, "indicator_off_target_at_close": {AGRI, OSM},
    "project_behind_schedule": {TOURISM, OSM},
    "transfer_requested": {PAO, OSM}, "transfer_approved": {PAO, TOURISM},
    "transfer_handed_over": {PAO}, "transfer_accepted": {TOURISM, OSM},
    "transfer_rejected": {TOURISM, OSM}, "transfer_cancelled": {TOURISM, PAO, OSM},
    "transfer_overdue": {TOURISM, PAO, OSM}, "audit_due": {TOURISM},
}
SOURCE = {"report": "reporting", "indicator": "reporting", "project": "reporting",
          "transfer": "assets", "audit": "assets"}


@pytest.fixture
def inbox():
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield box, controller.port
    controller.stop()


def test_each_rule_mails_exactly_the_right_addresses_once(container_factory, config_for,
                                                          rabbit_config, inbox):
    box, port = inbox
    for cls, name in ((PlansService, "plans"), (ReportingService, "reporting"),
                      (NotifyService, "notify")):
        container_factory(cls, config_for(name, SMTP_URL=f"smtp://127.0.0.1:{port}")).start()
    facts = one_of_each()
    assert set(facts) >= set(EXPECTED)
    dispatch = event_dispatcher(rabbit_config)
    with ClusterRpcProxy(rabbit_config, timeout=20) as rpc:
        seed(rpc, notify=True)
        for event_type in EXPECTED:
            for _ in range(2):  # every fact twice: a duplicate sends nothing more
                dispatch(SOURCE[event_type.split("_")[0]], event_type, facts[event_type])
        ids = {facts[t]["event_id"] for t in EXPECTED}
        mine = lambda: [m for m in rpc.notify.list_mails() if m["event_id"] in ids]  # noqa: E731
        total = sum(len(v) for v in EXPECTED.values())
        wait_until(lambda: len(mine()) == total and all(m["status"] == "sent" for m in mine()),
                   timeout=30, what=f"{total} mails sent")
        got = Counter((m["template"], m["to_addr"]) for m in mine())
    assert got == Counter({(t, a): 1 for t, addresses in EXPECTED.items() for a in addresses})
    delivered = Counter(m["Message-ID"] for m in box.mails)
    assert all(n == 1 for n in delivered.values())

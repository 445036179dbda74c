"""Implementing agencies report their own projects over the real broker: their own AMQP login,
held by topic permissions to ``report.<code>.project``; the intake's rules for whose projects."""
import uuid

import pytest
from amqp.exceptions import AccessRefused
from kombu.exceptions import OperationalError
from nameko.standalone.rpc import ClusterRpcProxy

from tests.support.system import wait_until

from .test_reporting_service import PLAN, seed, start


def progress_body(province, project, pct, reported_at, **extra):
    return {"event_id": str(uuid.uuid4()), "province": province, "project": project,
            "as_of": reported_at[:10], "physical_progress_pct": pct, "disbursed_thb": 1000.0,
            "procurement_stage": "in_progress", "reported_at": reported_at, **extra}


def test_an_agency_reports_its_own_project_under_the_same_precedence(
        container_factory, config_for, provinces, rabbit_config):
    start(container_factory, config_for)
    with ClusterRpcProxy(rabbit_config, timeout=20) as rpc:
        seed(rpc)
        # ubon-tourism implements NE2-67-002 (TH-34, TH-37); TH-37 reported first, earlier
        provinces.publish("TH-37", progress_body("TH-37", "NE2-67-002", 30, "2024-03-31T10:00:00+07:00"),
                          kind="project")
        mine = progress_body("TH-37", "NE2-67-002", 55, "2024-06-30T10:00:00+07:00",
                             problems="ผู้รับจ้างขาดแคลนแรงงาน")
        provinces.publish("ubon-tourism", mine, kind="project", message_id=mine["event_id"])

        def in_force():
            return {(r["project"], r["province"]): r for r in rpc.reporting.project_progress(PLAN)}
        row = wait_until(lambda: (r := in_force().get(("NE2-67-002", "TH-37")))
                         and r["physical_progress_pct"] == 55 and r, what="the agency's report")
        assert row["event_id"] == mine["event_id"] and row["problems"] == "ผู้รับจ้างขาดแคลนแรงงาน"
        reports = rpc.reporting.reports(PLAN, "TH-37", None, "NE2-67-002", None)["reports"]
        assert {r["sender"] for r in reports} == {provinces.username("TH-37"),
                                                   provinces.username("ubon-tourism")}
        # an earlier report of the agency does not displace the later one in force
        provinces.publish("ubon-tourism", progress_body("TH-37", "NE2-67-002", 10,
                                                        "2024-05-01T10:00:00+07:00"), kind="project")
        wait_until(lambda: len(rpc.reporting.reports(PLAN, "TH-37", None, "NE2-67-002", None)
                               ["reports"]) == 3, what="the earlier report kept")
        assert in_force()[("NE2-67-002", "TH-37")]["physical_progress_pct"] == 55
        statuses = rpc.reporting.report_statuses(PLAN, None, [mine["event_id"]], "ubon-tourism")
        assert statuses[mine["event_id"]]["status"] == "in_force"


def test_an_agency_is_rejected_for_a_project_it_does_not_implement(
        container_factory, config_for, provinces, rabbit_config):
    start(container_factory, config_for)
    with ClusterRpcProxy(rabbit_config, timeout=20) as rpc:
        seed(rpc)
        # NE2-67-004 is sisaket-commerce's, not ubon-tourism's
        theirs = progress_body("TH-33", "NE2-67-004", 20, "2024-03-31T10:00:00+07:00")
        provinces.publish("ubon-tourism", theirs, kind="project")
        # ... and a body naming a province the project does not run in
        elsewhere = progress_body("TH-33", "NE2-67-002", 20, "2024-03-31T10:00:00+07:00")
        provinces.publish("ubon-tourism", elsewhere, kind="project")
        good = progress_body("TH-33", "NE2-67-004", 20, "2024-03-31T10:00:00+07:00")
        provinces.publish("sisaket-commerce", good, kind="project")
        wait_until(lambda: any(r["event_id"] == good["event_id"]
                               for r in rpc.reporting.project_progress(PLAN)), what="the good one")
        rejected = wait_until(lambda: len(r := rpc.reporting.list_rejections(
            [], 500, ["ubon-tourism"])) == 2 and r, what="two rejections of the agency")
        by_event = {r["event_id"]: r for r in rejected}
        assert "implemented by sisaket-commerce, not by ubon-tourism" in \
            by_event[theirs["event_id"]]["reason"]
        assert "ดำเนินการโดย sisaket-commerce" in by_event[theirs["event_id"]]["reason_th"]
        assert "does not run in TH-33" in by_event[elsewhere["event_id"]]["reason"]
        assert all(r["agency"] == "ubon-tourism" and r["province"] is None for r in rejected)
        assert rpc.reporting.list_rejections(["TH-33"]) == []  # not the province's


def test_the_broker_holds_an_agency_to_its_own_project_routing_key(provinces):
    body = progress_body("TH-33", "NE2-67-004", 20, "2024-03-31T10:00:00+07:00")
    for key in ("report.sisaket-commerce.project", "report.ubon-tourism.indicator",
                "report.TH-34.project"):
        with pytest.raises((AccessRefused, OperationalError)) as refused:
            provinces.publish("ubon-tourism", body, routing_key=key)
        assert "ACCESS_REFUSED" in str(refused.value) or "access" in str(refused.value).lower(), key

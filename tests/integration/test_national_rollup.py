"""Views by national alignment over the real broker: a plan linked to the national hierarchy is
published by plans, learned by reporting from its plan_published event, provinces report project
progress and an indicator's year over AMQP, and the rollup by strategy - the plan's and the
national one - counts them where the links say."""
from __future__ import annotations

import uuid

import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcProxy

from clusterctl.reference import (REFERENCE_EFFECTIVE_FROM, REFERENCE_SOURCE, SAMPLE_PLAN,
                                  load_sample_plan, national_files)
from clusterctl.runner import ensure_plan
from clusterctl.settings import REPO_ROOT
from services.contracts.errors import QueryError
from tests.support.plans import without_links
from tests.support.system import wait_until

from .test_agency_reporting import progress_body
from .test_reporting_service import PLAN, report, start


def linked_sample() -> dict:
    """The sample plan linked afresh: issue 1 serving the agriculture master plan, issue 2 the
    SMEs one and project NE2-67-001 two master plans of one strategy (plans fills the entries
    it carries)."""
    plan = without_links(load_sample_plan(SAMPLE_PLAN))
    plan["issues"][0]["national_links"] = ["MP03"]
    plan["issues"][1]["national_links"] = ["MP08"]
    first = next(p for p in plan["projects"] if p["code"] == "NE2-67-001")
    first["national_links"] = ["MP03", "MP04"]
    return plan


def test_reports_through_the_broker_roll_up_by_strategy_for_the_plan_and_the_country(
        container_factory, config_for, provinces, rabbit_config):
    start(container_factory, config_for)
    with ClusterRpcProxy(rabbit_config, timeout=20) as rpc:
        csv = (REPO_ROOT / "clusterctl" / "data" / "reference" /
               "provincial-clusters.csv").read_text("utf-8")
        rpc.plans.load_reference(csv, REFERENCE_SOURCE, REFERENCE_EFFECTIVE_FROM)
        rpc.plans.load_national(national_files(), "test")  # the links are checked against it
        ensure_plan(rpc, linked_sample())
        before = wait_until(lambda: rpc.reporting.plan_alignment(PLAN, "strategy", 2567),
                            what="reporting to learn the linked plan")
        assert [r["code"] for r in before["rows"]] == ["NS2", None]
        assert before["rows"][0]["projects"] == 3 and before["rows"][0]["projects_reported"] == 0

        for project, pct, disbursed in (("NE2-67-001", 40.0, 5_000_000.0),
                                        ("NE2-67-003", 50.0, 16_000_000.0)):
            body = progress_body("TH-34", project, pct, "2024-03-31T10:00:00+07:00",
                                 disbursed_thb=disbursed)
            provinces.publish("TH-34", body, kind="project", message_id=body["event_id"])
        report(provinces, "TH-34", "NE2-1.3", "FY2567", 420, "2024-10-05T10:00:00+07:00",
               str(uuid.uuid4()))

        def rolled_up():
            view = rpc.reporting.plan_alignment(PLAN, "strategy", 2567)
            ns2 = view["rows"][0]
            return ns2["projects_reported"] == 2 and ns2["indicators_with_data"] == 1 and view
        view = wait_until(rolled_up, timeout=30, what="the reports in the rollup")
        ns2, none = view["rows"]
        assert (ns2["code"], ns2["name_en"]) == ("NS2", "Competitiveness enhancement")
        # NE2-67-001 once though it serves MP03 and MP04; 003 and 004 through issue 2
        assert ns2["projects"] == 3 and ns2["budget_thb"] == 61_500_000.0
        assert ns2["disbursed_thb"] == 21_000_000.0 and ns2["disbursement_pct"] == 34.15
        assert ns2["physical_progress_pct"] == 45.61  # (40 x 25 M + 50 x 32 M) / 57 M
        assert (ns2["indicators"], ns2["indicators_on_track"], ns2["achievement_mean_pct"]) == \
            (5, 1, 100.0)  # NE2-1.3: 420 against 400 (105%, counted as 100)
        assert none["projects"] == 4 and none["issues"] == 3  # issues 3-5 link nothing
        assert view["total"]["projects"] == 7

        by_master_plan = rpc.reporting.plan_alignment(PLAN, "master_plan", 2567)
        assert [r["code"] for r in by_master_plan["rows"]] == ["MP03", "MP04", "MP08", None]

        country = rpc.reporting.national_alignment("strategy", 2567)
        assert [p["plan_id"] for p in country["plans"]] == [PLAN]
        [ns2_country] = [r for r in country["rows"] if r["code"] == "NS2"]
        assert ns2_country["budget_thb"] == 61_500_000.0
        assert [c["cluster"] for c in ns2_country["clusters"]] == ["northeast-lower-2"]
        assert rpc.reporting.national_alignment("strategy", 2590)["plans"] == []

        # RemoteError, or the class itself once a gateway in the same run registered them
        with pytest.raises((RemoteError, QueryError)) as refused:
            rpc.reporting.plan_alignment(PLAN, "ministry", 2567)
        assert "ministry" in str(refused.value) and "ไม่รู้จัก" in str(refused.value)

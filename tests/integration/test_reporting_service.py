"""plans -> reporting over the real broker: the intake, precedence, rejections, restarts."""
import uuid

from nameko.standalone.rpc import ClusterRpcProxy

from clusterctl.reference import (REFERENCE_EFFECTIVE_FROM, REFERENCE_SOURCE, SAMPLE_PLAN,
                                  load_sample_plan)
from clusterctl.runner import ensure_plan
from clusterctl.settings import REPO_ROOT
from services.plans.service import PlansService
from services.reporting.service import ReportingService
from tests.support.system import wait_until

PLAN = "northeast-lower-2-2566-2570"


def start(container_factory, config_for):
    plans = container_factory(PlansService, config_for("plans"))
    reporting = container_factory(ReportingService, config_for("reporting"))
    plans.start()
    reporting.start()
    return plans, reporting


def seed(rpc):
    csv = (REPO_ROOT / "data" / "reference" / "provincial-clusters.csv").read_text("utf-8")
    rpc.plans.load_reference(csv, REFERENCE_SOURCE, REFERENCE_EFFECTIVE_FROM)
    ensure_plan(rpc, load_sample_plan(SAMPLE_PLAN))
    wait_until(lambda: rpc.reporting.indicator_results(PLAN, "FY2567-Q1"), what="plan learned")


def report(provinces, code, indicator, period, value, reported_at, event_id=None):
    event_id = event_id or str(uuid.uuid4())
    provinces.publish(code, {"event_id": event_id, "province": code, "indicator": indicator,
                             "period": period, "value": value, "reported_at": reported_at},
                      message_id=event_id)
    return event_id


def provinces_of(rpc, period, indicator):
    result = rpc.reporting.indicator_results(PLAN, period)
    return next(r for r in result["results"] if r["indicator"] == indicator)


def test_plan_is_learned_and_reports_build_the_cluster_view(container_factory, config_for,
                                                            provinces, rabbit_config):
    start(container_factory, config_for)
    with ClusterRpcProxy(rabbit_config, timeout=20) as rpc:
        seed(rpc)
        report(provinces, "TH-34", "NE2-5.1", "FY2567-Q2", 12, "2024-04-01T10:00:00+07:00")
        report(provinces, "TH-37", "NE2-5.1", "FY2567-Q2", 31, "2024-04-02T10:00:00+07:00")
        result = wait_until(lambda: (r := provinces_of(rpc, "FY2567-Q2", "NE2-5.1"))["reported"] == 2 and r,
                            what="two reports")
        assert result["value"] == 31.0  # aggregation: max
        assert result["status"] == "not_achieved"  # decrease, FY2567 target 20


def test_order_duplicates_and_retraction(container_factory, config_for, provinces, rabbit_config):
    start(container_factory, config_for)
    with ClusterRpcProxy(rabbit_config, timeout=20) as rpc:
        seed(rpc)
        first = report(provinces, "TH-33", "NE2-1.1", "FY2567-Q3", 300, "2024-07-03T00:00:00+07:00")
        report(provinces, "TH-33", "NE2-1.1", "FY2567-Q3", 100, "2024-07-01T00:00:00+07:00")
        report(provinces, "TH-33", "NE2-1.1", "FY2567-Q3", 5, "2024-07-09T00:00:00+07:00", first)
        report(provinces, "TH-35", "NE2-1.1", "FY2567-Q3", 50, "2024-07-01T00:00:00+07:00")
        result = wait_until(lambda: (r := provinces_of(rpc, "FY2567-Q3", "NE2-1.1"))["reported"] == 2 and r,
                            what="both provinces")
        assert result["provinces"] == {"TH-33": 300.0, "TH-35": 50.0}
        report(provinces, "TH-35", "NE2-1.1", "FY2567-Q3", None, "2024-07-02T00:00:00+07:00")
        result = wait_until(lambda: (r := provinces_of(rpc, "FY2567-Q3", "NE2-1.1"))["reported"] == 1 and r,
                            what="the retraction")
        assert result["value"] == 300.0


def test_rejections_are_kept_and_do_not_block(container_factory, config_for, provinces,
                                              rabbit_config):
    start(container_factory, config_for)
    with ClusterRpcProxy(rabbit_config, timeout=20) as rpc:
        seed(rpc)
        provinces.publish("TH-34", b"\xff\xfe not utf-8")
        provinces.publish("TH-34", b"[1, 2, 3]")
        provinces.publish("TH-34", {"event_id": str(uuid.uuid4()), "province": "TH-34",
                                    "project": "NE2-67-002", "as_of": "2024-03-31",
                                    "physical_progress_pct": 140, "disbursed_thb": 1,
                                    "procurement_stage": "contract_signed",
                                    "reported_at": "2024-04-01T00:00:00+07:00"}, kind="project")
        good = report(provinces, "TH-34", "NE2-2.1", "FY2567-Q1", 10, "2024-01-01T00:00:00+07:00")
        wait_until(lambda: provinces_of(rpc, "FY2567-Q1", "NE2-2.1")["reported"] == 1,
                   what=f"good report {good}")
        rejected = wait_until(lambda: len(r := rpc.reporting.list_rejections(["TH-34"])) == 3 and r,
                              what="three rejections")
        reasons = " | ".join(r["reason"] for r in rejected)
        assert "not UTF-8" in reasons and "JSON object" in reasons
        assert "physical_progress_pct" in reasons
        assert all(r["raw_body"] for r in rejected)  # what was rejected stays visible


def test_project_progress_is_kept_by_precedence(container_factory, config_for, provinces,
                                                rabbit_config):
    start(container_factory, config_for)
    with ClusterRpcProxy(rabbit_config, timeout=20) as rpc:
        seed(rpc)
        for pct, when in ((60, "2024-06-30T00:00:00+07:00"), (45, "2024-03-31T00:00:00+07:00")):
            provinces.publish("TH-37", {
                "event_id": str(uuid.uuid4()), "province": "TH-37", "project": "NE2-67-002",
                "as_of": when[:10], "physical_progress_pct": pct, "disbursed_thb": 1250000.0,
                "procurement_stage": "contract_signed", "problems": "ฝนตกหนัก",
                "reported_at": when}, kind="project")
        progress = wait_until(lambda: rpc.reporting.project_progress(PLAN), what="progress")
        assert [(p["province"], p["physical_progress_pct"]) for p in progress] == [("TH-37", 60.0)]
        assert progress[0]["problems"] == "ฝนตกหนัก"


def test_views_survive_a_restart(container_factory, config_for, provinces, rabbit_config):
    plans, reporting = start(container_factory, config_for)
    with ClusterRpcProxy(rabbit_config, timeout=20) as rpc:
        seed(rpc)
        report(provinces, "TH-34", "NE2-3.1", "FY2567-Q4", 61.5, "2024-09-30T00:00:00+07:00")
        wait_until(lambda: provinces_of(rpc, "FY2567-Q4", "NE2-3.1")["reported"] == 1,
                   what="the report")
    reporting.stop()
    fresh = container_factory(ReportingService, config_for("reporting"))
    fresh.start()
    with ClusterRpcProxy(rabbit_config, timeout=20) as rpc:
        assert provinces_of(rpc, "FY2567-Q4", "NE2-3.1")["provinces"] == {"TH-34": 61.5}

"""plans -> reporting over the real broker: the intake, precedence, rejections, restarts."""
import uuid
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from nameko.standalone.rpc import ClusterRpcProxy

from clusterctl.reference import (REFERENCE_EFFECTIVE_FROM, REFERENCE_SOURCE, SAMPLE_PLAN,
                                  load_sample_plan, national_files)
from clusterctl.runner import ensure_plan
from clusterctl.settings import REPO_ROOT
from services.contracts.periods import english_date, parse_period, thai_date
from services.plans.service import PlansService
from services.reporting.service import ReportingService
from tests.support.system import wait_until

PLAN = "northeast-lower-2-2566-2570"
BANGKOK = ZoneInfo("Asia/Bangkok")


def start(container_factory, config_for):
    plans = container_factory(PlansService, config_for("plans"))
    reporting = container_factory(ReportingService, config_for("reporting"))
    plans.start()
    reporting.start()
    return plans, reporting


def seed(rpc, notify: bool = False):
    """The reference data and the sample plan, learned by reporting - and, with ``notify``, by
    notify too (each learns it from a queue of its own, so one may be later than the other)."""
    csv = (REPO_ROOT / "clusterctl" / "data" / "reference" / "provincial-clusters.csv").read_text("utf-8")
    rpc.plans.load_reference(csv, REFERENCE_SOURCE, REFERENCE_EFFECTIVE_FROM)
    rpc.plans.load_national(national_files(), "test")  # the sample plan links to it
    ensure_plan(rpc, load_sample_plan(SAMPLE_PLAN))
    wait_until(lambda: rpc.reporting.indicator_results(PLAN, "FY2567-Q1"), what="plan learned")
    if notify:
        wait_until(lambda: "TH-34" in rpc.notify.directory_provinces(),
                   what="notify to learn the plan's contacts")


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


def test_a_report_150_years_ahead_cannot_pin_a_value_and_a_period_to_come_is_refused(
        container_factory, config_for, provinces, rabbit_config):
    """Dated ahead of the receiving clock, a report would win over every later correction (the
    latest reported_at is in force): it is rejected, with the value and the limit in English and
    Thai, and the correction sent now counts."""
    start(container_factory, config_for)
    now = datetime.now(timezone.utc)
    with ClusterRpcProxy(rabbit_config, timeout=20) as rpc:
        seed(rpc)
        ahead = report(provinces, "TH-34", "NE2-2.1", "FY2567-Q4", 999,
                       now.replace(year=now.year + 150).isoformat())
        report(provinces, "TH-34", "NE2-2.1", "FY2567-Q4", 12, now.isoformat())
        # the sample plan's next quarter that has not begun (none once FY2570-Q4 has: checked
        # then by tests/unit/test_plausibility.py alone)
        to_come = next((q for q in (f"FY{fy}-Q{n}" for fy in range(2566, 2571) for n in range(1, 5))
                        if parse_period(q).start > now.astimezone(BANGKOK).date()), None)
        if to_come:
            report(provinces, "TH-34", "NE2-2.1", to_come, 5, now.isoformat())
        result = wait_until(lambda: (r := provinces_of(rpc, "FY2567-Q4", "NE2-2.1"))["reported"] == 1
                            and r, what="the correction sent now")
        assert result["provinces"] == {"TH-34": 12.0}
        expected = 2 if to_come else 1
        rejected = wait_until(lambda: len(r := rpc.reporting.list_rejections(["TH-34"])) == expected
                              and r, what="the rejections")
        by_event = {r["event_id"]: r for r in rejected}
        assert "ahead of the receiving clock" in by_event[ahead]["reason"]
        assert "at most 10 minutes" in by_event[ahead]["reason"]
        assert "ล่วงหน้า" in by_event[ahead]["reason_th"]
        if to_come:
            not_begun = next(r for r in rejected if r["event_id"] != ahead)
            begins = parse_period(to_come).start
            assert f"{to_come}" in not_begun["reason"] and f"starts on {english_date(begins)}" \
                in not_begun["reason"]
            assert thai_date(begins) in not_begun["reason_th"]


def test_a_province_reusing_anothers_event_id_blocks_nothing_and_a_conflict_is_rejected(
        container_factory, config_for, provinces, rabbit_config):
    """A report's identity is its sender's (province, event_id): TH-33 publishing first under
    the id TH-34 will use suppresses nothing; TH-34 sending the same id again with the same
    report is a no-op, and with another value a conflict, rejected with its reason."""
    start(container_factory, config_for)
    shared = str(uuid.uuid4())
    with ClusterRpcProxy(rabbit_config, timeout=20) as rpc:
        seed(rpc)
        report(provinces, "TH-33", "NE2-1.1", "FY2567-Q3", 300, "2024-07-03T00:00:00+07:00", shared)
        wait_until(lambda: provinces_of(rpc, "FY2567-Q3", "NE2-1.1")["reported"] == 1,
                   what="TH-33's report")
        report(provinces, "TH-34", "NE2-1.1", "FY2567-Q3", 40, "2024-07-04T00:00:00+07:00", shared)
        report(provinces, "TH-34", "NE2-1.1", "FY2567-Q3", 40, "2024-07-04T00:00:00+07:00", shared)
        report(provinces, "TH-34", "NE2-1.1", "FY2567-Q3", 99, "2024-07-05T00:00:00+07:00", shared)
        rejected = wait_until(lambda: rpc.reporting.list_rejections(["TH-34"]),
                              what="TH-34's conflicting resend rejected")
        result = provinces_of(rpc, "FY2567-Q3", "NE2-1.1")
        assert result["provinces"] == {"TH-33": 300.0, "TH-34": 40.0}
        assert len(rejected) == 1 and rejected[0]["event_id"] == shared
        assert "used already by you" in rejected[0]["reason"] and "FY2567-Q3" in rejected[0]["reason"]
        assert "ถูกใช้แล้ว" in rejected[0]["reason_th"]
        assert rpc.reporting.list_rejections(["TH-33"]) == []
        statuses = rpc.reporting.report_statuses(PLAN, "TH-34", [shared])
        assert statuses[shared]["status"] == "in_force"


def test_impossible_values_are_rejected_with_the_rule_and_the_value(
        container_factory, config_for, provinces, rabbit_config):
    """A percentage of 250, a negative count and disbursement above the budget: rejected with
    the rule, the value and the limit (English and Thai), while a possible value counts."""
    start(container_factory, config_for)
    with ClusterRpcProxy(rabbit_config, timeout=20) as rpc:
        seed(rpc)
        pct = report(provinces, "TH-34", "NE2-3.1", "FY2567-Q2", 250, "2024-04-01T10:00:00+07:00")
        count = report(provinces, "TH-34", "NE2-2.1", "FY2567-Q2", -3, "2024-04-01T10:00:00+07:00")
        money = str(uuid.uuid4())
        provinces.publish("TH-34", project_body("TH-34", "NE2-67-001", event_id=money,
                                                disbursed_thb=99_000_000), kind="project",
                          message_id=money)
        report(provinces, "TH-34", "NE2-3.1", "FY2567-Q2", 71.5, "2024-04-02T10:00:00+07:00")
        wait_until(lambda: provinces_of(rpc, "FY2567-Q2", "NE2-3.1")["reported"] == 1,
                   what="the possible value")
        rejected = wait_until(lambda: len(r := rpc.reporting.list_rejections(["TH-34"])) == 3
                              and r, what="three rejections")
        by_event = {r["event_id"]: r for r in rejected}
        assert "value 250 for NE2-3.1" in by_event[pct]["reason"]
        assert "above its maximum 100" in by_event[pct]["reason"]
        assert "สูงกว่าค่าสูงสุด 100" in by_event[pct]["reason_th"]
        assert "below its minimum 0" in by_event[count]["reason"]
        assert "budget 25,000,000" in by_event[money]["reason"]
        assert provinces_of(rpc, "FY2567-Q2", "NE2-3.1")["provinces"] == {"TH-34": 71.5}


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


def indicator_body(code, indicator="NE2-1.1", period="FY2567-Q1", **changes):
    return {"event_id": str(uuid.uuid4()), "province": code, "indicator": indicator,
            "period": period, "value": 1.0, "reported_at": "2024-01-02T09:00:00+07:00", **changes}


def project_body(code, project, **changes):
    return {"event_id": str(uuid.uuid4()), "province": code, "project": project,
            "as_of": "2024-03-31", "physical_progress_pct": 10.0, "disbursed_thb": 1.0,
            "procurement_stage": "in_progress", "reported_at": "2024-04-01T09:00:00+07:00",
            **changes}


# (what is wrong, sending province, body, publish options, words the reason must contain)
BAD_MESSAGES = [
    ("no user_id", "TH-34", indicator_body("TH-34"), {"user_id": None}, "no user_id property"),
    ("body names another province", "TH-34", indicator_body("TH-33"), {},
     "a province reports only for itself"),
    ("message_id is not the event_id", "TH-34", indicator_body("TH-34"),
     {"message_id": str(uuid.uuid4())}, "differs from the body's event_id"),
    ("unknown report kind", "TH-34", indicator_body("TH-34"),
     {"routing_key": "report.TH-34.budget"}, "kind 'budget' is unknown"),
    ("not JSON content", "TH-34", indicator_body("TH-34"), {"content_type": "text/plain"},
     "is not application/json"),
    ("malformed JSON", "TH-34", b'{"event_id": ', {}, "malformed JSON"),
    ("unknown indicator", "TH-34", indicator_body("TH-34", indicator="NE2-9.9"), {},
     "unknown indicator 'NE2-9.9'"),
    ("period outside the plan", "TH-34", indicator_body("TH-34", period="FY2575-Q1"), {},
     "outside the plan"),
    ("a quarter of a yearly indicator", "TH-34", indicator_body("TH-34", indicator="NE2-1.3"), {},
     "is reported yearly"),
    ("an indicator of another province", "TH-33", indicator_body("TH-33", indicator="NE2-2.2"), {},
     "is reported only by TH-34"),
    ("a project outside the province", "TH-33", project_body("TH-33", "NE2-67-003"),
     {"routing_key": "report.TH-33.project"}, "does not run in TH-33"),
    ("unknown project", "TH-33", project_body("TH-33", "NE2-99-999"),
     {"routing_key": "report.TH-33.project"}, "unknown project"),
]


def test_every_rejection_path_and_sender_check_over_the_broker(container_factory, config_for,
                                                               provinces, rabbit_config):
    start(container_factory, config_for)
    with ClusterRpcProxy(rabbit_config, timeout=20) as rpc:
        seed(rpc)
        for _, code, body, options, _ in BAD_MESSAGES:
            options = dict(options)
            if "message_id" not in options and isinstance(body, dict):
                options["message_id"] = body["event_id"]
            provinces.publish(code, body, **options)
        good = report(provinces, "TH-34", "NE2-2.1", "FY2567-Q4", 7, "2024-10-01T00:00:00+07:00")
        # the bad messages never block the one behind them
        wait_until(lambda: provinces_of(rpc, "FY2567-Q4", "NE2-2.1")["reported"] == 1,
                   what=f"the good report {good}")
        rejected = wait_until(lambda: len(r := rpc.reporting.list_rejections()) >= len(BAD_MESSAGES)
                              and r, what="every bad message rejected")
        assert len(rejected) == len(BAD_MESSAGES)
        for what, code, _, _, words in BAD_MESSAGES:
            match = [r for r in rejected if words in r["reason"]]
            assert len(match) == 1, (what, [r["reason"] for r in rejected])
            assert match[0]["province"] == code and match[0]["raw_body"], what
        # nothing a bad message named reached a view
        assert provinces_of(rpc, "FY2567-Q1", "NE2-1.1")["reported"] == 0


def test_the_broker_refuses_a_forged_sender_or_another_provinces_routing_key(
        container_factory, config_for, provinces, rabbit_config):
    import pytest
    from kombu.exceptions import OperationalError
    from amqp.exceptions import AccessRefused, PreconditionFailed
    with pytest.raises((AccessRefused, OperationalError)):
        provinces.publish("TH-34", indicator_body("TH-33"), routing_key="report.TH-33.indicator")
    with pytest.raises((PreconditionFailed, OperationalError)):
        provinces.publish("TH-34", indicator_body("TH-33"), user_id=provinces.username("TH-33"))


def test_completeness_counts_what_arrives_over_the_broker(container_factory, config_for,
                                                          provinces, rabbit_config):
    start(container_factory, config_for)
    with ClusterRpcProxy(rabbit_config, timeout=20) as rpc:
        seed(rpc)
        period = "FY2568-Q2"
        for indicator in ("NE2-1.1", "NE2-1.2", "NE2-2.2"):
            report(provinces, "TH-34", indicator, period, 5, "2025-04-03T09:00:00+07:00")
        twice = report(provinces, "TH-33", "NE2-1.1", period, 5, "2025-04-03T09:00:00+07:00")
        report(provinces, "TH-33", "NE2-1.1", period, 5, "2025-04-03T09:00:00+07:00", twice)
        report(provinces, "TH-33", "NE2-3.1", period, 5, "2025-04-03T09:00:00+07:00")
        report(provinces, "TH-33", "NE2-3.1", period, None, "2025-04-04T09:00:00+07:00")  # withdrawn

        def rows():
            body = rpc.reporting.completeness(PLAN, period)
            return {r["province"]: r for r in body["provinces"]}
        done = wait_until(lambda: (r := rows())["TH-34"]["received"] == 3
                          and r["TH-33"]["received"] == 1
                          and "NE2-3.1" in r["TH-33"]["missing"] and r, what="reports counted")
        # quarterly indicators: 9 for TH-34 (NE2-2.2 is TH-34's alone), 8 for the others
        assert (done["TH-34"]["expected"], done["TH-33"]["expected"]) == (9, 8)
        assert done["TH-33"]["completeness_pct"] == 12.5
        assert done["TH-35"]["received"] == 0 and done["TH-35"]["completeness_pct"] == 0
        # received now, long after the due date (15 April 2025): late, not on time
        assert done["TH-34"]["late"] == 3 and done["TH-34"]["timeliness_pct"] == 0
        assert all(r["completeness_pct"] <= 100 for r in done.values())


def test_a_50_mb_body_and_deep_nesting_are_rejected_and_the_next_report_flows(
        container_factory, config_for, provinces, rabbit_config):
    start(container_factory, config_for)
    with ClusterRpcProxy(rabbit_config, timeout=30) as rpc:
        seed(rpc)
        provinces.publish("TH-37", b'{"note": "' + b"x" * (50 * 1024 * 1024) + b'"}')
        provinces.publish("TH-37", b"[" * 30_000 + b"]" * 30_000)  # deep, yet under the size cap
        good = report(provinces, "TH-37", "NE2-2.1", "FY2567-Q2", 3, "2024-04-01T00:00:00+07:00")
        wait_until(lambda: provinces_of(rpc, "FY2567-Q2", "NE2-2.1")["reported"] == 1, timeout=60,
                   what=f"the good report {good} behind the hostile ones")
        rejected = wait_until(lambda: len(r := rpc.reporting.list_rejections(["TH-37"])) == 2 and r,
                              timeout=30, what="both rejected")
    reasons = " | ".join(r["reason"] for r in rejected)
    assert "52,428,812 bytes" in reasons and "nested too deeply" in reasons
    kept = next(r for r in rejected if "bytes" in r["reason"])["raw_body"]
    assert len(kept) < 20_000 and "cut: 52,428,812 bytes in all" in kept

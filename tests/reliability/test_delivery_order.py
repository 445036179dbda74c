"""Every message delivered twice, and corrections arriving out of order at two reporting
workers at once: the outcome is the one DESIGN 3.3's precedence rule gives, with no doubled
effect (a repeated event_id changes nothing and mails no one again)."""
import random
import subprocess
import sys

from clusterctl.settings import REPO_ROOT

from tests.support.system import wait_until

from .harness import (PROVINCES, assert_no_loss_no_double, correction_stream, count_effects,
                      off_target_fact_id, off_target_reports)


def test_every_report_delivered_twice(chaos_system, workdir, record):
    system = chaos_system
    baseline = set(system.stored_reports())
    sent = {p: correction_stream(p, 100) for p in PROVINCES}
    # Off-target reports for keys no earlier case used: each raises a fact that is mailed.
    mailing = off_target_reports(indicator="NE2-4.1")
    for report in mailing:
        report["value"] = 90.0  # a "decrease" indicator: far above its target is off target
        sent[report["province"]].append(report)
    result = system.publish(sent, workdir, copies=2)
    every = [r for reports in sent.values() for r in reports]
    facts = {off_target_fact_id(r) for r in mailing}
    outcome = count_effects(system, every, baseline, facts)
    record(fault="Every message delivered twice",
           injected=f"each of {len(every)} reports published twice by its province (same "
                    f"event_id), {len(mailing)} of them off target",
           events=outcome["events"], lost=outcome["lost"], duplicated=outcome["duplicated"],
           observed=f"{sum(len(v) for v in result['confirmed'].values()) * 2} deliveries; "
                    + outcome["observed"])
    assert_no_loss_no_double(outcome)
    assert outcome["repeated"] >= len(every), "the copies did not reach the intake"
    assert len(outcome["mail"]["recipients_per_fact"]) == 1


def test_corrections_reordered_across_two_workers(chaos_system, workdir, record):
    system = chaos_system
    # A second reporting process on the same queue and store: consecutive corrections of one
    # key are handled concurrently, in whatever order the two workers get to them.
    second = subprocess.Popen([sys.executable, "-m", "nameko", "run", "--config",
                               str(system.data_dir / "run" / "reporting.yaml"),
                               "services.reporting.service:ReportingService"], cwd=REPO_ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        baseline = set(system.stored_reports())
        rng = random.Random(20261124)
        sent = {}
        for province in PROVINCES:
            stream = correction_stream(province, 240)
            rng.shuffle(stream)  # later corrections often sent before earlier ones
            sent[province] = stream
        wait_until(lambda: system.broker.queue_figure(system.vhost, "reporting.intake",
                                                      "consumers") == 2,
                   timeout=60, what="two reporting workers consuming the intake queue")
        system.publish(sent, workdir)
        every = [r for reports in sent.values() for r in reports]
        outcome = count_effects(system, every, baseline)
        inverted = late_corrections(every)
        shown = {key: system.indicator_value(key[1], key[2], key[3])
                 for key in list(outcome["expected"])[:8]}
        by_id = {r["event_id"]: r for r in every}
        wrong_shown = {k: v for k, v in shown.items() if v != by_id[outcome["expected"][k]]["value"]}
        record(fault="Reordered delivery across concurrent workers",
               injected=f"{len(every)} corrections of 32 keys, shuffled, consumed by two "
                        "reporting processes sharing the queue and the store",
               events=outcome["events"], lost=outcome["lost"], duplicated=outcome["duplicated"],
               observed=f"{inverted} corrections sent after a later one of the same key; "
                        f"API values checked: {len(shown)}, wrong: {len(wrong_shown)}; "
                        + outcome["observed"])
        assert_no_loss_no_double(outcome)
        assert not wrong_shown
    finally:
        second.terminate()
        second.wait(30)


def late_corrections(reports: list[dict]) -> int:
    """How many reports were sent after a later correction of the same key."""
    latest, late = {}, 0
    for r in reports:
        key = (r["province"], r["indicator"], r["period"])
        late += r["reported_at"] < latest.get(key, "")
        latest[key] = max(latest.get(key, ""), r["reported_at"])
    return late

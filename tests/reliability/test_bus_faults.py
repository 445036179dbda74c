"""Faults of the bus itself (step 16): reporting crash-looped under load. Counted as the other
cases: 0 lost, 0 doubled, and here also no valid report parked.

With the broker's delivery limit on the intake queue (5), the sixth crash in a row dead-lettered
every report the intake had prefetched - up to two batches, 400 valid reports. The intake now
parks from its own attempt record (docs/architecture.md, "Bounded retries")."""
import os
import signal
import subprocess
import sys
import time
from urllib.parse import quote

from kombu import Connection

from clusterctl.settings import REPO_ROOT
from services.infra.topology import INTAKE_QUEUE_NAME
from tests.support.system import wait_until

from .harness import (PROVINCES, assert_no_loss_no_double, correction_stream, count_effects,
                      parked_from)

PER_PROVINCE = 1500  # a backlog that outlasts the crashes: every restart takes its prefetch
CRASHES = 6  # five in a row, and the one that used to dead-letter at the delivery limit (5)


def intake_figures(conn: Connection) -> tuple[int, int]:
    """(ready reports, consumers) of the intake queue, asked over AMQP: milliseconds, where
    rabbitmqctl takes a second in which a restarted intake could drain the backlog."""
    declared = conn.default_channel.queue_declare(queue=INTAKE_QUEUE_NAME, passive=True)
    return declared.message_count, declared.consumer_count


def test_reporting_crash_looped_under_load_parks_no_valid_report(chaos_system, workdir, record):
    system = chaos_system
    began = time.monotonic()
    baseline = set(system.stored_reports())
    parked_before = {p["parked_id"] for p in parked_from(system, INTAKE_QUEUE_NAME)}
    sent = {p: correction_stream(p, PER_PROVINCE) for p in PROVINCES}
    # The load arrives while reporting is frozen with its prefetch in hand (SIGSTOP), so the
    # backlog outlasts the loop; then it dies, and every process started after it too.
    pid = system.signal_service("reporting", signal.SIGSTOP)
    system.publish(sent, workdir)
    backlog = []
    with Connection(system.broker.amqp_url + quote(system.vhost, safe="")) as conn:
        for crash in range(CRASHES):
            if crash:  # the restarted process consumes - its prefetch in hand - and dies
                wait_until(lambda: intake_figures(conn)[1], timeout=60, interval=0.01,
                           what="reporting to consume")
                pid = system.signal_service("reporting", signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)
            backlog.append(intake_figures(conn)[0])
            wait_until(lambda: any(p != pid for p in system.service_pids("reporting")),
                       timeout=60, interval=0.02, what="reporting to be restarted")
    system.wait_restarted("reporting", pid)
    every = [r for reports in sent.values() for r in reports]
    outcome = count_effects(system, every, baseline)
    parked = [p for p in parked_from(system, INTAKE_QUEUE_NAME)
              if p["parked_id"] not in parked_before]
    seconds = time.monotonic() - began
    record(fault="reporting crash-looped under load",
           injected=f"4 provinces published {PER_PROVINCE} reports each while reporting was "
                    f"frozen (SIGSTOP); then SIGKILL to it {CRASHES} times in a row, each "
                    f"restarted process as soon as it consumed",
           events=outcome["events"], lost=outcome["lost"], duplicated=outcome["duplicated"],
           observed=f"reports waiting at each kill: {backlog}; intake reports parked: "
                    f"{len(parked)}; {seconds:.0f} s in all; " + outcome["observed"])
    assert parked == [], parked
    assert_no_loss_no_double(outcome)
    assert system.health().get("reporting") == "ok"  # the supervisor did not give up
    held = subprocess.run([sys.executable, "-m", "clusterctl", "outbox", "held"], cwd=REPO_ROOT,
                          env=system.env, capture_output=True, text=True, timeout=120)
    assert held.returncode == 0 and "no outbox event is held" in held.stdout, held.stderr

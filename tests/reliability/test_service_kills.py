"""A service dies in the middle of its work - SIGKILL (a crash, an OOM kill) or SIGTERM (a
redeploy) - while provinces publish: the supervisor starts it again, the broker redelivers what
it had not acknowledged, and every report takes effect once and every mail it causes is sent
once.

SIGKILL lands in the worst place for a duplicate: right after a batch's commit, before its
acknowledgement. The public signal is the intake's log: its "accepted ... report" lines are
written after the commit and before the ack, so the first line of a batch (after a quiet spell:
the batch's checks write nothing) freezes the process at once (SIGSTOP), the deliveries in its
hands are counted, and SIGKILL ends it. The redelivered reports that were already stored are
then counted in reporting's view_effects rows (a report seen again after it took effect)."""
import os
import re
import signal
import time

import pytest

from tests.support.system import wait_until

from .effects import view_effects
from .harness import (PROVINCES, assert_no_loss_no_double, correction_stream, count_effects,
                      finish_publishing, off_target_fact_id, off_target_reports)

PER_PROVINCE = 1000  # a backlog of seconds, so the signal lands while reports are in hand
COMMITTED = re.compile(rb"accepted (indicator|project) report")
QUIET_S = 0.004  # no intake line for this long: the next one is the first of a batch
KILL_TRIES = 3


def freeze_after_a_commit(system, log_path, timeout: float = 30) -> int:
    """SIGSTOP reporting as soon as a batch's first "accepted" line is written; its pid."""
    pid = system.service_pids("reporting")[0]
    with open(log_path, "rb") as log:
        log.seek(0, os.SEEK_END)
        last_change, deadline = time.monotonic(), time.monotonic() + timeout
        while time.monotonic() < deadline:
            chunk = log.read()
            now = time.monotonic()
            if chunk:
                if now - last_change >= QUIET_S and COMMITTED.search(chunk):
                    os.kill(pid, signal.SIGSTOP)
                    return pid
                last_change = now
    raise AssertionError("no batch was committed while the provinces published")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_reporting_stopped_mid_stream(chaos_system, workdir, record, sig):
    system = chaos_system
    baseline = set(system.stored_reports())
    # The load, with reports that raise off-target facts (and so mail) in the middle of it.
    sent = {p: correction_stream(p, PER_PROVINCE) for p in PROVINCES}
    mailing = off_target_reports() if sig == signal.SIGKILL else []
    for n, report in enumerate(mailing):
        stream = sent[report["province"]]
        stream.insert(len(stream) // 3 + n // len(PROVINCES), report)
    every = [r for reports in sent.values() for r in reports]
    ids = {r["event_id"] for r in every}
    log = system.data_dir / "logs" / "reporting.log"
    proc, result_path = system.publish(sent, workdir, background=True)
    wait_until(lambda: len(system.stored_reports()) - len(baseline) >= 200, timeout=60,
               interval=0.05, what="the provinces' reports to start arriving")
    in_hand, tries, repeated = [], 0, 0
    while tries < (KILL_TRIES if sig == signal.SIGKILL else 1) and not repeated:
        tries += 1
        if sig == signal.SIGKILL:
            pid = freeze_after_a_commit(system, log)
        else:  # mid-handler: frozen to count what it holds, then let go for 20 ms
            pid = system.signal_service("reporting", signal.SIGSTOP)
        try:
            in_hand.append(wait_until(
                lambda: system.broker.unacknowledged(system.vhost, "reporting.intake"),
                timeout=30, interval=0.1, what="reporting to hold unacknowledged reports"))
        finally:
            if sig == signal.SIGTERM:
                os.kill(pid, signal.SIGCONT)
                time.sleep(0.02)  # not a wait for a condition: the fault lands mid-batch
        os.kill(pid, sig)  # SIGKILL ends a stopped process where it stands
        system.wait_restarted("reporting", pid)
        if sig == signal.SIGKILL:  # a SIGTERM'd service finishes what it holds: no wait
            repeated = redelivered_stored(system, ids)
    finish_publishing(proc, result_path)
    facts = {off_target_fact_id(r) for r in mailing}
    outcome = count_effects(system, every, baseline, facts)
    name = signal.Signals(sig).name
    record(fault=f"reporting {name} " + ("right after a batch commit" if sig == signal.SIGKILL
                                         else "mid-stream"),
           injected=f"{name} to the reporting process while 4 provinces published "
                    f"{PER_PROVINCE} reports each at full speed"
                    + (f", {len(mailing)} of them off target (mailed); frozen at a batch's "
                       f"first committed log line, then killed ({tries} kill(s))"
                       if mailing else ""),
           events=outcome["events"], lost=outcome["lost"], duplicated=outcome["duplicated"],
           observed=f"{'/'.join(map(str, in_hand))} deliveries in the service's hands when it "
                    f"was signalled; {outcome['repeated_reports']} reports redelivered after "
                    "they were stored, with no second effect; restarted by the supervisor; "
                    + outcome["observed"])
    assert_no_loss_no_double(outcome)
    if sig == signal.SIGKILL:
        assert outcome["repeated_reports"] > 0, "no kill landed between a commit and its ack"
        assert len(outcome["mail"]["recipients_per_fact"]) == 1, outcome["mail"]


def redelivered_stored(system, ids: set[str], timeout: float = 15) -> int:
    """Reports seen again after they took effect, once the restarted service had time to take
    back what the killed one held (0 if none came)."""
    def count():
        applied, repeated = view_effects(system.data_dir / "reporting.sqlite3", ids)
        return len(set(applied) & set(repeated))
    try:
        return wait_until(count, timeout=timeout, interval=0.5, what="redelivered reports")
    except AssertionError:
        return 0

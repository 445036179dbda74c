"""A service dies in the middle of its work - SIGKILL (a crash, an OOM kill) or SIGTERM (a
redeploy) - while provinces publish: the supervisor starts it again, the broker redelivers what
it had not acknowledged, and every report is stored once and every mail it causes sent once."""
import os
import signal
import time

import pytest

from tests.support.system import wait_until

from .harness import (PROVINCES, correction_stream, count_mail_outcome, count_report_outcome,
                      finish_publishing, off_target_fact_id, off_target_reports)

PER_PROVINCE = 1000  # a backlog of seconds, so the signal lands while reports are in hand


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
    log = system.data_dir / "logs" / "reporting.log"
    log_offset = log.stat().st_size
    proc, result_path = system.publish(sent, workdir, background=True)
    wait_until(lambda: len(system.stored_reports()) - len(baseline) >= 200, timeout=60,
               interval=0.05, what="the provinces' reports to start arriving")
    # Mid-handler, for certain: freeze the service (SIGSTOP) so the deliveries it holds can be
    # counted, let it go on, and signal it while it is working through them.
    pid = system.signal_service("reporting", signal.SIGSTOP)
    try:
        unacked = wait_until(lambda: system.broker.unacknowledged(system.vhost, "reporting.intake"),
                             timeout=30, interval=0.1, what="reporting to hold unacknowledged reports")
    finally:
        os.kill(pid, signal.SIGCONT)
    time.sleep(0.02)  # not a wait for a condition: the fault lands 20 ms into the batch in hand
    old_pid = system.signal_service("reporting", sig)
    system.wait_restarted("reporting", old_pid)
    finish_publishing(proc, result_path)
    every = [r for reports in sent.values() for r in reports]
    outcome = count_report_outcome(system, every, baseline)
    with open(log, "rb") as handle:
        handle.seek(log_offset)
        redelivered_stored = handle.read().count(b"duplicate indicator report")
    mails = count_mail_outcome(system, {off_target_fact_id(r) for r in mailing}) if mailing else None
    record(fault=f"reporting {signal.Signals(sig).name} mid-stream",
           injected=f"{signal.Signals(sig).name} to the reporting process while 4 provinces "
                    f"published {PER_PROVINCE} reports each at full speed"
                    + (f", {len(mailing)} of them off target (mailed)" if mailing else ""),
           events=outcome["events"] + (mails["events"] if mails else 0),
           lost=outcome["lost"] + (mails["lost"] if mails else 0),
           duplicated=outcome["duplicated"] + (mails["duplicated"] if mails else 0),
           observed=f"{unacked} deliveries in the service's hands when it was signalled; "
                    f"{redelivered_stored} redelivered reports were already stored and had no "
                    "second effect; restarted by the supervisor"
                    + (f"; {mails['mails']} mails, each at the SMTP server once" if mails else ""))
    assert outcome["lost"] == 0 and outcome["duplicated"] == 0
    assert outcome["wrong_in_force"] == 0, outcome["wrong_examples"]
    if mails:
        assert mails["lost"] == 0 and mails["duplicated"] == 0, mails
        assert len(mails["recipients_per_fact"]) == 1, mails  # every fact mailed to the same people

"""notify's delivery windows under faults, with two notify processes (REPLICAS=notify=2) sharing
the outbox: a notify process SIGKILLed with a mail in hand; an SMTP server that accepts each mail
and then answers QUIT with an error; a slow SMTP server. Each mail must reach the server once
(counted by Message-ID at the sink) and end ``sent``.

The system here is this module's own (the package's runs one notify): SMTP_TIMEOUT=1 makes the
lease of a mail in hand 20 s, so the mail a killed process held is sent again within the case."""
import os
import signal
import socket
import time
from collections import Counter
from datetime import datetime, timedelta

import pytest

from tests.support.system import listen_port, wait_until

from .harness import (BANGKOK, PROVINCES, ChaosSystem, SmtpSink, count_mail_outcome,
                      indicator_report, off_target_fact_id)

SMTP_TIMEOUT = 1  # seconds per SMTP operation: the lease of a mail in hand is twenty of them
SLOW = ("--rcpt-delay", "0.3")  # a relay that takes its time over each recipient
QUIT_FAILS = ("--quit-reply", "421 4.3.0 closing channel")


@pytest.fixture(scope="module")
def notify_sink(tmp_path_factory):
    sink = SmtpSink(tmp_path_factory.mktemp("notify-mail"), listen_port())
    sink.start(SLOW)
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture(scope="module")
def two_notifiers(tmp_path_factory, chaos_broker, notify_sink):
    system = ChaosSystem(tmp_path_factory.mktemp("notify-chaos") / "var", chaos_broker, notify_sink)
    system.extra_env.update(REPLICAS="notify=2", SMTP_TIMEOUT=str(SMTP_TIMEOUT))
    try:
        system.start(timeout=180)
        assert len(system.service_pids("notify")) == 2
        yield system
    finally:
        system.stop()


def mailing_reports(fy: int) -> list[dict]:
    """One NE2-3.1 report per province and quarter of ``fy``, far off target: each raises a
    fact mailed to its province's focal point and the cluster's OSM (each case its own year)."""
    start = datetime(2026, 10, 1, 9, 0, tzinfo=BANGKOK)
    keys = [(p, f"FY{fy}-Q{q}") for q in range(1, 5) for p in PROVINCES]
    return [indicator_report(p, "NE2-3.1", period, 10.0, start + timedelta(seconds=n))
            for n, (p, period) in enumerate(keys)]


def publish(system, reports: list[dict], workdir) -> set[str]:
    system.publish({p: [r for r in reports if r["province"] == p] for p in PROVINCES}, workdir)
    return {off_target_fact_id(r) for r in reports}


def restart_sink(system, faults: tuple[str, ...]) -> None:
    system.sink.stop()
    system.sink.start(faults)


def mails_of(system, facts: set[str]) -> list[dict]:
    return [m for m in system.queued_mails() if m["event_id"] in facts]


def senders(mails: list[dict]) -> Counter:
    """How many of ``mails`` each notify process (the pid of lease_holder) sent."""
    return Counter(m["lease_holder"].rsplit(":", 1)[1] for m in mails if m["lease_holder"])


def test_notify_killed_with_a_mail_in_hand(two_notifiers, workdir, record):
    system = two_notifiers
    restart_sink(system, SLOW)
    facts = publish(system, mailing_reports(2566), workdir)

    def in_hand():
        """A mail claimed and not yet sent: its lease runs past now and past its next attempt
        (a mail waiting to be retried has its lease end at that attempt)."""
        now = time.time()
        return next((m for m in mails_of(system, facts) if m["status"] == "pending"
                     and m["lease_holder"] and m["lease_until"] > m["next_attempt_at"]
                     and datetime.fromisoformat(m["lease_until"]).timestamp() > now), None)
    held = wait_until(in_hand, timeout=60, interval=0.05, what="a mail in a notify's hands")
    host, pid = held["lease_holder"].rsplit(":", 1)
    assert host == socket.gethostname() and int(pid) in system.service_pids("notify")
    killed_at = time.monotonic()
    os.kill(int(pid), signal.SIGKILL)
    mails = count_mail_outcome(system, facts, timeout=120)
    took = time.monotonic() - killed_at
    [again] = [m for m in mails_of(system, facts) if m["mail_id"] == held["mail_id"]]
    record(fault="notify SIGKILL mid-send",
           injected=f"SIGKILL to one of two notify processes while it handed mail "
                    f"{held['mail_id'][:8]} to a slow SMTP server (0.3 s per recipient); "
                    f"{len(facts)} off-target facts being mailed",
           events=mails["events"], lost=mails["lost"], duplicated=mails["duplicated"],
           observed=f"{mails['mails']} mails, each at the SMTP server once; the mail in hand "
                    f"sent on attempt {again['attempts']} after its lease "
                    f"({20 * SMTP_TIMEOUT} s) lapsed; all delivered {took:.0f} s after the kill; "
                    f"mails per sender {dict(senders(mails_of(system, facts)))}")
    assert mails["lost"] == mails["duplicated"] == 0, mails
    assert again["status"] == "sent" and again["attempts"] >= 2


def test_smtp_accepts_then_fails_on_quit(two_notifiers, workdir, record):
    system = two_notifiers
    restart_sink(system, QUIT_FAILS)
    try:
        facts = publish(system, mailing_reports(2567), workdir)
        mails = count_mail_outcome(system, facts, timeout=60)
        time.sleep(3)  # a retry would come within seconds (2 s backoff): none may
        again = count_mail_outcome(system, facts, timeout=5)
    finally:
        restart_sink(system, SLOW)
    attempts = sorted({m["attempts"] for m in mails_of(system, facts)})
    record(fault="SMTP accepts, then fails on QUIT",
           injected=f"the SMTP server accepts every mail (250 after DATA) and answers QUIT "
                    f"with 421; {len(facts)} off-target facts mailed",
           events=mails["events"], lost=mails["lost"], duplicated=again["duplicated"],
           observed=f"{mails['mails']} mails recorded sent on their first attempt "
                    f"(attempts {attempts}), none sent "
                    "again or marked failed")
    assert mails["lost"] == again["duplicated"] == 0, again
    assert attempts == [1]


def test_two_notify_replicas_behind_a_slow_smtp_server(two_notifiers, workdir, record):
    system = two_notifiers
    restart_sink(system, SLOW)
    facts = publish(system, mailing_reports(2569), workdir)
    mails = count_mail_outcome(system, facts, timeout=90)
    by_sender = senders(mails_of(system, facts))
    record(fault="Two notify replicas, slow SMTP",
           injected=f"REPLICAS=notify=2 sharing the outbox, the SMTP server taking 0.3 s per "
                    f"recipient; {len(facts)} off-target facts mailed",
           events=mails["events"], lost=mails["lost"], duplicated=mails["duplicated"],
           observed=f"{mails['mails']} mails, each at the SMTP server once; sent by "
                    f"{len(by_sender)} processes {dict(by_sender)}, each mail leased one at a "
                    f"time just before it was sent")
    assert mails["lost"] == mails["duplicated"] == 0, mails

"""The windows where notify could send a mail twice or mark a delivered one failed, on every store
backend, against a real SMTP server in the test process (aiosmtpd): a server that accepts a mail
and then answers QUIT with an error, and a slow server behind two notify replicas."""
import asyncio
import email
import threading
from collections import Counter
from datetime import datetime, timedelta, timezone
from email import policy

import pytest

from services.notify import handlers
from services.notify.domain import Mail
from tests.support.smtp import smtp_servers

T0 = datetime(2026, 12, 6, 4, 0, tzinfo=timezone.utc)
FROM = "Cluster planning <no-reply@cluster.example>"


def mail(n: int) -> Mail:
    return Mail(f"mail-{n}", f"evt-{n}", "report_rejected", "strategy@sisaket.example",
                f"[รายงานถูกปฏิเสธ] {n}", f"เรียน ผู้รับ {n}", f"<p>เรียน ผู้รับ {n}</p>")


class Server:
    """Accepts every mail and counts it by Message-ID; ``quit_reply`` answers QUIT instead of
    221, ``rcpt_delay`` seconds pass before each recipient is accepted (a slow relay)."""

    def __init__(self, quit_reply="221 Bye", rcpt_delay=0.0):
        self.quit_reply, self.rcpt_delay = quit_reply, rcpt_delay
        self.received = Counter()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await asyncio.sleep(self.rcpt_delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.received[message["Message-ID"]] += 1
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope):
        return self.quit_reply


@pytest.fixture
def smtp():
    with smtp_servers() as start:
        def start_server(**behaviour):
            server = Server(**behaviour)
            return server, start(server)
        yield start_server


@pytest.fixture
def store(backend):
    return backend.open("notify")


@pytest.mark.parametrize("quit_reply", ["421 4.3.0 shutting down", "554 5.3.0 error on quit"])
def test_a_mail_the_server_accepted_is_sent_once_and_recorded_sent_whatever_quit_says(
        store, smtp, quit_reply):
    server, relay = smtp(quit_reply=quit_reply)
    store.enqueue([mail(1)], T0)
    assert handlers.deliver_due(store, relay, FROM, T0) == 1
    [row] = store.mails()
    assert row["status"] == "sent" and row["last_error"] is None
    for later in (timedelta(minutes=1), timedelta(hours=2), timedelta(days=4)):
        assert handlers.deliver_due(store, relay, FROM, T0 + later) == 0
    assert server.received == {row["message_id"]: 1}


def test_two_replicas_behind_a_slow_server_deliver_each_mail_once(store, backend, smtp):
    """Replica A works through the due mails while the server takes its time over each; replica
    B's timer fires meanwhile with its clock 121 s ahead: a lease taken for A's whole batch at
    its start (120 s) would have lapsed, the lease of the mail A has in hand has not. Each mail
    reaches the server once and ends sent."""
    server, relay = smtp(rcpt_delay=0.05)
    other = backend.open("notify")  # replica B: its own connection to the same database
    store.enqueue([mail(n) for n in range(12)], T0)
    a_done = threading.Event()

    def replica_a():
        try:
            handlers.deliver_due(store, relay, FROM)  # the real clock
        finally:
            a_done.set()
    thread = threading.Thread(target=replica_a)
    thread.start()
    try:
        while sum(server.received.values()) < 3 and not a_done.is_set():
            a_done.wait(0.01)
        handlers.deliver_due(other, relay, FROM, datetime.now(timezone.utc) + timedelta(seconds=121))
    finally:
        thread.join(30)
    assert set(server.received.values()) == {1} and len(server.received) == 12, server.received
    assert Counter(m["status"] for m in store.mails()) == {"sent": 12}

"""Delivery through a real SMTP server in the test process (aiosmtpd) and real RabbitMQ: a
server that answers 451 then recovers, one that answers 550, duplicated events, Thai text end to
end, and the daily digest."""
import email
import uuid
from datetime import datetime, timezone
from email import policy

import pytest
from aiosmtpd.controller import Controller
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ClusterRpcProxy

from services.notify.service import NotifyService
from services.plans.service import PlansService
from services.reporting.service import ReportingService
from tests.support.system import free_port, wait_until

from .test_reporting_service import seed

SISAKET_FOCAL = "strategy@sisaket.example"


MARK = "ทดสอบการส่ง"  # in every rejection reason these tests send; other mails pass through


class Scripted:
    """An SMTP server that answers each DATA of a marked mail with the next scripted reply,
    then 250; other mails (the plan's reminders) are accepted and not counted."""

    def __init__(self, replies=()):
        self.replies, self.received, self.attempts = list(replies), [], 0
        self.envelopes = []  # (MAIL FROM, RCPT TOs) of each received marked mail

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        if MARK not in message["Subject"] and "Daily digest" not in message["Subject"]:
            return "250 OK"
        self.attempts += 1
        if self.replies:
            return self.replies.pop(0)
        self.received.append(message)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


@pytest.fixture
def smtp_server():
    servers = []

    def start(replies=()):
        handler = Scripted(replies)
        controller = Controller(handler, hostname="127.0.0.1", port=free_port())
        controller.start()
        servers.append(controller)
        return handler, controller.port
    yield start
    for controller in servers:
        controller.stop()


def rejected(reason="ค่าไม่ถูกต้อง: ตัวชี้วัด NE2-9.9 ไม่มีในแผน"):
    reason = f"{MARK} {reason}"
    rejection = str(uuid.uuid4())
    now = datetime.now(timezone.utc).isoformat()
    return {"event_id": str(uuid.uuid5(uuid.NAMESPACE_URL, rejection)), "occurred_at": now,
            "rejection_id": rejection, "province": "TH-33", "sender": "TH-33",
            "report_event_id": None, "kind": "indicator", "reason": reason, "received_at": now}


def start(container_factory, config_for, port):
    for cls, name in ((PlansService, "plans"), (ReportingService, "reporting"),
                      (NotifyService, "notify")):
        container_factory(cls, config_for(name, SMTP_URL=f"smtp://127.0.0.1:{port}")).start()


def test_a_451_then_recovery_delivers_once_with_thai_intact(container_factory, config_for,
                                                            rabbit_config, smtp_server):
    server, port = smtp_server(["451 4.3.0 try again later"])
    start(container_factory, config_for, port)
    dispatch = event_dispatcher(rabbit_config)
    with ClusterRpcProxy(rabbit_config, timeout=20) as rpc:
        seed(rpc, notify=True)
        event = rejected()
        dispatch("reporting", "report_rejected", event)
        dispatch("reporting", "report_rejected", event)  # duplicated: still one mail
        wait_until(lambda: server.received, timeout=30, what="delivery after the 451")
        [log] = wait_until(lambda: [m for m in rpc.notify.list_mails(status="sent")
                                    if m["event_id"] == event["event_id"]], what="the log")
    assert server.attempts == 2 and len(server.received) == 1
    assert log["attempts"] == 2 and log["agency"] == "th-33-strategy"
    [mail] = server.received
    assert mail["To"] == SISAKET_FOCAL
    assert mail["Subject"].startswith(f"[รายงานถูกปฏิเสธ / Report rejected] TH-33: {MARK} ค่าไม่ถูกต้อง")
    assert "ค่าไม่ถูกต้อง: ตัวชี้วัด NE2-9.9 ไม่มีในแผน" in mail.get_body(("plain",)).get_content()
    assert "ค่าไม่ถูกต้อง" in mail.get_body(("html",)).get_content()
    assert mail["Message-ID"] == log["message_id"]


def test_a_550_is_a_visible_failure_without_retries(container_factory, config_for, rabbit_config,
                                                    smtp_server):
    server, port = smtp_server(["550 5.1.1 no such mailbox"] * 10)
    start(container_factory, config_for, port)
    dispatch = event_dispatcher(rabbit_config)
    with ClusterRpcProxy(rabbit_config, timeout=20) as rpc:
        seed(rpc, notify=True)
        event = rejected()
        dispatch("reporting", "report_rejected", event)
        [failed] = wait_until(lambda: rpc.notify.list_mails(status="failed",
                                                            template="report_rejected"),
                              timeout=20, what="the failure in the delivery log")
        assert "550" in failed["last_error"] and failed["attempts"] == 1
        # no retry storm: the server saw one attempt, and sees no more
        wait_until(lambda: rpc.notify.health() == "ok", what="notify alive")
    assert server.attempts == 1 and server.received == []


def test_a_daily_digest_gathers_held_mails_and_a_muted_rule_sends_nothing(
        container_factory, config_for, rabbit_config, smtp_server):
    server, port = smtp_server()
    start(container_factory, config_for, port)
    dispatch = event_dispatcher(rabbit_config)
    admin = ["admin", None]
    with ClusterRpcProxy(rabbit_config, timeout=20) as rpc:
        seed(rpc, notify=True)
        rpc.notify.set_preference(admin, "th-33-strategy", {"delivery": "daily_digest"})
        rpc.notify.set_preference(admin, "th-35-strategy", {"muted": ["report_rejected"]})
        first, second = rejected("เหตุผลที่หนึ่ง"), rejected("เหตุผลที่สอง")
        dispatch("reporting", "report_rejected", first)
        dispatch("reporting", "report_rejected", second)
        dispatch("reporting", "report_rejected", {**rejected(), "province": "TH-35", "sender": "TH-35"})
        held = lambda: rpc.notify.list_mails(status="held", template="report_rejected")  # noqa: E731
        wait_until(lambda: len(held()) == 2, what="two mails held")
        assert server.received == []
        assert rpc.notify.list_mails(agency="th-35-strategy", template="report_rejected") == []
    # the digest itself, made the way the daily timer makes it
    from services.notify import handlers
    from services.notify.store import open_store
    store = open_store(config_for("notify")["STORE_URL"])
    try:
        now = datetime.now(timezone.utc)
        assert handlers.make_digests(store, "http://x", now.date(), now) == 1
        assert handlers.make_digests(store, "http://x", now.date(), now) == 0  # nothing held now
    finally:
        store.close()
    [digest] = wait_until(lambda: server.received, timeout=20, what="the digest delivered")
    assert digest["To"] == SISAKET_FOCAL and "สรุปการแจ้งเตือนประจำวัน" in digest["Subject"]
    text = digest.get_body(("plain",)).get_content()
    assert "เหตุผลที่หนึ่ง" in text and "เหตุผลที่สอง" in text


def test_report_text_with_cr_lf_and_encoded_words_adds_no_header_and_no_recipient(
        container_factory, config_for, rabbit_config, smtp_server):
    """A reason carrying "\\r\\nBcc: …" and an RFC 2047 word that decodes to it: the server gets
    one envelope recipient, the focal contact, and the mail no header beyond the usual."""
    server, port = smtp_server()
    start(container_factory, config_for, port)
    dispatch = event_dispatcher(rabbit_config)
    with ClusterRpcProxy(rabbit_config, timeout=20) as rpc:
        seed(rpc, notify=True)
        event = rejected("=?utf-8?q?=0D=0ABcc:_evil@attacker.example?= x\r\nBcc: evil2@attacker.example"
                         "\r\n\r\nforged body")
        dispatch("reporting", "report_rejected", event)
        wait_until(lambda: server.received, timeout=30, what="the mail delivered")
    [mail], [(_, rcpt_tos)] = server.received, server.envelopes
    assert rcpt_tos == [SISAKET_FOCAL]
    assert set(mail.keys()) == {"From", "To", "Subject", "Message-ID", "Date", "MIME-Version",
                                "Content-Type"}
    assert [a.addr_spec for a in mail["To"].addresses] == [SISAKET_FOCAL]
    assert "\n" not in mail["Subject"] and "\r" not in mail["Subject"]
    assert "forged body" in mail.get_body(("plain",)).get_content()  # in the body, as text

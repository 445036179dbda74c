"""Account mails through notify's outbox on every store backend, delivered to a real SMTP server
(aiosmtpd in the test process): queued once per caller id, sent once, the link in the mail and
nowhere else - not in the logs, not in the delivery log, not kept at rest once sent."""
import email
import json
import logging
from datetime import datetime, timedelta, timezone
from email import policy

import pytest

from services.notify import handlers
from tests.support.smtp import smtp_servers

LINK = "https://cluster.example.go.th/account/reset?token=s3cr3t-0neT1me-T0ken"
SECRET = "s3cr3t-0neT1me-T0ken"
NOW = datetime(2026, 12, 6, 4, 0, tzinfo=timezone.utc)
FROM = "Cluster planning <no-reply@cluster.example>"


def asked(**changes):
    return {"id": "reset-7f3a", "kind": "password_reset", "to": "somchai@sisaket.example",
            "name": "สมชาย ใจดี", "lang": "th", "link": LINK,
            "expires_at": (NOW + timedelta(hours=1)).isoformat(), "username": "somchai", **changes}


class Sink:
    def __init__(self, replies=()):
        self.replies, self.received = list(replies), []

    async def handle_DATA(self, server, session, envelope):
        if self.replies:
            return self.replies.pop(0)
        self.received.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp():
    with smtp_servers() as start:
        def start_sink(replies=()):
            sink = Sink(replies)
            return sink, start(sink)
        yield start_sink


@pytest.fixture
def store(backend):
    return backend.open("notify")


def no_secret_in(records):
    return [r.getMessage() for r in records if SECRET in r.getMessage()] == []


def test_one_mail_per_id_delivered_once_with_the_link_and_nothing_of_it_kept(store, smtp, caplog):
    sink, relay = smtp()
    caplog.set_level(logging.DEBUG)
    first = handlers.send_account_mail(store, asked(), "https://x", NOW)
    again = handlers.send_account_mail(store, asked(name="สมชาย", lang="en"), "https://x", NOW)
    assert first["queued"] is True and again["queued"] is False
    assert first["id"] == "reset-7f3a" and first["kind"] == "password_reset"
    assert first["message_id"] == again["message_id"]
    assert len(store.mails()) == 1 and store.mails()[0]["status"] == "pending"

    assert handlers.deliver_due(store, relay, FROM, NOW) == 1
    assert handlers.deliver_due(store, relay, FROM, NOW + timedelta(minutes=5)) == 0
    [message] = sink.received
    assert message["To"] == "somchai@sisaket.example"
    assert message["Message-ID"] == first["message_id"]
    assert LINK in message.get_body(("plain",)).get_content()
    assert f'href="{LINK}"' in message.get_body(("html",)).get_content()
    assert "Reset your password" in message["Subject"] and SECRET not in message["Subject"]

    # a third call after delivery: still nothing new, nothing sent again
    assert handlers.send_account_mail(store, asked(), "https://x", NOW)["queued"] is False
    assert handlers.deliver_due(store, relay, FROM, NOW + timedelta(minutes=10)) == 0
    assert len(sink.received) == 1

    [kept] = store.mails()
    assert kept["status"] == "sent" and kept["text"] == "" and kept["html"] == ""
    assert SECRET not in json.dumps(kept, ensure_ascii=False)
    assert no_secret_in(caplog.records)
    assert any("reset-7f3a" in r.getMessage() and "password_reset" in r.getMessage()
               for r in caplog.records)


def test_the_delivery_log_shows_to_whom_and_how_it_went_never_the_link(store, smtp):
    _, relay = smtp()
    for n, kind in enumerate(("password_reset", "invitation", "account_locked")):
        handlers.send_account_mail(store, asked(id=f"m-{n}", kind=kind), "https://x", NOW)
    pending = handlers.delivery_log(store, ("admin", None))
    assert {m["template"] for m in pending} == {"account_password_reset", "account_invitation",
                                                "account_locked"}
    for line in pending:
        assert "text" not in line and "html" not in line
        assert SECRET not in json.dumps(line, ensure_ascii=False)
        assert line["to_addr"] == "somchai@sisaket.example" and line["status"] == "pending"
    handlers.deliver_due(store, relay, FROM, NOW)
    sent = handlers.delivery_log(store, ("admin", None), status="sent",
                                 template="account_invitation")
    assert [m["event_id"] for m in sent] == ["m-1"]
    assert SECRET not in json.dumps(handlers.delivery_log(store, ("admin", None)), ensure_ascii=False)
    # a person's mail belongs to no agency: only the admin sees it in the log
    assert handlers.delivery_log(store, ("province", "TH-33")) == []
    assert handlers.delivery_log(store, ("osm", "northeast-lower-2")) == []


def test_a_link_reaching_a_shown_field_is_masked_in_the_log(store):
    handlers.send_account_mail(store, asked(), "https://x", NOW)
    [claimed] = store.claim_due(NOW, 300, "notify-test")
    store.retry_later(claimed, NOW, f"SMTP 451: 'greylisted {LINK}'")
    [line] = handlers.delivery_log(store, ("admin", None))
    assert SECRET not in line["last_error"] and "link hidden" in line["last_error"]


def test_a_transient_failure_keeps_the_body_for_the_retry_a_permanent_one_erases_it(store, smtp):
    sink, relay = smtp(["451 4.3.0 try again later", "550 5.1.1 no such mailbox"])
    handlers.send_account_mail(store, asked(), "https://x", NOW)
    assert handlers.deliver_due(store, relay, FROM, NOW) == 0
    [waiting] = store.mails()
    assert waiting["status"] == "pending" and LINK in waiting["text"]
    assert handlers.deliver_due(store, relay, FROM, NOW + timedelta(hours=1)) == 0
    [failed] = store.mails()
    assert failed["status"] == "failed" and "550" in failed["last_error"]
    assert failed["text"] == "" and failed["html"] == ""
    assert sink.received == []


def test_erasing_a_body_keeps_the_rest_of_the_log_line(store):
    handlers.send_account_mail(store, asked(), "https://x", NOW)
    [before] = store.mails()
    store.erase_body(before["mail_id"])
    [after] = store.mails()
    assert after == {**before, "text": "", "html": ""}

"""notify.send_account_mail as the gateway calls it: over the real broker (a fresh vhost) to the
notify service, delivered to a real SMTP server in the test process (aiosmtpd) - once per id,
with the link in the mail only: not in notify's logs, not in list_mails."""
import email
import json
import logging
from datetime import datetime, timedelta, timezone
from email import policy

import pytest
from aiosmtpd.controller import Controller
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcProxy

from services.contracts.errors import ServiceError
from services.notify.service import NotifyService
from tests.support.system import free_port, wait_until

SECRET = "Zq8-one-time-token-4f1c"
LINK = f"http://127.0.0.1:8000/account/set-password?token={SECRET}"
CALL_ERRORS = (RemoteError, ServiceError)  # the class itself once the gateway registered them


class Sink:
    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp_sink():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield sink, controller.port
    controller.stop()


def invitation(**changes):
    expires = datetime.now(timezone.utc) + timedelta(days=3)
    return {"id": "invite-somying-1", "kind": "invitation", "to": "somying@ubon.example",
            "name": "สมหญิง รักงาน", "lang": "en", "link": LINK,
            "expires_at": expires.isoformat(), "username": "somying", **changes}


def test_an_invitation_is_queued_once_per_id_and_delivered_once_with_its_link_kept_secret(
        container_factory, config_for, rabbit_config, smtp_sink, caplog):
    sink, port = smtp_sink
    caplog.set_level(logging.DEBUG)
    container_factory(NotifyService, config_for("notify", SMTP_URL=f"smtp://127.0.0.1:{port}")).start()
    with ClusterRpcProxy(rabbit_config, timeout=20) as rpc:
        first = rpc.notify.send_account_mail(invitation())
        again = rpc.notify.send_account_mail(invitation())  # the gateway retried: nothing new
        assert first["queued"] is True and again["queued"] is False
        assert first["message_id"] == again["message_id"]
        [message] = wait_until(lambda: sink.received, timeout=20, what="the invitation delivered")
        [line] = wait_until(lambda: rpc.notify.list_mails(status="sent",
                                                          template="account_invitation"),
                            what="the delivery log")
        # what the admin sees - and what GET /api/mails passes on - has no link and no body
        everything = json.dumps(rpc.notify.list_mails(), ensure_ascii=False)
        assert SECRET not in everything and "text" not in line and "html" not in line
        assert line["event_id"] == "invite-somying-1" and line["to_addr"] == "somying@ubon.example"
        assert line["agency"] is None and line["attempts"] == 1
        assert rpc.notify.list_mails(scope=["province", "TH-34"]) == []

        with pytest.raises(CALL_ERRORS) as caught:
            rpc.notify.send_account_mail(invitation(id="invite-2", link=f"ftp://x/?t={SECRET}"))
        error = caught.value
        kind = error.exc_type if isinstance(error, RemoteError) else type(error).__name__
        assert kind == "AccountMailError"
        assert "link: Not a valid URL" in str(error) and SECRET not in str(error)
        assert rpc.notify.send_account_mail(invitation(id="invite-somying-1"))["queued"] is False
    assert len(sink.received) == 1
    assert message["To"] == "somying@ubon.example" and message["Message-ID"] == first["message_id"]
    text = message.get_body(("plain",)).get_content()
    assert LINK in text and text.index("Dear") < text.index("เรียน")  # English first, Thai too
    assert "Username: somying" in text and "ชื่อผู้ใช้: somying" in text
    assert "tell your administrator" in text
    # every line notify, nameko, kombu logged (DEBUG) - not the SMTP server's own ("mail.log",
    # aiosmtpd in this test process, which logs each line of DATA it reads)
    logged = [r.getMessage() for r in caplog.records if not r.name.startswith("mail.log")]
    assert any("DATA readline" in r.getMessage() and "token" in r.getMessage()
               for r in caplog.records), "the SMTP server's own lines are not captured"
    assert not [m for m in logged if SECRET in m], "the link reached a log line"
    assert any("invite-somying-1" in m and "invitation" in m for m in logged)

"""No header injection: text that comes from outside - a report's reason, an indicator or project
name, an asset's description, an agency's name - with CR/LF and "Bcc: evil@…" in it can neither
add a header nor a recipient to a mail notify sends. Checked on the built email.message (parsed
back from its bytes, as a mail server reads it) and on the SMTP envelope smtplib would send."""
import copy
import email
import smtplib
from datetime import datetime, timezone
from email import policy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.notify import sender
from services.notify.domain import Recipient
from services.notify.mails import render
from services.notify.sender import PermanentFailure, Relay, build_message

from .test_notify_domain import PUBLIC_URL, off_target, rejected
from .test_transfer_mails import DIRECTORY, FACTS

NOW = datetime(2024, 4, 10, 3, 0, tzinfo=timezone.utc)
FROM = "Cluster planning <noreply@cluster-planning.example>"
TO = "strategy@sisaket.example"
EVIL = "Bcc: evil@attacker.example"
INJECTIONS = [f"x\r\n{EVIL}", f"x\n{EVIL}", f"x\r{EVIL}", f"x\r\n\r\n{EVIL}",
              f"x\u2028{EVIL}", f"x\x0b\x0c\x85{EVIL}", "x\r\nTo: evil@attacker.example",
              "x\r\nContent-Type: text/html\r\n\r\n<b>forged</b>",
              # RFC 2047 encoded words the email package would decode into CR/LF (gh-121650)
              "=?utf-8?q?=0D=0ABcc:_evil@attacker.example?=",
              "x =?utf-8?b?DQpCY2M6IGV2aWxAYXR0YWNrZXIuZXhhbXBsZQ==?= y"]
HEADERS = {"From", "To", "Subject", "Message-ID", "Date", "MIME-Version", "Content-Type"}
PART_HEADERS = {"Content-Type", "Content-Transfer-Encoding", "Content-Language", "MIME-Version"}


def as_received(message) -> email.message.EmailMessage:
    """The message as the SMTP server gets it, parsed as a mail client would."""
    return email.message_from_bytes(message.as_bytes(policy=policy.SMTP), policy=policy.default)


def assert_only_intended(mail_dict):
    message = build_message(mail_dict, FROM, NOW)
    received = as_received(message)
    assert set(received.keys()) == HEADERS, received.keys()
    assert [a.addr_spec for a in received["To"].addresses] == [mail_dict["to_addr"]]
    assert "\r" not in received["Subject"] and "\n" not in received["Subject"]
    parts = list(received.walk())
    assert [p.get_content_type() for p in parts] == ["multipart/alternative", "text/plain",
                                                     "text/html"]
    for part in parts[1:]:  # no forged header in a part either
        assert set(part.keys()) <= PART_HEADERS, part.keys()
    header_block = message.as_bytes(policy=policy.SMTP).split(b"\r\n\r\n", 1)[0]
    assert not any(line.lower().startswith((b"bcc:", b"cc:")) for line in header_block.split(b"\r\n"))
    return received


def mail_of(rendered) -> dict:
    return {"to_addr": rendered.to, "subject": rendered.subject, "text": rendered.text,
            "html": rendered.html, "message_id": rendered.message_id}


RECIPIENT = Recipient(TO, "ผู้ประสานงาน\r\nBcc: evil@attacker.example", "Focal\r\nCc: evil@x.example",
                      "th", "th-33-strategy")


@pytest.mark.parametrize("injection", INJECTIONS)
def test_report_text_in_a_rejection_stays_in_the_subject_line_and_the_body(injection):
    event = rejected(reason=f"unknown indicator {injection}")
    event["sender"] = event["province"] = f"TH-33{injection}"
    received = assert_only_intended(mail_of(render("report_rejected", event, RECIPIENT, PUBLIC_URL)))
    assert received["Subject"].startswith("[รายงานถูกปฏิเสธ / Report rejected] TH-33")
    assert "unknown indicator" in received.get_body(("plain",)).get_content()


@pytest.mark.parametrize("injection", INJECTIONS)
def test_plan_and_asset_names_cannot_add_headers(injection):
    hostile = off_target(indicator=f"NE2-1.1{injection}")
    hostile["indicator_name_th"] = hostile["indicator_name_en"] = injection
    assert_only_intended(mail_of(render("indicator_off_target", hostile, RECIPIENT, PUBLIC_URL)))

    fact = copy.deepcopy(FACTS["transfer_requested"])
    fact["asset"]["description_th"] = f"ศูนย์บริการ{injection}"
    fact["asset"]["code"] = f"A-1{injection}"
    directory = copy.deepcopy(DIRECTORY)
    for agency in directory["agencies"].values():
        agency["name_th"] = agency["name_en"] = f"อบจ.{injection}"
    mail = render("transfer_requested", fact, RECIPIENT, PUBLIC_URL, directory)
    assert_only_intended(mail_of(mail))


hostile_text = st.lists(st.one_of(st.text(max_size=20), st.sampled_from(
    ["\r", "\n", "\r\n", "\x0b", "\x0c", "\x85", "\u2028", "\u2029", ":", "Bcc: evil@x.example",
     "=?utf-8?q?=0D=0ABcc:_evil@x.example?=", "ก", "\t", "\r\n\r\n", "\x00"])),
    max_size=20).map(lambda parts: "".join(parts).encode("utf-8", "replace").decode("utf-8"))


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(subject=hostile_text, text=hostile_text, html=hostile_text)
def test_any_subject_or_body_text_gives_the_same_headers_and_one_recipient(subject, text, html):
    assert_only_intended({"to_addr": TO, "subject": subject, "text": text, "html": html,
                          "message_id": "<m-1@cluster-planning>"})


@pytest.mark.parametrize("address", [
    f"{TO}\r\nBcc: evil@attacker.example", f"{TO}\nBcc: evil@attacker.example",
    f"{TO}, evil@attacker.example", f"{TO};evil@attacker.example",
    f"Someone <{TO}>, evil@attacker.example", "undisclosed-recipients:;",
])
def test_an_address_that_is_not_exactly_one_mailbox_is_never_sent(address, monkeypatch):
    mail = {"to_addr": address, "subject": "s", "text": "t", "html": "<p>h</p>",
            "message_id": "<m-1@cluster-planning>"}
    with pytest.raises(ValueError):
        build_message(mail, FROM, NOW)

    def no_connection(*args, **kwargs):
        raise AssertionError("no SMTP connection may be opened for it")
    monkeypatch.setattr(smtplib, "SMTP", no_connection)
    with pytest.raises(PermanentFailure, match="cannot build the message"):
        sender.send(mail, Relay("127.0.0.1", 25), FROM, NOW)


class RecordingSMTP(smtplib.SMTP):
    """smtplib as it is, stopped where it would talk to a server: records the envelope."""
    envelopes: list = []

    def __init__(self, *args, **kwargs):
        super().__init__()  # no connection

    def ehlo_or_helo_if_needed(self):
        pass

    def sendmail(self, from_addr, to_addrs, msg, mail_options=(), rcpt_options=()):
        RecordingSMTP.envelopes.append((from_addr, list(to_addrs), msg))
        return {}

    def quit(self):
        return 221, b"Bye"

    def close(self):
        pass


@pytest.mark.parametrize("injection", INJECTIONS)
def test_the_smtp_envelope_names_only_the_intended_recipient(injection, monkeypatch):
    RecordingSMTP.envelopes = []
    monkeypatch.setattr(smtplib, "SMTP", RecordingSMTP)
    event = rejected(reason=f"unknown indicator {injection}")
    sender.send(mail_of(render("report_rejected", event, RECIPIENT, PUBLIC_URL)),
                Relay("127.0.0.1", 25), FROM, NOW)
    [(from_addr, to_addrs, data)] = RecordingSMTP.envelopes
    assert to_addrs == [TO]
    assert from_addr == "noreply@cluster-planning.example"
    assert b"\r\nBcc:" not in data.split(b"\r\n\r\n", 1)[0]

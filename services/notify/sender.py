"""SMTP delivery with bounded, jittered retries.

Guarantee: a mail is queued once per (event, template, recipient); it is handed to SMTP until the
server accepts it, so a crash after the server accepted and before we recorded it can send it
again - with the same Message-ID, which mail clients and archives use to spot the duplicate.
"""
from __future__ import annotations

import logging
import random
import smtplib
import socket
import ssl
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import unquote, urlsplit
from email.message import EmailMessage
from email.utils import format_datetime

# A transient failure (the server away, 4xx) is retried for this long after the mail was queued:
# an SMTP outage over a night or a weekend delays mail, it does not lose it.
RETRY_FOR = timedelta(hours=72)
BASE_DELAY_S = 2.0
MAX_DELAY_S = 600.0
log = logging.getLogger(__name__)


class PermanentFailure(Exception):
    pass


@dataclass(frozen=True)
class Relay:
    """Where mail is handed over: ``smtp://host:25`` (plain, the local sink),
    ``smtp+starttls://user:password@host:587`` or ``smtps://user:password@host:465`` (TLS)."""
    host: str
    port: int
    security: str = "none"  # none | starttls | ssl
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 15.0  # seconds for each SMTP operation (SMTP_TIMEOUT)

    def __str__(self):  # never the password (logs)
        who = f"{self.username}@" if self.username else ""
        return f"{self.security}:{who}{self.host}:{self.port}"


SCHEMES = {"smtp": ("none", 25), "smtp+starttls": ("starttls", 587), "smtps": ("ssl", 465)}


def parse_relay(url: str) -> Relay:
    """SMTP_URL as a Relay; ValueError saying what is wrong (the password is never quoted)."""
    parts = urlsplit(url or "")
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise ValueError(f"SMTP_URL must look like smtp://host:25, smtp+starttls://user:password"
                         f"@host:587 or smtps://user:password@host:465 (got scheme "
                         f"{parts.scheme or 'none'!r})")
    security, default_port = SCHEMES[parts.scheme]
    try:
        port = parts.port or default_port
    except ValueError:
        raise ValueError("SMTP_URL has an invalid port") from None
    if parts.username and parts.password is None:
        raise ValueError("SMTP_URL names a user but no password (user:password@host)")
    return Relay(parts.hostname, port, security, unquote(parts.username) if parts.username else None,
                 unquote(parts.password) if parts.password else None)


class TransientFailure(Exception):
    pass


def build_message(mail: dict, sender: str, now: datetime) -> EmailMessage:
    """The message of one mail to one address. Text from reports, plans and assets reaches only
    the Subject (on one line: every run of whitespace, CR and LF included, becomes a space) and
    the body; an address that is not exactly one mailbox is refused (ValueError), never sent."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = mail["to_addr"]  # the email package itself refuses CR/LF in a header value
    if len(msg["To"].addresses) != 1 or msg["To"].addresses[0].addr_spec != mail["to_addr"].strip():
        raise ValueError(f"the recipient {mail['to_addr']!r} is not exactly one address")
    subject = " ".join(mail["subject"].split())  # no CR/LF from report text in a header
    msg["Subject"] = subject
    if str(msg["Subject"]) != subject:
        # The email package decoded an RFC 2047 encoded word in the text ("=?utf-8?q?=0D=0ABcc:…?=")
        # and would write what it decodes to - CR/LF included - raw into the header (CPython
        # gh-121650, fixed only in later releases): keep the text as written, defanged.
        del msg["Subject"]
        msg["Subject"] = subject.replace("=?", "= ?")
    msg["Message-ID"] = mail["message_id"]
    msg["Date"] = format_datetime(now)
    msg["Content-Language"] = "th, en"
    msg.set_content(mail["text"], charset="utf-8")
    msg.add_alternative(mail["html"], subtype="html", charset="utf-8")
    return msg


def send(mail: dict, relay: Relay, sender: str, now: datetime) -> None:
    """Hand one mail to SMTP; raises TransientFailure or PermanentFailure. Once the server has
    answered the message with 250 the mail is delivered: whatever QUIT or closing the connection
    does afterwards is logged, never raised - raising would send it again or mark it failed."""
    try:
        message = build_message(mail, sender, now)
    except (ValueError, TypeError) as exc:  # an address or header no retry will make valid
        raise PermanentFailure(f"cannot build the message: {exc}") from None
    with _classified():
        if relay.security == "ssl":
            smtp = smtplib.SMTP_SSL(relay.host, relay.port, timeout=relay.timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(relay.host, relay.port, timeout=relay.timeout)
    try:
        with _classified():
            if relay.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if relay.username:
                smtp.login(relay.username, relay.password)
            # The envelope names the one intended recipient, whatever the headers say.
            smtp.send_message(message, to_addrs=[mail["to_addr"]])
    finally:
        _quit_quietly(smtp, mail)


def _quit_quietly(smtp: smtplib.SMTP, mail: dict) -> None:
    """QUIT in its own try: a reply other than 221, or a connection gone, changes nothing about
    what the server accepted or refused before it."""
    try:
        code, text = smtp.quit()
        if code != 221:
            log.info("mail %s: the server answered QUIT with %s %r", mail["mail_id"], code, text)
    except (OSError, smtplib.SMTPException) as exc:
        log.info("mail %s: QUIT failed (%s: %s)", mail["mail_id"], type(exc).__name__, exc)
    finally:
        smtp.close()


@contextmanager
def _classified():
    """SMTP errors as PermanentFailure (5xx) or TransientFailure (4xx, network, timeouts)."""
    try:
        yield
    except smtplib.SMTPResponseException as exc:  # login refused (535) is one: a 5xx, permanent
        text = f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"
        if 500 <= exc.smtp_code < 600:
            raise PermanentFailure(text) from None
        raise TransientFailure(text) from None
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        if all(500 <= c < 600 for c in codes):
            raise PermanentFailure(f"recipient refused: {exc.recipients}") from None
        raise TransientFailure(f"recipient refused for now: {exc.recipients}") from None
    except (OSError, socket.timeout, smtplib.SMTPException) as exc:
        raise TransientFailure(f"{type(exc).__name__}: {exc}") from None


# A send is at most about a dozen SMTP operations (connect, greeting, EHLO, STARTTLS and EHLO
# again, AUTH, MAIL, RCPT, DATA, the message, QUIT), each bounded by the relay's timeout: a lease
# of twenty of them outlasts any send, so no other replica takes over a mail in hand.
OPERATIONS_PER_LEASE = 20


def lease_seconds(relay: Relay) -> float:
    """How long a sender keeps the one mail it is handing to ``relay``."""
    return relay.timeout * OPERATIONS_PER_LEASE


def next_attempt(now: datetime, attempts: int, rng: random.Random = random) -> datetime:
    """Exponential backoff with full jitter."""
    ceiling = min(MAX_DELAY_S, BASE_DELAY_S * 2 ** max(0, attempts - 1))
    return now + timedelta(seconds=rng.uniform(ceiling / 2, ceiling))

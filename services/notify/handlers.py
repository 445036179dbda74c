"""Notify's use cases, called by the entrypoints in service.py."""
from __future__ import annotations

import logging
import os
import re
import socket
import time
from datetime import datetime, timezone

from services.contracts import access, events
from services.contracts.errors import (  # raised to RPC callers
    AccountMailError, PreferenceForbidden, RuleError, UnknownAgency)
from services.infra.metrics import MAILS

from . import domain, schemas, sender
from .mails import ACCOUNT_TEMPLATES, render, render_account, render_digest

log = logging.getLogger(__name__)

RULES = "rules"


def rules(store) -> dict:
    """The routing rules in force: the defaults with the admin's changes over them."""
    return {**domain.DEFAULT_RULES, **(store.get_meta(RULES) or {})}


def set_rules(store, raw: dict) -> dict:
    try:
        changes = schemas.rules(raw)
    except ValueError as exc:
        raise RuleError(str(exc)) from None
    store.set_meta(RULES, {**(store.get_meta(RULES) or {}), **changes})
    return rules(store)


def learn_directory(store, payload: dict) -> None:
    plan = events.load(events.PLAN_PUBLISHED, payload)["plan"]  # invalid: raises, then parked
    store.save_directory(plan["id"], plan["version"], plan["cluster"], plan["provinces"],
                         plan["agencies"])


def queue_mail(store, template: str, payload: dict, public_url: str,
               now: datetime | None = None) -> int:
    """Mails for the fact ``template`` (an event name; its mail template has the same name).
    The payload is loaded through the event registry: one that fails its schema raises, so the
    delivery is retried and then parked, never dropped."""
    payload = events.load(events.named(template), payload)
    directory = store.directory()
    recipients = domain.recipients(template, payload, directory, rules(store))
    if not recipients:
        log.warning("%s %s: nobody to tell (no contact on file)", template, payload["event_id"])
    now = now or datetime.now(timezone.utc)
    preferences = store.get_meta(PREFERENCES) or {}
    immediate, held = [], []
    for recipient in recipients:
        preference = preferences.get(recipient.agency or "", domain.DEFAULT_PREFERENCE)
        if template in preference["muted"]:
            log.info("%s %s: %s opted out", template, payload["event_id"], recipient.agency)
            continue
        mail = render(template, payload, recipient, public_url, directory)
        (held if preference["delivery"] == "daily_digest" else immediate).append(mail)
    queued = store.enqueue(immediate, now) + store.enqueue(held, now, status="held")
    log.info("%s: %d new mail(s) for %d recipient(s)", template, queued, len(recipients))
    return queued


# An account mail carries a one-time link (a secret): its body is never logged, never shown in
# the delivery log, and erased from the outbox once it is sent or given up.
SECRET_TEMPLATES = frozenset(ACCOUNT_TEMPLATES.values())


def send_account_mail(store, raw: dict, public_url: str, now: datetime | None = None) -> dict:
    """Queue a password reset, an invitation or an account-locked notice, once per ``id``: a
    second call with the same id queues nothing. It goes out at once (no digest, no muting:
    the person is waiting for it) through the same outbox, retries and log as every mail."""
    try:
        mail = schemas.account_mail(raw)
    except ValueError as exc:
        raise AccountMailError(f"จดหมายบัญชีผู้ใช้ไม่ถูกต้อง / invalid account mail: {exc}") from None
    rendered = render_account(mail, public_url)
    queued = store.enqueue([rendered], now or datetime.now(timezone.utc))
    # the id and kind only: never the link, and no address either (personal data)
    log.info("account mail %s (%s): %s", mail["id"], mail["kind"],
             "queued" if queued else "queued before, nothing new")
    return {"id": mail["id"], "kind": mail["kind"], "queued": bool(queued),
            "message_id": rendered.message_id}


PREFERENCES = "preferences"


def preferences(store, scope: tuple[str, str | None]) -> dict:
    """Each agency's delivery preference the asker may see (defaults for the others)."""
    visible = _agencies_in_scope(store, scope)
    kept = store.get_meta(PREFERENCES) or {}
    return {code: kept.get(code, domain.DEFAULT_PREFERENCE) for code in sorted(visible)}


def set_preference(store, scope: tuple[str, str | None], agency: str, raw: dict) -> dict:
    """Only the agency itself, its cluster's OSM or the admin changes how it is mailed (a
    province key sees its province's agencies' preferences, but changes none)."""
    agencies = store.directory()["agencies"]
    if agency not in agencies:
        raise UnknownAgency(f"unknown agency {agency!r}")
    role, code = scope[0], scope[1]
    if not access.can_change_agency_mail(access.Who(role, code), agency, agencies[agency]):
        raise PreferenceForbidden(f"{role} {code or ''} may not change {agency}'s "
                                  "preferences; the agency itself, its cluster's OSM or the admin may")
    try:
        preference = schemas.preference(raw)
    except ValueError as exc:
        raise RuleError(str(exc)) from None
    kept = store.get_meta(PREFERENCES) or {}
    kept[agency] = preference
    store.set_meta(PREFERENCES, kept)
    return preference


def _agencies_in_scope(store, scope) -> list[str]:
    who = access.Who(*scope[:3])
    return [a for a, info in store.directory()["agencies"].items()
            if access.sees_agency(who, a, info)]


def send_digests(store, public_url: str, now: datetime | None = None) -> int:
    """Once a day from DIGEST_HOUR (Bangkok): one mail per address gathering its held mails."""
    now = now or datetime.now(timezone.utc)
    local = now.astimezone(domain.BANGKOK)
    if local.hour < domain.DIGEST_HOUR or store.get_meta("digest_day") == local.date().isoformat():
        return 0
    made = make_digests(store, public_url, local.date(), now)
    store.set_meta("digest_day", local.date().isoformat())
    return made


def make_digests(store, public_url: str, day, now: datetime) -> int:
    """One digest per address gathering every mail held for it; returns how many were made."""
    held = store.mails(status="held", limit=100000)
    by_address: dict[str, list[dict]] = {}
    for mail in held:
        by_address.setdefault(mail["to_addr"].lower(), []).append(mail)
    agencies = store.directory()["agencies"]
    made = 0
    for address, mails in sorted(by_address.items()):
        info = agencies.get(mails[0].get("agency") or "", {})
        recipient = domain.Recipient(mails[0]["to_addr"], info.get("name_th", address),
                                     info.get("name_en", address), info.get("language", "th"),
                                     mails[0].get("agency"))
        digest = render_digest(recipient, mails, day, public_url)
        made += store.digest(digest, [m["mail_id"] for m in mails], now)
    return made


def deliver_due(store, relay: sender.Relay, from_addr: str, now: datetime | None = None,
                holder: str | None = None, limit: int = 50) -> int:
    """Send up to ``limit`` due mails; returns how many the SMTP server accepted. Each mail is
    claimed just before it is handed to SMTP, under a lease longer than a send can last
    (sender.lease_seconds): another replica never takes a mail in hand, and a mail it took
    over (this process stalled past the lease) is never sent from here. ``now`` fixes the
    clock (tests); by default each claim reads it."""
    holder = holder or default_holder()
    delivered = 0
    for _ in range(limit):
        moment = now or datetime.now(timezone.utc)
        claimed = store.claim_due(moment, sender.lease_seconds(relay), holder, limit=1)
        if not claimed:
            break
        delivered += _deliver(store, claimed[0], relay, from_addr, moment)
    return delivered


def default_holder() -> str:
    """Who holds a lease: this host and process (shown in the delivery log)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _deliver(store, mail: dict, relay: sender.Relay, from_addr: str, now: datetime) -> int:
    """Hand one claimed mail to SMTP and record the outcome under its lease; 1 when accepted."""
    started = time.monotonic()
    try:
        sender.send(mail, relay, from_addr, now)
    except sender.PermanentFailure as exc:
        log.error("mail %s to %s failed for good: %s", mail["mail_id"], mail["to_addr"], exc)
        recorded, outcome = store.mark_failed(mail, str(exc)), "failed"
    except Exception as exc:  # transient, or unexpected: retried for RETRY_FOR
        log.warning("mail %s to %s not sent (attempt %d): %s", mail["mail_id"],
                    mail["to_addr"], mail["attempts"], exc)
        if now - datetime.fromisoformat(mail["created_at"]) >= sender.RETRY_FOR:
            recorded, outcome = store.mark_failed(
                mail, f"gave up after {mail['attempts']} attempts over "
                      f"{sender.RETRY_FOR.total_seconds() / 3600:.0f} h: {exc}"), "failed"
        else:
            recorded, outcome = store.retry_later(
                mail, sender.next_attempt(now, mail["attempts"]), str(exc)), "retried"
    else:
        recorded, outcome = store.mark_sent(mail, datetime.now(timezone.utc)), "sent"
    MAILS.labels(outcome).inc()
    if not recorded:
        # Only when this process stalled longer than the lease: another sender claimed the mail
        # meanwhile, and its outcome is the one kept.
        log.error("mail %s: outcome %s not recorded - its lease (attempt %d, %s) was taken over "
                  "after %.0f s; the other sender's outcome stands", mail["mail_id"], outcome,
                  mail["attempts"], mail["lease_holder"], time.monotonic() - started)
    if recorded and outcome != "retried" and mail["template"] in SECRET_TEMPLATES:
        store.erase_body(mail["mail_id"])  # sent or failed for good: no attempt needs the body
    return 1 if outcome == "sent" else 0


def delivery_log(store, scope: tuple[str, str | None], status: str | None = None,
                 agency: str | None = None, template: str | None = None, limit: int = 500) -> list[dict]:
    """Mails as queued and delivered, newest first, for the asker's scope: the admin sees all,
    an OSM its cluster's agencies, a province its province's agencies, an agency its own."""
    who = access.Who(*scope[:3])
    directory = store.directory()["agencies"]
    allowed = None if access.is_admin(who) else [
        a for a, info in directory.items() if access.sees_agency(who, a, info)]
    if agency:
        if allowed is not None and agency not in allowed:
            return []
        allowed = [agency]
    return [_log_line(m) for m in store.mails(status, limit, allowed, template)]


LOG_HIDDEN = ("text", "html")  # bodies: the log says what was sent to whom, not what it said


def _log_line(mail: dict) -> dict:
    """A mail as the delivery log shows it: never a body. An account mail's subject is built by
    render_account without its link; should a link ever reach a shown field, it is masked."""
    line = {k: v for k, v in mail.items() if k not in LOG_HIDDEN}
    if mail["template"] in SECRET_TEMPLATES:
        line["subject"] = _no_links(line["subject"])
        line["last_error"] = _no_links(line["last_error"]) if line.get("last_error") else None
    return line


_URL = re.compile(r"https?://\S+", re.I)


def _no_links(text: str) -> str:
    return _URL.sub("[ลิงก์ถูกซ่อน / link hidden]", text)

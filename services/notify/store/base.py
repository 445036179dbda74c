"""Notify store: the recipient directory and the mail outbox - the interface (domain verbs) and
what both adapters (sqlite.py, mongo.py) share."""
from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime, timezone

from services.infra.meta import KeepsMeta

from ..domain import Mail

MAIL_FIELDS = ("mail_id", "event_id", "template", "to_addr", "subject", "text", "html",
               "message_id", "status", "attempts", "next_attempt_at", "lease_until",
               "last_error", "created_at", "sent_at", "agency", "lease_holder")


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _new_mail(mail: Mail, now: datetime, status: str = "pending") -> dict:
    return {"mail_id": mail.mail_id, "event_id": mail.event_id, "template": mail.template,
            "to_addr": mail.to, "subject": mail.subject, "text": mail.text, "html": mail.html,
            "message_id": mail.message_id, "status": status, "attempts": 0,
            "next_attempt_at": _iso(now), "lease_until": _iso(now), "last_error": None,
            "created_at": _iso(now), "sent_at": None, "agency": mail.agency, "lease_holder": None}


def _directory(plans: list[dict]) -> dict:
    agencies, province_cluster = {}, {}
    for plan in plans:
        for province in plan["provinces"]:
            province_cluster[province] = plan["cluster"]
        for agency in plan["agencies"]:
            agencies[agency["code"]] = {**agency, "cluster": plan["cluster"]}
    return {"agencies": agencies, "province_cluster": province_cluster}


class NotifyStore(KeepsMeta, ABC):
    @abstractmethod
    def save_directory(self, plan_id: str, version: int, cluster: str, provinces: list[str],
                       agencies: list[dict]) -> None:
        """Keep a plan's agencies and provinces (a newer plan version replaces an older one)."""

    @abstractmethod
    def directory(self) -> dict:
        """``{"agencies": {code: agency}, "province_cluster": {province: cluster}}``."""

    @abstractmethod
    def enqueue(self, mails: list[Mail], now: datetime, status: str = "pending") -> int:
        """Queue mails; one whose mail_id is queued already is ignored. Returns how many new.
        ``status="held"`` keeps them for the recipient's daily digest instead of sending."""

    @abstractmethod
    def digest(self, digest: Mail, held_ids: list[str], now: datetime) -> bool:
        """Queue a digest and mark the held mails it gathers as ``in_digest`` together (a
        digest queued before under the same mail_id changes nothing); True when new."""

    @abstractmethod
    def claim_due(self, now: datetime, lease_seconds: float, holder: str,
                  limit: int = 50) -> list[dict]:
        """Pending mails due now, leased to ``holder`` until ``now + lease_seconds`` so no other
        sender takes them meanwhile. Each claim adds one to ``attempts``: the pair (attempts,
        lease_holder) of a claimed mail is its lease, and a later claim - another sender's,
        once this lease has lapsed - makes it stale (the fencing token)."""

    # The three outcomes below change a mail only under the lease they name (``claimed`` is the
    # mail as claim_due returned it): True when recorded, False when the mail was claimed again
    # since (or is no longer pending) - that sender's outcome is the one that counts.

    @abstractmethod
    def mark_sent(self, claimed: dict, now: datetime) -> bool: ...

    @abstractmethod
    def retry_later(self, claimed: dict, at: datetime, error: str) -> bool: ...

    @abstractmethod
    def mark_failed(self, claimed: dict, error: str) -> bool: ...

    @abstractmethod
    def erase_body(self, mail_id: str) -> None:
        """Forget a mail's text and HTML (kept empty), the rest of its log line kept: an account
        mail's one-time link, once sent or given up, is no longer kept at rest."""

    @abstractmethod
    def mails(self, status: str | None = None, limit: int = 500,
              agencies: list[str] | None = None, template: str | None = None) -> list[dict]:
        """The delivery log, newest first; ``agencies`` None means every recipient."""

    @abstractmethod
    def status_counts(self) -> dict[str, int]:
        """How many mails are in each status (monitoring)."""

    @abstractmethod
    def delete_mails(self, event_ids: list[str]) -> int:
        """Forget the mails of these events, whatever their status (a pending one is then never
        sent); how many. Only for sample data (clusterctl sample remove)."""

    @abstractmethod
    def close(self) -> None: ...

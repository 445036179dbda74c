"""Notify's use cases, called by the entrypoints in service.py."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from marshmallow import ValidationError

from services.contracts.events import (AuditDue, IndicatorOffTarget, IndicatorOffTargetAtClose,
                                       PlanPublished, ProjectBehindSchedule, ProjectChange,
                                       ReportDue, ReportRejected, TargetRevised, TransferStep)
from services.contracts.topology import TRANSFER_STEPS
from services.contracts.reports import describe_errors

from . import domain, sender

log = logging.getLogger(__name__)

ROUTES = {
    "report_rejected": (ReportRejected, domain.recipients_in_province),
    "indicator_off_target": (IndicatorOffTarget, domain.recipients_for_off_target),
    "indicator_off_target_at_close": (IndicatorOffTargetAtClose, domain.recipients_for_off_target),
    "project_behind_schedule": (ProjectBehindSchedule, domain.recipients_for_project_change),
    "report_due_soon": (ReportDue, domain.recipients_in_province),
    "report_overdue": (ReportDue, domain.recipients_in_province),
    "target_revised": (TargetRevised, domain.recipients_for_target_revision),
    "project_registered": (ProjectChange, domain.recipients_for_project_change),
    "project_changed": (ProjectChange, domain.recipients_for_project_change),
    "project_cancelled": (ProjectChange, domain.recipients_for_project_change),
    **{step[1]: (TransferStep, domain.recipients_for_transfer) for step in TRANSFER_STEPS},
    "audit_due": (AuditDue, domain.recipients_for_audit),
}


def learn_directory(store, payload: dict) -> None:
    try:
        plan = PlanPublished().load(payload)["plan"]
    except ValidationError as exc:
        raise ValueError(f"plan_published event is invalid: {describe_errors(exc.messages)}") from None
    store.save_directory(plan["id"], plan["version"], plan["cluster"], plan["provinces"],
                         plan["agencies"])


def queue_mail(store, template: str, payload: dict, public_url: str,
               now: datetime | None = None) -> int:
    schema, route = ROUTES[template]
    try:
        schema().load(payload)
    except ValidationError as exc:
        raise ValueError(f"{template} event is invalid: {describe_errors(exc.messages)}") from None
    directory = store.directory()
    recipients = route(payload, directory)
    if not recipients:
        log.warning("%s %s: nobody to tell (no contact on file)", template, payload["event_id"])
    mails = [domain.render(template, payload, r, public_url, directory) for r in recipients]
    return store.enqueue(mails, now or datetime.now(timezone.utc))


def deliver_due(store, host: str, port: int, from_addr: str, now: datetime | None = None) -> int:
    """Send what is due; returns how many the SMTP server accepted."""
    now = now or datetime.now(timezone.utc)
    delivered = 0
    for mail in store.claim_due(now, lease_seconds=120):
        try:
            sender.send(mail, host, port, from_addr, now)
        except sender.PermanentFailure as exc:
            log.error("mail %s to %s failed for good: %s", mail["mail_id"], mail["to_addr"], exc)
            store.mark_failed(mail["mail_id"], str(exc))
        except Exception as exc:  # transient, or unexpected: retried, but only so many times
            log.warning("mail %s to %s not sent (attempt %d): %s", mail["mail_id"],
                        mail["to_addr"], mail["attempts"], exc)
            if mail["attempts"] >= sender.MAX_ATTEMPTS:
                store.mark_failed(mail["mail_id"], f"gave up after {mail['attempts']} attempts: {exc}")
            else:
                store.retry_later(mail["mail_id"], sender.next_attempt(now, mail["attempts"]), str(exc))
        else:
            store.mark_sent(mail["mail_id"], datetime.now(timezone.utc))
            delivered += 1
    return delivered

"""notify: turns events into e-mails for the right recipients, exactly once (entrypoints only)."""
from __future__ import annotations

from dataclasses import replace

from nameko.rpc import rpc
from nameko.timer import timer

from services.infra.base import BusServiceBase
from services.infra import topology
from services.infra.messaging import on_event
from services.infra.storage import Storage

from . import handlers, sender
from .store import open_store


def _mail_on(event: tuple[str, str]):
    """An entrypoint that turns ``event`` into mails with the template of the same name."""
    @on_event(*event)
    def handle(self, payload):
        handlers.queue_mail(self.store, event[1], payload, self._public_url)
    return handle


class NotifyService(BusServiceBase):
    name = "notify"

    store = Storage(open_store)

    @property
    def _relay(self):
        """SMTP_URL (smtp://, smtp+starttls://, smtps://), else SMTP_HOST and SMTP_PORT; each
        SMTP operation waits at most SMTP_TIMEOUT seconds (and the lease lasts twenty)."""
        url = self.config.get("SMTP_URL") or \
            f"smtp://{self.config.get('SMTP_HOST', '127.0.0.1')}:{self.config.get('SMTP_PORT', 8025)}"
        return replace(sender.parse_relay(url), timeout=float(self.config.get("SMTP_TIMEOUT", 15)))

    @property
    def _public_url(self):
        return self.config.get("PUBLIC_URL", "http://127.0.0.1:8000")

    @on_event(*topology.PLAN_PUBLISHED)
    def on_plan_published(self, payload):
        handlers.learn_directory(self.store, payload)

    # One mail template per fact; the template is named after the event type.
    on_report_rejected = _mail_on(topology.REPORT_REJECTED)
    on_indicator_off_target = _mail_on(topology.INDICATOR_OFF_TARGET)
    on_indicator_off_target_at_close = _mail_on(topology.INDICATOR_OFF_TARGET_AT_CLOSE)
    on_project_behind_schedule = _mail_on(topology.PROJECT_BEHIND_SCHEDULE)
    on_report_due_soon = _mail_on(topology.REPORT_DUE_SOON)
    on_report_overdue = _mail_on(topology.REPORT_OVERDUE)
    on_target_revised = _mail_on(topology.TARGET_REVISED)
    on_project_registered = _mail_on(topology.PROJECT_REGISTERED)
    on_project_changed = _mail_on(topology.PROJECT_CHANGED)
    on_project_cancelled = _mail_on(topology.PROJECT_CANCELLED)
    on_report_flagged = _mail_on(topology.REPORT_FLAGGED)
    on_correction_requested = _mail_on(topology.CORRECTION_REQUESTED)
    on_remedy_overdue = _mail_on(topology.REMEDY_OVERDUE)
    on_period_approval_changed = _mail_on(topology.PERIOD_APPROVAL_CHANGED)
    on_period_approval_waiting = _mail_on(topology.PERIOD_APPROVAL_WAITING)

    # the transfer of an asset, step by step, and audits due
    on_transfer_requested = _mail_on(topology.TRANSFER_REQUESTED)
    on_transfer_approved = _mail_on(topology.TRANSFER_APPROVED)
    on_transfer_handed_over = _mail_on(topology.TRANSFER_HANDED_OVER)
    on_transfer_accepted = _mail_on(topology.TRANSFER_ACCEPTED)
    on_transfer_rejected = _mail_on(topology.TRANSFER_REJECTED)
    on_transfer_cancelled = _mail_on(topology.TRANSFER_CANCELLED)
    on_transfer_overdue = _mail_on(topology.TRANSFER_OVERDUE)
    on_audit_due = _mail_on(topology.AUDIT_DUE)
    on_asset_disposed = _mail_on(topology.ASSET_DISPOSED)

    @timer(interval=1, eager=True)
    def deliver(self):
        handlers.deliver_due(self.store, self._relay,
                             self.config.get("MAIL_FROM",
                                             "Cluster planning <no-reply@cluster-planning.local>"))

    @rpc
    def health(self):
        self.store.mails(limit=1)
        return "ok"

    @rpc
    def directory_provinces(self):
        """Provinces whose contacts notify knows (from the plans it has learned)."""
        return sorted(self.store.directory()["province_cluster"])

    @timer(interval=300, eager=True)
    def digests(self):
        """The daily digests of those who asked for them (once a day, from 08:00 Bangkok)."""
        handlers.send_digests(self.store, self._public_url)

    @rpc
    def preferences(self, scope):
        return handlers.preferences(self.store, tuple(scope))

    @rpc
    def set_preference(self, scope, agency, raw):
        return handlers.set_preference(self.store, tuple(scope), agency, raw)

    @rpc
    def forget_mails(self, event_ids):
        """The mail of these facts out of the outbox and the log (clusterctl sample remove)."""
        return self.store.delete_mails([str(e) for e in event_ids])

    @rpc
    def mail_counts(self):
        return self.store.status_counts()

    @rpc
    def rules(self):
        return handlers.rules(self.store)

    @rpc
    def set_rules(self, raw):
        return handlers.set_rules(self.store, raw)

    @rpc
    def send_account_mail(self, mail):
        """A password reset, an invitation or an account-locked notice (the gateway's accounts):
        ``mail`` is {"id", "kind", "to", "name", "lang", "link", "expires_at", "username"}
        (schemas.AccountMailSchema). Queued once per id; AccountMailError when it is invalid.
        Returns {"id", "kind", "queued": False when that id was queued before, "message_id"}."""
        return handlers.send_account_mail(self.store, mail, self._public_url)

    @rpc
    def list_mails(self, status=None, limit=500, scope=("admin", None), agency=None,
                   template=None):
        """The delivery log (without bodies) as the asker may see it."""
        return handlers.delivery_log(self.store, tuple(scope), status, agency, template, limit)

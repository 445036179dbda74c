"""notify: turns events into e-mails for the right recipients, exactly once (entrypoints only)."""
from __future__ import annotations

from nameko.dependency_providers import Config
from nameko.rpc import rpc
from nameko.timer import timer

from services.contracts import topology
from services.infra.messaging import Topology, on_event
from services.infra.storage import Storage

from . import handlers
from .store import open_store


class NotifyService:
    name = "notify"

    amqp_topology = Topology()  # declares every queue before anything is consumed or published
    store = Storage(open_store)
    config = Config()

    @property
    def _public_url(self):
        return self.config.get("PUBLIC_URL", "http://127.0.0.1:8000")

    @on_event(*topology.PLAN_PUBLISHED)
    def on_plan_published(self, payload):
        handlers.learn_directory(self.store, payload)

    @on_event(*topology.REPORT_REJECTED)
    def on_report_rejected(self, payload):
        handlers.queue_mail(self.store, "report_rejected", payload, self._public_url)

    @on_event(*topology.INDICATOR_OFF_TARGET)
    def on_indicator_off_target(self, payload):
        handlers.queue_mail(self.store, "indicator_off_target", payload, self._public_url)

    @on_event(*topology.REPORT_DUE_SOON)
    def on_report_due_soon(self, payload):
        handlers.queue_mail(self.store, "report_due_soon", payload, self._public_url)

    @on_event(*topology.REPORT_OVERDUE)
    def on_report_overdue(self, payload):
        handlers.queue_mail(self.store, "report_overdue", payload, self._public_url)

    @on_event(*topology.TARGET_REVISED)
    def on_target_revised(self, payload):
        handlers.queue_mail(self.store, "target_revised", payload, self._public_url)

    @on_event(*topology.PROJECT_REGISTERED)
    def on_project_registered(self, payload):
        handlers.queue_mail(self.store, "project_registered", payload, self._public_url)

    @on_event(*topology.PROJECT_CHANGED)
    def on_project_changed(self, payload):
        handlers.queue_mail(self.store, "project_changed", payload, self._public_url)

    @on_event(*topology.PROJECT_CANCELLED)
    def on_project_cancelled(self, payload):
        handlers.queue_mail(self.store, "project_cancelled", payload, self._public_url)

    @timer(interval=1, eager=True)
    def deliver(self):
        config = self.config
        handlers.deliver_due(self.store, config.get("SMTP_HOST", "127.0.0.1"),
                             int(config.get("SMTP_PORT", 8025)),
                             config.get("MAIL_FROM", "Cluster planning <no-reply@cluster-planning.local>"))

    @rpc
    def health(self):
        self.store.mails(limit=1)
        return "ok"

    @rpc
    def directory_provinces(self):
        """Provinces whose contacts notify knows (from the plans it has learned)."""
        return sorted(self.store.directory()["province_cluster"])

    @rpc
    def list_mails(self, status=None, limit=500):
        return [{k: v for k, v in m.items() if k not in ("text", "html")}
                for m in self.store.mails(status, limit)]

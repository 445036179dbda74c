"""assets: the registry of what cluster projects produce, and its transfer to the agencies that
will own and maintain it (entrypoints only)."""
from __future__ import annotations

import base64

from nameko.rpc import rpc
from nameko.timer import timer

from services.infra.base import OutboxServiceBase
from services.infra import topology
from services.infra.messaging import dispatcher, on_event
from services.infra.outbox import relay
from services.infra.storage import Storage

from . import handlers, workbook
from .domain import Actor
from .store import open_store


def _actor(actor) -> Actor:
    """The gateway's principal, sent as [role, scope] or [role, scope, person]."""
    return Actor(*actor[:3])


class AssetsService(OutboxServiceBase):
    name = "assets"

    store = Storage(open_store)
    dispatch = dispatcher()

    @on_event(*topology.PLAN_PUBLISHED)
    def on_plan_published(self, payload):
        handlers.on_plan_published(self.store, payload)

    @rpc
    def health(self):
        self.store.list(project="\0")
        return "ok"

    @rpc
    def known_projects(self):
        """Codes of the projects assets can be registered against (learned from the plans)."""
        return sorted(self.store.projects())

    @rpc
    def register_asset(self, document, actor=("admin", None)):
        asset = handlers.register(self.store, document, _actor(actor))
        relay(self.store.outbox, self.dispatch)
        return asset

    @rpc
    def import_assets(self, data_b64, fmt, actor):
        """Bulk registration from a sheet: all rows or none, every bad cell named."""
        result = handlers.import_assets(self.store, base64.b64decode(data_b64), fmt, _actor(actor))
        relay(self.store.outbox, self.dispatch)
        return result

    @rpc
    def registration_template(self):
        return base64.b64encode(workbook.template_xlsx()).decode("ascii")

    @rpc
    def act(self, code, action, command, actor):
        """A transfer step (request, approve, hand_over, accept, reject, cancel) or an audit."""
        asset = handlers.act(self.store, code, action, command, _actor(actor))
        relay(self.store.outbox, self.dispatch)
        return asset

    @rpc
    def get_asset(self, code, actor=("admin", None)):
        return handlers.get(self.store, code, _actor(actor))

    @rpc
    def asset_history(self, code, actor):
        return handlers.history(self.store, code, _actor(actor))

    @rpc
    def list_assets(self, filters=None, actor=("admin", None)):
        return handlers.list_assets(self.store, _actor(actor), filters or {})

    @rpc
    def settings(self):
        return handlers.settings(self.store)

    @rpc
    def set_settings(self, raw):
        return handlers.set_settings(self.store, raw)

    @rpc
    def remove_sample_assets(self, codes):
        """Delete these assets if they are sample data (clusterctl sample remove); how many."""
        return sum(self.store.delete_sample(str(code)) for code in codes)

    @timer(interval=600, eager=True)
    def check_due(self):
        """Transfers overdue, audits due (each fact once)."""
        if handlers.check_due(self.store):
            relay(self.store.outbox, self.dispatch)

    @timer(interval=2, eager=True)
    def relay_outbox(self):
        relay(self.store.outbox, self.dispatch)

"""assets: the registry of what cluster projects produce (entrypoints only)."""
from __future__ import annotations

from nameko.rpc import rpc
from nameko.timer import timer

from services.contracts import topology
from services.infra.messaging import Topology, dispatcher, on_event
from services.infra.outbox import relay
from services.infra.storage import Storage

from . import domain
from .store import open_store


class AssetsService:
    name = "assets"

    amqp_topology = Topology()  # declares every queue before anything is consumed or published
    store = Storage(open_store)
    dispatch = dispatcher()

    @on_event(*topology.PLAN_PUBLISHED)
    def on_plan_published(self, payload):
        plan = payload["plan"]
        self.store.save_projects(plan["id"], plan["version"], domain.projects_of(plan))

    @rpc
    def health(self):
        self.store.list(project="\0")
        return "ok"

    @rpc
    def known_projects(self):
        """Codes of the projects assets can be registered against (learned from the plans)."""
        return sorted(self.store.projects())

    @rpc
    def register_asset(self, document):
        asset = domain.new_asset(document, self.store.projects())
        self.store.register(asset, [])  # no consumer yet: events come with the transfer workflow
        return asset

    @rpc
    def get_asset(self, code):
        return self.store.get(code)

    @rpc
    def list_assets(self, project=None):
        return self.store.list(project)

    @timer(interval=2, eager=True)
    def relay_outbox(self):
        relay(self.store, self.dispatch)

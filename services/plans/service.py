"""plans: reference data and cluster development plans (entrypoints only)."""
from __future__ import annotations

from datetime import date

from nameko.rpc import rpc
from nameko.timer import timer

from services.infra.messaging import Topology, dispatcher
from services.infra.outbox import relay
from services.infra.storage import Storage

from . import domain
from .store import open_store


class PlansService:
    name = "plans"

    amqp_topology = Topology()  # declares every queue before anything is consumed or published
    store = Storage(open_store)
    dispatch = dispatcher()

    @rpc
    def health(self):
        self.store.reference_versions()  # the store answers too
        return "ok"

    @rpc
    def load_reference(self, csv_text, source, effective_from):
        """Load a reference-data version (clusters and their provinces) from CSV text."""
        version = domain.parse_reference_csv(csv_text, source, effective_from)
        created = self.store.save_reference(version)
        return {"version_id": version.version_id, "created": created,
                "clusters": len(version.clusters),
                "provinces": sum(len(c["provinces"]) for c in version.clusters)}

    @rpc
    def list_clusters(self, on_date=None):
        version = self.store.reference_in_force(on_date or date.today().isoformat())
        if version is None:
            return {"version": None, "clusters": []}
        return {"version": {"version_id": version.version_id,
                            "effective_from": version.effective_from, "source": version.source},
                "clusters": version.clusters}

    @rpc
    def list_plans(self):
        return [domain.plan_summary(p) for p in self.store.list_plans()]

    @rpc
    def get_plan(self, plan_id):
        return self.store.get_plan(plan_id)

    @rpc
    def save_plan(self, document):
        """Create or revise a plan; a revision bumps its version and republishes the snapshot."""
        reference = self.store.reference_in_force(date.today().isoformat())
        if reference is None:
            raise domain.PlanError("no reference data loaded yet; load it first")
        current = self.store.get_plan(document.get("id"))
        if current:
            document = dict(document, reference_version=document.get("reference_version")
                            or current["reference_version"])
        plan = domain.prepare_plan(dict(document, version=domain.next_version(current)), reference)
        if current and domain.same_content(current, plan):
            return {"id": current["id"], "version": current["version"], "changed": False}
        self.store.put_plan(plan, current["version"] if current else None,
                            [domain.plan_published_event(plan)])
        relay(self.store, self.dispatch)
        return {"id": plan["id"], "version": plan["version"], "changed": True}

    @timer(interval=2, eager=True)
    def relay_outbox(self):
        relay(self.store, self.dispatch)

    @timer(interval=3600, eager=True)
    def republish_current_plans(self):
        # Repairs a crash between storing a plan and queueing its event (same event_id: no dupes).
        self.store.add_events([domain.plan_published_event(p) for p in self.store.list_plans()])

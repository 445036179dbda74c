"""plans: reference data and cluster development plans (entrypoints only)."""
from __future__ import annotations

from datetime import date, datetime, timezone

from nameko.rpc import rpc
from nameko.timer import timer

from services.infra.health import Heartbeat
from services.infra.runtime import FrozenStartupHeap
from services.infra.logs import LogContext
from services.infra.metrics import Observability
from services.infra.messaging import Topology, dispatcher
from services.infra.outbox import relay
from services.infra.storage import Storage

from . import domain, files, lifecycle, workbook
from .store import open_store


class PlansService:
    name = "plans"

    log_context = LogContext()  # each line a worker logs carries the id of what it handles
    observability = Observability()  # entrypoint metrics; METRICS_PORT: /metrics /live /ready
    heartbeat = Heartbeat()  # clusterctl probe: the container's liveness
    gc_heap = FrozenStartupHeap()  # no full collection walks what start-up built
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
    def reference_versions(self):
        return self.store.reference_versions()

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
    def get_plan_version(self, plan_id, version):
        return self.store.plan_version(plan_id, int(version))

    @rpc
    def plan_history(self, plan_id):
        return self.store.plan_history(plan_id)

    @rpc
    def create_plan(self, document):
        """A new plan, as a draft (version 1)."""
        plan = lifecycle.create(document, self._reference())  # checked first: id may be anything
        if self.store.get_plan(plan["id"]) is not None:
            raise domain.PlanError(f"plan {plan['id']} exists already; edit or revise it")
        self.store.put_plan(plan, None, [])
        return domain.plan_summary(plan)

    @rpc
    def update_draft(self, plan_id, document):
        current = self._current(plan_id)
        plan = lifecycle.update_draft(current, document, self._reference(current))
        self.store.put_plan(plan, current["version"], [])
        return domain.plan_summary(plan)

    @rpc
    def publish_plan(self, plan_id, by, approved_by=None):
        current = self._current(plan_id)
        plan, events = lifecycle.publish(current, by, approved_by, datetime.now(timezone.utc))
        self._check_codes(plan, self._reference(current))
        self.store.put_plan(plan, current["version"], events)
        self.store.save_agencies(plan["agencies"])
        relay(self.store, self.dispatch)
        return domain.plan_summary(plan)

    @rpc
    def revise_plan(self, plan_id, document, reason, approved_by, by):
        """The next version of a published plan; tells reporting, notify and assets."""
        current = self._current(plan_id)
        reference = self._reference(current)
        plan, events = lifecycle.revise(current, document, reason, approved_by, by, reference,
                                        datetime.now(timezone.utc))
        self._check_codes(plan, reference)
        self.store.put_plan(plan, current["version"], events)
        self.store.save_agencies(plan["agencies"])
        relay(self.store, self.dispatch)
        return {**domain.plan_summary(plan), "events": [t for t, _ in events]}

    @rpc
    def export_plan(self, plan_id, fmt):
        """The whole plan as a workbook (``xlsx``) or a zip of CSV files (``csv``), base64."""
        plan = self._current(plan_id)
        return files.export(plan, fmt)

    @rpc
    def import_plan(self, encoded, fmt, by, reason=None, approved_by=None, only_cluster=None):
        """Create, edit (a draft) or revise (a published plan) from an uploaded workbook.

        Returns ``{"plan": summary}``, ``{"problems": [...]}`` naming every bad cell, or
        ``{"forbidden": why}`` when the plan is of a cluster other than ``only_cluster``; in
        the last two cases nothing was applied.
        """
        try:
            document, locations = files.read(encoded, fmt)
        except workbook.WorkbookError as exc:
            return files.problems(exc)
        if only_cluster and document.get("cluster") != only_cluster:
            return {"forbidden": f"the workbook is a plan of cluster {document.get('cluster')}; "
                                 f"this key may change only plans of {only_cluster}"}
        current = self.store.get_plan(document.get("id"))
        try:
            if current is None:
                result = self.create_plan(document)
            elif current["status"] == "draft":
                result = self.update_draft(current["id"], document)
            else:
                result = self.revise_plan(current["id"], document, reason or "", approved_by, by)
        except domain.PlanError as exc:
            return files.problems(workbook.located_error(exc, locations))
        return {"plan": result}

    @rpc
    def list_agencies(self, provinces=None):
        return self.store.agencies(provinces)

    @rpc
    def save_agency(self, document, only_provinces=None):
        """Add or change one agency of the directory (published plans add theirs). With
        ``only_provinces``, both the agency as sent and as kept must be of those provinces."""
        agency = domain.prepare_agency(document, self._reference())
        if only_provinces is not None:
            kept = next((a for a in self.store.agencies() if a["code"] == agency["code"]), None)
            for province in {agency["province"], kept["province"] if kept else agency["province"]}:
                if province not in only_provinces:
                    raise domain.Forbidden(f"agency {agency['code']} is of {province or 'no province'}"
                                           ", outside this key's cluster")
        self.store.save_agencies([agency])
        return agency

    def _check_codes(self, plan, reference):
        """Before a plan goes out (publish, revise): codes that would clash with other published
        plans or with another cluster's agencies. A draft may still share them (a copy to edit)."""
        problems = lifecycle.code_clashes(plan, self.store.list_plans())
        problems += lifecycle.agency_clashes(plan, self.store.agencies(), reference)
        if problems:
            raise domain.PlanError(f"plan {plan['id']}", problems)

    def _current(self, plan_id):
        plan = self.store.get_plan(plan_id)
        if plan is None:
            raise domain.UnknownPlan(f"no plan {plan_id!r}")
        return plan

    def _reference(self, plan=None):
        """The reference data a plan was made under (a new plan: the version in force)."""
        if plan and plan.get("reference_version"):
            version = self.store.reference_version(plan["reference_version"])
            if version is not None:
                return version
        version = self.store.reference_in_force(date.today().isoformat())
        if version is None:
            raise domain.PlanError("no reference data loaded yet; load it first")
        return version

    @timer(interval=2, eager=True)
    def relay_outbox(self):
        relay(self.store, self.dispatch)

    @timer(interval=3600, eager=True)
    def republish_current_plans(self):
        # Repairs a crash between storing a plan and queueing its event (same event_id: no dupes).
        self.store.add_events([domain.plan_published_event(p) for p in self.store.list_plans()
                               if p["status"] != "draft"])

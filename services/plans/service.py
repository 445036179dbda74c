"""plans: reference data and cluster development plans (entrypoints only; the use cases are in
handlers.py)."""
from __future__ import annotations

from nameko.rpc import rpc
from nameko.timer import timer

from services.infra.base import OutboxServiceBase
from services.infra.messaging import dispatcher
from services.infra.outbox import relay
from services.infra.storage import Storage

from . import handlers, national_handlers
from .store import open_store


class PlansService(OutboxServiceBase):
    name = "plans"

    store = Storage(open_store)
    dispatch = dispatcher()

    @rpc
    def health(self):
        return handlers.health(self.store)

    @rpc
    def load_reference(self, csv_text, source, effective_from):
        return handlers.load_reference(self.store, csv_text, source, effective_from)

    @rpc
    def reference_versions(self):
        return self.store.reference_versions()

    @rpc
    def load_national(self, files, by):
        return handlers.load_national(self.store, files, by)

    @rpc
    def national_versions(self):
        return self.store.national_versions()

    @rpc
    def alignment_map(self, plan_id, version=None):
        return handlers.alignment_map(self.store, plan_id, version)

    @rpc
    def national_files(self, version_id=None):
        return national_handlers.national_files(self.store, version_id)

    @rpc
    def check_national(self, files):
        return national_handlers.check_national(files)

    @rpc
    def national_entries(self, version_id=None, on_date=None):
        return national_handlers.national_entries(self.store, version_id, on_date)

    @rpc
    def list_clusters(self, on_date=None):
        return handlers.list_clusters(self.store, on_date)

    @rpc
    def list_plans(self):
        return handlers.list_plans(self.store)

    @rpc
    def get_plan(self, plan_id):
        return self.store.get_plan(plan_id)

    @rpc
    def get_plan_version(self, plan_id, version):
        version = int(version)
        if not 1 <= version < 2 ** 31:  # no such version; and the stores' integers are bounded
            return None
        return self.store.plan_version(plan_id, version)

    @rpc
    def plan_history(self, plan_id):
        return self.store.plan_history(plan_id)

    @rpc
    def create_plan(self, document):
        return handlers.create_plan(self.store, document)

    @rpc
    def update_draft(self, plan_id, document):
        return handlers.update_draft(self.store, plan_id, document)

    @rpc
    def publish_plan(self, plan_id, by, approved_by=None):
        result = handlers.publish_plan(self.store, plan_id, by, approved_by)
        relay(self.store.outbox, self.dispatch)
        return result

    @rpc
    def revise_plan(self, plan_id, document, reason, approved_by, by):
        result = handlers.revise_plan(self.store, plan_id, document, reason, approved_by, by)
        relay(self.store.outbox, self.dispatch)
        return result

    @rpc
    def export_plan(self, plan_id, fmt):
        return handlers.export_plan(self.store, plan_id, fmt)

    @rpc
    def import_plan(self, encoded, fmt, by, reason=None, approved_by=None, only_cluster=None,
                    only_plan=None, may_revise=True):
        result = handlers.import_plan(self.store, encoded, fmt, by, reason, approved_by,
                                      only_cluster, only_plan, may_revise)
        relay(self.store.outbox, self.dispatch)  # a revision it made tells the others
        return result

    @rpc
    def list_agencies(self, provinces=None):
        return self.store.agencies(provinces)

    @rpc
    def save_agency(self, document, only_provinces=None):
        return handlers.save_agency(self.store, document, only_provinces)

    @timer(interval=2, eager=True)
    def relay_outbox(self):
        relay(self.store.outbox, self.dispatch)

    @timer(interval=3600, eager=True)
    def republish_current_plans(self):
        handlers.republish_current_plans(self.store)

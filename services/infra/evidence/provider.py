"""The evidence store as a nameko dependency (the gateway writes and reads files, the reporting
intake checks the ids reports cite): opened in setup() from the service's config
(``EVIDENCE_URL``, else beside ``STORE_URL``: see ``evidence_url``), closed on stop/kill."""
from __future__ import annotations

from nameko.extensions import DependencyProvider

from . import evidence_url, open_evidence


class EvidenceFiles(DependencyProvider):
    store = None

    def setup(self):
        self.store = open_evidence(evidence_url(self.container.config))

    def get_dependency(self, worker_ctx):
        return self.store

    def stop(self):
        if self.store is not None:
            self.store.close()
            self.store = None

    kill = stop

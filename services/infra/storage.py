"""A service's store as a nameko dependency: opened in setup(), closed on stop/kill."""
from __future__ import annotations

from nameko.extensions import DependencyProvider


class Storage(DependencyProvider):
    def __init__(self, open_store):
        self.open_store = open_store  # callable(url) -> store with .close()
        self.store = None

    def setup(self):
        self.store = self.open_store(self.container.config["STORE_URL"])

    def get_dependency(self, worker_ctx):
        return self.store

    def stop(self):
        if self.store is not None:
            self.store.close()
            self.store = None

    kill = stop

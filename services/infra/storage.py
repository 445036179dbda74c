"""A service's store as a nameko dependency: opened in setup(), closed on stop/kill."""
from __future__ import annotations

from nameko.extensions import DependencyProvider


class Storage(DependencyProvider):
    def __init__(self, open_store, url_of=lambda config: config["STORE_URL"],
                 options_of=lambda config: {}):
        self.open_store = open_store  # callable(url, **options) -> store with .close()
        self.url_of = url_of  # callable(config) -> the url to open
        self.options_of = options_of  # callable(config) -> keyword options of open_store
        self.store = None

    def setup(self):
        config = self.container.config
        self.store = self.open_store(self.url_of(config), **self.options_of(config))

    def get_dependency(self, worker_ctx):
        return self.store

    def stop(self):
        if self.store is not None:
            self.store.close()
            self.store = None

    kill = stop

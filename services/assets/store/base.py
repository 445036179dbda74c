"""Assets store: the interface (domain verbs); adapters in sqlite.py and mongo.py."""
from __future__ import annotations

from abc import ABC, abstractmethod

from services.infra.meta import KeepsMeta


class DuplicateAsset(Exception):
    pass


class VersionConflict(Exception):
    """The asset is no longer at the version the command was decided on."""


class AssetsStore(KeepsMeta, ABC):
    """Adapters also carry ``outbox`` (infra/outbox.py), which the relay publishes from."""

    @abstractmethod
    def save_projects(self, plan_id: str, version: int, projects: list[dict]) -> None:
        """Keep the projects of a plan version (newer versions replace older ones)."""

    @abstractmethod
    def projects(self) -> dict[str, dict]:
        """Every known project by code."""

    @abstractmethod
    def register(self, asset: dict, events) -> None:
        """Keep a new asset with its events; DuplicateAsset if the code is taken."""

    def register_many(self, registrations: list[tuple[dict, list]]) -> None:
        """Keep several new assets; on SQLite all or none (one transaction)."""
        with self._batch():
            for asset, events in registrations:
                self.register(asset, events)

    def _batch(self):
        from contextlib import nullcontext
        return nullcontext()

    @abstractmethod
    def update(self, asset: dict, expected_version: int, events) -> None:
        """Replace the asset only if it is still at ``expected_version`` (optimistic
        concurrency: of two commands decided on one version, exactly one is kept), with its
        events; VersionConflict otherwise, and nothing changes."""

    @abstractmethod
    def get(self, code: str) -> dict | None: ...

    @abstractmethod
    def add_events(self, events) -> None:
        """Queue facts (an event_id queued before is ignored)."""

    @abstractmethod
    def list(self, project: str | None = None) -> list[dict]: ...

    @abstractmethod
    def delete_sample(self, code: str) -> bool:
        """Delete the asset - ledger and all - only if it is marked ``sample``; True if it was
        (clusterctl sample remove: a real asset is never deleted)."""

    @abstractmethod
    def close(self) -> None: ...

"""Plans store: the interface (domain verbs); adapters in sqlite.py and mongo.py."""
from __future__ import annotations

from abc import ABC, abstractmethod

from services.contracts.errors import ConcurrentUpdate  # noqa: F401 (raised to RPC callers)

from ..domain import ReferenceVersion


class PlansStore(ABC):
    """Adapters also carry ``outbox`` (infra/outbox.py), which the relay publishes from."""

    @abstractmethod
    def save_reference(self, version: ReferenceVersion) -> bool:
        """Keep a reference-data version; False when that exact version is already kept."""

    @abstractmethod
    def reference_in_force(self, on_date: str) -> ReferenceVersion | None:
        """The version with the latest ``effective_from`` not after ``on_date`` (ISO date)."""

    @abstractmethod
    def reference_version(self, version_id: str) -> ReferenceVersion | None: ...

    @abstractmethod
    def reference_versions(self) -> list[dict]:
        """Every kept version's metadata, oldest first."""

    @abstractmethod
    def save_national(self, version_id: str, files: dict[str, str], by: str) -> bool:
        """Keep a version of the national hierarchy as the CSV texts it was built from (by file
        name; services/plans/national.py builds it again); False when that version is kept
        already, which then becomes the one loaded last again (how an admin goes back)."""

    @abstractmethod
    def national_files(self, version_id: str) -> dict[str, str] | None:
        """The CSV texts of a kept national version, by file name."""

    @abstractmethod
    def latest_national(self) -> str | None:
        """The id of the national version loaded last: the one new plans are made under."""

    @abstractmethod
    def national_versions(self) -> list[dict]:
        """Every kept national version's metadata (version_id, loaded_at, loaded_by, files),
        in the order they were loaded."""

    @abstractmethod
    def get_plan(self, plan_id: str) -> dict | None: ...

    @abstractmethod
    def list_plans(self) -> list[dict]: ...

    @abstractmethod
    def put_plan(self, plan: dict, expected_version: int | None, events) -> None:
        """Store ``plan`` if the stored version is still ``expected_version`` (None: new plan),
        together with the events it causes, and keep it in the plan's history; else raise
        ConcurrentUpdate."""

    @abstractmethod
    def plan_version(self, plan_id: str, version: int) -> dict | None:
        """The plan as it was at ``version``."""

    @abstractmethod
    def plan_history(self, plan_id: str) -> list[dict]:
        """Every kept version, oldest first: version, status, revision, saved_at."""

    @abstractmethod
    def add_events(self, events) -> None:
        """Queue events in the outbox; an event_id already there is ignored."""

    @abstractmethod
    def save_agencies(self, agencies: list[dict]) -> None:
        """Add or replace agencies in the directory, by code."""

    @abstractmethod
    def agencies(self, provinces: list[str] | None = None) -> list[dict]:
        """The directory, by code; ``provinces`` None means all (agencies with no province too)."""

    @abstractmethod
    def close(self) -> None: ...


def _history_entry(plan: dict, saved_at: str) -> dict:
    return {"version": plan["version"], "status": plan["status"],
            "revision": plan.get("revision"), "saved_at": saved_at}

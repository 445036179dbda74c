"""Reporting store: the interface (domain verbs) and what both adapters (sqlite.py, mongo.py)
share.

Three kinds of data: the plans learned from plan events; the event store (every accepted report
as received) with each key's current report by the precedence rule; and the views built from it.
"""
from __future__ import annotations

import json

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass

from services.infra.meta import KeepsMeta
from services.infra.outbox import now_iso as _now_iso


@dataclass(frozen=True)
class Recorded:
    new: bool       # False: this sender stored this event_id already (a redelivery or a resend)
    current: bool   # this report is now the one in force for its key
    # The report this sender kept under this event_id, when the new one says something else:
    # a conflict, which changes nothing (the handler rejects it with this report as the reason).
    conflict: dict | None = None


class ReportingStore(KeepsMeta, ABC):
    """Adapters also carry ``outbox`` (infra/outbox.py), which the relay publishes from, and
    ``plan_cache`` (a PlanCache over their own plan rows)."""

    effects_recorded = False  # RECORD_EFFECTS: see note_effect

    def record_effects(self) -> None:
        """From now on keep a row per report that reaches the views (the fault suite counts
        them: docs/reliability.md). Off in production: the table grows with every delivery."""
        self._create_effects_table()
        self.effects_recorded = True

    def note_effect(self, sender: str, event_id: str, new: bool, current: bool) -> None:
        """A report reached the views, inside the intake's transaction: ``new`` - stored now
        (it takes effect, if ``current``), else a redelivery of one stored before (no second
        effect: the view is only written again from the store). Rows are never merged, so a
        report applied twice would show as two ``new`` rows."""
        if self.effects_recorded:
            self._insert_effect({"sender": sender, "event_id": event_id, "new": bool(new),
                                 "current": bool(current), "at": _now_iso()})

    @abstractmethod
    def _create_effects_table(self) -> None:
        """The adapter's table or collection for ``note_effect`` (RECORD_EFFECTS)."""

    @abstractmethod
    def _insert_effect(self, row: dict) -> None:
        """One ``note_effect`` row, in the intake's current transaction."""

    @abstractmethod
    def atomic(self):
        """A context in which the verbs below commit together (SQLite) or are each idempotent
        and safely repeatable on redelivery (MongoDB)."""

    # plans learned from plan_published events
    @abstractmethod
    def save_plan(self, plan: dict) -> bool:
        """Keep the snapshot unless a newer version is kept already; True when stored."""

    def plans(self) -> list[dict]:
        return self.plan_cache.plans()

    def get_plan(self, plan_id: str) -> dict | None:
        return self.plan_cache.get_plan(plan_id)

    # intake
    @abstractmethod
    def record_report(self, kind: str, plan_id: str, subject: str, period: str, province: str,
                      event_id: str, reported_at_key: str, body: dict, sender: str,
                      reported_by: dict | None = None) -> Recorded:
        """Keep an accepted report (``reported_by``: the person who reported it through the
        gateway, ``{"username", "name", "via"}``, kept beside it, never in its body); make it current for (kind, plan, subject, period, province)
        if it is later (reported_at, then event_id) than the current one.

        A report's identity is (sender, event_id): another sender's use of the same event_id
        neither blocks nor replaces it. The same sender's event_id again is a redelivery when it
        carries the same report (``same_report``), applied again with no further effect, and
        a conflict otherwise (``Recorded.conflict``), with no effect at all."""

    @abstractmethod
    def report_kept(self, sender: str, event_id: str) -> bool:
        """Whether this sender's event_id is in the event store already."""

    @abstractmethod
    def current_values(self, plan_id: str, indicator: str, period: str) -> dict[str, float]:
        """Each province's value in force (retracted ones left out)."""

    @abstractmethod
    def view_revision(self, plan_id: str, indicator: str, period: str) -> int:
        """A counter that grows whenever a report comes into force for the view's key. Read it
        before ``current_values`` and pass it to ``save_indicator_view``: a view computed from
        older values is then never saved over a newer one (concurrent workers on MongoDB)."""

    @abstractmethod
    def save_indicator_view(self, plan_id: str, indicator: str, period: str, view: dict,
                            events, revision: int = 0) -> None:
        """Keep the view unless one computed at a later revision is kept already."""

    @abstractmethod
    def indicator_views(self, plan_id: str, period: str) -> dict[str, dict]: ...

    @abstractmethod
    def project_progress(self, plan_id: str) -> list[dict]:
        """Each (project, province)'s report in force."""

    @abstractmethod
    def project_reports(self, plan_id: str) -> list[dict]:
        """Every accepted project report of the plan, past and present, oldest first."""

    @abstractmethod
    def internal_in_force(self, plan_id: str, kind: str) -> set[tuple[str, str, str]]:
        """(subject, period, province) of each report in force of the plan that its province
        marked internal (body ``internal`` true: not to be published outside the government)."""

    @abstractmethod
    def reports_of(self, plan_id: str, filters: dict, limit: int = 1000) -> list[dict]:
        """Accepted reports of the plan as received, newest reported_at first, each with
        ``in_force`` (whether it is its key's current report). ``filters`` may hold kind,
        province, subject and period."""

    @abstractmethod
    def first_received(self, plan_id: str, period: str) -> dict[tuple[str, str], str]:
        """When each (province, indicator) of the period that has a value in force was first
        reported (received_at); a value retracted and not sent again is not received."""

    @abstractmethod
    def projects_received(self, plan_id: str, start: str, end: str) -> dict[tuple[str, str], str]:
        """When each (province, project) first got a progress report - by any sender - whose
        ``as_of`` is from ``start`` to ``end`` (ISO dates, both included): received_at."""

    @abstractmethod
    def indicator_series(self, plan_id: str, indicator: str) -> dict[str, dict]:
        """The indicator's view in every period that has one, by period code."""

    @abstractmethod
    def record_rejection(self, rejection: dict, events) -> bool:
        """Keep a rejection (idempotent on rejection_id); True when new."""

    @abstractmethod
    def rejections(self, provinces: list[str] | None = None, limit: int = 500,
                   agencies: list[str] | None = None) -> list[dict]:
        """Newest first: those of the ``provinces`` and those of the ``agencies`` (an
        implementing agency's own reports); both None means all (unknown senders included)."""

    # values flagged "to check" (the soft rule: an outlier, contracts/rules.py)
    @abstractmethod
    def record_flag(self, flag: dict, events) -> bool:
        """Keep a flag (idempotent on flag_id) and queue its events; True when new."""

    @abstractmethod
    def flags(self, plan_id: str, status: str | None = None,
              provinces: list[str] | None = None, limit: int = 500) -> list[dict]:
        """Newest first; ``status`` and ``provinces`` None mean all."""

    @abstractmethod
    def get_flag(self, flag_id: str) -> dict | None: ...

    @abstractmethod
    def review_flag(self, flag_id: str, status: str, by: str, at: str, note: str | None,
                    events) -> bool:
        """Record the OSM's review of a flag and queue its events; False if no such flag."""

    @abstractmethod
    def count_reports(self) -> int: ...

    @abstractmethod
    def counts(self) -> dict[str, int]:
        """Totals for monitoring: reports kept, rejections, parked messages waiting."""

    # messages no service could process (dead-lettered after the delivery limit)
    @abstractmethod
    def park(self, parked: dict) -> bool:
        """Keep a parked message (idempotent on parked_id); True when new."""

    @abstractmethod
    def parked(self, limit: int = 500) -> list[dict]:
        """Newest first."""

    @abstractmethod
    def get_parked(self, parked_id: str) -> dict | None: ...

    @abstractmethod
    def mark_retried(self, parked_id: str, at: str) -> None:
        """Note that an operator sent the message back to be processed again."""

    # rebuilding the views from the event store
    @abstractmethod
    def stored_reports(self, page: int = 5000) -> Iterator[dict]:
        """Every accepted report as received, in the order received - streamed, so a replay of
        a million reports holds a page of them in memory, not all."""

    @abstractmethod
    def reset_views(self) -> None:
        """Forget the reports in force and the views (the event store stays)."""

    @abstractmethod
    def replay_report(self, kind: str, plan_id: str, subject: str, period: str, province: str,
                      event_id: str, reported_at_key: str, body: dict) -> bool:
        """Apply a stored report to the reports in force, as record_report does; True when it
        is now the one in force for its key."""

    @abstractmethod
    def add_events(self, events) -> None:
        """Queue facts in the outbox; an event_id queued before (even long ago) is ignored."""

    # what each project has produced (from assets' asset_registered events)
    @abstractmethod
    def record_project_asset(self, plan_id: str, project: str, code: str, value_thb: float) -> None:
        """Keep one asset of a project (by asset code: a redelivery counts once)."""

    @abstractmethod
    def project_assets(self, plan_id: str) -> dict[str, dict]:
        """{project: {"count": n, "value_thb": total}} for the plan's projects with assets."""

    # taking the sample data out again (clusterctl sample remove)
    @abstractmethod
    def delete_reports(self, plan_id: str, keys: list[tuple[str, str]]) -> dict[str, int]:
        """Delete the plan's reports with these (sender, event_id), the rejections of those
        identities and the flags of those reports; the views are rebuilt afterwards (the caller
        replays). {"reports": n, "rejections": n, "flags": n} deleted."""

    @abstractmethod
    def delete_project_assets(self, codes: list[str]) -> int:
        """Forget these assets in what projects produced; how many were kept."""

    @abstractmethod
    def close(self) -> None: ...


def _value_of(kind: str, body: dict):
    return body.get("value") if kind == "indicator" else body.get("physical_progress_pct")


def _key_of(report) -> tuple:
    return tuple(report[k] for k in ("kind", "plan_id", "subject", "period", "province"))


def same_report(kept: dict, key: tuple, body: dict) -> bool:
    """Whether a report received again under its sender's event_id is the one kept: the same
    key and the same content. ``reported_at`` is left out: a province's client that sends again
    may stamp the time again, and what the report says is the same."""
    if _key_of(kept) != key:
        return False
    return ({k: v for k, v in kept["body"].items() if k != "reported_at"}
            == {k: v for k, v in body.items() if k != "reported_at"})


def conflict_of(kept: dict) -> dict:
    """What a conflict rejection tells the sender about the report kept under the id."""
    return {k: kept[k] for k in ("kind", "subject", "period", "received_at")}


def _parked_row(row: dict) -> dict:
    body = row.pop("body")
    return {**row, "body": body.decode("utf-8", "replace") if isinstance(body, bytes) else body}


def _rejection_row(row) -> dict:
    # kept before these: none (a re-drive's: docs/approvals.md, "nothing is lost")
    out = {"reason_th": None, "agency": None, "redriven_at": None, "redrive_outcome": None,
           "redriven_by": None, **dict(row)}
    envelope = out.pop("envelope", None)  # how the message came, for a re-drive (redrives.py)
    envelope = json.loads(envelope) if isinstance(envelope, str) else envelope
    out["reported_by"] = (envelope or {}).get("reported_by")  # a gateway report's person
    raw = out.pop("raw_body")
    out["raw_body"] = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return out


class PlanCache:
    """Plan documents decoded once per version: every report needs its plan, and reading and
    decoding them each time was a fifth of the intake's cost. Callers only read them. A version
    check per call keeps several processes (replicas) on the plan in force.

    ``plan_versions(plan_id=None)``: [(plan_id, version)] of one plan or of all, by id;
    ``plan_document(plan_id)``: (version, document) - both read the adapter's own rows."""

    def __init__(self, plan_versions, plan_document):
        self._plan_versions = plan_versions
        self._plan_document = plan_document
        self._cache: dict[str, tuple[int, dict]] = {}

    def plans(self):
        return [self._plan(plan_id, version) for plan_id, version in self._plan_versions()]

    def get_plan(self, plan_id):
        found = self._plan_versions(plan_id)
        return self._plan(*found[0]) if found else None

    def _plan(self, plan_id: str, version: int) -> dict:
        cached = self._cache.get(plan_id)
        if cached is None or cached[0] != version:
            cached = self._cache[plan_id] = self._plan_document(plan_id)
        return cached[1]

"""Fill reporting's event store to a size quickly: in-process, with the services stopped, each
report through the intake's own use case (``handlers.handle_intake``: envelope, schema, plan
match, event store, precedence, the indicator view) - only the broker hop is skipped, the plans
are read once, and a few thousand reports share one transaction (one fsync) instead of one each.

The reports are on target (no mail follows) and spread over every indicator, period of the
plan's years and province of every published plan reporting knows, each key corrected again and
again (later ``reported_at`` each time), as years of a cluster's reporting would be.
"""
from __future__ import annotations

import json
import time
import uuid
from itertools import cycle

from services.contracts.rules import indicator_bounds
from services.infra.messaging import RawMessage
from services.reporting import handlers
from services.reporting.store import open_store

from .workload import ReportClock, plan_periods


def keys_of(plans: list[dict]) -> list[tuple[str, str, str, str]]:
    """(province, indicator, period, direction, highest value its rules accept) for every
    indicator of every plan."""
    keys = []
    for plan in plans:
        for issue in plan["issues"]:
            for ind in issue["indicators"]:
                for period in plan_periods(plan, ind["frequency"]):
                    for province in ind.get("provinces") or plan["provinces"]:
                        keys.append((province, ind["code"], period, ind["direction"],
                                     indicator_bounds(ind)[1]))
    return keys


class _KnownPlans:
    """The store, with the plans read once: they do not change while the services are stopped,
    so the version check the store makes on every ``plans()``/``get_plan`` call (a query each,
    ~9 % of the intake in-process) is skipped."""

    def __init__(self, store):
        self._store = store
        self._plans = store.plans()
        self._by_id = {p["id"]: p for p in self._plans}

    def plans(self):
        return self._plans

    def get_plan(self, plan_id):
        return self._by_id.get(plan_id)

    def __getattr__(self, name):
        return getattr(self._store, name)


def fill(store_url: str, user_prefix: str, total: int, clock: ReportClock,
         batch: int = 2000) -> dict:
    """Add reports until the event store holds ``total``; returns what was done and how fast."""
    raw = open_store(store_url)
    store = _KnownPlans(raw)
    try:
        plans = [p for p in store.plans() if p["status"] == "published"]
        keys = keys_of(plans)
        have = store.count_reports()
        need = max(0, total - have)
        began = time.monotonic()
        outcomes: dict[str, int] = {}
        source = cycle(keys)
        done = 0
        while done < need:
            with store.atomic():
                for _ in range(min(batch, need - done)):
                    province, indicator, period, direction, highest = next(source)
                    event_id = str(uuid.uuid4())
                    body = {"event_id": event_id, "province": province, "indicator": indicator,
                            "period": period, "reported_at": clock.next(),
                            # on target (no off-target fact), within the plan's rules
                            "value": (0.0 if direction != "increase" else
                                      highest if highest is not None else
                                      1_000_000.0 + done % 997)}
                    message = RawMessage(json.dumps(body).encode("utf-8"),
                                         f"report.{province}.indicator", user_prefix + province,
                                         event_id, "application/json", False, {})
                    outcome = handlers.handle_intake(store, message, user_prefix)
                    outcomes[outcome] = outcomes.get(outcome, 0) + 1
                    done += 1
        seconds = time.monotonic() - began
        return {"added": done, "before": have, "total": store.count_reports(),
                "keys": len(keys), "plans": len(plans), "seconds": round(seconds, 2),
                "outcomes": outcomes}
    finally:
        raw.close()

"""Property (issue 24, point 5): approvals are events too. Reports and approval steps arrive in
any interleaving (steps taken with approval_cases.take_step, as people take them: the valid ones
are kept); then the stored steps applied again in any order, any number of times - as a replay,
as a redelivery to the event store, to a fresh store, and by a rebuild - give the same approvals,
the same certainty of each figure and the same lock decisions, on every adapter, and the same
approvals on both adapters. The views a rebuild makes from the stored reports are the live ones."""
import copy
import uuid
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.contracts.errors import ApprovalError
from services.reporting import approval_cases, domain, handlers

from .test_reporting_replay import PLAN, message, reports, stores, views

BKK = timezone(timedelta(hours=7))
PROVINCES = ("TH-34", "TH-33")
# a year and two of its quarters: an approved year locks its quarters too
PERIODS = ("FY2567", "FY2567-Q1", "FY2567-Q2")
NEXT = {"open": "submit", "submitted": "approve", "approved": "accept", "accepted": "reopen"}
# mostly the step the state allows next (valid sequences go far), sometimes a reopening, and a
# few steps named outright, which the state may refuse (a refused step keeps nothing)
CHOICES = ("next", "next", "next", "reopen", "submit", "accept")


def actor(step: str, province: str) -> dict:
    """Whose the step is (docs/approvals.md): the province's planner submits, its approver
    approves, the cluster's OSM director accepts and reopens."""
    if step == "submit":
        return {"role": "province", "scope": province, "person": "กัญญา (kanya)",
                "duty": "province_planner"}
    if step == "approve":
        return {"role": "province", "scope": province, "person": "บุญมี (boonmee)",
                "duty": "province_approver"}
    return {"role": "osm", "scope": PLAN["cluster"], "person": "ประยุทธ (prayut)",
            "duty": "osm_director"}


attempts = st.tuples(st.sampled_from(PERIODS), st.sampled_from(PROVINCES),
                     st.sampled_from(CHOICES), st.integers(1, 3))  # that many in a row
# each action: a report delivered (in the province pool of the report property) or a step tried
actions = st.lists(st.one_of(reports.filter(lambda r: r["province"] in PROVINCES).map(
    lambda r: ("report", r)), attempts.map(lambda a: ("step", a))), min_size=1, max_size=24)


def take(store, attempt, minute: int) -> None:
    """Try a step (or a few in a row) as its person would: at the version and figures shown."""
    period, province, choice, times = attempt
    for _ in range(times):
        row = approval_cases.list_approvals(store, PLAN["id"], period, [province])[0]
        step = NEXT[row["state"]] if choice == "next" else choice
        try:
            approval_cases.take_step(
                store, PLAN["id"], period, province, step, actor(step, province),
                row["version"], row["figures"],
                "ตรวจทานแล้ว" if step != "reopen" else "ตัวเลขต้องแก้",
                now=datetime(2026, 1, 5, 9, tzinfo=BKK) + timedelta(minutes=minute))
        except ApprovalError:  # not a step the state allows: refused, nothing kept
            pass


def probes():
    """A report for each province and period, and project progress as of a day of each quarter:
    what the lock decides of them."""
    found = []
    for province in PROVINCES:
        for indicator, period in (("NE2-1.3", "FY2567"), ("NE2-1.1", "FY2567-Q1"),
                                  ("NE2-1.1", "FY2567-Q2"), ("NE2-1.1", "FY2567-Q3")):
            body = {"event_id": str(uuid.UUID(int=1)), "province": province,
                    "indicator": indicator, "period": period, "value": 1}
            found.append(domain.ValidReport("indicator", body, PLAN["id"], indicator, period, ""))
        for as_of in ("2023-11-15", "2024-02-15", "2024-05-15"):
            body = {"event_id": str(uuid.UUID(int=2)), "province": province,
                    "project": "NE2-67-002", "as_of": datetime.fromisoformat(as_of).date()}
            found.append(domain.ValidReport("project", body, PLAN["id"], "NE2-67-002", "", ""))
    return found


def approvals(store) -> dict:
    """Each approval as it stands: state, version and the step that made it."""
    return {(a["period"], a["province"]): (a["state"], a["version"], a["event_id"])
            for a in store.approvals(PLAN["id"])}


def decisions(store) -> dict:
    """The lock's decision on every probe, and the certainty of every province's figure."""
    locks = [getattr(approval_cases.lock_of(store, p), "reason", None) for p in probes()]
    found = approval_cases.states(store, PLAN["id"])
    certainty = {(period, province): approval_cases.certainty_of(found, period, province)
                 for period in (*PERIODS, "FY2567-Q3") for province in PROVINCES}
    return {"locks": locks, "certainty": certainty}


def shuffled_with_repeats(items, rnd):
    repeated = list(items) + [rnd.choice(items) for _ in range(len(items) // 2 + 1)]
    rnd.shuffle(repeated)
    return repeated


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions, st.randoms(use_true_random=False))
def test_approval_steps_in_any_order_and_any_number_give_the_same_approvals_and_locks(
        script, rnd):
    by_adapter = []
    for store, fresh in zip(stores(), stores()):
        store.save_plan(copy.deepcopy(PLAN))
        for minute, (kind, item) in enumerate(script):
            if kind == "report":
                handlers.handle_intake(store, message(item))
            else:
                take(store, item, minute)
        # in an order of their own (their ids are random), for the shuffles to be reproducible
        steps = sorted(store.all_approval_steps(),
                       key=lambda s: (s["period"], s["province"], s["version"]))
        live = (approvals(store), decisions(store), views(store))

        # the same steps delivered to the event store again: each a duplicate, nothing changes
        for step in shuffled_with_repeats(steps, rnd) if steps else []:
            assert store.record_approval_step(step, []) == "duplicate"
        assert (approvals(store), decisions(store)) == live[:2]
        # a rebuild from the event store: the reports' views and the approvals as they were
        handlers.rebuild(store)
        assert (approvals(store), decisions(store), views(store)) == live
        # another store of the same kind receiving the steps out of order, with repeats
        fresh.save_plan(copy.deepcopy(PLAN))
        for step in shuffled_with_repeats(steps, rnd) if steps else []:
            assert fresh.record_approval_step(step, []) in ("recorded", "duplicate")
        assert approvals(fresh) == live[0]
        assert decisions(fresh) == live[1]
        by_adapter.append({key: (state, version) for key, (state, version, _) in live[0].items()})
        store.close()
        fresh.close()
    # the same script on both adapters: the same approvals (ids aside: each store's own)
    assert by_adapter[0] == by_adapter[1]

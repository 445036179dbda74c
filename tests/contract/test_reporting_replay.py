"""Property: any permutation, duplication and interleaving of the same reports - corrections and
retractions included - yields the same views, equal to a rebuild from the event store and to an
independent recomputation (issue step 3, acceptance). Runs the real intake path on real stores."""
import copy
import json
import tempfile
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import mongomock
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.simulate_fiscal_year import expected_views
from services.infra.messaging import RawMessage
from services.reporting import handlers
from services.reporting.store import MongoReportingStore, SqliteReportingStore
from tests.support.plans import published_sample_plan

PROVINCES = ("TH-34", "TH-33", "TH-35", "TH-37")
INDICATORS = {"NE2-1.1": ("FY2567-Q1", "FY2567-Q2"),   # sum, quarterly
              "NE2-3.1": ("FY2567-Q2",),               # mean
              "NE2-5.1": ("FY2568-Q1",),               # max, decrease
              "NE2-1.3": ("FY2567", "FY2568")}         # weighted mean, yearly
BASE = datetime(2024, 1, 1, 9, 0, tzinfo=timezone(timedelta(hours=7)))


PLAN = published_sample_plan()

# A few ids shared by every province: a report's identity is (province, event_id), so another
# province using the same id must change nothing of this one's reports.
EVENT_IDS = [str(uuid.UUID(int=n, version=4)) for n in range(1, 7)]

reports = st.builds(
    lambda province, indicator, period_index, value, hours, event_id: {
        "event_id": event_id, "province": province, "indicator": indicator,
        "period": INDICATORS[indicator][period_index % len(INDICATORS[indicator])],
        "value": value,
        # few distinct times, so equal reported_at (decided by event_id) happens often
        "reported_at": (BASE + timedelta(hours=hours)).isoformat()},
    st.sampled_from(PROVINCES), st.sampled_from(sorted(INDICATORS)), st.integers(0, 1),
    # within every indicator's rules (NE2-3.1 is a percentage: 0-100)
    st.one_of(st.none(), st.floats(0, 100, allow_nan=False).map(lambda v: round(v, 2))),
    st.integers(0, 3), st.sampled_from(EVENT_IDS))


@st.composite
def deliveries(draw):
    """A set of distinct reports (one per province and event_id; ids shared across provinces),
    and an arrival order that shuffles and repeats them."""
    pool = draw(st.lists(reports, min_size=1, max_size=14,
                         unique_by=lambda r: (r["province"], r["event_id"])))
    repeats = draw(st.lists(st.sampled_from(range(len(pool))), max_size=8))
    order = draw(st.permutations(list(range(len(pool))) + repeats))
    return pool, [pool[i] for i in order]


def message(report) -> RawMessage:
    return RawMessage(body=json.dumps(report).encode(), routing_key=f"report.{report['province']}.indicator",
                      user_id=report["province"], message_id=report["event_id"],
                      content_type="application/json", redelivered=False)


def views(store):
    out = {}
    for code, periods in INDICATORS.items():
        for period in periods:
            result = handlers.indicator_results(store, PLAN["id"], period)
            row = next(r for r in result["results"] if r["indicator"] == code)
            out[(code, period)] = (row["value"], row["provinces"], row["reported"], row["status"])
    return out


def recompute(pool):
    """The views from first principles (the same recomputation the fiscal-year simulation uses):
    per key the latest (reported_at, event_id) wins."""
    expected = expected_views(PLAN, pool)
    return {(code, period): expected.get((code, period), (None, {}))
            for code, periods in INDICATORS.items() for period in periods}


def stores():
    yield SqliteReportingStore(Path(tempfile.mkdtemp()) / "reporting.sqlite3")
    yield MongoReportingStore(mongomock.MongoClient(tz_aware=True)[f"r{uuid.uuid4().hex[:8]}"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(deliveries(), st.randoms(use_true_random=False))
def test_any_arrival_order_gives_the_same_views_as_a_rebuild_and_the_recomputation(data, rnd):
    pool, arrivals = data
    expected = recompute(pool)
    for store in stores():
        store.save_plan(copy.deepcopy(PLAN))
        for report in arrivals:
            assert handlers.handle_intake(store, message(report)) in ("accepted", "duplicate")
        live = views(store)
        for key, (value, provinces) in expected.items():
            got_value, got_provinces = live[key][0], live[key][1]
            assert got_provinces == provinces, (key, store)
            assert (got_value is None and value is None) or abs(got_value - value) < 1e-6, key
        handlers.rebuild(store)
        assert views(store) == live
        # a second, differently ordered delivery of everything changes nothing
        shuffled = list(arrivals)
        rnd.shuffle(shuffled)
        for report in shuffled:
            handlers.handle_intake(store, message(report))
        assert views(store) == live
        store.close()

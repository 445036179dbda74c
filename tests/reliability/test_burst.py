"""Deadline day: every province of all 18 clusters sends a fiscal year's reports at once."""
import json
import time
from datetime import datetime, timedelta, timezone

import requests

from clusterctl.reference import load_sample_plan
from tests.support.plans import cluster_plan, clusters
from tests.support.system import wait_until

from .harness import assert_no_loss_no_double, count_effects, fiscal_year_reports, wait_stored

FY = 2567
PERIODS = [f"FY{FY}-Q{q}" for q in range(1, 5)] + [f"FY{FY}"]


def ensure_plans(system) -> list[dict]:
    """The seeded plan and one plan for each other cluster, published through the API."""
    sample = load_sample_plan()
    headers = {"Authorization": f"Bearer {system.key()}"}
    plans = [sample]  # seeded by make run
    for code, provinces in clusters().items():
        if code == sample["cluster"]:
            continue
        document = cluster_plan(sample, code, provinces)
        created = requests.post(f"{system.base}/api/plans", json=document, headers=headers, timeout=30)
        assert created.status_code == 201, created.text
        published = requests.post(f"{system.base}/api/plans/{document['id']}/publish",
                                  json={"approved_by": "reliability test"}, headers=headers, timeout=30)
        assert published.status_code == 200, published.text
        plans.append(document)
    for plan in plans:  # reporting has learned every plan before anyone reports
        wait_until(lambda: system.get(f"/api/plans/{plan['id']}/indicator-results", system.key(),
                                      period=f"FY{FY}-Q1").status_code == 200,
                   timeout=60, what=f"reporting to learn {plan['id']}")
    return plans


def test_every_province_of_18_clusters_reports_a_year_at_once(chaos_system, workdir, record):
    system = chaos_system
    plans = ensure_plans(system)
    baseline = set(system.stored_reports())
    # Later than anything the other cases sent, so these are the reports in force.
    start = datetime.now(timezone.utc) - timedelta(hours=1)
    sent: dict[str, list[dict]] = {}
    for plan in plans:
        for province, reports in fiscal_year_reports(plan, FY, start).items():
            sent.setdefault(province, []).extend(reports)
    began = time.monotonic()
    result = system.publish(sent, workdir)
    every = [r for reports in sent.values() for r in reports]
    wait_stored(system, {r["event_id"] for r in every}, timeout=300)
    stored_in = time.monotonic() - began
    outcome = count_effects(system, every, baseline, timeout=300)
    incomplete = []
    for plan in plans:
        for period in PERIODS:
            rows = system.get(f"/api/plans/{plan['id']}/completeness", system.key(),
                              period=period).json()["provinces"]
            incomplete += [(plan["id"], period, r["province"], r["missing"]) for r in rows
                           if r["completeness_pct"] != 100]
    record(fault="Deadline burst, all 18 clusters",
           injected=f"{len(sent)} provinces of {len(plans)} clusters each publishing its whole "
                    f"FY{FY} (indicators, corrections, project progress) at the same moment",
           events=outcome["events"], lost=outcome["lost"], duplicated=outcome["duplicated"],
           observed=f"published in {result['seconds']} s, all stored in {stored_in:.0f} s; "
                    f"completeness 100 % for every province in {len(plans) * len(PERIODS)} plan "
                    f"periods (short: {len(incomplete)}); " + outcome["observed"])
    assert len(sent) == 76 and len(plans) == 18
    assert_no_loss_no_double(outcome)
    assert not incomplete, json.dumps(incomplete[:5])

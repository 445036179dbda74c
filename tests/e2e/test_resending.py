"""Marked internal, unmarked, then marked again through the gateway's API, over the real broker:
the last send must take over although its content is that of the first (whose event id the
intake already holds and would keep with its first, older reported_at), so the report in force
ends internal and, once the period is accepted, the value is in no open-data file. The same
with a project's progress. The content in force sent once more sends nothing.

TH-33's FY2568-Q4 (NE2-1.1 and NE2-1.2; project NE2-68-004 as of a day in it) is a period no
other e2e test reports for; it is reopened and open data turned off at the end."""
from __future__ import annotations

import pytest
import requests

from tests.support.system import wait_until

from .conftest import PLAN
# rpc: the open-data test's fixture (reporting's RPC, to take the approval steps)
from .test_open_data import DIRECTOR, accept, csv_rows, made_for, rpc, switch, take  # noqa: F401
from .test_province_reporting import settled

pytestmark = pytest.mark.e2e
PROVINCE, PERIOD, CLUSTER = "TH-33", "FY2568-Q4", "northeast-lower-2"
HIDDEN, SHOWN = 4321.5, 87.25  # NE2-1.1's value (internal at the end), NE2-1.2's (open)
PROJECT = {"project": "NE2-68-004", "as_of": "2025-08-15", "physical_progress_pct": 61.0,
           "disbursed_thb": 1234567.0, "procurement_stage": "in_progress"}


def post(system, key, path, items):
    answer = requests.post(f"{system.base}/api/plans/{PLAN}/{path}", json=items, timeout=60,
                           headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 202, answer.text
    return answer.json()


def sent_and_settled(system, key, path, items, in_force=True):
    """Post, wait until the intake has judged what was sent: (the answer, its statuses)."""
    answer = post(system, key, path, items)
    done = wait_until(lambda: settled(system, key, PROVINCE, answer["event_ids"]), timeout=60,
                      what=f"{path} settled")
    if in_force:
        assert all(s["status"] == "in_force" for s in done.values()), done
    return answer, done


def drill(system, key, **filters) -> list[dict]:
    return system.get(f"/api/plans/{PLAN}/reports", key, province=PROVINCE, **filters
                      ).json()["reports"]


def test_marked_unmarked_and_marked_again_stays_internal_and_out_of_open_data(
        system, rpc):  # noqa: F811
    key, osm = system.key("province", PROVINCE), system.key("osm", CLUSTER)
    value = {"indicator": "NE2-1.1", "period": PERIOD, "value": HIDDEN}
    ids = []
    for step, internal in enumerate((True, False, True)):
        items = [{**value, "internal": internal}]
        if step == 0:  # an open value of the same period: the open data shows it once accepted
            items.append({"indicator": "NE2-1.2", "period": PERIOD, "value": SHOWN})
        answer, _ = sent_and_settled(system, key, "reports", items)
        assert answer["sent"] == len(items), (step, answer)  # the third send is not dropped
        ids.append(answer["event_ids"][0])
    assert len(set(ids)) == 3, ids
    [now] = [r for r in drill(system, key, indicator="NE2-1.1", period=PERIOD)
             if r["status"] == "in_force"]
    assert now["event_id"] == ids[2] and now["internal"] is True and now["value"] == HIDDEN

    # the content in force once more: nothing sent, the report in force followed
    again = post(system, key, "reports", [{**value, "internal": True}])
    assert (again["sent"], again["already_received"], again["event_ids"]) == (0, 1, [ids[2]])

    # the same with a project's progress (the API's project reports)
    project = []
    for internal in (True, False, True):
        answer, _ = sent_and_settled(system, key, "project-reports",
                                     [{**PROJECT, "internal": internal}])
        assert answer["sent"] == 1, answer
        project.append(answer["event_ids"][0])
    assert len(set(project)) == 3
    kept = {r["event_id"]: r for r in drill(system, key, project=PROJECT["project"])}
    assert kept[project[2]]["status"] == "in_force" and kept[project[2]]["internal"] is True

    # accepted: the open value is published, the internal ones are not
    before = system.get(f"/api/plans/{PLAN}/open-data", osm).json()["generated_at"]
    try:
        accept(rpc, PROVINCE, PERIOD)
        wait_until(lambda: made_for(system, osm, "accept", before), timeout=60,
                   what="the open data made at the acceptance")
        assert switch(system, True).status_code == 200
        mine = {r["indicator_code"]: r["value"] for r in csv_rows(system, "indicator-results")
                if (r["period"], r["province_code"]) == (PERIOD, PROVINCE)}
        assert mine.get("NE2-1.2") == "87.25", mine  # the period is in the open data
        assert "NE2-1.1" not in mine, mine
        everything = system.get(f"/open-data/{PLAN}/indicator-results.csv").text
        assert "4321.5" not in everything
        progress = [r for r in csv_rows(system, "project-progress")
                    if (r["project_code"], r["province_code"]) == (PROJECT["project"], PROVINCE)]
        assert progress == [] and "1234567" not in system.get(
            f"/open-data/{PLAN}/project-progress.csv").text
    finally:
        switch(system, False)
        take(rpc, "reopen", DIRECTOR, PROVINCE, "เปิดคืนหลังการทดสอบ", PERIOD)

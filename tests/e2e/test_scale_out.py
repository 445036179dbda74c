"""Scaled out: several ``nameko run`` processes of every service at once, as ``REPLICAS`` starts
them, on the local broker (the system's own vhost) and one shared store per service.

They compete for the same queues. The test counts effects, not calls: every report stored once
and the right one in force, every view equal to an independent computation, every mail at the
SMTP server once by Message-ID, one winner among concurrent commands on one asset. And it checks
that the work really was shared: each queue has a consumer per replica, and the accepted reports
were logged by more than one reporting process.
"""
from __future__ import annotations

import json
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.reliability.harness import (PROVINCES, ChaosSystem, SmtpSink,
                                       assert_no_loss_no_double, correction_stream,
                                       count_effects, off_target_fact_id, off_target_reports)
from tests.support.system import RunningSystem, admin_broker, wait_until

pytestmark = pytest.mark.e2e

REPLICAS = {"plans": 2, "reporting": 3, "assets": 2, "notify": 3, "gateway": 2}
QUEUES = {"reporting.intake": "reporting", "notify.on.reporting.indicator_off_target": "notify",
          "rpc-assets": "assets", "rpc-plans": "plans"}


class ScaledSystem(ChaosSystem):
    """``clusterctl run`` with ``REPLICAS`` on the local broker; clusterctl runs the SMTP sink
    (its files are read, by Message-ID, as the chaos cases read theirs)."""

    def __init__(self, data_dir: Path):
        RunningSystem.__init__(self, data_dir)
        self.sink = SmtpSink(data_dir / "mail", self.smtp_port)

    @property
    def env(self) -> dict:
        return dict(RunningSystem.env.fget(self), RECORD_EFFECTS="1",  # view applications
                    REPLICAS=",".join(f"{s}={n}" for s, n in REPLICAS.items()))

    def consumers(self, queue: str) -> int:
        broker = admin_broker()
        answer = requests.get(f"{broker.management_url}/api/queues/"
                              f"{requests.utils.quote(self.vhost, safe='')}/{queue}",
                              auth=(broker.username, broker.password), timeout=10)
        return answer.json().get("consumers", 0) if answer.ok else 0

    def logged_pids(self, service: str, message_start: str) -> set[int]:
        pids = set()
        for line in (self.data_dir / "logs" / f"{service}.log").read_text("utf-8").splitlines():
            entry = json.loads(line)
            if entry["message"].startswith(message_start):
                pids.add(entry["pid"])
        return pids


@pytest.fixture(scope="module")
def scaled(tmp_path_factory):
    system = ScaledSystem(tmp_path_factory.mktemp("scaled") / "var")
    try:
        system.start(timeout=240)
        yield system
    finally:
        system.stop()
        system.cleanup_broker()


def test_every_service_runs_as_several_processes_competing_for_its_queues(scaled):
    for service, count in REPLICAS.items():
        assert len(scaled.service_pids(service)) == count, service
    for queue, service in QUEUES.items():
        wait_until(lambda: scaled.consumers(queue) == REPLICAS[service], timeout=60,
                   what=f"{REPLICAS[service]} consumers on {queue}")
    assert "Replicas       plans x2, reporting x3" in scaled.output.read_text("utf-8")


def test_reports_counted_once_views_right_and_mail_sent_once(scaled, tmp_path):
    baseline = set(scaled.stored_reports())
    rng = random.Random(20261124)
    sent = {}
    for province in PROVINCES:
        stream = correction_stream(province, 150)
        rng.shuffle(stream)  # corrections of one key reach different replicas in any order
        sent[province] = stream
    mailing = off_target_reports(indicator="NE2-3.1")
    for report in mailing:
        sent[report["province"]].append(report)
    scaled.publish(sent, tmp_path, copies=2)  # and every report delivered twice
    every = [r for reports in sent.values() for r in reports]

    # applied once each across three reporting replicas, each fact one event and its mails once
    outcome = count_effects(scaled, every, baseline, {off_target_fact_id(r) for r in mailing})
    assert_no_loss_no_double(outcome)
    by_id = {r["event_id"]: r for r in every}
    for (kind, indicator, period, province), event_id in outcome["expected"].items():
        assert scaled.indicator_value(indicator, period, province) == by_id[event_id]["value"]
    assert len(scaled.logged_pids("reporting", "accepted indicator report")) >= 2

    # and no mail of any kind (reminders, facts, transfers) reached the server twice
    twice = {mid: n for mid, n in scaled.sink.message_ids().items() if n > 1}
    assert not twice


def test_concurrent_commands_on_one_asset_have_one_winner(scaled):
    pao = scaled.key("agency", "ubon-pao")
    code = "NE2-67-002-A01"  # handed over to ubon-pao in the sample registry
    version = scaled.get(f"/api/assets/{code}", pao).json()["version"]
    command = {"version": version,
               "maintenance": {"agency": "ubon-pao", "budget_thb": 120000, "note": "รับโอน"}}

    def accept(_):
        return requests.post(f"{scaled.base}/api/assets/{code}/accept", json=command, timeout=30,
                             headers={"Authorization": f"Bearer {pao}"}).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = sorted(pool.map(accept, range(8)))
    assert codes.count(200) == 1 and set(codes) <= {200, 409}, codes
    ledger = scaled.get(f"/api/assets/{code}/history", pao).json()["ledger"]
    assert [e["action"] for e in ledger].count("accept") == 1
    asset = scaled.get(f"/api/assets/{code}", pao).json()
    assert (asset["custodian"], asset["version"]) == ("ubon-pao", version + 1)
    # the acceptance is mailed (to the holder), once, by one of the three notify processes
    def accepted_and_sent():
        mails = [m for m in scaled.queued_mails() if m["template"] == "transfer_accepted"]
        return mails if mails and all(m["status"] == "sent" for m in mails) else None
    accepted = wait_until(accepted_and_sent, timeout=120, interval=0.5,
                          what="the acceptance mailed")
    at_server = scaled.sink.message_ids()
    assert all(at_server[m["message_id"]] == 1 for m in accepted)
    assert not {mid: n for mid, n in at_server.items() if n > 1}

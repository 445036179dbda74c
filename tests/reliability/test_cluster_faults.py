"""Faults of a three-node RabbitMQ cluster while four provinces publish: the node leading the
intake queue killed, a rolling restart of the three, one node paused past the heartbeat.

One cluster (tests/reliability/cluster.py) and one whole system for the module; the services
and the provinces are given every node (AMQP_URL "url1;url2;url3", credentials.json
amqp_alternates) and fail over by themselves. Each case counts as the single-node cases do
(harness.count_effects: reports stored, view applications, events per fact; 0 lost, 0 doubled,
the precedence rule kept) and records how long the intake stood still.
"""
from __future__ import annotations

import threading
import time

import pytest

from services.infra.topology import INTAKE_QUEUE_NAME
from tests.support.system import listen_port, wait_until

from .broker import reap_orphans, unavailable_reason
from .cluster import PrivateCluster
from .harness import (PROVINCES, ChaosSystem, SmtpSink, assert_no_loss_no_double,
                      correction_stream, count_effects, finish_publishing)

HEARTBEAT_S = 5  # the services' and the provinces' AMQP heartbeat here (60 by default)
PER_SECOND = 10  # each province; the streams below outlast each fault by a few seconds
ROLLING_PER_SECOND = 5


class ClusterSystem(ChaosSystem):
    province_heartbeat = HEARTBEAT_S

    @property
    def env(self) -> dict:
        return dict(super().env, AMQP_HEARTBEAT=str(HEARTBEAT_S))

    def stored_count(self) -> int:
        with self._db("reporting") as conn:
            return conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0]


@pytest.fixture(scope="module")
def cluster():
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    reap_orphans()
    nodes = PrivateCluster()
    try:
        nodes.start()
        yield nodes
    finally:
        nodes.destroy()


@pytest.fixture(scope="module")
def cluster_system(tmp_path_factory, cluster):
    sink = SmtpSink(tmp_path_factory.mktemp("cluster-mail"), listen_port())
    sink.start()
    system = ClusterSystem(tmp_path_factory.mktemp("cluster") / "var", cluster, sink)
    try:
        system.start(timeout=180)
        yield system
    finally:
        system.stop()
        sink.stop()


class IntakeWatch:
    """How many reports the intake has stored, sampled in the background: the longest time it
    stored nothing while reports were waiting is how long the intake stood still."""

    def __init__(self, system: ClusterSystem, interval: float = 0.2):
        self.system, self.interval = system, interval
        self.samples: list[tuple[float, int]] = []
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        while self.running:
            try:
                self.samples.append((time.monotonic(), self.system.stored_count()))
            except Exception:  # the file busy: the next sample counts
                pass
            time.sleep(self.interval)

    def stop(self) -> None:
        self.running = False
        self.thread.join()

    def stored_since(self, since: float) -> int:
        before = [c for t, c in self.samples if t <= since] or [0]
        return (self.samples[-1][1] if self.samples else 0) - before[-1]

    def longest_stall(self, since: float) -> float:
        """Seconds from ``since`` (the fault) between one stored report and the next, at most."""
        pairs = zip(self.samples, self.samples[1:])
        stored_at = [since] + [t for (_, before), (t, after) in pairs if after > before and t > since]
        return max((b - a for a, b in zip(stored_at, stored_at[1:])), default=float("inf"))


def publish_through(system, workdir, per_province: int, per_second: float = PER_SECOND):
    sent = {p: correction_stream(p, per_province) for p in PROVINCES}
    watch = IntakeWatch(system)
    proc, result_path = system.publish(sent, workdir, per_second=per_second, background=True)
    wait_until(lambda: watch.stored_since(0) >= 60, timeout=60, interval=0.2,
               what="the provinces' reports to start arriving")
    return sent, watch, proc, result_path


def settle(system, sent, baseline, watch, proc, result_path) -> tuple[dict, dict]:
    assert proc.poll() is None, "the provinces had finished before the fault was over"
    result = finish_publishing(proc, result_path)
    outcome = count_effects(system, [r for rs in sent.values() for r in rs], baseline)
    watch.stop()
    return result, outcome


def observed(system, result, outcome, restarts_before: int, more: str) -> str:
    return (f"{more}; {result['reconnects']} publisher reconnects, {result['republished']} sends "
            f"repeated after an unconfirmed publish; services restarted by the supervisor: "
            f"{', '.join(system.restarted_services()[restarts_before:]) or 'none'}; "
            + outcome["observed"])


def test_queues_have_a_member_on_every_node(cluster_system, cluster):
    leader, members = cluster.quorum_members(cluster_system.vhost, INTAKE_QUEUE_NAME)
    assert members == sorted(node.node for node in cluster.nodes)
    assert "amqp_alternates" in cluster_system.credentials()
    queues = cluster.queues(cluster_system.vhost)
    quorum = [q for q in queues.values() if q.get("type") == "quorum"]
    assert quorum and all(len(q.get("members", [])) == 3 for q in quorum), \
        {q["name"]: q.get("members") for q in quorum if len(q.get("members", [])) != 3}


def test_intake_leader_killed_under_load(cluster_system, cluster, workdir, record):
    system = cluster_system
    baseline, restarts_before = set(system.stored_reports()), len(system.restarted_services())
    victim = cluster.leader_of(system.vhost, INTAKE_QUEUE_NAME)
    sent, watch, proc, result_path = publish_through(system, workdir, per_province=200)
    killed_at = time.monotonic()
    victim.kill()
    # the intake goes on with the two nodes left before the victim comes back
    wait_until(lambda: watch.stored_since(killed_at + 2) >= 40, timeout=90, interval=0.2,
               what="the intake to resume on the two nodes left")
    new_leader = cluster.leader_of(system.vhost, INTAKE_QUEUE_NAME).node
    cluster.start_again(victim)
    result, outcome = settle(system, sent, baseline, watch, proc, result_path)
    resumed_s = watch.longest_stall(killed_at)
    record(fault="Cluster: the intake queue's leader killed under load",
           injected=f"SIGKILL to the node leading {INTAKE_QUEUE_NAME} (3-node cluster) while "
                    f"{len(PROVINCES)} provinces published 200 reports each at {PER_SECOND}/s; "
                    "the node started again once the intake had resumed",
           events=outcome["events"], lost=outcome["lost"], duplicated=outcome["duplicated"],
           observed=observed(system, result, outcome, restarts_before,
                             f"intake resumed after {resumed_s:.1f} s (failover; longest time "
                             f"nothing was stored), new leader on another node: "
                             f"{new_leader != victim.node}"))
    assert_no_loss_no_double(outcome)
    assert new_leader != victim.node


def test_rolling_restart_under_load(cluster_system, cluster, workdir, record):
    system = cluster_system
    baseline, restarts_before = set(system.stored_reports()), len(system.restarted_services())
    # three restarts of ~15 s each on this machine: a slower stream that outlasts them
    sent, watch, proc, result_path = publish_through(system, workdir, per_province=320,
                                                     per_second=ROLLING_PER_SECOND)
    began = time.monotonic()
    away = []
    for node in cluster.nodes:  # one at a time, each back in the cluster before the next
        away.append(cluster.restart(node))
    result, outcome = settle(system, sent, baseline, watch, proc, result_path)
    resumed_s = watch.longest_stall(began)
    record(fault="Cluster: rolling restart under load",
           injected="a clean stop and start of each of the three nodes in turn (away "
                    + ", ".join(f"{s:.1f}" for s in away) + f" s) while {len(PROVINCES)} "
                    f"provinces published 320 reports each at {ROLLING_PER_SECOND}/s",
           events=outcome["events"], lost=outcome["lost"], duplicated=outcome["duplicated"],
           observed=observed(system, result, outcome, restarts_before,
                             f"intake stood still at most {resumed_s:.1f} s at a time"))
    assert_no_loss_no_double(outcome)


def test_node_paused_past_the_heartbeat(cluster_system, cluster, workdir, record):
    system = cluster_system
    baseline, restarts_before = set(system.stored_reports()), len(system.restarted_services())
    victim = cluster.leader_of(system.vhost, INTAKE_QUEUE_NAME)
    pause_s = 3 * HEARTBEAT_S  # a client notices a silent peer after two missed heartbeats
    sent, watch, proc, result_path = publish_through(system, workdir, per_province=220)
    paused_at = time.monotonic()
    cluster.pause(victim, pause_s)
    result, outcome = settle(system, sent, baseline, watch, proc, result_path)
    resumed_s = watch.longest_stall(paused_at)
    record(fault="Cluster: the intake leader's node paused past the heartbeat",
           injected=f"SIGSTOP to the node leading {INTAKE_QUEUE_NAME} for {pause_s} s (AMQP "
                    f"heartbeat {HEARTBEAT_S} s), then SIGCONT, while {len(PROVINCES)} provinces "
                    f"published 220 reports each at {PER_SECOND}/s",
           events=outcome["events"], lost=outcome["lost"], duplicated=outcome["duplicated"],
           observed=observed(system, result, outcome, restarts_before,
                             f"intake resumed after {resumed_s:.1f} s (longest time nothing was "
                             "stored from the pause on)"))
    assert_no_loss_no_double(outcome)

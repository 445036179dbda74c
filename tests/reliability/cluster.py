"""Three private RabbitMQ nodes on this machine joined into one cluster, for the cluster faults.

Each node is a PrivateBroker (its own name, ports, data and log directories); they share an
Erlang cookie of their own (RABBITMQ_ERLANG_COOKIE, never the machine's cookie file) and are
joined with ``rabbitmqctl stop_app / join_cluster / start_app``. Quorum queues declared once the
three are joined have a member on each (RabbitMQ's default initial group size is every node).

The services get every node (``amqp_url``: kombu's "url1;url2;url3"); the management API is
asked of whichever node answers, so a fault on one node does not blind the test.
"""
from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import threading
import time
from urllib.parse import quote

import requests

from tests.support.system import wait_until

from .broker import PrivateBroker

# pause_minority: a node cut off from the other two stops serving rather than split the
# cluster (RabbitMQ's advice for three nodes; the default "ignore" never heals a partition).
CLUSTER_CONF = ("cluster_partition_handling = pause_minority",)


class PrivateCluster:
    def __init__(self, size: int = 3, conf_lines: tuple[str, ...] = (), **node_options):
        # node_options: PrivateBroker's (the bench's unbound schedulers, its statistics interval)
        cookie = secrets.token_hex(20)
        self.nodes = [PrivateBroker(conf_lines=CLUSTER_CONF + conf_lines, cookie=cookie,
                                    **node_options) for _ in range(size)]
        self.paused: set[str] = set()  # nodes stopped by pause(): the CLI cannot ask them

    @property
    def amqp_url(self) -> str:
        """Every node, kombu's failover syntax (what AMQP_URL accepts)."""
        return ";".join(node.amqp_url for node in self.nodes)

    @property
    def management_url(self) -> str:
        return self.nodes[0].management_url

    def start(self) -> None:
        # The nodes boot at once (a boot is ~7 s of one core), then join the first one by one.
        errors = []

        def boot(node):
            try:
                node.start()
            except Exception as exc:  # reported below, the test fails on it
                errors.append(exc)
        threads = [threading.Thread(target=boot, args=(node,)) for node in self.nodes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        first = self.nodes[0].node
        for node in self.nodes[1:]:
            self.ctl(node, "stop_app")
            self.ctl(node, "join_cluster", first)
            self.ctl(node, "start_app")
            node.wait_up()
        self.wait_all_running()

    def ctl(self, node: PrivateBroker, *args: str, tool: str = "rabbitmqctl",
            timeout: float = 120) -> str:
        done = subprocess.run([tool, "-n", node.node, *args], env=node._env(),
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} {' '.join(args)} on {node.node} failed: "
                               f"{done.stderr.strip()[-400:]}")
        return done.stdout

    def running_nodes(self) -> list[str]:
        return [n["name"] for n in self.api("nodes") if n.get("running")]

    def api(self, path: str):
        """GET /api/<path> from the first node that answers."""
        last = None
        for node in self.nodes:
            try:
                answer = requests.get(f"{node.management_url}/api/{path}", auth=("guest", "guest"),
                                      timeout=3)
                answer.raise_for_status()
                return answer.json()
            except requests.RequestException as exc:
                last = exc
        raise AssertionError(f"no node of the cluster answers the management API: {last}")

    def queues(self, vhost: str) -> dict[str, dict]:
        return {q["name"]: q for q in self.api(f"queues/{quote(vhost, safe='')}")}

    def quorum_members(self, vhost: str, queue: str) -> tuple[str, list[str]]:
        """(leader, members) of a quorum queue, as RabbitMQ's Raft status tells it."""
        out = self.ctl(self.up_node(), "-q", "quorum_status", queue, "--vhost", vhost, "--formatter",
                       "json", tool="rabbitmq-queues")
        rows = json.loads(out)
        leader = next(r["Node Name"] for r in rows if r["Raft State"] == "leader")
        return leader, sorted(r["Node Name"] for r in rows)

    def leader_of(self, vhost: str, queue: str) -> PrivateBroker:
        name = self.quorum_members(vhost, queue)[0]
        return next(node for node in self.nodes if node.node == name)

    def up_node(self) -> PrivateBroker:
        return next(node for node in self.nodes if node.beam_pid() and node.node not in self.paused)

    def pause(self, node: PrivateBroker, seconds: float) -> None:
        """The node's VM stopped (SIGSTOP) for ``seconds``, then let go on (SIGCONT): its sockets
        stay open and silent, as on a hung machine or a cut network."""
        pid = node.beam_pid()
        self.paused.add(node.node)
        os.kill(pid, signal.SIGSTOP)
        try:
            time.sleep(seconds)
        finally:
            os.kill(pid, signal.SIGCONT)
            self.paused.discard(node.node)

    def restart(self, node: PrivateBroker) -> float:
        """A clean stop and start of one node, as a rolling upgrade does it: first wait until
        stopping it leaves every quorum queue a majority (RabbitMQ's own check), then back in
        the cluster with the others. Returns the seconds it was away."""
        self.ctl(node, "await_online_quorum_plus_one", "-t", "120", tool="rabbitmq-upgrade")
        away = node.restart()
        self.wait_all_running()
        return away

    def start_again(self, node: PrivateBroker) -> None:
        """A node that was killed started again; it rejoins the cluster by itself."""
        node.restarts += 1
        node.start()
        self.wait_all_running()

    def wait_all_running(self) -> None:
        wait_until(lambda: len(self.running_nodes()) == len(self.nodes), timeout=90, interval=0.5,
                   what="every node of the cluster running")

    def destroy(self) -> None:
        for node in reversed(self.nodes):
            node.destroy()

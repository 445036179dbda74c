"""A private RabbitMQ node for fault injection (NOTES-nameko: never the shared broker on 5672).

Its own node name, ports, data and log directories under the test's temporary directory; the
management plugin is enabled because ``clusterctl run`` provisions through it. Restarting or
killing it touches nothing but this node.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import requests

from tests.support.system import listen_port, wait_until
from tests.support.tls import TestCa

STARTUP_TIMEOUT_S = 90


def unavailable_reason() -> str | None:
    """Why a private node cannot be started here, or None."""
    if not shutil.which("rabbitmq-server") or not shutil.which("rabbitmqctl"):
        return "rabbitmq-server is not installed on this machine (make test installs it as root)"
    if os.geteuid() != 0:
        return "a private RabbitMQ node needs root (its directories belong to the rabbitmq user)"
    return None


class PrivateBroker:
    def __init__(self, conf_lines: tuple[str, ...] = (), login: tuple[str, str] = ("guest", "guest"),
                 scheduler_bind_type: str | None = None, statistics_interval_ms: int = 1000,
                 cookie: str | None = None, tls: bool = False):
        # conf_lines: more rabbitmq.conf (tests/deploy loads definitions at boot); login: who
        # the management API is asked as once the node is up; scheduler_bind_type: the Erlang
        # VM's +stbt (the bench's "u"; RabbitMQ's default is "db"); statistics_interval_ms: 1000
        # gives the reliability report fresh queue figures, RabbitMQ's own default is 5000;
        # tls: a TLS listener for AMQP and one for the management API too, with a server
        # certificate for localhost and 127.0.0.1 signed by a CA made at start (``self.ca``)
        # Not under pytest's temporary directory: that one is private to root (0700), and the
        # node runs as the rabbitmq user.
        self.base = Path(tempfile.mkdtemp(prefix="cluster-planning-chaos-"))
        self.node = f"chaos-{uuid.uuid4().hex[:8]}@localhost"
        self.amqp_port = listen_port()  # restarted on the same ports: outside the ephemeral range
        self.management_port = listen_port()
        self.dist_port = listen_port()
        self.restarts = 0
        self.conf_lines, self.login = conf_lines, login
        self.scheduler_bind_type, self.statistics_interval_ms = scheduler_bind_type, statistics_interval_ms
        # cookie: the Erlang cookie of a private cluster (tests/reliability/cluster.py), given
        # to the node and to every rabbitmqctl call by RABBITMQ_ERLANG_COOKIE; never the file of
        # the machine's own broker. None: that file, as a lone node always did.
        self.cookie = cookie
        self.tls, self.ca = tls, None
        self.ssl_port = listen_port() if tls else None
        self.management_ssl_port = listen_port() if tls else None

    @property
    def amqp_url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.amqp_port}/"

    @property
    def management_url(self) -> str:
        return f"http://127.0.0.1:{self.management_port}"

    @property
    def amqps_url(self) -> str:
        return f"amqps://guest:guest@127.0.0.1:{self.ssl_port}/"

    @property
    def management_https_url(self) -> str:
        return f"https://127.0.0.1:{self.management_ssl_port}"

    def _tls_conf(self) -> str:
        """The TLS listeners (RabbitMQ's TLS guide): the peer verified when it presents a
        certificate, none required (provinces log in with passwords)."""
        self.ca = TestCa(self.base / "tls")
        cert, key = self.ca.issue("localhost", ("localhost", "127.0.0.1"))
        files = (f"cacertfile = {self.ca.cert}\n", f"certfile = {cert}\n", f"keyfile = {key}\n")
        return (f"listeners.ssl.default = {self.ssl_port}\n"
                + "".join(f"ssl_options.{line}" for line in files)
                + "ssl_options.verify = verify_peer\nssl_options.fail_if_no_peer_cert = false\n"
                + f"management.ssl.port = {self.management_ssl_port}\n"
                + "management.ssl.ip = 127.0.0.1\n"
                + "".join(f"management.ssl.{line}" for line in files))

    def _env(self) -> dict:
        bind = {"RABBITMQ_SCHEDULER_BIND_TYPE": self.scheduler_bind_type} if self.scheduler_bind_type else {}
        if self.cookie:
            bind["RABBITMQ_ERLANG_COOKIE"] = self.cookie
        return dict(os.environ, **bind,
                    RABBITMQ_NODENAME=self.node,
                    RABBITMQ_NODE_PORT=str(self.amqp_port),
                    RABBITMQ_DIST_PORT=str(self.dist_port),
                    RABBITMQ_MNESIA_BASE=str(self.base / "mnesia"),
                    RABBITMQ_LOG_BASE=str(self.base / "log"),
                    RABBITMQ_ENABLED_PLUGINS_FILE=str(self.base / "enabled_plugins"),
                    RABBITMQ_CONFIG_FILE=str(self.base / "rabbitmq"))

    def start(self) -> None:
        if self.restarts == 0:
            (self.base / "mnesia").mkdir(parents=True, exist_ok=True)
            (self.base / "log").mkdir(exist_ok=True)
            (self.base / "enabled_plugins").write_text("[rabbitmq_management].\n")
            (self.base / "rabbitmq.conf").write_text(
                f"listeners.tcp.default = {self.amqp_port}\n"
                f"management.tcp.port = {self.management_port}\n"
                "management.tcp.ip = 127.0.0.1\n"
                f"collect_statistics_interval = {self.statistics_interval_ms}\n"
                + (self._tls_conf() if self.tls else "")
                + "".join(f"{line}\n" for line in self.conf_lines))
            subprocess.run(["chown", "-R", "rabbitmq:rabbitmq", str(self.base)], check=True)
        subprocess.run(["rabbitmq-server", "-detached"], env=self._env(), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.wait_up()

    def wait_up(self) -> None:
        wait_until(lambda: requests.get(f"{self.management_url}/api/overview",
                                        auth=self.login, timeout=2).status_code == 200,
                   timeout=STARTUP_TIMEOUT_S, interval=0.25,
                   what=f"private broker {self.node} to start (its logs: {self.base / 'log'})")

    def stop(self) -> None:
        subprocess.run(["rabbitmqctl", "-n", self.node, "stop"], env=self._env(),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)

    def restart(self) -> float:
        """A clean stop and start of the node; returns how long it was away, in seconds."""
        return self._down_and_up(self.stop)

    def kill_and_start(self) -> float:
        """The node dies at once (no clean shutdown of its queues) and is started again."""
        return self._down_and_up(self.kill)

    def _down_and_up(self, take_down) -> float:
        began = time.monotonic()
        take_down()
        self.restarts += 1
        self.start()
        return time.monotonic() - began

    def beam_pid(self) -> int | None:
        return next((pid for pid, env in beam_processes() if env.get("RABBITMQ_NODENAME") == self.node),
                    None)

    def kill(self) -> None:
        """The node's VM dies at once (SIGKILL): no clean shutdown of its queues."""
        pid = self.beam_pid()
        if pid:
            os.kill(pid, signal.SIGKILL)
            wait_until(lambda: not Path(f"/proc/{pid}").exists(), timeout=30, interval=0.1,
                       what=f"private broker {self.node} to die")

    def ctl(self, *args: str) -> str:
        """``rabbitmqctl -n <this node> ARGS`` (e.g. an alarm's threshold); its output."""
        done = subprocess.run(["rabbitmqctl", "-n", self.node, *args], env=self._env(),
                              capture_output=True, text=True, timeout=60)
        if done.returncode:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {done.stdout}{done.stderr}")
        return done.stdout

    def blocked_connections(self) -> int:
        """Connections the node holds back from publishing (an alarm: state blocked/blocking)."""
        answer = requests.get(f"{self.management_url}/api/connections", auth=self.login,
                              params={"columns": "state"}, timeout=10)
        answer.raise_for_status()
        # A connection not yet stated comes back as [] when filtered to its state (RabbitMQ
        # writes an empty property list as a JSON list, not an object).
        return sum(1 for c in answer.json()
                   if isinstance(c, dict) and c.get("state") in ("blocked", "blocking"))

    def unacknowledged(self, vhost: str, queue: str) -> int:
        """Deliveries handed to consumers and not yet acknowledged."""
        return self.queue_figure(vhost, queue, "messages_unacknowledged")

    def queue_figure(self, vhost: str, queue: str, field: str) -> int:
        """One figure of a queue as the node sees it now (rabbitmqctl asks the queue itself;
        the management API's figures lag by seconds)."""
        out = subprocess.run(["rabbitmqctl", "-n", self.node, "-q", "list_queues", "-p", vhost,
                              "name", field, "--no-table-headers"],
                             env=self._env(), capture_output=True, text=True, timeout=30).stdout
        return next((int(line.split()[1]) for line in out.splitlines()
                     if line.split() and line.split()[0] == queue), 0)

    def queues(self, vhost: str) -> dict[str, dict]:
        answer = requests.get(f"{self.management_url}/api/queues/{requests.utils.quote(vhost, safe='')}",
                              auth=("guest", "guest"), timeout=10)
        answer.raise_for_status()
        return {q["name"]: q for q in answer.json()}

    def destroy(self) -> None:
        try:
            self.stop()
        except subprocess.TimeoutExpired:
            pass
        self.kill()  # whatever a stop left running
        shutil.rmtree(self.base, ignore_errors=True)


def beam_processes():
    """(pid, environment) of every Erlang VM running RabbitMQ on this machine."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if not cmdline.read_bytes().split(b"\0")[0].endswith(b"beam.smp"):
                continue
            raw = (cmdline.parent / "environ").read_bytes()
        except (OSError, IndexError):
            continue
        env = dict(item.split("=", 1) for item in raw.decode("utf-8", "replace").split("\0") if "=" in item)
        yield int(cmdline.parent.name), env


def reap_orphans() -> list[int]:
    """Kill private nodes an aborted earlier run left behind: ours by name and directory, and
    their directory gone. Never the shared broker, never another run's live node."""
    killed = []
    for pid, env in beam_processes():
        base = env.get("RABBITMQ_MNESIA_BASE", "")
        if (env.get("RABBITMQ_NODENAME", "").startswith("chaos-")
                and "/cluster-planning-chaos-" in base and not Path(base).exists()):
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
    return killed

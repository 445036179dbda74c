"""Helpers to run the whole system as `make run` does, and to act on it as outsiders would."""
from __future__ import annotations

import json
import os
import random
import signal
import socket
import ssl
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pika
import requests

from clusterctl.broker import Management
from clusterctl.settings import DEFAULT_AMQP_URL, REPO_ROOT, Broker


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listen_port() -> int:
    """A free port below the kernel's ephemeral range, for a server that is stopped and started
    again on the same port (the fault suite's private broker): a port from ``free_port`` is in
    that range, and while the server is down an outgoing connection of any process may be given
    it, so the restart fails with the address in use (seen once in a full run)."""
    try:
        low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    for _ in range(200):
        port = random.randrange(10_000, max(10_001, low))
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    return free_port()


def admin_broker() -> Broker:
    return Broker.from_cluster_url(os.environ.get("AMQP_URL") or DEFAULT_AMQP_URL,
                                   os.environ.get("RABBIT_MANAGEMENT_URL"))


def wait_until(condition, timeout: float = 20, interval: float = 0.2, what: str = "condition"):
    """Poll ``condition`` until it returns something truthy; fail with ``what`` after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            result = condition()
            if result:
                return result
        except Exception as exc:  # not yet
            last = exc
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}" + (f": {last}" if last else ""))


class RunningSystem:
    """`python -m clusterctl run` in a private data dir, vhost, user prefix and ports."""

    def __init__(self, data_dir: Path, tag: str | None = None, python: str | None = None,
                 cwd: Path | None = None, sample_year: bool = False, extra_env: dict | None = None):
        self.data_dir = data_dir
        self.extra_env = extra_env or {}
        self.python = python or sys.executable  # tests/smoke: another venv's, run outside the
        self.cwd = cwd or REPO_ROOT             # checkout (the code installed there is used)
        self.tag = tag or uuid.uuid4().hex[:8]
        self.vhost = f"test-e2e-{self.tag}"
        self.prefix = f"t{self.tag}-"
        self.port = free_port()
        self.smtp_port = free_port()
        self.proc: subprocess.Popen | None = None
        self.starts = 0  # how many times it said "ready" (the output file is appended to)
        self.output = data_dir / "clusterctl.out"
        # the sample fiscal year (SEED_SAMPLE_YEAR) only where a test asks for it: the others
        # choose their own indicator/period combinations and count their own rejections and mail
        self.sample_year = sample_year

    @property
    def env(self) -> dict:
        return dict(os.environ, DATA_DIR=str(self.data_dir), AMQP_VHOST=self.vhost,
                    AMQP_USER_PREFIX=self.prefix, GATEWAY_PORT=str(self.port),
                    SMTP_PORT=str(self.smtp_port), PYTHONUNBUFFERED="1",
                    SEED_SAMPLE_YEAR="1" if self.sample_year else "0",
                    # many tests sign in from 127.0.0.1 within a minute; the limit itself is
                    # tested where it is set (tests/deploy/test_serve.py)
                    LOGIN_LIMIT_PER_MINUTE="1000", **self.extra_env)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        out = open(self.output, "ab")
        self.proc = subprocess.Popen([self.python, "-m", "clusterctl", "run"], cwd=self.cwd,
                                     env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        out.close()
        wait_until(self._ready, timeout=timeout, interval=0.5, what="the system to be ready")
        self.starts += 1

    def _ready(self):
        """Ready as a person sees it: the runner said so (it then supervises), and /health is ok."""
        if self.proc.poll() is not None:
            raise AssertionError(f"clusterctl exited {self.proc.returncode}:\n{self.output.read_text()}")
        said_ready = self.output.read_text("utf-8", "replace").count("clusterctl: ready.")
        return said_ready > self.starts and \
            requests.get(f"{self.base}/health", timeout=3).status_code == 200

    def stop(self, timeout: float = 60) -> int:
        """Ctrl-C, as a person would; returns the exit status."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            raise

    def leftover_processes(self) -> list[str]:
        """Processes still running whose command line names this system's data dir."""
        found = []
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                args = cmdline.read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            except OSError:  # exited meanwhile
                continue
            if str(self.data_dir) in args:
                found.append(f"{cmdline.parent.name} {args}")
        return found

    def add_person(self, username: str, duty: str, organisation: str | None, password: str,
                   name: str = "ทดสอบ ระบบ", email: str | None = None) -> None:
        """A person with a password, written to the gateway's accounts store as the admin's
        invitation would leave it (the store is the one `clusterctl admin-link` opens)."""
        from services.gateway.accounts.handlers import Accounts
        from services.gateway.accounts.store import open_store
        store = open_store(f"sqlite:///{self.data_dir / 'gateway.sqlite3'}")
        try:
            people = Accounts(store)
            clusters = {c["code"]: c for c in self.get("/api/clusters", self.key()).json()}
            known = {"cluster": set(clusters),
                     "province": {p["code"] for c in clusters.values() for p in c["provinces"]},
                     "agency": {organisation} if duty == "agency_officer" else set()}
            people.create_user({"username": username, "name": name, "duty": duty,
                                "email": email or f"{username}@example.org",
                                "organisation": organisation}, "tests", known)
            token, _ = people.new_link(username, "invitation")
            people.set_password_by_link(token, password)
        finally:
            store.close()

    def first_admin_link(self) -> str | None:
        """The one-time link `make run` printed to set the admin's password (the last one)."""
        import re
        found = re.findall(r"First admin +open (\S+)", self.output.read_text("utf-8", "replace"))
        return found[-1] if found else None

    def credentials(self) -> dict:
        return json.loads((self.data_dir / "credentials.json").read_text("utf-8"))

    def key(self, role: str = "admin", scope: str | None = None) -> str:
        creds = self.credentials()
        if role == "admin":
            return creds["admin"]["api_key"]
        if role == "osm":
            return creds["osm"][scope]["api_key"]
        if role == "agency":
            return creds["agencies"][scope]["api_key"]
        return creds["provinces"][scope]["api_key"]

    def get(self, path: str, key: str | None = None, **params):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return requests.get(f"{self.base}{path}", headers=headers, params=params, timeout=15)

    def mails(self) -> list[Path]:
        return sorted((self.data_dir / "mail").glob("*.eml"))

    def cleanup_broker(self) -> None:
        api = Management(admin_broker())
        api.delete_vhost(self.vhost)
        creds_path = self.data_dir / "credentials.json"
        if creds_path.exists():
            creds = self.credentials()
            for entry in [*creds["provinces"].values(), *creds.get("agencies", {}).values()]:
                if "amqp_username" in entry:  # provinces, and implementing agencies
                    api.delete_user(entry["amqp_username"])
            api.delete_user(creds["services"]["amqp_username"])
            if "gateway" in creds:  # the gateway's own user (contracts/reports.py)
                api.delete_user(creds["gateway"]["amqp_username"])


class Province:
    """A province's own system publishing with plain pika, following DESIGN 3.3 only - or an
    implementing agency's (``code`` an agency code: its AMQP login ``agency.<code>``)."""

    def __init__(self, credentials: dict, code: str, ca_file: str | None = None):
        entry = credentials["provinces"].get(code) or credentials["agencies"][code]
        self.code = code
        self.username = entry["amqp_username"]
        params = pika.URLParameters(credentials["amqp_url"])
        if credentials["amqp_url"].startswith("amqps://"):  # verified: the CA and the host name
            params.ssl_options = pika.SSLOptions(ssl.create_default_context(cafile=ca_file),
                                                 params.host)
        params.credentials = pika.PlainCredentials(entry["amqp_username"], entry["amqp_password"])
        self.connection = pika.BlockingConnection(params)
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()

    def publish(self, body, kind: str = "indicator", routing_key: str | None = None,
                event_id: str | None = None, **props) -> None:
        raw = body if isinstance(body, (bytes, str)) else json.dumps(body, ensure_ascii=False)
        properties = dict(user_id=self.username, content_type="application/json",
                          delivery_mode=2)
        if event_id:
            properties["message_id"] = event_id
        properties.update(props)
        self.channel.basic_publish("reports", routing_key or f"report.{self.code}.{kind}",
                                   raw.encode("utf-8") if isinstance(raw, str) else raw,
                                   pika.BasicProperties(**properties), mandatory=True)

    def report(self, indicator: str, period: str, value, reported_at: str, **extra) -> str:
        event_id = extra.pop("event_id", None) or str(uuid.uuid4())
        body = {"event_id": event_id, "province": self.code, "indicator": indicator,
                "period": period, "value": value, "reported_at": reported_at, **extra}
        self.publish(body, event_id=event_id)
        return event_id

    def project(self, project: str, province: str, as_of: str, reported_at: str,
                **fields) -> str:
        """A project progress report for ``province`` (an agency names where the project runs)."""
        event_id = fields.pop("event_id", None) or str(uuid.uuid4())
        body = {"event_id": event_id, "province": province, "project": project, "as_of": as_of,
                "reported_at": reported_at, "physical_progress_pct": 10.0,
                "disbursed_thb": 0.0, "procurement_stage": "procurement", **fields}
        self.publish(body, kind="project", event_id=event_id)
        return event_id

    def close(self) -> None:
        if self.connection.is_open:
            self.connection.close()

"""What the containers run, run here against the local broker (a vhost of the test's own):
``clusterctl serve`` becomes the service's ``nameko run`` process configured from the
environment, ``clusterctl probe`` follows its heartbeat, its METRICS_PORT answers ``/live``,
``/ready`` and ``/metrics``, and ``clusterctl load-reference`` loads the 18 clusters into the plans
service it serves."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid

import pytest
import requests

from clusterctl import deploy
from clusterctl.broker import Management
from clusterctl.settings import REPO_ROOT
from tests.support.system import admin_broker, wait_until

pytestmark = pytest.mark.deploy


@pytest.fixture
def env(tmp_path):
    broker = admin_broker()
    vhost = f"test-serve-{uuid.uuid4().hex[:8]}"
    api = Management(broker)
    api.ensure_vhost(vhost)
    api.set_permissions(vhost, broker.username, ".*", ".*", ".*")
    try:
        yield dict(os.environ, AMQP_URL=broker.amqp_uri(vhost), AMQP_VHOST=vhost,
                   DATA_DIR=str(tmp_path / "data"), HEARTBEAT_DIR=str(tmp_path / "heartbeat"),
                   TMPDIR=str(tmp_path), PYTHONUNBUFFERED="1")
    finally:
        api.delete_vhost(vhost)


def clusterctl(env, *args, **kwargs):
    return subprocess.run([sys.executable, "-m", "clusterctl", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120, **kwargs)


def serve(env, service, tmp_path):
    log = open(tmp_path / f"{service}.log", "wb")
    return subprocess.Popen([sys.executable, "-m", "clusterctl", "serve", service], cwd=REPO_ROOT,
                            env=env, stdout=log, stderr=subprocess.STDOUT)


def test_serve_runs_the_service_and_probe_follows_its_heartbeat(env, tmp_path):
    proc = serve(env, "reporting", tmp_path)
    try:
        heartbeat = tmp_path / "heartbeat" / "reporting"
        wait_until(heartbeat.exists, timeout=60, what="the reporting heartbeat")
        args = open(f"/proc/{proc.pid}/cmdline", "rb").read().split(b"\0")
        assert b"nameko" in args and b"services.reporting.service:ReportingService" in args
        config = next(a for a in args if a.endswith(b".yaml")).decode()
        assert oct(os.stat(config).st_mode & 0o777) == "0o600"  # it holds the AMQP password
        answered = clusterctl(env, "probe", "reporting")
        assert answered.returncode == 0 and "reporting: alive" in answered.stdout
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    alive, said = deploy.probe("reporting", env, now=heartbeat.stat().st_mtime + 60)
    assert not alive and "last heartbeat 60 s ago" in said
    missing = clusterctl(env, "probe", "notify")
    assert missing.returncode == 1 and "notify: no heartbeat" in missing.stderr


def test_a_served_service_answers_its_probes_and_metrics_on_metrics_port(env, tmp_path):
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = serve({**env, "METRICS_PORT": str(port), "LOG_LEVEL": "warning"}, "notify", tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: requests.get(f"{base}/ready", timeout=5).status_code == 200,
                   timeout=60, what="notify's /ready")
        assert requests.get(f"{base}/live", timeout=5).text == "alive\n"
        metrics = requests.get(f"{base}/metrics", timeout=5).text
        assert "# TYPE cluster_entrypoint_seconds histogram" in metrics
        assert "process_cpu_seconds_total" in metrics
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    logged = (tmp_path / "notify.log").read_text()
    assert '"level":"INFO"' not in logged.replace(" ", "")  # LOG_LEVEL=warning


def test_an_invalid_log_level_stops_serve_at_once_naming_the_variable(env):
    refused = clusterctl({**env, "LOG_LEVEL": "loud"}, "serve", "plans")
    assert refused.returncode != 0
    assert "LOG_LEVEL='loud'" in refused.stderr + refused.stdout
    assert "DEBUG, INFO, WARNING, ERROR, CRITICAL" in refused.stderr + refused.stdout


def test_load_reference_loads_the_clusters_into_the_served_plans(env, tmp_path):
    proc = serve(env, "plans", tmp_path)
    try:
        first = clusterctl(env, "load-reference")
        assert first.returncode == 0, first.stderr
        assert "18 clusters, 76 provinces (loaded)" in first.stdout
        again = clusterctl(env, "load-reference")
        assert "(already loaded)" in again.stdout
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


def test_a_bad_service_name_or_setting_is_refused_in_one_line(env):
    unknown = clusterctl(env, "serve", "mailer")
    assert unknown.returncode == 2
    assert "unknown service 'mailer'; one of plans, reporting, assets, notify, gateway" in unknown.stderr
    bad = clusterctl(dict(env, MONGO_URL="localhost:27017"), "serve", "plans")
    assert bad.returncode == 2 and "MONGO_URL" in bad.stderr


def test_behind_one_proxy_the_login_limit_counts_each_client_not_the_proxy(env, tmp_path):
    from clusterctl.credentials import ensure_credentials
    from tests.support.system import free_port
    creds = tmp_path / "credentials.json"
    ensure_credentials(creds, "amqp://x/", [])
    port = free_port()
    proc = serve(dict(env, SERVICE_CREDENTIALS_PATH=str(creds.with_name("service-credentials.json")),
                      GATEWAY_HOST="127.0.0.1",
                      GATEWAY_PORT=str(port), TRUSTED_PROXY_HOPS="1"), "gateway", tmp_path)
    url = f"http://127.0.0.1:{port}/login"

    def login(client):
        return requests.post(url, data={"api_key": "wrong"}, timeout=10,
                             headers={"X-Forwarded-For": client}).status_code
    try:
        wait_until(lambda: requests.get(f"http://127.0.0.1:{port}/login", timeout=2).ok,
                   timeout=60, what="the gateway")
        # refused (no form token, 400) but counted first: twelve clients, none limited
        assert [login(f"10.0.0.{n}") for n in range(1, 13)] == [400] * 12
        assert [login("10.9.9.9") for _ in range(11)][-1] == 429  # one client, over 10 a minute
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)

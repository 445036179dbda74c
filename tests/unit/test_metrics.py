"""Metrics of a service process (services/infra/metrics.py): counters moved where the work is
done, a latency histogram per entrypoint through real nameko workers, and the probe port."""
import socket
import subprocess
import urllib.request
import urllib.error

import pytest
import yaml
from nameko.containers import ServiceContainer
from nameko.rpc import rpc
from nameko.testing.services import entrypoint_hook
from prometheus_client import REGISTRY

from clusterctl.settings import REPO_ROOT
from services.infra.messaging import RawMessage, on_event
from services.infra.metrics import Observability
from services.reporting import domain, handlers


def value(name, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class Service:
    name = "metricsdemo"
    observability = Observability()

    @rpc
    def ask(self):
        return "ok"

    @rpc
    def fail(self):
        raise ValueError("no")

    @on_event("plans", "plan_published")
    def on_plan(self, payload):
        return None


SECONDS = dict(service="metricsdemo", entrypoint="ask", type="rpc")


def samples() -> list[float]:
    return [value("cluster_entrypoint_seconds_count", **SECONDS),
            value("cluster_rpc_calls_total", service="metricsdemo", method="ask", outcome="ok"),
            value("cluster_rpc_calls_total", service="metricsdemo", method="fail",
                  outcome="error"),
            value("cluster_events_handled_total", service="metricsdemo", handler="on_plan",
                  outcome="ok")]


def test_every_entrypoint_is_timed_and_rpc_calls_and_events_counted_by_outcome():
    container = ServiceContainer(Service, {"AMQP_URI": "memory://"})
    before = samples()
    with entrypoint_hook(container, "ask") as ask:
        assert ask() == "ok"
    with entrypoint_hook(container, "fail") as fail, pytest.raises(ValueError):
        fail()
    with entrypoint_hook(container, "on_plan") as on_plan:
        on_plan({"event_id": "e1"})
    after = samples()
    assert [a - b for a, b in zip(after, before)] == [1, 1, 1, 1]
    assert value("cluster_entrypoint_seconds_count", service="metricsdemo",
                 entrypoint="on_plan", type="event") >= 1
    assert value("cluster_entrypoint_seconds_sum", **SECONDS) > 0


def message(body: bytes, routing_key="report.TH-34.indicator") -> RawMessage:
    return RawMessage(body=body, routing_key=routing_key, user_id="TH-34", message_id="m1",
                      content_type="application/json", redelivered=False, headers={})


def test_intake_counters_move_when_a_report_is_accepted_duplicate_or_rejected():
    sender = domain.Sender("TH-34", "TH-34")
    valid = domain.ValidReport("indicator", {}, "plan", "IND-1", "2567-Q1", "2024-01-01")
    rejection = handlers.Checked(message(b"not json"), sender,
                                 domain.Rejection("not JSON", None, "indicator"), None)
    untrusted = handlers.Checked(message(b"{}", "report.TH-34.x" * 20), sender,
                                 domain.Rejection("unknown kind", None, "x" * 20), None)
    accepted = handlers.Checked(message(b"{}"), sender, valid, "e1")
    labels = [("indicator", "accepted"), ("indicator", "duplicate"), ("indicator", "rejected"),
              ("other", "rejected")]
    before = [value("cluster_intake_reports_total", kind=k, outcome=o) for k, o in labels]
    handlers.log_outcome(accepted, "accepted")
    handlers.log_outcome(accepted, "duplicate")
    handlers.log_outcome(rejection, "rejected")
    handlers.log_outcome(rejection, "duplicate rejection")  # kept already: not counted again
    handlers.log_outcome(untrusted, "rejected")  # a kind from the routing key: no new series
    after = [value("cluster_intake_reports_total", kind=k, outcome=o) for k, o in labels]
    assert [a - b for a, b in zip(after, before)] == [1, 1, 1, 1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def consuming(container) -> None:
    """As the consumers' connection does once they are registered with the broker."""
    for entrypoint in container.entrypoints:
        if hasattr(entrypoint, "reader"):
            entrypoint.reader.consuming = True


@pytest.fixture
def serving(rabbit_config):
    """An Observability provider serving on a free port, on the hub of this (monkey-patched)
    process, as in a service."""
    port = free_port()
    container = ServiceContainer(Service, {**rabbit_config, "METRICS_PORT": port,
                                           "METRICS_HOST": "127.0.0.1"})
    provider = next(d for d in container.dependencies if isinstance(d, Observability))
    provider.start()
    try:
        yield port, container, provider
    finally:
        provider.stop()
        container.kill()


def test_the_probe_port_serves_metrics_liveness_and_readiness(serving):
    port, container, provider = serving
    with entrypoint_hook(container, "ask") as ask:
        ask()
    status, text = get(port, "/metrics")
    assert status == 200
    assert 'cluster_entrypoint_seconds_bucket{entrypoint="ask"' in text
    assert "process_resident_memory_bytes" in text and "python_info" in text
    assert get(port, "/live") == (200, "alive\n")
    # the container was never started: its event consumer takes nothing, so no traffic yet
    status, text = get(port, "/ready")
    assert status == 503 and "not consuming yet" in text, text
    consuming(container)
    assert get(port, "/ready") == (200, "ready\n")
    assert get(port, "/nothing")[0] == 404


def test_not_ready_while_the_broker_does_not_answer(serving):
    port, container, provider = serving
    container.config["AMQP_URI"] = f"amqp://guest:guest@127.0.0.1:{free_port()}/"
    provider.checked_at = 0.0  # check again now
    provider.broker = None
    status, text = get(port, "/ready")
    assert status == 503 and "broker" in text
    assert get(port, "/live")[0] == 200  # no reason to restart the process


def test_the_compose_health_check_is_a_get_of_ready_without_python(serving):
    port, container, _ = serving
    consuming(container)
    compose = yaml.safe_load((REPO_ROOT / "deploy" / "compose" / "compose.yaml").read_text())
    test = compose["services"]["reporting"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "bash", "-c"] and "python" not in test[3]
    script = test[3].replace("/9100", f"/{port}")
    assert subprocess.run(["bash", "-c", script], timeout=10).returncode == 0
    broken = test[3].replace("/9100", f"/{free_port()}")
    assert subprocess.run(["bash", "-c", broken], timeout=10,
                          stderr=subprocess.DEVNULL).returncode != 0

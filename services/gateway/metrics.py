"""``GET /metrics`` of the gateway, through prometheus_client's exposition: the gateway
process's own metrics (entrypoint latency and RPC outcomes, process and GC - the default
registry, services/infra/metrics.py) and the broker's view of every consumed queue (ready
messages and consumers, read by the caller with a passive declare per queue).

Reports, rejections, parked messages and mails are counted by the services that handle them, on
their own metrics port (``METRICS_PORT``): nothing here counts over a store per scrape."""
from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

CONTENT_TYPE = CONTENT_TYPE_LATEST


class QueueDepths(Collector):
    def __init__(self, queues: dict[str, tuple[int, int]]):
        self.queues = queues

    def collect(self):
        ready = GaugeMetricFamily("cluster_queue_messages", "Messages ready in a consumed queue.",
                                  labels=["queue"])
        consumers = GaugeMetricFamily("cluster_queue_consumer_count", "Consumers attached to a queue "
                                      "(0: nobody is processing it).", labels=["queue"])
        for queue, (messages, attached) in sorted(self.queues.items()):
            ready.add_metric([queue], messages)
            consumers.add_metric([queue], attached)
        yield ready
        yield consumers


def exposition(queues: dict[str, tuple[int, int]]) -> bytes:
    """The process's metrics, then the queues' (Prometheus text format 0.0.4)."""
    broker = CollectorRegistry(auto_describe=False)
    broker.register(QueueDepths(queues))
    return generate_latest(REGISTRY) + generate_latest(broker)

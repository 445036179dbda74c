"""nameko extensions that keep the messaging rules of DESIGN 2 (see NOTES-nameko.md for why).

- ``raw_consumer``: the handler gets the raw bytes and AMQP properties, so a body nobody can
  decode still reaches our code and becomes a stored rejection instead of vanishing.
- ``batch_consumer``: the same, but the handler gets every message that arrived together (up to
  ``max_batch``) in one call, so one transaction and one commit serve them all; it returns the
  indexes of the ones to retry, and the rest are acknowledged.
- ``on_event``: an event handler on the quorum queue named in contracts/topology.py, requeued on
  error; the broker's delivery-limit policy parks it after a bounded number of tries.
- ``Topology``: declares the whole topology when the service starts.
- ``dispatcher()``: events published with ``mandatory=True``, so "routed nowhere" is an error.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import partial

import eventlet

from kombu import Connection
from nameko.events import EventDispatcher, EventHandler
from nameko.extensions import DependencyProvider
from nameko.messaging import Consumer, QueueConsumer

from services.contracts import topology

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RawMessage:
    body: bytes
    routing_key: str
    user_id: str | None
    message_id: str | None
    content_type: str | None
    redelivered: bool
    headers: dict = field(default_factory=dict)


class _RawQueueConsumer(QueueConsumer):
    """A QueueConsumer whose kombu consumers skip decoding (``on_message`` instead of callbacks)."""

    @property
    def prefetch_count(self):
        # A batch consumer needs a batch's worth of unacknowledged deliveries in hand.
        return max([self.container.max_workers] +
                   [getattr(p, "max_batch", 0) for p in self._providers])

    def get_consumers(self, consumer_cls, channel):
        for provider in self._providers:
            consumer = consumer_cls(queues=[provider.queue],
                                    on_message=partial(self._on_raw_message, provider))
            consumer.qos(prefetch_count=self.prefetch_count)
            self._consumers[provider] = consumer
        return self._consumers.values()

    def _on_raw_message(self, provider, message):
        self.handle_message(provider, message.body, message)


class RawConsumer(Consumer):
    queue_consumer = _RawQueueConsumer()

    def __init__(self, queue, **kwargs):
        # Requeue on error: a crash (not a bad report) is retried up to the delivery limit.
        super().__init__(queue, requeue_on_error=True, **kwargs)

    @staticmethod
    def _raw(body, message) -> RawMessage:
        props = message.properties
        return RawMessage(
            body=body if isinstance(body, bytes) else str(body).encode("utf-8"),
            routing_key=message.delivery_info.get("routing_key", ""),
            user_id=props.get("user_id"),
            message_id=props.get("message_id"),
            content_type=props.get("content_type"),
            redelivered=bool(message.delivery_info.get("redelivered")),
            headers=dict(message.headers or {}),
        )

    def handle_message(self, body, message):
        raw = self._raw(body, message)
        handle_result = partial(self.handle_result, message)
        try:
            self.container.spawn_worker(self, (raw,), {}, context_data={},
                                        handle_result=handle_result)
        except Exception:  # container being killed: leave it for the next consumer
            self.queue_consumer.requeue_message(message)


raw_consumer = RawConsumer.decorator


class BatchConsumer(RawConsumer):
    """Messages that arrive together are handled together: one worker per batch.

    A batch is what is in hand ``BATCH_WAIT_S`` after its first message, or ``max_batch``
    messages. The handler returns the indexes of messages to retry (requeued, so the broker's
    delivery limit still counts each one); the others are acknowledged after the handler has
    returned, i.e. after what it stored is committed.
    """
    BATCH_WAIT_S = 0.005

    def __init__(self, queue, max_batch: int = 200, **kwargs):
        super().__init__(queue, **kwargs)
        self.max_batch = max_batch
        self._batch: list = []
        self._flush_pending = False

    def handle_message(self, body, message):
        self._batch.append((self._raw(body, message), message))
        if len(self._batch) >= self.max_batch:
            self._flush()
        elif not self._flush_pending:
            self._flush_pending = True
            self.container.spawn_managed_thread(self._flush_soon)

    def _flush_soon(self):
        eventlet.sleep(self.BATCH_WAIT_S)
        try:
            self._flush()
        except Exception:  # an error in a managed thread would kill the service: the broker
            log.exception("could not hand a batch to a worker; the broker will redeliver it")

    def _flush(self):
        batch, self._batch, self._flush_pending = self._batch, [], False
        if not batch:
            return
        messages = [message for _, message in batch]
        try:
            self.container.spawn_worker(self, ([raw for raw, _ in batch],), {}, context_data={},
                                        handle_result=partial(self._batch_done, messages))
        except Exception:  # container being killed: leave them for the next consumer
            for message in messages:
                self.queue_consumer.requeue_message(message)

    def _batch_done(self, messages, worker_ctx, result=None, exc_info=None):
        retry = set(range(len(messages))) if exc_info is not None else set(result or ())
        for index, message in enumerate(messages):
            try:
                if index in retry:
                    self.queue_consumer.requeue_message(message)
                else:
                    self.queue_consumer.ack_message(message)
            except Exception:  # the connection is gone: the broker redelivers what was unacked
                log.warning("could not settle a delivery (connection lost); it will be redelivered")
        return result, exc_info


batch_consumer = BatchConsumer.decorator


class ReliableEventHandler(EventHandler):
    def __init__(self, source_service, event_type, **kwargs):
        kwargs.setdefault("requeue_on_error", True)
        super().__init__(source_service, event_type, **kwargs)

    def setup(self):
        sub = topology.find_subscription(self.container.service_name, self.source_service,
                                         self.event_type)
        self.queue = topology.subscription_queue(sub)
        Consumer.setup(self)  # skip EventHandler.setup: it would declare a classic queue


on_event = ReliableEventHandler.decorator


def dispatcher() -> EventDispatcher:
    return EventDispatcher(mandatory=True)


class Topology(DependencyProvider):
    """Declares every exchange, queue and binding before the service consumes or publishes."""

    def setup(self):
        with Connection(self.container.config["AMQP_URI"]) as conn:
            conn.ensure_connection(max_retries=3)
            topology.declare_topology(conn)

    def get_dependency(self, worker_ctx):
        return None

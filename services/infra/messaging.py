"""nameko entrypoints that keep the messaging rules of DESIGN 2 (NOTES-nameko.md says why).

Built only on documented extension points: nameko's ``Entrypoint`` and ``SharedExtension``,
kombu's ``Connection`` / ``Consumer`` / ``Message`` (``ack(multiple=True)``, ``requeue``,
``reject``). No subclass of nameko's or py-amqp's consumers, nothing read from their insides.

- ``raw_consumer(queue)``: the handler gets a ``RawMessage`` (bytes and AMQP properties), so a
  body nobody can decode still reaches our code and becomes a stored rejection, not a loss.
- ``batch_consumer(queue, max_batch)``: the same, but the handler gets every message that arrived
  together, in one call (one transaction, one commit); it returns the indexes to retry. The
  rest are acknowledged after it returns - with one ``multiple`` ack once every earlier delivery
  is settled (``Settlement``), on a connection of the batch consumer's own.
- ``on_event(source, event_type)``: an event handler on the quorum queue named in the topology,
  handed back on error; the broker's delivery-limit policy parks it after a bounded number of
  tries. A body that cannot be decoded is dead-lettered to ``parked`` at once, never dropped.
- ``Topology``: declares the whole topology when the service starts.
- ``dispatcher()``: the outbox relay's publisher (``event_publisher.OutboxDispatcher``): events
  published with ``mandatory=True``, so "routed nowhere" is an error, and with a deadline on
  every step, so a broker alarm never holds the relay.

Every delivery is acknowledged only after its worker returned, i.e. after what it stored is
committed. On stop, the readers stop taking deliveries, the running workers finish and their
acks go out on the still-open connection, and only then is the connection closed (nameko's own
consumer closes it first, so a clean restart redelivered what had just been handled).
"""
from __future__ import annotations

import logging
import socket
import time
from dataclasses import dataclass, field
from functools import partial

import eventlet
import kombu
from kombu import Connection
from kombu.message import Message
from nameko.extensions import DependencyProvider, Entrypoint, SharedExtension

from services.infra import amqp, topology

from .event_publisher import OutboxDispatcher
from .platform import check_versions
from .settlement import Settlement

log = logging.getLogger(__name__)

DRAIN_TIMEOUT_S = 1.0  # how often the loop looks up from the socket: stop requests, heartbeats
RECONNECT_MAX_WAIT_S = 10.0
CONTEXT_HEADER_PREFIX = "nameko."  # how nameko's publishers carry the call-id chain


@dataclass(frozen=True)
class RawMessage:
    body: bytes
    routing_key: str
    user_id: str | None
    message_id: str | None
    content_type: str | None
    redelivered: bool
    headers: dict = field(default_factory=dict)


def raw_message(message: Message) -> RawMessage:
    props, info = message.properties, message.delivery_info
    body = message.body
    return RawMessage(
        body=body if isinstance(body, bytes) else str(body).encode("utf-8"),
        routing_key=info.get("routing_key", ""),
        user_id=props.get("user_id"),
        message_id=props.get("message_id"),
        content_type=props.get("content_type"),
        redelivered=bool(info.get("redelivered")),
        headers=dict(message.headers or {}),
    )


def context_from_headers(headers: dict | None) -> dict:
    """nameko's worker context (the call-id chain) from the headers its publishers set."""
    return {key[len(CONTEXT_HEADER_PREFIX):]: value for key, value in (headers or {}).items()
            if key.startswith(CONTEXT_HEADER_PREFIX)}


class QueueReader(SharedExtension):
    """One AMQP connection and channel, consuming the queues of the entrypoints registered with
    it, in a loop of its own that reconnects after a broker restart. Shared by every entrypoint
    of this class in a container; a subclass gets a connection of its own."""

    def __init__(self):
        super().__init__()
        self.entrypoints: list[QueueEntrypoint] = []
        self.epoch = 0  # counts connections: a delivery can only be settled on its own
        self.stopping = False  # the container is stopping: take no more deliveries
        self.closing = False  # every worker is done: close the connection and end the loop
        self.consuming = False  # its consumers are registered on a live connection (/ready)
        self.failed_epoch = None  # an ack or requeue failed on this connection: drop it
        self.loop = None

    def register(self, entrypoint: QueueEntrypoint) -> None:
        self.entrypoints.append(entrypoint)

    def start(self):
        if self.loop is None:
            self.loop = self.container.spawn_managed_thread(self.run)

    def stop_taking(self):
        """Called as the first entrypoint stops: no new deliveries reach a handler (those in
        hand are handed back), while the connection stays open for the running workers' acks."""
        self.stopping = True

    def stop(self):
        self.stopping = self.closing = True
        if self.loop is not None:
            self.loop.wait()
        super().stop()

    def kill(self):
        self.stopping = self.closing = True
        if self.loop is not None:
            self.loop.kill()
        super().kill()

    def prefetch_count(self) -> int:
        return max(entrypoint.prefetch_count() for entrypoint in self.entrypoints)

    def connection(self) -> Connection:
        config = self.container.config
        return amqp.connection(config, heartbeat=config.get("HEARTBEAT", 60),
                               transport_options=config.get("TRANSPORT_OPTIONS") or {})

    def run(self):
        wait = 1.0
        while not self.closing:
            try:
                self.consume()
                wait = 1.0
            except Exception as exc:  # the broker went away, or refused us: try again
                self.consuming = False
                if self.closing:
                    break
                log.warning("AMQP consumer connection lost (%s); reconnecting in %.0f s",
                            exc or type(exc).__name__, wait)
                eventlet.sleep(wait)
                wait = min(wait * 2, RECONNECT_MAX_WAIT_S)

    def consume(self):
        with self.connection() as conn:
            conn.ensure_connection(max_retries=1)
            channel = conn.channel()
            channel.basic_qos(prefetch_size=0, prefetch_count=self.prefetch_count(),
                              a_global=False)
            self.epoch += 1
            epoch = self.epoch
            consumers = [] if self.stopping else [  # a reconnect while stopping takes nothing
                kombu.Consumer(channel, queues=[entrypoint.queue], accept=entrypoint.accept,
                               on_message=partial(self.deliver, entrypoint, epoch))
                for entrypoint in self.entrypoints]
            for consumer in consumers:
                consumer.consume()
            self.consuming = bool(consumers)
            last_beat = time.monotonic()
            while not self.closing:
                if self.stopping and consumers:
                    for consumer in consumers:  # from this loop: one reader of the socket
                        consumer.cancel()
                    consumers = []
                    self.consuming = False
                try:
                    conn.drain_events(timeout=DRAIN_TIMEOUT_S)
                except socket.timeout:
                    pass
                if self.failed_epoch == epoch:
                    # An ack or a requeue failed although the connection looked alive: what it
                    # was meant to settle would sit unsettled on this channel, holding a
                    # prefetch slot. Closing the connection makes the broker take it all back.
                    raise ConnectionError("a delivery could not be settled on this connection")
                if time.monotonic() - last_beat >= DRAIN_TIMEOUT_S:
                    conn.heartbeat_check()
                    last_beat = time.monotonic()

    def not_ready(self) -> str | None:
        """Why this reader takes no deliveries now (for /ready), or None."""
        if self.consuming or self.stopping:
            return None
        handlers = ", ".join(sorted(e.method_name for e in self.entrypoints))
        return f"not consuming yet: the queues of {handlers} are not subscribed (broker)"

    def deliver(self, entrypoint: QueueEntrypoint, epoch: int, message: Message):
        if self.stopping:
            self.hand_back(message, epoch)
            return
        entrypoint.take(message, epoch)

    def hand_back(self, message: Message, epoch: int) -> bool:
        """Requeue a delivery (the broker's delivery limit counts it); False if it cannot be."""
        if epoch != self.epoch:
            return True  # its connection is gone: the broker has taken it back already
        try:
            message.requeue()
            return True
        except Exception:
            log.warning("could not hand back a delivery (connection lost); it will be redelivered")
            self.failed_epoch = epoch
            return False

    def settle(self, message: Message, epoch: int, multiple: bool = False) -> None:
        if epoch != self.epoch:
            return  # its connection is gone: the broker redelivers it
        try:
            message.ack(multiple=multiple)
        except Exception:
            log.warning("could not acknowledge a delivery (connection lost); it will be redelivered")
            self.failed_epoch = epoch

    def dead_letter(self, message: Message, epoch: int) -> None:
        if epoch == self.epoch:
            message.reject(requeue=False)  # the queue's policy routes it to "parked"


class BatchReader(QueueReader):
    """The batch consumer's own connection and channel: a ``multiple`` ack covers every delivery
    on its channel up to a tag, so no other consumer may share it."""

    def register(self, entrypoint):
        if self.entrypoints:
            raise TypeError(f"{self.container.service_name}: one batch_consumer per service "
                            "(its multiple acks cover the whole channel)")
        super().register(entrypoint)


class QueueEntrypoint(Entrypoint):
    """Consumes one queue; ``take`` turns a delivery into a worker."""
    reader = QueueReader()
    accept = None  # raw bytes: nothing is decoded by kombu
    kind = "consumer"  # as infra/metrics.py labels it
    handles_messages = True  # services/infra/logs.py: the worker's first argument is a message

    def __init__(self, queue: kombu.Queue, **kwargs):
        super().__init__(**kwargs)
        self.queue = queue

    def setup(self):
        self.reader.register(self)

    def stop(self):
        self.reader.stop_taking()
        super().stop()

    def prefetch_count(self) -> int:
        return self.container.max_workers

    def take(self, message: Message, epoch: int) -> None:
        args = self.arguments(message, epoch)
        if args is None:
            return
        try:
            self.container.spawn_worker(
                self, args, {}, context_data=self.context_data(message),
                handle_result=partial(self.handled, message, epoch))
        except Exception:  # the container is being killed: leave it for the next consumer
            self.reader.hand_back(message, epoch)

    def arguments(self, message, epoch) -> tuple | None:
        return (raw_message(message),)

    def context_data(self, message) -> dict:
        return {}  # a province's headers never become our worker context

    def handled(self, message, epoch, worker_ctx, result=None, exc_info=None):
        if exc_info is None:
            self.reader.settle(message, epoch)
        else:  # a crash, not a bad report: retried up to the delivery limit
            self.reader.hand_back(message, epoch)
        return result, exc_info


class RawConsumer(QueueEntrypoint):
    pass


raw_consumer = RawConsumer.decorator


class EventConsumer(QueueEntrypoint):
    """A nameko event (JSON payload, nameko's context headers) from its subscription queue."""
    accept = ["application/json"]  # what nameko's EventDispatcher sends
    kind = "event"

    def __init__(self, source_service: str, event_type: str, **kwargs):
        super().__init__(queue=None, **kwargs)
        self.source_service, self.event_type = source_service, event_type

    def setup(self):
        sub = topology.find_subscription(self.container.service_name, self.source_service,
                                         self.event_type)
        self.queue = topology.subscription_queue(sub)
        super().setup()

    def arguments(self, message, epoch) -> tuple | None:
        try:
            return (message.decode(),)
        except Exception as exc:
            log.error("event %s.%s on %s cannot be decoded (%s): dead-lettered to 'parked'",
                      self.source_service, self.event_type, self.queue.name, exc)
            self.reader.dead_letter(message, epoch)
            return None

    def context_data(self, message) -> dict:
        return context_from_headers(message.headers)


on_event = EventConsumer.decorator


class BatchConsumer(QueueEntrypoint):
    """Messages that arrive together are handled together: one worker per batch.

    A batch is what is in hand ``BATCH_WAIT_S`` after its first message, or ``max_batch``
    messages. The handler returns the indexes of messages to retry (handed back at once); the
    others are acknowledged after the handler has returned. Its queue has no broker delivery
    limit (a crash takes back two batches, each counted as a delivery): the handler bounds the
    retries of each message from its own record of the attempts it made (reporting's intake). ``Settlement`` keeps batches in delivery order, so one ``multiple``
    ack covers a finished batch and any finished ones after it.
    """
    reader = BatchReader()
    BATCH_WAIT_S = 0.005

    def __init__(self, queue, max_batch: int = 200, **kwargs):
        super().__init__(queue, **kwargs)
        self.max_batch = max_batch
        self.pending: list = []  # (RawMessage, Message, epoch) not yet handed to a worker
        self.flush_scheduled = False
        self.settlement = Settlement()

    def prefetch_count(self) -> int:
        # A batch's worth of unacknowledged deliveries in hand, and the next batch's on its way
        # while one is stored (with one, the broker waited for each batch's ack before sending
        # more: bench/README). The price: a crash hands back up to two batches.
        return max(self.container.max_workers, 2 * self.max_batch)

    def stop(self):
        super().stop()
        self.flush()  # what is in hand is handled now, while its acks can still go out

    def take(self, message, epoch):
        self.pending.append((raw_message(message), message, epoch))
        if len(self.pending) >= self.max_batch:
            self.flush()
        elif not self.flush_scheduled:
            self.flush_scheduled = True
            self.container.spawn_managed_thread(self.flush_soon)

    def flush_soon(self):
        eventlet.sleep(self.BATCH_WAIT_S)
        try:
            self.flush()
        except Exception:  # an error in a managed thread would kill the service
            log.exception("could not hand a batch to a worker; the broker will redeliver it")

    def flush(self):
        taken, self.pending, self.flush_scheduled = self.pending, [], False
        if not taken:
            return
        deliveries = [(message, epoch) for _, message, epoch in taken]
        batch = self.settlement.open(deliveries)
        try:
            self.container.spawn_worker(self, ([raw for raw, _, _ in taken],), {},
                                        context_data={},
                                        handle_result=partial(self.batch_done, batch))
        except Exception:  # the container is being killed: leave them for the next consumer
            # Closed as a batch to retry whole, so the batches after it still settle, and an
            # epoch whose requeue failed is acked one by one from then on.
            failed = [(message, epoch) for message, epoch in deliveries
                      if not self.reader.hand_back(message, epoch)]
            for message, epoch, multiple in self.settlement.close(
                    batch, set(range(len(deliveries))), failed):
                self.reader.settle(message, epoch, multiple=multiple)

    def batch_done(self, batch, worker_ctx, result=None, exc_info=None):
        retry = set(range(len(batch.deliveries))) if exc_info is not None else set(result or ())
        failed = [(message, epoch) for index, (message, epoch) in enumerate(batch.deliveries)
                  if index in retry and not self.reader.hand_back(message, epoch)]
        for message, epoch, multiple in self.settlement.close(batch, retry, failed):
            self.reader.settle(message, epoch, multiple=multiple)
        return result, exc_info


batch_consumer = BatchConsumer.decorator


def dispatcher() -> OutboxDispatcher:
    return OutboxDispatcher()


class Topology(DependencyProvider):
    """Declares every exchange, queue and binding before the service consumes or publishes;
    first of all, checks the libraries are versions these extensions are built for."""

    def setup(self):
        check_versions()
        with amqp.connection(self.container.config) as conn:
            conn.ensure_connection(max_retries=3)
            topology.declare_topology(conn)

    def get_dependency(self, worker_ctx):
        return None

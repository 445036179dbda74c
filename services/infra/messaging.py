"""nameko extensions that keep the messaging rules of DESIGN 2 (see NOTES-nameko.md for why).

- ``raw_consumer``: the handler gets the raw bytes and AMQP properties, so a body nobody can
  decode still reaches our code and becomes a stored rejection instead of vanishing.
- ``batch_consumer``: the same, but the handler gets every message that arrived together (up to
  ``max_batch``) in one call, so one transaction and one commit serve them all; it returns the
  indexes of the ones to retry, and the rest are acknowledged - with one ``multiple`` ack once
  every earlier delivery is settled, on a connection of the batch consumer's own.
- ``on_event``: an event handler on the quorum queue named in contracts/topology.py, requeued on
  error; the broker's delivery-limit policy parks it after a bounded number of tries.
- ``Topology``: declares the whole topology when the service starts.
- ``dispatcher()``: events published with ``mandatory=True``, so "routed nowhere" is an error.
"""
from __future__ import annotations

import errno
import logging
import socket
from collections import deque
from dataclasses import dataclass, field
from functools import partial

import amqp
import eventlet
from kombu import Connection
from kombu.transport import pyamqp
from nameko.events import EventDispatcher, EventHandler
from nameko.extensions import DependencyProvider
from nameko.messaging import Consumer, QueueConsumer

from services.infra import topology

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


class _ReadAheadTCPTransport(amqp.transport.TCPTransport):
    """py-amqp reads each frame in three exact-size ``recv`` calls (header, payload, end byte):
    nine per delivery, each a syscall through eventlet's green socket. This one takes whatever
    the socket holds (up to ``READ_AHEAD`` bytes) and serves the next reads from it, moving a
    position along it instead of copying what is left after every read."""
    READ_AHEAD = 65536
    _read_pos = 0  # where the unread part of _read_buffer begins

    def _setup_transport(self):
        super()._setup_transport()
        self._read_pos = 0

    def holds_a_frame(self) -> bool:
        """Whether the next frame is in hand whole: reading it then waits for nothing."""
        buffer, pos = self._read_buffer, self._read_pos
        if len(buffer) - pos < 8:
            return False
        return len(buffer) - pos >= int.from_bytes(buffer[pos + 3:pos + 7], "big") + 8

    def _read(self, n, initial=False, _errnos=(errno.EAGAIN, errno.EINTR)):
        buffer, pos = self._read_buffer, self._read_pos
        if len(buffer) - pos >= n:
            self._read_pos = pos + n
            return buffer[pos:pos + n]
        # Only the unread part, from position 0: on a read timeout py-amqp's read_frame puts
        # the part of the frame it had read back in front of ``_read_buffer``.
        buffer = self._read_buffer = buffer[pos:]
        self._read_pos = 0
        try:
            while len(buffer) < n:
                try:
                    chunk = self._quick_recv(max(self.READ_AHEAD, n - len(buffer)))
                except OSError as exc:
                    if exc.errno in _errnos:
                        if initial and self.raise_on_initial_eintr:
                            raise socket.timeout()
                        continue
                    raise
                if not chunk:
                    raise OSError("Server unexpectedly closed connection")
                buffer += chunk
        except BaseException:
            self._read_buffer = buffer  # what was read stays for the next call, as in py-amqp
            raise
        self._read_buffer, self._read_pos = buffer, n
        return buffer[:n]


class _ReadAheadAmqpConnection(pyamqp.Connection):  # kombu's, with its Channel
    def Transport(self, host, connect_timeout, ssl=False, read_timeout=None,  # noqa: N802
                  write_timeout=None, socket_settings=None, **kwargs):  # (py-amqp's names)
        if ssl:  # TLS reads go through the SSL object's own buffer: py-amqp's transport as is
            return super().Transport(host, connect_timeout, ssl, read_timeout, write_timeout,
                                     socket_settings=socket_settings, **kwargs)
        return _ReadAheadTCPTransport(host, connect_timeout=connect_timeout,
                                      read_timeout=read_timeout, write_timeout=write_timeout,
                                      socket_settings=socket_settings, **kwargs)

    def blocking_read(self, timeout=None):
        transport = self.transport
        if isinstance(transport, _ReadAheadTCPTransport) and transport.holds_a_frame():
            # Nothing can wait, so no read timeout to set on the socket and set back: py-amqp
            # does that around every frame, a tenth of the intake's AMQP reading.
            return self.on_inbound_frame(transport.read_frame())
        return super().blocking_read(timeout)


class ReadAheadTransport(pyamqp.Transport):
    """kombu's py-amqp transport, reading ahead (``_ReadAheadTCPTransport``)."""
    Connection = _ReadAheadAmqpConnection


class _RawQueueConsumer(QueueConsumer):
    """A QueueConsumer whose kombu consumers skip decoding (``on_message`` instead of callbacks)
    and whose connection reads ahead."""

    @property
    def connection(self):
        conn = super().connection  # nameko's settings (heartbeat, SSL, transport options)
        return Connection(self.amqp_uri, transport=ReadAheadTransport,
                          transport_options=conn.transport_options, heartbeat=conn.heartbeat,
                          ssl=conn.ssl, login_method=conn.login_method)

    @property
    def prefetch_count(self):
        # A batch consumer needs a batch's worth of unacknowledged deliveries in hand, and the
        # next batch's on its way while one is stored: with only one, the broker waited for
        # each batch's ack before sending more (two batches: +6 % at full speed, bench/README).
        # The price: a crash hands back up to two batches, each delivery counting one try.
        return max([self.container.max_workers] +
                   [2 * getattr(p, "max_batch", 0) for p in self._providers])

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


class _BatchQueueConsumer(_RawQueueConsumer):
    """The batch consumer's own connection and channel: a ``multiple`` ack covers every
    delivery on its channel up to a tag, so no other consumer may share it."""


@dataclass
class _Batch:
    messages: list
    to_ack: list | None = None  # set when the handler is done: the messages to acknowledge
    not_handed_back: list = field(default_factory=list)  # to retry, but the requeue failed


class BatchConsumer(RawConsumer):
    """Messages that arrive together are handled together: one worker per batch.

    A batch is what is in hand ``BATCH_WAIT_S`` after its first message, or ``max_batch``
    messages. The handler returns the indexes of messages to retry (requeued at once, so the
    broker's delivery limit still counts each one); the others are acknowledged after the
    handler has returned, i.e. after what it stored is committed. Batches are settled in the
    order they were delivered: one ``multiple`` ack then covers a finished batch and any finished
    ones after it, instead of one ack frame per message.
    """
    queue_consumer = _BatchQueueConsumer()
    BATCH_WAIT_S = 0.005

    def __init__(self, queue, max_batch: int = 200, **kwargs):
        super().__init__(queue, **kwargs)
        self.max_batch = max_batch
        self._batch: list = []
        self._flush_pending = False
        self._in_flight: deque[_Batch] = deque()  # delivery order
        # channels holding a delivery that could not be handed back: acked one by one from then on
        self._no_multiple_ack: set[int] = set()

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
        taken, self._batch, self._flush_pending = self._batch, [], False
        if not taken:
            return
        batch = _Batch([message for _, message in taken])
        self._in_flight.append(batch)
        try:
            self.container.spawn_worker(self, ([raw for raw, _ in taken],), {}, context_data={},
                                        handle_result=partial(self._batch_done, batch))
        except Exception:  # container being killed: leave them for the next consumer
            self._in_flight.remove(batch)
            for message in batch.messages:
                self.queue_consumer.requeue_message(message)

    def _batch_done(self, batch, worker_ctx, result=None, exc_info=None):
        retry = set(range(len(batch.messages))) if exc_info is not None else set(result or ())
        # Done first, whatever happens below: a batch left in the line would hold up the
        # acks of every batch after it.
        batch.to_ack = [m for i, m in enumerate(batch.messages) if i not in retry]
        for index in sorted(retry):
            try:
                self.queue_consumer.requeue_message(batch.messages[index])
            except Exception:  # the connection is gone: the broker redelivers what was unacked
                batch.not_handed_back.append(batch.messages[index])
                log.warning("could not hand back a delivery (connection lost); it will be redelivered")
        self._ack_settled()
        return result, exc_info

    def _ack_settled(self):
        """One ``multiple`` ack per channel for the finished batches at the head of the line;
        a batch finished early waits for the ones delivered before it."""
        done = []
        while self._in_flight and self._in_flight[0].to_ack is not None:
            batch = self._in_flight.popleft()
            done.extend(batch.to_ack)
            self._no_multiple_ack.update(id(m.channel) for m in batch.not_handed_back)
        by_channel: dict[int, list] = {}  # after a reconnect a new channel numbers anew
        for message in done:
            by_channel.setdefault(id(message.channel), []).append(message)
        for channel, messages in by_channel.items():
            # a delivery left unsettled below the last tag must not be acked with the others
            one_by_one = channel in self._no_multiple_ack
            for message in messages if one_by_one else messages[-1:]:
                try:
                    if message.channel.connection:  # else the broker has taken it back already
                        message.ack(multiple=not one_by_one)
                except Exception:  # lost meanwhile: the broker redelivers what was unacked
                    log.warning("could not acknowledge a delivery (connection lost); it will "
                                "be redelivered")


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

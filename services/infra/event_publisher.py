"""The outbox relay's publisher: every publish has a deadline, also during a broker alarm.

Why not nameko's ``EventDispatcher``: during a memory or disk alarm RabbitMQ stops reading from
publishing connections. nameko's publisher can be given a ``confirm_timeout``, but it then hands
its channel back to kombu's producer pool, whose clean ``close()`` waits for a broker that no
longer reads - the relay hung there for as long as the alarm lasted (docs/architecture.md,
"Confirms have a deadline").

So the relay publishes on a kombu ``Connection`` of its own, built from public options only:
``connect_timeout``, py-amqp's ``read_timeout`` / ``write_timeout`` and ``on_blocked`` /
``on_unblocked`` (passed through kombu's ``transport_options``), and ``Producer.publish(...,
timeout=, confirm_timeout=)``. When a publish fails or misses its deadline, the connection is
dropped with ``Connection.collect()`` (the socket is closed, no AMQP close handshake to wait
for), the event stays in the outbox and the relay tries again on a later pass.

A publish that missed its deadline because the broker *blocks* us (``connection.blocked``) is
different: the event sits in the broker's socket buffer and is routed once the alarm clears.
Sending it again then would deliver it twice, so that connection is kept: each later relay pass
looks (``BLOCKED_LOOK_S``) for the unblock and that event's confirm on it, and sends nothing else
meanwhile. Only if the relay asks for another event first is it dropped, and that event sent
again (consumers de-duplicate by ``event_id``, DESIGN 2).
"""
from __future__ import annotations

import logging
import socket
import threading
from contextlib import contextmanager

from amqp import spec
from amqp.exceptions import ChannelError, MessageNacked, RecoverableConnectionError
from kombu import Connection, Producer
from nameko.amqp.publish import UndeliverableMessage
from nameko.extensions import DependencyProvider

from . import topology
from .amqp import connection as service_connection
from .metrics import BROKER_BLOCKED

log = logging.getLogger(__name__)

PUBLISH_DEADLINE_S = 10.0  # connect, write and confirm: each at most this long
BLOCKED_LOOK_S = 0.2  # while blocked: how long a relay pass looks for the unblock and confirm
CONTEXT_HEADER_PREFIX = "nameko."  # the call-id chain, as nameko's own publishers carry it


# What a connection the broker closed (or lost) raises on the next publish; a timeout and
# PublishTimedOut are OSErrors too, and told apart where it matters.
LOST_CONNECTION = (OSError, RecoverableConnectionError)


class PublishTimedOut(ConnectionError):
    """The broker took no message, or confirmed none, within the deadline (a resource alarm,
    a broker that stopped reading); what was not confirmed must be sent again."""


SEND_AGAIN_LATER = ("the message bus confirmed nothing in time (the broker may be short of "
                    "memory or disk); send again later - reports already received are not "
                    "doubled / ระบบรับส่งข้อความไม่ยืนยันการรับภายในเวลาที่กำหนด (หน่วยความจำหรือดิสก์ของ "
                    "broker อาจไม่พอ) กรุณาส่งใหม่ภายหลัง รายงานที่ได้รับแล้วจะไม่ถูกนับซ้ำ")


# The broker's answer to a confirmed publish. py-amqp's ``Channel.wait`` returns on either one
# alike unless its callback tells them apart - as its own ``basic_publish_confirm`` does.
CONFIRMS = [spec.Basic.Ack, spec.Basic.Nack]


def _refuse_nack(method, *args):
    """A Nack is the broker saying it did not take the message: never a confirm."""
    if method == spec.Basic.Nack:
        raise MessageNacked()


class BrokerBlocked(PublishTimedOut):
    """The broker blocks publishers (a resource alarm); the events wait in the outbox."""


def confirming_connection(uri: str, deadline_s: float, ssl=None, **transport_options) -> Connection:
    """Publisher confirms on; connecting, each write and each read wait at most ``deadline_s``.
    ``ssl``: the broker's ssl options (AMQP_SSL) when ``uri`` is amqps:// (infra/amqp.py)."""
    return service_connection({"AMQP_SSL": ssl}, uri, connect_timeout=deadline_s, transport_options={
        "confirm_publish": True, "read_timeout": deadline_s, "write_timeout": deadline_s,
        **transport_options})


@contextmanager
def deadline_connection(uri: str, deadline_s: float = PUBLISH_DEADLINE_S, ssl=None,
                        **transport_options):
    """A confirming kombu connection on which connecting, each write and each wait for the
    broker (a confirm, the close) takes at most ``deadline_s``. If the block fails it is
    dropped without the close handshake, and a socket timeout becomes PublishTimedOut."""
    connection = confirming_connection(uri, deadline_s, ssl, **transport_options)
    try:
        yield connection
    except BaseException as exc:
        connection.collect()
        # kombu's retrying publish re-raises the socket's timeout as its OperationalError
        if isinstance(exc, socket.timeout) or isinstance(exc.__cause__, socket.timeout):
            raise PublishTimedOut(f"the broker confirmed nothing within {deadline_s:.0f} s (a "
                                  "memory or disk alarm?); what it did not confirm must be sent "
                                  "again") from exc
        raise
    connection.release()  # the broker answered a moment ago; its reply is awaited as long


class DeadlinePublisher:
    """Publishes events to ``<source>.events`` (mandatory, persistent, confirmed); never waits
    longer than ``deadline_s`` for one step. Not shared between threads without its lock."""

    def __init__(self, amqp_uri: str, source: str, ssl=None, deadline_s: float = PUBLISH_DEADLINE_S):
        self.amqp_uri, self.ssl, self.deadline_s = amqp_uri, ssl, deadline_s
        self.exchange = topology.events_exchange(source)
        self.lock = threading.Lock()
        self.connection: Connection | None = None
        self.producer: Producer | None = None
        self.blocked_reason: str | None = None  # the broker's word, while it blocks us
        self.in_flight: str | None = None  # sent while blocked, its confirm not yet read
        self.reused = False  # the last publish went out on a connection made before it

    # py-amqp calls these while it reads frames (here: while waiting for a confirm)
    def on_blocked(self, reason=None):
        self.blocked_reason = str(reason or "blocked")
        BROKER_BLOCKED.set(1)
        log.error("the broker blocks publishing (%s): events wait in the outbox", self.blocked_reason)

    def on_unblocked(self):
        self.blocked_reason = None
        BROKER_BLOCKED.set(0)
        log.warning("the broker publishes again: the outbox is relayed")

    def publish(self, event_type: str, payload: dict, headers: dict | None = None) -> None:
        """Returns once the broker confirmed the event. Raises UndeliverableMessage (routed
        nowhere), BrokerBlocked, or the connection's error: the event must stay in the outbox."""
        with self.lock:
            if self.in_flight is not None:
                if self.in_flight == payload["event_id"]:
                    return self._await_in_flight()
                self.drop()  # another event first: this one is sent again (at least once)
            try:
                self._publish(event_type, payload, headers)
            except LOST_CONNECTION as exc:
                if isinstance(exc, (socket.timeout, PublishTimedOut)) or not self.reused:
                    raise
                # A connection the broker closed while it was idle (a restart): once more on a
                # new one, rather than leaving the event for the next pass.
                log.info("the relay's connection was gone (%s); publishing on a new one", exc)
                self._publish(event_type, payload, headers)

    def _publish(self, event_type: str, payload: dict, headers: dict | None) -> None:
        self.reused = self.producer is not None
        try:
            self._producer().publish(
                payload, exchange=self.exchange, routing_key=event_type, serializer="json",
                delivery_mode=2, mandatory=True, headers=headers or {}, retry=False,
                timeout=self.deadline_s, confirm_timeout=self.deadline_s)
        except ChannelError as exc:
            self.drop()
            if "NO_ROUTE" in str(exc):
                raise UndeliverableMessage() from exc
            raise
        except Exception as exc:
            if self.blocked_reason is None or not isinstance(exc, socket.timeout):
                self.drop()
                raise
            # Blocked with the event in the broker's socket buffer: it will be routed once the
            # alarm clears. The connection is kept to read that confirm then, rather than
            # sending the event a second time.
            self.in_flight = payload["event_id"]
            raise BrokerBlocked(f"the broker blocks publishing ({self.blocked_reason})") from exc

    def _await_in_flight(self) -> None:
        """The confirm of the event sent while the broker blocked us, without waiting longer
        than a short look while the block lasts, nor longer than the deadline once it ended."""
        try:
            self.producer.channel.wait(CONFIRMS, callback=_refuse_nack, timeout=BLOCKED_LOOK_S)
        except socket.timeout:
            if self.blocked_reason is not None:
                raise BrokerBlocked(f"the broker blocks publishing ({self.blocked_reason})")
            try:
                self.producer.channel.wait(CONFIRMS, callback=_refuse_nack,
                                           timeout=self.deadline_s)
            except Exception:
                self.drop()
                raise
        except Exception:
            self.drop()
            raise
        self.in_flight = None  # a Nack raised MessageNacked (_refuse_nack): this one is an Ack

    def _producer(self) -> Producer:
        if self.producer is None:
            self.connection = confirming_connection(
                self.amqp_uri, self.deadline_s, self.ssl, on_blocked=self.on_blocked,
                on_unblocked=self.on_unblocked)
            self.connection.connect()
            self.producer = Producer(self.connection.channel())
        return self.producer

    def drop(self) -> None:
        """Forget the connection without the AMQP close handshake (a blocked broker never
        answers it): the socket is closed and a later publish connects anew."""
        connection, self.connection, self.producer = self.connection, None, None
        self.in_flight = None
        if self.blocked_reason is not None:  # a new connection is told anew if it still holds
            self.blocked_reason = None
            BROKER_BLOCKED.set(0)
        if connection is not None:
            try:
                connection.collect()
            except Exception as exc:  # it is gone either way
                log.debug("dropping the relay's connection: %s", exc)


class OutboxDispatcher(DependencyProvider):
    """``dispatch(event_type, payload)`` for the outbox relay, as nameko's EventDispatcher
    offered it, over a DeadlinePublisher (one per service container)."""

    def setup(self):
        config = self.container.config
        self.publisher = DeadlinePublisher(config["AMQP_URI"], self.container.service_name,
                                           ssl=config.get("AMQP_SSL"))

    def stop(self):
        self.publisher.drop()

    def kill(self):
        self.publisher.drop()

    def get_dependency(self, worker_ctx):
        headers = {CONTEXT_HEADER_PREFIX + key: value
                   for key, value in worker_ctx.context_data.items() if value is not None}

        def dispatch(event_type, payload):
            self.publisher.publish(event_type, payload, headers)
        return dispatch

"""The outbox relay's publisher against broker faults. A memory alarm (step 16, "confirms have
a deadline"): the broker stops reading from publishers; the relay returns within its deadline,
keeps every event, sends them all once the alarm clears, and none twice. A restart: the next
publish goes out at once on a new connection.

Before services/infra/event_publisher.py the relay published through nameko's EventDispatcher
and waited for the confirm for as long as the alarm lasted."""
import json
import time
import uuid
from contextlib import contextmanager

import eventlet
import requests
from kombu import Connection, Queue

from services.infra import topology
from services.infra.event_publisher import (DeadlinePublisher, PublishTimedOut,
                                            deadline_connection)
from services.infra.outbox import OUTBOX_SQL, SqliteOutbox, relay
from services.infra.sqlite import SqliteDatabase
from tests.support.system import wait_until

DEADLINE_S = 2.0
EVENTS = 30


def memory_alarm_raised(broker) -> bool:
    """The node's own word (management API) on whether its memory alarm is on."""
    nodes = requests.get(f"{broker.management_url}/api/nodes", auth=broker.login, timeout=5).json()
    return any(node.get("mem_alarm") for node in nodes)


def source_with_a_queue(broker, prefix: str) -> tuple[str, Queue]:
    """A source of its own (``<prefix>-…``), its events exchange bound to a queue of every event."""
    source = f"{prefix}-{uuid.uuid4().hex[:8]}"
    queue = Queue(f"{source}.all", exchange=topology.events_exchange(source), routing_key="#",
                  durable=True)
    with Connection(broker.amqp_url) as conn:
        queue(conn.channel()).declare()
    return source, queue


@contextmanager
def memory_alarm(broker):
    """The node believes it is out of memory: it stops reading from publishers."""
    broker.ctl("set_vm_memory_high_watermark", "0.0001")
    try:
        wait_until(lambda: memory_alarm_raised(broker), timeout=30, interval=0.2,
                   what="the private node to raise its memory alarm")
        yield
    finally:
        broker.ctl("set_vm_memory_high_watermark", "0.4")


def received_ids(broker, queue: str) -> list[str]:
    """The event ids in ``queue``, taken off it in order, a copy as often as it came."""
    with Connection(broker.amqp_url) as conn:
        channel, ids = conn.channel(), []
        while (message := channel.basic_get(queue, no_ack=True)) is not None:
            ids.append(json.loads(message.body)["event_id"])
        return ids


def test_relay_returns_within_its_deadline_during_an_alarm_and_sends_everything_once(
        chaos_broker, tmp_path, record):
    broker, (source, queue) = chaos_broker, source_with_a_queue(chaos_broker, "alarm")
    outbox = SqliteOutbox(SqliteDatabase(tmp_path / "outbox.db", OUTBOX_SQL))
    publisher = DeadlinePublisher(broker.amqp_url, source, deadline_s=DEADLINE_S)

    def queue_events(first: int, last: int) -> None:
        with outbox.db.transaction() as conn:
            outbox.add(conn, [("happened", {"event_id": f"e-{n:03d}"}) for n in range(first, last)])

    def timed_relay() -> tuple[int, float]:
        began = time.monotonic()
        try:  # eventlet.Timeout is no Exception: the relay's own error handling lets it through
            with eventlet.Timeout(10 * DEADLINE_S):
                return relay(outbox, publisher.publish), time.monotonic() - began
        except eventlet.Timeout:
            raise AssertionError(f"the relay still waits after {10 * DEADLINE_S} s") from None

    queue_events(0, 5)
    assert timed_relay()[0] == 5  # the connection has published: the broker will block it
    with memory_alarm(broker):
        queue_events(5, EVENTS)
        passes = [timed_relay() for _ in range(4)]
        assert all(seconds <= DEADLINE_S + 1 for _, seconds in passes), passes
        during = sum(sent for sent, _ in passes)
        kept = len(outbox.pending_events())
        assert publisher.blocked_reason is not None
    wait_until(lambda: not memory_alarm_raised(broker), timeout=30, interval=0.2,
               what="the private node to clear its memory alarm")
    after = sum(timed_relay()[0] for _ in range(3))
    ids = received_ids(broker, queue.name)
    record(fault="broker memory alarm while the outbox relays",
           injected=f"vm_memory_high_watermark 0.0001 on the private node while {EVENTS - 5} "
                    f"events waited in an outbox; relay deadline {DEADLINE_S} s",
           events=EVENTS, lost=EVENTS - len(set(ids)), duplicated=len(ids) - len(set(ids)),
           observed=f"relay passes during the alarm took {[round(s, 1) for _, s in passes]} s "
                    f"and sent {during}; {kept} kept in the outbox; {after} sent once it cleared")
    assert kept == EVENTS - 5 - during and outbox.pending_events() == []
    assert sorted(ids) == [f"e-{n:03d}" for n in range(EVENTS)]  # every one, none twice
    assert publisher.blocked_reason is None
    publisher.drop()



def test_an_upload_during_an_alarm_fails_within_its_deadline(chaos_broker):
    """The gateway's uploads and `clusterctl report --send` (services/infra/province_send.py)
    and the parked-message retry publish on a deadline_connection: a retrying publish gives up
    with PublishTimedOut (answered 503 "send again later") instead of waiting for the alarm."""
    broker, (_, queue) = chaos_broker, source_with_a_queue(chaos_broker, "upload")
    with memory_alarm(broker):
        began = time.monotonic()
        try:
            with eventlet.Timeout(10 * DEADLINE_S):
                with deadline_connection(broker.amqp_url, DEADLINE_S) as conn:
                    producer = conn.Producer()
                    for n in range(3):
                        producer.publish({"event_id": f"u-{n}"}, exchange=queue.exchange,
                                         routing_key="upload", mandatory=True, delivery_mode=2,
                                         retry=True, retry_policy={"max_retries": 1},
                                         timeout=DEADLINE_S, confirm_timeout=DEADLINE_S)
        except PublishTimedOut:
            took = time.monotonic() - began
        except eventlet.Timeout:
            raise AssertionError(f"the upload still waits after {10 * DEADLINE_S} s") from None
        else:
            raise AssertionError("published during the alarm")
    assert took <= 2 * DEADLINE_S + 3, took  # one try and one retry, each within its deadline


def test_the_relay_publishes_at_once_on_a_new_connection_after_a_broker_restart(chaos_broker):
    """The relay's connection idles between passes; a broker restart closes it. The next
    publish is made on a new connection at once, not failed and left for a later pass."""
    broker, (source, queue) = chaos_broker, source_with_a_queue(chaos_broker, "restart")
    publisher = DeadlinePublisher(broker.amqp_url, source, deadline_s=DEADLINE_S)
    publisher.publish("happened", {"event_id": "before"})
    broker.restart()
    publisher.publish("happened", {"event_id": "after"})  # raised before: the old socket
    assert received_ids(broker, queue.name) == ["before", "after"]
    publisher.drop()

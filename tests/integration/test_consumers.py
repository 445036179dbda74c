"""The consumers of services/infra/messaging.py on the real broker, as a service sees them:
a delivery is acknowledged only after its handler returned, one failing message never takes the
others with it, the broker never hands over more than two batches at once, and a clean stop
finishes and acknowledges the work in hand instead of leaving it to be redelivered."""
import json
import shutil
import subprocess

import eventlet
import pytest
from eventlet.event import Event
from kombu import Exchange, Queue

from services.infra.amqp import connection as amqp_connection
from services.infra.messaging import batch_consumer, raw_consumer
from clusterctl.broker import Management
from tests.support.system import admin_broker, wait_until

pytestmark = pytest.mark.skipif(not shutil.which("rabbitmqctl"),
                                reason="reads queue figures with rabbitmqctl on the broker's host")

EXCHANGE = Exchange("consumer-test", type="topic", durable=True)
BATCH_QUEUE = Queue("consumer-test.batch", exchange=EXCHANGE, routing_key="batch",
                    durable=True, queue_arguments={"x-queue-type": "quorum"})
RAW_QUEUE = Queue("consumer-test.raw", exchange=EXCHANGE, routing_key="raw",
                  durable=True, queue_arguments={"x-queue-type": "quorum"})
PARKED = Queue("parked-consumer-test", exchange=Exchange("parked-consumer-test", type="fanout"),
               durable=True)
MAX_BATCH = 20


class Seen:
    """What the handlers saw, and a gate a test can close to hold them."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.batches, self.raw, self.gate = [], [], Event()
        self.gate.send()


seen = Seen()


class BatchService:
    name = "consumertest"

    @batch_consumer(BATCH_QUEUE, max_batch=MAX_BATCH)
    def take(self, messages):
        seen.gate.wait()
        bodies = [json.loads(m.body) for m in messages]
        seen.batches.append(bodies)
        # "retry": handed back, as the intake does with a report it could not store
        return [i for i, body in enumerate(bodies)
                if body.get("retry") and not messages[i].redelivered]

    @raw_consumer(RAW_QUEUE)
    def raw(self, message):
        body = json.loads(message.body)
        if body.get("crash"):
            raise RuntimeError("a crash, not a bad message")
        seen.raw.append(body)


@pytest.fixture
def broker(rabbit_config):
    seen.reset()
    with amqp_connection(rabbit_config) as conn:  # AMQP_SSL too
        channel = conn.channel()
        for queue in (BATCH_QUEUE, RAW_QUEUE):
            queue(channel).declare()
        producer = conn.Producer()

        def publish(routing_key, *bodies):
            for body in bodies:
                producer.publish(body, exchange=EXCHANGE, routing_key=routing_key,
                                 serializer="json", delivery_mode=2)
        yield publish


def queue_figure(rabbit_config, queue, figure) -> int:
    """A queue's figure as the broker sees it now (the management API's lag by seconds)."""
    out = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", rabbit_config["vhost"],
                          "name", figure, "--no-table-headers"],
                         capture_output=True, text=True, timeout=30).stdout
    return next((int(line.split()[1]) for line in out.splitlines()
                 if line.split() and line.split()[0] == queue.name), 0)


def test_each_batch_is_acked_after_its_handler_and_a_retry_comes_back_alone(
        container_factory, rabbit_config, broker):
    container = container_factory(BatchService, rabbit_config)
    container.start()
    broker("batch", *({"n": n, "retry": n == 3} for n in range(10)))
    wait_until(lambda: sorted(b["n"] for batch in seen.batches for b in batch).count(3) == 2,
               what="the retried message handled a second time")
    assert sorted(b["n"] for batch in seen.batches for b in batch) == sorted([*range(10), 3])
    wait_until(lambda: queue_figure(rabbit_config, BATCH_QUEUE, "messages") == 0,
               what="every delivery acknowledged")


def test_a_service_is_ready_only_once_its_consumers_are_subscribed(
        container_factory, rabbit_config, broker):
    container = container_factory(BatchService, rabbit_config)
    readers = {entrypoint.reader for entrypoint in container.entrypoints}
    assert len(readers) == 2  # the batch consumer has a connection of its own
    assert all(reader.not_ready() for reader in readers)  # what /ready answers 503 with
    container.start()
    wait_until(lambda: not any(reader.not_ready() for reader in readers),
               what="both connections consuming")
    broker("raw", {"n": 1})
    wait_until(lambda: seen.raw == [{"n": 1}], what="the raw consumer's delivery")


def test_the_broker_never_hands_over_more_than_two_batches(
        container_factory, rabbit_config, broker):
    seen.gate = Event()  # the handler holds its first batch
    container = container_factory(BatchService, rabbit_config)
    container.start()
    broker("batch", *({"n": n} for n in range(5 * MAX_BATCH)))
    wait_until(lambda: queue_figure(rabbit_config, BATCH_QUEUE, "messages_unacknowledged")
               == 2 * MAX_BATCH, what="two batches in hand")
    eventlet.sleep(0.5)
    assert queue_figure(rabbit_config, BATCH_QUEUE, "messages_unacknowledged") == 2 * MAX_BATCH
    seen.gate.send()
    wait_until(lambda: queue_figure(rabbit_config, BATCH_QUEUE, "messages") == 0,
               what="the rest consumed once the handler goes on")
    assert sorted(b["n"] for batch in seen.batches for b in batch) == list(range(5 * MAX_BATCH))


def test_a_clean_stop_finishes_and_acknowledges_the_batch_in_hand(
        container_factory, rabbit_config, broker):
    seen.gate = Event()
    container = container_factory(BatchService, rabbit_config)
    container.start()
    broker("batch", *({"n": n} for n in range(5)))
    wait_until(lambda: queue_figure(rabbit_config, BATCH_QUEUE, "messages_unacknowledged") == 5,
               what="the batch in hand")
    stopping = eventlet.spawn(container.stop)
    eventlet.sleep(0.2)
    seen.gate.send()  # the handler finishes while the service stops
    stopping.wait()
    assert sorted(b["n"] for batch in seen.batches for b in batch) == list(range(5))
    wait_until(lambda: queue_figure(rabbit_config, BATCH_QUEUE, "messages") == 0,
               what="acknowledged before the connection closed (nothing to redeliver)")


def test_a_crashing_message_is_retried_up_to_the_limit_then_parked_and_holds_up_nothing(
        container_factory, rabbit_config, broker):
    vhost = rabbit_config["vhost"]
    Management(admin_broker()).set_policy(vhost, "consumer-test-retries", {
        "pattern": r"^consumer-test\.", "apply-to": "queues", "priority": 0,
        "definition": {"delivery-limit": 2, "dead-letter-exchange": PARKED.exchange.name}})
    with amqp_connection(rabbit_config) as conn:  # AMQP_SSL too
        PARKED(conn.channel()).declare()
    container = container_factory(BatchService, rabbit_config)
    container.start()
    broker("raw", {"crash": True}, *({"n": n} for n in range(5)))
    wait_until(lambda: len(seen.raw) == 5, what="the others handled")
    wait_until(lambda: queue_figure(rabbit_config, PARKED, "messages") == 1,
               what="the crashing message parked after the delivery limit")
    assert queue_figure(rabbit_config, RAW_QUEUE, "messages") == 0

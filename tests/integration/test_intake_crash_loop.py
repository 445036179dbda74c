"""A crash loop parks no valid report (step 16): every crash takes back every report the intake
had prefetched, read or not, and the broker counts each as a delivery. With the broker's
delivery limit on the intake queue, seven crashes in a row dead-lettered every one of them to
``parked``; the intake now bounds the attempts it really made (tests/contract/
test_intake_attempts.py), and the broker's policy covers the subscriptions only."""
import socket

from kombu import Connection, Consumer

from services.infra import topology

REPORTS = 10
CRASHES = 7  # more than the delivery limit (5) plus the one that dead-letters


def ready(conn, queue: str) -> int:
    return conn.default_channel.queue_declare(queue=queue, passive=True).message_count


def take_all_and_die(uri: str) -> int:
    """One consumer's life: prefetch every report, read none of them, die (the connection goes
    without a single ack, as under SIGKILL)."""
    taken = []
    with Connection(uri) as conn:
        channel = conn.channel()
        channel.basic_qos(0, REPORTS, False)
        with Consumer(channel, queues=[topology.intake_queue()], accept=None,
                      on_message=taken.append):
            while len(taken) < REPORTS:
                try:
                    conn.drain_events(timeout=5)
                except socket.timeout:
                    break
    return len(taken)


def test_a_crash_loop_parks_no_report(rabbit_config, provinces):
    for n in range(REPORTS):
        provinces.publish("TH-34", {"n": n})
    uri = rabbit_config["AMQP_URI"]
    for crash in range(CRASHES):
        assert take_all_and_die(uri) == REPORTS, f"crash {crash + 1}: reports missing"
    with Connection(uri) as conn:
        assert ready(conn, topology.PARKED_QUEUE_NAME) == 0
        assert ready(conn, topology.INTAKE_QUEUE_NAME) == REPORTS


def test_a_subscription_keeps_the_brokers_delivery_limit():
    policy = topology.retry_policy()
    import re
    pattern = re.compile(policy["pattern"])
    assert pattern.match(topology.subscription_queue(topology.SUBSCRIPTIONS[0]).name)
    assert not pattern.match(topology.INTAKE_QUEUE_NAME)
    assert policy["definition"] == {"delivery-limit": topology.DELIVERY_LIMIT,
                                    "dead-letter-exchange": topology.PARKED_EXCHANGE_NAME}

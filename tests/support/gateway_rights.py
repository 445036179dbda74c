"""What the broker lets the gateway's own AMQP user do (clusterctl/gateway_rights.py), checked
through pika on a live broker: nameko RPC's steps succeed, and every step that could lose a report
or pass for a service is refused (403 ACCESS_REFUSED). Shared by tests/deploy (the definitions
file) and tests/e2e (provisioning through the management API)."""
from __future__ import annotations

import uuid

import pika
from nameko.rpc import RPC_REPLY_QUEUE_TEMPLATE


def rpc_steps_succeed(params: pika.ConnectionParameters,
                      services: pika.ConnectionParameters) -> None:
    """What nameko's RpcProxy does as the gateway (``params``): declare its reply queue and the
    nameko-rpc exchange, bind them by a uuid, publish a call, consume the reply a service sends
    (under ``services``' login); raises if any step is refused."""
    key = str(uuid.uuid4())
    reply = RPC_REPLY_QUEUE_TEMPLATE.format("gateway", key)
    with pika.BlockingConnection(params) as connection:
        channel = connection.channel()
        channel.exchange_declare("nameko-rpc", "topic", durable=True)
        channel.queue_declare(reply, durable=True, arguments={"x-expires": 300000})
        channel.queue_bind(reply, "nameko-rpc", key)
        with pika.BlockingConnection(services) as replier:  # the service answering
            replier.channel().basic_publish("nameko-rpc", key, b"{}")
        # a call as nameko sends one (nameko 2.14 lets a call without content_type kill the
        # service's container: a malformed one would restart reporting under the e2e suite)
        channel.basic_publish("nameko-rpc", "reporting.held_outbox_events",
                              b'{"args": [], "kwargs": {"limit": 1}}', pika.BasicProperties(
                                  content_type="application/json", reply_to=key,
                                  correlation_id=str(uuid.uuid4())))
        channel.queue_declare("reporting.intake", passive=True)  # /metrics counts the queues
        for _ in range(50):
            method, _, _ = channel.basic_get(reply, auto_ack=True)
            if method:  # the service's answer (or, with no service running, the one sent above)
                break
            connection.sleep(0.1)
        else:
            raise AssertionError("the reply never reached the gateway's reply queue")
        channel.queue_delete(reply)


def refused_steps(params: pika.ConnectionParameters) -> list[str]:
    """The harmful steps the broker did NOT refuse the gateway (empty when all are refused)."""
    reply = RPC_REPLY_QUEUE_TEMPLATE.format("gateway", uuid.uuid4())
    steps = {
        "read the intake": lambda ch: ch.basic_get("reporting.intake"),
        "read parked": lambda ch: ch.basic_get("parked"),
        "purge the intake": lambda ch: ch.queue_purge("reporting.intake"),
        "delete the intake": lambda ch: ch.queue_delete("reporting.intake"),
        "delete the reports exchange": lambda ch: ch.exchange_delete("reports"),
        "delete an events exchange": lambda ch: ch.exchange_delete("plans.events"),
        "declare a queue of its own choosing": lambda ch: ch.queue_declare("mine"),
        "bind a queue to reports": lambda ch: (ch.queue_declare(reply),
                                               ch.queue_bind(reply, "reports", "report.#")),
        "copy every RPC message": lambda ch: (ch.queue_declare(reply),
                                              ch.queue_bind(reply, "nameko-rpc", "#")),
        "publish an event": lambda ch: ch.basic_publish("plans.events", "plan_published", b"{}"),
        "publish on the default exchange": lambda ch: ch.basic_publish("", "reporting.intake",
                                                                       b"{}"),
        "call a service it does not use": lambda ch: ch.basic_publish("nameko-rpc",
                                                                      "gateway.x", b"{}"),
    }
    allowed = []
    with pika.BlockingConnection(params) as connection:
        for what, step in steps.items():
            channel = connection.channel()
            channel.confirm_delivery()  # a refused publish closes the channel before returning
            try:
                step(channel)
                allowed.append(what)
            except pika.exceptions.ChannelClosedByBroker as exc:
                if exc.reply_code != 403:
                    allowed.append(f"{what} (closed {exc.reply_code}, not refused)")
            finally:
                if channel.is_open:
                    channel.close()
        cleanup = connection.channel()
        cleanup.queue_delete(reply)  # its own reply queue: the one kind it may delete
    return allowed

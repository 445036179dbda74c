"""The whole AMQP topology, in one place: who publishes what, and which queue consumes it.

Declared in full at start-up by every service and by ``clusterctl`` before anything is published,
so no event can be routed nowhere (NOTES-nameko: "unroutable events vanish"). Every consumed
queue is a quorum queue; the broker policy below bounds the redeliveries of every subscription
and parks what keeps failing; the intake bounds its own (see ``retry_policy``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from kombu import Exchange, Queue, binding

# The event types (source, name) are vocabulary and live in contracts/events.py; re-exported
# here because the subscriptions below are written with them.
from services.contracts.events import (  # noqa: F401
    ASSET_DISPOSED, ASSET_REGISTERED, AUDIT_DUE, CORRECTION_REQUESTED, INDICATOR_OFF_TARGET, INDICATOR_OFF_TARGET_AT_CLOSE,
    PERIOD_APPROVAL_CHANGED, PERIOD_APPROVAL_WAITING,
    PLAN_PUBLISHED, PROJECT_BEHIND_SCHEDULE, PROJECT_CANCELLED, PROJECT_CHANGED,
    PROJECT_REGISTERED, REPORT_DUE_SOON, REPORT_FLAGGED, REPORT_OVERDUE, REPORT_REJECTED,
    REMEDY_OVERDUE, TARGET_REVISED,
    TRANSFER_ACCEPTED, TRANSFER_APPROVED, TRANSFER_CANCELLED, TRANSFER_HANDED_OVER,
    TRANSFER_OVERDUE, TRANSFER_REJECTED, TRANSFER_REQUESTED, TRANSFER_STEPS)
from services.contracts.reports import GATEWAY_ROUTE_PREFIX, REPORTS_EXCHANGE

INTAKE_QUEUE_NAME = "reporting.intake"
PARKED_EXCHANGE_NAME = "parked"
PARKED_QUEUE_NAME = "parked"
DELIVERY_LIMIT = 5
QUORUM = {"x-queue-type": "quorum"}


@dataclass(frozen=True)
class Subscription:
    consumer: str
    source: str
    event_type: str

    @property
    def queue_name(self) -> str:
        return f"{self.consumer}.on.{self.source}.{self.event_type}"


SUBSCRIPTIONS = (
    Subscription("reporting", *PLAN_PUBLISHED),
    Subscription("notify", *PLAN_PUBLISHED),
    Subscription("notify", *REPORT_REJECTED),
    Subscription("notify", *INDICATOR_OFF_TARGET),
    Subscription("notify", *REPORT_DUE_SOON),
    Subscription("notify", *REPORT_OVERDUE),
    Subscription("notify", *INDICATOR_OFF_TARGET_AT_CLOSE),
    Subscription("notify", *PROJECT_BEHIND_SCHEDULE),
    Subscription("notify", *TARGET_REVISED),
    Subscription("notify", *PROJECT_REGISTERED),
    Subscription("notify", *PROJECT_CHANGED),
    Subscription("notify", *PROJECT_CANCELLED),
    Subscription("notify", *REPORT_FLAGGED),
    Subscription("notify", *CORRECTION_REQUESTED),
    Subscription("notify", *REMEDY_OVERDUE),
    Subscription("notify", *PERIOD_APPROVAL_CHANGED),  # the next actor of a period's approval
    Subscription("notify", *PERIOD_APPROVAL_WAITING),
    Subscription("assets", *PLAN_PUBLISHED),
    Subscription("reporting", *ASSET_REGISTERED),  # what each project has produced so far
    *(Subscription("notify", *step) for step in TRANSFER_STEPS),
    Subscription("notify", *AUDIT_DUE),
    Subscription("notify", *ASSET_DISPOSED),
)

EVENT_SOURCES = ("plans", "reporting", "assets", "notify")


def events_exchange(source: str) -> Exchange:
    # Same name, type and durability nameko's EventDispatcher declares.
    return Exchange(f"{source}.events", type="topic", durable=True, auto_delete=False)


def reports_exchange() -> Exchange:
    return Exchange(REPORTS_EXCHANGE, type="topic", durable=True)


def parked_exchange() -> Exchange:
    return Exchange(PARKED_EXCHANGE_NAME, type="fanout", durable=True)


def quorum_queue(name: str, exchange: Exchange, routing_key: str) -> Queue:
    return Queue(name, exchange=exchange, routing_key=routing_key, durable=True,
                 auto_delete=False, exclusive=False, queue_arguments=dict(QUORUM))


def subscription_queue(sub: Subscription) -> Queue:
    return quorum_queue(sub.queue_name, events_exchange(sub.source), sub.event_type)


def intake_queue() -> Queue:
    """Provinces' and agencies' own route (``report.#``) and the gateway's (``gateway.report.#``,
    contracts/reports.py): both to the one intake, which tells them apart by the sender."""
    return Queue(INTAKE_QUEUE_NAME, durable=True, auto_delete=False, exclusive=False,
                 queue_arguments=dict(QUORUM),
                 bindings=[binding(reports_exchange(), routing_key=key)
                           for key in ("report.#", GATEWAY_ROUTE_PREFIX + "#")])


def parked_queue() -> Queue:
    return quorum_queue(PARKED_QUEUE_NAME, parked_exchange(), "")


def find_subscription(consumer: str, source: str, event_type: str) -> Subscription:
    for sub in SUBSCRIPTIONS:
        if (sub.consumer, sub.source, sub.event_type) == (consumer, source, event_type):
            return sub
    raise LookupError(
        f"{consumer} handles {source}.{event_type} but services/infra/topology.py "
        "does not list that subscription; add it to SUBSCRIPTIONS")


def all_queues() -> list[Queue]:
    return [intake_queue(), parked_queue(), *(subscription_queue(s) for s in SUBSCRIPTIONS)]


def declare_topology(connection) -> None:
    """Declare every exchange, queue and binding (idempotent) on a kombu connection."""
    channel = connection.channel()
    try:
        for source in EVENT_SOURCES:
            events_exchange(source)(channel).declare()
        reports_exchange()(channel).declare()
        parked_exchange()(channel).declare()
        for queue in all_queues():
            queue(channel).declare()
    finally:
        channel.close()


def retry_policy() -> dict:
    """Broker policy (apply-to queues): bounded redelivery, then dead-letter to ``parked``.

    Every subscription queue (``<consumer>.on.<source>.<event>``), not the intake: a crash takes
    back every report prefetched (two batches) and the broker counts each as a delivery, so five
    crashes in a row would park hundreds of valid reports. The intake counts the attempts it
    really made and parks from that record (reporting/handlers.py ``handle_alone``). RabbitMQ 4
    gives a quorum queue a delivery limit of 20 when no policy sets one: ``unbounded_policy``
    lifts it for the intake (docs/architecture.md, "Bounded retries")."""
    return {
        "pattern": r"^(plans|reporting|assets|notify)\.on\.",
        "apply-to": "queues",
        "priority": 0,
        "definition": {"delivery-limit": DELIVERY_LIMIT,
                       "dead-letter-exchange": PARKED_EXCHANGE_NAME},
    }


# RabbitMQ 4.0 gives every quorum queue a delivery limit of 20 when none is set (earlier
# releases: none). The intake (it counts its own attempts and parks from them) and ``parked``
# (where bounded retries end) have no dead-letter exchange, so on 4.x a 20th handing back would
# drop the message. -1 (no limit) exists only since 4.0 and 3.10 refuses it; the largest limit
# both take is, at a second or more a handing back, decades of attempts.
UNBOUNDED_DELIVERY_LIMIT = 2**31 - 1


def unbounded_policy() -> dict:
    """Broker policy for the intake and ``parked``: no practical bound on their redelivery."""
    return {
        "pattern": rf"^({re.escape(INTAKE_QUEUE_NAME)}|{PARKED_QUEUE_NAME})$",
        "apply-to": "queues",
        "priority": 0,
        "definition": {"delivery-limit": UNBOUNDED_DELIVERY_LIMIT},
    }

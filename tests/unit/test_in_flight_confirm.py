"""The event the relay sent while the broker blocked it (services/infra/event_publisher.py) is
settled by the broker's answer read later: an Ack marks it sent, a Nack must not - the broker
did not take it, so it stays in the outbox and is sent again.

The channel is py-amqp's own (its frame dispatch and ``wait``); only the socket is replaced by a
connection that hands it one confirm frame."""
from struct import pack

import pytest
from amqp import Channel, spec
from amqp.exceptions import MessageNacked
from amqp.serialization import dumps

from services.infra.event_publisher import DeadlinePublisher


class OneFrameConnection:
    """Just what py-amqp's Channel asks of its connection; ``drain_events`` delivers one
    confirm (``method``: Basic.Ack or Basic.Nack) for delivery tag 1."""

    confirm_publish = True

    def __init__(self, method):
        self.channels, self.method = {}, method

    def _claim_channel_id(self, channel_id):  # noqa: D401 - py-amqp's name for it
        return channel_id

    def drain_events(self, timeout=None):
        frame = pack(">HH", *self.method) + dumps("Lb", (1, False))  # method id, then args
        self.channels[1].dispatch_method(self.method, frame, None)


class Held:
    """A producer whose channel is py-amqp's, over OneFrameConnection."""

    def __init__(self, method):
        self.channel = Channel(OneFrameConnection(method), channel_id=1)


def publisher_waiting_for(method) -> DeadlinePublisher:
    publisher = DeadlinePublisher("amqp://unused/", "plans")
    publisher.producer, publisher.in_flight = Held(method), "e-1"  # sent while blocked
    return publisher


def test_the_ack_of_the_event_sent_while_blocked_marks_it_sent():
    publisher = publisher_waiting_for(spec.Basic.Ack)
    publisher.publish("plan_published", {"event_id": "e-1"})  # returns: confirmed
    assert publisher.in_flight is None


def test_a_nack_of_the_event_sent_while_blocked_is_not_taken_for_an_ack():
    publisher = publisher_waiting_for(spec.Basic.Nack)
    with pytest.raises(MessageNacked):  # the relay keeps the event and sends it again
        publisher.publish("plan_published", {"event_id": "e-1"})
    assert publisher.in_flight is None and publisher.producer is None  # a fresh connection next

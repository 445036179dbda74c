"""The intake's batch consumer settles deliveries in the order they came: a batch's messages are
acknowledged with one ``multiple`` ack, but never before every earlier delivery is settled (a
``multiple`` ack would take those with it), and a message to retry is handed back on its own."""
from services.infra.messaging import BatchConsumer, _Batch


class Channel:
    def __init__(self, open_=True):
        self.connection = object() if open_ else None
        self.acks = []


class Message:
    def __init__(self, channel, tag):
        self.channel, self.delivery_tag = channel, tag

    def ack(self, multiple=False):
        self.channel.acks.append((self.delivery_tag, multiple))


class QueueConsumer:
    def __init__(self):
        self.requeued = []

    def requeue_message(self, message):
        self.requeued.append(message.delivery_tag)


def consumer_with(*batches):
    consumer = BatchConsumer("intake")
    consumer.queue_consumer = QueueConsumer()
    consumer._in_flight.extend(batches)
    return consumer


def test_one_multiple_ack_settles_a_batch():
    channel = Channel()
    batch = _Batch([Message(channel, tag) for tag in (1, 2, 3)])
    consumer = consumer_with(batch)
    consumer._batch_done(batch, None, result=[])
    assert channel.acks == [(3, True)]


def test_a_batch_done_early_waits_for_the_one_delivered_before_it():
    channel = Channel()
    first = _Batch([Message(channel, tag) for tag in (1, 2)])
    second = _Batch([Message(channel, tag) for tag in (3, 4)])
    consumer = consumer_with(first, second)
    consumer._batch_done(second, None, result=[])
    assert channel.acks == []  # an ack of 4 "multiple" would also ack 1 and 2, still in work
    consumer._batch_done(first, None, result=[1])  # the message tagged 2 is to be retried
    assert consumer.queue_consumer.requeued == [2]
    assert channel.acks == [(4, True)]  # 2 was handed back first, so it is not covered
    assert not consumer._in_flight


def test_a_failed_batch_is_handed_back_whole():
    channel = Channel()
    batch = _Batch([Message(channel, tag) for tag in (1, 2)])
    consumer = consumer_with(batch)
    consumer._batch_done(batch, None, exc_info=(OSError, OSError("disk I/O error"), None))
    assert consumer.queue_consumer.requeued == [1, 2]
    assert channel.acks == []


def test_after_a_reconnect_each_channel_gets_its_own_ack_and_a_closed_one_none():
    old, new = Channel(open_=False), Channel()
    batch = _Batch([Message(old, 7), Message(old, 8), Message(new, 1), Message(new, 2)])
    consumer = consumer_with(batch)
    consumer._batch_done(batch, None, result=[])
    assert old.acks == []  # the broker has already taken back what the old channel held
    assert new.acks == [(2, True)]


def test_a_batch_that_could_not_be_handed_back_does_not_hold_up_the_ones_after_it():
    channel = Channel()
    first = _Batch([Message(channel, 1)])
    second = _Batch([Message(channel, 2)])
    consumer = consumer_with(first, second)

    def connection_lost(message):
        raise ConnectionError("connection reset")
    consumer.queue_consumer.requeue_message = connection_lost
    consumer._batch_done(first, None, exc_info=(OSError, OSError("disk I/O error"), None))
    consumer._batch_done(second, None, result=[])
    assert channel.acks == [(2, False)]  # alone: a multiple ack would take 1, still to retry
    assert not consumer._in_flight


def test_the_next_batch_is_on_its_way_while_one_is_stored():
    from types import SimpleNamespace

    from services.infra.messaging import _BatchQueueConsumer
    queue_consumer = _BatchQueueConsumer()
    queue_consumer.container = SimpleNamespace(max_workers=10)
    queue_consumer._providers = {BatchConsumer("intake", max_batch=200)}
    assert queue_consumer.prefetch_count == 400  # two batches unacknowledged at most

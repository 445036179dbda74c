"""The intake's batch consumer settles deliveries in the order they came: a batch's messages are
acknowledged with one ``multiple`` ack, but never before every earlier delivery is settled (a
``multiple`` ack would take those with it), and a message to retry is handed back on its own."""
from services.infra.settlement import Settlement


def deliveries(*tags, epoch=1):
    return [(tag, epoch) for tag in tags]


def test_one_multiple_ack_settles_a_batch():
    settlement = Settlement()
    batch = settlement.open(deliveries(1, 2, 3))
    assert settlement.close(batch, retry=set()) == [(3, 1, True)]


def test_a_batch_done_early_waits_for_the_one_delivered_before_it():
    settlement = Settlement()
    first = settlement.open(deliveries(1, 2))
    second = settlement.open(deliveries(3, 4))
    assert settlement.close(second, retry=set()) == []  # 4 "multiple" would also ack 1 and 2
    # the delivery tagged 2 was handed back (to retry): the ack of 4 does not cover it
    assert settlement.close(first, retry={1}) == [(4, 1, True)]
    assert not settlement.in_flight


def test_a_failed_batch_is_acked_not_at_all():
    settlement = Settlement()
    batch = settlement.open(deliveries(1, 2))
    assert settlement.close(batch, retry={0, 1}) == []
    assert not settlement.in_flight


def test_after_a_reconnect_each_connection_gets_its_own_ack():
    settlement = Settlement()
    batch = settlement.open(deliveries(7, 8, epoch=1) + deliveries(1, 2, epoch=2))
    assert settlement.close(batch, retry=set()) == [(8, 1, True), (2, 2, True)]


def test_a_delivery_that_could_not_be_handed_back_is_never_covered_by_a_multiple_ack():
    settlement = Settlement()
    first = settlement.open(deliveries(1))
    second = settlement.open(deliveries(2, 3))
    assert settlement.close(first, retry={0}, not_handed_back=deliveries(1)) == []
    assert settlement.close(second, retry=set()) == [(2, 1, False), (3, 1, False)]
    later = settlement.open(deliveries(4, 5, epoch=2))  # a new connection: multiple again
    assert settlement.close(later, retry=set()) == [(5, 2, True)]


def test_a_batch_that_never_reached_a_worker_does_not_hold_up_the_ones_after_it():
    settlement = Settlement()
    lost = settlement.open(deliveries(1))
    after = settlement.open(deliveries(2))
    assert settlement.close(after, retry=set()) == []  # waits for the batch delivered before it
    # never reached a worker: closed as one to retry whole (its delivery handed back)
    assert settlement.close(lost, retry={0}) == [(2, 1, True)]


def test_a_batch_that_never_reached_a_worker_and_could_not_be_handed_back_turns_its_epoch_one_by_one():
    settlement = Settlement()
    lost = settlement.open(deliveries(1))
    after = settlement.open(deliveries(2))
    assert settlement.close(lost, retry={0}, not_handed_back=deliveries(1)) == []
    assert settlement.close(after, retry=set()) == [(2, 1, False)]

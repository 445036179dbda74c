"""In which order, and how, a batch consumer acknowledges its deliveries (pure, no I/O).

A ``multiple`` ack settles every unsettled delivery on the channel up to its tag, so it may only
be sent for a delivery when every delivery before it is settled. Batches finish in any order
(one worker each); they are settled in the order they were delivered: a batch done early waits
for the ones delivered before it, then one ``multiple`` ack covers them all. A delivery to retry
is handed back (requeued) by the caller as soon as its batch is done, which settles it.

Deliveries carry the ``epoch`` of the connection they came on: after a reconnect the broker has
taken back whatever was unsettled, and tags start again, so each epoch is settled on its own.
If a delivery could not be handed back (its requeue failed) its epoch is acked one by one from
then on: a ``multiple`` ack would take that unsettled delivery along.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

Delivery = tuple  # (message, epoch): the message is opaque here


@dataclass(eq=False)
class Batch:
    deliveries: list[Delivery]
    to_ack: list[Delivery] | None = None  # set when its worker is done


@dataclass
class Settlement:
    in_flight: deque = field(default_factory=deque)  # open batches, in delivery order
    one_by_one: set = field(default_factory=set)  # epochs that must never see a multiple ack

    def open(self, deliveries: list[Delivery]) -> Batch:
        batch = Batch(list(deliveries))
        self.in_flight.append(batch)
        return batch

    def close(self, batch: Batch, retry: set[int], not_handed_back: list[Delivery] = ()
              ) -> list[tuple[object, int, bool]]:
        """The batch's worker is done: ``retry`` are the indexes handed back. Returns the acks to
        send now, as (message, epoch, multiple)."""
        batch.to_ack = [d for i, d in enumerate(batch.deliveries) if i not in retry]
        self.one_by_one.update(epoch for _, epoch in not_handed_back)
        settled: list[Delivery] = []
        while self.in_flight and self.in_flight[0].to_ack is not None:
            settled.extend(self.in_flight.popleft().to_ack)
        by_epoch: dict[int, list] = {}
        for message, epoch in settled:
            by_epoch.setdefault(epoch, []).append(message)
        acks = []
        for epoch, messages in by_epoch.items():
            if epoch in self.one_by_one:
                acks.extend((message, epoch, False) for message in messages)
            else:
                acks.append((messages[-1], epoch, True))
        return acks

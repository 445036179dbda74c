"""The fault suite's counts of what could double (tests/reliability/effects.py) do see a double:
a second event for one fact, a mail at the SMTP server twice - and tell a re-send of the same
event (at-least-once, allowed) from a second event."""
import json
from collections import Counter
from types import SimpleNamespace

from tests.reliability.effects import EventTap, events_per_fact, mails_per_fact

REPORT = {"province": "TH-34", "event_id": "r-1"}


def off_target(event_id: str) -> bytes:
    return json.dumps({"event_id": event_id, "province": "TH-34",
                       "report_event_id": "r-1"}).encode()


def tap_with(*bodies: bytes) -> EventTap:
    tap = EventTap("amqp://guest:guest@127.0.0.1:1/", "u", "p")  # never connects here
    for body in bodies:
        tap.count("indicator_off_target", body)
    return tap


def test_two_events_for_one_fact_are_a_double_and_a_resend_is_not():
    doubled = events_per_fact(tap_with(off_target("e-1"), off_target("e-2")), [REPORT], set())
    assert len(doubled["doubled"]) == 1 and doubled["resent"] == 0
    resent = events_per_fact(tap_with(off_target("e-1"), off_target("e-1")), [REPORT], {"e-1"})
    assert not resent["doubled"] and resent["resent"] == 1 and resent["events"] == 2
    assert not resent["missing"]


def test_a_fact_with_no_event_is_missing_and_an_unreadable_body_is_counted_apart():
    tap = tap_with(b"not json")
    assert tap.unreadable == 1
    assert events_per_fact(tap, [REPORT], {"e-9"})["missing"] == {"e-9"}


def test_a_mail_at_the_server_twice_doubles_its_fact():
    system = SimpleNamespace(
        sink=SimpleNamespace(message_ids=lambda: Counter({"<m1>": 2, "<m2>": 1})),
        queued_mails=lambda: [{"event_id": "f-1", "message_id": "<m1>"},
                              {"event_id": "f-2", "message_id": "<m2>"},
                              {"event_id": "f-3", "message_id": "<m3>"}])
    counted = mails_per_fact(system, {"f-1", "f-2", "f-3", "f-4"})
    assert counted["doubled"] == {"f-1"} and counted["mails"] == 3
    assert counted["missing"] == {"f-3", "f-4"}  # queued but never at the server; never queued

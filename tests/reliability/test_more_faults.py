"""Faults beside the broker's and the intake's: the gateway killed while province workbooks are
being sent through it, and the broker's own alarms (memory, disk) under load. Each case:
nothing confirmed is lost, nothing takes effect twice, and the system resumes by itself."""
import io
import json
import signal
import sqlite3
import threading
import time

import openpyxl
import pytest
import requests

from tests.support.system import wait_until

from .effects import tap_settled
from .harness import (PLAN, PROVINCES, assert_no_loss_no_double, correction_stream,
                      count_effects, finish_publishing, wait_stored)

# FY2567 is the deadline burst's year (its reports an hour old): these workbooks' values, sent
# now, are the ones in force, and no other case reads them afterwards.
WORKBOOK_PERIODS = ("FY2567-Q1", "FY2567-Q2", "FY2567-Q3", "FY2567-Q4")


def filled_workbook(system, province: str, period: str) -> bytes:
    """The period's workbook as the gateway gives it, every indicator given a value in range."""
    answer = system.get(f"/api/plans/{PLAN}/report-workbook", system.key("province", province),
                        province=province, period=period)
    assert answer.status_code == 200, answer.text
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    sheet = next(s for s in book.worksheets if s.title.endswith("(indicators)"))
    cols = {str(c.value).rsplit("(", 1)[-1].rstrip(")"): c.column for c in sheet[1] if c.value}
    for n, row in enumerate(sheet.iter_rows(min_row=2)):
        if row[cols["indicator"] - 1].value:
            sheet.cell(row=row[0].row, column=cols["value"]).value = 10 + n  # some are %
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def send(system, province: str, data: bytes):
    return requests.post(f"{system.base}/api/plans/{PLAN}/report-workbook/send", data=data,
                         timeout=120,
                         headers={"Authorization": f"Bearer {system.key('province', province)}"})


def stored_bodies(system, ids: set[str]) -> list[dict]:
    """The reports as reporting stored them (what the gateway built from the workbooks)."""
    conn = sqlite3.connect(f"file:{system.data_dir / 'reporting.sqlite3'}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT body FROM reports").fetchall()
    finally:
        conn.close()
    return [b for b in (json.loads(r[0]) for r in rows) if b["event_id"] in ids]


def off_target_facts(system, ids: set[str]) -> set[str]:
    """The off-target facts the bus carried about these reports (each one is mailed)."""
    return {e for (key, _province, report), events in system.tap.events_of.items()
            if "off_target" in key and report in ids for e in events}


def test_gateway_killed_while_workbooks_are_sent(chaos_system, record):
    system = chaos_system
    uploads = {(p, q): filled_workbook(system, p, q) for p in PROVINCES for q in WORKBOOK_PERIODS}
    baseline = len(system.stored_reports())
    first: dict[tuple, object] = {}

    def upload(key):
        try:
            first[key] = send(system, key[0], uploads[key])
        except requests.RequestException as exc:  # the gateway died under it
            first[key] = exc
    threads = [threading.Thread(target=upload, args=(key,)) for key in uploads]
    for thread in threads:
        thread.start()
    # Killed once the first of them reach reporting: some sent, some being sent, some not yet.
    wait_until(lambda: len(system.stored_reports()) > baseline, timeout=60, interval=0.01,
               what="the first uploaded reports to be stored")
    old_pid = system.signal_service("gateway", signal.SIGKILL)
    for thread in threads:
        thread.join(150)
    wait_until(lambda: next((p for p in system.service_pids("gateway") if p != old_pid), None),
               timeout=60, what="the gateway to be restarted")
    wait_until(lambda: requests.get(f"{system.base}/health", timeout=5).status_code == 200,
               timeout=60, what="the gateway to answer again")
    answered = {k: r for k, r in first.items() if not isinstance(r, Exception)
                and r.status_code == 202}
    # The provinces send the same workbooks again (they cannot know what went through).
    again = {key: send(system, key[0], data) for key, data in uploads.items()}
    assert all(r.status_code == 202 for r in again.values()), \
        [r.text for r in again.values() if r.status_code != 202][:2]
    for key, response in answered.items():  # ids derive from the content: the same reports
        assert again[key].json()["event_ids"] == response.json()["event_ids"]
    ids = {i for r in again.values() for i in r.json()["event_ids"]}
    wait_stored(system, ids)
    sent = stored_bodies(system, ids)
    tap_settled(system)  # every event about them relayed and read
    outcome = count_effects(system, sent, set(), off_target_facts(system, ids))
    resent = sum(r.json()["already_received"] for r in again.values())
    record(fault="Gateway killed mid-upload",
           injected=f"SIGKILL to the gateway while {len(uploads)} province workbooks "
                    f"({len(ids)} reports) were being sent through it at once; then every "
                    "province sent the same workbook again",
           events=outcome["events"], lost=outcome["lost"], duplicated=outcome["duplicated"],
           observed=f"{len(answered)} uploads answered before the kill, "
                    f"{len(uploads) - len(answered)} cut off; the second sending found "
                    f"{resent} reports already received (same event ids) and sent "
                    f"{len(ids) - resent}; " + outcome["observed"])
    assert len(answered) < len(uploads), "the kill landed after every upload had finished"
    assert_no_loss_no_double(outcome)


ALARMS = {
    # a threshold the node is over at once, and RabbitMQ's default back
    "memory": (("set_vm_memory_high_watermark", "0.0001"), ("set_vm_memory_high_watermark", "0.4")),
    "disk": (("set_disk_free_limit", str(10 ** 15)), ("set_disk_free_limit", "50000000")),
}
ALARM_S = 6
PER_PROVINCE, PER_SECOND = 300, 25


@pytest.mark.parametrize("alarm", sorted(ALARMS))
def test_broker_alarm_under_load(chaos_system, workdir, record, alarm):
    system = chaos_system
    raise_it, clear_it = ALARMS[alarm]
    baseline = set(system.stored_reports())
    sent = {p: correction_stream(p, PER_PROVINCE) for p in PROVINCES}
    proc, result_path = system.publish(sent, workdir, per_second=PER_SECOND, background=True)
    wait_until(lambda: len(system.stored_reports()) - len(baseline) >= 100, timeout=60,
               interval=0.1, what="the provinces' reports to start arriving")
    system.broker.ctl(*raise_it)
    blocked, raised_at, at_raise = 0, time.monotonic(), len(system.stored_reports())
    try:
        while time.monotonic() - raised_at < ALARM_S:
            blocked = max(blocked, system.broker.blocked_connections())
            time.sleep(0.25)
        stalled_at = len(system.stored_reports())
    finally:
        system.broker.ctl(*clear_it)
    cleared = time.monotonic()
    wait_until(lambda: len(system.stored_reports()) > stalled_at, timeout=60, interval=0.05,
               what="the intake to resume after the alarm")
    resumed_in = time.monotonic() - cleared
    result = finish_publishing(proc, result_path)
    every = [r for reports in sent.values() for r in reports]
    outcome = count_effects(system, every, baseline)
    record(fault=f"Broker {alarm} alarm under load",
           injected=f"rabbitmqctl {' '.join(raise_it)} for {ALARM_S} s, then "
                    f"{' '.join(clear_it)}, while {len(PROVINCES)} provinces published "
                    f"{PER_PROVINCE} reports each at {PER_SECOND}/s",
           events=outcome["events"], lost=outcome["lost"], duplicated=outcome["duplicated"],
           observed=f"up to {blocked} connections blocked by the alarm; "
                    f"{stalled_at - at_raise} reports stored during it; intake storing again "
                    f"{resumed_in:.1f} s after it cleared; {result['reconnects']} publisher "
                    f"reconnects; " + outcome["observed"])
    assert blocked > 0, "the alarm blocked no publisher"
    assert_no_loss_no_double(outcome)

"""A message that always fails is parked after the delivery limit while everything else keeps
flowing; the SMTP server goes away for a while and every mail still arrives exactly once."""
import json
import subprocess
import sys
import time
import uuid

import pika

from clusterctl.settings import REPO_ROOT
from services.infra.topology import DELIVERY_LIMIT
from tests.support.system import wait_until

from .harness import (PROVINCES, assert_no_loss_no_double, correction_stream, count_effects,
                      off_target_fact_id, off_target_reports)


def clusterctl(system, *args) -> str:
    done = subprocess.run([sys.executable, "-m", "clusterctl", *args], cwd=REPO_ROOT,
                          env=system.env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def publish_as_services(system, exchange: str, routing_key: str, body: bytes, message_id: str):
    creds = system.credentials()
    params = pika.URLParameters(creds["amqp_url"])
    params.credentials = pika.PlainCredentials(creds["services"]["amqp_username"],
                                               creds["services"]["amqp_password"])
    connection = pika.BlockingConnection(params)
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish(exchange, routing_key, body, pika.BasicProperties(
            content_type="application/json", delivery_mode=2, message_id=message_id),
            mandatory=True)
    finally:
        connection.close()


def test_poison_message_parked_while_others_flow(chaos_system, workdir, record):
    system = chaos_system
    baseline = set(system.stored_reports())
    # A plan_published event no consumer can handle (a producer bug): every service that
    # subscribes to it fails on it, each time it is delivered.
    poison_id = str(uuid.uuid4())
    publish_as_services(system, "plans.events", "plan_published",
                        json.dumps({"event_id": poison_id, "plan": {"id": 5}}).encode(), poison_id)
    sent = {p: correction_stream(p, 100) for p in PROVINCES}
    system.publish(sent, workdir)
    every = [r for reports in sent.values() for r in reports]
    outcome = count_effects(system, every, baseline)

    def parked_lines():
        lines = [line for line in clusterctl(system, "parked", "list").splitlines()
                 if "plan_published" in line]
        return lines if len(lines) == 3 else None
    lines = wait_until(parked_lines, timeout=120, interval=1,
                       what="the poison message parked from its three queues")
    parked_id = lines[0].split()[0]
    shown = json.loads(clusterctl(system, "parked", "show", parked_id))
    record(fault="Poison message",
           injected=f"a plan_published event every subscriber fails on, published once "
                    f"(consumed by reporting, notify and assets), amid {len(every)} reports",
           events=len(every) + 1, lost=outcome["lost"], duplicated=outcome["duplicated"],
           observed=f"parked from {len(lines)} queues after at most {DELIVERY_LIMIT} deliveries "
                    f"each (clusterctl parked list/show; reason {shown['reason']}); "
                    "the reports behind it all stored; " + outcome["observed"])
    assert_no_loss_no_double(outcome)
    assert {line.split()[2] for line in lines} == {
        "reporting.on.plans.plan_published", "notify.on.plans.plan_published",
        "assets.on.plans.plan_published"}
    assert json.loads(shown["body"])["event_id"] == poison_id  # kept whole, for a retry


def test_smtp_server_down_for_a_while(chaos_system, workdir, record):
    system = chaos_system
    mailing = off_target_reports(indicator="NE2-5.1")  # "decrease", max: 90 days is off target
    for report in mailing:
        report["value"] = 90.0
    system.sink.stop()
    try:
        down_at = time.monotonic()
        system.publish({p: [r for r in mailing if r["province"] == p] for p in PROVINCES}, workdir)
        facts = {off_target_fact_id(r) for r in mailing}
        # Mails queued and tried while the server is away: attempts fail, none is given up.
        wait_until(lambda: [m for m in system.queued_mails()
                            if m["event_id"] in facts and m["attempts"] >= 2],
                   timeout=90, interval=0.5, what="failed delivery attempts")
        time.sleep(max(0.0, 15 - (time.monotonic() - down_at)))
        failed = [m for m in system.queued_mails() if m["event_id"] in facts]
        away = time.monotonic() - down_at
    finally:
        system.sink.start()
    outcome = count_effects(system, mailing, set(), facts, timeout=240)
    record(fault="SMTP server down, then back",
           injected=f"the SMTP server stopped for {away:.0f} s while {len(mailing)} off-target "
                    "reports were mailed",
           events=outcome["events"], lost=outcome["lost"], duplicated=outcome["duplicated"],
           observed=f"{len(failed)} mails queued while it was away, up to "
                    f"{max(m['attempts'] for m in failed)} failed attempts each; "
                    + outcome["observed"])
    assert_no_loss_no_double(outcome)
    assert len(outcome["mail"]["recipients_per_fact"]) == 1

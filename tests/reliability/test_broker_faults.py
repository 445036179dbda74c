"""The broker goes away while four provinces publish: nothing they were told was received is
lost, nothing is applied twice, and the system carries on without anyone restarting it."""
import pytest

from tests.support.system import wait_until

from .harness import (PROVINCES, assert_no_loss_no_double, correction_stream, count_effects,
                      finish_publishing)

PER_PROVINCE = 300
PER_SECOND = 25  # each province; the stream lasts ~12 s without the outage


@pytest.mark.parametrize("how", ["restart", "kill"])
def test_broker_restarted_while_four_provinces_publish(chaos_system, workdir, record, how):
    system = chaos_system
    baseline = set(system.stored_reports())
    restarts_before = len(system.restarted_services())
    sent = {p: correction_stream(p, PER_PROVINCE) for p in PROVINCES}
    proc, result_path = system.publish(sent, workdir, per_second=PER_SECOND, background=True)
    # Restart in the middle of the stream: some reports stored, most still to come.
    wait_until(lambda: len(system.stored_reports()) - len(baseline) >= 100, timeout=60,
               interval=0.1, what="the provinces' reports to start arriving")
    away = system.broker.restart() if how == "restart" else system.broker.kill_and_start()
    assert proc.poll() is None, "the provinces had finished before the broker went away"
    result = finish_publishing(proc, result_path)
    every = [r for reports in sent.values() for r in reports]
    outcome = count_effects(system, every, baseline)
    record(fault="Broker restarted under load" if how == "restart" else "Broker killed under load",
           injected=("a clean stop and start of the RabbitMQ node" if how == "restart" else
                     "SIGKILL to the RabbitMQ node's VM, then a start")
                    + f" (away {away:.1f} s) while "
                    f"{len(PROVINCES)} provinces published {PER_PROVINCE} reports each at "
                    f"{PER_SECOND}/s",
           events=outcome["events"], lost=outcome["lost"], duplicated=outcome["duplicated"],
           observed=f"{result['reconnects']} publisher reconnects, {result['republished']} "
                    "sends repeated after an unconfirmed publish; "
                    f"services restarted by the supervisor: "
                    f"{', '.join(system.restarted_services()[restarts_before:]) or 'none'}; "
                    + outcome["observed"])
    assert result["reconnects"] > 0, "the outage did not reach the publishers"
    assert_no_loss_no_double(outcome)
    # The system serves again without help: the HTTP API answers from the new views.
    last = sent["TH-34"][-1]
    assert system.indicator_value(last["indicator"], last["period"], "TH-34") == last["value"]

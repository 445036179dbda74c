"""Ctrl-C stops everything; a second run finds everything the first one left."""
import signal

from tests.support.system import Province, RunningSystem, wait_until

PLAN = "northeast-lower-2-2566-2570"


def indicator_value(system, period, indicator):
    body = system.get(f"/api/plans/{PLAN}/indicator-results", system.key(), period=period).json()
    return next(r for r in body["results"] if r["indicator"] == indicator)["provinces"]


def test_restart_keeps_credentials_and_views_and_leaves_nothing_running(tmp_path):
    system = RunningSystem(tmp_path / "var")
    try:
        system.start()
        first_creds = system.credentials()
        th34 = Province(first_creds, "TH-34")
        th34.report("NE2-1.1", "FY2567-Q1", 777, "2024-01-05T10:00:00+07:00")
        th34.close()
        wait_until(lambda: indicator_value(system, "FY2567-Q1", "NE2-1.1") == {"TH-34": 777.0},
                   what="the report before the restart")
        assert system.stop() == 0
        assert system.leftover_processes() == []
        assert b"nothing left running" in system.output.read_bytes()

        system.start()
        assert system.credentials() == first_creds
        assert indicator_value(system, "FY2567-Q1", "NE2-1.1") == {"TH-34": 777.0}
        th34 = Province(system.credentials(), "TH-34")  # same password still works
        th34.report("NE2-1.1", "FY2567-Q1", 778, "2024-01-06T10:00:00+07:00")
        th34.close()
        wait_until(lambda: indicator_value(system, "FY2567-Q1", "NE2-1.1") == {"TH-34": 778.0},
                   what="a report after the restart")
    finally:
        system.stop()
        system.cleanup_broker()
    assert system.leftover_processes() == []


def test_a_killed_runner_takes_its_services_with_it(tmp_path):
    system = RunningSystem(tmp_path / "var")
    try:
        system.start()
        system.proc.send_signal(signal.SIGKILL)
        system.proc.wait(10)
        wait_until(lambda: system.leftover_processes() == [], timeout=30,
                   what="the services to exit after their runner was killed")
    finally:
        system.cleanup_broker()



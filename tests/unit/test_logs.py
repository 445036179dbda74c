"""Structured logs (services/infra/logs.py): JSON lines with the event_id of what is handled,
through real nameko workers (a container that is never started needs no broker)."""
import json
import logging
import logging.config
import uuid
from datetime import datetime, timedelta
from types import SimpleNamespace

import eventlet
import pytest
from nameko.containers import ServiceContainer
from nameko.rpc import rpc
from nameko.testing.services import entrypoint_hook

from clusterctl.runner import Supervisor, readable_log_line
from services.infra import logs
from services.infra.messaging import RawMessage, on_event, raw_consumer
from tests.support.logs import json_lines

log = logging.getLogger("tests.unit.test_logs.service")


class Service:
    name = "logdemo"
    log_context = logs.LogContext()

    @on_event("plans", "plan_published")
    def on_event(self, payload):
        log.info("ได้รับแผน %s", payload["plan"])
        eventlet.sleep(0)  # let a concurrent worker run in between
        log.info("done")

    @raw_consumer("reporting.intake")
    def intake(self, message):
        log.info("message")
        with logs.bound_event_id(message.body.decode()):
            log.info("body read")
        log.info("after")

    @rpc
    def ask(self):
        log.info("asked")
        return logs.CALL_ID.get()

    @rpc
    def fail(self):
        try:
            raise ValueError("ผิดพลาด")
        except ValueError:
            log.exception("it failed")


@pytest.fixture
def lines():
    """What ``log`` writes through the handler and formatter `make run` configures."""
    with json_lines(log, "logdemo") as read:
        yield read


@pytest.fixture
def container():
    return ServiceContainer(Service, {"AMQP_URI": "memory://"})


def test_a_line_is_one_json_object_with_the_fields_and_thai_as_written(lines, container):
    event_id = str(uuid.uuid4())
    with entrypoint_hook(container, "on_event") as handle:
        handle({"event_id": event_id, "plan": "แผนพัฒนากลุ่มจังหวัด"})
    first = lines()[0]
    assert list(first)[:7] == ["time", "service", "level", "logger", "message", "event_id",
                               "call_id"]
    assert first["message"] == "ได้รับแผน แผนพัฒนากลุ่มจังหวัด"
    assert first["service"] == "logdemo" and first["level"] == "INFO"
    assert first["logger"] == log.name and first["event_id"] == event_id
    assert first["call_id"].startswith("logdemo.on_event.")
    moment = datetime.fromisoformat(first["time"])
    assert moment.utcoffset() == timedelta(0)
    raw = logs.json_formatter("logdemo").format(logging.makeLogRecord({"msg": "ไทย"}))
    assert "ไทย" in raw and "\\u" not in raw


def test_a_line_with_a_lone_surrogate_is_still_written_and_parses(lines):
    # text from an untrusted message can hold one; the fast encoder refuses it
    log.info("rejected a report: %s", "bad \ud800 id")
    log.info("ไทย after it")
    first, second = lines()
    assert first["message"] == "rejected a report: bad \ud800 id"
    assert second["message"] == "ไทย after it"


def test_the_ids_are_cleared_when_the_worker_ends(lines, container):
    event_id = str(uuid.uuid4())
    with entrypoint_hook(container, "on_event") as handle:
        handle({"event_id": event_id, "plan": "x"})
    with entrypoint_hook(container, "ask") as ask:
        call_id = ask()
    log.info("outside any worker")
    *_, asked, outside = lines()
    assert asked["message"] == "asked" and asked["event_id"] is None  # RPC: no event
    assert asked["call_id"] == call_id and call_id.startswith("logdemo.ask.")
    assert outside["event_id"] is None and outside["call_id"] is None

    # the provider itself, in this very greenthread: set, then reset at teardown
    worker = SimpleNamespace(entrypoint=next(e for e in container.entrypoints
                                             if e.method_name == "on_event"),
                             args=({"event_id": event_id},), call_id="logdemo.on_event.1",
                             call_id_stack=["gateway.x.0", "logdemo.on_event.1"])
    provider = next(d for d in container.dependencies if isinstance(d, logs.LogContext))
    provider.worker_setup(worker)
    assert logs.EVENT_ID.get() == event_id and logs.CALL_ID.get() == "logdemo.on_event.1"
    assert logs.CALL_CHAIN.get() == ["gateway.x.0", "logdemo.on_event.1"]
    provider.worker_teardown(worker)
    assert logs.EVENT_ID.get() is None and logs.CALL_ID.get() is None
    assert logs.CALL_CHAIN.get() is None


def test_each_line_carries_the_call_id_chain_of_its_worker(lines, container):
    with entrypoint_hook(container, "ask") as ask:
        call_id = ask()
    line = lines()[0]
    assert line["call_chain"] == [call_id]  # a root call: the chain is itself


@pytest.mark.parametrize("raw", ["verbose", "5", "info,debug"])
def test_an_invalid_log_level_is_refused_at_start_naming_the_variable(raw):
    from clusterctl.settings import Settings, SettingsError
    with pytest.raises(SettingsError, match=r"LOG_LEVEL=.* one of DEBUG, INFO, WARNING, ERROR, "
                                            r"CRITICAL"):
        Settings.from_env({"LOG_LEVEL": raw})


def test_log_level_sets_every_services_root_level():
    from clusterctl.runner import service_config
    from clusterctl.settings import Settings
    settings = Settings.from_env({"LOG_LEVEL": "warning", "METRICS_PORT": "9100"})
    creds = {"services": {"amqp_username": "u", "amqp_password": "p"}}
    config = service_config(settings, creds, "notify")
    assert config["LOGGING"]["root"]["level"] == "WARNING"
    assert config["METRICS_PORT"] == 9103  # make run: one port per service from METRICS_PORT
    assert service_config(Settings.from_env({}), creds, "notify")["METRICS_PORT"] == 0


def test_concurrent_workers_each_log_their_own_event_id(lines, container):
    ids = [str(uuid.uuid4()) for _ in range(4)]

    def run(event_id):
        with entrypoint_hook(container, "on_event") as handle:
            handle({"event_id": event_id, "plan": event_id})
    pool = eventlet.GreenPool()
    for event_id in ids:
        pool.spawn(run, event_id)
    pool.waitall()
    seen = lines()
    assert len(seen) == 8
    for line in seen:
        if line["message"] != "done":
            assert line["message"].endswith(line["event_id"])
    assert sorted(line["event_id"] for line in seen) == sorted(ids * 2)


def test_a_raw_message_carries_its_message_id_then_the_id_read_from_its_body(lines, container):
    with entrypoint_hook(container, "intake") as handle:
        handle(RawMessage(b"from-the-body", "report.TH-34.indicator", "TH-34", "the-message-id",
                          "application/json", False))
    assert [(line["message"], line["event_id"]) for line in lines()] == [
        ("message", "the-message-id"), ("body read", "from-the-body"), ("after", "the-message-id")]


def test_an_exception_is_kept_as_text_and_rendered_readably(lines, container):
    with entrypoint_hook(container, "fail") as fail:
        fail()
    line = lines()[-1]
    assert line["level"] == "ERROR" and "Traceback" in line["exc"] and "ผิดพลาด" in line["exc"]
    shown = readable_log_line(json.dumps(line, ensure_ascii=False))
    assert shown.startswith(f"{line['time']} ERROR {log.name}: it failed")
    assert "    ValueError: ผิดพลาด" in shown.splitlines()
    assert readable_log_line("Traceback (most recent call last):") == \
        "Traceback (most recent call last):"  # a crash before logging was set up, as it is


def test_the_logging_config_of_a_service_builds_that_formatter_and_filter():
    config = logs.logging_config("reporting")
    built = logging.config.DictConfigurator(config)
    formatter = built.configure_formatter(dict(config["formatters"]["json"]))
    context = built.configure_filter(dict(config["filters"]["context"]))
    record = logging.makeLogRecord({"msg": "start-up", "name": "nameko.runners"})
    assert context.filter(record)
    assert json.loads(formatter.format(record))["service"] == "reporting"
    assert json.loads(formatter.format(record))["event_id"] is None


def test_the_runner_shows_a_failed_services_log_tail_readably(tmp_path):
    """What `make run` prints when a service exits while starting: its JSON lines rendered,
    the plain traceback of a crash before its logging was set up as it is."""
    started = {"time": "2024-04-10T02:30:00.000001+00:00", "service": "reporting",
               "level": "INFO", "logger": "nameko.runners", "message": "starting services: reporting",
               "event_id": None, "call_id": None}
    (tmp_path / "reporting.log").write_text(
        json.dumps(started) + "\nTraceback (most recent call last):\n"
        "FileNotFoundError: [Errno 2] No such file or directory: '/nope'\n", "utf-8")
    assert Supervisor(tmp_path).log_tail("reporting").splitlines() == [
        "2024-04-10T02:30:00.000001+00:00 INFO nameko.runners: starting services: reporting",
        "Traceback (most recent call last):",
        "FileNotFoundError: [Errno 2] No such file or directory: '/nope'"]

"""Structured logs: one JSON object per line, each with the ``event_id`` being handled.

- ``logging_config(service)``: nameko's ``LOGGING`` for a service process (``clusterctl`` writes
  it into each service's config): JSON lines on stderr with ``time`` (ISO 8601, UTC),
  ``service``, ``level``, ``logger``, ``message``, ``event_id``, ``call_id``, ``call_chain``,
  ``pid`` (replicas share a log) and ``exc`` (the traceback, when there is one). Thai stays Thai
  (no ``\\u`` escapes). ``level`` is the root logger's level (``LOG_LEVEL``).
- ``LogContext``: a DependencyProvider that binds, for the whole of a worker, the id of what it
  handles - an event's ``event_id``, a raw message's ``message_id`` - the worker's call id and
  nameko's call-id chain (``worker_ctx.call_id_stack``: the call ids of the workers that led to
  this one, root first, carried across services in RPC and event headers), and clears them when
  the worker ends. RPC, HTTP and timer workers have ``event_id`` null.
- ``bound_event_id(...)``: narrows the id inside a worker once a better one is known (the
  reporting intake, after parsing the body); ``ContextFilter`` copies both ids onto every record.

Each eventlet greenthread is a greenlet with its own ``contextvars`` context (greenlet >= 1.0),
so workers running side by side never see each other's ids, and lines logged outside any worker
(start-up, consumers, the broker connection) carry ``event_id`` null.
"""
from __future__ import annotations

import json
import logging
import re
from contextlib import contextmanager
from contextvars import ContextVar

from nameko.extensions import DependencyProvider
from pythonjsonlogger.json import JsonEncoder
from pythonjsonlogger.orjson import OrjsonFormatter

EVENT_ID: ContextVar[str | None] = ContextVar("event_id", default=None)
CALL_ID: ContextVar[str | None] = ContextVar("call_id", default=None)
CALL_CHAIN: ContextVar[list | None] = ContextVar("call_chain", default=None)
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MAX_ID_CHARS = 200  # an id read from an untrusted body is cut: it is repeated on every line

FIELDS = ["time", "service", "levelname", "name", "message", "event_id", "call_id", "call_chain",
          "process"]
RENAMED = {"levelname": "level", "name": "logger", "exc_info": "exc", "stack_info": "stack",
           "process": "pid"}  # pid: replicas of a service write to one log


class LineFormatter(OrjsonFormatter):
    """orjson, because the intake logs a line per report and the standard json module made
    formatting a tenth of its time. orjson writes Thai as UTF-8, never ``\\u`` escapes. It
    refuses a lone surrogate (text from an untrusted message can hold one); such a line is
    written by the standard module, escaped, instead of being lost."""

    def jsonify_log_record(self, log_data) -> str:
        try:
            line = super().jsonify_log_record(log_data)
        except TypeError:
            line = json.dumps(log_data, cls=JsonEncoder, ensure_ascii=False).encode(
                "utf-8", "backslashreplace").decode("utf-8")
        return without_passwords(line)


# user:password@ in any URL (AMQP, MONGO_URL's mongodb://, SMTP_URL's smtp://, ...). nameko masks
# the password of its AMQP_URI when it logs a connection error, but only the first URL's: with
# several nodes ("url1;url2", README) the others' were written out in clear.
URL_PASSWORD = re.compile(r"([a-z][a-z0-9+.-]*://[^:/@;\s\"]*:)[^@;\s\"]+@")


def without_passwords(text: str) -> str:
    return URL_PASSWORD.sub(r"\1********@", text)


def json_formatter(service: str) -> LineFormatter:
    # "time" and "service" are listed to keep their place at the front of each line; their
    # values come from the timestamp and the static field.
    # Record attributes no line shows are not gathered (the logging HOWTO's "Optimization",
    # through its documented module attributes): thread and process names - under eventlet the
    # thread's name is looked up in Python. The caller's file and line are still looked up: the
    # only switch for that is a private attribute of the logging module. Measured: ~1 µs of a
    # line's ~7 (50,000 lines, best of 5); under 1 % of the intake's ~150 µs per report.
    logging.logThreads = logging.logMultiprocessing = False
    return LineFormatter(FIELDS, rename_fields=RENAMED, static_fields={"service": service},
                         timestamp="time")


class ContextFilter(logging.Filter):
    """Puts the ``event_id`` and ``call_id`` of the running worker on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.__dict__.setdefault("event_id", EVENT_ID.get())
        record.__dict__.setdefault("call_id", CALL_ID.get())
        record.__dict__.setdefault("call_chain", CALL_CHAIN.get())
        return True


def check_level(level: str) -> str:
    """``LOG_LEVEL`` by name, upper-cased; a ValueError naming the variable otherwise."""
    name = str(level).strip().upper()
    if name not in LEVELS:
        raise ValueError(f"LOG_LEVEL={level!r} is not a log level; one of {', '.join(LEVELS)}")
    return name


def logging_config(service: str, level: str = "INFO") -> dict:
    """nameko's ``LOGGING`` (a ``logging.config.dictConfig``) for one service process."""
    level = check_level(level)
    return {
        "version": 1, "disable_existing_loggers": False,
        "filters": {"context": {"()": f"{__name__}.ContextFilter"}},
        "formatters": {"json": {"()": f"{__name__}.json_formatter", "service": service}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json",
                                 "filters": ["context"]}},
        "root": {"level": level, "handlers": ["console"]},
    }


def _id(value) -> str | None:
    return str(value)[:MAX_ID_CHARS] if value not in (None, "") else None


def handled_event_id(worker_ctx) -> str | None:
    """The id of the message a worker handles: an event's ``event_id``, a raw message's
    ``message_id``; None for RPC, HTTP and timers."""
    if not getattr(worker_ctx.entrypoint, "handles_messages", False) or not worker_ctx.args:
        return None
    handled = worker_ctx.args[0]
    if isinstance(handled, dict):
        return _id(handled.get("event_id"))
    return _id(getattr(handled, "message_id", None))


def about(event_id) -> dict:
    """``extra=about(event_id)``: one line carries ``event_id`` - cheaper than
    ``bound_event_id`` where a line per report is logged."""
    cut = _id(event_id)
    return {"event_id": cut} if cut else {}


@contextmanager
def bound_event_id(event_id):
    """Lines logged in the block carry ``event_id`` (a falsy one leaves the current id)."""
    token = EVENT_ID.set(_id(event_id)) if _id(event_id) else None
    try:
        yield
    finally:
        if token is not None:
            EVENT_ID.reset(token)


class LogContext(DependencyProvider):
    """Binds the handled message's id and the call id to every line a worker logs."""

    def worker_setup(self, worker_ctx):
        EVENT_ID.set(handled_event_id(worker_ctx))
        CALL_ID.set(worker_ctx.call_id)
        CALL_CHAIN.set(list(worker_ctx.call_id_stack))

    def worker_teardown(self, worker_ctx):
        EVENT_ID.set(None)
        CALL_ID.set(None)
        CALL_CHAIN.set(None)

    def get_dependency(self, worker_ctx):
        return None

"""Fault injection on a private RabbitMQ node, with the whole system running as ``make run``
runs it. Every case records what it injected and what it counted; the package writes the table
to test-artifacts/reliability.md, and to $RELIABILITY_REPORT when set (``make reliability``
writes docs/reliability.md that way)."""
from __future__ import annotations

import os
import platform
from datetime import datetime, timezone
from pathlib import Path

import pytest

from clusterctl.settings import REPO_ROOT

from .broker import PrivateBroker, reap_orphans, unavailable_reason
from .harness import ChaosSystem, SmtpSink
from tests.support.system import listen_port

pytestmark = pytest.mark.reliability


@pytest.fixture(scope="package")
def chaos_broker():
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    reap_orphans()
    broker = PrivateBroker()
    try:
        broker.start()
        yield broker
    finally:
        broker.destroy()


@pytest.fixture(scope="package")
def chaos_sink(tmp_path_factory):
    sink = SmtpSink(tmp_path_factory.mktemp("chaos-mail"), listen_port())  # restarted: see listen_port
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture(scope="package")
def chaos_system(tmp_path_factory, chaos_broker, chaos_sink):
    system = ChaosSystem(tmp_path_factory.mktemp("chaos") / "var", chaos_broker, chaos_sink)
    try:
        system.start(timeout=180)
        yield system
    finally:
        system.stop()


@pytest.fixture
def workdir(tmp_path) -> Path:
    return tmp_path


@pytest.fixture(scope="package")
def findings():
    rows: list[dict] = []
    yield rows
    if rows:
        text = render(rows)
        artifacts = REPO_ROOT / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        (artifacts / "reliability.md").write_text(text, "utf-8")
        if os.environ.get("RELIABILITY_REPORT"):
            Path(os.environ["RELIABILITY_REPORT"]).write_text(text, "utf-8")


@pytest.fixture
def record(findings, request):
    """``record(fault=..., injected=..., events=n, lost=n, duplicated=n, observed=...)``."""
    def add(**row):
        findings.append({"test": request.node.name, **row})
    return add


ORDER = ("fault", "injected", "events", "lost", "duplicated", "observed")


def render(rows: list[dict]) -> str:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Reliability report",
        "",
        "Produced by `make reliability` (the fault-injection suite `tests/reliability/`, which",
        "`make test` also runs). Each case runs against a private RabbitMQ node started for the",
        "run and the whole system started as `make run` starts it (real `nameko run` processes",
        "under clusterctl's supervisor). Effects are counted by `event_id` in the services' own",
        "stores and, for mail, by Message-ID at the SMTP server.",
        "",
        f"Run: {when} on {platform.node()} ({os.cpu_count()} cores, Python "
        f"{platform.python_version()}).",
        "",
        "| Fault | What was injected | Events | Lost | Duplicated | Observed |",
        "|---|---|---:|---:|---:|---|",
    ]
    for row in rows:
        cells = [str(row.get(k, "")).replace("|", "\\|").replace("\n", " ") for k in ORDER]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Rerun: `make reliability` (about two minutes); the same table is written to",
              "`test-artifacts/reliability.md` by every `make test`.", ""]
    return "\n".join(lines)

"""Fault injection on a private RabbitMQ node, with the whole system running as ``make run``
runs it. Every case records what it injected and what it counted; the package writes the table
to test-artifacts/reliability.md, and to $RELIABILITY_REPORT when set (``make reliability``
writes docs/reliability.md that way)."""
from __future__ import annotations

import os
import platform
import subprocess
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
        text = render(rows, SOURCE)
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


def source_revision() -> str:
    """The commit the suite ran on, and "dirty" when the tree differed from it."""
    def git(*args) -> str:
        return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                              timeout=30).stdout.strip()
    commit = git("rev-parse", "HEAD") or "unknown (not a git checkout)"
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return f"`{commit}`" + (" (dirty: uncommitted changes to tracked files)" if dirty else "")


INTRO = """\
# Reliability report

Produced by `make reliability` (the fault-injection suite `tests/reliability/`, which
`make test` also runs). Each case runs against a private RabbitMQ node started for the
run and the whole system started as `make run` starts it (real `nameko run` processes
under clusterctl's supervisor), with one test setting: `RECORD_EFFECTS=1`.

The intake reads the province queue on a connection and channel of its own, in batches (what
arrived within 5 ms, at most 200 reports) stored in one transaction; it acknowledges a batch
after its commit with one `multiple` ack, and reads ahead: the prefetch is two batches (400), so
the next batch is on its way while one is stored. A crash therefore hands back up to 400
reports; a report handed back after its batch committed is stored already, and must have no
second effect.

## What the columns count

- **Events**: the distinct reports the provinces sent and the broker confirmed, plus the facts
  (off-target values) those reports must raise and have mailed.
- **Lost**: confirmed reports missing from reporting's event store, and expected facts with no
  event on the bus or with a mail not at the SMTP server.
- **Duplicated**: facts with an effect that happened more than once (a fact doubled two ways
  counts twice). Not stored rows - the event store's key makes a second row impossible - but
  the effects a fault could double, each counted where it shows:
  - *view applications*: reporting keeps a diagnostic row (store table `view_effects`, only with
    `RECORD_EFFECTS=1`) each time a report reaches the views, inside the intake's transaction;
    a report taking effect twice would be two rows marked new. A copy or a redelivery of a
    stored report is a row not marked new: the view is written again from the store, with no
    second effect;
  - *events per fact*: a queue of the suite's own, bound to every `<source>.events` exchange,
    sees every event published. Two event_ids for one fact (an off-target fact is its report's)
    is a doubled fact. The same event_id twice is a re-send, which the contract allows
    (delivery is at-least-once, consumers key on `event_id`); it is shown in Observed and its
    effect downstream, the mail, is counted;
  - *mails per fact*: the SMTP server's files by Message-ID (stable per fact, template and
    recipient), grouped by the fact notify's store says each one announces.
- **Observed**: what the case saw, then what was counted: view applications, copies or
  redeliveries of stored reports, events and facts on the bus, re-sends, mails, and reports in
  force against the precedence rule (DESIGN 3.3).

"""


# Read when the suite is collected, with the code it runs: the tree may change while it runs.
SOURCE = source_revision()


def render(rows: list[dict], source: str = SOURCE) -> str:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        INTRO + f"Run: {when} on {platform.node()} ({os.cpu_count()} cores, Python "
        f"{platform.python_version()}), source {source}.",
        "",
        "| Fault | What was injected | Events | Lost | Duplicated | Observed |",
        "|---|---|---:|---:|---:|---|",
    ]
    for row in rows:
        cells = [str(row.get(k, "")).replace("|", "\\|").replace("\n", " ") for k in ORDER]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Rerun: `make reliability` (about ten minutes on 2 cores); the same table is written to",
              "`test-artifacts/reliability.md` by every `make test`.", ""]
    return "\n".join(lines)

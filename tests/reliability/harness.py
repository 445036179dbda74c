"""The whole system on a private broker, and the means to hurt it and count what survived.

Lost: a confirmed report not in reporting's event store, or a fact it must raise with no event
on the bus or no mail at the SMTP server. In force: the report the precedence rule picks, read
in reporting's store. Duplicated: what could double, counted where the effect shows - view
applications, events per fact, mails per fact (tests/reliability/effects.py).
"""
from __future__ import annotations

import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone
from email import message_from_binary_file
from email.policy import default as default_policy
from pathlib import Path

import requests

from clusterctl.settings import REPO_ROOT
from services.contracts.rules import indicator_bounds
from tests.support.system import RunningSystem, wait_until

from . import effects
from .broker import PrivateBroker

PLAN = "northeast-lower-2-2566-2570"
PROVINCES = ("TH-34", "TH-33", "TH-35", "TH-37")
CHAOS_RESTART_LIMIT = 50  # restarts of one service in 5 minutes (README: RESTART_LIMIT)
BANGKOK = timezone(timedelta(hours=7))
# Quarterly "sum" indicators reported by every province; values far above any target, so the
# load cases send no off-target mail (the mail cases choose values below target on purpose).
LOAD_INDICATORS = ("NE2-1.1", "NE2-2.1")
FY = 2568
QUARTERS = tuple(f"FY{FY}-Q{q}" for q in range(1, 5))


class SmtpSink:
    """``clusterctl smtp-sink`` in a process the test starts and stops (the SMTP server "down")."""

    def __init__(self, directory: Path, port: int):
        self.directory, self.port = directory, port
        self.proc: subprocess.Popen | None = None

    def start(self, faults: tuple[str, ...] = ()) -> None:
        """``faults``: smtp-sink options such as ("--rcpt-delay", "0.5") or ("--quit-reply",
        "421 4.3.0 closing") - a slow relay, one that errs on QUIT after accepting."""
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "clusterctl", "smtp-sink", "--dir", str(self.directory),
             "--port", str(self.port), *faults], cwd=REPO_ROOT, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
        wait_until(self._listening, timeout=20, what=f"the SMTP sink on port {self.port}")

    def _listening(self) -> bool:
        import socket
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(20)

    def message_ids(self) -> Counter:
        seen = Counter()
        for path in self.directory.glob("*.eml"):
            with open(path, "rb") as handle:
                seen[message_from_binary_file(handle, policy=default_policy)["Message-ID"]] += 1
        return seen


class ChaosSystem(RunningSystem):
    """``clusterctl run`` (real ``nameko run`` processes, supervised) on the private broker."""

    province_heartbeat = 10  # seconds, the provinces' AMQP heartbeat (pika)

    def __init__(self, data_dir: Path, broker: PrivateBroker, sink: SmtpSink):
        super().__init__(data_dir)
        self.broker, self.sink = broker, sink

    @property
    def env(self) -> dict:
        return dict(super().env, AMQP_URL=self.broker.amqp_url,
                    RABBIT_MANAGEMENT_URL=self.broker.management_url,
                    RECORD_EFFECTS="1",  # reporting's view applications (effects.py)
                    SMTP_HOST="127.0.0.1", SMTP_PORT=str(self.sink.port),
                    # every case kills services on purpose, one shared system for them all
                    RESTART_LIMIT=str(CHAOS_RESTART_LIMIT))

    def start(self, timeout: float = 120) -> None:
        super().start(timeout)
        creds = self.credentials()
        self.tap = effects.EventTap(creds["amqp_url"], creds["services"]["amqp_username"],
                                    creds["services"]["amqp_password"])
        self.tap.declare()  # after the services declared the events exchanges

    def service_pids(self, service: str) -> list[int]:
        """PIDs of the ``nameko run`` processes of ``service`` (its config file names it)."""
        marker = str(self.data_dir / "run" / f"{service}.yaml").encode()
        pids = []
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                args = cmdline.read_bytes().split(b"\0")
            except OSError:
                continue
            if b"nameko" in args and marker in args:
                pids.append(int(cmdline.parent.name))
        return pids

    def signal_service(self, service: str, sig: int) -> int:
        pids = self.service_pids(service)
        assert len(pids) == 1, f"expected one {service} process, found {pids}"
        os.kill(pids[0], sig)
        return pids[0]

    def wait_restarted(self, service: str, old_pid: int, timeout: float = 60) -> int:
        """The supervisor restarts a service that died; wait for the new process to answer."""
        pid = wait_until(lambda: next((p for p in self.service_pids(service) if p != old_pid), None),
                         timeout=timeout, what=f"{service} to be restarted")
        wait_until(lambda: self.health().get(service) == "ok", timeout=timeout,
                   what=f"{service} to answer again")
        return pid

    def restarted_services(self) -> list[str]:
        """The services clusterctl's supervisor restarted, in order, once per restart."""
        return [line.split("clusterctl: ", 1)[1].split()[0]
                for line in self.output.read_text("utf-8", "replace").splitlines()
                if "; restarting it" in line and "clusterctl: " in line]

    def health(self) -> dict:
        return requests.get(f"{self.base}/health", timeout=10).json().get("services", {})

    def _db(self, service: str) -> sqlite3.Connection:
        conn = sqlite3.connect(f"file:{self.data_dir / (service + '.sqlite3')}?mode=ro", uri=True,
                               timeout=30)
        conn.row_factory = sqlite3.Row
        return conn

    def stored_reports(self) -> dict[str, str]:
        """event_id -> reported_at of every report in reporting's event store."""
        with self._db("reporting") as conn:
            return {r["event_id"]: r["reported_at"] for r in conn.execute(
                "SELECT event_id, reported_at FROM reports")}

    def in_force(self) -> dict[tuple, str]:
        """(kind, subject, period, province) -> the event_id in force."""
        with self._db("reporting") as conn:
            return {(r["kind"], r["subject"], r["period"], r["province"]): r["event_id"]
                    for r in conn.execute("SELECT * FROM current_reports")}

    def rejections(self) -> int:
        with self._db("reporting") as conn:
            return conn.execute("SELECT COUNT(*) FROM rejections").fetchone()[0]

    def queued_mails(self) -> list[dict]:
        with self._db("notify") as conn:
            return [dict(r) for r in conn.execute("SELECT * FROM mails")]

    def indicator_value(self, indicator: str, period: str, province: str):
        answer = self.get(f"/api/plans/{PLAN}/indicator-results", self.key(), period=period)
        row = next(r for r in answer.json()["results"] if r["indicator"] == indicator)
        return row["provinces"].get(province)

    def publish(self, reports: dict[str, list[dict]], workdir: Path, copies: int = 1,
                per_second: float = 0, background: bool = False, deadline_s: float = 240):
        """Provinces publish ``reports`` from a process of their own (tests/reliability/provinces)."""
        creds = self.credentials()
        script = {"amqp_url": creds["amqp_url"], "copies": copies, "per_second": per_second,
                  "amqp_alternates": creds.get("amqp_alternates", []),
                  "heartbeat": self.province_heartbeat,
                  "deadline_s": deadline_s,
                  "reports": reports,
                  "users": {p: [creds["provinces"][p]["amqp_username"],
                                creds["provinces"][p]["amqp_password"]] for p in reports}}
        tag = uuid.uuid4().hex[:6]
        script_path, result_path = workdir / f"script-{tag}.json", workdir / f"result-{tag}.json"
        script_path.write_text(json.dumps(script, ensure_ascii=False), "utf-8")
        proc = subprocess.Popen([sys.executable, "-m", "tests.reliability.provinces",
                                 str(script_path), str(result_path)], cwd=REPO_ROOT)
        if background:
            return proc, result_path
        return finish_publishing(proc, result_path)


def finish_publishing(proc: subprocess.Popen, result_path: Path, timeout: float = 300) -> dict:
    proc.wait(timeout)
    result = json.loads(result_path.read_text("utf-8"))
    assert not result["errors"], result["errors"]
    return result


def indicator_report(province: str, indicator: str, period: str, value, reported_at: datetime) -> dict:
    return {"event_id": str(uuid.uuid4()), "province": province, "indicator": indicator,
            "period": period, "value": value, "reported_at": reported_at.isoformat()}


_streams = itertools.count()


def correction_stream(province: str, count: int, value_base: float = 1_000_000) -> list[dict]:
    """``count`` reports cycling over the load indicators' quarters, each later than the last
    (and than any earlier stream's), so the one in force for a key is the last sent for it."""
    start = datetime(FY - 544, 10, 1, 9, 0, tzinfo=BANGKOK) + timedelta(hours=next(_streams))
    keys = [(i, q) for i in LOAD_INDICATORS for q in QUARTERS]
    return [indicator_report(province, *keys[n % len(keys)], value_base + n,
                             start + timedelta(seconds=n)) for n in range(count)]


def expected_in_force(reports: list[dict]) -> dict[tuple, str]:
    """DESIGN 3.3 precedence, computed independently: latest reported_at, then greater event_id."""
    best: dict[tuple, dict] = {}
    for r in reports:
        key = (("project", r["project"], "", r["province"]) if "project" in r else
               ("indicator", r["indicator"], r["period"], r["province"]))
        current = best.get(key)
        if current is None or (r["reported_at"], r["event_id"]) > (current["reported_at"], current["event_id"]):
            best[key] = r
    return {k: r["event_id"] for k, r in best.items()}


def fiscal_year_reports(plan: dict, fy: int, reported_from: datetime) -> dict[str, list[dict]]:
    """Every report each province of ``plan`` owes for fiscal year ``fy``, on target (so nothing
    is mailed): each indicator period once and each quarterly value corrected once, and each
    project of the year's progress every quarter, fully disbursed."""
    by_province: dict[str, list[dict]] = {p: [] for p in plan["provinces"]}
    clock = itertools.count()

    def at() -> str:
        return (reported_from + timedelta(seconds=next(clock))).isoformat()

    for issue in plan["issues"]:
        for ind in issue["indicators"]:
            periods = ([f"FY{fy}"] if ind["frequency"] == "yearly" else
                       [f"FY{fy}-Q{q}" for q in range(1, 5)] if ind["frequency"] == "quarterly"
                       else [])
            highest = indicator_bounds(ind)[1]  # within the plan's rules: some are percentages
            good = (0.0 if ind["direction"] != "increase" else
                    1_000_000.0 if highest is None else highest)
            for period in periods:
                for province in ind.get("provinces") or plan["provinces"]:
                    for _ in range(2 if ind["frequency"] == "quarterly" else 1):
                        by_province[province].append(
                            {"event_id": str(uuid.uuid4()), "province": province,
                             "indicator": ind["code"], "period": period, "value": good,
                             "reported_at": at()})
    quarter_ends = [f"{fy - 544}-12-31", f"{fy - 543}-03-31", f"{fy - 543}-06-30", f"{fy - 543}-09-30"]
    for project in plan["projects"]:
        if project["fiscal_year"] != fy:
            continue
        share = project["budget_thb"] / len(project["provinces"])
        for as_of in quarter_ends:
            as_of = max(as_of, project.get("start_date") or as_of)  # within the project's dates
            for province in project["provinces"]:
                by_province[province].append(
                    {"event_id": str(uuid.uuid4()), "province": province,
                     "project": project["code"], "as_of": as_of, "physical_progress_pct": 100.0,
                     "disbursed_thb": share, "procurement_stage": "completed",
                     "reported_at": at()})
    return by_province


def wait_stored(system: ChaosSystem, event_ids: set[str], timeout: float = 180) -> dict[str, str]:
    def all_there():
        stored = system.stored_reports()
        return stored if event_ids <= stored.keys() else None
    try:
        return wait_until(all_there, timeout=timeout, interval=0.5, what="every report stored")
    except AssertionError:
        missing = event_ids - system.stored_reports().keys()
        raise AssertionError(f"{len(missing)} of {len(event_ids)} confirmed reports never stored "
                             f"(e.g. {sorted(missing)[:3]})") from None


def count_effects(system: ChaosSystem, sent: list[dict], baseline: set[str],
                  fact_ids: set[str] = frozenset(), timeout: float = 180) -> dict:
    """Lost, duplicated and wrongly in force, for the reports ``sent`` (all confirmed) and the
    facts ``fact_ids`` they must raise and mail, each effect counted where it shows
    (tests/reliability/effects.py)."""
    ids = [r["event_id"] for r in sent]
    stored = wait_stored(system, set(ids), timeout)
    in_force = system.in_force()
    expected = expected_in_force(sent)
    wrong = {k: (in_force.get(k), e) for k, e in expected.items() if in_force.get(k) != e}
    if fact_ids:
        wait_mailed(system, fact_ids, timeout)
    bus = effects.events_per_fact(effects.tap_settled(system), sent, fact_ids)
    applied, repeated = effects.view_effects(system.data_dir / "reporting.sqlite3", set(ids))
    mail = effects.mails_per_fact(system, fact_ids)
    lost_reports = set(ids) - set(stored)
    outcome = {
        "events": len(set(ids)) + len(fact_ids),
        "lost": len(lost_reports) + len(bus["missing"] | mail["missing"]),
        "duplicated": sum(1 for n in applied.values() if n > 1) + len(bus["doubled"])
        + len(mail["doubled"]),
        "wrong_in_force": len(wrong), "wrong_examples": list(wrong.items())[:3],
        "expected": expected, "bus": bus, "mail": mail,
        "applied": sum(applied.values()), "repeated": sum(repeated.values()),
        "repeated_reports": len(set(applied) & set(repeated))}
    outcome["observed"] = effects_note(outcome, len(set(ids)), bool(fact_ids))
    return outcome


def effects_note(outcome: dict, reports: int, mailed: bool) -> str:
    """What was counted, for the report's Observed column."""
    bus, mail = outcome["bus"], outcome["mail"]
    note = (f"counted: {outcome['applied']} view applications for {reports} reports "
            f"({outcome['repeated']} copies or redeliveries of stored reports, no second effect); "
            f"{bus['events']} events for {bus['facts']} facts on the bus "
            f"({bus['resent']} re-sent under their event_id)")
    if mailed:
        note += (f"; {mail['mails']} mails at the SMTP server for {mail['queued']} queued "
                 f"({'/'.join(map(str, mail['recipients_per_fact']))} per fact)")
    return note + f"; in force against the precedence rule: {outcome['wrong_in_force']}"


def assert_no_loss_no_double(outcome: dict) -> None:
    assert outcome["lost"] == 0, (outcome["bus"]["missing"], outcome["mail"]["missing"])
    assert outcome["duplicated"] == 0, (outcome["bus"]["doubled"], outcome["mail"]["doubled"])
    assert outcome["wrong_in_force"] == 0, outcome["wrong_examples"]


def off_target_reports(provinces=PROVINCES, indicator: str = "NE2-3.1") -> list[dict]:
    """One report per province and quarter of FY2566 and FY2569 (the years no other case
    reports), each the first for its key and each leaving the cluster's value far off target:
    every one raises an off-target fact."""
    keys = [(p, f"FY{fy}-Q{q}") for fy in (2566, 2569) for q in range(1, 5) for p in provinces]
    start = datetime(2026, 10, 1, 9, 0, tzinfo=BANGKOK)
    return [indicator_report(p, indicator, period, 10.0, start + timedelta(seconds=n))
            for n, (p, period) in enumerate(keys)]


def off_target_fact_id(report: dict) -> str:
    from services.reporting.domain import EVENT_NAMESPACE  # the fact's id is derived, not random
    # per province: a report's identity is (its province, event_id)
    return str(uuid.uuid5(EVENT_NAMESPACE, f"off_target:{report['province']}:{report['event_id']}"))


def wait_mailed(system: ChaosSystem, fact_ids: set[str], timeout: float = 180) -> None:
    """Every fact has its mails queued, and notify has sent them all."""
    def settled():
        mails = [m for m in system.queued_mails() if m["event_id"] in fact_ids]
        return ({m["event_id"] for m in mails} == fact_ids
                and all(m["status"] == "sent" for m in mails))
    try:
        wait_until(settled, timeout=timeout, interval=0.5, what="every fact mailed")
    except AssertionError:
        mails = [m for m in system.queued_mails() if m["event_id"] in fact_ids]
        pending = Counter(m["status"] for m in mails)
        raise AssertionError(f"{len(fact_ids - {m['event_id'] for m in mails})} of {len(fact_ids)} "
                             f"facts have no mail; mails by status: {dict(pending)}") from None


def count_mail_outcome(system: ChaosSystem, fact_ids: set[str], timeout: float = 180) -> dict:
    """Mail alone, for cases about notify: every fact mailed, and per fact at the SMTP server
    ("duplicated": facts with a mail there twice)."""
    wait_mailed(system, fact_ids, timeout)
    mail = effects.mails_per_fact(system, fact_ids)
    return {"events": len(fact_ids), "mails": mail["mails"], "lost": len(mail["missing"]),
            "duplicated": len(mail["doubled"]),
            "recipients_per_fact": mail["recipients_per_fact"]}


def queue_depths(system: ChaosSystem) -> dict[str, int]:
    return {name: q.get("messages", 0) for name, q in system.broker.queues(system.vhost).items()}


def wait_quiet(system: ChaosSystem, timeout: float = 120) -> None:
    """Every queue of ours drained (the parked queue aside)."""
    wait_until(lambda: not {n: d for n, d in queue_depths(system).items() if d and n != "parked"},
               timeout=timeout, interval=0.5, what="every queue to drain")


def parked_from(system: ChaosSystem, queue: str) -> list[dict]:
    """What reporting keeps as parked from ``queue`` (its own store, read-only)."""
    with system._db("reporting") as conn:
        return [dict(r) for r in conn.execute(
            "SELECT parked_id, reason, deliveries FROM parked WHERE queue = ?", (queue,))]

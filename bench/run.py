"""make bench: the system's speed, measured in one run, each figure against a baseline of the
same run (these machines are noisy), the issue's goals checked, the results kept as JSON.

    .venv/bin/python -m bench.run            # full: 10k, 100k and 1M stored reports (~15 min)
    .venv/bin/python -m bench.run --quick    # 10k only, small N (under a minute)

Phases:
  ceiling    raw AMQP: the same report bodies, persistent, confirms with many in flight, through
             a topic exchange "reports" into a quorum queue, acked one by one by a plain consumer
             (a throwaway vhost of this run's, deleted after)
  ingest     the whole system (``clusterctl run`` in a private data dir, vhost and users), 4 then
             76 province publishers at full speed until every report is in reporting's event
             store (read-only SQLite) and in its indicator view; then checked over the API
  freshness  at half the 4-province ingest rate, publish -> visible in indicator-results
  queries    indicator-results and the dashboard at 10k/100k/1M stored reports; the event store
             is filled in-process with the services stopped (bench/bulk.py, said in the output)
  rebuild    the reporting RPC ``rebuild`` (what ``clusterctl rebuild`` calls), reports/s
  cluster    full run only: the 76-province ingest on three private RabbitMQ nodes as one
             cluster, against the ceiling measured on that cluster (bench/cluster.py)
  memory     VmHWM of each service process (/proc/<pid>/status), after each phase
Nothing here optimises or changes the services; it only measures them. By default every phase
runs on the broker at AMQP_URL (the machine's own on 5672), as it is configured; with
``--private-broker`` on a RabbitMQ node of the run's own, configured as docs/operations.md
recommends for a host the broker shares with the services (Erlang schedulers not bound to CPUs).

Why one module of ~800 lines: it is the script of one run, its phases in the order they run, each
reading what the one before left (the system, the stores); the parts that stand alone are in
amqp_load.py, workload.py, bulk.py and stats.py.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote, urlsplit

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")  # nameko's import

import requests  # noqa: E402

from clusterctl.broker import Management  # noqa: E402
from clusterctl.settings import REPO_ROOT, Settings  # noqa: E402
from tests.reliability.broker import PrivateBroker, beam_processes, unavailable_reason  # noqa: E402
from tests.support.system import RunningSystem, admin_broker  # noqa: E402

from . import bulk, stats  # noqa: E402
from .amqp_load import EXCHANGE, WindowedPublisher, connect  # noqa: E402
from .workload import (SAMPLE_PLAN_ID, ReportClock, expected_latest, load_keys, load_reports,
                       messages, other_cluster_plans)

SERVICES = ("plans", "reporting", "assets", "notify", "gateway")
RESULTS_DIR = REPO_ROOT / "bench" / "results"
PROBE_INDICATOR, PROBE_PERIOD, PROBE_PROVINCE = "NE2-1.1", "FY2567-Q1", "TH-34"

# The ingest sends as many reports as the ceiling (4 x 10,000; 76 x 526 = 39,976), so that
# both rates carry the same start-up and drain-out; WARM_UP reports per province go first,
# untimed, as the queries have their untimed requests.
MODES = {
    "quick": {"ceiling_per_province": 3000, "ingest_4_per_province": 3000,
              "ingest_76_per_province": 0, "freshness_s": 8, "sizes": [10_000],
              "queries": 40, "window": 64},
    "full": {"ceiling_per_province": 10_000, "ingest_4_per_province": 10_000,
             "ingest_76_per_province": 526, "freshness_s": 40,
             "sizes": [10_000, 100_000, 1_000_000], "queries": 200, "window": 64},
}
WARM_UP = 20
# docs/operations.md: on a host it shares with the services, the broker's Erlang schedulers are
# left unbound (RabbitMQ binds each to one CPU by default, +stbt db); RabbitMQ's own default
# statistics interval, unlike the reliability tests' 1 s.
PRIVATE_BROKER = {"scheduler_bind_type": "u", "statistics_interval_ms": 5000}


def say(message: str) -> None:
    print(f"bench: {message}", flush=True)


def size_label(size: int) -> str:
    return f"{size // 1_000_000}M" if size >= 1_000_000 else f"{size // 1000}k"


def spawn(kind: str, script: dict, workdir: Path) -> tuple[subprocess.Popen, Path]:
    """A publisher or consumer of bench/amqp_load.py in its own process, connected and ready."""
    tag = uuid.uuid4().hex[:6]
    script_path, result_path = workdir / f"{kind}-{tag}.json", workdir / f"{kind}-{tag}.result.json"
    script_path.write_text(json.dumps(script, ensure_ascii=False), "utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "bench.amqp_load", kind, str(script_path),
                             str(result_path)], cwd=REPO_ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if line.strip() != "ready":
        proc.kill()
        raise RuntimeError(f"the {kind} process did not start (exit {proc.wait()})")
    return proc, result_path


def finish(proc: subprocess.Popen, result_path: Path, timeout: float = 900) -> dict:
    proc.wait(timeout)
    result = json.loads(result_path.read_text("utf-8"))
    if result.get("errors"):
        raise RuntimeError(f"publishing failed: {result['errors'][:3]}")
    return result


def go(proc: subprocess.Popen) -> None:
    proc.stdin.write("go\n")
    proc.stdin.flush()


# ---- the ceiling --------------------------------------------------------------------------

def ceiling(mode: dict, clock: ReportClock, workdir: Path, tag: str) -> dict:
    """Raw AMQP publish+consume of the ingest's report bodies through a throwaway vhost."""
    broker = admin_broker()
    api = Management(broker)
    vhost = f"bench-ceiling-{tag}"
    api.ensure_vhost(vhost)
    try:
        api.set_permissions(vhost, broker.username, ".*", ".*", ".*")
        setup = connect(broker.host, broker.port, vhost, broker.username, broker.password,
                        broker.ssl_options())
        channel = setup.channel()
        channel.exchange_declare(EXCHANGE, "topic", durable=True, auto_delete=False)
        channel.queue_declare("intake", durable=True, auto_delete=False,
                              arguments={"x-queue-type": "quorum"})
        channel.queue_bind("intake", EXCHANGE, "report.#")
        setup.close()
        provinces = ("TH-34", "TH-33", "TH-35", "TH-37")
        keys = [(i, p) for i, p in load_keys({"id": SAMPLE_PLAN_ID})]
        per = mode["ceiling_per_province"]
        outbox = {p: messages(load_reports(p, keys, per, clock)) for p in provinces}
        total = per * len(provinces)
        where = {"host": broker.host, "port": broker.port, "vhost": vhost,
                 "ssl": broker.ssl_options()}
        consumer, consumed_at = spawn("consume", {**where, "user": broker.username,
                                                  "password": broker.password, "queue": "intake",
                                                  "expect": total, "prefetch": 100}, workdir)
        publisher, published_at = spawn("publish", {
            **where, "users": {p: [broker.username, broker.password] for p in provinces},
            "messages": outbox, "window": mode["window"]}, workdir)
        go(publisher)
        published = finish(publisher, published_at)
        consumed = finish(consumer, consumed_at)
        if consumed["received"] != total:
            raise RuntimeError(f"ceiling: {consumed['received']} of {total} consumed")
        seconds = consumed["last"] - published["began"]
        latency = broker_round_trip(broker, vhost, 200 if per >= 5000 else 100, clock)
        return {"reports": total, "seconds": round(seconds, 2), "rate": stats.rate(total, seconds),
                "publish_rate": stats.rate(total, published["ended"] - published["began"]),
                "round_trip": latency}
    finally:
        api.delete_vhost(vhost)


def broker_round_trip(broker, vhost: str, count: int, clock: ReportClock) -> dict:
    """One report at a time, publish -> delivered to a consumer: the broker's own latency."""
    publisher = WindowedPublisher(broker.host, broker.port, vhost, broker.username,
                                  broker.password, window=1, ssl=broker.ssl_options())
    consumer = connect(broker.host, broker.port, vhost, broker.username, broker.password,
                       broker.ssl_options())
    channel = consumer.channel()
    got = []
    channel.basic_consume("intake", callback=lambda m: (got.append(time.perf_counter()),
                                                        channel.basic_ack(m.delivery_tag)))
    latencies = []
    try:
        for body in messages(load_reports("TH-34", [(PROBE_INDICATOR, PROBE_PERIOD)], count, clock)):
            got.clear()
            sent = time.perf_counter()
            publisher.publish(body[0], body[1].encode(), body[2])
            while not got:
                consumer.drain_events(timeout=10)
            latencies.append(got[0] - sent)
        publisher.flush()
    finally:
        publisher.close()
        consumer.close()
    return stats.summarize(latencies)


# ---- the running system -------------------------------------------------------------------

def broker_pids() -> list[int]:
    """A RabbitMQ on this machine (its Erlang VM), only to see whether it is busy."""
    found = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "beam.smp":
                found.append(int(comm.parent.name))
        except OSError:
            continue
    return found


def shared_broker_pid() -> int | None:
    """The machine's own broker (not a private node of a test or bench run), when AMQP_URL
    names this machine."""
    if admin_broker().host not in ("127.0.0.1", "localhost", "::1"):
        return None
    return next((pid for pid, env in beam_processes()
                 if not env.get("RABBITMQ_NODENAME", "").startswith("chaos-")), None)


class BenchSystem(RunningSystem):
    """``clusterctl run`` in a private data dir, vhost ``bench-<tag>`` and user prefix."""

    def __init__(self, data_dir: Path, tag: str):
        super().__init__(data_dir, tag)
        self.vhost, self.prefix = f"bench-{tag}", f"b{tag}-"

    def pids(self) -> dict[str, int]:
        """The ``nameko run`` process of each service, found by its config file."""
        found = {}
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                args = cmdline.read_bytes().split(b"\0")
            except OSError:
                continue
            for service in SERVICES:
                if str(self.data_dir / "run" / f"{service}.yaml").encode() in args:
                    found[service] = int(cmdline.parent.name)
        return found

    def memory(self) -> dict[str, dict]:
        """{service: {"hwm_mb", "rss_mb"}} from /proc/<pid>/status."""
        out = {}
        for service, pid in sorted(self.pids().items()):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            kb = lambda name: int(fields[name].split()[0])  # noqa: E731
            out[service] = {"pid": pid, "hwm_mb": round(kb("VmHWM") / 1024, 1),
                            "rss_mb": round(kb("VmRSS") / 1024, 1)}
        return out

    def cpu_seconds(self) -> float:
        """CPU time used so far by the service processes and a local broker (utime + stime)."""
        total = 0
        for pid in [*self.pids().values(), *broker_pids()]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def settle(self, timeout: float = 600, window: float = 1.0, busy: float = 0.15) -> float:
        """Wait until the services and the broker together use less than ``busy`` of a core over
        ``window`` seconds (work a start or a new plan set off - deadline checks, reminders, the
        broker cleaning up a deleted queue - is done); returns the seconds waited."""
        began = time.monotonic()
        last, window_began = self.cpu_seconds(), began
        while time.monotonic() - began < timeout:
            time.sleep(window)
            now = self.cpu_seconds()
            if now - last < busy * window:
                return round(window_began - began, 1)  # 0: quiet from the first window on
            last, window_began = now, time.monotonic()
        raise RuntimeError(f"the services were still busy {timeout:.0f} s after starting")

    def db(self) -> sqlite3.Connection:
        conn = sqlite3.connect(f"file:{self.data_dir / 'reporting.sqlite3'}?mode=ro", uri=True,
                               timeout=30)
        conn.row_factory = sqlite3.Row
        return conn

    def count(self, table: str) -> int:
        with self.db() as conn:
            return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]

    def last_row(self, table: str) -> int:
        """The newest rowid of a table rows are never deleted from: what was added since is
        the difference, read in O(log n) - a COUNT(*) scans the table, and polled every 50 ms
        over a store of 100k reports it took CPU from the system being measured."""
        with self.db() as conn:
            return conn.execute(f"SELECT COALESCE(MAX(rowid), 0) FROM {table}").fetchone()[0]

    def views(self, periods) -> dict[tuple[str, str], dict]:
        marks = ",".join("?" * len(periods))
        with self.db() as conn:
            return {(r["indicator"], r["period"]): json.loads(r["view"])["provinces"]
                    for r in conn.execute("SELECT indicator, period, view FROM indicator_views"
                                          f" WHERE period IN ({marks})", list(periods))}

    def amqp(self) -> dict:
        parts = urlsplit(self.credentials()["amqp_url"])
        return {"host": parts.hostname, "port": parts.port or (5671 if parts.scheme == "amqps" else 5672),
                "vhost": unquote(parts.path.lstrip("/")), "ssl": admin_broker().ssl_options()}

    def users(self, provinces) -> dict[str, list[str]]:
        creds = self.credentials()["provinces"]
        return {p: [creds[p]["amqp_username"], creds[p]["amqp_password"]] for p in provinces}

    def store_url(self) -> str:
        return Settings.from_env(self.env).store_url("reporting")

    def rpc_config(self) -> dict:
        svc = self.credentials()["services"]
        return admin_broker().amqp_config(self.vhost, svc["amqp_username"], svc["amqp_password"])


def publish_plans(system: BenchSystem, plans: list[dict]) -> None:
    """Each other cluster's plan, created and published through the API, and learned by
    reporting before anyone reports against it."""
    headers = {"Authorization": f"Bearer {system.key()}"}
    for plan in plans:
        created = requests.post(f"{system.base}/api/plans", json=plan, headers=headers, timeout=30)
        if created.status_code not in (201, 409):
            raise RuntimeError(f"creating {plan['id']}: {created.status_code} {created.text[:200]}")
        published = requests.post(f"{system.base}/api/plans/{plan['id']}/publish",
                                  json={"approved_by": "bench"}, headers=headers, timeout=30)
        if published.status_code not in (200, 409):
            raise RuntimeError(f"publishing {plan['id']}: {published.status_code} {published.text[:200]}")
    for plan in plans:
        wait(lambda: system.get(f"/api/plans/{plan['id']}/indicator-results", system.key(),
                                period="FY2568-Q1").status_code == 200,
             60, f"reporting to learn {plan['id']}")


def wait(condition, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")


def ingest(system: BenchSystem, plans: list[dict], per_province: int, mode: dict,
           clock: ReportClock, workdir: Path) -> dict:
    """Every province of ``plans`` publishes ``per_province`` reports at once, at full speed;
    timed until all are in the event store and in the indicator views (after an untimed
    ``WARM_UP`` reports each: the first of a plan read and decoded, connections opened)."""
    if per_province > WARM_UP:
        ingest(system, plans, WARM_UP, mode, clock, workdir)
    reports = {p: load_reports(p, load_keys(plan), per_province, clock)
               for plan in plans for p in plan["provinces"]}
    every = [r for rs in reports.values() for r in rs]
    expected = expected_latest(every)
    periods = sorted({period for _, period, _ in expected})
    stored_before, rejected_before = system.last_row("reports"), system.last_row("rejections")
    proc, result_path = spawn("publish", {**system.amqp(), "users": system.users(reports),
                                          "messages": {p: messages(rs) for p, rs in reports.items()},
                                          "window": mode["window"]}, workdir)
    go(proc)

    def stored_and_shown():
        stored = system.last_row("reports") - stored_before
        if system.last_row("rejections") != rejected_before:
            raise RuntimeError("reports were rejected during the ingest; see the reporting log")
        if stored < len(every):
            return None
        views = system.views(periods)
        return all(views.get((i, per), {}).get(p) == v for (i, per, p), v in expected.items())

    wait(stored_and_shown, max(120, len(every) / 20), "every report stored and in its view", 0.05)
    done = time.time()
    published = finish(proc, result_path)
    seconds = done - published["began"]
    # What a person sees: indicator-results over the API shows every province's last value.
    by_plan = {}
    for plan in plans:
        for period in sorted({per for (i, per, p) in expected if p in plan["provinces"]}):
            rows = system.get(f"/api/plans/{plan['id']}/indicator-results", system.key(),
                              period=period).json()["results"]
            by_plan.update({(r["indicator"], period, p): v for r in rows
                            for p, v in r["provinces"].items()})
    wrong = [k for k, v in expected.items() if by_plan.get(k) != v]
    if wrong:
        raise RuntimeError(f"indicator-results disagrees with the reports for {len(wrong)} keys, "
                           f"e.g. {wrong[:3]}")
    return {"reports": len(every), "provinces": len(reports), "seconds": round(seconds, 2),
            "rate": stats.rate(len(every), seconds),
            "publish_rate": stats.rate(len(every), published["ended"] - published["began"])}


def freshness(system: BenchSystem, rate: float, mode: dict, clock: ReportClock,
              workdir: Path) -> dict:
    """Background reports at half the sustained ingest rate from the four provinces; meanwhile
    one probe report at a time, publish -> its value in GET indicator-results (polled)."""
    plan = {"id": SAMPLE_PLAN_ID, "provinces": ["TH-34", "TH-33", "TH-35", "TH-37"]}
    pace = rate / 2
    seconds = mode["freshness_s"]
    per_province = pace / len(plan["provinces"])
    count = int(per_province * seconds)
    reports = {p: load_reports(p, load_keys(plan), count, clock) for p in plan["provinces"]}
    proc, result_path = spawn("publish", {**system.amqp(), "users": system.users(reports),
                                          "messages": {p: messages(rs) for p, rs in reports.items()},
                                          "window": mode["window"], "per_second": per_province},
                              workdir)
    user, password = system.users([PROBE_PROVINCE])[PROBE_PROVINCE]
    amqp = system.amqp()
    probe = WindowedPublisher(amqp["host"], amqp["port"], amqp["vhost"], user, password, window=1,
                              ssl=amqp["ssl"])
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {system.key()}"
    url = f"{system.base}/api/plans/{SAMPLE_PLAN_ID}/indicator-results"
    latencies, polls = [], 0
    began = time.monotonic()
    go(proc)
    try:
        time.sleep(min(2.0, seconds / 5))  # the background pace settles first
        n = 0
        while time.monotonic() - began < seconds - 0.5:
            n += 1
            report = load_reports(PROBE_PROVINCE, [(PROBE_INDICATOR, PROBE_PERIOD)], 1, clock,
                                  value_base=2_000_000 + n)[0]
            routing_key, body, message_id = messages([report])[0]
            sent = time.perf_counter()
            probe.publish(routing_key, body.encode(), message_id)
            deadline = sent + 30
            while True:
                polls += 1
                rows = session.get(url, params={"period": PROBE_PERIOD}, timeout=30).json()["results"]
                row = next(r for r in rows if r["indicator"] == PROBE_INDICATOR)
                if row["provinces"].get(PROBE_PROVINCE) == report["value"]:
                    latencies.append(time.perf_counter() - sent)
                    break
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"probe {report['event_id']} not visible after 30 s")
                time.sleep(0.002)
            time.sleep(0.05)
        probe.flush()
    finally:
        probe.close()
    background = finish(proc, result_path)
    achieved = stats.rate(count * len(plan["provinces"]), background["ended"] - background["began"])
    return {"pace": round(pace, 1), "achieved_pace": achieved, "probes": len(latencies),
            "polls": polls, **stats.summarize(latencies)}


def timed_gets(session, url: str, n: int, **params) -> dict:
    """``n`` GETs one after the other (after 5 not timed); ``session`` is a requests.Session
    (one kept-alive connection, as a browser) or the requests module (a new one each time)."""
    for _ in range(5):  # warm-up: connections, caches
        response = session.get(url, params=params, timeout=60, allow_redirects=False)
        if response.status_code != 200:  # e.g. a redirect to /login: not the page to time
            raise RuntimeError(f"GET {url} answered {response.status_code}")
    latencies = []
    for _ in range(n):
        began = time.perf_counter()
        response = session.get(url, params=params, timeout=60, allow_redirects=False)
        latencies.append(time.perf_counter() - began)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
    return stats.summarize(latencies)


def queries(system: BenchSystem, n: int) -> dict:
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {system.key()}"
    page = requests.Session()  # the dashboard as its user: a session signed in with an OSM key
    form = {"csrf": re.search(r'name="csrf" value="([^"]+)"',
                              page.get(f"{system.base}/login", timeout=30).text).group(1),
            "api_key": system.key("osm", "northeast-lower-2"), "lang": "th"}
    page.post(f"{system.base}/login", data=form, allow_redirects=False, timeout=30)
    page.cookies.set("cp_lang", "th")
    base = f"{system.base}/api/plans/{SAMPLE_PLAN_ID}/indicator-results"
    fresh = _FreshConnections(page.cookies)
    return {
        "indicator_results_quarter": timed_gets(api, base, n, period="FY2568-Q2"),
        "indicator_results_year": timed_gets(api, base, n, period="FY2568"),
        "dashboard": timed_gets(page, f"{system.base}/", n, plan=SAMPLE_PLAN_ID),
        "dashboard_new_connection": timed_gets(fresh, f"{system.base}/", n, plan=SAMPLE_PLAN_ID),
    }


class _FreshConnections:
    """GETs each on a connection of its own (Connection: close), with the login cookie."""

    def __init__(self, cookies):
        self.cookies = cookies

    def get(self, url, **kwargs):
        return requests.get(url, cookies=self.cookies, headers={"Connection": "close"}, **kwargs)


def gateway_floor(system: BenchSystem, n: int) -> dict:
    """The gateway's HTTP round trip with no service call: a small static file."""
    return timed_gets(requests.Session(), f"{system.base}/static/dashboard.css", n)


def rebuild(system: BenchSystem, timeout: float) -> dict:
    from nameko.standalone.rpc import ClusterRpcProxy

    before = system.get(f"/api/plans/{SAMPLE_PLAN_ID}/indicator-results", system.key(),
                        period="FY2568-Q2").json()
    with ClusterRpcProxy(system.rpc_config(), timeout=timeout) as rpc:
        began = time.perf_counter()
        result = rpc.reporting.rebuild()
        seconds = time.perf_counter() - began
    after = system.get(f"/api/plans/{SAMPLE_PLAN_ID}/indicator-results", system.key(),
                       period="FY2568-Q2").json()
    return {**result, "seconds": round(seconds, 3), "rate": stats.rate(result["reports"], seconds),
            "same_views": before == after}


# ---- the run ------------------------------------------------------------------------------

def _cpus_allowed(status_path: Path) -> str:
    return re.search(r"Cpus_allowed_list:\s*(\S+)", status_path.read_text()).group(1)


def scheduler_binding(pid: int | None) -> str:
    """How a broker's Erlang schedulers sit on the CPUs: "bound" (each allowed fewer CPUs than
    the VM itself, RabbitMQ's default +stbt db) or "unbound" (+stbt u); "?" when it cannot be
    read (no local broker, not root)."""
    if not pid:
        return "?"
    try:
        whole = _cpus_allowed(Path(f"/proc/{pid}/status"))
        schedulers = [_cpus_allowed(task / "status") for task in Path(f"/proc/{pid}/task").glob("*")
                      if task.joinpath("comm").read_text().strip().endswith("_scheduler")]
    except (OSError, AttributeError):  # gone meanwhile, or not ours to read
        return "?"
    if not schedulers:
        return "?"
    return "bound" if any(cpus != whole for cpus in schedulers) else "unbound"


def machine(broker_pid: int | None) -> dict:
    try:
        version = Management(admin_broker()).check()
    except Exception:  # reported as unknown
        version = "?"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT,
                            capture_output=True, text=True).stdout.strip()
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "rabbitmq": version, "commit": commit,
            "broker_schedulers": scheduler_binding(broker_pid),
            "load_average": [round(x, 2) for x in os.getloadavg()]}


class Run:
    def __init__(self, mode_name: str):
        self.mode_name, self.mode = mode_name, MODES[mode_name]
        self.figures: list[dict] = []
        self.notes: list[str] = []
        self.baselines: dict = {}
        self.memory: dict[str, dict] = {}
        self.phases: list[dict] = []
        self.began = time.monotonic()

    def phase(self, name: str) -> None:
        """Mark a phase with the machine's load average then (a noisy neighbour shows here)."""
        load = [round(x, 2) for x in os.getloadavg()]
        self.phases.append({"phase": name, "at_s": round(time.monotonic() - self.began, 1),
                            "load_average": load})

    def add(self, *args, **kwargs) -> dict:
        row = stats.figure(*args, **kwargs)
        self.figures.append(row)
        return row

    def record_memory(self, system: BenchSystem, phase: str) -> dict:
        """VmHWM of each service now (the processes are new at each start: a phase's peak)."""
        self.memory[phase] = found = system.memory()
        return found

    def add_memory_peaks(self) -> None:
        idle = self.baselines.get("idle_rss_mb", {})
        for service in SERVICES:
            peaks = [(m[service]["hwm_mb"], phase) for phase, m in self.memory.items()
                     if service in m]
            if peaks:
                mb, phase = max(peaks)
                self.add(f"memory_{service}", f"peak memory {service} (in: {phase})", mb,
                         "MB VmHWM", f"{service} idle RSS", idle.get(service))


QUERY_TITLES = {"indicator_results_quarter": "indicator-results (quarter)",
                "indicator_results_year": "indicator-results (fiscal year)",
                "dashboard": "dashboard GET / (kept-alive connection)",
                "dashboard_new_connection": "dashboard GET / (new connection each)"}


def execute(run: Run, workdir: Path, cluster_line: bool = True) -> None:
    mode, clock = run.mode, ReportClock()
    started = time.monotonic()
    run.phase("ceiling")
    say(f"ceiling: raw AMQP, {4 * mode['ceiling_per_province']:,} reports, 4 publishers, "
        f"{mode['window']} confirms in flight each, quorum queue, acks one by one")
    ceiling({**mode, "ceiling_per_province": WARM_UP * 25}, clock, workdir, uuid.uuid4().hex[:8])
    top = ceiling(mode, clock, workdir, uuid.uuid4().hex[:8])  # after an untimed warm-up
    run.baselines.update(ceiling_reports_per_s=top["rate"], broker_round_trip_ms=top["round_trip"])
    run.add("ceiling", "ceiling: raw AMQP publish+consume, 4 publishers", top["rate"], "reports/s",
            "ceiling", top["rate"], reports=top["reports"], seconds=top["seconds"])
    run.add("ceiling_publish", "  of which publishing alone (confirmed)", top["publish_rate"],
            "reports/s", "ceiling", top["rate"])
    say(f"ceiling {top['rate']:,} reports/s; broker round trip p50 {top['round_trip']['p50']} ms")

    systems: list[BenchSystem] = []

    def new_system(name: str) -> BenchSystem:
        system = BenchSystem(workdir / name, uuid.uuid4().hex[:8])
        systems.append(system)
        say(f"starting a system (DATA_DIR {system.data_dir}, vhost {system.vhost})")
        system.start()
        system.settle()
        return system

    others = other_cluster_plans() if mode["ingest_76_per_province"] else []
    try:
        run.phase("ingest")
        system = new_system("ingest")
        run.baselines["idle_rss_mb"] = {s: m["rss_mb"] for s, m in system.memory().items()}
        run.baselines["gateway_floor_ms"] = floor = gateway_floor(system, 100)
        sample = {"id": SAMPLE_PLAN_ID, "provinces": ["TH-34", "TH-33", "TH-35", "TH-37"]}
        four = ingest(system, [sample], mode["ingest_4_per_province"], mode, clock, workdir)
        run.add("ingest_4", "ingest, 4 provinces (1 plan)", four["rate"], "reports/s", "ceiling",
                top["rate"], reports=four["reports"], seconds=four["seconds"])
        run.add("ingest_4_publish", "  of which publishing alone (confirmed)", four["publish_rate"],
                "reports/s", "ceiling", top["rate"])
        say(f"ingest, 4 provinces: {four['reports']:,} reports in {four['seconds']} s = "
            f"{four['rate']:,} reports/s ({stats.fmt(stats.ratio(four['rate'], top['rate']))} x ceiling)")
        run.phase("freshness")
        measure_freshness(run, system, four["rate"], "", "1 plan", top, clock, workdir)
        if others:
            run.phase("ingest, 76 provinces")
            publish_plans(system, others)
            waited = system.settle()
            mid = ceiling(mode, clock, workdir, uuid.uuid4().hex[:8])
            run.add("ceiling_mid", "ceiling again before the 76 provinces", mid["rate"],
                    "reports/s", "ceiling", top["rate"], reports=mid["reports"],
                    seconds=mid["seconds"])
            say(f"ceiling before the 76 provinces: {mid['rate']:,} reports/s")
            system.settle()
            run.notes.append(f"17 more plans published over the API (one per cluster); the "
                             f"services were busy {waited} s after that (deadline checks, "
                             "reminders) before the 76-province ingest began")
            all76 = ingest(system, [sample, *others], mode["ingest_76_per_province"], mode, clock,
                           workdir)
            run.add("ingest_76", "ingest, 76 provinces (18 plans)", all76["rate"], "reports/s",
                    "ceiling", top["rate"], reports=all76["reports"], seconds=all76["seconds"])
            run.add("ingest_76_publish", "  of which publishing alone (confirmed)",
                    all76["publish_rate"], "reports/s", "ceiling", top["rate"])
            say(f"ingest, 76 provinces: {all76['reports']:,} reports in {all76['seconds']} s = "
                f"{all76['rate']:,} reports/s")
            run.phase("freshness, 18 plans")
            measure_freshness(run, system, all76["rate"], "_76", "18 plans", top, clock, workdir)
        run.record_memory(system, "ingest")
        stored = system.count("reports")
        system.stop()
        if stored > mode["sizes"][0]:  # the sizes start from an event store of their own
            system.cleanup_broker()
            system = new_system("sizes")
            if others:
                publish_plans(system, others)
                system.settle()
            system.stop()
        for size in mode["sizes"]:
            run.phase(f"size {size_label(size)}")
            measure_size(run, system, size, floor, top, clock)
        if cluster_line:
            from .cluster import measure_cluster  # it uses this module's phases
            run.phase("ingest, 76 provinces, 3-node cluster")
            measure_cluster(run, workdir, clock)
        run.phase("ceiling again")
        again = ceiling(mode, clock, workdir, uuid.uuid4().hex[:8])
        run.add("ceiling_end", "ceiling again at the end (noise check)", again["rate"],
                "reports/s", "ceiling", top["rate"], reports=again["reports"],
                seconds=again["seconds"])
        say(f"ceiling again at the end: {again['rate']:,} reports/s")
        run.notes.append(f"whole run {time.monotonic() - started:.0f} s")
    finally:
        run.add_memory_peaks()
        for system in systems:
            try:
                system.stop()
            finally:
                system.cleanup_broker()


def measure_freshness(run: Run, system: BenchSystem, ingest_rate: float, suffix: str, what: str,
                      top: dict, clock: ReportClock, workdir: Path) -> None:
    fresh = freshness(system, ingest_rate, run.mode, clock, workdir)
    rt = top["round_trip"]
    for p in ("p50", "p99"):
        run.add(f"freshness{suffix}_{p}", f"freshness {p} ({what}) at {fresh['pace']:,.0f} reports/s",
                fresh[p], "ms", f"broker round trip {p}", rt[p], probes=fresh["probes"],
                achieved_pace=fresh["achieved_pace"])
    say(f"freshness ({what}) at {fresh['pace']} reports/s: p50 {fresh['p50']} ms, "
        f"p99 {fresh['p99']} ms ({fresh['probes']} probes)")


def measure_size(run: Run, system: BenchSystem, size: int, floor: dict, top: dict,
                 clock: ReportClock) -> None:
    label = size_label(size)
    filled = bulk.fill(system.store_url(), system.prefix, size, clock)
    if set(filled["outcomes"]) - {"accepted"}:
        raise RuntimeError(f"bulk load: {filled['outcomes']}")
    run.notes.append(
        f"{label}: the event store was filled in-process with the services stopped "
        f"(bench/bulk.py through handlers.handle_intake, not over the broker): "
        f"{filled['added']:,} reports added to {filled['before']:,} in {filled['seconds']} s "
        f"({stats.rate(filled['added'], filled['seconds']) or 0:,} reports/s), over "
        f"{filled['keys']:,} keys of {filled['plans']} plans")
    say(run.notes[-1])
    system.start()
    waited = system.settle()
    if waited:
        run.notes.append(f"{label}: after the start the services were busy {waited} s "
                         "(start-up work) before the queries were timed")
    answered = queries(system, run.mode["queries"])
    for name, q in answered.items():
        for p in ("p50", "p95"):
            run.add(f"query_{name}_{label}_{p}", f"{QUERY_TITLES[name]} at {label} {p}", q[p],
                    "ms", f"gateway floor {p}", floor[p], n=q["n"])
    say(f"queries at {label}: " + ", ".join(f"{k} p95 {v['p95']} ms" for k, v in answered.items()))
    serving = run.record_memory(system, f"queries {label}").get("reporting", {})
    run.add(f"memory_reporting_serving_{label}", f"peak memory reporting at {label}, serving",
            serving.get("hwm_mb"), "MB VmHWM", "reporting idle RSS",
            run.baselines["idle_rss_mb"].get("reporting"))
    try:
        rebuilt = rebuild(system, timeout=max(120, size / 1000))
    except Exception as exc:  # kept as a finding; the run goes on
        run.notes.append(f"{label}: rebuild failed: {type(exc).__name__}: {exc}")
        say(run.notes[-1])
        run.add(f"rebuild_{label}", f"rebuild at {label} (FAILED)", None, "reports/s",
                "ceiling", top["rate"])
    else:
        run.add(f"rebuild_{label}", f"rebuild at {label}", rebuilt["rate"], "reports/s",
                "ceiling", top["rate"], reports=rebuilt["reports"], seconds=rebuilt["seconds"],
                same_views=rebuilt["same_views"])
        if not rebuilt["same_views"]:
            run.notes.append(f"{label}: indicator-results differed before and after the rebuild")
        say(f"rebuild at {label}: {rebuilt['reports']:,} reports in {rebuilt['seconds']} s")
    reporting = run.record_memory(system, f"rebuild {label}").get("reporting", {})
    run.add(f"memory_reporting_{label}", f"peak memory reporting at {label}, with rebuild",
            reporting.get("hwm_mb"), "MB VmHWM", "reporting idle RSS",
            run.baselines["idle_rss_mb"].get("reporting"))
    system.stop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="small N and 10k stored reports only (under a minute)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR,
                        help="where the results JSON goes (default bench/results)")
    parser.add_argument("--keep", action="store_true", help="keep the data dir of the run")
    parser.add_argument("--no-cluster", action="store_true",
                        help="skip the 76-province ingest on a private three-node RabbitMQ "
                             "cluster (about three minutes of the full run)")
    parser.add_argument("--private-broker", action="store_true",
                        help="run every phase on a RabbitMQ node of the run's own, configured as "
                             "docs/operations.md recommends for one host (needs root and "
                             "rabbitmq-server installed)")
    args = parser.parse_args(argv)
    why_not = args.private_broker and unavailable_reason()
    if why_not:
        parser.error(f"--private-broker: {why_not}")
    run = Run("quick" if args.quick else "full")
    started_at, began = datetime.now(timezone.utc), time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="cluster-planning-bench-"))
    private = PrivateBroker(**PRIVATE_BROKER) if args.private_broker else None
    failed, about = None, None
    try:
        if private:
            say(f"starting a private RabbitMQ node (+stbt {PRIVATE_BROKER['scheduler_bind_type']}) "
                f"on port {private.amqp_port}")
            private.start()
            # read by admin_broker() and passed on to the system each phase starts
            os.environ.update(AMQP_URL=private.amqp_url, RABBIT_MANAGEMENT_URL=private.management_url)
        about = machine(private.beam_pid() if private else shared_broker_pid())
        about["broker"] = "private node" if private else "AMQP_URL as configured"
        say(f"{run.mode_name} run on {about['cpus']} CPUs, RabbitMQ {about['rabbitmq']} "
            f"({about['broker']}, schedulers {about['broker_schedulers']}), "
            f"commit {about['commit']}; work dir {workdir}")
        if about["broker_schedulers"] == "bound":
            run.notes.append("the broker's Erlang schedulers are pinned one per CPU (RabbitMQ's "
                             "default); beside the services on one host this delays deliveries "
                             "(docs/operations.md, Sizing; --private-broker runs them unbound)")
        execute(run, workdir, cluster_line=not args.no_cluster)
    except Exception as exc:  # the figures so far are still printed and kept
        failed = f"{type(exc).__name__}: {exc}"
        run.notes.append(f"run failed: {failed}")
    finally:
        if private:
            try:
                private.destroy()
            except Exception as exc:  # the figures are still written
                run.notes.append(f"the private broker node may still run: {exc!r}")
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    if about is None:  # failed before the run began
        about = {"broker": "private node, did not start" if private else "AMQP_URL as configured"}
    sizes = [size_label(s) for s in run.mode["sizes"]]
    goals = stats.evaluate_goals(run.figures, sizes)
    document = stats.result_document(started_at, run.mode_name, about,
                                     {**run.mode, "sizes": sizes}, run.baselines, run.figures,
                                     goals, run.notes, time.monotonic() - began)
    document["memory"] = run.memory
    document["phases"] = run.phases
    args.out.mkdir(parents=True, exist_ok=True)
    path = stats.result_path(args.out, started_at)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print()
    print(stats.figures_table(run.figures))
    print()
    print(stats.goals_table(goals))
    print()
    for note in run.notes:
        print(f"note: {note}")
    print(f"results: {path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path}")
    if failed:
        print(f"bench: FAILED: {failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

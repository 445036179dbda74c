"""``clusterctl run`` (what ``make run`` starts): check, provision, start, seed, supervise, stop.

Each service runs as its own ``nameko run`` process; the SMTP sink in another. The children are
put in their own sessions (so Ctrl-C reaches only us and we stop them in order) and are told by
the kernel to exit if we die, so nothing is left behind either way.
"""
from __future__ import annotations

import ctypes
import fcntl
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
import yaml
from nameko.exceptions import RemoteError

from . import sample_year
from .broker import BrokerError, Management, explain_connect_error, provision
from .credentials import ensure_credentials, implementing_agencies, write_private
from .first_admin import admin_link
from .reference import (REFERENCE_EFFECTIVE_FROM, REFERENCE_SOURCE, load_clusters,
                        load_sample_assets, load_sample_plan, national_files)
from .settings import REPO_ROOT, Settings, redact
from services.infra.logs import logging_config

SERVICE_CLASSES = {
    "plans": "services.plans.service:PlansService",
    "reporting": "services.reporting.service:ReportingService",
    "assets": "services.assets.service:AssetsService",
    "notify": "services.notify.service:NotifyService",
    "gateway": "services.gateway.service:GatewayService",
}
BACKENDS = ("plans", "reporting", "assets", "notify")
START_TIMEOUT_S = 90
PR_SET_PDEATHSIG = 1


class SetupError(RuntimeError):
    """Something the operator must fix; printed as one line."""


def say(message: str) -> None:
    print(f"clusterctl: {message}", flush=True)


# ---- checks before anything starts ---------------------------------------------------------

def check_data_dir(data_dir: Path) -> None:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise SetupError(f"data directory {data_dir} is not writable ({exc.strerror}); "
                         "fix its permissions or set DATA_DIR to a writable directory") from None


def check_port_free(host: str, port: int, variable: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            raise SetupError(f"port {port} on {host} is already in use; stop the program using it "
                             f"(ss -ltnp 'sport = :{port}') or set {variable} to a free port") from None


def check_mongo(url: str) -> None:
    from pymongo import MongoClient
    from pymongo.errors import ConfigurationError, InvalidURI, PyMongoError
    try:
        client = MongoClient(url, serverSelectionTimeoutMS=3000, connectTimeoutMS=3000)
    except (InvalidURI, ConfigurationError, ValueError) as exc:
        raise SetupError(f"MONGO_URL {redact(url)!r} is not a valid mongodb:// URL: {exc}") from None
    try:
        client.admin.command("ping")
    except PyMongoError as exc:
        raise SetupError(f"MongoDB at MONGO_URL {redact(url)!r} is not reachable "
                         f"({str(exc).split(',')[0]}); start it or unset MONGO_URL to use the "
                         "embedded SQLite store") from None
    finally:
        client.close()


def read_clusters(settings: Settings) -> list[dict]:
    try:
        return load_clusters(settings.reference_csv)
    except OSError as exc:
        raise SetupError(f"reference data {settings.reference_csv} cannot be read "
                         f"({exc.strerror}); fix REFERENCE_CSV") from None
    except ValueError as exc:  # PlanError: says which line is wrong
        raise SetupError(f"reference data is invalid: {exc}") from None


def check_broker(settings: Settings) -> str:
    """AMQP reachable with the administrator's login, and the management API usable."""
    broker = settings.broker
    try:
        with broker.connection("", connect_timeout=5) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as exc:
        raise SetupError(explain_connect_error(broker, exc)) from None
    try:
        return Management(broker).check()
    except BrokerError as exc:
        raise SetupError(str(exc)) from None


def lock_data_dir(data_dir: Path):
    """One ``make run`` per data directory: a second would fight over ports and files."""
    handle = open(data_dir / "run.lock", "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        raise SetupError(f"another 'make run' is using {data_dir} (pid {handle.read().strip() or '?'}); "
                         "stop it first, or set DATA_DIR to another directory") from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


# ---- configuration of the service processes -------------------------------------------------

def service_config(settings: Settings, creds: dict, service: str) -> dict:
    svc = creds["services"]
    config = {
        **settings.broker.amqp_config(settings.vhost, svc["amqp_username"], svc["amqp_password"]),
        "STORE_URL": settings.store_url(service),
        "serializer": "json",
        "max_workers": 10,
        "AMQP_USER_PREFIX": settings.user_prefix,
        "PUBLIC_URL": settings.public_url,
        "SMTP_HOST": settings.smtp_host,
        "SMTP_PORT": settings.smtp_port,
        "SMTP_URL": settings.smtp_url or "",
        "SMTP_TIMEOUT": settings.smtp_timeout,
        # API key digests and logins only: no province's password (clusterctl/credentials.py)
        "SERVICE_CREDENTIALS_PATH": str(settings.service_credentials_path),
        # nameko's consumers and ours (messaging.py); short in the cluster fault tests, so a
        # paused or killed node is left within seconds (AMQP_HEARTBEAT, README)
        "HEARTBEAT": settings.amqp_heartbeat,
        "LOGGING": logging_config(service, settings.log_level),  # JSON lines with the ids handled
        # make run: one port per service from METRICS_PORT up, in SERVICE_CLASSES' order (a
        # service's replicas share it: SO_REUSEPORT); `clusterctl serve` uses METRICS_PORT as is.
        "METRICS_PORT": (settings.metrics_port + list(SERVICE_CLASSES).index(service)
                         if settings.metrics_port else 0),
    }
    if service == "reporting":
        config["REPORT_MAX_AHEAD_MINUTES"] = settings.report_max_ahead_minutes
        config["RECORD_EFFECTS"] = settings.record_effects
    if service == "gateway" and "gateway" in creds:  # its own login (contracts/reports.py)
        config["AMQP_URI"] = settings.broker.amqp_uri(settings.vhost,
                                                      creds["gateway"]["amqp_username"],
                                                      creds["gateway"]["amqp_password"])
    if service == "gateway":
        config["WEB_SERVER_ADDRESS"] = f"{settings.gateway_host}:{settings.gateway_port}"
        config["TRUSTED_PROXY_HOPS"] = settings.trusted_proxy_hops
        config["TRUSTED_PROXIES"] = settings.trusted_proxies
        config["ACCOUNTS_URL"] = settings.people_url()
        config["LOGIN_LIMIT_PER_MINUTE"] = settings.login_limit_per_minute
    return config


def write_service_configs(settings: Settings, creds: dict) -> dict[str, Path]:
    paths = {}
    for service in SERVICE_CLASSES:
        path = settings.data_dir / "run" / f"{service}.yaml"
        write_private(path, yaml.safe_dump(service_config(settings, creds, service),
                                           allow_unicode=True, sort_keys=False))
        paths[service] = path
    return paths


# ---- processes ----------------------------------------------------------------------------

def readable_log_line(line: str) -> str:
    """A service's JSON log line as "time level logger: message [event_id …]" and its traceback
    indented below; any other line as it is."""
    try:
        entry = json.loads(line)
        text = f"{entry['time']} {entry['level']} {entry['logger']}: {entry['message']}"
    except (ValueError, TypeError, KeyError):
        return line
    if entry.get("event_id"):
        text += f" [event_id {entry['event_id']}]"
    trace = [f"    {part}" for part in str(entry.get("exc") or "").splitlines()]
    return "\n".join([text, *trace])


def _child_setup() -> None:
    os.setsid()
    # If the runner dies without stopping us (kill -9), the kernel kills us too. SIGKILL, not
    # SIGTERM: nameko's graceful stop can hang once the broker connection is gone, and every
    # handler is idempotent, so an unacked message is simply redelivered.
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class Supervisor:
    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        log_dir.mkdir(parents=True, exist_ok=True)
        self.procs: dict[str, subprocess.Popen] = {}
        self.argv: dict[str, list[str]] = {}

    def start(self, name: str, argv: list[str]) -> None:
        # Replicas ("reporting-2") append to their service's log: each line is one write, and
        # carries its pid.
        log = open(self.log_dir / f"{service_of(name)}.log", "ab")
        # UTF-8 whatever the locale: the services' JSON lines keep Thai as written
        env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONIOENCODING="utf-8")
        self.procs[name] = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, cwd=REPO_ROOT, env=env,
                                            preexec_fn=_child_setup)
        self.argv[name] = argv
        log.close()

    def restart(self, name: str) -> None:
        self.start(name, self.argv[name])

    def exited(self) -> dict[str, int]:
        return {n: p.returncode for n, p in self.procs.items() if p.poll() is not None}

    def log_tail(self, name: str, lines: int = 15) -> str:
        """The last lines of a process's log, readable (a crash before its logging was set up
        leaves plain lines: they are shown as they are)."""
        try:
            text = (self.log_dir / f"{service_of(name)}.log").read_text("utf-8", "replace")
        except OSError:
            return ""
        return "\n".join(readable_log_line(line) for line in text.splitlines()[-lines:])

    def stop_all(self, timeout: float = 20) -> None:
        """SIGTERM in stages - the gateway (no new requests), then the services, the SMTP sink
        last (mail in flight is delivered) - and SIGKILL whatever outlives ``timeout``."""
        stages = [["gateway"], ["plans", "reporting", "assets", "notify"], ["smtp-sink"]]
        deadline = time.monotonic() + timeout
        for stage in stages:
            names = [n for n in self.procs if service_of(n) in stage]
            for name in names:
                self._signal(name, signal.SIGTERM)
            for name in names:
                try:
                    self.procs[name].wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    say(f"{name} did not stop in {timeout:.0f} s; killing it")
                    self._signal(name, signal.SIGKILL)
                    self.procs[name].wait()
        self.procs.clear()

    def _signal(self, name: str, sig: int) -> None:
        proc = self.procs[name]
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, sig)  # the whole group: nothing the child started survives
            except ProcessLookupError:
                pass


def replica_names(service: str, count: int) -> list[str]:
    """The supervisor's names for a service's processes: "reporting", "reporting-2", ..."""
    return [service] + [f"{service}-{n}" for n in range(2, count + 1)]


def service_of(name: str) -> str:
    base, _, number = name.rpartition("-")
    return base if base and number.isdigit() else name


def nameko_argv(config: Path, service: str) -> list[str]:
    # -W: eventlet's deprecation notice (known: NOTES-nameko), and setuptools' about
    # pkg_resources (nameko's CLI imports it; pyproject.toml pins a setuptools that has it), which
    # `nameko run` triggers before the logging is configured, would be the only lines of the log
    # that are not JSON.
    return [sys.executable, "-W", "ignore::Warning:nameko.cli.commands",
            "-W", "ignore:pkg_resources is deprecated:UserWarning", "-m", "nameko", "run",
            "--config", str(config), SERVICE_CLASSES[service]]


# ---- start-up -----------------------------------------------------------------------------

class Stop(Exception):
    pass


# Ctrl-C / SIGTERM only set this flag; the loops below check it. (Raising from a signal handler
# can land inside subprocess internals and leave a lock held, hanging the shutdown.)
stop_requested = threading.Event()


def _on_signal(signum, frame):
    stop_requested.set()


def check_stop() -> None:
    if stop_requested.is_set():
        raise Stop()


def wait_for(condition, what: str, supervisor: Supervisor | None,
             timeout: float = START_TIMEOUT_S):
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        check_stop()
        dead = supervisor.exited() if supervisor else {}
        if dead:
            name, code = next(iter(dead.items()))
            raise SetupError(f"{name} exited with status {code} while starting; its log "
                             f"({supervisor.log_dir / (name + '.log')}) ends with:\n"
                             f"{supervisor.log_tail(name)}")
        try:
            result = condition()
            if result:
                return result
        except Exception as exc:  # not up yet
            last_error = exc
        stop_requested.wait(0.3)
    raise SetupError(f"timed out after {timeout:.0f} s waiting for {what}"
                     + (f" (last error: {last_error})" if last_error else ""))


def rpc_config(settings: Settings, creds: dict) -> dict:
    svc = creds["services"]
    return settings.broker.amqp_config(settings.vhost, svc["amqp_username"], svc["amqp_password"])


def seed(settings: Settings, creds: dict, supervisor: Supervisor) -> None:
    from nameko.standalone.rpc import ClusterRpcProxy

    logging.getLogger("amqp").setLevel(logging.ERROR)  # its channel-closing chatter is noise here
    with ClusterRpcProxy(rpc_config(settings, creds), timeout=30) as rpc:
        wait_for(lambda: all(getattr(rpc, s).health() == "ok" for s in BACKENDS),
                 "the services to answer", supervisor)
        for line in load_reference_data(rpc, settings):
            say(line)
        if settings.seed_sample_plan:
            plan = load_sample_plan()
            say(f"plan {plan['id']}: {ensure_plan(rpc, plan)}")
            # Ready means ready: reporting knows the plan before anyone can report against it,
            # and notify knows whom to tell about it.
            wait_for(lambda: rpc.reporting.indicator_results(plan["id"], f"FY{plan['start_fy']}-Q1"),
                     "reporting to learn the seeded plan", supervisor)
            wait_for(lambda: set(plan["provinces"]) <= set(rpc.notify.directory_provinces()),
                     "notify to learn the seeded plan's contacts", supervisor)
            wait_for(lambda: {p["code"] for p in plan["projects"]} <= set(rpc.assets.known_projects()),
                     "assets to learn the seeded plan's projects", supervisor)
            if sample_year.removed(settings.data_dir):  # 'clusterctl sample remove' took them out
                say("sample assets: removed earlier ('clusterctl sample remove'); not seeded again")
            else:
                say(f"sample assets: {ensure_sample_assets(rpc, load_sample_assets())}")


def load_reference_data(rpc, settings: Settings) -> list[str]:
    """The clusters (REFERENCE_CSV) and the shipped national hierarchy, into the plans service
    (a version already kept is left as it is); before any plan is made, so that the sample
    plan's national links are checked against the hierarchy. What was done, a line each."""
    loaded = rpc.plans.load_reference(settings.reference_csv.read_text("utf-8"),
                                      REFERENCE_SOURCE, REFERENCE_EFFECTIVE_FROM)
    national = rpc.plans.load_national(national_files(), "system")
    levels = ", ".join(f"{count} {level}" for level, count in sorted(national["by_level"].items()))
    return [f"reference data {loaded['version_id']}: {loaded['clusters']} clusters, "
            f"{loaded['provinces']} provinces ({'loaded' if loaded['created'] else 'already loaded'})",
            f"national hierarchy {national['version_id']}: {levels} "
            f"({'loaded' if national['created'] else 'already loaded'})"]


def rebuild(settings: Settings) -> int:
    """``clusterctl rebuild``: ask the running reporting service to replay its event store."""
    from nameko.standalone.rpc import ClusterRpcProxy

    logging.getLogger("amqp").setLevel(logging.ERROR)
    if not settings.credentials_path.exists():
        raise SetupError(f"{settings.credentials_path} does not exist: start the system once "
                         "with 'make run' (and keep it running)")
    creds = json.loads(settings.credentials_path.read_text("utf-8"))
    try:
        with ClusterRpcProxy(rpc_config(settings, creds), timeout=600) as rpc:
            result = rpc.reporting.rebuild()
    except Exception as exc:  # not running, broker down: say so in one line
        raise SetupError(f"could not reach the reporting service ({type(exc).__name__}: {exc}); "
                         "is 'make run' running?") from None
    say(f"rebuilt {result['indicator_views']} indicator views from {result['reports']} stored "
        f"reports (views version {result['views_version']})")
    return 0


def running_system_rpc(settings: Settings):
    """An RPC proxy to the running system (``make run``), or SetupError saying how to start it."""
    from nameko.standalone.rpc import ClusterRpcProxy

    logging.getLogger("amqp").setLevel(logging.ERROR)
    if not settings.credentials_path.exists():
        raise SetupError(f"{settings.credentials_path} does not exist: start the system with 'make run'")
    creds = json.loads(settings.credentials_path.read_text("utf-8"))
    return ClusterRpcProxy(rpc_config(settings, creds), timeout=60)


OUTBOX_SERVICES = ("plans", "reporting", "assets")  # the services that relay an outbox


def held_outbox_events(settings: Settings) -> int:
    """``clusterctl outbox held``: each service's outbox events the broker routed nowhere."""
    try:
        with running_system_rpc(settings) as rpc:
            held = {service: getattr(rpc, service).held_outbox_events()
                    for service in OUTBOX_SERVICES}
    except SetupError:
        raise
    except Exception as exc:  # not running: say so in one line
        message = getattr(exc, "value", None) or f"{type(exc).__name__}: {exc}"
        raise SetupError(f"outbox held: {message}") from None
    for service, events in held.items():
        for e in events:
            print(f"{service}  {e['event_id']}  {e['event_type']}  attempts {e['attempts']}  "
                  f"next try {e['held_until']}  {e['last_error']}")
    if not any(held.values()):
        say("no outbox event is held: every event found a queue")
    return 0


def parked(settings: Settings, action: str, parked_id: str | None) -> int:
    """``clusterctl parked list | show ID | retry ID`` against the running reporting service."""
    if action != "list" and not parked_id:
        raise SetupError(f"'parked {action}' needs the parked id (see 'clusterctl parked list')")
    try:
        with running_system_rpc(settings) as rpc:
            if action == "list":
                for p in rpc.reporting.list_parked():
                    state = f"retried {p['retried_at']}" if p.get("retried_at") else "waiting"
                    print(f"{p['parked_id']}  {p['parked_at']}  {p['queue']}  {p['reason']}  {state}")
                return 0
            if action == "show":
                found = rpc.reporting.get_parked(parked_id)
                if found is None:
                    raise SetupError(f"no parked message {parked_id!r}")
                print(json.dumps(found, ensure_ascii=False, indent=2))
                return 0
            result = rpc.reporting.retry_parked(parked_id)
    except SetupError:
        raise
    except Exception as exc:  # not running, or the retry was refused: say so in one line
        message = getattr(exc, "value", None) or f"{type(exc).__name__}: {exc}"
        raise SetupError(f"parked {action}: {message}") from None
    say(f"parked message {result['parked_id']} from {result['queue']}: {result['outcome']}")
    return 0


def ensure_plan(rpc, document: dict) -> str:
    """Create and publish ``document`` unless a plan with its id exists (then leave it alone:
    once seeded, a plan belongs to its OSM)."""
    existing = rpc.plans.get_plan(document["id"])
    if existing is not None and not (existing["status"] == "draft" and existing["sample"]):
        return f"already there (v{existing['version']}, {existing['status']})"
    if existing is None:
        rpc.plans.create_plan(document)
    # else: an earlier start created the sample but stopped before publishing it
    published = rpc.plans.publish_plan(document["id"], "clusterctl seed",
                                       "sample data, not approved by any committee")
    return f"seeded and published (v{published['version']})"


def ensure_sample_assets(rpc, sample: list[dict]) -> str:
    """Register the sample assets and take some of them part of the way through a transfer,
    unless the registry holds assets already (then they belong to their agencies)."""
    if rpc.assets.list_assets():
        return "the registry is not empty; left alone"
    for entry in sample:
        rpc.assets.register_asset(entry["asset"], ["admin", None])
        version = 1
        for step in entry.get("steps", []):
            asset = rpc.assets.act(entry["asset"]["code"], step["action"],
                                   {**step.get("command", {}), "version": version}, step["actor"])
            version = asset["version"]
    return f"{len(sample)} registered"


def check_libraries() -> None:
    from services.infra.platform import version_problems
    problems = version_problems()
    if problems:
        raise SetupError("unsupported library versions: " + "; ".join(problems)
                         + "; run 'make run' (it installs the lock file) or reinstall the venv")


def run(settings: Settings) -> int:
    check_libraries()
    check_data_dir(settings.data_dir)
    lock = lock_data_dir(settings.data_dir)
    check_port_free(settings.gateway_host, settings.gateway_port, "GATEWAY_PORT")
    if settings.run_smtp_sink:
        check_port_free(settings.smtp_host, settings.smtp_port, "SMTP_PORT")
    if settings.mongo_url:
        check_mongo(settings.mongo_url)
    version = check_broker(settings)
    clusters = read_clusters(settings)
    try:
        sample = load_sample_plan() if settings.seed_sample_plan else {}
        sample_agencies = [a["code"] for a in sample.get("agencies", [])]
        creds = ensure_credentials(settings.credentials_path,
                                   settings.broker.public_amqp_url(settings.vhost), clusters,
                                   settings.user_prefix, sample_agencies,
                                   implementing_agencies(sample) if sample else [],
                                   settings.broker.public_amqp_alternates(settings.vhost))
    except ValueError as exc:  # JSONDecodeError included
        raise SetupError(f"{settings.credentials_path} is not valid JSON ({exc}); restore it from "
                         "a backup, or move it away to generate new credentials") from None
    try:
        provision(settings.broker, settings.vhost, creds)
    except BrokerError as exc:
        raise SetupError(str(exc)) from None
    agency_users = sum("amqp_username" in a for a in creds.get("agencies", {}).values())
    say(f"RabbitMQ {version}: vhost {settings.vhost!r} provisioned "
        f"({len(creds['provinces'])} province users, {agency_users} agency users)")
    configs = write_service_configs(settings, creds)
    supervisor = Supervisor(settings.data_dir / "logs")
    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if settings.run_smtp_sink:
            supervisor.start("smtp-sink", [sys.executable, "-m", "clusterctl", "smtp-sink",
                                           "--dir", str(settings.mail_dir), "--host",
                                           settings.smtp_host, "--port", str(settings.smtp_port)])
        for service in BACKENDS:
            for name in replica_names(service, settings.replicas.get(service, 1)):
                supervisor.start(name, nameko_argv(configs[service], service))
        try:
            seed(settings, creds, supervisor)
        except RemoteError as exc:
            raise SetupError(f"seeding failed in the {exc.exc_type} check: {exc.value}") from None
        check_stop()
        for name in replica_names("gateway", settings.replicas.get("gateway", 1)):
            supervisor.start(name, nameko_argv(configs["gateway"], "gateway"))
        health_url = f"http://{settings.gateway_host}:{settings.gateway_port}/health"
        wait_for(lambda: requests.get(health_url, timeout=5).status_code == 200,
                 f"{health_url} to answer ok", supervisor)
        if settings.seed_sample_plan and settings.seed_sample_year:  # SEED_SAMPLE_YEAR
            sample_year.load_at_start(settings, creds, rpc_config(settings, creds), say,
                                      stop_requested.is_set)
            check_stop()
        print_banner(settings, admin_link(settings))
        return watch(supervisor, settings.restart_limit)
    except Stop:
        say("stopping (Ctrl-C)")
        return 0
    finally:
        supervisor.stop_all()  # a second Ctrl-C only sets the flag again: the stop completes
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        lock.close()
        say("stopped; nothing left running")


RESTART_WINDOW_S = 300  # restarts of one service (RESTART_LIMIT) within this many seconds


def watch(supervisor: Supervisor, restart_limit: int = 5) -> int:
    """Until Ctrl-C: a service that dies is restarted - at most ``restart_limit``
    (RESTART_LIMIT) times in RESTART_WINDOW_S per service, so a broker outage that takes several
    services down at once is ridden out, and only a service that keeps crashing stops
    everything."""
    restarts: dict[str, list[float]] = {}
    while not stop_requested.wait(1):
        for name, code in supervisor.exited().items():
            now = time.monotonic()
            recent = restarts[name] = [t for t in restarts.get(name, [])
                                       if t > now - RESTART_WINDOW_S] + [now]
            if len(recent) > restart_limit:
                say(f"{name} keeps exiting (status {code}); stopping everything. Its log ends with:\n"
                    + supervisor.log_tail(name))
                return 1
            say(f"{name} exited with status {code}; restarting it (log: "
                f"{supervisor.log_dir / (service_of(name) + '.log')})")
            supervisor.restart(name)
    raise Stop()


def _relay_shown(settings: Settings) -> str:
    if settings.smtp_url:
        from services.notify.sender import parse_relay
        return f"SMTP {parse_relay(settings.smtp_url)}"  # never the password
    return f"SMTP {settings.smtp_host}:{settings.smtp_port}"


def _replicas_shown(settings: Settings) -> str:
    scaled = ", ".join(f"{s} x{n}" for s, n in settings.replicas.items() if n > 1)
    return f"\n  Replicas       {scaled}  (REPLICAS)" if scaled else ""


def _first_admin_shown(link) -> str:
    if link is None:
        return ""
    return (f"\n  First admin    open {link[0]}\n"
            f"                 to set the password of the account 'admin' (one use, until {link[1]};\n"
            "                 python -m clusterctl admin-link prints a new one)")


def print_banner(settings: Settings, first_admin=None) -> None:
    base = f"http://{settings.gateway_host}:{settings.gateway_port}"
    say("ready.")
    print(f"""
  Gateway        {base}  (dashboard: {base}/, health: /health, API: /docs, /openapi.json)
  Credentials    {settings.credentials_path}  (API keys, province and agency AMQP users)
  Province AMQP  {settings.broker.public_amqp_url(settings.vhost)}  exchange 'reports'
  Mail           {settings.mail_dir if settings.run_smtp_sink else _relay_shown(settings)}
  Store          {'MongoDB (MONGO_URL)' if settings.mongo_url else f'SQLite files in {settings.data_dir}'}
  Logs           {settings.data_dir / 'logs'}{_replicas_shown(settings)}{_first_admin_shown(first_admin)}

  Ctrl-C stops everything.
""", flush=True)

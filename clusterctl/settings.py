"""Every setting of a local run, read once from the environment (README "Configuration")."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from .amqp_tls import AmqpTls, TlsSettingError, read_tls

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"


class SettingsError(ValueError):
    """A setting that cannot work; the message says which and how to fix it."""


@dataclass(frozen=True)
class Broker:
    """A RabbitMQ broker reached with administrator credentials."""
    host: str
    port: int
    username: str
    password: str
    management_url: str  # http(s)://host:port, no credentials
    # The cluster's other nodes, (host, port) each, tried in turn when the first is down (kombu
    # failover): AMQP_URL names every node, "amqp://u:p@h1:5672/;amqp://u:p@h2:5672/" (README).
    alternates: tuple[tuple[str, int], ...] = ()
    # amqps:// (clusterctl/amqp_tls.py), the same for every node; None: plain amqp://
    tls: AmqpTls | None = None

    @classmethod
    def from_url(cls, amqp_url: str, management_url: str | None = None,
                 env=os.environ) -> "Broker":
        """``env`` gives the TLS settings (AMQP_CA_FILE, ...) an amqps:// URL needs."""
        parts = urlsplit(amqp_url)
        if parts.scheme not in ("amqp", "pyamqp", "amqps") or not parts.hostname:
            raise SettingsError(f"AMQP_URL {redact(amqp_url)!r} is not an amqp://user:password@"
                                "host:port/ URL (amqps://… for TLS, port 5671)")
        tls_on = parts.scheme == "amqps"
        try:
            port = parts.port or (5671 if tls_on else 5672)
        except ValueError:
            raise SettingsError(f"AMQP_URL {redact(amqp_url)!r} has an invalid port") from None
        try:
            tls = read_tls(env, parts.scheme)
        except TlsSettingError as exc:
            raise SettingsError(str(exc)) from None
        # the management API beside a TLS broker is reached over https too (RabbitMQ's 15671)
        mgmt = management_url or (f"https://{parts.hostname}:15671" if tls_on
                                  else f"http://{parts.hostname}:15672")
        return cls(parts.hostname, port, unquote(parts.username or "guest"),
                   unquote(parts.password or "guest"), mgmt.rstrip("/"), tls=tls)

    @property
    def scheme(self) -> str:
        return "amqps" if self.tls else "amqp"

    def ssl_options(self) -> dict | None:
        """The ``ssl=`` of every connection to this broker (nameko's AMQP_SSL); None: plain."""
        return self.tls.ssl_options() if self.tls else None

    def https_verify(self) -> str | bool:
        """``verify=`` for the management API: AMQP_CA_FILE when given (requests: True is the
        system store)."""
        return self.tls.https_verify() if self.tls else True

    def amqp_uri(self, vhost: str, username: str | None = None, password: str | None = None) -> str:
        """Every node's URL with this login, joined with ";" (kombu's failover syntax, which
        nameko hands to kombu as it is); one URL when AMQP_URL names one node."""
        user = quote(username or self.username, safe="")
        pw = quote(password or self.password, safe="")
        return ";".join(f"{self.scheme}://{user}:{pw}@{host}:{port}/{quote(vhost, safe='')}"
                        for host, port in self.nodes)

    @property
    def nodes(self) -> tuple[tuple[str, int], ...]:
        return ((self.host, self.port), *self.alternates)

    def amqp_config(self, vhost: str, username: str | None = None,
                    password: str | None = None) -> dict:
        """A nameko config's AMQP_URI and, with TLS, its AMQP_SSL (nameko's own key, which its
        consumers and publishers and ours - services/infra/amqp.py - pass on as ``ssl=``)."""
        ssl_options = self.ssl_options()
        return {"AMQP_URI": self.amqp_uri(vhost, username, password),
                **({"AMQP_SSL": ssl_options} if ssl_options else {})}

    def connection(self, vhost: str, username: str | None = None, password: str | None = None,
                   **kwargs):
        """A kombu connection to ``vhost`` on every node (failover; TLS as configured); the
        administrator by default."""
        from kombu import Connection
        return Connection(self.amqp_uri(vhost, username, password), ssl=self.ssl_options(),
                          **kwargs)

    def public_amqp_url(self, vhost: str) -> str:
        """The URL handed to provinces: no credentials (DESIGN 3.2), the first node only;
        amqps:// with TLS."""
        return f"{self.scheme}://{self.host}:{self.port}/{quote(vhost, safe='')}"

    def public_amqp_alternates(self, vhost: str) -> list[str]:
        """The cluster's other nodes, handed to provinces beside ``amqp_url`` (extension)."""
        return [f"{self.scheme}://{host}:{port}/{quote(vhost, safe='')}"
                for host, port in self.alternates]

    @classmethod
    def from_cluster_url(cls, amqp_url: str, management_url: str | None = None,
                         env=os.environ) -> "Broker":
        """AMQP_URL naming one node, or every node of a cluster separated by ";"; with amqps://
        every node is reached over TLS with the same settings (``env``: AMQP_CA_FILE, ...)."""
        entries = split_amqp_url(amqp_url)
        schemes = {"amqps" if urlsplit(entry).scheme == "amqps" else "amqp" for entry in entries}
        if len(schemes) > 1:
            raise SettingsError(
                f"AMQP_URL {redact(amqp_url)!r} mixes amqps:// and amqp:// nodes; a cluster's "
                "nodes are reached the same way (write amqps:// for every node to use TLS) / "
                "ทุกโหนดใน AMQP_URL ต้องใช้ scheme เดียวกัน")
        first, *others = (cls.from_url(entry, management_url, env) for entry in entries)
        vhosts = {_url_vhost(entry) for entry in entries}
        for entry, node in zip(entries[1:], others):
            if (node.username, node.password) != (first.username, first.password) or len(vhosts) > 1:
                raise SettingsError(
                    f"AMQP_URL entry {redact(entry)!r} has another login or vhost than the first; "
                    "the nodes of one cluster share them (repeat the same user:password@ and path)")
        nodes = [first.nodes[0], *(node.nodes[0] for node in others)]
        if len(set(nodes)) != len(nodes):
            raise SettingsError(f"AMQP_URL {redact(amqp_url)!r} names a node twice")
        return replace(first, alternates=tuple(nodes[1:]))


def broker_endpoints(amqp_url: str) -> tuple[str, int, str]:
    broker = Broker.from_cluster_url(amqp_url, os.environ.get("RABBIT_MANAGEMENT_URL"))
    return broker.host, broker.port, broker.management_url


def split_amqp_url(amqp_url: str) -> list[str]:
    """The entries of an AMQP_URL that names several nodes (kombu's "url1;url2" syntax)."""
    entries = [entry.strip() for entry in amqp_url.split(";")]
    if any(not entry for entry in entries):
        raise SettingsError(f"AMQP_URL {redact(amqp_url)!r} has an empty entry; separate the nodes "
                            "with one ';' and end without one "
                            "(amqp://user:password@h1:5672/;amqp://user:password@h2:5672/)")
    if any("://" not in entry for entry in entries):  # not shown: it may be part of a password
        raise SettingsError(
            f"AMQP_URL {redact(amqp_url)!r} has an entry that is not a URL: separate whole URLs "
            "with ';', and write a ';' (or '/', '#', '?', '@') in a password percent-encoded "
            "(%3B, %2F, %23, %3F, %40) / ทุกส่วนของ AMQP_URL ต้องเป็น URL เต็ม และอักขระพิเศษใน"
            "รหัสผ่านต้องเข้ารหัสแบบ %XX")
    return entries


# The password of each URL in a text as typed: from "scheme://user:" to the last "@" before the
# next URL. Not urlsplit's reading - a "/", "#", "?", ";" or "@" the password holds unescaped
# ends its login part early, and the rest of the password would be shown in the error.
URL_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^:@/\s]*:)(?:(?!://).)*@", re.DOTALL)


def redact(url: str) -> str:
    return URL_PASSWORD.sub(r"\1***@", url)


@dataclass(frozen=True)
class Settings:
    broker: Broker
    vhost: str
    data_dir: Path
    mongo_url: str | None
    gateway_host: str
    gateway_port: int
    smtp_host: str
    smtp_port: int
    smtp_url: str | None
    run_smtp_sink: bool
    public_url: str
    user_prefix: str
    seed_sample_plan: bool
    reference_csv: Path | Traversable  # REFERENCE_CSV, else the package's own (clusterctl/data)
    replicas: dict = field(default_factory=dict)  # service -> processes (REPLICAS); 1 if absent
    trusted_proxy_hops: int = 0  # reverse proxies in front of the gateway (X-Forwarded-For)
    trusted_proxies: str = ""  # TRUSTED_PROXIES: where they connect from ("": services/gateway/web.py's default)
    log_level: str = "INFO"  # LOG_LEVEL: the services' root log level
    smtp_timeout: int = 15  # SMTP_TIMEOUT: seconds for each SMTP operation (sets notify's lease)
    metrics_port: int = 0  # METRICS_PORT: each service's /metrics, /live, /ready (0: none)
    report_max_ahead_minutes: int = 10  # REPORT_MAX_AHEAD_MINUTES: reported_at's clock skew
    seed_sample_year: bool = True  # SEED_SAMPLE_YEAR: a past fiscal year of sample reports
    admin_email: str = "admin@cluster-planning.local"  # ADMIN_EMAIL: the first admin's address
    accounts_url: str | None = None  # ACCOUNTS_URL: people's accounts; None: the gateway's store
    login_limit_per_minute: int = 10  # LOGIN_LIMIT_PER_MINUTE: sign-ins per client address
    record_effects: bool = False  # RECORD_EFFECTS: reporting's diagnostic rows (fault suite)
    amqp_heartbeat: int = 60  # AMQP_HEARTBEAT: seconds; a dead node is noticed in about two
    restart_limit: int = 5  # RESTART_LIMIT: restarts of one service in 5 minutes, then stop all

    @classmethod
    def from_env(cls, env=os.environ) -> "Settings":
        broker = Broker.from_cluster_url(env.get("AMQP_URL") or DEFAULT_AMQP_URL,
                                         env.get("RABBIT_MANAGEMENT_URL"), env)
        gateway_port = _port(env, "GATEWAY_PORT", 8000)
        mongo_url = env.get("MONGO_URL") or None
        if mongo_url and not mongo_url.startswith(("mongodb://", "mongodb+srv://")):
            raise SettingsError(f"MONGO_URL {redact(mongo_url)!r} is not a mongodb:// URL "
                                "(e.g. mongodb://host1,host2,host3/?replicaSet=rs0)")
        smtp_host = env.get("SMTP_HOST") or ""
        smtp_url = env.get("SMTP_URL") or None
        if smtp_url:
            from services.notify.sender import parse_relay
            try:
                parse_relay(smtp_url)
            except ValueError as exc:
                raise SettingsError(str(exc)) from None
        return cls(
            broker=broker,
            vhost=env.get("AMQP_VHOST") or _url_vhost(env.get("AMQP_URL")) or "cluster-planning",
            data_dir=Path(env.get("DATA_DIR") or "var").resolve(),
            mongo_url=mongo_url,
            gateway_host=env.get("GATEWAY_HOST") or "127.0.0.1",
            gateway_port=gateway_port,
            smtp_host=smtp_host or "127.0.0.1",
            smtp_port=_port(env, "SMTP_PORT", 8025),
            smtp_url=smtp_url,
            run_smtp_sink=not (smtp_host or smtp_url),
            smtp_timeout=_count(env, "SMTP_TIMEOUT", 15, 1, 300, "a whole number of seconds"),
            public_url=(env.get("PUBLIC_URL") or f"http://127.0.0.1:{gateway_port}").rstrip("/"),
            admin_email=env.get("ADMIN_EMAIL") or "admin@cluster-planning.local",
            accounts_url=env.get("ACCOUNTS_URL") or None,
            login_limit_per_minute=_count(env, "LOGIN_LIMIT_PER_MINUTE", 10, 1, 100000,
                                          "a whole number of sign-ins a minute"),
            restart_limit=_count(env, "RESTART_LIMIT", 5, 1, 1000,
                                 "a whole number of restarts (of one service in 5 minutes)"),
            user_prefix=env.get("AMQP_USER_PREFIX") or "",
            seed_sample_plan=_flag(env, "SEED_SAMPLE_PLAN", True,
                                   "1 seeds the sample plan and its sample assets, 0 only the "
                                   "reference data"),
            reference_csv=(Path(env["REFERENCE_CSV"]) if env.get("REFERENCE_CSV") else
                           files("clusterctl") / "data" / "reference" / "provincial-clusters.csv"),
            replicas=parse_replicas(env.get("REPLICAS") or ""),
            trusted_proxy_hops=_count(env, "TRUSTED_PROXY_HOPS", 0, 0, 5),
            trusted_proxies=_proxies(env),
            log_level=_log_level(env),
            metrics_port=_count(env, "METRICS_PORT", 0, 0, 65530, "a port number (0: none)"),
            report_max_ahead_minutes=_count(env, "REPORT_MAX_AHEAD_MINUTES", 10, 0, 1440,
                                            "a whole number of minutes"),
            amqp_heartbeat=_count(env, "AMQP_HEARTBEAT", 60, 2, 600, "a whole number of seconds"),
            seed_sample_year=_flag(env, "SEED_SAMPLE_YEAR", True,
                                   "1 loads a past fiscal year of sample reports into the sample "
                                   "plan at start, 0 starts without it"),
            record_effects=_flag(env, "RECORD_EFFECTS", False,
                                 "1 makes reporting keep a diagnostic row each time a report "
                                 "reaches the views (the fault suite counts them), 0 does not"),
        )

    @property
    def credentials_path(self) -> Path:
        return self.data_dir / "credentials.json"

    @property
    def service_credentials_path(self) -> Path:
        """What services read (clusterctl/credentials.py): never credentials.json itself."""
        return self.data_dir / "service-credentials.json"

    @property
    def mail_dir(self) -> Path:
        return self.data_dir / "mail"

    def people_url(self) -> str:
        """Where people's accounts and sessions are kept: ACCOUNTS_URL, else the gateway's store."""
        return self.accounts_url or self.store_url("gateway")

    def store_url(self, service: str) -> str:
        """Where a service keeps its data: its own Mongo database, or its own SQLite file."""
        if self.mongo_url:
            return self.mongo_url
        return f"sqlite:///{self.data_dir / (service + '.sqlite3')}"


SCALABLE = ("plans", "reporting", "assets", "notify", "gateway")
MAX_REPLICAS = 8


def parse_replicas(raw: str) -> dict[str, int]:
    """REPLICAS: how many ``nameko run`` processes of each service. ``3`` is three of every
    service; ``reporting=3,notify=2`` names services (the rest one each). They compete for the
    same queues and share the store; the gateways share the port (SO_REUSEPORT)."""
    raw = raw.strip()
    if not raw:
        return {}
    if "=" not in raw:
        return {service: _replica_count(raw, "REPLICAS") for service in SCALABLE}
    replicas = {}
    for part in raw.split(","):
        service, sep, count = (x.strip() for x in part.partition("="))
        if not sep or service not in SCALABLE:
            raise SettingsError(f"REPLICAS={raw!r}: {part.strip()!r} is not service=count with a "
                                f"service among {', '.join(SCALABLE)} (e.g. REPLICAS=reporting=3,"
                                "notify=2, or REPLICAS=2 for every service)")
        replicas[service] = _replica_count(count, f"REPLICAS {service}")
    return replicas


def _replica_count(raw: str, where: str) -> int:
    if not raw.strip():
        raise SettingsError(f"{where}={raw!r} is not a whole number")
    return _count({where: raw}, where, 1, 1, MAX_REPLICAS)


def _url_vhost(amqp_url: str | None) -> str | None:
    """A vhost named in AMQP_URL's path is used; the default vhost "/" never is (not ours)."""
    first = amqp_url.split(";")[0] if amqp_url else ""  # every entry names the same vhost
    path = unquote(urlsplit(first).path[1:]) if first else ""
    return path if path and path != "/" else None


def _count(env, name: str, default: int, low: int, high: int, what: str = "a whole number") -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not {what}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name}={value} is out of range {low}-{high}")
    return value


FLAG_WORDS = {"1": True, "true": True, "yes": True, "on": True,
              "0": False, "false": False, "no": False, "off": False}


def _flag(env, name: str, default: bool, meaning: str) -> bool:
    """A yes/no setting: 1/0 (or true/false, yes/no, on/off, any case); anything else is refused
    with what the values mean, rather than read as one of them."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if raw.lower() not in FLAG_WORDS:
        raise SettingsError(f"{name}={raw!r} is not 1 or 0 ({meaning})")
    return FLAG_WORDS[raw.lower()]


def _proxies(env) -> str:
    from services.infra.proxies import proxy_networks
    raw = (env.get("TRUSTED_PROXIES") or "").strip()
    try:
        proxy_networks(raw)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None
    return raw


def _log_level(env) -> str:
    from services.infra.logs import check_level
    try:
        return check_level(env.get("LOG_LEVEL") or "INFO")
    except ValueError as exc:
        raise SettingsError(str(exc)) from None


def _port(env, name: str, default: int) -> int:
    return _count(env, name, default, 1, 65535, "a port number")

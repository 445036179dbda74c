"""Provisioning of the project's vhost on RabbitMQ, through the management HTTP API.

Idempotent: run at every start. It creates only what is ours - the vhost, a services user, the
gateway's user, one user per province (and implementing agency), their permissions and our
policy - and never touches other vhosts or users.
"""
from __future__ import annotations

import re
import ssl
from urllib.parse import quote

import requests

from services.contracts.reports import (REPORTS_EXCHANGE, agency_topic_pattern,
                                        province_topic_pattern)
from services.infra.topology import declare_topology, retry_policy, unbounded_policy

from .gateway_rights import GATEWAY_PERMISSIONS, GATEWAY_TOPIC_PERMISSIONS
from .settings import Broker

POLICY_NAME = "cluster-planning-retries"
UNBOUNDED_POLICY_NAME = "cluster-planning-unbounded"  # RabbitMQ 4.x: intake and parked unlimited
# Per sender user (province, agency): what one compromised or runaway login may hold open. A
# province's system and `clusterctl report` need a connection each, one channel per connection
# (the gateway publishes under its own login, not these); the rest is headroom. RabbitMQ 3.10 has user limits (management
# API /api/user-limits, `rabbitmqctl set_user_limits`): checked on the local 3.10.8.
SENDER_LIMITS = {"max-connections": 10, "max-channels": 20}


class BrokerError(RuntimeError):
    """The broker cannot be used; the message says why and what to do."""


def explain_connect_error(broker: Broker, exc: Exception) -> str:
    """What a failed AMQP connection means and what to do, in English and Thai: the TLS cases
    (wrong CA, another host's certificate, TLS on one side only) read alike as raw errors."""
    where, text = f"RabbitMQ at {broker.host}:{broker.port}", str(exc)
    exc = _root_cause(exc)  # kombu wraps the socket's error in its OperationalError
    if "ACCESS_REFUSED" in text or "403" in text:
        return (f"{where} refused user {broker.username!r}; fix the credentials in AMQP_URL / "
                "RabbitMQ ปฏิเสธชื่อผู้ใช้หรือรหัสผ่านใน AMQP_URL")
    if isinstance(exc, ssl.SSLCertVerificationError):
        if "mismatch" in text:
            return (f"{where}: its certificate does not name {broker.host!r} ({exc.verify_message}); "
                    "connect by a name the certificate holds (its subjectAltName) or have it "
                    "reissued for this name / ใบรับรองของ RabbitMQ ไม่ตรงกับชื่อโฮสต์")
        return (f"{where}: its certificate is not trusted ({exc.verify_message}); AMQP_CA_FILE "
                "must hold the CA that signed the broker's certificate / ใบรับรองของ RabbitMQ "
                "ไม่ได้ลงนามโดย CA ใน AMQP_CA_FILE")
    if isinstance(exc, ssl.SSLError) and "WRONG_VERSION_NUMBER" in text.upper():
        return (f"{where} does not speak TLS on port {broker.port}: give AMQP_URL=amqps://… the "
                "broker's TLS port (5671), or amqp:// for a plain port / พอร์ตนี้ไม่ใช่ TLS")
    if broker.tls is None and isinstance(exc, (OSError, EOFError)) and not isinstance(
            exc, ConnectionRefusedError):
        return (f"{where} closed the connection before AMQP began ({exc or type(exc).__name__}): "
                "if it is the broker's TLS port (5671), write AMQP_URL=amqps://… with "
                "AMQP_CA_FILE / เซิร์ฟเวอร์ปิดการเชื่อมต่อ หากเป็นพอร์ต TLS ให้ใช้ amqps://")
    return (f"{where} is not reachable ({exc or type(exc).__name__}); start it, fix AMQP_URL, or "
            "unset AMQP_URL to use the local broker / เชื่อมต่อ RabbitMQ ไม่ได้")


def _root_cause(exc: BaseException) -> BaseException:
    seen = [exc]
    while (inner := exc.__cause__ or exc.__context__) is not None and inner not in seen:
        seen.append(exc := inner)
    return exc


class Management:
    def __init__(self, broker: Broker, timeout: float = 10):
        self.broker = broker
        self.session = requests.Session()
        self.session.auth = (broker.username, broker.password)
        # https: AMQP_CA_FILE, as the AMQP side; given with each request, since requests lets
        # REQUESTS_CA_BUNDLE in the environment win over a session's own verify
        self.verify = broker.https_verify()
        self.timeout = timeout

    def _call(self, method: str, path: str, json=None, ok=(200, 201, 204)):
        url = f"{self.broker.management_url}/api/{path}"
        try:
            response = self.session.request(method, url, json=json, timeout=self.timeout,
                                            verify=self.verify)
        except requests.exceptions.SSLError as exc:
            raise BrokerError(
                f"RabbitMQ management API at {self.broker.management_url}: its certificate is "
                f"not trusted ({exc}); AMQP_CA_FILE must hold the CA that signed it / ใบรับรอง "
                "ของ management API ไม่ผ่านการตรวจสอบ") from None
        except requests.RequestException:
            raise BrokerError(
                f"RabbitMQ management API not reachable at {self.broker.management_url}; enable it "
                "with 'rabbitmq-plugins enable rabbitmq_management' or set RABBIT_MANAGEMENT_URL"
            ) from None
        if response.status_code == 401:
            raise BrokerError(f"RabbitMQ refused user {self.broker.username!r} (wrong password in "
                              "AMQP_URL, or guest used from another host)")
        if response.status_code not in ok:
            raise BrokerError(f"RabbitMQ management {method} {path} answered "
                              f"{response.status_code}: {response.text[:200]}")
        return response

    def check(self) -> str:
        """Reachable and administrator: returns the broker version."""
        overview = self._call("GET", "overview").json()
        me = self._call("GET", "whoami").json()
        tags = me.get("tags", [])
        tags = tags if isinstance(tags, list) else tags.split(",")
        if "administrator" not in tags:
            raise BrokerError(f"user {self.broker.username!r} is not a RabbitMQ administrator; "
                              "AMQP_URL must name one (it creates the vhost and users)")
        return overview.get("rabbitmq_version", "?")

    def ensure_vhost(self, vhost: str) -> None:
        self._call("PUT", f"vhosts/{quote(vhost, safe='')}", json={})

    def delete_vhost(self, vhost: str) -> None:
        self._call("DELETE", f"vhosts/{quote(vhost, safe='')}", ok=(200, 204, 404))

    def ensure_user(self, username: str, password: str) -> None:
        self._call("PUT", f"users/{quote(username, safe='')}",
                   json={"password": password, "tags": ""})

    def delete_user(self, username: str) -> None:
        self._call("DELETE", f"users/{quote(username, safe='')}", ok=(200, 204, 404))

    def set_permissions(self, vhost: str, username: str, configure: str, write: str,
                        read: str) -> None:
        self._call("PUT", f"permissions/{quote(vhost, safe='')}/{quote(username, safe='')}",
                   json={"configure": configure, "write": write, "read": read})

    def set_topic_permissions(self, vhost: str, username: str, exchange: str, write: str,
                              read: str) -> None:
        self._call("PUT", f"topic-permissions/{quote(vhost, safe='')}/{quote(username, safe='')}",
                   json={"exchange": exchange, "write": write, "read": read})

    def set_user_limits(self, username: str, limits: dict[str, int]) -> None:
        """A connection beyond max-connections is refused at login; a channel beyond
        max-channels closes the connection (NOT_ALLOWED)."""
        for name, value in limits.items():
            self._call("PUT", f"user-limits/{quote(username, safe='')}/{name}",
                       json={"value": value})

    def set_policy(self, vhost: str, name: str, policy: dict) -> None:
        self._call("PUT", f"policies/{quote(vhost, safe='')}/{quote(name, safe='')}", json=policy)


def provision(broker: Broker, vhost: str, credentials: dict) -> None:
    """Vhost, users, permissions, policy and topology for ``credentials`` (see credentials.py)."""
    api = Management(broker)
    api.check()
    api.ensure_vhost(vhost)
    # The administrator from AMQP_URL keeps full rights on our vhost (tests and operators use it).
    api.set_permissions(vhost, broker.username, ".*", ".*", ".*")
    services = credentials["services"]
    api.ensure_user(services["amqp_username"], services["amqp_password"])
    api.set_permissions(vhost, services["amqp_username"], ".*", ".*", ".*")
    if "gateway" in credentials:
        gateway = credentials["gateway"]
        provision_gateway(api, vhost, gateway["amqp_username"], gateway["amqp_password"])
    for code, entry in sorted(credentials["provinces"].items()):
        provision_province(api, vhost, code, entry["amqp_username"], entry["amqp_password"])
    for code, entry in sorted(credentials.get("agencies", {}).items()):
        if "amqp_username" in entry:
            provision_agency(api, vhost, code, entry["amqp_username"], entry["amqp_password"])
    api.set_policy(vhost, POLICY_NAME, retry_policy())
    api.set_policy(vhost, UNBOUNDED_POLICY_NAME, unbounded_policy())
    with broker.connection(vhost, services["amqp_username"], services["amqp_password"],
                           connect_timeout=10) as conn:
        declare_topology(conn)


def provision_gateway(api: Management, vhost: str, username: str, password: str) -> None:
    """The gateway's own user, least privilege (gateway_rights.py): nameko RPC to the services
    through its own reply queues, and on ``reports`` only its own route ``gateway.report.*``
    (contracts/reports.py): the broker refuses it ``report.<code>.*`` - it can never pass for a
    province - and the provinces' topic permissions refuse them its route. It can neither read
    nor delete the intake or any queue or exchange of the topology."""
    api.ensure_user(username, password)
    api.set_permissions(vhost, username, *GATEWAY_PERMISSIONS)
    for exchange, write, read in GATEWAY_TOPIC_PERMISSIONS:
        api.set_topic_permissions(vhost, username, exchange, write, read)


def provision_province(api: Management, vhost: str, code: str, username: str,
                       password: str) -> None:
    """DESIGN 3.3: write only to ``reports``, only ``report.<code>.*``; no configure, no read."""
    provision_sender(api, vhost, username, password, province_topic_pattern(code))


def provision_agency(api: Management, vhost: str, code: str, username: str,
                     password: str) -> None:
    """An implementing agency (extension): write only to ``reports``, only
    ``report.<code>.project`` - the broker refuses any other routing key (ACCESS_REFUSED)."""
    provision_sender(api, vhost, username, password, agency_topic_pattern(code))


def provision_sender(api: Management, vhost: str, username: str, password: str,
                     topic_pattern: str) -> None:
    api.ensure_user(username, password)
    api.set_permissions(vhost, username, "^$", f"^{re.escape(REPORTS_EXCHANGE)}$", "^$")
    api.set_topic_permissions(vhost, username, REPORTS_EXCHANGE, topic_pattern, "^$")
    api.set_user_limits(username, SENDER_LIMITS)

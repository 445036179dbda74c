"""Provisioning of the project's vhost on RabbitMQ, through the management HTTP API.

Idempotent: run at every start. It creates only what is ours - the vhost, a services user, the
gateway's user, one user per province (and implementing agency), their permissions and our
policy - and never touches other vhosts or users.
"""
from __future__ import annotations

import re
from urllib.parse import quote

import requests
from kombu import Connection

from services.contracts.reports import (GATEWAY_TOPIC_PATTERN, REPORTS_EXCHANGE,
                                        agency_topic_pattern, province_topic_pattern)
from services.infra.topology import declare_topology, retry_policy, unbounded_policy

from .settings import Broker

POLICY_NAME = "cluster-planning-retries"
UNBOUNDED_POLICY_NAME = "cluster-planning-unbounded"  # RabbitMQ 4.x: intake and parked unlimited


class BrokerError(RuntimeError):
    """The broker cannot be used; the message says why and what to do."""


class Management:
    def __init__(self, broker: Broker, timeout: float = 10):
        self.broker = broker
        self.session = requests.Session()
        self.session.auth = (broker.username, broker.password)
        self.timeout = timeout

    def _call(self, method: str, path: str, json=None, ok=(200, 201, 204)):
        url = f"{self.broker.management_url}/api/{path}"
        try:
            response = self.session.request(method, url, json=json, timeout=self.timeout)
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
    with Connection(broker.amqp_uri(vhost, services["amqp_username"],
                                    services["amqp_password"]), connect_timeout=10) as conn:
        declare_topology(conn)


def provision_gateway(api: Management, vhost: str, username: str, password: str) -> None:
    """The gateway's own user: nameko RPC as any service (configure, write, read), but on
    ``reports`` only its own route ``gateway.report.*`` (contracts/reports.py): the broker
    refuses it ``report.<code>.*`` - it can never pass for a province - and the provinces'
    topic permissions refuse them its route."""
    api.ensure_user(username, password)
    api.set_permissions(vhost, username, ".*", ".*", ".*")
    api.set_topic_permissions(vhost, username, REPORTS_EXCHANGE, GATEWAY_TOPIC_PATTERN, "^$")


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

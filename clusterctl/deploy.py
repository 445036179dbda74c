"""Running on a cluster of machines (deploy/compose, deploy/k8s; docs/operations.md).

- ``clusterctl secrets DIR``: the secrets a deployment needs, generated once and never rotated
  by a second run (rotation is a deliberate operation, docs/operations.md):
  ``credentials.json`` (API keys, one AMQP login per province, the services' and the gateway's
  logins: the operator's and outside systems' file, mounted into no service),
  ``service-credentials.json`` (what the gateway needs of it: the API keys' SHA-256 and the
  public amqp_url; no AMQP login or password at all - the gateway's key file),
  ``definitions.json`` (what RabbitMQ loads at boot: the vhost, every user with a salted
  SHA-256 hash of its password, permissions, topic permissions, the retry policy),
  ``services.env`` (the services' environment: their own AMQP login over TLS, amqps://…:5671
  with AMQP_CA_FILE the broker's CA as mounted, MongoDB, SMTP) and ``gateway.env`` (the same
  with the gateway's own AMQP login instead). Mode 600. Provinces are handed
  amqps://<public host>:5671 (``--public-amqp-host``, else ``--amqp-host``): the deployments
  publish no plain AMQP port.
- ``clusterctl serve SERVICE``: one ``nameko run`` process of a service, configured from the
  environment (the same settings as ``make run``, README "Configuration"): what a container runs.
- ``clusterctl load-reference``: loads the clusters and provinces (REFERENCE_CSV) into the plans
  service over RPC, once per deployment and again when the reference data changes (a version
  already loaded is left as it is): the one-shot job beside the services.
- ``clusterctl probe SERVICE``: exit 0 while that process's event loop is alive (its heartbeat
  file is fresh): the containers' liveness and readiness check.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import yaml

from services.contracts.reports import (REPORTS_EXCHANGE, agency_topic_pattern,
                                        province_topic_pattern)
from services.infra.topology import retry_policy, unbounded_policy
from services.infra.files import write_private

from .broker import POLICY_NAME, SENDER_LIMITS, UNBOUNDED_POLICY_NAME
from .gateway_rights import GATEWAY_PERMISSIONS, GATEWAY_TOPIC_PERMISSIONS
from .credentials import SERVICE_CREDENTIALS, ensure_credentials
from .runner import SERVICE_CLASSES, nameko_argv, service_config
from .settings import Settings, SettingsError

HEARTBEAT_INTERVAL_S = 5
HEARTBEAT_STALE_S = 30  # six beats missed: the hub is blocked or the process hangs
DEFAULT_HEARTBEAT_DIR = "/tmp/cluster-planning-heartbeat"
OPERATOR_USER = "cluster-planning-operator"
AMQPS_PORT = 5671
DEPLOY_CA_FILE = "/run/secrets/rabbitmq-ca"  # where compose.yaml and deploy/k8s mount the CA


def password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's ``rabbit_password_hashing_sha256``: base64(salt + sha256(salt + password))."""
    salt = salt if salt is not None else secrets.token_bytes(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode("utf-8")).digest()).decode()


def definitions(creds: dict, vhost: str) -> dict:
    """RabbitMQ definitions for the credentials: the same rights ``make run`` provisions
    through the management API (clusterctl/broker.py), as a file loaded at boot."""
    def user(name, password, tags=""):
        return {"name": name, "password_hash": password_hash(password),
                "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": tags}

    operator, services, gateway = creds["broker_operator"], creds["services"], creds["gateway"]
    users = [user(operator["username"], operator["password"], "administrator"),
             user(services["amqp_username"], services["amqp_password"]),
             user(gateway["amqp_username"], gateway["amqp_password"])]
    permissions = [{"user": u["name"], "vhost": vhost, "configure": ".*", "write": ".*",
                    "read": ".*"} for u in users[:2]]
    # the gateway: RPC and its own route on reports only (gateway_rights.py, as provisioned)
    permissions.append({"user": gateway["amqp_username"], "vhost": vhost,
                        **dict(zip(("configure", "write", "read"), GATEWAY_PERMISSIONS))})
    topic_permissions = [{"user": gateway["amqp_username"], "vhost": vhost, "exchange": exchange,
                          "write": write, "read": read}
                         for exchange, write, read in GATEWAY_TOPIC_PERMISSIONS]
    senders = [(entry, province_topic_pattern(code))
               for code, entry in sorted(creds["provinces"].items())]
    senders += [(entry, agency_topic_pattern(code))  # implementing agencies (extension)
                for code, entry in sorted(creds.get("agencies", {}).items())
                if "amqp_username" in entry]
    for entry, pattern in senders:
        # the same connection and channel limits provisioning sets (clusterctl/broker.py)
        users.append({**user(entry["amqp_username"], entry["amqp_password"]),
                      "limits": dict(SENDER_LIMITS)})
        permissions.append({"user": entry["amqp_username"], "vhost": vhost, "configure": "^$",
                            "write": f"^{re.escape(REPORTS_EXCHANGE)}$", "read": "^$"})
        topic_permissions.append({"user": entry["amqp_username"], "vhost": vhost,
                                  "exchange": REPORTS_EXCHANGE, "write": pattern, "read": "^$"})
    return {
        "rabbit_version": "3.10.8", "users": users, "vhosts": [{"name": vhost}],
        "permissions": permissions, "topic_permissions": topic_permissions,
        "policies": [{"vhost": vhost, "name": name, **policy}
                     for name, policy in ((POLICY_NAME, retry_policy()),
                                          (UNBOUNDED_POLICY_NAME, unbounded_policy()))],
        # The exchanges and queues are declared by the services at start (topology.py).
        "exchanges": [], "queues": [], "bindings": [], "parameters": [], "global_parameters": [],
    }


def write_secrets(directory: Path, clusters: list[dict], amqp_host: str, vhost: str,
                  mongo_url: str, smtp_url: str, public_url: str,
                  public_amqp_host: str | None = None) -> list[Path]:
    """The five files of a deployment in ``directory``; an existing credentials.json is kept
    (its secrets are in use), the others follow from it."""
    directory.mkdir(parents=True, exist_ok=True)
    public_amqp = f"amqps://{public_amqp_host or amqp_host}:{AMQPS_PORT}/{quote(vhost, safe='')}"
    creds = ensure_credentials(directory / "credentials.json", public_amqp, clusters)
    if "broker_operator" not in creds:
        creds["broker_operator"] = {"username": OPERATOR_USER,
                                    "password": secrets.token_urlsafe(24)}
        write_private(directory / "credentials.json",
                      json.dumps(creds, ensure_ascii=False, indent=2) + "\n")
    write_private(directory / "definitions.json",
                  json.dumps(definitions(creds, vhost), ensure_ascii=False, indent=2) + "\n")
    for login, name in ((creds["services"], "services.env"), (creds["gateway"], "gateway.env")):
        amqp = (f"amqps://{quote(login['amqp_username'], safe='')}:"
                f"{quote(login['amqp_password'], safe='')}@{amqp_host}:{AMQPS_PORT}/"
                f"{quote(vhost, safe='')}")
        env = {"AMQP_URL": amqp, "AMQP_CA_FILE": DEPLOY_CA_FILE, "AMQP_VHOST": vhost,
               "MONGO_URL": mongo_url, "SMTP_URL": smtp_url, "PUBLIC_URL": public_url}
        write_private(directory / name, "".join(f"{k}={v}\n" for k, v in env.items()))
    return [directory / name for name in ("credentials.json", SERVICE_CREDENTIALS,
                                          "definitions.json", "services.env", "gateway.env")]


def own_login(settings: Settings) -> dict:
    """In a container AMQP_URL is the services' own login (the broker's definitions made it;
    there is no provisioning step): the credentials the runner's helpers expect."""
    return {"services": {"amqp_username": settings.broker.username,
                         "amqp_password": settings.broker.password}}


def serve(service: str, env=os.environ) -> int:
    """Replace this process with ``nameko run`` of ``service``, its config from ``env``."""
    if service not in SERVICE_CLASSES:
        raise SettingsError(f"unknown service {service!r}; one of {', '.join(SERVICE_CLASSES)}")
    settings = Settings.from_env(env)
    config = service_config(settings, own_login(settings), service)
    config["SERVICE_CREDENTIALS_PATH"] = env.get("SERVICE_CREDENTIALS_PATH") or \
        str(settings.service_credentials_path)
    if env.get("ISSUED_KEYS_PATH"):
        config["ISSUED_KEYS_PATH"] = env["ISSUED_KEYS_PATH"]
    config["HEARTBEAT_DIR"] = env.get("HEARTBEAT_DIR") or DEFAULT_HEARTBEAT_DIR
    config["METRICS_PORT"] = settings.metrics_port  # one service per container: the port as is
    handle, path = tempfile.mkstemp(prefix=f"cluster-planning-{service}-", suffix=".yaml")
    with os.fdopen(handle, "w", encoding="utf-8") as out:  # mkstemp: mode 600, it holds a password
        yaml.safe_dump(config, out, allow_unicode=True, sort_keys=False)
    argv = nameko_argv(Path(path), service)
    os.execv(argv[0], argv)
    return 1  # not reached


def load_reference(env=os.environ) -> str:
    """``clusterctl load-reference``: the clusters and the shipped national hierarchy, as make
    run loads them (runner.load_reference_data); idempotent."""
    from nameko.standalone.rpc import ClusterRpcProxy

    from .runner import load_reference_data, rpc_config, wait_for

    settings = Settings.from_env(env)
    with ClusterRpcProxy(rpc_config(settings, own_login(settings)), timeout=30) as rpc:
        wait_for(lambda: rpc.plans.health() == "ok", "the plans service to answer", None)
        return "\n".join(load_reference_data(rpc, settings))


def probe(service: str, env=os.environ, now: float | None = None) -> tuple[bool, str]:
    """Is the service's process alive? Its heartbeat file must be younger than
    HEARTBEAT_STALE_S. A broker outage is not a reason to restart it (nameko reconnects)."""
    path = Path(env.get("HEARTBEAT_DIR") or DEFAULT_HEARTBEAT_DIR) / service
    try:
        age = (now if now is not None else time.time()) - path.stat().st_mtime
    except FileNotFoundError:
        return False, f"{service}: no heartbeat at {path} yet (starting, or not running)"
    if age > HEARTBEAT_STALE_S:
        return False, f"{service}: last heartbeat {age:.0f} s ago (over {HEARTBEAT_STALE_S} s)"
    return True, f"{service}: alive (heartbeat {age:.0f} s ago)"


def main_probe(service: str) -> int:
    alive, said = probe(service)
    print(said, file=sys.stdout if alive else sys.stderr)
    return 0 if alive else 1

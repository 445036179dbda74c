"""deploy/compose and deploy/Dockerfile, checked without a Docker engine: the Compose file
against the Compose specification's JSON schema (as check-jsonschema ships it), and what it
runs against what the code really has - each service's command names a service clusterctl
serves, its health check probes that same service, and the image holds what it copies."""
from __future__ import annotations

import importlib
import json
import re
from importlib import resources

import jsonschema
import pytest
import yaml

from clusterctl.deploy import write_secrets
from clusterctl.reference import load_clusters
from clusterctl.runner import SERVICE_CLASSES
from clusterctl.settings import REPO_ROOT, Settings

pytestmark = pytest.mark.deploy

COMPOSE = REPO_ROOT / "deploy" / "compose" / "compose.yaml"
DOCKERFILE = REPO_ROOT / "deploy" / "Dockerfile"
IMAGE = "ghcr.io/cluster-planning/cluster-planning:0.1.0"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text("utf-8"))


def app_services(compose: dict) -> dict[str, dict]:
    """The Compose services that run our image as a long-lived service."""
    return {name: svc for name, svc in compose["services"].items()
            if svc.get("image") == IMAGE and svc.get("restart") != "no"}


def test_the_compose_file_is_valid_against_the_compose_specification(compose):
    schema = json.loads(resources.files("check_jsonschema.builtin_schemas.vendor")
                        .joinpath("compose-spec.json").read_text("utf-8"))
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(compose),
                    key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                                 for e in errors[:10])


def test_each_service_runs_exactly_what_clusterctl_serves(compose):
    services = app_services(compose)
    assert set(services) == set(SERVICE_CLASSES), "one Compose service per nameko service"
    for name, svc in services.items():
        assert svc["command"] == ["python", "-m", "clusterctl", "serve", name]
        # GET /ready on METRICS_PORT through bash's /dev/tcp: no Python started per check
        # (run against a real probe port in tests/unit/test_metrics.py)
        test = svc["healthcheck"]["test"]
        assert test[:3] == ["CMD", "bash", "-c"] and "python" not in test[3], test
        port = int((svc.get("environment") or {}).get("METRICS_PORT") or 0)
        assert f"/dev/tcp/127.0.0.1/{port}" in test[3] and "GET /ready " in test[3], (name, port)
        module, _, cls = SERVICE_CLASSES[name].partition(":")
        assert getattr(importlib.import_module(module), cls).name == name
        assert svc["restart"] == "unless-stopped" and svc["read_only"] is True
        assert svc["user"] == "10001:10001"
        limits = svc["deploy"]["resources"]["limits"]
        assert limits["cpus"] and limits["memory"]
    assert compose["services"]["load-reference"]["command"] == [
        "python", "-m", "clusterctl", "load-reference"]
    assert compose["services"]["reporting"]["deploy"]["replicas"] >= 2
    assert compose["services"]["notify"]["deploy"]["replicas"] >= 2


def test_every_other_container_has_a_health_check_or_is_a_one_shot_job(compose):
    for name, svc in compose["services"].items():
        if svc.get("restart") == "no":
            continue
        assert svc.get("healthcheck", {}).get("test"), name
        assert svc.get("restart") == "unless-stopped", name
        assert svc.get("deploy", {}).get("resources", {}).get("limits"), name
    for name, svc in compose["services"].items():
        image = svc.get("image", "")
        assert image == IMAGE or re.search(r":v?\d+\.\d+\.\d+", image), \
            f"{name}: image {image!r} is not pinned to a version"


def test_rabbitmq_loads_the_definitions_clusterctl_writes_and_mongo_is_a_replica_set(compose):
    rabbit = compose["services"]["rabbitmq"]
    conf = (COMPOSE.parent / "rabbitmq" / "rabbitmq.conf").read_text("utf-8")
    loaded = re.search(r"^load_definitions = (\S+)", conf, re.M).group(1)
    assert rabbit["secrets"][0] == {"source": "definitions", "target": loaded}
    assert compose["secrets"]["definitions"]["file"] == "./secrets/definitions.json"
    members = [n for n in compose["services"] if n.startswith("mongo-") and n != "mongo-init"]
    assert len(members) == 3
    for name in members:
        assert compose["services"][name]["command"][:3] == ["mongod", "--replSet", "rs0"]
    init = " ".join(compose["services"]["mongo-init"]["command"])
    assert all(f'host: "{name}:27017"' in init for name in members)
    assert "secrets/" in (COMPOSE.parent / ".gitignore").read_text()  # never committed


def test_only_tls_amqp_leaves_the_host_with_certificates_from_secrets(compose, tmp_path):
    rabbit = compose["services"]["rabbitmq"]
    published = [str(p) for p in rabbit["ports"]]
    assert "5671:5671" in published
    for port in published:  # nothing else but on loopback: no plain AMQP, management local
        assert port == "5671:5671" or port.startswith("127.0.0.1:"), port
    conf = (COMPOSE.parent / "rabbitmq" / "rabbitmq.conf").read_text("utf-8")
    setting = dict(re.findall(r"^(\S+) = (.+)$", conf, re.M))
    assert setting["listeners.tcp"] == "none" and setting["listeners.ssl.default"] == "5671"
    assert setting["ssl_options.verify"] == "verify_peer"
    assert int(setting["max_message_size"]) <= 16 * 1024 * 1024
    mounted = {s if isinstance(s, str) else s["source"]: s for s in rabbit["secrets"]}
    for name in ("rabbitmq-ca", "rabbitmq-cert", "rabbitmq-key"):  # compose: /run/secrets/NAME
        assert mounted[name] == name and compose["secrets"][name]["file"].startswith("./secrets/")
    assert (setting["ssl_options.cacertfile"], setting["ssl_options.certfile"],
            setting["ssl_options.keyfile"]) == tuple(
        f"/run/secrets/{n}" for n in ("rabbitmq-ca", "rabbitmq-cert", "rabbitmq-key"))
    # the services reach it by amqps:// with that CA, and provinces are handed amqps:// too
    write_secrets(tmp_path, load_clusters(Settings.from_env({}).reference_csv), "rabbitmq",
                  "cluster-planning", "mongodb://m/x", "smtp://mail:25", "https://p.example",
                  public_amqp_host="amqp.example.go.th")
    env = dict(line.split("=", 1) for line in (tmp_path / "services.env").read_text().splitlines())
    assert env["AMQP_URL"].startswith("amqps://") and "@rabbitmq:5671/" in env["AMQP_URL"]
    assert env["AMQP_CA_FILE"] == "/run/secrets/rabbitmq-ca"
    for name, svc in app_services(compose).items():
        assert "rabbitmq-ca" in svc["secrets"], name
    creds = json.loads((tmp_path / "credentials.json").read_text())
    assert creds["amqp_url"] == "amqps://amqp.example.go.th:5671/cluster-planning"


def test_the_image_is_multi_stage_non_root_pinned_and_copies_what_exists():
    text = DOCKERFILE.read_text("utf-8")
    stages = re.findall(r"^FROM (\S+)", text, re.M)
    assert len(stages) >= 2
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)", text, re.M).group(1)
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+", base)
    assert re.search(r"^USER 10001", text, re.M)
    for source in re.findall(r"^COPY (?!--from)(\S+) ", text, re.M):
        assert (REPO_ROOT / source).exists(), source
    assert json.loads(re.search(r"^CMD (.+)$", text, re.M).group(1))[:4] == [
        "python", "-m", "clusterctl", "serve"]


def test_the_image_installs_the_runtime_lock_with_hashes():
    """The image's packages are make run's: requirements/runtime.txt (tests/deploy/test_packaging
    checks that lock against pyproject.toml)."""
    text = DOCKERFILE.read_text("utf-8")
    copied = re.search(r"^COPY requirements/runtime\.txt (\S+)$", text, re.M)
    assert copied, "the Dockerfile must copy requirements/runtime.txt"
    install = re.search(r"^RUN .*pip install (.+)$", text, re.M).group(1)
    assert "--require-hashes" in install and f"-r {copied.group(1)}" in install
    assert "requirements.txt" not in text


def test_nginx_serves_https_in_front_of_the_gateways_with_its_secrets(compose):
    """(tests/e2e/test_https_proxy.py runs the same template in front of a real gateway.)"""
    proxy = compose["services"]["proxy"]
    template = COMPOSE.parent / "proxy" / "templates" / "default.conf.template"
    assert proxy["volumes"] == ["./proxy/templates:/etc/nginx/templates:ro"] and template.exists()
    text = template.read_text()
    used = set(re.findall(r"\$\{(\w+)\}", text))
    assert used == set(proxy["environment"]), "every ${…} given, nothing else"
    assert proxy["environment"]["GATEWAY_UPSTREAM"] == "gateway:8000"
    assert proxy["ports"] == [f"80:{proxy['environment']['HTTP_PORT']}",
                              f"443:{proxy['environment']['HTTPS_PORT']}"]
    for name in ("https-cert", "https-key"):
        assert name in proxy["secrets"] and proxy["environment"][
            "TLS_CERT" if name == "https-cert" else "TLS_KEY"] == f"/run/secrets/{name}"
    assert "listen ${HTTPS_PORT} ssl;" in text and "proxy_pass http://gateways;" in text
    assert "return 301 https://" in text  # plain HTTP only says where HTTPS is


def test_no_container_is_given_credentials_json_and_the_gateway_has_its_own_login(compose):
    """credentials.json holds the provinces' AMQP passwords: no service may read it (issue 25)."""
    files = {name: spec.get("file", "") for name, spec in compose["secrets"].items()}
    assert not [name for name, path in files.items() if path.endswith("/credentials.json")]
    services = app_services(compose)
    for name, service in services.items():
        given = [s if isinstance(s, str) else s["source"] for s in service.get("secrets", [])]
        env = service.get("environment") or {}
        assert "CREDENTIALS_PATH" not in env, name
        if name == "gateway":
            assert given == ["service-credentials", "rabbitmq-ca"]
            assert service["env_file"] == ["secrets/gateway.env"]
            assert env["SERVICE_CREDENTIALS_PATH"] == "/run/secrets/service-credentials.json"
        else:
            assert given == ["rabbitmq-ca"], name  # AMQP_CA_FILE: amqps:// only (TLS)
            assert service["env_file"] == ["secrets/services.env"], name

"""deploy/k8s, checked without a cluster (deploy/k8s/README.md).

Every YAML document is validated against Kubernetes 1.37's own OpenAPI schemas, strictly (an
unknown or misplaced field fails), by kubernetes-validate. Then the manifests are checked
against each other and against the code they run: one Deployment per service of
``clusterctl.runner.SERVICE_CLASSES`` running ``clusterctl serve`` and probed by HTTP GETs of
``/live`` and ``/ready`` on its METRICS_PORT; the queues the autoscalers watch exist in
``services/infra/topology.py``; every Secret, ConfigMap, volume claim and ServiceAccount a pod
uses exists, or is one the README tells the operator to create; no secret value is committed.
Nothing is started: ``clusterctl serve``/``probe`` themselves are tested with the image.

Why one module of ~900 lines: the checks read the same parsed manifests against each other, and
an operator changing a manifest finds every check of it here.
"""
from __future__ import annotations

import importlib
import re
import shlex
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qs, urlsplit

import kubernetes_validate
import pytest
import yaml

from clusterctl.runner import SERVICE_CLASSES
from services.infra import topology

pytestmark = pytest.mark.deploy

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
EXAMPLES = K8S / "examples"
README = K8S / "README.md"
K8S_VERSION = "1.37.0"
NAMESPACE = "cluster-planning"
IMAGE = "ghcr.io/cluster-planning/cluster-planning:0.1.0"
APP_UID = 10001
CONFIG = "cluster-planning-config"
ENV_SECRET = "cluster-planning-env"
GATEWAY_ENV_SECRET = "cluster-planning-gateway-env"  # gateway.env: the gateway's own AMQP login
CONFIG_KEYS = {  # the services' settings the other deployment files (Compose, image) agree on
    "GATEWAY_HOST": "0.0.0.0", "GATEWAY_PORT": "8000", "AMQP_VHOST": "cluster-planning",
    "SERVICE_CREDENTIALS_PATH": "/etc/cluster-planning/service-credentials.json",
    "ISSUED_KEYS_PATH": "/var/lib/cluster-planning/api-keys.json",
    "HEARTBEAT_DIR": "/tmp/heartbeat",
}
SECRET_KEYS = {"AMQP_URL", "MONGO_URL", "SMTP_URL"}
# rabbitmq.conf keys RabbitMQ 4.3 knows and acts on (checked against its config schemas): a
# node refuses to boot on an unknown key, so a new one is added here only after checking it.
# Not here: what 4.x accepts and ignores (the 3.x peer discovery keys, ignored since 4.1;
# cluster_partition_handling, since 4.3) and the deprecated queue_master_locator. The TLS
# listener and message size keys are 4.x's too and were booted on the local 3.10.8
# (tests/tls, PrivateBroker).
RABBITMQ_KEYS = {
    "cluster_formation.peer_discovery_backend", "cluster_formation.k8s.ordinal_start",
    "cluster_formation.k8s.seed_node", "queue_leader_locator", "load_definitions",
    "listeners.tcp.default", "management.tcp.port", "prometheus.tcp.port",
    "prometheus.return_per_object_metrics", "total_memory_available_override_value",
    "vm_memory_high_watermark.relative", "disk_free_limit.absolute", "log.console",
    "log.console.level", "log.file",
    # TLS and the message size limit
    "listeners.tcp", "listeners.ssl.default", "ssl_options.cacertfile", "ssl_options.certfile",
    "ssl_options.keyfile", "ssl_options.verify", "ssl_options.fail_if_no_peer_cert",
    "max_message_size",
}
RABBITMQ_IMAGE = r"rabbitmq:4\.3\.\d+-management"  # docs/operations.md "RabbitMQ 4.x"
# What the namespace's Pod Security level "restricted" allows.
RESTRICTED_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                      "persistentVolumeClaim", "projected", "secret"}
POD_TEMPLATE_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}


# ---- loading ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Doc:
    path: Path
    body: dict

    @property
    def kind(self) -> str:
        return str(self.body.get("kind", "?"))

    @property
    def name(self) -> str:
        return str((self.body.get("metadata") or {}).get("name", "?"))

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(REPO)}: {self.kind}/{self.name}"

    @property
    def example(self) -> bool:
        return self.path.name.endswith(".example.yaml")

    @property
    def applied(self) -> bool:
        """Created by `kubectl apply -f deploy/k8s/` (which does not read sub-directories)."""
        return self.path.parent == K8S


def _load() -> tuple[list[Doc], list[str]]:
    docs, errors = [], []
    for path in sorted(K8S.glob("*.yaml")) + sorted(EXAMPLES.glob("*.yaml")):
        try:
            bodies = list(yaml.safe_load_all(path.read_text("utf-8")))
        except yaml.YAMLError as exc:
            errors.append(f"{path.relative_to(REPO)}: not YAML: {exc}")
            continue
        for body in bodies:
            if body is None:
                continue
            if not isinstance(body, dict):
                errors.append(f"{path.relative_to(REPO)}: a document is not a mapping")
                continue
            docs.append(Doc(path, body))
    return docs, errors


DOCS, LOAD_ERRORS = _load()
APPLIED = [d for d in DOCS if d.applied]


def of_kind(kind: str) -> list[Doc]:
    return [d for d in APPLIED if d.kind == kind]


def one(kind: str, name: str) -> Doc:
    found = [d for d in of_kind(kind) if d.name == name]
    assert len(found) == 1, f"expected one {kind}/{name} in deploy/k8s/*.yaml, found {len(found)}"
    return found[0]


def pod_spec(doc: Doc) -> dict:
    return doc.body["spec"]["template"]["spec"]


def pod_labels(doc: Doc) -> dict:
    return doc.body["spec"]["template"].get("metadata", {}).get("labels") or {}


def workloads() -> list[Doc]:
    return [d for d in APPLIED if d.kind in POD_TEMPLATE_KINDS]


def containers(spec: dict) -> list[dict]:
    return list(spec.get("initContainers") or []) + list(spec.get("containers") or [])


def selects(selector: dict | None, labels: dict) -> bool:
    """A LabelSelector (matchLabels/matchExpressions) or a Service's plain selector."""
    if not selector:
        return False
    if "matchLabels" not in selector and "matchExpressions" not in selector:
        selector = {"matchLabels": selector}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def served_service(doc: Doc) -> str | None:
    """The service a Deployment runs: the last word of `clusterctl serve <service>`."""
    command = pod_spec(doc)["containers"][0].get("command") or []
    return command[4] if len(command) == 5 and command[:4] == SERVE else None


def config_data() -> dict:
    return one("ConfigMap", CONFIG).body.get("data") or {}


def example_env() -> dict:
    found = [d for d in DOCS if d.example and d.kind == "Secret" and d.name == ENV_SECRET]
    assert found, f"no example of Secret {ENV_SECRET} in deploy/k8s/examples/*.example.yaml"
    return found[0].body.get("stringData") or {}


SERVE = ["python", "-m", "clusterctl", "serve"]


_UNITS = {"": 1, "m": Fraction(1, 1000), "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
          "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def quantity(value) -> Fraction:
    match = re.fullmatch(r"([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?", str(value))
    assert match, f"unreadable resource quantity {value!r}"
    return Fraction(match.group(1)) * _UNITS[match.group(2) or ""]


def readme_secrets() -> dict[str, set[str] | None]:
    """The Secrets deploy/k8s/README.md tells the operator to create (`kubectl … create secret
    <type> <name> …`), with the keys the command gives them (None: from an env file, any)."""
    text = README.read_text("utf-8").replace("\\\n", " ")
    secrets: dict[str, set[str] | None] = {}
    for line in text.splitlines():
        match = re.search(
            r"\bcreate secret (generic|tls|docker-registry) ([a-z0-9][a-z0-9.-]*)(.*)", line)
        if not match:
            continue
        kind, name, rest = match.groups()
        keys: set[str] | None = set()
        if kind == "tls":
            keys = {"tls.crt", "tls.key"}
        elif kind == "docker-registry":
            keys = {".dockerconfigjson"}
        for word in shlex.split(rest.split("|")[0]):
            option, _, value = word.partition("=")
            if option == "--from-env-file":
                keys = None
            elif option == "--from-literal" and keys is not None:
                keys.add(value.partition("=")[0])
            elif option == "--from-file" and keys is not None:
                key, sep, path = value.partition("=")
                keys.add(key if sep else PurePosixPath(value).name)
        previous = secrets.get(name, set())
        secrets[name] = None if keys is None or previous is None else previous | keys
    return secrets


def report(problems: list[str]) -> None:
    """Fail with every problem found, one per line, without a traceback."""
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


# ---- files and schemas -----------------------------------------------------------------------

def test_every_file_parses_and_is_in_apply_order():
    problems = list(LOAD_ERRORS)
    names = sorted(p.name for p in K8S.glob("*.yaml"))
    for name in names:
        if name.endswith(".example.yaml"):
            problems.append(f"deploy/k8s/{name}: examples go in deploy/k8s/examples/, which "
                            "`kubectl apply -f deploy/k8s/` does not read (an example Secret "
                            "would overwrite the real one)")
        elif not re.fullmatch(r"\d{2}-[a-z0-9-]+\.yaml", name):
            problems.append(f"deploy/k8s/{name}: not numbered NN-name.yaml (the apply order)")
    first = [d for d in APPLIED if d.path.name == names[0]] if names else []
    if [d.kind for d in first] != ["Namespace"] or first[0].name != NAMESPACE:
        problems.append(f"the first file ({names[0] if names else 'none'}) must hold only the "
                        f"Namespace {NAMESPACE}, so that it is created before what goes in it")
    seen = {}
    for doc in APPLIED:
        key = (doc.kind, doc.name)
        if key in seen:
            problems.append(f"{doc.where}: also defined in {seen[key].relative_to(REPO)}")
        seen[key] = doc.path
        if doc.kind != "Namespace" and doc.body.get("metadata", {}).get("namespace") != NAMESPACE:
            problems.append(f"{doc.where}: metadata.namespace must be {NAMESPACE}")
    report(problems)


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: f"{d.path.name}:{d.kind}/{d.name}")
def test_matches_the_kubernetes_schema(doc):
    problem = None
    try:
        kubernetes_validate.validate(doc.body, K8S_VERSION, strict=True)
    except kubernetes_validate.ValidationError as exc:
        at = ".".join(str(p) for p in exc.path) or "(the top level)"
        problem = f"{doc.where}: at {at}: {exc.message} (Kubernetes {K8S_VERSION} schema, strict)"
    except (kubernetes_validate.SchemaNotFoundError, kubernetes_validate.InvalidSchemaError) as exc:
        problem = f"{doc.where}: {exc.message}"
    if problem:  # outside the except: the schema error's own repr is pages long
        pytest.fail(problem, pytrace=False)


# ---- the services ----------------------------------------------------------------------------

def test_one_deployment_per_service_running_clusterctl_serve():
    problems, by_service = [], defaultdict(list)
    for doc in of_kind("Deployment"):
        spec = pod_spec(doc)
        if len(spec["containers"]) != 1:
            problems.append(f"{doc.where}: one container per service pod, not "
                            f"{len(spec['containers'])}")
        container = spec["containers"][0]
        service = served_service(doc)
        if service not in SERVICE_CLASSES:
            problems.append(f"{doc.where}: command {container.get('command')} is not "
                            f"{SERVE + ['<service>']} with a service of "
                            f"clusterctl.runner.SERVICE_CLASSES ({', '.join(SERVICE_CLASSES)})")
            continue
        by_service[service].append(doc.name)
        if doc.name != service or container["name"] != service:
            problems.append(f"{doc.where}: runs {service}; name the Deployment and its container "
                            f"{service!r}")
        if container.get("image") != IMAGE:
            problems.append(f"{doc.where}: image {container.get('image')!r}, not {IMAGE!r}")
        if container.get("args"):
            problems.append(f"{doc.where}: args {container['args']} would be appended to the command")
    for service in SERVICE_CLASSES:
        if len(by_service[service]) != 1:
            problems.append(f"service {service}: {len(by_service[service])} Deployments "
                            f"({', '.join(by_service[service]) or 'none'}); exactly one expected")
    report(problems)


@pytest.mark.parametrize("service", sorted(SERVICE_CLASSES))
def test_the_service_class_named_for_the_deployment_exists(service):
    module_name, _, class_name = SERVICE_CLASSES[service].partition(":")
    module = importlib.import_module(module_name)
    cls = getattr(module, class_name, None)
    assert cls is not None, f"SERVICE_CLASSES[{service!r}]: {module_name} has no {class_name}"
    assert getattr(cls, "name", None) == service, (
        f"SERVICE_CLASSES[{service!r}] = {SERVICE_CLASSES[service]}, whose name is "
        f"{getattr(cls, 'name', None)!r}: `clusterctl serve {service}` would run another service")


def test_probes_are_http_gets_of_live_and_ready_on_the_metrics_port():
    """No probe starts a Python interpreter (~0.5 s of CPU and 48 MB each): liveness is GET
    /live, readiness GET /ready, both on the container port METRICS_PORT names."""
    problems = []
    port = int(config_data().get("METRICS_PORT", "0"))
    if not port:
        problems.append("01-config.yaml: no METRICS_PORT (the services' probe port)")
    for doc in of_kind("Deployment"):
        service = served_service(doc)
        if service is None:
            continue  # reported by test_one_deployment_per_service_running_clusterctl_serve
        container = pod_spec(doc)["containers"][0]
        named = {p.get("name"): p["containerPort"] for p in container.get("ports") or []}
        for kind, path in (("livenessProbe", "/live"), ("readinessProbe", "/ready")):
            get = (container.get(kind) or {}).get("httpGet") or {}
            target = named.get(get.get("port"), get.get("port"))
            if get.get("path") != path or target != port:
                problems.append(f"{doc.where}: {kind} must be httpGet {path} on port {port} "
                                f"(METRICS_PORT), not {container.get(kind)}")
        for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
            if "exec" in (container.get(kind) or {}):
                problems.append(f"{doc.where}: {kind} execs a command")
    report(problems)


def test_each_service_runs_two_or_more_and_has_a_disruption_budget():
    problems = []
    hpas = {d.body["spec"]["scaleTargetRef"]["name"]: d for d in of_kind("HorizontalPodAutoscaler")
            if d.body["spec"]["scaleTargetRef"].get("kind") == "Deployment"}
    pdbs = of_kind("PodDisruptionBudget")
    for doc in of_kind("Deployment"):
        spec = doc.body["spec"]
        if doc.name in hpas:
            if "replicas" in spec:
                problems.append(f"{doc.where}: scaled by {hpas[doc.name].where}, so no "
                                "spec.replicas (every `kubectl apply` would reset the scaled-out "
                                "count to it)")
            least = hpas[doc.name].body["spec"].get("minReplicas", 1)
            how = f"its autoscaler's minReplicas {least}"
        else:
            least = spec.get("replicas", 1)
            how = f"replicas {least}"
        if least < 2:
            problems.append(f"{doc.where}: {how}; every service runs two or more")
        covering = [p for p in pdbs if selects(p.body["spec"].get("selector"), pod_labels(doc))]
        if not covering:
            problems.append(f"{doc.where}: no PodDisruptionBudget selects its pods")
        for pdb in covering:
            floor = pdb.body["spec"].get("minAvailable")
            if isinstance(floor, int) and floor >= least:
                problems.append(f"{pdb.where}: minAvailable {floor} with {how} would block every "
                                "node drain")
        if not selects(spec.get("selector"), pod_labels(doc)):
            problems.append(f"{doc.where}: spec.selector does not match the pod template's labels")
        for labels, where in ((doc.body["metadata"].get("labels") or {}, "metadata.labels"),
                              (pod_labels(doc), "the pod template's labels")):
            for key in ("app.kubernetes.io/name", "app.kubernetes.io/component"):
                if key not in labels:
                    problems.append(f"{doc.where}: {where} lack {key}")
        if pod_spec(doc).get("terminationGracePeriodSeconds") != 30:
            problems.append(f"{doc.where}: terminationGracePeriodSeconds must be 30")
    report(problems)


def test_every_pod_is_limited_and_runs_unprivileged():
    """Resources and the namespace's Pod Security level "restricted", for every workload."""
    problems = []
    for doc in workloads():
        spec = pod_spec(doc)
        pod_security = spec.get("securityContext") or {}
        if spec.get("enableServiceLinks") is not False:
            problems.append(f"{doc.where}: set enableServiceLinks: false (the Service 'gateway' "
                            "would otherwise put GATEWAY_PORT=tcp://… into the environment)")
        for volume in spec.get("volumes") or []:
            kinds = set(volume) - {"name"}
            if not kinds <= RESTRICTED_VOLUMES:
                problems.append(f"{doc.where}: volume {volume['name']} of type "
                                f"{', '.join(sorted(kinds))} is not allowed by Pod Security "
                                "'restricted'")
        for container in containers(spec):
            where = f"{doc.where}: container {container['name']}"
            security = {**pod_security, **(container.get("securityContext") or {})}
            resources = container.get("resources") or {}
            for bound in ("requests", "limits"):
                missing = {"cpu", "memory"} - set(resources.get(bound) or {})
                if missing:
                    problems.append(f"{where}: no {bound} for {', '.join(sorted(missing))}")
            for resource in ("cpu", "memory"):
                request = (resources.get("requests") or {}).get(resource)
                limit = (resources.get("limits") or {}).get(resource)
                if request is not None and limit is not None and quantity(request) > quantity(limit):
                    problems.append(f"{where}: {resource} request {request} above its limit {limit}")
            if security.get("runAsNonRoot") is not True:
                problems.append(f"{where}: runAsNonRoot must be true")
            if security.get("runAsUser", 1) == 0:
                problems.append(f"{where}: runAsUser 0 is root")
            if container.get("image") == IMAGE and security.get("runAsUser") != APP_UID:
                problems.append(f"{where}: the image's user is {APP_UID}, not "
                                f"{security.get('runAsUser')}")
            own = container.get("securityContext") or {}
            if own.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: allowPrivilegeEscalation must be false")
            if "ALL" not in (own.get("capabilities") or {}).get("drop", []):
                problems.append(f"{where}: capabilities must drop ALL")
            seccomp = (security.get("seccompProfile") or {}).get("type")
            if seccomp not in ("RuntimeDefault", "Localhost"):
                problems.append(f"{where}: seccompProfile must be RuntimeDefault")
            if own.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{where}: readOnlyRootFilesystem must be true")
    report(problems)


def test_the_services_can_write_where_their_settings_point():
    """A read-only root file system: HEARTBEAT_DIR must be on a writable emptyDir, the gateway's
    SERVICE_CREDENTIALS_PATH on its Secret (never credentials.json, mounted nowhere), its own
    AMQP login, ISSUED_KEYS_PATH on a ReadWriteMany claim."""
    problems = []
    data = config_data()
    for key, value in CONFIG_KEYS.items():
        if data.get(key) != value:
            problems.append(f"ConfigMap {CONFIG}: {key} is {data.get(key)!r}, the services and "
                            f"the image expect {value!r}")
    if not data.get("PUBLIC_URL", "").startswith("https://"):
        problems.append(f"ConfigMap {CONFIG}: PUBLIC_URL {data.get('PUBLIC_URL')!r} is not the "
                        "https:// address the Ingress serves")
    claims = {d.name: d for d in of_kind("PersistentVolumeClaim")}
    for doc in of_kind("Deployment"):
        service = served_service(doc)
        spec = pod_spec(doc)
        volumes = {v["name"]: v for v in spec.get("volumes") or []}
        container = spec["containers"][0]
        refs = [(e.get("secretRef") or {}).get("name") or (e.get("configMapRef") or {}).get("name")
                for e in container.get("envFrom") or []]
        env_secret = GATEWAY_ENV_SECRET if service == "gateway" else ENV_SECRET
        if refs != [env_secret, CONFIG]:
            problems.append(f"{doc.where}: envFrom must be Secret {env_secret} then ConfigMap "
                            f"{CONFIG} (the ConfigMap wins for a key in both), not {refs}")
        for volume in volumes.values():
            if (volume.get("secret") or {}).get("secretName") == "cluster-planning-credentials":
                problems.append(f"{doc.where}: mounts credentials.json (the provinces' AMQP "
                                "passwords); no service may")

        def mount_of(path):
            mounts = [m for m in container.get("volumeMounts") or []
                      if PurePosixPath(path).is_relative_to(m["mountPath"])]
            return max(mounts, key=lambda m: len(m["mountPath"]), default=None)

        heartbeat = mount_of(data.get("HEARTBEAT_DIR", "/tmp/heartbeat"))
        if (not heartbeat or "emptyDir" not in volumes.get(heartbeat["name"], {})
                or heartbeat.get("readOnly")):
            problems.append(f"{doc.where}: HEARTBEAT_DIR {data.get('HEARTBEAT_DIR')} is not on a "
                            "writable emptyDir (the root file system is read-only)")
        if service != "gateway":
            continue
        path = data.get("SERVICE_CREDENTIALS_PATH", "")
        credentials = mount_of(path)
        secret = volumes.get(credentials["name"], {}).get("secret") if credentials else None
        file_name = PurePosixPath(path).name
        if not secret or secret.get("secretName") != "cluster-planning-service-credentials" or \
                not any(item["key"] == "service-credentials.json" and item["path"] == file_name
                        for item in secret.get("items") or [{"key": file_name, "path": file_name}]):
            problems.append(f"{doc.where}: SERVICE_CREDENTIALS_PATH {path} is not key "
                            "service-credentials.json of Secret cluster-planning-service-credentials")
        keys = mount_of(data.get("ISSUED_KEYS_PATH", ""))
        claim = None
        if keys:
            claim = (volumes.get(keys["name"], {}).get("persistentVolumeClaim") or {}).get("claimName")
        if not claim or keys.get("readOnly"):
            problems.append(f"{doc.where}: ISSUED_KEYS_PATH {data.get('ISSUED_KEYS_PATH')} is not "
                            "on a writable persistent volume")
        elif claim not in claims or \
                "ReadWriteMany" not in claims[claim].body["spec"].get("accessModes", []):
            problems.append(f"{doc.where}: claim {claim} must be a ReadWriteMany "
                            "PersistentVolumeClaim in deploy/k8s (every gateway replica writes it)")
    report(problems)


def test_the_gateway_is_reachable_through_its_service_and_ingress():
    problems = []
    port = int(config_data()["GATEWAY_PORT"])
    gateway = one("Deployment", "gateway")
    ports = {p.get("name"): p["containerPort"]
             for p in pod_spec(gateway)["containers"][0].get("ports") or []}
    if port not in ports.values():
        problems.append(f"{gateway.where}: no containerPort {port} (GATEWAY_PORT)")
    services = {d.name: d for d in of_kind("Service")}
    for ingress in of_kind("Ingress"):
        for rule in ingress.body["spec"].get("rules") or []:
            for path in (rule.get("http") or {}).get("paths") or []:
                backend = path["backend"]["service"]
                service = services.get(backend["name"])
                if service is None:
                    problems.append(f"{ingress.where}: backend Service {backend['name']} does "
                                    "not exist")
                    continue
                wanted = backend["port"].get("name") or backend["port"].get("number")
                match = [p for p in service.body["spec"]["ports"]
                         if wanted in (p.get("name"), p["port"])]
                target = match[0].get("targetPort", match[0]["port"]) if match else None
                if not match:
                    problems.append(f"{ingress.where}: {service.where} has no port {wanted}")
                elif not selects(service.body["spec"].get("selector"), pod_labels(gateway)):
                    problems.append(f"{ingress.where}: {service.where} does not select the "
                                    "gateway's pods")
                elif ports.get(target, target) != port:
                    problems.append(f"{service.where}: port {wanted} does not reach the gateway's "
                                    f"port {port}")
    assert of_kind("Ingress"), "no Ingress for the gateway"
    report(problems)


# ---- autoscaling -----------------------------------------------------------------------------

def hpa_queues(doc: Doc) -> tuple[set[str], list[str]]:
    queues, problems = set(), []
    for metric in doc.body["spec"].get("metrics") or []:
        if metric.get("type") != "External":
            continue
        selector = metric["external"]["metric"].get("selector") or {}
        if metric["external"]["metric"]["name"] != "rabbitmq_queue_messages_ready":
            problems.append(f"{doc.where}: external metric {metric['external']['metric']['name']}"
                            " is not rabbitmq_queue_messages_ready")
        vhost = (selector.get("matchLabels") or {}).get("vhost")
        if vhost != config_data().get("AMQP_VHOST"):
            problems.append(f"{doc.where}: selector vhost {vhost!r} is not AMQP_VHOST "
                            f"{config_data().get('AMQP_VHOST')!r}")
        if "queue" in (selector.get("matchLabels") or {}):
            queues.add(selector["matchLabels"]["queue"])
        for expr in selector.get("matchExpressions") or []:
            if expr["key"] == "queue":
                if expr["operator"] != "In":
                    problems.append(f"{doc.where}: queue selector operator {expr['operator']}, not In")
                queues.update(expr.get("values") or [])
    return queues, problems


def test_autoscalers_target_deployments_and_their_own_queues():
    problems = []
    deployments = {d.name: d for d in of_kind("Deployment")}
    known = {q.name for q in topology.all_queues()}
    notify_queues = {s.queue_name for s in topology.SUBSCRIPTIONS if s.consumer == "notify"}
    hpas = of_kind("HorizontalPodAutoscaler")
    assert {d.body["spec"]["scaleTargetRef"]["name"] for d in hpas} == {"reporting", "notify"}, (
        f"autoscalers for reporting and notify expected, found for "
        f"{sorted(d.body['spec']['scaleTargetRef']['name'] for d in hpas)}")
    for doc in hpas:
        spec = doc.body["spec"]
        target = spec["scaleTargetRef"]
        deployment = deployments.get(target["name"])
        if (target.get("kind"), target.get("apiVersion")) != ("Deployment", "apps/v1") \
                or deployment is None:
            problems.append(f"{doc.where}: scaleTargetRef {target} is not a Deployment in deploy/k8s")
            continue
        service = served_service(deployment)
        if not 2 <= spec.get("minReplicas", 1) <= spec["maxReplicas"]:
            problems.append(f"{doc.where}: minReplicas {spec.get('minReplicas', 1)} must be 2 or "
                            f"more and not above maxReplicas {spec['maxReplicas']}")
        queues, found = hpa_queues(doc)
        problems += found
        if not queues:
            problems.append(f"{doc.where}: no queue selected")
        for queue in sorted(queues - known):
            problems.append(f"{doc.where}: queue {queue!r} is not in "
                            "services.infra.topology.all_queues()")
        for queue in sorted(q for q in queues & known if not q.startswith(f"{service}.")):
            problems.append(f"{doc.where}: queue {queue!r} is not one {service} consumes")
        if service == "notify" and queues != notify_queues:
            problems.append(f"{doc.where}: must watch every notify queue of topology.SUBSCRIPTIONS;"
                            f" missing {sorted(notify_queues - queues)}, extra "
                            f"{sorted(queues - notify_queues)}")
    report(problems)


# ---- RabbitMQ and MongoDB --------------------------------------------------------------------

def rabbitmq_conf(config_map: Doc) -> dict[str, str]:
    conf = {}
    for line in (config_map.body.get("data") or {}).get("rabbitmq.conf", "").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, sep, value = line.partition("=")
            assert sep, f"{config_map.where}: rabbitmq.conf line {line!r} is not key = value"
            conf[key.strip()] = value.strip()
    return conf


def test_rabbitmq_is_three_clustered_nodes_loading_the_definitions():
    problems = []
    sts = one("StatefulSet", "rabbitmq")
    spec = pod_spec(sts)
    container = next(c for c in spec["containers"] if c["name"] == "rabbitmq")
    if sts.body["spec"].get("replicas") != 3:
        problems.append(f"{sts.where}: replicas {sts.body['spec'].get('replicas')}, not 3")
    for c in containers(spec):
        if not re.fullmatch(RABBITMQ_IMAGE, c.get("image", "")):
            problems.append(f"{sts.where}: container {c['name']} image {c.get('image')!r} is not "
                            "a pinned rabbitmq:4.3.x-management")
    # The configuration: which ConfigMap and Secret end up in /etc/rabbitmq.
    mount = next((m for m in container.get("volumeMounts") or []
                  if m["mountPath"] == "/etc/rabbitmq"), None)
    assert mount, f"{sts.where}: nothing mounted at /etc/rabbitmq"
    volume = next(v for v in spec["volumes"] if v["name"] == mount["name"])
    files = {}  # path under /etc/rabbitmq -> (kind, name, key)
    sources = (volume.get("projected") or {}).get("sources") or [
        {k: v for k, v in volume.items() if k in ("configMap", "secret")}]
    for source in sources:
        for kind, ref in source.items():
            name = ref.get("name") or ref.get("secretName")
            for item in ref.get("items") or []:
                files[item["path"]] = (kind, name, item["key"])
    if "rabbitmq.conf" not in files or files["rabbitmq.conf"][0] != "configMap":
        problems.append(f"{sts.where}: /etc/rabbitmq/rabbitmq.conf does not come from a ConfigMap")
        conf, plugins = {}, ""
    else:
        config_map = one("ConfigMap", files["rabbitmq.conf"][1])
        conf = rabbitmq_conf(config_map)
        plugins_key = files.get("enabled_plugins", ("", "", ""))[2]
        plugins = (config_map.body.get("data") or {}).get(plugins_key, "")
    for key in sorted(set(conf) - RABBITMQ_KEYS):
        problems.append(f"rabbitmq.conf: {key} is not among the keys checked against RabbitMQ "
                        "4.3 (RABBITMQ_KEYS); a node does not boot with an unknown key, and "
                        "one 4.3 ignores misleads")
    definitions = conf.get("load_definitions", "")
    if not definitions.startswith("/etc/rabbitmq/"):
        problems.append(f"rabbitmq.conf: load_definitions {definitions!r}: the definitions "
                        "`clusterctl secrets` wrote are not loaded at boot")
    elif files.get(definitions.removeprefix("/etc/rabbitmq/")) != (
            "secret", "rabbitmq-definitions", "definitions.json"):
        problems.append(f"{sts.where}: {definitions} (load_definitions) is not key "
                        "definitions.json of Secret rabbitmq-definitions")
    expected = {
        "cluster_formation.peer_discovery_backend": "rabbit_peer_discovery_k8s",
        "queue_leader_locator": "balanced",
        "prometheus.return_per_object_metrics": "true",  # the autoscalers' per-queue series
    }
    for key, value in expected.items():
        if conf.get(key) != value:
            problems.append(f"rabbitmq.conf: {key} = {conf.get(key)!r}, expected {value!r}")
    wanted_plugins = {"rabbitmq_management", "rabbitmq_peer_discovery_k8s", "rabbitmq_prometheus"}
    listed = set(re.findall(r"[a-z_0-9]+", plugins))
    if not wanted_plugins <= listed:
        problems.append(f"enabled_plugins {plugins.strip()!r} lacks {sorted(wanted_plugins - listed)}")
    env = {e["name"]: e.get("value") for e in container.get("env") or []}
    # 4.1+ peer discovery: each node joins the one named like itself with the ordinal 0
    node = f"rabbit@$(MY_POD_NAME).{sts.body['spec']['serviceName']}.$(MY_POD_NAMESPACE).svc.cluster.local"
    if env.get("RABBITMQ_NODENAME") != node or env.get("RABBITMQ_USE_LONGNAME") != "true":
        problems.append(f"{sts.where}: RABBITMQ_NODENAME must be {node} with "
                        "RABBITMQ_USE_LONGNAME=true (what peer discovery looks for)")
    for kind in ("livenessProbe", "readinessProbe"):
        command = (container.get(kind) or {}).get("exec", {}).get("command") or [""]
        if command[0] != "rabbitmq-diagnostics":
            problems.append(f"{sts.where}: {kind} must run rabbitmq-diagnostics, not {command}")
    # Peer discovery: the headless Service names the nodes (not-ready ones too, while they
    # start); 4.1+ asks no Kubernetes API, so the pods hold no token and no Role.
    headless = one("Service", sts.body["spec"]["serviceName"]).body["spec"]
    if headless.get("clusterIP") != "None" or headless.get("publishNotReadyAddresses") is not True:
        problems.append(f"Service {sts.body['spec']['serviceName']}: must be headless "
                        "(clusterIP: None) and publishNotReadyAddresses: true")
    account = spec.get("serviceAccountName", "default")
    if spec.get("automountServiceAccountToken") is not False:
        problems.append(f"{sts.where}: the RabbitMQ pods need no Kubernetes API token")
    for binding in of_kind("RoleBinding"):
        if any(s.get("kind") == "ServiceAccount" and s.get("name") == account
               for s in binding.body.get("subjects") or []):
            problems.append(f"{binding.where}: grants ServiceAccount {account} rights it does "
                            "not use")
    if not any(selects(p.body["spec"]["selector"], pod_labels(sts))
               and p.body["spec"].get("maxUnavailable") == 1 for p in of_kind("PodDisruptionBudget")):
        problems.append(f"{sts.where}: no PodDisruptionBudget with maxUnavailable 1 selects it")
    # The services' AMQP_URL reaches it.
    amqp = urlsplit(example_env().get("AMQP_URL", ""))
    client = one("Service", "rabbitmq")
    if (amqp.hostname != f"{client.name}.{NAMESPACE}.svc"
            or amqp.port not in [p["port"] for p in client.body["spec"]["ports"]]
            or amqp.path != f"/{config_data()['AMQP_VHOST']}"):
        problems.append(f"examples/secret-env.example.yaml: AMQP_URL must be amqps://…@"
                        f"{client.name}.{NAMESPACE}.svc:5671/{config_data()['AMQP_VHOST']}")
    report(problems)


def test_amqp_is_tls_only_and_only_5671_leaves_the_cluster():
    """The broker listens for AMQP over TLS only, with the certificate from Secret rabbitmq-tls;
    the services connect by amqps:// checked with the CA (Secret rabbitmq-ca, AMQP_CA_FILE);
    the one Service reachable from outside exposes 5671 and nothing else."""
    problems = []
    conf = rabbitmq_conf(one("ConfigMap", "rabbitmq-config"))
    if conf.get("listeners.tcp") != "none" or conf.get("listeners.ssl.default") != "5671":
        problems.append("rabbitmq.conf: AMQP must be TLS only (listeners.tcp = none, "
                        "listeners.ssl.default = 5671)")
    sts = one("StatefulSet", "rabbitmq")
    volume = next(v for v in pod_spec(sts)["volumes"] if v["name"] == "config")
    mounted = {item["path"]: (ref["name"], item["key"]) for source in volume["projected"]["sources"]
               for ref in source.values() for item in ref.get("items") or []}
    for setting, key in (("cacertfile", "ca.crt"), ("certfile", "tls.crt"), ("keyfile", "tls.key")):
        path = conf.get(f"ssl_options.{setting}", "").removeprefix("/etc/rabbitmq/")
        if mounted.get(path) != ("rabbitmq-tls", key):
            problems.append(f"ssl_options.{setting}: not key {key} of Secret rabbitmq-tls")
    if int(conf.get("max_message_size", 134217728)) > 16 * 1024 * 1024:
        problems.append("rabbitmq.conf: max_message_size above 16 MiB (the default is 128 MiB)")
    env = example_env()
    if not env.get("AMQP_URL", "").startswith("amqps://"):
        problems.append("examples/secret-env.example.yaml: AMQP_URL must be amqps://")
    for doc in [*of_kind("Deployment"), *of_kind("Job")]:
        if "clusterctl" not in str(pod_spec(doc)["containers"][0].get("command")):
            continue  # MongoDB's initiation: not ours
        spec = pod_spec(doc)
        volumes = {v["name"]: v for v in spec.get("volumes") or []}
        for c in spec["containers"]:
            mount = next((m for m in c.get("volumeMounts") or []
                          if m["mountPath"] == env.get("AMQP_CA_FILE")), None)
            source = volumes.get(mount["name"], {}).get("secret", {}) if mount else {}
            if source.get("secretName") != "rabbitmq-ca" or mount.get("subPath") != "ca.crt":
                problems.append(f"{doc.where}: {c['name']} has no CA (Secret rabbitmq-ca, key "
                                f"ca.crt) at AMQP_CA_FILE {env.get('AMQP_CA_FILE')}")
    for service in of_kind("Service"):
        spec = service.body["spec"]
        if spec.get("type") in ("LoadBalancer", "NodePort") and \
                spec.get("selector", {}).get("app.kubernetes.io/name") == "rabbitmq":
            if [p["port"] for p in spec["ports"]] != [5671]:
                problems.append(f"{service.where}: exposes {[p['port'] for p in spec['ports']]} "
                                "outside the cluster; only 5671 (AMQP over TLS)")
    if not any(s.body["spec"].get("type") == "LoadBalancer" for s in of_kind("Service")
               if s.body["spec"].get("selector", {}).get("app.kubernetes.io/name") == "rabbitmq"):
        problems.append("no LoadBalancer Service for the provinces' AMQP over TLS")
    report(problems)


def test_mongodb_is_a_three_member_replica_set_initiated_once():
    problems = []
    sts = one("StatefulSet", "mongo")
    spec = pod_spec(sts)
    replicas = sts.body["spec"].get("replicas")
    if replicas != 3:
        problems.append(f"{sts.where}: replicas {replicas}, not 3")
    mongod = spec["containers"][0]
    command = (mongod.get("command") or []) + (mongod.get("args") or [])
    set_name = command[command.index("--replSet") + 1] if "--replSet" in command[:-1] else None
    if set_name is None or "--bind_ip_all" not in command:
        problems.append(f"{sts.where}: mongod must run with --replSet <name> --bind_ip_all, "
                        f"not {command}")
    if not re.fullmatch(r"mongo:7\.0\.\d+", mongod.get("image", "")):
        problems.append(f"{sts.where}: image {mongod.get('image')!r} is not a pinned mongo:7.0.x")
    service = one("Service", sts.body["spec"]["serviceName"]).body["spec"]
    if service.get("clusterIP") != "None":
        problems.append(f"Service {sts.body['spec']['serviceName']}: must be headless (the "
                        "members' names)")
    members = [f"{sts.name}-{i}.{sts.body['spec']['serviceName']}:27017" for i in range(replicas or 0)]
    url = urlsplit(example_env().get("MONGO_URL", ""))
    if url.netloc.split(",") != members or parse_qs(url.query).get("replicaSet") != [set_name]:
        problems.append(f"examples/secret-env.example.yaml: MONGO_URL {url.geturl()!r} must name "
                        f"{','.join(members)} and replicaSet={set_name}")
    if not any(selects(p.body["spec"]["selector"], pod_labels(sts))
               for p in of_kind("PodDisruptionBudget")):
        problems.append(f"{sts.where}: no PodDisruptionBudget selects it")
    # The Job that initiates the set: its script names the set and every member.
    jobs = [d for d in of_kind("Job") if any("mongosh" in (c.get("command") or [""])[0]
                                             for c in pod_spec(d)["containers"])]
    if len(jobs) != 1:
        problems.append("one Job running mongosh to initiate the replica set expected, found "
                        f"{len(jobs)}")
    for job in jobs:
        job_spec = pod_spec(job)
        config_maps = {v["name"]: v["configMap"]["name"]
                       for v in job_spec.get("volumes") or [] if "configMap" in v}
        script = ""
        for mount in job_spec["containers"][0].get("volumeMounts") or []:
            if mount["name"] in config_maps:
                data = one("ConfigMap", config_maps[mount["name"]]).body.get("data") or {}
                script += "".join(data.values())
        for needed in [f'"{set_name}"', *(f'"{m}"' for m in members), "replSetInitiate"]:
            if needed not in script:
                problems.append(f"{job.where}: its script does not contain {needed}")
        if "ttlSecondsAfterFinished" not in job.body["spec"]:
            problems.append(f"{job.where}: no ttlSecondsAfterFinished (a finished Job's template "
                            "cannot change: a later apply with a new image would fail)")
    report(problems)


# ---- references between the files ------------------------------------------------------------

def references(doc: Doc) -> list[tuple[str, str, str | None]]:
    """(kind, name, key or None) of every Secret, ConfigMap, claim and ServiceAccount a
    manifest uses."""
    refs = []
    if doc.kind == "Ingress":
        refs += [("Secret", t["secretName"], None) for t in doc.body["spec"].get("tls") or []
                 if t.get("secretName")]
    if doc.kind not in POD_TEMPLATE_KINDS:
        return refs
    spec = pod_spec(doc)
    refs.append(("ServiceAccount", spec.get("serviceAccountName", "default"), None))
    refs += [("Secret", s["name"], ".dockerconfigjson") for s in spec.get("imagePullSecrets") or []]
    for volume in spec.get("volumes") or []:
        sources = list((volume.get("projected") or {}).get("sources") or []) + [volume]
        for source in sources:
            for kind, field in (("configMap", "name"), ("secret", "secretName"), ("secret", "name")):
                ref = source.get(kind)
                if ref and ref.get(field):
                    items = ref.get("items") or [{"key": None}]
                    refs += [("ConfigMap" if kind == "configMap" else "Secret", ref[field], i["key"])
                             for i in items]
        if "persistentVolumeClaim" in volume:
            refs.append(("PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"], None))
    for container in containers(spec):
        for env_from in container.get("envFrom") or []:
            for kind, field in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                if field in env_from:
                    refs.append((kind, env_from[field]["name"], None))
        for env in container.get("env") or []:
            source = env.get("valueFrom") or {}
            for kind, field in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
                if field in source:
                    refs.append((kind, source[field]["name"], source[field]["key"]))
    return refs


def test_every_secret_configmap_and_claim_used_exists_or_is_made_by_the_operator():
    problems = []
    manifests = {(d.kind, d.name): d for d in APPLIED}
    operator = readme_secrets()
    used_operator_secrets = set()
    for doc in APPLIED:
        for kind, name, key in references(doc):
            if kind == "ServiceAccount" and name == "default":
                continue
            if (kind, name) in manifests:
                data = {**(manifests[kind, name].body.get("data") or {}),
                        **(manifests[kind, name].body.get("binaryData") or {})}
                if key is not None and kind == "ConfigMap" and key not in data:
                    problems.append(f"{doc.where}: uses key {key} of ConfigMap {name}, which has "
                                    f"only {sorted(data)}")
            elif kind == "Secret" and name in operator:
                used_operator_secrets.add(name)
                keys = operator[name]
                if key is not None and keys is not None and key not in keys:
                    problems.append(f"{doc.where}: uses key {key} of Secret {name}, but the "
                                    f"README's `kubectl create secret` gives it {sorted(keys)}")
            else:
                problems.append(f"{doc.where}: uses {kind} {name}, which is neither a manifest in "
                                "deploy/k8s/*.yaml nor"
                                + (" a `kubectl create secret` of deploy/k8s/README.md"
                                   if kind == "Secret" else " made by anything else"))
    for name in sorted(set(operator) - used_operator_secrets):
        problems.append(f"deploy/k8s/README.md: creates Secret {name}, which no manifest uses")
    example_keys = set(example_env())
    if not SECRET_KEYS <= example_keys:
        problems.append(f"examples/secret-env.example.yaml: {ENV_SECRET} lacks "
                        f"{sorted(SECRET_KEYS - example_keys)}")
    report(problems)


def test_services_and_policies_select_pods_that_exist():
    problems = []
    pods = [(d, pod_labels(d)) for d in workloads()]
    for service in of_kind("Service"):
        selector = service.body["spec"].get("selector")
        chosen = [d for d, labels in pods if selects(selector, labels)]
        if not chosen:
            problems.append(f"{service.where}: its selector {selector} matches no pod template")
        for port in service.body["spec"].get("ports") or []:
            target = port.get("targetPort", port["port"])
            offered = [p for d in chosen for c in pod_spec(d)["containers"]
                       for p in c.get("ports") or []]
            if chosen and not any(target in (p.get("name"), p["containerPort"]) for p in offered):
                problems.append(f"{service.where}: targetPort {target} is no container port of "
                                f"{', '.join(d.name for d in chosen)}")
    for doc in of_kind("StatefulSet"):
        if ("Service", doc.body["spec"]["serviceName"]) not in {(d.kind, d.name) for d in APPLIED}:
            problems.append(f"{doc.where}: serviceName {doc.body['spec']['serviceName']} is no Service")
    for pdb in of_kind("PodDisruptionBudget"):
        if not any(selects(pdb.body["spec"].get("selector"), labels) for _, labels in pods):
            problems.append(f"{pdb.where}: selects no pod template")
    mongo_clients = [d for d, _ in pods
                     if any(e.get("secretRef", {}).get("name") == ENV_SECRET
                            for c in containers(pod_spec(d)) for e in c.get("envFrom") or [])
                     or any(c.get("image", "").startswith("mongo:") for c in containers(pod_spec(d)))]
    for policy in of_kind("NetworkPolicy"):
        guarded = [d for d, labels in pods if selects(policy.body["spec"]["podSelector"], labels)]
        if not guarded:
            problems.append(f"{policy.where}: its podSelector matches no pod template")
        if not any(c.get("image", "").startswith("mongo:")
                   for d in guarded for c in pod_spec(d)["containers"]):
            continue
        allowed = [p["podSelector"] for rule in policy.body["spec"].get("ingress") or []
                   for p in rule.get("from") or []
                   if "podSelector" in p and "namespaceSelector" not in p]
        for client in mongo_clients:
            if not any(selects(s, pod_labels(client)) for s in allowed):
                problems.append(f"{policy.where}: {client.where} uses MongoDB but may not reach it")
    report(problems)


# ---- no secret committed ---------------------------------------------------------------------

def test_no_secret_value_is_committed():
    problems = []
    for doc in DOCS:
        if doc.kind != "Secret":
            continue
        values = {**(doc.body.get("data") or {}), **(doc.body.get("stringData") or {})}
        if not doc.example:
            if values:
                problems.append(f"{doc.where}: a committed Secret with data; the operator "
                                "creates it (deploy/k8s/README.md), or make it an *.example.yaml "
                                "in deploy/k8s/examples/ with placeholders")
            continue
        for key, value in (doc.body.get("stringData") or {}).items():
            parts = urlsplit(str(value))
            if parts.password is not None and "CHANGE-ME" not in parts.password:
                problems.append(f"{doc.where}: {key} has a password that is not a CHANGE-ME "
                                "placeholder")
        if doc.body.get("data"):
            problems.append(f"{doc.where}: an example holds readable stringData placeholders, "
                            "not base64 data")
    report(problems)

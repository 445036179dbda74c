"""Real nameko containers on the real RabbitMQ: each test gets a fresh vhost (nameko's
``rabbit_config``), provisioned as production is - province users, topic permissions, policy."""
import json
import uuid

import pytest

from clusterctl.broker import Management, POLICY_NAME, provision_agency, provision_province
from services.contracts.reports import AGENCY_USER_PREFIX
from services.infra.amqp import connection as amqp_connection
from services.infra.topology import declare_topology, retry_policy
from tests.support.system import admin_broker

PROVINCES = ("TH-34", "TH-33", "TH-35", "TH-37")
AGENCIES = ("ubon-tourism", "sisaket-commerce")  # implementing agencies of the sample plan


class Provinces:
    """Province AMQP users of one test vhost - and implementing agencies' (``agency.<code>``),
    named by their agency code - publishing raw bodies with kombu."""

    def __init__(self, vhost: str, prefix: str):
        self.vhost, self.prefix = vhost, prefix
        self.passwords = {code: uuid.uuid4().hex for code in PROVINCES + AGENCIES}

    def username(self, code: str) -> str:
        return self.prefix + (code if code in PROVINCES else AGENCY_USER_PREFIX + code)

    def publish(self, code: str, body, kind: str = "indicator", routing_key: str | None = None,
                **properties) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        with admin_broker().connection(self.vhost, self.username(code), self.passwords[code],
                                       transport_options={"confirm_publish": True}) as conn:
            producer = conn.Producer()
            props = {"user_id": self.username(code), "content_type": "application/json",
                     "delivery_mode": 2, **properties}
            producer.publish(raw, exchange="reports",
                             routing_key=routing_key or f"report.{code}.{kind}",
                             serializer=None, content_encoding="binary", **props)


@pytest.fixture
def provinces(rabbit_config):
    broker = admin_broker()
    api = Management(broker)
    vhost = rabbit_config["vhost"]
    registry = Provinces(vhost, f"it{uuid.uuid4().hex[:6]}-")
    for code in PROVINCES:
        provision_province(api, vhost, code, registry.username(code), registry.passwords[code])
    for code in AGENCIES:
        provision_agency(api, vhost, code, registry.username(code), registry.passwords[code])
    api.set_policy(vhost, POLICY_NAME, retry_policy())
    with amqp_connection(rabbit_config) as conn:  # AMQP_SSL too
        declare_topology(conn)
    yield registry
    for code in PROVINCES + AGENCIES:
        api.delete_user(registry.username(code))


@pytest.fixture
def config(rabbit_config, provinces, tmp_path):
    """The config `make run` writes for each service, on the test vhost; one SQLite per service
    is obtained by giving each service its own STORE_URL through ``config_for``."""
    return {**rabbit_config, "serializer": "json", "AMQP_USER_PREFIX": provinces.prefix,
            "PUBLIC_URL": "http://127.0.0.1:8000", "DATA_DIR": str(tmp_path)}


@pytest.fixture
def config_for(config, tmp_path):
    def make(service: str, **extra) -> dict:
        return {**config, "STORE_URL": f"sqlite:///{tmp_path / (service + '.sqlite3')}", **extra}
    return make

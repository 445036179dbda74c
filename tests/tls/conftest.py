"""A private RabbitMQ node with TLS listeners (AMQP and management) and a CA made for the run,
configured with the deployment's broker limits (deploy/compose/rabbitmq/rabbitmq.conf)."""
from __future__ import annotations

import re

import pytest

from clusterctl.settings import REPO_ROOT
from tests.reliability.broker import PrivateBroker, reap_orphans, unavailable_reason
from tests.support.tls import unavailable_reason as no_openssl

pytestmark = pytest.mark.reliability
DEPLOY_CONF = REPO_ROOT / "deploy" / "compose" / "rabbitmq" / "rabbitmq.conf"


def deployed_max_message_size() -> int:
    return int(re.search(r"^max_message_size = (\d+)$", DEPLOY_CONF.read_text(), re.M).group(1))


@pytest.fixture(scope="package")
def tls_broker():
    reason = unavailable_reason() or no_openssl()
    if reason:
        pytest.skip(reason)
    reap_orphans()
    broker = PrivateBroker(tls=True, conf_lines=(f"max_message_size = {deployed_max_message_size()}",))
    try:
        broker.start()
        yield broker
    finally:
        broker.destroy()

"""Root of the test suite. nameko's fixtures need eventlet's monkey patching before anything
else is imported (NOTES-nameko: plain pytest hangs at the first container test otherwise)."""
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # eventlet's deprecation notice, printed at every import
    import eventlet

eventlet.monkey_patch()

import os  # noqa: E402
from urllib.parse import quote  # noqa: E402

import pytest  # noqa: E402

from clusterctl.settings import DEFAULT_AMQP_URL, Broker  # noqa: E402

BROKER: Broker | None = None  # AMQP_URL's broker, read once at pytest_configure


def pytest_configure(config):
    """Point nameko's fixtures (a fresh vhost per test) at AMQP_URL's broker, as make run does.
    Its first node only: nameko's fixtures parse one URL. With amqps:// the fixtures' URI keeps
    TLS and ``rabbit_config`` below carries the ssl options (AMQP_SSL). An https management API
    is asked by nameko's own client, which has no CA setting: give requests' REQUESTS_CA_BUNDLE
    (AMQP_CA_FILE's path) or RABBIT_MANAGEMENT_URL=http://127.0.0.1:15672 on the broker's host."""
    global BROKER
    BROKER = Broker.from_cluster_url(os.environ.get("AMQP_URL") or DEFAULT_AMQP_URL,
                                     os.environ.get("RABBIT_MANAGEMENT_URL"))
    login = f"{quote(BROKER.username, safe='')}:{quote(BROKER.password, safe='')}"
    if not any(a.startswith("--amqp-uri") for a in config.invocation_params.args):
        scheme = "amqps" if BROKER.tls else "pyamqp"  # kombu's amqps is pyamqp over TLS
        config.option.RABBIT_AMQP_URI = f"{scheme}://{login}@{BROKER.host}:{BROKER.port}/"
    if not any(a.startswith(("--rabbit-api-uri", "--rabbit-ctl-uri")) for a in config.invocation_params.args):
        scheme, _, rest = BROKER.management_url.partition("://")
        config.option.RABBIT_API_URI = f"{scheme}://{login}@{rest}"


@pytest.fixture
def rabbit_config(rabbit_config):
    """nameko's own, plus AMQP_SSL when AMQP_URL is amqps:// (nameko's key: its consumers,
    publishers and RPC proxies, and services/infra/amqp.py, pass it on as ``ssl=``)."""
    ssl_options = BROKER.ssl_options() if BROKER else None
    return {**rabbit_config, "AMQP_SSL": ssl_options} if ssl_options else rabbit_config

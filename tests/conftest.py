"""Root of the test suite. nameko's fixtures need eventlet's monkey patching before anything
else is imported (NOTES-nameko: plain pytest hangs at the first container test otherwise)."""
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # eventlet's deprecation notice, printed at every import
    import eventlet

eventlet.monkey_patch()

import os  # noqa: E402

from clusterctl.settings import DEFAULT_AMQP_URL, Broker  # noqa: E402


def pytest_configure(config):
    """Point nameko's fixtures (a fresh vhost per test) at AMQP_URL's broker, as make run does."""
    broker = Broker.from_url(os.environ.get("AMQP_URL") or DEFAULT_AMQP_URL,
                             os.environ.get("RABBIT_MANAGEMENT_URL"))
    if not any(a.startswith("--amqp-uri") for a in config.invocation_params.args):
        config.option.RABBIT_AMQP_URI = f"pyamqp://{broker.username}:{broker.password}@{broker.host}:{broker.port}/"
    if not any(a.startswith(("--rabbit-api-uri", "--rabbit-ctl-uri")) for a in config.invocation_params.args):
        scheme, _, rest = broker.management_url.partition("://")
        config.option.RABBIT_API_URI = f"{scheme}://{broker.username}:{broker.password}@{rest}"

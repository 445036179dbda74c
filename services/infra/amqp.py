"""Connections to the broker as the service's config describes it: AMQP_URI (amqp:// or amqps://)
and AMQP_SSL, the ssl options clusterctl built from the TLS settings (clusterctl/amqp_tls.py).
Every kombu connection a service opens itself goes through here, so none of them drops TLS."""
from __future__ import annotations

from kombu import Connection


def ssl_of(config) -> dict | None:
    """A copy of AMQP_SSL: kombu writes the host it connects to into the dict it is given."""
    options = config.get("AMQP_SSL")
    return dict(options) if options else None


def connection(config, uri: str | None = None, **kwargs) -> Connection:
    """A kombu connection to AMQP_URI (or ``uri``: the same broker under another login)."""
    return Connection(uri or config["AMQP_URI"], ssl=ssl_of(config), **kwargs)


"""Connections to the broker as the service's config describes it: AMQP_URI (amqp:// or amqps://)
and AMQP_SSL, the ssl options clusterctl built from the TLS settings (clusterctl/amqp_tls.py).
Every kombu connection a service opens itself goes through here, so none of them drops TLS."""
from __future__ import annotations

from urllib.parse import quote, urlsplit, urlunsplit

from kombu import Connection


def ssl_of(config) -> dict | None:
    """A copy of AMQP_SSL: kombu writes the host it connects to into the dict it is given."""
    options = config.get("AMQP_SSL")
    return dict(options) if options else None


def connection(config, uri: str | None = None, **kwargs) -> Connection:
    """A kombu connection to AMQP_URI (or ``uri``: the same broker under another login)."""
    return Connection(uri or config["AMQP_URI"], ssl=ssl_of(config), **kwargs)


def with_login(uri: str, username: str, password: str) -> str:
    """``uri`` under another login: scheme (amqps stays amqps), hosts, ports and vhost kept.
    A failover list (``amqp://h1;amqp://h2``) gets the login on each of its addresses."""
    login = f"{quote(username, safe='')}:{quote(password, safe='')}@"
    out = []
    for one in uri.split(";"):
        parts = urlsplit(one.strip())
        host = parts.netloc.rpartition("@")[2]
        out.append(urlunsplit((parts.scheme, login + host, parts.path, parts.query, "")))
    return ";".join(out)

"""AMQP URLs that name every node of a RabbitMQ cluster.

kombu takes ``"amqp://u:p@h1:5672/v;amqp://u:p@h2:5672/v"`` as one connection that fails over
from node to node (nameko hands its AMQP_URI to kombu as it is); a URL naming one node is the
same thing with one entry.
"""
from __future__ import annotations

from urllib.parse import quote, urlsplit, urlunsplit


def node_urls(amqp_uri: str) -> list[str]:
    return [entry.strip() for entry in amqp_uri.split(";") if entry.strip()]


def with_login(amqp_uri: str | list[str], username: str, password: str) -> str:
    """Every node of ``amqp_uri`` (a ";"-joined string or a list) with this login instead of
    the one it carries, joined with ";" for kombu's failover. The scheme (amqps stays amqps),
    host, port and vhost of each node are kept as written."""
    urls = node_urls(amqp_uri) if isinstance(amqp_uri, str) else amqp_uri
    login = f"{quote(username, safe='')}:{quote(password, safe='')}@"
    out = []
    for url in urls:
        parts = urlsplit(url)
        host = parts.netloc.rpartition("@")[2]  # host:port as written (an IPv6 keeps its [])
        out.append(urlunsplit((parts.scheme, login + host, parts.path, parts.query, "")))
    return ";".join(out)

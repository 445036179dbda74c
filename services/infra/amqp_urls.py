"""AMQP URLs that name every node of a RabbitMQ cluster.

kombu takes ``"amqp://u:p@h1:5672/v;amqp://u:p@h2:5672/v"`` as one connection that fails over
from node to node (nameko hands its AMQP_URI to kombu as it is); a URL naming one node is the
same thing with one entry.
"""
from __future__ import annotations

from urllib.parse import quote, urlsplit


def node_urls(amqp_uri: str) -> list[str]:
    return [entry.strip() for entry in amqp_uri.split(";") if entry.strip()]


def with_login(amqp_uri: str | list[str], username: str, password: str) -> str:
    """Every node of ``amqp_uri`` (a ";"-joined string or a list) with this login instead of
    the one it carries, joined with ";" for kombu's failover."""
    urls = node_urls(amqp_uri) if isinstance(amqp_uri, str) else amqp_uri
    user, pw = quote(username, safe=""), quote(password, safe="")
    out = []
    for url in urls:
        parts = urlsplit(url)
        out.append(f"{parts.scheme}://{user}:{pw}@{parts.hostname}:{parts.port or 5672}{parts.path}")
    return ";".join(out)

"""Which peers may speak for a client: a reverse proxy's X-Forwarded-For/-Proto/-Host are
read (werkzeug's ProxyFix) only on connections from TRUSTED_PROXIES (services/gateway/web.py).
No eventlet here: clusterctl's settings check TRUSTED_PROXIES with it."""
from __future__ import annotations

import ipaddress

from werkzeug.middleware.proxy_fix import ProxyFix

# where a reverse proxy in front of the gateway connects from, unless TRUSTED_PROXIES says
DEFAULT_TRUSTED_PROXIES = ("127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12",
                           "192.168.0.0/16", "fc00::/7")


def proxy_networks(text: str | list | tuple) -> list:
    """TRUSTED_PROXIES: addresses or networks, comma-separated (or a list); empty: the default.
    ValueError names the entry that is neither."""
    items = text.split(",") if isinstance(text, str) else list(text)
    items = [item.strip() for item in items if item.strip()] or list(DEFAULT_TRUSTED_PROXIES)
    networks = []
    for item in items:
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"TRUSTED_PROXIES: {item!r} is not an IP address or network (e.g. "
                             "10.0.0.5 or 10.0.0.0/8) / ไม่ใช่ที่อยู่ IP หรือเครือข่าย") from None
    return networks


def behind_trusted_proxy(app, hops: int, networks: list):
    """``app`` reading the proxy's X-Forwarded-* headers (ProxyFix, ``hops`` of them) on
    connections from ``networks`` only; any other peer's such headers are ignored."""
    fixed = ProxyFix(app, x_for=hops, x_proto=hops, x_host=hops)

    def choose(environ, start_response):
        try:
            peer = ipaddress.ip_address(environ.get("REMOTE_ADDR") or "")
        except ValueError:
            peer = None
        trusted = peer is not None and any(peer in network for network in networks)
        return (fixed if trusted else app)(environ, start_response)
    return choose

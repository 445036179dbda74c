"""nameko's HTTP entrypoint with TCP_NODELAY on the gateway's sockets.

eventlet's WSGI server writes the headers and the body of a response in separate sends; on a
kept-alive connection Nagle's algorithm then holds the body until the client's delayed ACK,
about 40 ms (the bench measured the dashboard at 60 ms kept-alive, 16 ms on new connections).
Linux passes the option from the listening socket to every accepted one.

Behind a reverse proxy (deploy/compose's nginx, an ingress) every request comes from the proxy's
address, so the per-client limits (10 logins a minute) would count the whole country as one
client. ``TRUSTED_PROXY_HOPS=n`` takes the client's address from the last ``n`` entries of
``X-Forwarded-For`` that those proxies appended (werkzeug's ProxyFix); 0, the default, trusts no
header, since a client can send one itself.
"""
from __future__ import annotations

import socket

from nameko.web.handlers import HttpRequestHandler
from werkzeug.middleware.proxy_fix import ProxyFix
from nameko.web.server import HttpOnlyProtocol, WebServer


class NoDelayWebServer(WebServer):
    def get_wsgi_server(self, sock, wsgi_app, protocol=HttpOnlyProtocol, debug=False):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return super().get_wsgi_server(sock, wsgi_app, protocol, debug)

    def get_wsgi_app(self):
        app = super().get_wsgi_app()
        hops = int(self.container.config.get("TRUSTED_PROXY_HOPS") or 0)
        return ProxyFix(app, x_for=hops, x_proto=hops, x_host=hops) if hops else app


class HttpEntrypoint(HttpRequestHandler):
    server = NoDelayWebServer()


http = HttpEntrypoint.decorator

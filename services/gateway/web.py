"""The gateway's HTTP entrypoint: ``@http(method, url)`` on a service method, as nameko's own,
built on public APIs only - nameko's ``Entrypoint``/``SharedExtension``, eventlet's
``eventlet.listen``/``eventlet.wsgi.server`` and werkzeug's routing and ``ProxyFix``.

Why our own and not ``nameko.web``: it is the only way to set two things without overriding
nameko's undocumented internals:
- TCP_NODELAY on the listening socket (Linux passes it to every accepted one). eventlet's WSGI
  server writes a response's headers and body in separate sends; on a kept-alive connection
  Nagle's algorithm then held the body until the client's delayed ACK, about 40 ms (the bench
  measured the dashboard at 60 ms kept-alive, 16 ms on new connections).
- ``TRUSTED_PROXY_HOPS=n``: behind a reverse proxy (deploy/compose's nginx, an ingress) every
  request comes from the proxy's address, so the per-client limits (10 logins a minute) would
  count the whole country as one client. The client's address is then taken from the last
  ``n`` entries of ``X-Forwarded-For`` (werkzeug's ProxyFix); 0, the default, trusts no header,
  since a client can send one itself. With ``n``, X-Forwarded-For/-Proto/-Host are honoured only
  on connections from ``TRUSTED_PROXIES`` (addresses or networks; by default loopback and the
  private ranges, where a proxy beside the gateway sits): a client reaching the gateway directly
  from elsewhere cannot pose as https or as another address. Behind a TLS proxy the request is
  then https (secure cookies, https links and redirects).

A handler returns a werkzeug ``Response``, a string, ``(status, body)`` or ``(status, headers,
body)``; an exception it raises answers 500 (the gateway maps the errors it expects itself).
"""
from __future__ import annotations

import logging
import socket
from functools import partial

import eventlet
import eventlet.wsgi
from eventlet.event import Event
from nameko.extensions import Entrypoint, SharedExtension
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from services.infra.proxies import behind_trusted_proxy, proxy_networks

log = logging.getLogger(__name__)

DEFAULT_ADDRESS = "0.0.0.0:8000"


def bind_address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not (port.isascii() and port.isdigit()) or not 0 < int(port) < 65536:
        raise ValueError(f"WEB_SERVER_ADDRESS={text!r} is not [host:]port")
    return host or "0.0.0.0", int(port)


class WebServer(SharedExtension):
    """One listening socket for the container's ``@http`` entrypoints."""

    def __init__(self):
        super().__init__()
        self.entrypoints: list[HttpEntrypoint] = []
        self.url_map: Map | None = None
        self.listener = None
        self.serving = None
        self.stopping = False  # the container is stopping: new requests get a 503

    def register(self, entrypoint: HttpEntrypoint) -> None:
        self.entrypoints.append(entrypoint)

    def start(self):
        if self.serving is not None:
            return
        config = self.container.config
        self.url_map = Map([Rule(e.url, methods=e.method.split(","), endpoint=e)
                            for e in self.entrypoints])
        self.listener = eventlet.listen(bind_address(config.get("WEB_SERVER_ADDRESS")
                                                     or DEFAULT_ADDRESS))
        self.listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        app = self.wsgi_app
        hops = int(config.get("TRUSTED_PROXY_HOPS") or 0)
        if hops:
            app = behind_trusted_proxy(app, hops, proxy_networks(config.get("TRUSTED_PROXIES") or ""))
        self.serving = self.container.spawn_managed_thread(partial(
            eventlet.wsgi.server, self.listener, app, log=log, log_output=False))

    @property
    def port(self) -> int:
        return self.listener.getsockname()[1]

    def stop(self):
        # eventlet's server closes idle kept-alive connections and waits for the requests in
        # progress (every worker has already finished: nameko stops entrypoints first)
        if self.serving is not None:
            self.serving.kill()
        super().stop()

    def kill(self):
        self.stop()

    def stop_taking(self):
        self.stopping = True

    def wsgi_app(self, environ, start_response):
        request = Request(environ)
        if self.stopping:  # its dependencies are about to stop: send the client elsewhere
            return Response("Service unavailable: stopping\n", status=503,
                            headers={"Retry-After": "5", "Connection": "close"})(
                environ, start_response)
        try:
            entrypoint, values = self.url_map.bind_to_environ(environ).match()
            response = entrypoint.handle(request, values)
        except HTTPException as exc:  # 404, 405
            response = exc.get_response(environ)
        return response(environ, start_response)


class HttpEntrypoint(Entrypoint):
    server = WebServer()
    kind = "http"  # as infra/metrics.py labels it

    def __init__(self, method: str, url: str, **kwargs):
        super().__init__(**kwargs)
        self.method, self.url = method, url

    def setup(self):
        self.server.register(self)

    def stop(self):
        self.server.stop_taking()
        super().stop()

    def handle(self, request: Request, values: dict) -> Response:
        done = Event()
        try:
            self.container.spawn_worker(self, (request,), values, context_data={},
                                        handle_result=partial(self.handled, done))
        except Exception:  # the service is stopping
            return Response("Service unavailable: stopping\n", status=503)
        result, exc_info = done.wait()
        if exc_info is not None:
            return Response(f"Error: {exc_info[0].__name__}: {exc_info[1]}\n", status=500)
        return as_response(result)

    @staticmethod
    def handled(done, worker_ctx, result, exc_info):
        done.send((result, exc_info))
        return result, exc_info


def as_response(result) -> Response:
    if isinstance(result, Response):
        return result
    status, headers, body = 200, None, result
    if isinstance(result, tuple):
        status, headers, body = result if len(result) == 3 else (result[0], None, result[1])
    if not isinstance(body, (str, bytes)):
        raise TypeError(f"an @http handler returned a body of type {type(body).__name__}")
    return Response(body, status=status, headers=headers)


http = HttpEntrypoint.decorator

"""What needs no key: health, the API documents, metrics - each rate-limited per client."""
from __future__ import annotations

import logging

import eventlet
from werkzeug.wrappers import Response

from services.infra import amqp, topology

from .. import dashboard, metrics as gateway_metrics
from ..asyncapi import asyncapi_document
from ..pages import PUBLIC_LIMIT, too_many
from .common import json_response
from .routing import RouteTable, json_response as response_of

log = logging.getLogger(__name__)
routes = RouteTable()
HEALTH_TIMEOUT_S = 3
SERVICES = ("plans", "reporting", "assets", "notify")
LIMITED = {429: None}  # rate_limited: too many requests from this client


def rate_limited(handler):
    def limited(gw, request, *args, **kwargs):
        if not PUBLIC_LIMIT.allow(request.remote_addr):
            return too_many()
        return handler(gw, request, *args, **kwargs)
    limited.__name__, limited.__doc__ = handler.__name__, handler.__doc__
    return limited


@routes.get("/health", "Liveness of every service (no auth)", auth=False, wrapped=False,
            ok={"200": response_of("Health", "all services answer"),
                "503": response_of("Health", "some service does not answer")}, errors=LIMITED)
@rate_limited
def health(gw, request):
    replies, statuses = {}, {}
    for name in SERVICES:
        try:
            replies[name] = getattr(gw, name).health.call_async()
        except Exception:  # e.g. no queue for it: the service never started
            statuses[name] = "unavailable"
    for name, reply in replies.items():
        try:
            with eventlet.Timeout(HEALTH_TIMEOUT_S):
                statuses[name] = reply.result()
        except (Exception, eventlet.Timeout):
            statuses[name] = "unavailable"
    statuses = {name: statuses[name] for name in SERVICES}
    ok = all(s == "ok" for s in statuses.values())
    return json_response({"status": "ok" if ok else "degraded", "services": statuses},
                         200 if ok else 503)


@routes.get("/openapi.json", auth=False, wrapped=False, documented=False)
@rate_limited
def openapi(gw, request):
    from ..openapi import openapi_document  # it reads the route table this module is part of
    return json_response(openapi_document())


@routes.get("/asyncapi.json", "The AsyncAPI 2.6 document of the AMQP side (no auth, "
                              "rate-limited)", auth=False, wrapped=False,
            ok={"200": response_of("AsyncApiDocument", "the document")}, errors=LIMITED)
@rate_limited
def asyncapi(gw, request):
    """The AMQP side: the province intake and every service's events (AsyncAPI 2.6); its
    "local" server amqps:// when the services reach the broker over TLS."""
    return json_response(asyncapi_document(tls=gw.config["AMQP_URI"].startswith("amqps://")))


@routes.get("/metrics", "Prometheus text format: the gateway's own metrics, queue depths and "
                        "consumer counts (no auth, rate-limited)",
            auth=False, wrapped=False,
            ok={"200": {"description": "the metrics", "content": {"text/plain": {
                "schema": {"type": "string"}}}},
                "503": {"description": "a service or the broker did not answer",
                        "content": {"text/plain": {"schema": {"type": "string"}}}}},
            errors=LIMITED)
@rate_limited
def metrics(gw, request):
    """Prometheus text format (no key: numbers only, rate-limited like /health)."""
    queues = {}
    try:
        with amqp.connection(gw.config) as conn:
            channel = conn.channel()
            for queue in topology.all_queues():
                try:
                    _, ready, consumers = channel.queue_declare(queue.name, passive=True)
                    queues[queue.name] = (ready, consumers)
                except Exception:  # not declared yet: nothing to report for it
                    channel = conn.channel()
        body = gateway_metrics.exposition(queues)
    except (Exception, eventlet.Timeout) as exc:  # broker or a service away: say so, briefly
        log.error("/metrics: %s", exc)
        return Response("# metrics unavailable: a service or the broker did not answer\n",
                        status=503, mimetype="text/plain")
    return Response(body, content_type=gateway_metrics.CONTENT_TYPE)


@routes.get("/docs", auth=False, wrapped=False, documented=False)
@rate_limited
def docs(gw, request):
    """Both documents as a page a person can browse."""
    from ..openapi import openapi_document
    api, amqp = openapi_document(), asyncapi_document()
    body = dashboard.render_plain("docs", info=api["info"],
                                  paths=[(p, sorted(ops.items())) for p, ops in sorted(api["paths"].items())],
                                  channels=sorted(amqp["channels"].items()))
    return Response(body, mimetype="text/html")

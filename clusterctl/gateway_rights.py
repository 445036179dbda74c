"""The gateway's AMQP rights, least privilege (issue 25, step 16 point 2): what nameko RPC to the
services needs and its own route on ``reports``, nothing else. One compromised gateway can then
neither read nor empty the intake or ``parked``, nor declare, bind or delete any queue or
exchange of the topology, nor publish events. Used by provisioning (broker.py) and by the
definitions file (deploy.py), so both give the same rights.

What nameko 2.14 does as an RpcProxy (nameko/rpc.py ReplyListener, MethodProxy):
- declares its reply queue ``rpc.reply-<service>-<uuid4>`` (RPC_REPLY_QUEUE_TEMPLATE) and the
  ``nameko-rpc`` topic exchange (non-passive, so configure on both), binds the queue to it with
  the uuid as routing key (write on the queue, read on the exchange) and consumes it (read);
- publishes each call on ``nameko-rpc`` with routing key ``<service>.<method>`` (write).
The gateway's own publishing (province_reports.py) writes ``reports`` without declaring it;
/metrics counts the queues with passive declares, which need no permission at all.
"""
from __future__ import annotations

import re

from nameko.rpc import RPC_REPLY_QUEUE_TEMPLATE, get_rpc_exchange

from services.contracts.reports import GATEWAY_TOPIC_PATTERN, REPORTS_EXCHANGE

# GatewayService.name; written here because clusterctl must not import the gateway
# (tests/unit/test_gateway_rights.py checks they agree).
GATEWAY_SERVICE_NAME = "gateway"
# the services the gateway's RpcProxies call (services/gateway/service.py)
RPC_TARGETS = ("plans", "reporting", "assets", "notify")
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
RPC_EXCHANGE = get_rpc_exchange({}).name  # "nameko-rpc": no service sets RPC_EXCHANGE


def reply_queue_pattern(service_name: str = GATEWAY_SERVICE_NAME) -> str:
    """nameko's reply-queue name for ``service_name`` as a regex: the template's literal parts
    escaped, the uuid4 nameko draws at each start matched in its canonical form."""
    before, middle, after = RPC_REPLY_QUEUE_TEMPLATE.split("{}")
    return re.escape(before) + re.escape(service_name) + re.escape(middle) + UUID + \
        re.escape(after)


def exactly(*names: str) -> str:
    return "^(" + "|".join(names) + ")$"


REPLY_QUEUE = reply_queue_pattern()
# (configure, write, read) on the vhost, as regexes over queue and exchange names
GATEWAY_PERMISSIONS = (
    exactly(re.escape(RPC_EXCHANGE), REPLY_QUEUE),
    exactly(re.escape(RPC_EXCHANGE), re.escape(REPORTS_EXCHANGE), REPLY_QUEUE),
    exactly(re.escape(RPC_EXCHANGE), REPLY_QUEUE),
)
# (exchange, write, read) routing-key regexes. On reports: its own route, never a binding. On
# nameko-rpc: calls only as "<service>.<method>" to the four services, and bindings only with a
# uuid (its reply queue's key): no "#" binding that would copy other services' RPC traffic.
GATEWAY_TOPIC_PERMISSIONS = (
    (REPORTS_EXCHANGE, GATEWAY_TOPIC_PATTERN, "^$"),
    (RPC_EXCHANGE, r"^(" + "|".join(RPC_TARGETS) + r")\.[A-Za-z_][A-Za-z0-9_]*$", f"^{UUID}$"),
)

"""The gateway's AMQP rights (clusterctl/gateway_rights.py) match what nameko really names and
calls, and the definitions file gives the gateway those rights, not the services' ``.*``."""
from __future__ import annotations

import re
import uuid

from nameko.rpc import RPC_REPLY_QUEUE_TEMPLATE, RpcProxy

from clusterctl.deploy import definitions
from clusterctl.gateway_rights import (GATEWAY_PERMISSIONS, GATEWAY_SERVICE_NAME,
                                       GATEWAY_TOPIC_PERMISSIONS, RPC_TARGETS)
from services.gateway.service import GatewayService


def allowed(pattern: str, name: str) -> bool:
    return re.search(pattern, name) is not None


def test_the_names_are_those_of_the_gateway_and_its_rpc_proxies():
    assert GatewayService.name == GATEWAY_SERVICE_NAME
    targets = {value.target_service for value in vars(GatewayService).values()
               if isinstance(value, RpcProxy)}
    assert targets == set(RPC_TARGETS)


def test_rpc_resources_are_allowed_and_the_topology_is_not():
    reply = RPC_REPLY_QUEUE_TEMPLATE.format(GATEWAY_SERVICE_NAME, uuid.uuid4())
    configure, write, read = GATEWAY_PERMISSIONS
    for pattern in (configure, write, read):
        assert allowed(pattern, reply) and allowed(pattern, "nameko-rpc")
    assert allowed(write, "reports") and not allowed(configure, "reports") \
        and not allowed(read, "reports")
    others = ("reporting.intake", "parked", "plans.events", "reporting.events",
              "notify.on.plans.plan_published", "rpc-reporting", "rpc.reply-plans-" + str(uuid.uuid4()),
              reply + "x", "x" + reply, "amq.topic", "")
    for pattern in (configure, write, read):
        assert not [name for name in others if allowed(pattern, name)], pattern


def test_rpc_routing_keys_are_confined():
    topics = {exchange: (write, read) for exchange, write, read in GATEWAY_TOPIC_PERMISSIONS}
    write, read = topics["nameko-rpc"]
    assert allowed(write, "reporting.report_status") and allowed(read, str(uuid.uuid4()))
    for key in ("#", "reporting.*", "gateway.report", "events.x", "reporting.a.b"):
        assert not allowed(write, key)
        assert not allowed(read, key)
    assert topics["reports"] == (r"^gateway\.report\.", "^$")


def test_the_definitions_give_the_gateway_its_narrow_rights():
    creds = {"broker_operator": {"username": "op", "password": "x"},
             "services": {"amqp_username": "svc", "amqp_password": "y"},
             "gateway": {"amqp_username": "gw", "amqp_password": "z"}, "provinces": {}}
    rights = definitions(creds, "v")
    [gateway] = [p for p in rights["permissions"] if p["user"] == "gw"]
    assert (gateway["configure"], gateway["write"], gateway["read"]) == GATEWAY_PERMISSIONS
    assert sorted((t["exchange"], t["write"], t["read"]) for t in rights["topic_permissions"]
                  if t["user"] == "gw") == sorted(GATEWAY_TOPIC_PERMISSIONS)
    assert {p["user"]: p["configure"] for p in rights["permissions"]} == \
        {"op": ".*", "svc": ".*", "gw": GATEWAY_PERMISSIONS[0]}

"""The RabbitMQ definitions ``clusterctl secrets`` writes, loaded at boot by a private node (as
deploy/compose and deploy/k8s load them): the users log in with the generated passwords, a
province may publish only its own routing keys under its own user_id, the services' login can
declare the topology, and the retry policy is in force."""
from __future__ import annotations

import json

import pika
import pytest
import requests
from kombu import Connection

from clusterctl.broker import SENDER_LIMITS
from clusterctl.deploy import write_secrets
from clusterctl.reference import load_clusters
from clusterctl.settings import Settings
from services.infra.topology import declare_topology, retry_policy
from tests.reliability.broker import PrivateBroker, unavailable_reason
from tests.support.gateway_rights import refused_steps, rpc_steps_succeed

pytestmark = pytest.mark.deploy
VHOST = "cluster-planning"


@pytest.fixture(scope="module")
def booted():
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    probe = PrivateBroker()  # only for its directory, ports and node name
    secrets_dir = probe.base / "secrets"
    write_secrets(secrets_dir, load_clusters(Settings.from_env({}).reference_csv), "127.0.0.1",
                  VHOST, "mongodb://m/x", "smtp://mail:25", "http://localhost:8080")
    creds = json.loads((secrets_dir / "credentials.json").read_text("utf-8"))
    operator = creds["broker_operator"]
    probe.conf_lines = (f"load_definitions = {secrets_dir / 'definitions.json'}",)
    probe.login = (operator["username"], operator["password"])
    try:
        probe.start()
        yield probe, creds
    finally:
        probe.destroy()


def channel(broker, username, password):
    params = pika.ConnectionParameters("127.0.0.1", broker.amqp_port, VHOST,
                                       pika.PlainCredentials(username, password))
    connection = pika.BlockingConnection(params)
    ch = connection.channel()
    ch.confirm_delivery()
    return connection, ch


def declare_as_the_services(broker, creds):
    services = creds["services"]
    with Connection(f"amqp://{services['amqp_username']}:{services['amqp_password']}@127.0.0.1:"
                    f"{broker.amqp_port}/{VHOST}", connect_timeout=10) as conn:
        declare_topology(conn)  # what every service does at start, with its own login


def test_the_definitions_are_loaded_at_boot_with_each_province_confined(booted):
    broker, creds = booted
    declare_as_the_services(broker, creds)
    th34 = creds["provinces"]["TH-34"]
    connection, ch = channel(broker, th34["amqp_username"], th34["amqp_password"])
    try:
        ch.basic_publish("reports", "report.TH-34.indicator", b"{}",
                         pika.BasicProperties(user_id="TH-34", delivery_mode=2))
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
            ch.basic_publish("reports", "report.TH-33.indicator", b"{}",
                             pika.BasicProperties(user_id="TH-34"))
        assert refused.value.reply_code == 403
    finally:
        connection.close()
    with pytest.raises(pika.exceptions.ProbableAuthenticationError):
        channel(broker, "TH-34", "not-the-password")
    policies = requests.get(f"{broker.management_url}/api/policies/{VHOST}", auth=broker.login,
                            timeout=10).json()
    assert sorted((p["name"], p["pattern"], p["definition"]) for p in policies) == [
        ("cluster-planning-retries", retry_policy()["pattern"],
         {"delivery-limit": 5, "dead-letter-exchange": "parked"}),
        # RabbitMQ 4.x would give these two a limit of 20 and drop (no dead-letter exchange)
        ("cluster-planning-unbounded", r"^(reporting\.intake|parked)$",
         {"delivery-limit": 2**31 - 1})]
    users = requests.get(f"{broker.management_url}/api/users", auth=broker.login, timeout=10).json()
    assert len([u for u in users if u["name"].startswith("TH-")]) == 76
    limits = requests.get(f"{broker.management_url}/api/user-limits", auth=broker.login,
                          timeout=10).json()  # RabbitMQ 3.10 loads a user's "limits" too
    by_user = {entry["user"]: entry["value"] for entry in limits}
    assert len([u for u in by_user if u.startswith("TH-")]) == 76
    assert by_user["TH-34"] == SENDER_LIMITS


def test_the_gateway_writes_only_its_own_route_and_provinces_never_it(booted):
    broker, creds = booted
    gateway, th34 = creds["gateway"], creds["provinces"]["TH-34"]
    for login, allowed, refused in ((gateway, "gateway.report.TH-34.indicator",
                                     "report.TH-34.indicator"),
                                    (th34, "report.TH-34.indicator",
                                     "gateway.report.TH-34.indicator")):
        connection, ch = channel(broker, login["amqp_username"], login["amqp_password"])
        try:
            ch.basic_publish("reports", allowed, b"{}",
                             pika.BasicProperties(user_id=login["amqp_username"]))
            with pytest.raises(pika.exceptions.ChannelClosedByBroker) as closed:
                ch.basic_publish("reports", refused, b"{}",
                                 pika.BasicProperties(user_id=login["amqp_username"]))
            assert closed.value.reply_code == 403, (login["amqp_username"], refused)
        finally:
            if connection.is_open:
                connection.close()
    secrets_dir = broker.base / "secrets"
    given = (secrets_dir / "service-credentials.json").read_text("utf-8") + \
        (secrets_dir / "gateway.env").read_text("utf-8") + \
        (secrets_dir / "services.env").read_text("utf-8")
    assert not [code for code, entry in creds["provinces"].items()
                if entry["amqp_password"] in given or entry["api_key"] in given]


def test_the_gateway_may_do_nameko_rpc_and_nothing_that_could_lose_a_report(booted):
    broker, creds = booted
    declare_as_the_services(broker, creds)
    gateway, services = (pika.ConnectionParameters("127.0.0.1", broker.amqp_port, VHOST,
                                                   pika.PlainCredentials(login["amqp_username"],
                                                                         login["amqp_password"]))
                         for login in (creds["gateway"], creds["services"]))
    rpc_steps_succeed(gateway, services)
    assert refused_steps(gateway) == []

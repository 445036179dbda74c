"""The bus over TLS on a private node: the whole system runs over amqps:// with verification on
(every connection of its vhost is TLS), a province's report sent over TLS is stored, through the
province's own client and through the gateway's upload path; a wrong CA, another host's
certificate and TLS on one side only fail with a clear error; the broker's limits for a
province (connections, channels, message size) are enforced by the broker itself."""
from __future__ import annotations

import ssl
import uuid
from datetime import datetime, timezone

import pytest
import requests
from kombu import Connection

from clusterctl.broker import SENDER_LIMITS
from clusterctl.runner import SetupError, check_broker
from clusterctl.settings import Settings
from services.infra.amqp_urls import with_login
from services.infra.province_send import publish
from tests.support.system import Province, RunningSystem, wait_until
from tests.support.tls import TestCa

from .conftest import deployed_max_message_size

pytestmark = pytest.mark.reliability
PLAN, PROVINCE = "northeast-lower-2-2566-2570", "TH-34"


def tls_env(broker, **more) -> dict:
    return {"AMQP_URL": broker.amqps_url, "AMQP_CA_FILE": str(broker.ca.cert),
            "RABBIT_MANAGEMENT_URL": broker.management_https_url, **more}


@pytest.fixture(scope="module")
def tls_system(tmp_path_factory, tls_broker):
    system = RunningSystem(tmp_path_factory.mktemp("tls") / "var", extra_env=tls_env(tls_broker))
    try:
        system.start(timeout=180)
        yield system
    finally:
        system.stop()


def login(system, code=PROVINCE) -> tuple[str, str, dict | None]:
    """(uri, username, ssl options) of a province, as the gateway and clusterctl build them."""
    creds = system.credentials()
    entry = creds["provinces"][code]
    settings = Settings.from_env(system.env)
    uri = with_login(settings.broker.amqp_uri(settings.vhost), entry["amqp_username"],
                     entry["amqp_password"])
    return uri, entry["amqp_username"], settings.broker.ssl_options()


def report(indicator="NE2-1.1", period="FY2567-Q3", value=1.0) -> dict:
    """A report no other test here sends (its own period), so it comes to be in force."""
    at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return {"event_id": str(uuid.uuid4()), "province": PROVINCE, "indicator": indicator,
            "period": period, "value": value, "reported_at": at}


def in_force(system, event_id: str) -> bool:
    answer = system.get(f"/api/plans/{PLAN}/report-status", system.key("province", PROVINCE),
                        province=PROVINCE, event_id=event_id).json()
    return answer["statuses"][event_id]["status"] == "in_force"


def test_the_system_runs_over_amqps_and_stores_a_report_sent_over_tls(tls_system, tls_broker):
    creds = tls_system.credentials()
    assert creds["amqp_url"] == f"amqps://127.0.0.1:{tls_broker.ssl_port}/{tls_system.vhost}"
    province = Province(creds, PROVINCE, ca_file=str(tls_broker.ca.cert))  # a province's own
    try:
        direct = province.report("NE2-1.1", "FY2567-Q1", 3.0,
                                 datetime.now(timezone.utc).isoformat(timespec="seconds"))
    finally:
        province.close()
    typed = requests.post(f"{tls_system.base}/api/plans/{PLAN}/reports", timeout=60,
                          json=[{"indicator": "NE2-1.1", "period": "FY2567-Q2", "value": 4}],
                          headers={"Authorization": f"Bearer {tls_system.key('province', PROVINCE)}"})
    assert typed.status_code == 202, typed.text  # the gateway published it as TH-34, over TLS
    for event_id in (direct, *typed.json()["event_ids"]):
        wait_until(lambda: in_force(tls_system, event_id), timeout=60, what=f"{event_id} stored")
    services = creds["services"]["amqp_username"]
    ours = wait_until(lambda: connections_of(tls_broker, tls_system.vhost, services), timeout=30,
                      what="the services' connections listed (the statistics lag a little)")
    assert all(c["ssl"] for c in ours), [(c["name"], c["ssl"]) for c in ours]


def connections_of(broker, vhost: str, user: str) -> list[dict]:
    listed = requests.get(f"{broker.management_url}/api/connections", auth=("guest", "guest"),
                          timeout=10).json()
    return [c for c in listed if c.get("vhost") == vhost and c.get("user") == user]


def settings_for(broker, **env) -> Settings:
    return Settings.from_env(tls_env(broker, **env))


def test_a_wrong_ca_or_another_hosts_certificate_is_refused_clearly(tls_broker, tmp_path):
    other = TestCa(tmp_path / "other", "someone else's CA")
    with pytest.raises(SetupError, match="certificate is not trusted.*AMQP_CA_FILE must hold"):
        check_broker(settings_for(tls_broker, AMQP_CA_FILE=str(other.cert)))
    # 127.0.0.2 reaches the same node, but its certificate names localhost and 127.0.0.1 only
    elsewhere = tls_broker.amqps_url.replace("127.0.0.1", "127.0.0.2")
    with pytest.raises(SetupError, match="certificate does not name '127.0.0.2'"):
        check_broker(settings_for(tls_broker, AMQP_URL=elsewhere))


def test_tls_on_one_side_only_fails_clearly(tls_broker):
    plain_to_tls = tls_broker.amqps_url.replace("amqps://", "amqp://")
    with pytest.raises(SetupError, match="closed the connection before AMQP began.*amqps://"):
        check_broker(Settings.from_env({"AMQP_URL": plain_to_tls,
                                        "RABBIT_MANAGEMENT_URL": tls_broker.management_url}))
    tls_to_plain = tls_broker.amqp_url.replace("amqp://", "amqps://")
    with pytest.raises(SetupError, match="does not speak TLS on port"):
        check_broker(settings_for(tls_broker, AMQP_URL=tls_to_plain))


def test_a_province_beyond_its_connection_or_channel_limit_is_refused(tls_system):
    uri, _, ssl_options = login(tls_system)
    held = []
    try:
        for _ in range(SENDER_LIMITS["max-connections"]):
            held.append(Connection(uri, ssl=dict(ssl_options), connect_timeout=10))
            held[-1].ensure_connection(max_retries=1)
        extra = Connection(uri, ssl=dict(ssl_options), connect_timeout=10)
        limit = SENDER_LIMITS["max-connections"]
        with pytest.raises(Exception, match=rf"NOT_ALLOWED.*user connection limit \({limit}\)"):
            extra.ensure_connection(max_retries=1)
        extra.release()
    finally:
        for conn in held:
            conn.release()
    with Connection(uri, ssl=dict(ssl_options), connect_timeout=10) as conn:
        conn.ensure_connection(max_retries=1)
        channels = [conn.channel() for _ in range(SENDER_LIMITS["max-channels"])]
        assert len(channels) == SENDER_LIMITS["max-channels"]
        limit = SENDER_LIMITS["max-channels"]
        with pytest.raises(Exception, match=rf"NOT_ALLOWED.*maximum allowed user limit of \({limit}\)"):
            conn.channel()


def test_a_message_above_the_deployed_maximum_is_refused_by_the_broker(tls_system):
    uri, username, ssl_options = login(tls_system)
    body = report()
    body["note"] = "x" * (deployed_max_message_size() + 1)  # the intake would reject it too
    most = deployed_max_message_size()
    with pytest.raises(Exception, match=rf"PRECONDITION_FAILED.*larger than configured max size {most}"):
        publish(uri, username, PROVINCE, [body], ssl=ssl_options)
    small = report()  # the same login goes on publishing once the big one is refused
    publish(uri, username, PROVINCE, [small], ssl=ssl_options)
    wait_until(lambda: in_force(tls_system, small["event_id"]), timeout=60,
               what="the report after the refused one")


def test_the_bench_connects_over_tls_and_checks_the_host_name_too(tls_broker):
    from bench.amqp_load import connect
    options = settings_for(tls_broker).broker.ssl_options()
    conn = connect("127.0.0.1", tls_broker.ssl_port, "/", "guest", "guest", options)
    assert conn.transport.sock.version().startswith("TLS")
    conn.close()
    with pytest.raises(ssl.SSLCertVerificationError, match="mismatch"):  # py-amqp alone: filled in
        connect("127.0.0.2", tls_broker.ssl_port, "/", "guest", "guest", options)

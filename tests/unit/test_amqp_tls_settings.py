"""AMQP over TLS: the settings (amqps://, AMQP_CA_FILE, client certificates, AMQP_TLS_VERIFY),
the ssl options every connection is given, and URIs under another login keeping TLS."""
import logging
import ssl

import pytest
import yaml

from clusterctl import amqp_tls
from clusterctl.runner import rpc_config
from clusterctl.settings import Settings, SettingsError
from services.infra.amqp import connection, ssl_of
from services.infra.amqp_urls import with_login
from tests.support.tls import TestCa, unavailable_reason

pytestmark = pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason()))
CREDS = {"services": {"amqp_username": "svc", "amqp_password": "pw"}}


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    ca = TestCa(tmp_path_factory.mktemp("ca"))
    ca.client = ca.issue("TH-34", client=True)
    return ca


def tls_env(ca, **more):
    return {"AMQP_URL": "amqps://admin:pw@broker.example/", "AMQP_CA_FILE": str(ca.cert), **more}


def test_amqps_defaults_to_5671_verifies_and_hands_out_amqps(ca):
    settings = Settings.from_env(tls_env(ca))
    broker = settings.broker
    assert (broker.port, broker.scheme) == (5671, "amqps")
    assert broker.public_amqp_url("v") == "amqps://broker.example:5671/v"
    assert broker.amqp_uri("v", "u", "p") == "amqps://u:p@broker.example:5671/v"
    assert broker.management_url == "https://broker.example:15671"
    assert broker.https_verify() == str(ca.cert)
    options = broker.ssl_options()
    # server_hostname None: kombu puts in the host connected to, and py-amqp checks it
    assert options == {"cert_reqs": ssl.CERT_REQUIRED, "server_hostname": None,
                       "ca_certs": str(ca.cert)}


def test_services_get_the_options_in_their_yaml_config_and_pass_them_on(ca):
    config = rpc_config(Settings.from_env(tls_env(ca)), CREDS)
    assert config["AMQP_URI"].startswith("amqps://svc:pw@")
    assert yaml.safe_load(yaml.safe_dump(config)) == config  # plain values: the YAML file works
    conn = connection(config)
    assert conn.ssl == config["AMQP_SSL"] and conn.ssl is not config["AMQP_SSL"]
    assert conn.transport_cls == "amqps"
    assert ssl_of({"AMQP_URI": "amqp://h/"}) is None


def test_client_certificate_goes_with_its_key(ca):
    cert, key = ca.client
    options = Settings.from_env(tls_env(ca, AMQP_CERT_FILE=str(cert),
                                        AMQP_KEY_FILE=str(key))).broker.ssl_options()
    assert (options["certfile"], options["keyfile"]) == (str(cert), str(key))


def test_switching_verification_off_is_explicit_and_loud(ca, caplog):
    with caplog.at_level(logging.WARNING, logger=amqp_tls.__name__):
        broker = Settings.from_env(tls_env(ca, AMQP_TLS_VERIFY="0")).broker
    assert broker.ssl_options() == {"cert_reqs": ssl.CERT_NONE}
    assert broker.https_verify() is False
    assert "NOT checked" in caplog.text


@pytest.mark.parametrize("change, words", [
    ({"AMQP_CA_FILE": "/nonexistent/ca.pem"}, "AMQP_CA_FILE=/nonexistent/ca.pem cannot be read"),
    ({"AMQP_CA_FILE": "/etc/hostname"}, "is not a PEM bundle"),
    ({"AMQP_CA_FILE": "/tmp"}, "cannot be read"),
    ({"AMQP_CERT_FILE": "CLIENT_CERT"}, "AMQP_CERT_FILE is set without AMQP_KEY_FILE"),
    ({"AMQP_KEY_FILE": "CLIENT_KEY"}, "AMQP_KEY_FILE is set without AMQP_CERT_FILE"),
    ({"AMQP_CERT_FILE": "CLIENT_CERT", "AMQP_KEY_FILE": "CA_KEY"}, "not a PEM certificate and its"),
    ({"AMQP_TLS_VERIFY": "maybe"}, "AMQP_TLS_VERIFY='maybe' is not 1 or 0"),
    ({"AMQP_URL": "amqp://admin:pw@h/"}, "AMQP_CA_FILE set but AMQP_URL is not amqps://"),
])
def test_bad_tls_settings_say_what_and_how(ca, change, words):
    files = {"CLIENT_CERT": str(ca.client[0]), "CLIENT_KEY": str(ca.client[1]), "CA_KEY": str(ca.key)}
    env = tls_env(ca, **{k: files.get(v, v) for k, v in change.items()})
    with pytest.raises(SettingsError, match=words.replace("(", r"\(").replace("?", r"\?")) as caught:
        Settings.from_env(env)
    assert any("\u0e00" <= c <= "\u0e7f" for c in str(caught.value))  # and in Thai


def test_amqps_without_a_ca_needs_the_system_store(monkeypatch):
    monkeypatch.setattr(amqp_tls, "system_ca_store", lambda: False)
    with pytest.raises(SettingsError, match="AMQP_CA_FILE is not set and this system has no CA"):
        Settings.from_env({"AMQP_URL": "amqps://a:b@h/"})
    monkeypatch.setattr(amqp_tls, "system_ca_store", lambda: True)
    assert "ca_certs" not in Settings.from_env({"AMQP_URL": "amqps://a:b@h/"}).broker.ssl_options()


@pytest.mark.parametrize("uri, expected", [
    ("amqps://svc:pw@h:5671/v", "amqps://TH-34:p%40ss@h:5671/v"),
    ("amqp://svc:pw@h/v%2Fx", "amqp://TH-34:p%40ss@h/v%2Fx"),
    ("amqps://a:b@h1:5671/v;amqps://a:b@h2:5671/v", "amqps://TH-34:p%40ss@h1:5671/v;amqps://TH-34:p%40ss@h2:5671/v"),
])
def test_another_login_keeps_scheme_hosts_and_vhost(uri, expected):
    assert with_login(uri, "TH-34", "p@ss") == expected


def test_clusterctl_report_sends_over_tls_when_the_provinces_url_is_amqps(ca):
    from clusterctl.report import ReportError, _amqp_uri, _ssl_options
    login = {"amqp_url": "amqps://broker.example:5671/v", "amqp_username": "TH-34",
             "amqp_password": "pw"}
    assert _amqp_uri(login) == "amqps://TH-34:pw@broker.example:5671/v"
    plain = Settings.from_env({})  # a province's machine: AMQP_URL unset, its CA in the env
    assert _ssl_options(login, plain, {"AMQP_CA_FILE": str(ca.cert)})["ca_certs"] == str(ca.cert)
    with pytest.raises(ReportError, match="AMQP_CA_FILE=/nonexistent cannot be read"):
        _ssl_options(login, plain, {"AMQP_CA_FILE": "/nonexistent"})
    assert _ssl_options(login, Settings.from_env(tls_env(ca)), {}) == \
        Settings.from_env(tls_env(ca)).broker.ssl_options()
    assert _ssl_options({**login, "amqp_url": "amqp://h:5672/v"}, plain, {}) is None


def test_a_clusters_nodes_all_carry_amqps_and_one_set_of_ssl_options(ca):
    nodes = "amqps://admin:pw@r0:5671/v;amqps://admin:pw@r1:5671/v;amqps://admin:pw@r2/v"
    broker = Settings.from_env(tls_env(ca, AMQP_URL=nodes)).broker
    assert broker.amqp_uri("v", "u", "p") == ("amqps://u:p@r0:5671/v;amqps://u:p@r1:5671/v;"
                                              "amqps://u:p@r2:5671/v")
    assert broker.public_amqp_url("v") == "amqps://r0:5671/v"
    assert broker.public_amqp_alternates("v") == ["amqps://r1:5671/v", "amqps://r2:5671/v"]
    config = broker.amqp_config("v")
    assert config["AMQP_URI"].count("amqps://") == 3 and config["AMQP_SSL"]["ca_certs"] == str(ca.cert)
    with pytest.raises(SettingsError, match="mixes amqps:// and amqp://"):
        Settings.from_env(tls_env(ca, AMQP_URL="amqps://a:b@r0/v;amqp://a:b@r1/v"))


def _report_login(port: int, scheme: str) -> dict:
    return {"amqp_url": f"{scheme}://127.0.0.1:{port}/v", "amqp_username": "TH-34",
            "amqp_password": "pw"}


def test_clusterctl_report_says_why_the_broker_cannot_be_reached(ca):
    """TLS spoken to a plain AMQP port (as any connection error: explain_connect_error) is a
    ReportError (exit 2, one line) naming the cause - not a kombu traceback. About 12 s: the
    publish's own retries (3, kombu's default intervals) come first."""
    import socket
    import threading

    from clusterctl.report import ReportError, send
    body = [{"event_id": "e1", "indicator": "x"}]
    settings = Settings.from_env({"AMQP_CA_FILE": str(ca.cert), "AMQP_URL": "amqps://a:b@h/"})
    plain = socket.socket()  # answers a TLS hello as a plain AMQP broker does: its header
    plain.bind(("127.0.0.1", 0))
    plain.listen(1)

    def answer():  # every attempt (kombu retries the connection)
        while True:
            try:
                conn, _ = plain.accept()
            except OSError:  # closed at the end of the test
                return
            with conn:
                conn.recv(1024)
                conn.sendall(b"AMQP\x00\x00\x09\x01")
    threading.Thread(target=answer, daemon=True).start()
    try:
        with pytest.raises(ReportError, match="does not speak TLS on port") as caught:
            send(_report_login(plain.getsockname()[1], "amqps"), "TH-34", body, settings)
        assert "run the same command again" in str(caught.value)
    finally:
        plain.close()

"""AMQP_URL naming every node of a RabbitMQ cluster (kombu's "url1;url2" failover syntax)."""
import pytest
from kombu import Connection

from clusterctl.credentials import ensure_credentials
from clusterctl.report import _amqp_uri
from clusterctl.settings import Settings, SettingsError
from services.infra.amqp_urls import with_login

THREE = ("amqp://admin:s3cret@rabbit-0:5672/plans;amqp://admin:s3cret@rabbit-1:5673/plans;"
         "amqp://admin:s3cret@rabbit-2:5674/plans")


def test_every_node_reaches_the_services_and_the_first_the_provinces():
    settings = Settings.from_env({"AMQP_URL": THREE})
    broker = settings.broker
    assert (broker.host, broker.port, broker.username, settings.vhost) == ("rabbit-0", 5672, "admin", "plans")
    assert broker.alternates == (("rabbit-1", 5673), ("rabbit-2", 5674))
    uri = broker.amqp_uri("plans", "svc", "pw/x")
    assert uri.split(";") == [f"amqp://svc:pw%2Fx@rabbit-{n}:{5672 + n}/plans" for n in range(3)]
    assert broker.public_amqp_url("plans") == "amqp://rabbit-0:5672/plans"  # DESIGN 3.2: one URL
    assert broker.public_amqp_alternates("plans") == ["amqp://rabbit-1:5673/plans",
                                                      "amqp://rabbit-2:5674/plans"]


def test_kombu_takes_the_joined_uri_as_one_connection_with_failover():
    uri = Settings.from_env({"AMQP_URL": THREE}).broker.amqp_uri("plans", "svc", "pw")
    conn = Connection(uri)
    assert conn.hostname == "rabbit-0" and len(conn.alt) == 3
    assert conn.failover_strategy is not None


def test_one_node_is_still_one_url():
    broker = Settings.from_env({"AMQP_URL": "amqp://u:p@h:5672/"}).broker
    assert broker.alternates == () and ";" not in broker.amqp_uri("v")
    assert broker.public_amqp_alternates("v") == []


@pytest.mark.parametrize("url, words", [
    ("amqp://u:p@h1:5672/;", "empty entry"),
    ("amqp://u:p@h1:5672/;;amqp://u:p@h2:5672/", "empty entry"),
    ("amqp://u:p@h1:5672/;http://h2:5672/", "not an amqp://"),
    ("amqp://u:p@h1:5672/;amqp://u:p@h2:port/", "invalid port"),
    ("amqp://u:p@h1:5672/;amqp://other:p@h2:5672/", "another login or vhost"),
    ("amqp://u:p@h1:5672/a;amqp://u:p@h2:5672/b", "another login or vhost"),
    ("amqp://u:p@h1:5672/;amqp://u:p@h1:5672/", "names a node twice"),
])
def test_a_bad_entry_says_which(url, words):
    with pytest.raises(SettingsError, match=words) as caught:
        Settings.from_env({"AMQP_URL": url})
    assert ":p@" not in str(caught.value)  # the password is redacted in every entry


def test_heartbeat_is_a_setting_with_bounds():
    assert Settings.from_env({}).amqp_heartbeat == 60
    assert Settings.from_env({"AMQP_HEARTBEAT": "5"}).amqp_heartbeat == 5
    with pytest.raises(SettingsError, match="AMQP_HEARTBEAT"):
        Settings.from_env({"AMQP_HEARTBEAT": "0"})


def test_a_login_is_put_on_every_node():
    uri = "amqp://svc:x@h1:5672/v;amqp://svc:x@h2:5673/v"
    assert with_login(uri, "TH-34", "p@ss") == ("amqp://TH-34:p%40ss@h1:5672/v;"
                                                "amqp://TH-34:p%40ss@h2:5673/v")
    login = {"amqp_url": "amqp://h1:5672/v", "amqp_alternates": ["amqp://h2:5673/v"],
             "amqp_username": "TH-34", "amqp_password": "pw"}
    assert _amqp_uri(login) == "amqp://TH-34:pw@h1:5672/v;amqp://TH-34:pw@h2:5673/v"


def test_credentials_list_the_other_nodes_beside_the_one_url(tmp_path):
    path = tmp_path / "credentials.json"
    clusters = [{"code": "c", "provinces": [{"code": "TH-34"}]}]
    creds = ensure_credentials(path, "amqp://h1:5672/v", clusters,
                               amqp_alternates=["amqp://h2:5673/v"])
    assert creds["amqp_url"] == "amqp://h1:5672/v"
    assert creds["amqp_alternates"] == ["amqp://h2:5673/v"]
    assert "amqp_alternates" not in ensure_credentials(path, "amqp://h1:5672/v", clusters)


def test_no_node_password_reaches_a_log_line():
    # nameko masks only the first URL's password when it logs "Error connecting to broker at"
    from nameko.utils import sanitize_url
    import logging
    from services.infra import logs
    uri = "amqp://svc:s3cret@h1:5672/v;amqp://svc:s3cret@h2:5673/v"
    record = logging.makeLogRecord({"msg": f"Error connecting to broker at {sanitize_url(uri)}",
                                    "levelname": "WARNING"})
    line = logs.json_formatter("reporting").format(record)
    assert "s3cret" not in line and line.count("svc:********@") == 2


@pytest.mark.parametrize("url", ["mongodb://app:s3cret@db1:27017,db2:27017/cp?replicaSet=rs0",
                                 "smtp://relay:s3cret@mail.example.go.th:587",
                                 "amqps://svc:s3cret@rabbit-0:5671/v"])
def test_no_store_or_relay_password_reaches_a_log_line(url):
    import logging
    from services.infra import logs
    record = logging.makeLogRecord({"msg": f"could not reach {url}", "levelname": "ERROR"})
    line = logs.json_formatter("notify").format(record)
    assert "s3cret" not in line and "********@" in line


@pytest.mark.parametrize("url", [
    "amqp://admin:Tops3cret/x@rabbit:5672/v",     # "/" not written %2F
    "amqp://admin:Tops3cret#x@rabbit:5672/v",     # "#"
    "amqp://admin:Tops3cret?x@rabbit:5672/v",     # "?"
    "amqp://admin:Tops3cret;x@rabbit:5672/v",     # ";" (taken for a second node)
    "amqp://u:p@h1:5672/v;amqp://admin:Tops3cret/x@rabbit:5672/v",
])
def test_a_password_not_percent_encoded_is_never_shown_in_the_error(url):
    """The error says what is wrong with AMQP_URL without writing out any part of its password,
    also when a character the password holds ends the URL's login part early."""
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"AMQP_URL": url})
    message = str(caught.value)
    assert "Tops3cret" not in message and "x@rabbit" not in message, message
    assert "AMQP_URL" in message

"""X-Forwarded-For/-Proto/-Host are honoured only from a trusted proxy (TRUSTED_PROXIES):
behind it a request is https with the proxy's host and the client's address; from any other
peer the same headers change nothing."""
import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from clusterctl.settings import Settings, SettingsError
from services.infra.proxies import behind_trusted_proxy, proxy_networks

FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https",
             "X-Forwarded-Host": "planning.example.go.th"}


def seen(peer: str, trusted: str = "") -> tuple:
    found = {}

    def app(environ, start_response):
        request = Request(environ)
        found.update(scheme=request.scheme, host=request.host, addr=request.remote_addr,
                     url=request.url)
        start_response("200 OK", [])
        return [b""]
    wrapped = behind_trusted_proxy(app, 1, proxy_networks(trusted))
    environ = EnvironBuilder(path="/login", base_url="http://gateway:8000", headers=FORWARDED,
                             environ_overrides={"REMOTE_ADDR": peer}).get_environ()
    wrapped(environ, lambda *a: None)
    return found["scheme"], found["host"], found["addr"], found["url"]


def test_behind_the_proxy_the_request_is_the_clients_over_https():
    assert seen("172.18.0.5") == ("https", "planning.example.go.th", "203.0.113.7",
                                  "https://planning.example.go.th/login")
    assert seen("10.1.2.3", "10.1.2.3")[0] == "https"


def test_a_peer_that_is_not_the_trusted_proxy_cannot_pose_as_https_or_another_client():
    assert seen("198.51.100.9") == ("http", "gateway:8000", "198.51.100.9",
                                    "http://gateway:8000/login")
    assert seen("172.18.0.5", "10.0.0.0/8")[:3] == ("http", "gateway:8000", "172.18.0.5")


def test_trusted_proxies_must_be_addresses_or_networks():
    assert Settings.from_env({"TRUSTED_PROXIES": "10.0.0.5, 10.1.0.0/16"}).trusted_proxies
    with pytest.raises(SettingsError, match="TRUSTED_PROXIES: 'nginx' is not an IP address"):
        Settings.from_env({"TRUSTED_PROXIES": "10.0.0.5,nginx"})

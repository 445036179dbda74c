"""One request followed across services: the nameko call-id chain on every log line
(services/infra/logs.py). An HTTP request to a gateway-like service that calls another service
over RPC, through the real RabbitMQ: both services' lines carry the same chain root."""
import logging

import pytest
import requests
from nameko.rpc import RpcProxy, rpc
from services.gateway.web import http

from services.infra.logs import LogContext
from tests.support.logs import json_lines

pytestmark = pytest.mark.integration
log = logging.getLogger("tests.integration.call_chain")


class Front:
    name = "chainfront"
    log_context = LogContext()
    back = RpcProxy("chainback")

    @http("GET", "/ask")
    def ask(self, request):
        log.info("front asks")
        answer = self.back.answer()
        log.info("front answered")
        return answer


class Back:
    name = "chainback"
    log_context = LogContext()

    @rpc
    def answer(self):
        log.info("back answers")
        return "ok"


@pytest.fixture
def lines():
    with json_lines(log, "chain") as read:
        yield read


def test_an_http_request_and_the_rpc_it_makes_log_the_same_chain_root(
        runner_factory, rabbit_config, web_config, lines):
    runner = runner_factory({**rabbit_config, **web_config}, Front, Back)
    runner.start()
    port = web_config["WEB_SERVER_ADDRESS"].rsplit(":", 1)[1]
    for _ in range(2):  # two requests: two chains, never mixed
        assert requests.get(f"http://127.0.0.1:{port}/ask", timeout=15).text == "ok"
    seen = lines()
    assert [line["message"] for line in seen] == ["front asks", "back answers",
                                                  "front answered"] * 2
    for first, back, last in (seen[:3], seen[3:]):
        root = first["call_chain"][0]
        assert root.startswith("chainfront.ask.") and first["call_chain"] == [root]
        assert first["call_id"] == root == last["call_id"]
        assert back["call_chain"][0] == root  # the same root in the other service
        assert back["call_chain"] == [root, back["call_id"]]
        assert back["call_id"].startswith("chainback.answer.")
    assert seen[0]["call_chain"][0] != seen[3]["call_chain"][0]

"""A send the broker does not confirm in time (a resource alarm) is answered 503 with what to
do, in Thai and English - not a 500, and not a request left waiting (tests/reliability/
test_broker_alarm.py shows the publish giving up within its deadline)."""
import json
from types import SimpleNamespace

from services.gateway.api.common import endpoint
from services.infra.event_publisher import PublishTimedOut


def test_a_send_the_broker_did_not_confirm_is_a_503_to_send_again_later():
    @endpoint
    def send(gateway, request):
        raise PublishTimedOut("the broker confirmed nothing within 10 s")
    response = send(None, SimpleNamespace(path="/api/plans/p/reports", method="POST"))
    error = json.loads(response.get_data())["error"]
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    assert error["code"] == "bus_unavailable"
    assert "send again later" in error["message"] and "กรุณาส่งใหม่ภายหลัง" in error["message"]

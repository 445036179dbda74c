"""How the gateway reads a JSON body (api/common.py json_value): every JSON write endpoint reads
it there, so what it refuses - here a text holding half of a UTF-16 pair, which no store can keep
- is refused with 400 in Thai and English, naming the field, never a 502 from a service."""
import pytest
from werkzeug.test import EnvironBuilder

from services.gateway.api.common import ApiError, json_body, json_value


def posted(raw: bytes):
    return EnvironBuilder(method="POST", data=raw, content_type="application/json").get_request()


@pytest.mark.parametrize("raw, field", [
    (b'{"step": "reopen", "comment": "\\u0e41\\u0e01\\u0e49 \\ud800", "version": 3}', "comment"),
    (b'{"reason": "x\\udfff", "until": "2025-08-01"}', "reason"),
    (b'{"rows": [{"name": "ok"}, {"name": "\\ud83d"}]}', "rows[1].name"),
    (b'[{"a": 1}, "\\udc00"]', "body[1]"),
    (b'{"\\ud800": 1}', "\\ud800"),
])
def test_a_lone_surrogate_is_refused_with_the_place_in_thai_and_english(raw, field):
    with pytest.raises(ApiError) as refused:
        json_value(posted(raw))
    message = refused.value.message
    assert refused.value.status == 400 and message.startswith(f"{field}:")
    assert "UTF-16" in message and "อักขระ" in message
    message.encode("utf-8")  # the answer itself can be sent


def test_a_pair_is_one_character_and_taken():
    body = json_body(posted(b'{"comment": "\\u0e14\\u0e35 \\ud83d\\ude00"}'))
    assert body == {"comment": "ดี 😀"}

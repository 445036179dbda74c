"""The JSON the embedded stores keep: what was stored reads back the same, whichever encoder
wrote it (orjson for speed, the standard one for what orjson refuses)."""
import json
import math

import pytest

from services.infra.sqlite import dumps, loads


def standard(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def test_a_report_is_written_as_the_standard_encoder_writes_it():
    report = {"province": "TH-34", "value": 4321.5, "note": "ขาดข้อมูลอำเภอเขื่องใน",
              "event_id": "7a1c2f34-5b6d-4e7f-8a9b-0c1d2e3f4a5b", "reported_at": "2025-01-10T09:00:00+07:00",
              "nested": {"b": [1, 2.25, None, True], "a": "ไทย"}}
    assert dumps(report) == standard(report)  # sorted keys, compact, Thai as UTF-8


@pytest.mark.parametrize("value", [
    {"big": 2 ** 70},                    # beyond 64 bits
    {1: "a key that is not a string"},   # the standard encoder writes "1"
    {"note": "a lone \ud800 surrogate"},
])
def test_what_orjson_refuses_is_written_by_the_standard_encoder(value):
    assert dumps(value) == standard(value)


def test_floats_read_back_the_same():
    values = [0.1, 1e16, 1e-7, 123456789.123456789, -0.0, 5e-324, 1.7976931348623157e308]
    assert loads(dumps(values)) == values


def test_a_non_finite_float_is_written_as_null_not_as_invalid_json():
    text = dumps({"value": math.inf, "other": math.nan})
    assert json.loads(text) == {"other": None, "value": None}

"""The province intake bodies (DESIGN 3.3): what a province may send, and what it may not."""
import math
from datetime import date, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from services.contracts.reports import (IndicatorReportSchema, ProjectReportSchema,
                                        describe_errors, routing_key,
                                        well_formed_indicator_report)

EVENT_ID = "7a1c2f34-5b6d-4e7f-8a9b-0c1d2e3f4a5b"


def indicator(**changes):
    body = {"event_id": EVENT_ID, "province": "TH-34", "indicator": "NE2-1.1",
            "period": "FY2567-Q2", "value": 12.5, "reported_at": "2024-04-10T09:30:00+07:00",
            "note": "จากทะเบียนเกษตรกร"}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


def project(**changes):
    body = {"event_id": EVENT_ID, "province": "TH-34", "project": "NE2-67-001",
            "as_of": "2024-03-31", "physical_progress_pct": 45.0, "disbursed_thb": 1250000.0,
            "procurement_stage": "contract_signed", "problems": "ฝนตกหนัก",
            "solutions": "ขยายเวลา", "reported_at": "2024-04-10T09:30:00+07:00"}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


def errors_of(schema, body) -> dict:
    with pytest.raises(ValidationError) as error:
        schema().load(body)
    return error.value.messages


def test_a_valid_indicator_report_loads_with_its_time_zone():
    report = IndicatorReportSchema().load(indicator())
    assert report["value"] == 12.5 and report["period"] == "FY2567-Q2"
    assert report["reported_at"].utcoffset() == timedelta(hours=7)
    assert report["reported_at"].astimezone(timezone.utc).hour == 2


def test_integers_are_numbers_too():
    assert IndicatorReportSchema().load(indicator(value=3))["value"] == 3.0


def test_note_is_optional():
    assert IndicatorReportSchema().load(indicator(note=...))["note"] is None


def test_value_null_is_allowed_and_means_a_retraction():
    assert IndicatorReportSchema().load(indicator(value=None))["value"] is None


def test_value_is_required_even_though_it_may_be_null():
    assert "value" in errors_of(IndicatorReportSchema, indicator(value=...))


@pytest.mark.parametrize("value", ["12.5", "12", True, False, [12.5], {"v": 1}, math.nan,
                                   math.inf])
def test_a_value_that_is_not_a_plain_number_is_refused(value):
    messages = errors_of(IndicatorReportSchema, indicator(value=value))
    assert list(messages) == ["value"]


@pytest.mark.parametrize("reported_at", ["2024-04-10T09:30:00", "2024-04-10", "yesterday", 1712716200])
def test_reported_at_must_carry_a_time_zone(reported_at):
    assert list(errors_of(IndicatorReportSchema, indicator(reported_at=reported_at))) == ["reported_at"]


def test_reported_at_is_required():
    assert "reported_at" in errors_of(IndicatorReportSchema, indicator(reported_at=...))


def test_unknown_fields_are_refused_by_name():
    messages = errors_of(IndicatorReportSchema, indicator(valeu=12.5))
    assert "valeu" in messages


@pytest.mark.parametrize("province", ["34", "TH34", "th-34", "TH-340", "Ubon", "TH-๓๔", "TH-34\n"])
def test_province_must_be_an_iso_code(province):
    messages = errors_of(IndicatorReportSchema, indicator(province=province))
    assert "TH-34" in " ".join(messages["province"])


@pytest.mark.parametrize("period", ["2567-Q2", "FY2567-Q5", "Q2/2567", "FY2567-Q2\n", "FY๒๕๖๗-Q2"])
def test_period_must_be_a_period_code(period):
    messages = errors_of(IndicatorReportSchema, indicator(period=period))
    assert "FY2567-Q2" in " ".join(messages["period"])  # says what a valid code looks like


def test_event_id_must_be_a_uuid():
    assert "event_id" in errors_of(IndicatorReportSchema, indicator(event_id="report-1"))


def test_a_valid_project_report_loads():
    report = ProjectReportSchema().load(project())
    assert report["as_of"] == date(2024, 3, 31)
    assert report["disbursed_thb"] == 1250000.0 and report["procurement_stage"] == "contract_signed"


def test_problems_and_solutions_are_optional():
    report = ProjectReportSchema().load(project(problems=..., solutions=...))
    assert report["problems"] is None and report["solutions"] is None


@pytest.mark.parametrize("field, value", [
    ("physical_progress_pct", "45"), ("physical_progress_pct", True),
    ("physical_progress_pct", 100.5), ("physical_progress_pct", -1),
    ("disbursed_thb", "1,250,000"), ("disbursed_thb", -1.0), ("disbursed_thb", None),
    ("procurement_stage", "signed"), ("as_of", "31/03/2567"), ("as_of", ...),
])
def test_project_fields_are_checked(field, value):
    assert field in errors_of(ProjectReportSchema, project(**{field: value}))


def test_unknown_project_fields_are_refused():
    assert "budget" in errors_of(ProjectReportSchema, project(budget=1))


def test_every_error_is_described_in_one_line_by_field():
    messages = errors_of(IndicatorReportSchema, indicator(value="1", reported_at=...))
    text = describe_errors(messages)
    assert text.startswith("reported_at: ") and "; value: must be a number" in text


# A province marks a report internal (issue 26): not to be published outside the government.
@pytest.mark.parametrize("schema, body", [(IndicatorReportSchema, indicator),
                                          (ProjectReportSchema, project)])
@pytest.mark.parametrize("internal", [True, False])
def test_a_report_may_be_marked_internal_or_not(schema, body, internal):
    assert schema().load(body(internal=internal))["internal"] is internal


@pytest.mark.parametrize("schema, body", [(IndicatorReportSchema, indicator),
                                          (ProjectReportSchema, project)])
def test_a_report_without_the_mark_is_kept_without_it(schema, body):
    # absent stays absent: a report sent before the mark existed is kept and compared as it was
    assert "internal" not in schema().load(body())


@pytest.mark.parametrize("schema, body", [(IndicatorReportSchema, indicator),
                                          (ProjectReportSchema, project)])
@pytest.mark.parametrize("internal", ["true", "yes", 1, 0, None, [True], {"internal": True}])
def test_an_internal_mark_that_is_not_a_boolean_is_refused_saying_so(schema, body, internal):
    text = describe_errors(errors_of(schema, body(internal=internal)))
    assert text == ("internal: must be true or false (a JSON boolean, not a string, number or "
                    "null) / ต้องเป็น true หรือ false")


def test_routing_key():
    assert routing_key("TH-34", "indicator") == "report.TH-34.indicator"


# The intake's fast path for the usual indicator report must say what the schema says: a valid
# report with up to two fields changed to something else, valid or not, or left out (...).
CHANGES = {
    "event_id": st.sampled_from([EVENT_ID.upper(), EVENT_ID.replace("-", ""), "{" + EVENT_ID + "}",
                                 "urn:uuid:" + EVENT_ID, "not-a-uuid", "", 7, None, ...]),
    "province": st.sampled_from(["TH-10", "TH-3", "TH-345", "th-34", "TH-34\n", "ＴＨ-34", "", 34,
                                 None, ...]),
    "indicator": st.one_of(st.text(max_size=70), st.sampled_from([None, 1, ["NE2-1.1"], ...])),
    "period": st.sampled_from(["FY2567", "FY2567-M03", "FY2567-Q5", "2567-Q2", "fy2567-q2",
                               "FY2567-Q2 ", "", None, 2567, ...]),
    "value": st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(),
                       st.sampled_from([None, True, False, "12.5", 10 ** 400, -(10 ** 400), ...])),
    "reported_at": st.sampled_from([
        "2024-04-10T09:30:00Z", "2024-04-10T09:30:00.123456+00:00", "2024-04-10T09:30:00",
        "2024-04-10", "2024-04-10 09:30:00+07:00", "20240410T093000+0700",
        "1999-12-31T23:59:59+00:00", "2000-01-01T00:00:00+00:00", "2201-01-01T00:00:00+00:00",
        "2200-12-31T23:59:59-05:00", "yesterday", "", None, 1712716200, ...]),
    "note": st.one_of(st.text(max_size=10), st.sampled_from(["ก" * 4000, "ก" * 4001, 3, None, ...])),
    "internal": st.sampled_from([True, False, "true", "false", 1, 0, None, "ใช่", ...]),
    "extra": st.sampled_from(["field", ...]),
}


@given(st.data())
@settings(max_examples=1500, derandomize=True, deadline=None)
def test_the_fast_path_accepts_only_what_the_schema_accepts_with_the_same_result(data):
    changes = data.draw(st.sets(st.sampled_from(sorted(CHANGES)), max_size=2))
    body = indicator(**{field: data.draw(CHANGES[field]) for field in changes})
    fast = well_formed_indicator_report(body)
    try:
        loaded = IndicatorReportSchema().load(body)
    except ValidationError:
        assert fast is None
    else:
        assert fast is None or (fast == loaded and list(fast) == list(loaded))


@pytest.mark.parametrize("body", [indicator(), indicator(note=...), indicator(value=None),
                                  indicator(value=7), indicator(reported_at="2024-04-10T02:30:00Z"),
                                  indicator(internal=True), indicator(internal=False)])
def test_the_usual_report_takes_the_fast_path(body):
    assert well_formed_indicator_report(body) == IndicatorReportSchema().load(body)

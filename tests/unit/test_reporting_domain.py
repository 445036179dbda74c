"""Reporting's pure rules: who sent a message, whether it is a report we accept, and the views."""
import json
import uuid
from datetime import datetime, timezone

import pytest

from services.contracts.events import IndicatorOffTarget
from services.reporting.domain import (fiscal_year_rollup, judged_at, Rejection, Sender, ValidReport, achievement_pct,
                                       aggregate, check_envelope, identify_sender,
                                       indicator_result, indicator_view, match_plan,
                                       off_target_event, parse_body, rejected_event,
                                       rejection_id, status_of, utc_key)

EVENT_ID = "7a1c2f34-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
UBON = Sender("TH-34", "TH-34")
NOW = datetime(2024, 4, 10, 3, 0, tzinfo=timezone.utc)


def indicator(code, frequency="quarterly", aggregation="sum", direction="increase", targets=None):
    return {"code": code, "name_th": f"ตัวชี้วัด {code}", "name_en": f"Indicator {code}",
            "unit": "ไร่", "direction": direction, "aggregation": aggregation,
            "frequency": frequency, "targets": targets or {"FY2567": 100.0},
            "responsible_agency": "ubon-agriculture"}


PLAN = {
    "id": "ne2-2566-2570", "cluster": "northeast-lower-2", "status": "published",
    "start_fy": 2566, "end_fy": 2570, "provinces": ["TH-34", "TH-33", "TH-35", "TH-37"],
    "issues": [{"number": 1, "title_th": "เกษตร", "title_en": "Farming", "indicators": [
        indicator("Q-1"), indicator("M-1", frequency="monthly"),
        indicator("Y-1", frequency="yearly")]}],
    "projects": [{"code": "P-ALL", "provinces": []},
                 {"code": "P-UBON", "provinces": ["TH-34", "TH-37"]}],
}
OLD_PLAN = {**PLAN, "id": "ne2-2561-2565", "status": "archived", "start_fy": 2561, "end_fy": 2565,
            "issues": [{"number": 1, "title_th": "x", "title_en": "x",
                        "indicators": [indicator("OLD-1")]}]}


def body(**changes) -> dict:
    data = {"event_id": EVENT_ID, "province": "TH-34", "indicator": "Q-1", "period": "FY2567-Q2",
            "value": 12.5, "reported_at": "2024-04-10T09:30:00+07:00"}
    data.update(changes)
    return data


def encoded(data) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def parsed(kind="indicator", **changes) -> dict:
    if kind == "project":
        data = {"event_id": EVENT_ID, "province": "TH-34", "project": "P-ALL", "as_of": "2024-03-31",
                "physical_progress_pct": 45.0, "disbursed_thb": 10.0,
                "procurement_stage": "in_progress", "reported_at": "2024-04-10T09:30:00+07:00"}
        data.update(changes)
    else:
        data = body(**changes)
    report = parse_body(encoded(data), kind, Sender(data["province"], data["province"]), None)
    assert isinstance(report, dict), report
    return report


# --- who sent it -------------------------------------------------------------------------------

def test_the_authenticated_user_identifies_the_province():
    assert identify_sender("TH-34", "report.TH-34.indicator") == Sender("TH-34", "TH-34")


def test_a_user_prefix_is_stripped():
    assert identify_sender("t-TH-34", "report.TH-34.indicator", "t-") == Sender("t-TH-34", "TH-34")


def test_a_user_without_the_prefix_is_not_a_province():
    assert identify_sender("TH-34", "report.TH-34.indicator", "t-") == Sender("TH-34", None)


def test_a_user_that_is_not_a_province_code_is_not_a_province():
    assert identify_sender("admin", "report.TH-34.indicator") == Sender("admin", None)


def test_the_user_wins_over_the_routing_key():
    assert identify_sender("TH-33", "report.TH-34.indicator").province == "TH-33"


def test_without_user_id_the_routing_key_names_the_province():
    assert identify_sender(None, "report.TH-34.indicator") == Sender(None, "TH-34")
    assert identify_sender(None, "garbage") == Sender(None, None)


# --- the envelope ------------------------------------------------------------------------------

@pytest.mark.parametrize("content_type", [None, "application/json",
                                          "application/json; charset=utf-8", "Application/JSON"])
def test_a_good_envelope_gives_the_kind(content_type):
    assert check_envelope(UBON, "report.TH-34.indicator", content_type) == "indicator"
    assert check_envelope(UBON, "report.TH-34.project", content_type) == "project"


@pytest.mark.parametrize("sender, key, content_type, words", [
    (Sender(None, "TH-34"), "report.TH-34.indicator", None, "user_id"),
    (Sender("admin", None), "report.TH-34.indicator", None, "not a province user"),
    (UBON, "reports.TH-34", None, "not report.<province>.<kind>"),
    (UBON, "report.TH-33.indicator", None, "names TH-33 but the sender is TH-34"),
    (UBON, "report.TH-34.budget", None, "'budget' is unknown"),
    (UBON, "report.TH-34.indicator", "text/plain", "not application/json"),
])
def test_a_bad_envelope_is_refused_with_its_reason(sender, key, content_type, words):
    outcome = check_envelope(sender, key, content_type)
    assert isinstance(outcome, Rejection)
    assert words in outcome.reason


def test_a_content_type_rejection_knows_the_kind():
    assert check_envelope(UBON, "report.TH-34.project", "text/csv").kind == "project"


# --- the body ----------------------------------------------------------------------------------

def test_a_good_body_is_loaded_with_a_string_event_id():
    report = parse_body(encoded(body()), "indicator", UBON, EVENT_ID)
    assert report["event_id"] == EVENT_ID and report["value"] == 12.5
    assert report["reported_at"].tzinfo is not None


def test_malformed_json_says_where():
    outcome = parse_body(b'{"event_id": "x",\n "value": }', "indicator", UBON, None)
    assert isinstance(outcome, Rejection) and outcome.kind == "indicator"
    assert outcome.reason.startswith("malformed JSON") and "line 2" in outcome.reason
    assert outcome.report_event_id is None


def test_a_body_that_is_not_utf8_is_refused():
    outcome = parse_body(encoded(body(note="x")).replace(b'"x"', b'"\xe0\xb8"'), "indicator",
                         UBON, None)
    assert isinstance(outcome, Rejection) and "not UTF-8" in outcome.reason


def test_thai_text_in_utf8_is_fine():
    assert parse_body(encoded(body(note="ข้อมูลจากทะเบียนเกษตรกร")), "indicator", UBON,
                      None)["note"] == "ข้อมูลจากทะเบียนเกษตรกร"


@pytest.mark.parametrize("raw, type_name", [(b"[1, 2]", "list"), (b"12.5", "float"),
                                            (b'"report"', "str"), (b"null", "NoneType")])
def test_a_body_that_is_not_an_object_is_refused(raw, type_name):
    outcome = parse_body(raw, "indicator", UBON, None)
    assert isinstance(outcome, Rejection)
    assert outcome.reason == f"body must be a JSON object, got {type_name}"


def test_a_schema_error_names_the_field_and_keeps_the_event_id():
    outcome = parse_body(encoded(body(value="12.5")), "indicator", UBON, None)
    assert isinstance(outcome, Rejection)
    assert outcome.reason.startswith("indicator report does not match the schema")
    assert "value: must be a number" in outcome.reason
    assert outcome.report_event_id == EVENT_ID and outcome.kind == "indicator"


def test_an_indicator_body_sent_as_a_project_report_is_refused():
    outcome = parse_body(encoded(body()), "project", UBON, None)
    assert isinstance(outcome, Rejection) and "project report does not match" in outcome.reason
    assert "indicator: Unknown field" in outcome.reason


def test_a_body_naming_another_province_is_refused():
    outcome = parse_body(encoded(body(province="TH-33")), "indicator", UBON, None)
    assert isinstance(outcome, Rejection)
    assert "body names province TH-33 but the sender is TH-34" in outcome.reason
    assert outcome.report_event_id == EVENT_ID


def test_a_message_id_other_than_the_event_id_is_refused():
    other = str(uuid.uuid4())
    outcome = parse_body(encoded(body()), "indicator", UBON, other)
    assert isinstance(outcome, Rejection)
    assert other in outcome.reason and "set message_id to the event_id" in outcome.reason


def test_a_missing_message_id_is_tolerated():
    assert isinstance(parse_body(encoded(body()), "indicator", UBON, None), dict)


@pytest.mark.parametrize("spelling", [EVENT_ID, EVENT_ID.upper(), "{" + EVENT_ID + "}",
                                      EVENT_ID.replace("-", "")])
def test_a_message_id_naming_the_event_id_in_any_uuid_spelling_is_accepted(spelling):
    assert isinstance(parse_body(encoded(body()), "indicator", UBON, spelling), dict)


def test_a_lone_surrogate_escape_is_refused_but_escaped_text_is_not():
    lone = encoded(body(note="x")).replace(b'"note": "x"', b'"note": "a\\ud800b"')
    outcome = parse_body(lone, "indicator", UBON, None)
    assert isinstance(outcome, Rejection) and "unpaired UTF-16 surrogate escape (\\ud800)" in outcome.reason
    # Thai and an emoji written as escapes (a surrogate pair) are text like any other
    escaped = encoded(body(note="x")).replace(b'"note": "x"', b'"note": "\\u0e44\\ud83d\\ude00"')
    assert parse_body(escaped, "indicator", UBON, None)["note"] == "\u0e44\U0001f600"


# --- which plan --------------------------------------------------------------------------------

def test_an_indicator_report_matches_its_plan():
    outcome = match_plan("indicator", parsed(), [OLD_PLAN, PLAN])
    assert outcome == ValidReport("indicator", outcome.report, PLAN["id"], "Q-1", "FY2567-Q2",
                                  "2024-04-10T02:30:00.000000Z")


def test_the_reported_at_key_sorts_as_time_does_whatever_the_offset():
    early = utc_key(datetime.fromisoformat("2024-04-10T09:30:00+07:00"))
    late = utc_key(datetime.fromisoformat("2024-04-10T03:00:00+00:00"))
    assert early < late


@pytest.mark.parametrize("indicator_code, period", [
    ("M-1", "2024-01"), ("M-1", "2022-10"), ("M-1", "2027-09"),  # first and last month of the plan
    ("Y-1", "FY2570"), ("Q-1", "FY2566-Q1")])
def test_each_frequency_accepts_its_own_periods(indicator_code, period):
    outcome = match_plan("indicator", parsed(indicator=indicator_code, period=period), [PLAN])
    assert isinstance(outcome, ValidReport) and outcome.period == period


def test_an_unknown_indicator_is_refused():
    outcome = match_plan("indicator", parsed(indicator="NOPE"), [PLAN])
    assert isinstance(outcome, Rejection)
    assert outcome.reason == "unknown indicator 'NOPE' for TH-34"
    assert outcome.report_event_id == EVENT_ID


def test_an_indicator_of_an_archived_plan_is_unknown():
    outcome = match_plan("indicator", parsed(indicator="OLD-1", period="FY2565-Q1"), [OLD_PLAN, PLAN])
    assert isinstance(outcome, Rejection) and "unknown indicator 'OLD-1'" in outcome.reason


@pytest.mark.parametrize("code, period", [("Q-1", "FY2565-Q4"), ("Q-1", "FY2571-Q1"),
                                          ("M-1", "2022-09"), ("M-1", "2027-10"),
                                          ("Y-1", "FY2571")])
def test_a_period_outside_the_plan_is_refused_with_the_plan_years(code, period):
    outcome = match_plan("indicator", parsed(indicator=code, period=period), [PLAN])
    assert isinstance(outcome, Rejection)
    assert outcome.reason == f"period {period} is outside the plan (FY2566-FY2570)"


@pytest.mark.parametrize("code, period, example", [
    ("Q-1", "FY2567", "FY2567-Q1"), ("Q-1", "2024-01", "FY2567-Q1"),
    ("Y-1", "FY2567-Q2", "FY2567"), ("M-1", "FY2567-Q2", "2023-10"),
])
def test_a_period_of_the_wrong_granularity_is_refused_with_an_example(code, period, example):
    outcome = match_plan("indicator", parsed(indicator=code, period=period), [PLAN])
    assert isinstance(outcome, Rejection)
    assert f"period {period}" in outcome.reason and f"(e.g. {example})" in outcome.reason


def test_a_province_no_plan_covers_is_refused():
    report = parsed(province="TH-10")
    outcome = match_plan("indicator", report, [PLAN])
    assert isinstance(outcome, Rejection) and outcome.reason == "no plan covers province TH-10"


def test_a_project_report_matches_its_plan():
    outcome = match_plan("project", parsed("project"), [PLAN])
    assert isinstance(outcome, ValidReport)
    assert (outcome.plan_id, outcome.subject, outcome.period) == (PLAN["id"], "P-ALL", "")


def test_an_unknown_project_is_refused():
    outcome = match_plan("project", parsed("project", project="P-NONE"), [PLAN])
    assert isinstance(outcome, Rejection) and outcome.reason == "unknown project 'P-NONE' for TH-34"


def test_a_project_that_does_not_run_in_the_province_is_refused():
    outcome = match_plan("project", parsed("project", province="TH-33", project="P-UBON"), [PLAN])
    assert isinstance(outcome, Rejection)
    assert "does not run in TH-33 (it runs in TH-34, TH-37)" in outcome.reason
    assert isinstance(match_plan("project", parsed("project", project="P-UBON"), [PLAN]), ValidReport)


# --- views -------------------------------------------------------------------------------------

VALUES = {"TH-34": 3.0, "TH-33": 5.0, "TH-35": 1.0, "TH-37": 7.0}


@pytest.mark.parametrize("how, expected", [("sum", 16.0), ("mean", 4.0), ("min", 1.0), ("max", 7.0)])
def test_aggregate(how, expected):
    assert aggregate(VALUES, how) == expected


@pytest.mark.parametrize("how", ["sum", "mean", "min", "max"])
def test_no_values_aggregate_to_none_not_zero(how):
    assert aggregate({}, how) is None


@pytest.mark.parametrize("value, target, direction, status, pct", [
    (120.0, 100.0, "increase", "achieved", 120.0),
    (100.0, 100.0, "increase", "achieved", 100.0),
    (80.0, 100.0, "increase", "not_achieved", 80.0),
    (6.0, 7.5, "decrease", "achieved", 125.0),
    (7.5, 7.5, "decrease", "achieved", 100.0),
    (10.0, 7.5, "decrease", "not_achieved", 75.0),
    (None, 100.0, "increase", "no_data", None),
    (None, None, "decrease", "no_data", None),
    (80.0, None, "increase", "no_target", None),
])
def test_status_and_achievement_follow_the_direction(value, target, direction, status, pct):
    assert status_of(value, target, direction) == status
    assert achievement_pct(value, target, direction) == pct


def test_achievement_cannot_be_computed_against_zero():
    assert achievement_pct(5.0, 0.0, "increase") is None
    assert achievement_pct(0.0, 5.0, "decrease") is None
    assert status_of(0.0, 5.0, "decrease") == "achieved"


def test_achievement_is_rounded_to_two_places():
    assert achievement_pct(1.0, 3.0, "increase") == 33.33


def test_indicator_result_for_a_quarter_uses_its_fiscal_year_target():
    ind = indicator("Q-1", targets={"FY2567": 10.0, "FY2568": 20.0})
    view = indicator_view(PLAN, ind, {"TH-37": 4.0, "TH-34": 3.0})
    result = indicator_result(PLAN, ind, "FY2567-Q2", view)
    assert result["target"] == 10.0 and result["value"] == 7.0
    assert list(result["provinces"]) == ["TH-34", "TH-37"]
    assert (result["reported"], result["expected"]) == (2, 4)
    assert (result["status"], result["achievement_pct"]) == ("not_achieved", 70.0)
    assert indicator_result(PLAN, ind, "FY2568-Q1", view)["target"] == 20.0


def test_indicator_result_without_reports_or_target():
    ind = indicator("Q-1", targets={"FY2567": 10.0})
    empty = indicator_result(PLAN, ind, "FY2567-Q1", None)
    assert (empty["value"], empty["provinces"], empty["reported"], empty["status"]) == \
        (None, {}, 0, "no_data")
    later = indicator_result(PLAN, ind, "FY2569-Q1", indicator_view(PLAN, ind, {"TH-34": 1.0}))
    assert (later["target"], later["status"]) == (None, "no_target")


def test_expected_counts_the_indicators_own_provinces_when_it_names_them():
    ind = {**indicator("Q-1"), "provinces": ["TH-34", "TH-33"]}
    assert indicator_result(PLAN, ind, "FY2567-Q1", None)["expected"] == 2


def _off_target(values, event_id=EVENT_ID, ind=None):
    ind = ind or indicator("Q-1", targets={"FY2567": 10.0})
    report = {"event_id": event_id, "province": "TH-34"}
    return off_target_event(PLAN, ind, "FY2567-Q2", indicator_view(PLAN, ind, values), report, NOW)


def test_no_off_target_event_when_the_target_is_met():
    assert _off_target({"TH-34": 6.0, "TH-33": 4.0}) is None


def test_no_off_target_event_without_target():
    assert _off_target({"TH-34": 1.0}, ind=indicator("Q-1", targets={"FY2570": 10.0})) is None


def test_an_off_target_event_tells_who_moved_the_value_and_by_how_much():
    event_type, payload = _off_target({"TH-34": 3.0, "TH-33": 4.0})
    assert event_type == "indicator_off_target"
    loaded = IndicatorOffTarget().load(payload)  # it is a valid event
    assert (loaded["value"], loaded["target"], loaded["achievement_pct"]) == (7.0, 10.0, 70.0)
    assert (loaded["reported"], loaded["expected"]) == (2, 4)
    assert (loaded["province"], loaded["report_event_id"]) == ("TH-34", EVENT_ID)
    assert loaded["responsible_agency"] == "ubon-agriculture"
    assert loaded["cluster"] == "northeast-lower-2" and loaded["plan_id"] == PLAN["id"]


def test_the_off_target_event_id_is_the_same_for_the_same_report_and_differs_for_another():
    first = _off_target({"TH-34": 3.0})[1]["event_id"]
    assert _off_target({"TH-34": 2.0})[1]["event_id"] == first  # redelivery, view moved meanwhile
    assert _off_target({"TH-34": 3.0}, event_id=str(uuid.uuid4()))[1]["event_id"] != first
    assert uuid.UUID(first).version == 5


# --- rejections --------------------------------------------------------------------------------

def test_a_redelivered_message_is_the_same_rejection():
    raw = b'{"broken": '
    assert rejection_id(UBON, raw) == rejection_id(Sender("TH-34", "TH-34"), bytes(raw))


def test_another_body_or_another_sender_is_another_rejection():
    raw = b'{"broken": '
    assert rejection_id(UBON, raw) != rejection_id(UBON, raw + b" ")
    assert rejection_id(UBON, raw) != rejection_id(Sender("TH-33", "TH-33"), raw)
    assert rejection_id(UBON, raw) != rejection_id(Sender(None, "TH-34"), raw)


def test_the_rejected_event_carries_the_reason_for_the_sending_province():
    record = {"rejection_id": rejection_id(UBON, b"x"), "province": "TH-34", "sender": "TH-34",
              "event_id": None, "kind": "indicator", "reason": "malformed JSON",
              "received_at": NOW.isoformat()}
    event_type, payload = rejected_event(record)
    assert event_type == "report_rejected"
    assert payload["province"] == "TH-34" and payload["reason"] == "malformed JSON"
    assert payload["report_event_id"] is None
    assert rejected_event(record)[1]["event_id"] == payload["event_id"]


# --- fiscal-year roll-up and cumulative indicators ------------------------------------------------

def _views(ind, by_period):
    return {period: indicator_view(PLAN, ind, values) for period, values in by_period.items()}


QUARTERS = {"FY2567-Q1": {"TH-34": 10.0, "TH-33": 5.0},
            "FY2567-Q2": {"TH-34": 25.0, "TH-33": 12.0},
            "FY2567-Q3": {"TH-34": 40.0},
            "FY2568-Q1": {"TH-34": 1000.0}}   # another fiscal year: never in FY2567's roll-up


def test_a_cumulative_indicator_rolls_up_to_each_provinces_latest_year_to_date_value():
    ind = {**indicator("Q-1", targets={"FY2567": 60.0}), "cumulative": True}
    view = fiscal_year_rollup(PLAN, ind, 2567, _views(ind, QUARTERS))
    # TH-34's Q3 running total is its year so far; TH-33 last reported in Q2.
    assert view["provinces"] == {"TH-33": 12.0, "TH-34": 40.0}
    assert view["value"] == 52.0  # not 10+25+40+5+12: running totals are never added up
    assert view["periods"] == {"TH-33": ["FY2567-Q1", "FY2567-Q2"],
                               "TH-34": ["FY2567-Q1", "FY2567-Q2", "FY2567-Q3"]}
    result = indicator_result(PLAN, ind, "FY2567", view)
    assert (result["status"], result["achievement_pct"], result["cumulative"]) == \
        ("not_achieved", 86.67, True)
    assert result["rolled_up_from"]["frequency"] == "quarterly"


def test_a_non_cumulative_indicator_rolls_up_by_its_aggregation():
    flow = indicator("Q-1", aggregation="sum")
    assert fiscal_year_rollup(PLAN, flow, 2567, _views(flow, QUARTERS))["provinces"] == \
        {"TH-33": 17.0, "TH-34": 75.0}
    rate = indicator("Q-2", aggregation="mean")
    view = fiscal_year_rollup(PLAN, rate, 2567, _views(rate, QUARTERS))
    assert view["provinces"] == {"TH-33": 8.5, "TH-34": 25.0}
    assert view["value"] == 16.75
    worst = indicator("Q-3", aggregation="min")
    assert fiscal_year_rollup(PLAN, worst, 2567, _views(worst, QUARTERS))["provinces"] == \
        {"TH-33": 5.0, "TH-34": 10.0}


def test_a_roll_up_without_any_period_reported_is_no_data():
    ind = indicator("Q-1")
    assert fiscal_year_rollup(PLAN, ind, 2569, _views(ind, QUARTERS)) is None
    assert indicator_result(PLAN, ind, "FY2569", None)["status"] == "no_data"


def test_only_a_year_or_a_period_with_its_own_target_is_judged():
    ind = indicator("Q-1")
    assert judged_at(ind, "FY2567") is True
    assert judged_at(ind, "FY2567-Q2") is False
    assert judged_at({**ind, "quarterly_targets": {"FY2567-Q2": 40.0}}, "FY2567-Q2") is True
    assert judged_at(indicator("M-1", frequency="monthly"), "2024-01") is False


def test_an_oversized_or_deeply_nested_body_is_rejected_not_crashed():
    from services.reporting.domain import MAX_BODY_BYTES
    big = parse_body(b"{" + b" " * MAX_BODY_BYTES + b"}", "indicator", UBON, None)
    assert isinstance(big, Rejection) and "at most 65,536 bytes" in big.reason
    deep = parse_body(b"[" * 30_000 + b"]" * 30_000, "indicator", UBON, None)  # under the size cap
    assert isinstance(deep, Rejection) and "nested too deeply" in deep.reason

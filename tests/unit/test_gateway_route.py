"""The gateway's route (contracts/reports.py): trusted only from the gateway's own AMQP user,
attributed to the province or agency the route names and to the person in the headers."""
import pytest

from services.contracts.reports import (GATEWAY_USER, REPORTED_BY, REPORTED_BY_NAME,
                                        gateway_routing_key, reported_by_headers)
from services.reporting.domain import (Rejection, check_envelope, identify_sender, parse_body,
                                       person_headers)

GATEWAY = "t-" + GATEWAY_USER
PERSON = reported_by_headers("somchai", "สมชาย ใจดี")
BODY = (b'{"event_id": "6f1c1c52-6b7f-4f0c-8e0e-2d5b7c3e1a44", "province": "TH-34", '
        b'"indicator": "X", "period": "FY2567-Q2", "value": 1, '
        b'"reported_at": "2024-04-10T09:30:00+07:00"}')


def sender(user=GATEWAY, key="gateway.report.TH-34.indicator", headers=PERSON):
    return identify_sender(user, key, "t-", headers)


def test_the_gateway_route_names_the_province_and_the_person():
    got = sender()
    assert (got.province, got.agency, got.account) == ("TH-34", None, "t-TH-34")
    assert got.reporter == {"username": "somchai", "name": "สมชาย ใจดี"}
    assert check_envelope(got, "gateway.report.TH-34.indicator", "application/json") == "indicator"


def test_an_agency_named_by_the_route_is_kept_under_its_own_user_and_reports_projects_only():
    got = sender(key="gateway.report.ubon-pao.project")
    assert (got.province, got.agency, got.account) == (None, "ubon-pao", "t-agency.ubon-pao")
    assert check_envelope(got, "gateway.report.ubon-pao.project", None) == "project"
    other = sender(key="gateway.report.ubon-pao.indicator")
    assert isinstance(check_envelope(other, "gateway.report.ubon-pao.indicator", None), Rejection)


@pytest.mark.parametrize("user", ["t-TH-34", "t-cluster-planning-services", "guest",
                                  GATEWAY_USER])  # without the prefix: another user
def test_the_route_from_any_other_user_is_rejected_and_belongs_to_no_province(user):
    got = sender(user=user)
    outcome = check_envelope(got, "gateway.report.TH-34.indicator", "application/json")
    assert isinstance(outcome, Rejection) and "gateway's own route" in outcome.reason
    assert outcome.reason_th and got.province is None and got.account == user


@pytest.mark.parametrize("key", ["gateway.report.TH-34", "gateway.report..indicator",
                                 "gateway.report.TH-34.indicator.x", "gateway.report.a.b.c"])
def test_a_malformed_gateway_route_is_rejected(key):
    outcome = check_envelope(sender(key=key), key, None)
    assert isinstance(outcome, Rejection) and "gateway.report.<province or agency>" in outcome.reason


@pytest.mark.parametrize("headers", [{}, {REPORTED_BY: ""}, {REPORTED_BY: "x" * 201},
                                     {REPORTED_BY: 7}, {REPORTED_BY_NAME: "only a name"}])
def test_a_gateway_report_without_a_readable_person_is_rejected(headers):
    outcome = check_envelope(sender(headers=headers), "gateway.report.TH-34.indicator", None)
    assert isinstance(outcome, Rejection) and REPORTED_BY in outcome.reason


def test_the_route_s_province_is_checked_against_the_body_as_for_the_province_itself():
    outcome = parse_body(BODY.replace(b'"TH-34"', b'"TH-35"'), "indicator", sender(), None)
    assert isinstance(outcome, Rejection) and "sender is TH-34" in outcome.reason


def test_person_headers_keep_text_only_and_a_byte_string_as_text():
    assert person_headers({REPORTED_BY: b"somchai", REPORTED_BY_NAME: 3, "x-other": "y"}) == \
        {REPORTED_BY: "somchai"}


def test_the_gateway_route_helper():
    assert gateway_routing_key("TH-34", "project") == "gateway.report.TH-34.project"

"""/openapi.json as the route table makes it: every status an operation can answer is listed with
the one Error schema, and no request or response body is a bare object. (schemathesis checks the
running system against it: tests/e2e/test_api_fuzz.py.)"""
import pytest

from services.gateway.api import ROUTES, json_types
from services.gateway.api.common import ApiError
from services.gateway.api.notify import RULE_EVENTS
from services.gateway.openapi import openapi_document
from services.notify.domain import DEFAULT_RULES
from services.contracts.plans import PlanSchema

ERROR = {"$ref": "#/components/schemas/Error"}


def operations():
    for path, methods in openapi_document()["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def bodies(operation):
    for content in operation.get("requestBody", {}).get("content", {}).values():
        yield content.get("schema")
    for status, answer in operation["responses"].items():
        for content in answer.get("content", {}).values():
            yield content.get("schema")


def test_every_error_answer_has_the_one_error_schema():
    for name, operation in operations():
        for status, answer in operation["responses"].items():
            if status.startswith("4"):
                assert answer["content"] == {"application/json": {"schema": ERROR}}, (name, status)


def test_what_an_operation_takes_implies_its_error_statuses():
    for name, operation in operations():
        statuses = set(operation["responses"])
        if operation.get("security"):
            assert {"401", "403"} <= statuses, name
        if "{" in name:
            assert "404" in statuses, name
        if operation.get("parameters") and any(p["in"] == "query" for p in operation["parameters"]):
            assert "400" in statuses, name
        if "requestBody" in operation:
            assert {"400", "413"} <= statuses, name
        assert not any(s.startswith("5") for s in statuses) or name in (
            "GET /health", "GET /metrics"), name  # a 5xx is a fault, not an answer


def test_no_body_is_a_bare_object():
    bare = [name for name, operation in operations() for schema in bodies(operation)
            if schema == {"type": "object"} or schema is None
            or schema.get("items") == {"type": "object"}]
    assert bare == []


def test_the_route_table_is_documented_once_per_operation():
    documented = {(r.method, r.openapi_path) for r in ROUTES if r.documented}
    assert len(documented) == len([r for r in ROUTES if r.documented])
    assert {(m.split()[0], m.split()[1]) for m, _ in operations()} == documented


def test_the_notify_rule_events_are_notifys_own():
    assert set(RULE_EVENTS) == set(DEFAULT_RULES)


@pytest.mark.parametrize("document", [
    {"start_fy": "2567"}, {"sample": 0}, {"issues": [{"number": True}]},
    {"revision": {}}, {"weights": {"x": "1"}}, {"provinces": "TH-34"},
])
def test_a_plan_body_of_another_json_type_than_documented_is_refused(document):
    with pytest.raises(ApiError) as refused:
        json_types.check(PlanSchema, document)
    assert refused.value.status == 400


def test_a_plan_body_of_the_documented_types_passes_to_the_service():
    json_types.check(PlanSchema, {"id": "p-1", "start_fy": 2567, "end_fy": 2570.0, "sample": False,
                                  "revision": None, "provinces": ["TH-34"],
                                  "weights": {"population": {"TH-34": 1}}})


def test_a_plan_status_the_service_would_set_itself_is_still_checked():
    with pytest.raises(ApiError):
        json_types.check(PlanSchema, {"status": "AAA"}, enums=("status",))
    json_types.check(PlanSchema, {"status": "AAA"})  # otherwise the service names bad enums


def test_a_download_named_by_what_a_person_typed_has_a_header_http_can_carry():
    from services.gateway.api.common import attachment
    header = attachment('6\x9f²"ครุภัณฑ์-history.csv')
    header.encode("latin-1")  # a header that is not Latin-1 dropped the connection
    assert header.startswith('attachment; filename="6_') and "filename*=UTF-8''6%C2%9F" in header

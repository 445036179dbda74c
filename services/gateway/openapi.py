"""The OpenAPI 3 document of the HTTP API, generated from the marshmallow schemas (apispec)."""
from __future__ import annotations

from functools import lru_cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from services.contracts.plans import PlanSchema

from . import schemas

AUTH_ERRORS = {
    "401": {"description": "missing or unknown API key", "content": {"application/json": {"schema": "Error"}}},
    "403": {"description": "the key's scope does not cover this", "content": {"application/json": {"schema": "Error"}}},
}


def _ok(schema, description: str, array: bool = False) -> dict:
    body = {"type": "array", "items": schema} if array else schema
    return {"200": {"description": description, "content": {"application/json": {"schema": body}}},
            **AUTH_ERRORS}


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    spec = APISpec(
        title="Provincial cluster planning and reporting API", version="1.0.0",
        openapi_version="3.0.3", plugins=[MarshmallowPlugin()],
        info={"description": "Public contract v1 (DESIGN 3.4). Every /api call needs "
                             "'Authorization: Bearer <api_key>' from var/credentials.json."})
    spec.components.security_scheme("apiKey", {"type": "http", "scheme": "bearer"})
    for name in ("Error", "Health", "Cluster", "PlanSummary", "IndicatorResults", "Rejection"):
        spec.components.schema(name, schema=getattr(schemas, name))
    spec.components.schema("Plan", schema=PlanSchema)
    secured = [{"apiKey": []}]
    plan_id = {"name": "plan_id", "in": "path", "required": True, "schema": {"type": "string"}}
    spec.path("/health", operations={"get": {
        "summary": "Liveness of every service (no auth)",
        "responses": {"200": {"description": "all services answer",
                              "content": {"application/json": {"schema": "Health"}}},
                      "503": {"description": "some service does not answer",
                              "content": {"application/json": {"schema": "Health"}}}}}})
    spec.path("/api/clusters", operations={"get": {
        "summary": "The 18 provincial clusters and their provinces (reference data in force)",
        "security": secured, "responses": _ok("Cluster", "clusters", array=True)}})
    spec.path("/api/plans", operations={"get": {
        "summary": "Plans the key may see", "security": secured,
        "responses": _ok("PlanSummary", "plans", array=True)}})
    spec.path("/api/plans/{plan_id}", operations={"get": {
        "summary": "A plan with its development issues, indicators, targets and projects",
        "security": secured, "parameters": [plan_id],
        "responses": {**_ok("Plan", "the plan"),
                      "404": {"description": "no such plan",
                              "content": {"application/json": {"schema": "Error"}}}}}})
    spec.path("/api/plans/{plan_id}/indicator-results", operations={"get": {
        "summary": "Cluster value, per-province values, target and status of every indicator",
        "security": secured,
        "parameters": [plan_id, {"name": "period", "in": "query", "required": True,
                                 "description": "FY2567, FY2567-Q2 or 2024-01",
                                 "schema": {"type": "string"}}],
        "responses": {**_ok("IndicatorResults", "results for the period"),
                      "400": {"description": "missing or invalid period",
                              "content": {"application/json": {"schema": "Error"}}}}}})
    spec.path("/api/rejections", operations={"get": {
        "summary": "Rejected province reports, newest first", "security": secured,
        "parameters": [{"name": "province", "in": "query", "required": False,
                        "schema": {"type": "string"}, "description": "e.g. TH-34"}],
        "responses": _ok("Rejection", "rejections", array=True)}})
    return spec.to_dict()

"""The reporting window of a plan and the OSM's extensions of it (step 15, docs/approvals.md
section 5; reporting/window.py keeps the rule): a plan's periods close for reports after their
due date plus the plan's ``validation.report_expiry_days``; the cluster's OSM (or the admin)
reopens one for a province until a day."""
from __future__ import annotations

from services.contracts import access

from ..rpc import call
from .common import json_body, json_response, reporting_plan, visible_plan
from .routing import RouteTable, ok
from .routing import json_body as body_of

routes = RouteTable()
ACTOR_FIELDS = ("role", "scope", "person", "duty")
DATE = {"type": "string", "format": "date"}
EXTENSION_REQUEST = {
    "type": "object", "required": ["province", "period", "until", "reason"],
    "additionalProperties": False, "properties": {
        "province": {"type": "string", "examples": ["TH-34"]},
        "period": {"type": "string", "description": "a reporting period of the plan; the "
                                                    "periods within it are reopened too",
                   "examples": ["FY2568-Q2"]},
        "until": {**DATE, "description": "the last day (Bangkok) reports are accepted"},
        "reason": {"type": "string", "minLength": 1, "maxLength": 2000}}}
EXTENSION = {
    "type": "object", "required": ["plan_id", "province", "period", "until", "reason", "by", "at",
                                   "closes_on", "in_force"],
    "properties": {
        **EXTENSION_REQUEST["properties"], "plan_id": {"type": "string"},
        "cluster": {"type": "string"},
        "by": {"type": "string", "description": "who granted it"},
        "by_role": {"type": "string"}, "at": {"type": "string", "format": "date-time"},
        "closes_on": {**DATE, "description": "the period's last day without an extension"},
        "in_force": {"type": "boolean", "description": "until has not passed (Bangkok)"}}}
EXTENSIONS = {
    "type": "object", "required": ["plan_id", "report_expiry_days", "due_days", "extensions"],
    "properties": {
        "plan_id": {"type": "string"},
        "report_expiry_days": {"type": ["integer", "null"], "description": "the plan's window: "
                               "days after the due date a period accepts reports; null: none"},
        "due_days": {"type": "integer", "description": "days after a period's end reports are "
                                                      "due (GET /api/reporting-schedule)"},
        "extensions": {"type": "array", "items": EXTENSION}}}


def actor_of(who) -> dict:
    """The principal as reporting takes it (as the approval steps do)."""
    return {k: getattr(who, k, None) for k in ACTOR_FIELDS}


@routes.get("/api/plans/<string:plan_id>/extensions",
            "The plan's reporting window and the extensions the OSM granted (a province key: "
            "its own)", ok=ok(EXTENSIONS, "the window and the extensions, by period and "
                                           "province"),
            errors={404: "no such plan"})
def list_extensions(gw, request, plan_id):
    who, _ = reporting_plan(gw, request, plan_id)
    provinces = [who.scope] if who.role == access.PROVINCE else None
    return json_response(call(gw.reporting, "extensions", plan_id, provinces))


@routes.post("/api/plans/<string:plan_id>/extensions",
             "Reopen a closed period for a province's reports until a day (the cluster's OSM or "
             "the admin), with a reason; a later grant for the same province and period "
             "replaces the earlier one",
             body=body_of(EXTENSION_REQUEST), ok=ok(EXTENSION, "the extension as kept", 201),
             errors={400: "what is wrong and where (a field, a day that has passed, a plan "
                          "with no window...)", 404: "no such plan"})
def grant_extension(gw, request, plan_id):
    who, _ = visible_plan(gw, request, plan_id)
    body = json_body(request)
    return json_response(call(gw.reporting, "grant_extension", plan_id, body, actor_of(who)),
                         201)

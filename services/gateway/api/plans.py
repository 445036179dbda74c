"""Plans and their reference data: clusters, the agencies directory, plans, their versions, the
plan workbook (DESIGN 3.4)."""
from __future__ import annotations

import base64

from werkzeug.wrappers import Response

from services.contracts import access
from services.contracts.plans import AgencySchema, PlanSchema

from ..listing import MAX_LISTED, listed_problems
from ..rpc import call
from . import json_types
from .common import (MAX_UPLOAD_BYTES, ApiError, attachment, body_bytes, changeable_plan, forbidden,
                     json_body, json_response, known_clusters, only_fields, plan_version,
                     principal, sheet_format, visible_plan)
from .routing import FILE, SHEET_FORMAT, XLSX, RouteTable, file_ok
from .routing import json_body as body_of
from .routing import ok, param

routes = RouteTable()


@routes.get("/api/clusters", "The 18 provincial clusters and their provinces (reference data "
                             "in force)", ok=ok("Cluster", "clusters", array=True))
def clusters(gw, request):
    principal(gw, request)
    reference = call(gw.plans, "list_clusters")
    headers = {}
    if reference["version"]:
        headers["X-Reference-Version"] = reference["version"]["version_id"]
    return json_response(reference["clusters"], headers=headers)


@routes.get("/api/agencies", "The agencies directory (a province key: its province; an OSM: its "
                             "cluster)", ok=ok("Agency", "agencies", array=True),
            query=tuple(param(n) for n in ("province", "role", "kind")))
def agencies(gw, request):
    who = principal(gw, request)
    visible = access.agency_provinces(who, known_clusters(gw))
    province = request.args.get("province")
    if province:
        if visible is not None and province not in visible:
            raise forbidden(f"{who} does not see agencies of {province}")
        visible = [province]
    found = call(gw.plans, "list_agencies", visible)
    role, kind = request.args.get("role"), request.args.get("kind")
    return json_response([a for a in found if (not role or role in a["roles"])
                          and (not kind or a["kind"] == kind)])


@routes.put("/api/agencies/<string:code>", "Add or change an agency (the OSM of its province's "
                                           "cluster, or the admin)",
            body=body_of("AgencyChange"), ok=ok("Agency", "the agency as kept"),
            errors={400: "what is wrong with it"})
def save_agency(gw, request, code):
    who = principal(gw, request)
    body = json_body(request)
    json_types.check(AgencySchema, body)
    if body.get("code", code) != code:
        raise ApiError(400, "bad_request", f"the body names agency {body.get('code')!r}, "
                                           f"the URL {code!r}")
    known = known_clusters(gw)
    access.check_can_change_agency(who, body.get("province"), known)
    return json_response(call(gw.plans, "save_agency", {**body, "code": code},
                              access.agency_provinces(who, known)))


@routes.get("/api/plans", "Plans the key may see (drafts only to their OSM and the admin)",
            ok=ok("PlanSummary", "plans", array=True))
def list_plans(gw, request):
    return json_response(access.visible_plans(principal(gw, request), call(gw.plans, "list_plans")))


@routes.post("/api/plans", "Create a plan as a draft (the cluster's OSM or the admin)",
             body=body_of("PlanDocument"), ok=ok("PlanSummary", "the new draft", 201),
             errors={400: "the plan breaks rules; every problem is named",
                     409: "its id is taken"})
def create_plan(gw, request):
    who = principal(gw, request)
    document = json_body(request)
    json_types.check(PlanSchema, document, enums=("status",))
    access.check_can_change_plan(who, str(document.get("cluster")))
    return json_response(call(gw.plans, "create_plan", document), 201)


@routes.get("/api/plans/<string:plan_id>", "A plan with its development issues, indicators, "
                                           "targets and projects",
            query=(param("version", "an earlier version (see history)",
                         schema={"type": "integer"}),),
            ok=ok("Plan", "the plan"), errors={400: "version is not a number",
                                               404: "no such plan, or no such version"})
def get_plan(gw, request, plan_id):
    who, plan = visible_plan(gw, request, plan_id)
    version = request.args.get("version")
    if version is None:
        return json_response(plan)
    return json_response(plan_version(gw, who, plan_id, version))


@routes.put("/api/plans/<string:plan_id>", "Replace a draft (not a published plan: revise that)",
            body=body_of("PlanDocument"), ok=ok("PlanSummary", "the edited draft"),
            errors={400: "the plan breaks rules", 404: "no such plan",
                    409: "the plan is not a draft"})
def update_draft(gw, request, plan_id):
    changeable_plan(gw, request, plan_id)
    document = json_body(request)
    json_types.check(PlanSchema, document, enums=("status",))
    return json_response(call(gw.plans, "update_draft", plan_id, document))


@routes.post("/api/plans/<string:plan_id>/publish", "Publish a draft: reporting starts accepting "
                                                    "reports against it",
             body=body_of("PublishRequest", required=False), ok=ok("PlanSummary", "published"),
             errors={404: "no such plan", 409: "not a draft"})
def publish_plan(gw, request, plan_id):
    who, _ = changeable_plan(gw, request, plan_id)
    access.check_may(who, "publish_plan")  # of an OSM's people, the director publishes
    body = json_body(request, default={})
    only_fields(body, ("approved_by",))
    if not isinstance(body.get("approved_by"), (str, type(None))):
        raise ApiError(400, "bad_request", "approved_by must be text (the approving body)")
    return json_response(call(gw.plans, "publish_plan", plan_id, str(who), body.get("approved_by")))


@routes.post("/api/plans/<string:plan_id>/revisions",
             "Revise a published plan: a new version with a reason and the approving body; "
             "emits plan_published, target_revised, project_registered/changed/cancelled",
             body=body_of("RevisionRequest"), ok=ok("PlanSummary", "the new version", 201),
             errors={400: "no reason, no change, a removed project, or a rule broken",
                     404: "no such plan", 409: "not published, or changed meanwhile"})
def revise_plan(gw, request, plan_id):
    who, _ = changeable_plan(gw, request, plan_id)
    access.check_may(who, "publish_plan")  # a revision is in force at once, as a publication
    body = json_body(request)
    only_fields(body, ("plan", "reason", "approved_by"))
    if not isinstance(body.get("plan"), dict) or not isinstance(body.get("reason"), str) \
            or not isinstance(body.get("approved_by"), (str, type(None))):
        raise ApiError(400, "bad_request", 'send {"plan": {…the whole revised plan…}, '
                                           '"reason": "…", "approved_by": "…"}')
    json_types.check(PlanSchema, body["plan"], "plan", enums=("status",))
    return json_response(call(gw.plans, "revise_plan", plan_id, body["plan"], body["reason"],
                              body.get("approved_by"), str(who)), 201)


@routes.get("/api/plans/<string:plan_id>/history", "Every version of the plan, with who changed "
                                                   "it, why and who approved",
            ok=ok("HistoryEntry", "versions, oldest first", array=True),
            errors={404: "no such plan"})
def plan_history(gw, request, plan_id):
    who, _ = visible_plan(gw, request, plan_id)
    history = call(gw.plans, "plan_history", plan_id)
    if not access.sees_drafts(who):  # drafts are the OSM's work in progress
        history = [h for h in history if h["status"] != "draft"]
    return json_response(history)


@routes.get("/api/plans/<string:plan_id>/export", "The whole plan as an Excel workbook (Thai "
                                                  "headers) or a zip of CSV files",
            query=(SHEET_FORMAT,), ok=file_ok("the file (Content-Disposition: attachment)",
                                              types=(XLSX, "application/zip")),
            errors={400: "an unknown format", 404: "no such plan"})
def export_plan(gw, request, plan_id):
    visible_plan(gw, request, plan_id)
    fmt = sheet_format(request)
    exported = call(gw.plans, "export_plan", plan_id, fmt)
    return Response(base64.b64decode(exported["base64"]), content_type=exported["content_type"],
                    headers={"Content-Disposition": attachment(exported["filename"])})


@routes.post("/api/plans/import", "Create (new id), edit (a draft) or revise (published: give "
                                  "reason and approved_by) a plan from a workbook; see "
                                  "docs/plan-workbook.md",
             query=(SHEET_FORMAT, param("reason"), param("approved_by"),
                    param("plan", "the plan the workbook must be of (a form that revises one "
                                  "plan): another plan's workbook is refused, nothing applied")),
             body={"required": True, "content": {XLSX: {"schema": FILE},
                                                 "application/zip": {"schema": FILE}}},
             ok=ok("PlanSummary", "applied", 201),
             errors={400: "nothing applied; error.problems lists the bad cells as {sheet, row, "
                          f"column, message}} (at most {MAX_LISTED}; error.problems_total counts "
                          "them all)", 409: None})
def import_plan(gw, request):
    """Create, edit or revise a plan from a workbook; every bad cell is named, nothing applied."""
    who = principal(gw, request)
    if not access.can_import_plans(who):
        raise forbidden("only an OSM or the admin imports plans")
    fmt = sheet_format(request)
    data = body_bytes(request, MAX_UPLOAD_BYTES)
    if not data:
        raise ApiError(400, "bad_request", "send the workbook as the request body")
    result = call(gw.plans, "import_plan", base64.b64encode(data).decode("ascii"), fmt, str(who),
                  request.args.get("reason"), request.args.get("approved_by"),
                  who.scope if who.role == access.OSM else None, request.args.get("plan") or None,
                  access.may(who, "publish_plan"), timeout=60)
    if "forbidden" in result:
        raise forbidden(result["forbidden"])
    if "problems" in result:
        return json_response({"error": {"code": "invalid_workbook", "message": result["message"],
                                        **listed_problems(result["problems"])}}, 400)
    return json_response(result["plan"], 201)


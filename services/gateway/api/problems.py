"""Problems analysed together (extension of contract v1): the cause code list the admin edits,
each problem's current state, the OSM's updates, and the analysis for the annual review meeting
(JSON, CSV, or one Excel workbook)."""
from __future__ import annotations

from werkzeug.wrappers import Response

from services.contracts import access
from services.contracts.plans import holds_sample
from services.contracts.problems import STATUSES

from .. import problem_exports
from ..rpc import call
from .common import (ApiError, admin, attachment, file_response, forbidden, json_body,
                     json_response, known_clusters, only_fields, page, paginated, principal, reporting_plan)
from .routing import AS_FILE, PAGE, XLSX, RouteTable, ok, param
from .routing import json_body as body_of

routes = RouteTable()
FILTER_PARAMS = (
    param("cause", "a cause code (GET /api/problem-causes)"),
    param("issue", "development issue number",
          schema={"type": "integer", "minimum": 0, "maximum": 1000000}),
    param("province", "e.g. TH-34"),
    param("fiscal_year", "B.E. fiscal year, e.g. 2567",
          schema={"type": "integer", "minimum": 2500, "maximum": 2800}),
    param("status", "open, in_progress or resolved",
          schema={"type": "string", "enum": list(STATUSES)}),
)


@routes.get("/api/problem-causes", "The cause code list of problems and obstacles, Thai and "
                                   "English labels, with its version and who changed it when",
            ok=ok("ProblemCauseList", "the list in force"))
def problem_causes(gw, request):
    principal(gw, request)
    return json_response(call(gw.reporting, "problem_causes"))


@routes.get("/api/problem-causes/history", "Every version of the cause code list, newest "
                                           "first (who changed it, when)",
            ok=ok("ProblemCauseList", "versions saved (the shipped default is version 0)",
                  array=True))
def problem_cause_history(gw, request):
    principal(gw, request)
    return json_response(call(gw.reporting, "problem_cause_history"))


@routes.put("/api/problem-causes", "Replace the cause code list (admin): codes, Thai and "
                                   "English labels, retired; a cause still used is retired, "
                                   "never removed",
            body=body_of("ProblemCauseListChange"), ok=ok("ProblemCauseList", "the new version"),
            errors={409: "another version was saved since the one edited"})
def set_problem_causes(gw, request):
    who = admin(gw, request, "only the admin edits the cause code list")
    body = json_body(request)
    unknown = sorted(set(body) - {"causes", "version"})
    if unknown:
        raise ApiError(400, "bad_request", f"unknown field(s) {', '.join(unknown)}; send "
                                           '{"causes": [...], "version": n}')
    version = body.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)
                                or version < 0):
        raise ApiError(400, "bad_request", "version must be a whole number (the one edited)")
    return json_response(call(gw.reporting, "set_problem_causes", body.get("causes"), str(who),
                              version))


def _filters(request) -> dict:
    """The filter query parameters, checked (a bad number is named)."""
    found = {}
    for name in ("cause", "province"):
        if request.args.get(name):
            found[name] = request.args[name]
    if "status" in request.args:
        found["status"] = request.args["status"]
        if found["status"] not in STATUSES:
            raise ApiError(400, "bad_request", f"status must be one of {', '.join(STATUSES)}")
    for name, low, high in (("issue", 0, 10**6), ("fiscal_year", 2500, 2800)):
        raw = request.args.get(name)
        if raw is None:
            continue
        if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
            raise ApiError(400, "bad_request", f"{name} {raw!r} must be a whole number from "
                                               f"{low} to {high}")
        found[name] = int(raw)
    return found


def _scoped(gw, request, plan_id):
    """(plan, filters, provinces): a province key is held to its own province."""
    who, plan = reporting_plan(gw, request, plan_id)
    filters = _filters(request)
    own = access.own_province(who, filters.get("province"))
    if own:
        filters["province"] = own
    return plan, filters, [own] if who.role == access.PROVINCE else None


def _names(gw, plan: dict) -> dict:
    """Thai names by province code and by the plan's agency codes, for the files."""
    return {**{p["code"]: p["name_th"] for c in known_clusters(gw) for p in c["provinces"]},
            **{a["code"]: a["name_th"] for a in plan.get("agencies", [])}}


@routes.get("/api/plans/<string:plan_id>/problem-items",
            "Each structured problem in its current state (its latest report's item, or the "
            "OSM's later update): cause, severity, status, owner agency, remedies, fiscal years "
            "reported (a province key: its own)",
            query=FILTER_PARAMS + (param("project", "project code"), AS_FILE) + PAGE,
            ok=ok("ProblemState", "problems, newest report first", array=True, paged=True),
            errors={404: "no such plan"})
def problem_items(gw, request, plan_id):
    plan, filters, provinces = _scoped(gw, request, plan_id)
    found = call(gw.reporting, "current_problems", plan_id, filters, provinces,
                 request.args.get("project") or None)
    fmt = request.args.get("format")
    page(request)
    if fmt is not None:
        return file_response(f"{plan_id}-problems", fmt,
                             *problem_exports.problems_table(found, _names(gw, plan)),
                             sample=holds_sample(plan))
    return paginated(request, found)


@routes.post("/api/plans/<string:plan_id>/problems/<string:problem_id>",
             "Update a problem (the cluster's OSM or the admin): status, owner_agency, remedies "
             "and/or a note, kept with who and when; a report made later wins over it",
             query=(param("project", "the project, when the problem_id was reported for more "
                                     "than one"),),
             body=body_of("ProblemUpdate"), ok=ok("ProblemState", "the problem as it now stands"),
             errors={404: "no such plan, or no such problem in it"})
def update_problem(gw, request, plan_id, problem_id):
    who, plan = reporting_plan(gw, request, plan_id)
    if not access.can_change_plan(who, plan["cluster"]):
        raise forbidden(f"only the OSM of cluster {plan['cluster']} or the admin updates its "
                        "problems")
    body = json_body(request)
    only_fields(body, ("status", "owner_agency", "remedies", "note"))
    return json_response(call(gw.reporting, "update_problem", plan_id, problem_id, body,
                              str(who), request.args.get("project") or None))


@routes.get("/api/plans/<string:plan_id>/problem-analysis",
            "Problems analysed together: counts and budget at stake by cause x development issue "
            "x province x fiscal year, causes recurring across fiscal years, the Pareto of "
            "causes; format=xlsx: the annual review workbook (a sheet each), csv: the groups",
            query=FILTER_PARAMS + (AS_FILE,),
            ok=ok("ProblemAnalysis", "the analysis"), errors={404: "no such plan"})
def problem_analysis(gw, request, plan_id):
    plan, filters, provinces = _scoped(gw, request, plan_id)
    fmt = request.args.get("format")
    if fmt not in (None, "csv", "xlsx"):
        raise ApiError(400, "bad_request", "format must be one of csv, xlsx")
    result = call(gw.reporting, "problem_analysis", plan_id, filters, provinces)
    if fmt == "csv":
        return file_response(f"{plan_id}-problem-analysis", fmt,
                             *problem_exports.groups_table(result, _names(gw, plan)),
                             sample=holds_sample(plan))
    if fmt == "xlsx":
        name = f"{plan_id}-problem-review.xlsx"
        return Response(problem_exports.review_workbook(result, _names(gw, plan),
                                                        holds_sample(plan)),
                        content_type=XLSX, headers={"Content-Disposition": attachment(name)})
    return json_response(result)

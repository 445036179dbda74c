"""The reporting views of a plan (DESIGN 3.4): indicator results and series, the reports behind
them, problems, project progress, completeness, disbursement targets, rejections."""
from __future__ import annotations

from services.contracts import access
from services.contracts.plans import holds_sample
from services.contracts.periods import PeriodError, bad_period_th, parse_period

from .. import exports, targets_view
from ..rpc import call
from .common import (ApiError, file_response, forbidden, json_body, json_response, known_clusters,
                     only_fields, paginated, principal, reporting_plan, view_or_file)
from .routing import AS_FILE, PAGE, PERIOD, RouteTable, ok, param
from .routing import json_body as body_of
from ..evidence_links import with_links

routes = RouteTable()
PLAN_ERRORS = {404: "no such plan"}


def checked_period(period: str) -> None:
    try:
        parse_period(period)
    except PeriodError as exc:  # a person chose or typed it: English / Thai
        raise ApiError(400, "bad_request", f"{exc} / {bad_period_th(period)}") from None


@routes.get("/api/plans/<string:plan_id>/indicator-results",
            "Cluster value, per-province values, target and status of every indicator, and how "
            "certain each figure is (its province's approval of the period)",
            query=(param("period", "FY2567, FY2567-Q2 or 2024-01; a fiscal year of a quarterly or "
                                   "monthly indicator is rolled up (cumulative: latest "
                                   "year-to-date value)", required=True, schema=PERIOD), AS_FILE),
            ok=ok("IndicatorResults", "results for the period"),
            errors={400: "missing or invalid period", 404: "no such plan"})
def indicator_results(gw, request, plan_id):
    who, plan = reporting_plan(gw, request, plan_id)
    period = request.args.get("period")
    if not period:
        raise ApiError(400, "bad_request", "query parameter 'period' is required, "
                                           "e.g. ?period=FY2567-Q2")
    checked_period(period)
    results = access.results_for(who, call(gw.reporting, "indicator_results", plan_id, period))
    targets_view.name_provinces(results["results"], province_names(gw))
    fmt = request.args.get("format")
    if fmt is not None:
        own = {who.scope} if who.role == access.PROVINCE else set(plan["provinces"])
        provinces = sorted({p for r in results["results"] for p in r["provinces"]} | own)
        return file_response(f"{plan_id}-{period}-indicators", fmt, *exports.with_internal_column(
            targets_view.extended(exports.indicator_results_table(results, provinces),
                                  results["results"], provinces), results["results"]),
                             sample=holds_sample(plan))
    return json_response(results)


@routes.get("/api/plans/<string:plan_id>/indicators/<string:code>/series",
            "One indicator across every period reported so far (time order), each with target, "
            "status and Thai/English period labels",
            query=(AS_FILE,), ok=ok("IndicatorSeries", "the series"),
            errors={404: "no such plan, or no such indicator in it"})
def indicator_series(gw, request, plan_id, code):
    who, plan = reporting_plan(gw, request, plan_id)
    if not any(i["code"] == code for issue in plan["issues"] for i in issue["indicators"]):
        raise ApiError(404, "not_found", f"plan {plan_id} has no indicator {code!r}")
    series = call(gw.reporting, "indicator_series", plan_id, code)
    series["series"] = access.results_for(who, {"results": series["series"]})["results"]
    series["provinces"] = access.province_figures(who, series["provinces"])
    targets_view.name_series(series, province_names(gw))
    provinces = list(series["provinces"])
    return view_or_file(request, series, f"{plan_id}-{code}-series", lambda view: (
        exports.with_internal_column(targets_view.extended(
            exports.series_table(view), view["series"], provinces), view["series"])),
                        holds_sample(plan))


def province_names(gw) -> dict:
    """Province names from the reference data, for the views' ``by_province``."""
    return targets_view.cached_names(lambda: known_clusters(gw))


@routes.get("/api/plans/<string:plan_id>/reports",
            "Drill-down: the accepted reports behind the views, newest first, each with status "
            "in_force or superseded, retraction, received_at, sender (a province key: its "
            "own province) and the evidence cited, each file with its download url",
            query=tuple(param(n, d) for n, d in (("province", "e.g. TH-34"),
                                                  ("indicator", "indicator code"),
                                                  ("project", "project code"),
                                                  )) + (param("period", schema=PERIOD), AS_FILE),
            ok=ok("Reports", "the reports"), errors=PLAN_ERRORS)
def reports(gw, request, plan_id):
    """Drill-down: the reports behind a value (a province key sees its own province's)."""
    who, plan = reporting_plan(gw, request, plan_id)
    province = access.own_province(who, request.args.get("province"))
    args = request.args
    if args.get("period") is not None:
        checked_period(args["period"])
    result = with_links(call(gw.reporting, "reports", plan_id, province, args.get("indicator"),
                             args.get("project"), args.get("period")))
    return view_or_file(request, result, f"{plan_id}-reports", exports.reports_table,
                        holds_sample(plan))


@routes.get("/api/plans/<string:plan_id>/problems",
            "Problems and obstacles reported with project progress, newest first",
            query=(param("issue", "development issue number",
                         schema={"type": "integer", "minimum": 0}),)
            + tuple(param(n, d) for n, d in (("project", "project code"),
                                                  ("province", "e.g. TH-34"),
                                                  ("q", "text in problems or solutions")))
            + (AS_FILE,) + PAGE,
            ok=ok("Problem", "register entries", array=True, paged=True), errors=PLAN_ERRORS)
def problems(gw, request, plan_id):
    """The problems-and-obstacles register; a province key sees its own province's."""
    who, plan = reporting_plan(gw, request, plan_id)
    issue = request.args.get("issue")
    if issue is not None and not (issue.isascii() and issue.isdigit()):  # "²" is a digit too
        raise ApiError(400, "bad_request", f"issue {issue!r} is not a development issue number")
    province = access.own_province(who, request.args.get("province"))
    found = call(gw.reporting, "problems", plan_id, int(issue) if issue else None,
                 request.args.get("project"), [province] if province else None,
                 request.args.get("q"))
    return view_or_file(request, found, f"{plan_id}-problems", exports.problems_table,
                        holds_sample(plan))


@routes.get("/api/plans/<string:plan_id>/projects/progress",
            "Each project: physical %, disbursed THB and % of budget, planned disbursement to "
            "date, the government's target for the quarter, procurement stage, behind-schedule "
            "flag with reasons, and the provinces' reports",
            query=(AS_FILE,), ok=ok("ProjectProgress", "progress"), errors=PLAN_ERRORS)
def project_progress(gw, request, plan_id):
    who, plan = reporting_plan(gw, request, plan_id)
    status = call(gw.reporting, "project_status", plan_id)
    for row in status["projects"]:  # a province: its own province's figures only
        row["provinces"] = access.province_figures(who, row["provinces"])
    return view_or_file(request, status, f"{plan_id}-projects", exports.project_progress_table,
                        holds_sample(plan))


@routes.get("/api/plans/<string:plan_id>/completeness",
            "Per province: reports expected for the period, received, on time (by the due date: "
            "period end + due_days), late, missing, completeness and timeliness %, and its "
            "approval of the period; how many are approved, and approved by the due date",
            query=(param("period", required=True, schema=PERIOD), AS_FILE),
            ok=ok("Completeness", "completeness"), errors=PLAN_ERRORS)
def completeness(gw, request, plan_id):
    who, plan = reporting_plan(gw, request, plan_id)
    period = request.args.get("period")
    if not period:
        raise ApiError(400, "bad_request", "query parameter 'period' is required, e.g. FY2567-Q2")
    result = call(gw.reporting, "completeness", plan_id, period)
    if who.role == access.PROVINCE:
        result["provinces"] = [r for r in result["provinces"] if r["province"] == who.scope]
    return view_or_file(request, result, f"{plan_id}-{period}-completeness",
                        exports.completeness_table, holds_sample(plan))


@routes.get("/api/disbursement-targets",
            "The government's cumulative disbursement targets by fiscal year and quarter",
            ok=ok("DisbursementTargets", "targets"))
def disbursement_targets(gw, request):
    principal(gw, request)
    return json_response(call(gw.reporting, "disbursement_targets"))


@routes.get("/api/rejections", "Rejected reports, newest first: a province key its own, an "
            "agency key those of its own reports, an OSM key its cluster's provinces' and "
            "agencies'",
            query=(param("province", "e.g. TH-34"),) + PAGE,
            ok=ok("Rejection", "rejections", array=True, paged=True))
def rejections(gw, request):
    who = principal(gw, request)
    requested = request.args.get("province") or None
    clusters = known_clusters(gw) if who.role in (access.OSM, access.AUDITOR) else []
    provinces = access.rejection_provinces(who, requested, clusters)
    plans = call(gw.plans, "list_plans") if who.role in (access.OSM, access.AUDITOR) else []
    agencies = access.rejection_agencies(who, requested, plans)
    return paginated(request, call(gw.reporting, "list_rejections", provinces, 500, agencies))


FLAG_STATUSES = ("to_check", "checked", "correction_requested")


@routes.get("/api/plans/<string:plan_id>/flags",
            "Values accepted but flagged to check (outliers: far from the province's own earlier "
            "periods, or from the other provinces), newest first, with what each was compared "
            "with and the OSM's review (a province key: its own)",
            query=(param("status", "to_check, checked or correction_requested",
                         schema={"type": "string", "enum": list(FLAG_STATUSES)}),
                   param("province", "e.g. TH-34")) + PAGE,
            ok=ok("Flag", "flagged values", array=True, paged=True), errors=PLAN_ERRORS)
def flags(gw, request, plan_id):
    who, _ = reporting_plan(gw, request, plan_id)
    status = request.args.get("status")
    if status is not None and status not in FLAG_STATUSES:
        raise ApiError(400, "bad_request", f"status must be one of {', '.join(FLAG_STATUSES)}")
    province = access.own_province(who, request.args.get("province"))
    return paginated(request, call(gw.reporting, "list_flags", plan_id, status,
                                   [province] if province else None))


@routes.post("/api/plans/<string:plan_id>/flags/<string:flag_id>",
             "Review a flagged value (the cluster's OSM or the admin): checked, or ask the "
             "province to correct it (it is mailed, in Thai and English)",
             body=body_of("FlagReview"), ok=ok("Flag", "the flag as reviewed"),
             errors={404: "no such plan, or no such flag in it"})
def review_flag(gw, request, plan_id, flag_id):
    who, plan = reporting_plan(gw, request, plan_id)
    if not access.can_change_plan(who, plan["cluster"]):
        raise forbidden(f"only the OSM of cluster {plan['cluster']} or the admin reviews its "
                        "flagged values")
    body = json_body(request)
    only_fields(body, ("action", "note"))
    if body.get("action") not in FLAG_STATUSES[1:]:
        raise ApiError(400, "bad_request", 'send {"action": "checked" | "correction_requested", '
                                           '"note": "…"}')
    if not isinstance(body.get("note"), (str, type(None))) or len(body.get("note") or "") > 2000:
        raise ApiError(400, "bad_request", "note must be text of at most 2,000 characters")
    return json_response(call(gw.reporting, "review_flag", plan_id, flag_id, body["action"],
                              str(who), body.get("note")))

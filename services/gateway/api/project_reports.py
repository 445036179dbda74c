"""Project progress over HTTP: an implementing agency (or a province) sends its reports with its
API key (or signed in), and they go out as its report events on the gateway's route, naming who
sent them (services/gateway/project_reports.py)."""
from __future__ import annotations

from services.contracts import access

from .. import project_reports, province_reports
from ..rpc import call
from .common import (ApiError, forbidden, json_array, json_response, principal, visible_plan)
from .routing import RouteTable, json_body as body_of, ok

routes = RouteTable()
MAX_ITEMS = 500


@routes.post("/api/plans/<string:plan_id>/project-reports",
             "Send project progress as the sender's report events (the gateway publishes them on "
             "its own route naming who sent them): an implementing agency's "
             "key for the projects it implements, a province key for the projects running in "
             "it. All items or none; the same content sent again is not sent again (event ids "
             "derive from the sender, the plan and the content); internal: true marks an item "
             "not to be published outside the government (false: the same as left out)",
             body=body_of("ProjectReportItems"),
             ok=ok("ProjectReportsSent", "sent: the report events went to the intake; follow "
                                         "them with GET …/report-status", 202),
             errors={400: "nothing sent: error.problems lists each item's problems (item: its "
                          "index)", 404: "no such plan"})
def send_project_reports(gw, request, plan_id):
    principal(gw, request)
    items = json_array(request)  # read and bounded first (413, 400) whoever sends it
    who, plan = visible_plan(gw, request, plan_id)
    if not access.sends_project_reports(who):
        raise forbidden("only an implementing agency (its own projects) or a province (the "
                        "projects running in it) sends project reports; an OSM or the admin "
                        "reads them")
    if not 1 <= len(items) <= MAX_ITEMS:
        raise ApiError(400, "bad_request", f"send 1 to {MAX_ITEMS} project reports in a JSON array")
    province = who.scope if who.role == access.PROVINCE else None
    agency = who.scope if who.role == access.AGENCY else None
    problems = [(i, p) for i, item in enumerate(items)
                if (p := project_reports.item_problem(item, i, province, plan))]
    bodies = []
    if not problems:
        bodies = project_reports.bodies(items, plan_id, str(who), province)
        reasons = call(gw.reporting, "check_reports", province, bodies, agency)
        problems = [(i, f"item {i}: {reason}") for i, reason in enumerate(reasons) if reason]
    if problems:
        return json_response({"error": {
            "code": "invalid_reports", "message": f"{len(problems)} problem(s); nothing was sent",
            "message_th": f"พบ {len(problems)} ข้อผิดพลาด ยังไม่ได้ส่งรายงานใด",
            "problems": [{"item": i, "message": text} for i, text in problems[:200]],
            "problems_total": len(problems), "problems_shown": min(len(problems), 200)}}, 400)
    statuses = call(gw.reporting, "report_statuses", plan_id, province,
                    [b["event_id"] for b in bodies], agency)
    fresh, ids = province_reports.to_send(bodies, statuses)
    province_reports.send(gw.config, who.scope, fresh, who)
    return json_response({"plan_id": plan_id, "province": province, "agency": agency,
                          "event_ids": ids, "sent": len(fresh),
                          "already_received": len(ids) - len(fresh)}, 202)

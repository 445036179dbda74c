"""Indicator values typed in a form instead of a workbook (the dashboard's /report-entry page,
or any client): the same reading, rules, report bodies, event ids and publishing as a workbook's
send (api/workbooks.py), so the reports are exactly those the workbook would have made."""
from __future__ import annotations

from services.contracts import access
from services.infra import report_workbook

from .. import province_reports
from ..rpc import call
from .common import ApiError, forbidden, json_array, principal, reporting_plan
from .routing import RouteTable, json_body as body_of, ok
from .workbooks import CHECKED, nothing_sent, reporting_province, send_checked

routes = RouteTable()
MAX_ITEMS = 500


@routes.post("/api/plans/<string:plan_id>/reports",
             "Send indicator values typed in a form as the province's report events (a "
             "province key or person only; the gateway publishes them on its own route naming "
             "who sent them): each item {indicator, period, value, note, evidence, internal} "
             "is read and checked as a workbook row is, then by the intake's rules; all items "
             "or none. "
             "The same value sent again is not sent again (event ids derive from the content, "
             "as the workbook's); follow them with GET …/report-status",
             body=body_of("TypedReportItems"),
             ok=ok("WorkbookSent", CHECKED + " (sheet: entry; row: the item's index; cell: the "
                                             "field), event_ids, sent, already_received", 202),
             errors={400: "nothing sent: error.rows lists each item's problems (row: its "
                          "index)", 404: "no such plan"})
def send_reports(gw, request, plan_id):
    """Typed indicator values: checked like a workbook's rows, then sent - all or none."""
    principal(gw, request)
    items = json_array(request)  # read and bounded first (413, 400) whoever sends it
    who, plan = reporting_plan(gw, request, plan_id)
    if not access.sends_reports(who):
        raise forbidden("only the province itself sends its reports; an OSM or the admin "
                        "reads them")
    if not 1 <= len(items) <= MAX_ITEMS:
        raise ApiError(400, "bad_request", f"send 1 to {MAX_ITEMS} values in a JSON array")
    province = reporting_province(who, plan, None)
    upload = report_workbook.read_entries(items, plan)
    checked = province_reports.check(upload, province,
                                     lambda *args: call(gw.reporting, "check_reports", *args))
    bodies = checked.pop("bodies")
    if checked["problems"]:
        return nothing_sent(checked, "invalid_reports")
    return send_checked(gw, request, plan_id, checked, bodies)

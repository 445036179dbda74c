"""Province reporting without code: the reporting workbook, its check, sending it, and what
became of what was sent (docs/report-workbook.md)."""
from __future__ import annotations

from werkzeug.wrappers import Response

from services.contracts import access
from services.contracts.periods import PeriodError, parse_period

from .. import exports, province_reports
from ..listing import MAX_LISTED, listed_rows
from ..rpc import call
from .common import (MAX_UPLOAD_BYTES, ApiError, attachment, body_bytes, forbidden, json_response,
                     principal, reporting_plan, visible_plan)
from .routing import FILE, PERIOD, SHEET_FORMAT, XLSX, RouteTable, file_ok, ok, param

routes = RouteTable()
PROVINCE = param("province", "e.g. TH-34; a province key: its own (may be left out)")
WORKBOOK_BODY = {"required": True, "content": {XLSX: {"schema": FILE}, "text/csv": {"schema": {"type": "string"}}}}
CHECKED = (f"the rows {{sheet, row, kind, subject, period, event_id, errors: [{{cell, message_th, "
           f"message_en}}]}} (at most {MAX_LISTED} rows and {MAX_LISTED} problems listed: rows "
           "with problems first), problems (the total count), problems_total, problems_shown, "
           "rows_total, rows_shown, reports")


@routes.get("/api/plans/<string:plan_id>/report-workbook",
            "The reporting workbook of a province and period (docs/report-workbook.md): the "
            "indicators and projects it reports, targets and values in force read-only, input "
            "cells validated in Excel, Thai headers",
            query=(PROVINCE, param("period", "e.g. FY2568-Q1", required=True, schema=PERIOD)),
            ok=file_ok("the workbook (Content-Disposition: attachment)"),
            errors={400: "no such period or province", 404: "no such plan"})
def report_workbook(gw, request, plan_id):
    """The reporting workbook of a province and period: what is due, with targets and the
    values in force shown read-only, input cells validated as Excel can."""
    who, plan = reporting_plan(gw, request, plan_id)
    province = reporting_province(who, plan, request.args.get("province"))
    period = request.args.get("period") or ""
    try:
        parse_period(period)
        last = call(gw.reporting, "last_reported", plan_id, province, period)
        data = province_reports.build(plan, province, period, last)
    except (PeriodError, ValueError) as exc:
        raise ApiError(400, "bad_request", str(exc)) from None
    return Response(data, content_type=exports.FORMATS["xlsx"], headers={
        "Content-Disposition": attachment(f"{plan_id}-{province}-{period}.xlsx")})


@routes.post("/api/plans/<string:plan_id>/report-workbook/check",
             "Check a filled workbook (format=xlsx) or CSV (format=csv): every row with what is "
             "wrong and where, by the workbook's rules and the intake's own; nothing is sent",
             query=(SHEET_FORMAT, PROVINCE), body=WORKBOOK_BODY, ok=ok("WorkbookCheck", CHECKED),
             errors={400: "not a reporting workbook of this plan and province",
                     404: "no such plan"})
def check_report_workbook(gw, request, plan_id):
    """Every row of a filled workbook (or CSV) with what is wrong and where; nothing sent."""
    checked = checked_workbook(gw, request, plan_id)
    checked.pop("bodies")
    return json_response(listed_rows(checked))


@routes.post("/api/plans/<string:plan_id>/report-workbook/send",
             "Check, then send every row as the province's report event with its own AMQP login "
             "(a province key only): all rows or none; rows already received are not sent again "
             "(event ids derive from the content)",
             query=(SHEET_FORMAT,), body=WORKBOOK_BODY,
             ok=ok("WorkbookSent", CHECKED + ", event_ids, sent, already_received", 202),
             errors={400: f"nothing sent: error.rows lists the problems (at most {MAX_LISTED}; "
                          "error.problems_total counts them all)", 404: "no such plan"})
def send_report_workbook(gw, request, plan_id):
    """Check, then send every row as the province's own report event - all rows or none.
    Rows already received are not sent again."""
    if not access.sends_reports(principal(gw, request)):
        raise forbidden("only the province itself sends its reports (its own AMQP "
                        "login); an OSM or the admin may check a workbook")
    checked = checked_workbook(gw, request, plan_id)
    bodies = checked.pop("bodies")
    if checked["problems"]:
        return nothing_sent(checked, "invalid_workbook")
    return send_checked(gw, plan_id, checked, bodies)


def send_checked(gw, plan_id: str, checked: dict, bodies: list[dict]):
    """Publish a check's bodies as the province's own reports (those not received before) and
    answer 202 with the ids to follow: the workbook's send and the typed form's (api/entries.py)."""
    ids = [b["event_id"] for b in bodies]
    statuses = call(gw.reporting, "report_statuses", plan_id, checked["province"], ids)
    fresh, ids = province_reports.to_send(bodies, statuses)
    uri, username = province_reports.province_login(
        gw.config["AMQP_URI"], gw.config["CREDENTIALS_PATH"], checked["province"])
    province_reports.publish(uri, username, checked["province"], fresh,
                             ssl=gw.config.get("AMQP_SSL"))
    return json_response({**listed_rows(checked), "event_ids": ids, "sent": len(fresh),
                          "already_received": len(ids) - len(fresh)}, 202)


@routes.get("/api/plans/<string:plan_id>/report-status",
            "What became of reports a province (or an implementing agency: its own project "
            "reports) sent, by event_id: pending, in_force, superseded or rejected (with the "
            "reason)",
            query=(PROVINCE, param("event_id", required=True, style="form", explode=True,
                                   schema={"type": "array", "items": {"type": "string"}})),
            ok=ok("ReportStatuses", "{plan_id, province, statuses: {event_id: {status, reason}}}"),
            errors={400: "no province, or not 1 to 2000 event ids", 404: "no such plan"})
def report_status(gw, request, plan_id):
    """What became of reports, by event_id: pending, in_force, superseded or rejected."""
    if principal(gw, request).role == access.AGENCY:  # its own project reports
        who, _ = visible_plan(gw, request, plan_id)
        province, agency = None, who.scope
    else:
        who, plan = reporting_plan(gw, request, plan_id)
        province = reporting_province(who, plan, request.args.get("province"))
        agency = None
    ids = request.args.getlist("event_id")
    if not 1 <= len(ids) <= 2000:
        raise ApiError(400, "bad_request", "name 1 to 2000 reports with event_id=...")
    return json_response({"plan_id": plan_id, "province": province, "agency": agency,
                          "statuses": call(gw.reporting, "report_statuses", plan_id, province,
                                           ids, agency)})


def nothing_sent(checked: dict, code: str):
    """400: the check found problems, so nothing was sent; ``error.rows`` lists them."""
    return json_response({"error": {
        "code": code, "message": f"{checked['problems']} problem(s); nothing was sent",
        "message_th": f"พบ {checked['problems']} ข้อผิดพลาด ยังไม่ได้ส่งรายงานใด",
        **listed_rows(checked)}}, 400)


def reporting_province(who, plan, asked):
    """The province a reporting-workbook request is about: a province key's own; an OSM or
    the admin names one of the plan's provinces."""
    province = access.own_province(who, asked)
    if not province:
        raise ApiError(400, "bad_request", "name the province: ?province=TH-34")
    if province not in plan["provinces"]:
        raise ApiError(400, "bad_request", f"plan {plan['id']} does not cover {province} "
                       f"(it covers {', '.join(plan['provinces'])})")
    return province


def checked_workbook(gw, request, plan_id) -> dict:
    who, plan = reporting_plan(gw, request, plan_id)
    asked = request.args.get("province")
    try:
        upload = province_reports.read(plan_id, access.own_province(who, asked),
                                       request.args.get("format", "xlsx"),
                                       body_bytes(request, MAX_UPLOAD_BYTES), plan)
    except province_reports.UploadError as exc:
        raise ApiError(400, exc.code, f"{exc.message_en} / {exc.message_th}") from None
    province = reporting_province(who, plan, asked or upload.province)
    return province_reports.check(upload, province,
                                  lambda *args: call(gw.reporting, "check_reports", *args))

"""The eMENSCR export (extension of contract v1; docs/emenscr.md): a plan's projects of a fiscal
year as the workbook a planner enters into eMENSCR from, and the field list it is made with -
data the admin replaces without a release (reporting keeps it; every change is audited)."""
from __future__ import annotations

from datetime import datetime, timezone

from werkzeug.wrappers import Response

from services.contracts import access
from services.contracts.emenscr import FIELD_COLUMNS, FieldListError, parse_fields
from services.contracts.plans import holds_sample

from .. import exports
from ..emenscr import fields as field_lists
from ..emenscr import rows as emenscr_rows
from ..emenscr.workbook import workbook
from ..rpc import call
from ..targets_view import cached_names
from .common import (MAX_UPLOAD_BYTES, ApiError, admin, attachment, body_bytes, change_reason,
                     forbidden, json_response, known_clusters, principal, reporting_plan)
from .routing import REASON, RouteTable, file_ok, ok, param

routes = RouteTable()
FIELD = {"type": "object", "required": list(FIELD_COLUMNS), "properties": {
    "key": {"type": "string", "description": "what the export fills (docs/emenscr.md)"},
    "header_th": {"type": "string"}, "header_en": {"type": "string"},
    "source": {"type": "string", "description": "where the field comes from, or 'our "
                                                "assumption'"},
    "verified": {"type": "boolean", "description": "checked against an NESDC document"},
    "order": {"type": "integer", "minimum": 0}}}
FIELD_LIST = {"type": "object", "required": ["origin", "version", "keys", "fields"], "properties": {
    "origin": {"type": "string", "enum": ["shipped", "admin"],
               "description": "shipped: clusterctl/data/emenscr/fields.csv; admin: the admin's"},
    "version": {"type": "integer", "minimum": 0, "description": "one more at each change"},
    "changed_by": {"type": ["string", "null"]}, "changed_at": {"type": ["string", "null"]},
    "digest": {"type": "string", "description": "of the CSV text: a change shows in the audit "
                                                "log"},
    "keys": {"type": "array", "items": {"type": "string"}},
    "fields": {"type": "array", "items": FIELD}}}
CSV_BODY = {"required": True, "content": {"text/csv": {"schema": {
    "type": "string", "description": "UTF-8, columns " + ", ".join(FIELD_COLUMNS) + " (as "
                                     "GET ?format=csv gives)"}}}}
LIST_FORMAT = param("format", "json (the default) or csv: the list as the CSV the admin edits "
                              "(UTF-8 with a BOM)", schema={"type": "string",
                                                            "enum": ["json", "csv"]})
LIST_OK = {"200": {"description": "the list in force (with ?format=csv: the CSV itself)",
                   "content": {**ok(FIELD_LIST, "")["200"]["content"],
                               "text/csv; charset=utf-8": {"schema": {"type": "string"}}}}}
FISCAL_YEAR = param("fy", "the B.E. fiscal year of the projects, e.g. 2567", required=True,
                    schema={"type": "integer", "minimum": 2500, "maximum": 2700})


def listed_now(gw) -> dict:
    return field_lists.in_force(call(gw.reporting, "emenscr_fields"))


@routes.get("/api/emenscr/fields", "The eMENSCR export's field list in force: each column's "
                                   "key, Thai and English headers, source and whether it was "
                                   "verified against an NESDC document",
            query=(LIST_FORMAT,), ok=LIST_OK)
def emenscr_fields(gw, request):
    principal(gw, request)
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "csv"):
        raise ApiError(400, "bad_request", f"format must be json or csv, not {fmt[:20]!r} / "
                                           "format ต้องเป็น json หรือ csv")
    listed = listed_now(gw)
    if fmt == "csv":
        return Response(("\ufeff" + field_lists.as_csv(listed)).encode("utf-8"),
                        content_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": attachment("emenscr-fields.csv")})
    return json_response(field_lists.as_json(listed))


@routes.put("/api/emenscr/fields", "Replace the field list (admin) with a CSV of the same "
                                   "columns: keys the export knows, each once; every bad row is "
                                   "named by line, in Thai and English, and nothing changes",
            query=(REASON,), body=CSV_BODY, ok=ok(FIELD_LIST, "the new list in force"),
            errors={400: "the CSV is wrong: error.problems names each line"})
def set_emenscr_fields(gw, request):
    who = admin(gw, request, "only the admin changes the eMENSCR field list")
    change_reason(request)
    try:
        text = body_bytes(request, MAX_UPLOAD_BYTES).decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise ApiError(400, "bad_request", f"the CSV is not UTF-8 (byte {exc.start}) / ไฟล์ CSV "
                                           "ต้องเข้ารหัส UTF-8") from None
    try:
        parse_fields(text, "the CSV")
    except FieldListError as exc:
        return refused_list(exc)
    return json_response(field_lists.as_json(field_lists.in_force(
        call(gw.reporting, "set_emenscr_fields", text, str(who)))))


@routes.delete("/api/emenscr/fields", "Go back to the shipped field list (admin)",
               query=(REASON,), ok=ok(FIELD_LIST, "the shipped list, now in force"))
def reset_emenscr_fields(gw, request):
    who = admin(gw, request, "only the admin changes the eMENSCR field list")
    change_reason(request)
    return json_response(field_lists.as_json(field_lists.in_force(
        call(gw.reporting, "set_emenscr_fields", None, str(who)))))


def refused_list(exc: FieldListError):
    """400 naming every bad line (the Error schema's ``problems``)."""
    problems = [{"row": line, "message": what} for line, what in exc.problems]
    return json_response({"error": {
        "code": "invalid_field_list", "problems": problems,
        "message": f"{len(problems)} problem(s) in the field list; nothing was changed: "
                   + "; ".join(f"{'file' if p['row'] is None else 'line ' + str(p['row'])}: "
                               f"{p['message']}" for p in problems[:30]),
        "message_th": f"รายการข้อมูลมีข้อผิดพลาด {len(problems)} รายการ ยังไม่มีการเปลี่ยนแปลงใด"}},
        400)


@routes.get("/api/plans/<string:plan_id>/emenscr",
            "The eMENSCR workbook of a plan's projects of a fiscal year (the cluster's OSM or "
            "auditor, the admin, a national viewer): Thai headers, English under them, each "
            "field's source and verification on a sheet of its own (docs/emenscr.md)",
            query=(FISCAL_YEAR,), ok=file_ok("the workbook (Content-Disposition: attachment)"),
            errors={400: "no fiscal year, or one outside the plan's years",
                    403: "a province, an agency: the export is the cluster's",
                    409: "the plan is a draft"})
def emenscr_workbook(gw, request, plan_id):
    who, plan = reporting_plan(gw, request, plan_id)
    if who.role == access.PROVINCE:
        # a project's quarters add up every province's reports: one province's share of them
        # would read as the project's figures in eMENSCR
        raise forbidden("the eMENSCR export is the cluster's: its OSM, auditor, the admin or a "
                        "national viewer downloads it; a province reads its own figures in "
                        "/api/plans/{plan_id}/projects/progress")
    if plan.get("status") == "draft":  # reporting knows published plans only
        raise ApiError(409, "wrong_state", f"plan {plan_id} is a draft: publish it first / แผนนี้"
                                           "ยังเป็นร่าง ต้องเผยแพร่ก่อน")
    fiscal_year = fiscal_year_of(request, plan)
    plan = call(gw.plans, "get_plan", plan_id)  # the whole snapshot, not the short cache
    figures = {"quarters": call(gw.reporting, "project_quarters", plan_id, fiscal_year),
               "progress": call(gw.reporting, "project_status", plan_id)["projects"],
               "problems": call(gw.reporting, "current_problems", plan_id,
                                {"fiscal_year": fiscal_year}),
               "register": call(gw.reporting, "problems", plan_id)}
    names = {code: name["name_th"] for code, name in
             cached_names(lambda: known_clusters(gw)).items()}
    values = emenscr_rows.project_values(plan, fiscal_year, figures, names)
    listed = listed_now(gw)
    sample = holds_sample(plan)
    projects = {p["code"]: p for p in plan["projects"]}
    data = workbook(plan, fiscal_year, listed, emenscr_rows.rows_of(values, listed["fields"]),
                    [sample or bool(projects[v["project_code"]].get("sample")) for v in values],
                    datetime.now(timezone.utc),
                    emenscr_rows.internal_notes(values, fiscal_year, figures, names))
    return Response(data, content_type=exports.FORMATS["xlsx"], headers={
        "Content-Disposition": attachment(f"{plan_id}-emenscr-{fiscal_year}.xlsx")})


def fiscal_year_of(request, plan: dict) -> int:
    raw = (request.args.get("fy") or "").strip()
    if not (raw.isascii() and raw.isdigit()):
        raise ApiError(400, "bad_request", f"fy must be a B.E. fiscal year such as "
                                           f"{plan['start_fy']}, not {raw!r} / ระบุปีงบประมาณ พ.ศ. "
                                           f"เช่น ?fy={plan['start_fy']}")
    year = int(raw)
    if not plan["start_fy"] <= year <= plan["end_fy"]:
        raise ApiError(400, "bad_request", f"plan {plan['id']} runs FY{plan['start_fy']}-"
                                           f"FY{plan['end_fy']}, not {year} / แผนนี้ครอบคลุมปีงบประมาณ "
                                           f"{plan['start_fy']}-{plan['end_fy']}")
    return year

"""Open data (docs/open-data.md): a published plan's certified figures, made and kept by
reporting. With a key: the package and its links, and the admin's per-plan switch. Without a key,
rate-limited like /health, and only while the admin has the switch on (404 otherwise): the CKAN
package, the DCAT JSON-LD, the two CSV files and a read-only public page."""
from __future__ import annotations

from werkzeug.wrappers import Response

from .. import dashboard
from ..rpc import call
from .common import (ApiError, admin, change_reason, error_response, json_body, json_response,
                     only_fields, visible_plan)
from .public import rate_limited
from .routing import REASON, RouteTable, ok
from .routing import json_body as body_of

routes = RouteTable()
PARTS = {"package.json": "application/json; charset=utf-8",
         "dcat.jsonld": "application/ld+json; charset=utf-8",
         "indicator-results.csv": "text/csv; charset=utf-8",
         "project-progress.csv": "text/csv; charset=utf-8"}
RESOURCE = {"type": "string", "enum": ["indicator-results", "project-progress"]}
SETTINGS = {"type": "object", "required": ["public"], "additionalProperties": False,
            "properties": {"public": {"type": "boolean", "description": "serve the plan's open "
                                      "data and public page without a key (default false)"}}}
SETTINGS_ANSWER = {"type": "object", "required": ["plan_id", "public"], "properties": {
    "plan_id": {"type": "string"}, "public": {"type": "boolean"},
    "changed_at": {"type": ["string", "null"]}}}
OPEN_DATA = {"type": "object", "required": ["plan_id", "generated_at", "reason", "links",
                                            "package", "public"], "properties": {
    "plan_id": {"type": "string"}, "plan_version": {"type": "integer"},
    "generated_at": {"type": "string", "description": "when the files were made (UTC)"},
    "issued": {"type": "string", "description": "when they were first made"},
    "reason": {"type": "object", "description": "why they were made: code (published, accept, "
                                                "reopen, refresh), th, en"},
    "names_complete": {"type": "boolean", "description": "false: plans gave no names in time; "
                                                         "codes stand in until the next refresh"},
    "sample": {"type": "boolean"},
    "links": {"type": "object", "description": "package, dcat, indicator-results, "
                                               "project-progress, page: where each is served"},
    "counts": {"type": "object"},
    "package": {"type": "object", "description": "the CKAN package_create dict"},
    "public": {"type": "boolean", "description": "whether the links answer without a key"}}}
OFF = {404: "not served: the admin has not turned open data on for this plan, or it is not made "
            "yet", 429: None}


# Revalidated on every use (an ETag answers 304 when nothing changed): a reopened period or the
# switch turned off must not linger in a cache for minutes.
FRESH = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
PAGE_HEADERS = {**FRESH, "X-Frame-Options": "DENY", "Content-Security-Policy": "default-src 'self'"}


def _not_found(plan_id: str, html: bool = False) -> Response:
    en = (f"no open data of plan {plan_id!r} here: it is served only once the plan is published "
          "and the admin turns open data on for it")
    th = f"ไม่พบข้อมูลเปิดของแผน {plan_id!r}: เปิดเผยเมื่อแผนประกาศใช้แล้วและผู้ดูแลระบบเปิดการเผยแพร่"
    if html:
        return Response(dashboard.render_plain("public_plan", page=None, th=th, en=en),
                        status=404, mimetype="text/html", headers=PAGE_HEADERS)
    return error_response(404, "not_found", f"{en} / {th}")


@routes.get("/api/plans/<string:plan_id>/open-data",
            "The plan's open data as last made: the CKAN package, where each part is served, "
            "when and why it was made, and whether it is served without a key",
            ok=ok(OPEN_DATA, "the open data"),
            errors={404: "no such plan, or its open data is not made yet (not published)"})
def open_data(gw, request, plan_id):
    visible_plan(gw, request, plan_id)
    found = call(gw.reporting, "open_data", plan_id)
    if found is None:
        raise ApiError(404, "not_found", f"plan {plan_id}'s open data is not made yet: it is "
                                         "made once the plan is published / ยังไม่มีข้อมูลเปิด"
                                         "ของแผนนี้ จะสร้างเมื่อประกาศใช้แผน")
    return json_response(found)


@routes.get("/api/plans/<string:plan_id>/open-data/settings",
            "Whether the plan's open data and public page are served without a key (default "
            "off)", ok=ok(SETTINGS_ANSWER, "the switch"))
def open_data_settings(gw, request, plan_id):
    visible_plan(gw, request, plan_id)
    return json_response(call(gw.reporting, "open_data_public", plan_id))


@routes.put("/api/plans/<string:plan_id>/open-data/settings",
            'Serve the plan\'s open data and public page without a key, {"public": true}, or '
            'stop, {"public": false} (admin)', query=(REASON,), body=body_of(SETTINGS),
            ok=ok(SETTINGS_ANSWER, "the switch"),
            errors={400: "public is not true or false, or another field"})
def set_open_data_public(gw, request, plan_id):
    admin(gw, request, "only the admin turns open data on or off / "
                       "เฉพาะผู้ดูแลระบบเปิดหรือปิดการเผยแพร่ข้อมูลเปิด")
    change_reason(request)
    body = json_body(request)
    only_fields(body, ("public",))
    if call(gw.plans, "get_plan", plan_id) is None:
        raise ApiError(404, "not_found", f"no plan {plan_id!r} / ไม่พบแผน {plan_id!r}")
    return json_response(call(gw.reporting, "set_open_data_public", plan_id, body.get("public")))


def _fresh(request, response: Response) -> Response:
    response.add_etag()
    return response.make_conditional(request)


def _part(gw, request, plan_id: str, part: str) -> Response:
    text = call(gw.reporting, "open_data_public_part", plan_id, part)
    if text is None:
        return _not_found(plan_id)
    return _fresh(request, Response(text, content_type=PARTS[part], headers={
        "Access-Control-Allow-Origin": "*", **FRESH}))


# What a client parses: CKAN's package dict (package_create's fields; docs/open-data.md) and the
# DCAT-AP dataset as JSON-LD; the CSV files and the page are text.
CKAN_PACKAGE = {"type": "object", "required": ["name", "title", "notes", "resources"],
                "properties": {"name": {"type": "string"}, "title": {"type": "string"},
                               "notes": {"type": "string"},
                               "resources": {"type": "array", "items": {
                                   "type": "object", "required": ["name", "url", "format"],
                                   "properties": {"name": {"type": "string"},
                                                  "url": {"type": "string"},
                                                  "format": {"type": "string"}}}}}}
DCAT_DATASET = {"type": "object", "required": ["@context", "@id", "@type"],
                "properties": {"@context": {"type": "object"}, "@id": {"type": "string"},
                               "@type": {"type": "string"}}}


def _file_ok(media_type: str, description: str, schema: dict | None = None) -> dict:
    return {"200": {"description": description,
                    "content": {media_type: {"schema": schema or {"type": "string"}}}}}


@routes.get("/open-data/<string:plan_id>/package.json",
            "The plan's CKAN package (package_create's dict; no key, rate-limited; only while "
            "the admin has open data on)", auth=False,
            ok=_file_ok("application/json", "the CKAN package", CKAN_PACKAGE), errors=OFF)
@rate_limited
def open_data_package(gw, request, plan_id):
    return _part(gw, request, plan_id, "package.json")


@routes.get("/open-data/<string:plan_id>/dcat.jsonld",
            "The plan's DCAT-AP dataset as JSON-LD (no key, rate-limited; only while the admin "
            "has open data on)", auth=False,
            ok=_file_ok("application/ld+json", "the DCAT dataset", DCAT_DATASET), errors=OFF)
@rate_limited
def open_data_dcat(gw, request, plan_id):
    return _part(gw, request, plan_id, "dcat.jsonld")


@routes.get("/open-data/<string:plan_id>/<string:resource>.csv",
            "A CSV resource of the plan's open data, indicator-results or project-progress "
            "(UTF-8 with a BOM; no key, rate-limited; only while the admin has open data on)",
            auth=False, path_schemas={"resource": RESOURCE},
            ok=_file_ok("text/csv", "the certified figures"), errors=OFF)
@rate_limited
def open_data_csv(gw, request, plan_id, resource):
    if resource not in RESOURCE["enum"]:
        return error_response(404, "not_found", f"no resource {resource!r}: "
                                                f"{', '.join(RESOURCE['enum'])} / ไม่พบไฟล์นี้")
    return _part(gw, request, plan_id, f"{resource}.csv")


@routes.get("/public/plans/<string:plan_id>",
            "The plan's public page, read-only (no key, rate-limited; only while the admin has "
            "open data on): vision, issues, indicators with their certified results, project "
            "progress, in Thai and English; 404 as JSON, or as a page saying so to a browser "
            "(Accept: text/html)", auth=False,
            ok=_file_ok("text/html", "the page"), errors=OFF)
@rate_limited
def public_plan_page(gw, request, plan_id):
    page = call(gw.reporting, "open_data_public_part", plan_id, "page")
    if page is None:  # a browser gets a page saying so; any other client the JSON error
        return _not_found(plan_id, html=request.accept_mimetypes.best_match(
            ["application/json", "text/html"]) == "text/html")
    body = dashboard.render_plain("public_plan", page=page, number=dashboard.number,
                                  th=None, en=None)
    return _fresh(request, Response(body, mimetype="text/html", headers=PAGE_HEADERS))


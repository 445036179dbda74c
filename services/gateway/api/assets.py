"""Assets: the registry of what cluster projects produce, and its transfer / receipt of
transfer (the assets service decides who may; the gateway passes who asks)."""
from __future__ import annotations

import base64
from functools import partial

from werkzeug.wrappers import Response

from services.contracts.labels import DISPOSAL_METHODS

from .. import exports
from ..listing import MAX_LISTED, listed_problems
from ..rpc import call
from ..schemas import obj, ref
from .asset_documents import cited_files
from .common import (MAX_UPLOAD_BYTES, ApiError, actor, admin, body_bytes, forbidden, json_body,
                     json_response, no_such_endpoint, principal, sheet_format, view_or_file)
from .routing import AS_FILE, FILE, PAGE, SHEET_FORMAT, XLSX, RouteTable, file_ok, ok, param
from .routing import json_body as body_of

routes = RouteTable()
FILTERS = ("project", "custodian", "status", "province", "cluster", "agency")
ASSET = "Asset"
DOCUMENTS = {"type": ["array", "null"], "items": ref("AssetDocument")}
STEP = {  # what every step takes (services/assets/domain.py transition); extra fields are ignored
    "version": {"type": "integer", "description": "the asset's version as read: a command "
                                                 "decided on an older one is 409"},
    "reason": {"type": ["string", "null"]}, "documents": DOCUMENTS}
SAY_WHY = {"type": "string", "pattern": r"\S", "description": "why (not blank)"}
STEP_BODIES = {  # beyond STEP, by the assets service's step
    "request": obj({**STEP, "to": {"type": "string", "minLength": 1,
                                   "description": "the receiving agency's code"}},
                   required=("version", "to")),
    "approve": obj(STEP, required=("version",)),
    "hand_over": obj({**STEP, "documents": {"type": "array", "items": ref("AssetDocument"),
                                            "minItems": 1, "description": "delivery evidence"}},
                     required=("version", "documents")),
    "accept": obj({**STEP, "maintenance": {"anyOf": [
        {"type": "object", "required": ["agency", "budget_thb"], "additionalProperties": False,
         "properties": {"agency": {"type": "string", "minLength": 1},
                        "budget_thb": {"type": "number", "minimum": 0}, "note": {"type": "string"}}},
        {"type": "null"}], "description": "who maintains it and its yearly budget (needed for "
                                          "a building or a durable article)"}},
                  required=("version",)),
    "reject": obj({**STEP, "reason": SAY_WHY}, required=("version", "reason")),
    "cancel": obj({**STEP, "reason": SAY_WHY}, required=("version", "reason")),
    "audit": obj({"version": STEP["version"], "on": {"type": "string", "format": "date"},
                  "found": {"type": "boolean"},
                  "condition": {"type": "string", "enum": ["good", "needs_repair", "unusable",
                                                           "idle"]},
                  "note": {"type": "string"}, "documents": {"type": "array",
                                                            "items": ref("AssetDocument")}},
                 required=("version", "on", "found", "condition"), closed=True),
    "dispose": obj({**STEP, "reason": SAY_WHY,
                    "method": {"type": "string", "enum": list(DISPOSAL_METHODS),
                               "description": "sale, auction, transfer_out (to another body), "
                                              "write_off (lost or beyond use), destroy "
                                              "(conversion or destruction)"},
                    "committee_reference": {"type": "string", "minLength": 1, "description":
                                            "the committee's finding or the approving order"},
                    "decided_on": {"type": "string", "format": "date",
                                   "description": "the day it was approved (not in the future)"},
                    "proceeds_thb": {"type": ["number", "null"], "minimum": 0},
                    "recipient": {"type": ["string", "null"],
                                  "description": "who receives it (transfer_out, sale)"}},
                   required=("version", "method", "committee_reference", "decided_on", "reason")),
}
STEP_ERRORS = {400: "illegal for the asset's state, or input missing",
               404: "no such asset you may see",
               409: "the asset changed since it was read (stale_version)"}
# URL word -> the assets service's step, with what the step needs
STEPS = {
    "transfer": ("request", "Request a transfer {version, to, reason, documents} (the holder, "
                            "the OSM or the admin)"),
    "approve": ("approve", "Approve a requested transfer (the cluster's OSM or the admin); the "
                           "transfer is due within transfer_overdue_days"),
    "hand-over": ("hand_over", "Hand over with delivery evidence {version, documents: [{kind, "
                               "reference, date}]} (the holder, the OSM or the admin)"),
    "accept": ("accept", "Accept (the receiving agency only): custody moves; a building or "
                         "equipment needs maintenance {agency, budget_thb, note}"),
    "reject": ("reject", "Reject with a reason (the receiving agency only): back to the holder"),
    "cancel": ("cancel", "Cancel a requested or approved transfer with a reason"),
    "audits": ("audit", "Record a physical audit {version, on, found, condition: good | "
                        "needs_repair | unusable | idle, note}"),
    "dispose": ("dispose", "Dispose of an asset in custody (MoF procurement regulation B.E. 2560, "
                           "chapter 9) {version, method, committee_reference, decided_on, "
                           "reason, proceeds_thb, recipient, documents} (the custodian, the "
                           "cluster's OSM or the admin); not during a transfer; a disposed "
                           "asset takes no further step"),
}


@routes.get("/api/assets", "The assets the key may see (an agency key: what it holds, receives "
                           "or implemented; a province key: located there), with book value, "
                           "Thai labels and overdue flags",
            query=tuple(param(n) for n in FILTERS) + (AS_FILE,) + PAGE,
            ok=ok(ASSET, "assets", array=True, paged=True))
def list_assets(gw, request):
    """The assets the key may see (an agency: what it holds, receives or implemented)."""
    who = principal(gw, request)
    filters = {k: request.args[k] for k in FILTERS if request.args.get(k)}
    found = call(gw.assets, "list_assets", filters, actor(who))
    return view_or_file(request, found, "assets", exports.assets_table,
                        [bool(a.get("sample")) for a in found])


@routes.post("/api/assets", "Register an asset (its project's implementing agency, the "
                            "custodian, the cluster's OSM or the admin)",
             body=body_of(ref("NewAsset")), ok=ok(ASSET, "the asset", 201),
             errors={400: "what is wrong", 409: "the code is taken"})
def register_asset(gw, request):
    who = principal(gw, request)
    body = json_body(request)
    body = cited_files(gw, body.get("code") if isinstance(body, dict) else None, body)
    return json_response(call(gw.assets, "register_asset", body, actor(who)), 201)


@routes.post("/api/assets/import", "Register a sheet of assets (body: .xlsx or UTF-8 CSV; "
                                   "?format=xlsx|csv): all rows or none; 400 lists the bad "
                                   f"cells {{row, column, message}} (at most {MAX_LISTED}, "
                                   "problems_total counts them all)",
             query=(SHEET_FORMAT,), body={"required": True, "content": {
                 XLSX: {"schema": FILE}, "text/csv": {"schema": {"type": "string"}}}},
             ok=ok("AssetsRegistered", "codes registered", 201),
             errors={400: "bad cells", 409: "a code is taken"})
def import_assets(gw, request):
    """Register a sheet of assets (format=xlsx|csv): all rows or none."""
    who = principal(gw, request)
    fmt = sheet_format(request)
    data = body_bytes(request, MAX_UPLOAD_BYTES)
    if not data:
        raise ApiError(400, "bad_request", "send the sheet as the request body")
    result = call(gw.assets, "import_assets", base64.b64encode(data).decode("ascii"), fmt,
                  actor(who), timeout=60)
    if "forbidden" in result:
        raise forbidden(result["forbidden"])
    if "problems" in result:
        return json_response({"error": {"code": "invalid_sheet", "message":
                                        f"{len(result['problems'])} problem(s); nothing was "
                                        "registered", **listed_problems(result["problems"])}}, 400)
    return json_response(result, 201)


@routes.get("/api/assets/template", "An empty registration sheet (.xlsx) with Thai headers",
            ok=file_ok("the sheet"))
def asset_template(gw, request):
    """An empty registration sheet with the Thai headers."""
    principal(gw, request)
    sheet = base64.b64decode(call(gw.assets, "registration_template"))
    return Response(sheet, mimetype=exports.FORMATS["xlsx"], headers={
        "Content-Disposition": 'attachment; filename="asset-registration.xlsx"'})


@routes.get("/api/assets/settings", "transfer_overdue_days, audit_interval_days and "
                                    "useful_life_years by category, audit_due_soon_days",
            ok=ok("AssetSettings", "settings"))
def asset_settings(gw, request):
    principal(gw, request)
    return json_response(call(gw.assets, "settings"))


@routes.put("/api/assets/settings", "Change them (admin); unspecified ones stay",
            body=body_of(ref("AssetSettingsChange")), ok=ok("AssetSettings", "settings"),
            errors={400: "every bad value named"})
def set_asset_settings(gw, request):
    admin(gw, request, "only the admin changes the asset settings")
    return json_response(call(gw.assets, "set_settings", json_body(request)))


@routes.get("/api/assets/<string:code>", "One asset", ok=ok(ASSET, "the asset"),
            errors={404: "not found"})
def get_asset(gw, request, code):
    who = principal(gw, request)
    return json_response(call(gw.assets, "get_asset", code, actor(who)))


@routes.get("/api/assets/<string:code>/history",
            "The asset's ledger: registration, every transfer step, audits (who, when, why, "
            "documents)", query=(AS_FILE,), ok=ok("AssetHistory", "the ledger"), errors={404: "not found"})
def asset_history(gw, request, code):
    who = principal(gw, request)
    history = call(gw.assets, "asset_history", code, actor(who))
    sample = bool(request.args.get("format") is not None
                  and call(gw.assets, "get_asset", code, actor(who)).get("sample"))
    return view_or_file(request, history, f"{code}-history", exports.asset_history_table, sample)


def asset_step(gw, request, code, step):
    """A transfer step or an audit: {"version": n, ...what the step needs}."""
    who = principal(gw, request)
    body = cited_files(gw, code, json_body(request))
    return json_response(call(gw.assets, "act", code, step, body, actor(who)))


for _word, (_step, _summary) in STEPS.items():
    _handler = partial(asset_step, step=_step)
    _handler.__name__ = f"asset_{_step}"
    routes.post(f"/api/assets/<string:code>/{_word}", _summary, body=body_of(STEP_BODIES[_step]),
                ok=ok(ASSET, "the asset after the step"), errors=STEP_ERRORS)(_handler)


@routes.route("POST", "/api/assets/<string:code>/<string:action>", documented=False)
def unknown_asset_step(gw, request, code, action):
    principal(gw, request)
    raise no_such_endpoint(request, f"asset step {action!r} (steps: {', '.join(STEPS)})")

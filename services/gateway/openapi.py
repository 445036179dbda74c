"""The OpenAPI 3 document of the HTTP API, generated from the marshmallow schemas (apispec)."""
from __future__ import annotations

from functools import lru_cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from services.contracts.plans import PlanSchema

from . import schemas

AUTH_ERRORS = {
    "401": {"description": "missing or unknown API key", "content": {"application/json": {"schema": "Error"}}},
    "403": {"description": "the key's scope does not cover this", "content": {"application/json": {"schema": "Error"}}},
}


def _ok(schema, description: str, array: bool = False) -> dict:
    body = {"type": "array", "items": schema} if array else schema
    return {"200": {"description": description, "content": {"application/json": {"schema": body}}},
            **AUTH_ERRORS}


def _json(schema, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(schema) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    spec = APISpec(
        title="Provincial cluster planning and reporting API", version="1.0.0",
        openapi_version="3.0.3", plugins=[MarshmallowPlugin()],
        info={"description": "Public contract v1 (DESIGN 3.4). Every /api call needs "
                             "'Authorization: Bearer <api_key>' from var/credentials.json."})
    spec.components.security_scheme("apiKey", {"type": "http", "scheme": "bearer"})
    for name in ("Error", "Health", "Cluster", "PlanSummary", "IndicatorResults", "Rejection",
                 "HistoryEntry", "PublishRequest", "RevisionRequest"):
        spec.components.schema(name, schema=getattr(schemas, name))
    spec.components.schema("Plan", schema=PlanSchema)
    secured = [{"apiKey": []}]
    as_file = {"name": "format", "in": "query", "required": False,
               "description": "csv or xlsx: the same view as a file with Thai headers and "
                              "B.E. labels (CSV is UTF-8 with a BOM)",
               "schema": {"type": "string", "enum": ["csv", "xlsx"]}}
    plan_id = {"name": "plan_id", "in": "path", "required": True, "schema": {"type": "string"}}
    spec.path("/health", operations={"get": {
        "summary": "Liveness of every service (no auth)",
        "responses": {"200": {"description": "all services answer",
                              "content": {"application/json": {"schema": "Health"}}},
                      "503": {"description": "some service does not answer",
                              "content": {"application/json": {"schema": "Health"}}}}}})
    spec.path("/api/clusters", operations={"get": {
        "summary": "The 18 provincial clusters and their provinces (reference data in force)",
        "security": secured, "responses": _ok("Cluster", "clusters", array=True)}})
    spec.path("/api/agencies", operations={"get": {
        "summary": "The agencies directory (a province key: its province; an OSM: its cluster)",
        "security": secured,
        "parameters": [{"name": n, "in": "query", "required": False, "schema": {"type": "string"}}
                       for n in ("province", "role", "kind")],
        "responses": _ok("Agency", "agencies", array=True)}})
    spec.path("/api/agencies/{code}", operations={"put": {
        "summary": "Add or change an agency (the OSM of its province's cluster, or the admin)",
        "security": secured,
        "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
        "requestBody": _body("Agency"),
        "responses": {"200": _json("Agency", "the agency as kept"), **AUTH_ERRORS,
                      "400": _json("Error", "what is wrong with it")}}})
    spec.path("/api/reference-data", operations={
        "get": {"summary": "Loaded versions of the cluster membership (effective_from, source)",
                "security": secured, "responses": _ok({"type": "object"}, "versions", array=True)},
        "post": {"summary": "Load a new version from CSV (the admin); plans keep the version they "
                            "were made under",
                 "security": secured,
                 "parameters": [{"name": "effective_from", "in": "query", "required": True,
                                 "schema": {"type": "string", "format": "date"}},
                                {"name": "source", "in": "query", "required": True,
                                 "schema": {"type": "string"}}],
                 "requestBody": {"required": True, "content": {"text/csv": {"schema": {
                     "type": "string", "description": "columns as data/reference/provincial-clusters.csv"}}}},
                 "responses": {"201": _json({"type": "object"}, "the version loaded"), **AUTH_ERRORS,
                               "400": _json("Error", "the CSV is wrong; the lines are named")}}})
    spec.path("/api/plans", operations={
        "get": {"summary": "Plans the key may see (drafts only to their OSM and the admin)",
                "security": secured, "responses": _ok("PlanSummary", "plans", array=True)},
        "post": {"summary": "Create a plan as a draft (the cluster's OSM or the admin)",
                 "security": secured, "requestBody": _body("Plan"),
                 "responses": {"201": _json("PlanSummary", "the new draft"), **AUTH_ERRORS,
                               "400": _json("Error", "the plan breaks rules; every problem is named")}}})
    spec.path("/api/plans/{plan_id}", operations={
        "get": {"summary": "A plan with its development issues, indicators, targets and projects",
                "security": secured,
                "parameters": [plan_id, {"name": "version", "in": "query", "required": False,
                                         "schema": {"type": "integer"},
                                         "description": "an earlier version (see history)"}],
                "responses": {**_ok("Plan", "the plan"), "404": _json("Error", "no such plan")}},
        "put": {"summary": "Replace a draft (not a published plan: revise that)", "security": secured,
                "parameters": [plan_id], "requestBody": _body("Plan"),
                "responses": {"200": _json("PlanSummary", "the edited draft"), **AUTH_ERRORS,
                              "400": _json("Error", "the plan breaks rules"),
                              "409": _json("Error", "the plan is not a draft")}}})
    spec.path("/api/plans/{plan_id}/publish", operations={"post": {
        "summary": "Publish a draft: reporting starts accepting reports against it",
        "security": secured, "parameters": [plan_id], "requestBody": _body("PublishRequest"),
        "responses": {"200": _json("PlanSummary", "published"), **AUTH_ERRORS,
                      "409": _json("Error", "not a draft")}}})
    spec.path("/api/plans/{plan_id}/revisions", operations={"post": {
        "summary": "Revise a published plan: a new version with a reason and the approving body; "
                   "emits plan_published, target_revised, project_registered/changed/cancelled",
        "security": secured, "parameters": [plan_id], "requestBody": _body("RevisionRequest"),
        "responses": {"201": _json("PlanSummary", "the new version"), **AUTH_ERRORS,
                      "400": _json("Error", "no reason, no change, a removed project, or a rule broken"),
                      "409": _json("Error", "not published")}}})
    fmt = {"name": "format", "in": "query", "required": False,
           "schema": {"type": "string", "enum": ["xlsx", "csv"], "default": "xlsx"}}
    spec.path("/api/plans/{plan_id}/export", operations={"get": {
        "summary": "The whole plan as an Excel workbook (Thai headers) or a zip of CSV files",
        "security": secured, "parameters": [plan_id, fmt],
        "responses": {"200": {"description": "the file (Content-Disposition: attachment)"},
                      **AUTH_ERRORS}}})
    spec.path("/api/plans/import", operations={"post": {
        "summary": "Create (new id), edit (a draft) or revise (published: give reason and "
                   "approved_by) a plan from a workbook; see docs/plan-workbook.md",
        "security": secured,
        "parameters": [fmt] + [{"name": n, "in": "query", "required": False,
                                "schema": {"type": "string"}} for n in ("reason", "approved_by")],
        "requestBody": {"required": True, "content": {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
            "application/zip": {}}},
        "responses": {"201": _json("PlanSummary", "applied"), **AUTH_ERRORS,
                      "400": _json("Error", "nothing applied; error.problems lists every bad "
                                            "cell as {sheet, row, column, message}")}}})
    spec.path("/api/plans/{plan_id}/history", operations={"get": {
        "summary": "Every version of the plan, with who changed it, why and who approved",
        "security": secured, "parameters": [plan_id],
        "responses": _ok("HistoryEntry", "versions, oldest first", array=True)}})
    spec.path("/api/plans/{plan_id}/indicator-results", operations={"get": {
        "summary": "Cluster value, per-province values, target and status of every indicator",
        "security": secured,
        "parameters": [plan_id, {"name": "period", "in": "query", "required": True,
                                 "description": "FY2567, FY2567-Q2 or 2024-01; a fiscal year of "
                                                "a quarterly or monthly indicator is rolled up "
                                                "(cumulative: latest year-to-date value)",
                                 "schema": {"type": "string"}}, as_file],
        "responses": {**_ok("IndicatorResults", "results for the period"),
                      "400": {"description": "missing or invalid period",
                              "content": {"application/json": {"schema": "Error"}}}}}})
    spec.path("/api/plans/{plan_id}/indicators/{code}/series", operations={"get": {
        "summary": "One indicator across every period reported so far (time order), each with "
                   "target, status and Thai/English period labels",
        "security": secured,
        "parameters": [plan_id, {"name": "code", "in": "path", "required": True,
                                 "schema": {"type": "string"}}, as_file],
        "responses": _ok({"type": "object"}, "the series")}})
    spec.path("/api/plans/{plan_id}/reports", operations={"get": {
        "summary": "Drill-down: the accepted reports behind the views, newest first, each with "
                   "status in_force or superseded, retraction, received_at and sender "
                   "(a province key: its own province)",
        "security": secured,
        "parameters": [plan_id] + [{"name": n, "in": "query", "required": False,
                                    "schema": {"type": "string"}, "description": d}
                                   for n, d in (("province", "e.g. TH-34"),
                                                ("indicator", "indicator code"),
                                                ("project", "project code"),
                                                ("period", "e.g. FY2567-Q2"))] + [as_file],
        "responses": _ok({"type": "object"}, "the reports")}})
    province_q = {"name": "province", "in": "query", "required": False, "schema": {"type": "string"},
                  "description": "e.g. TH-34; a province key: its own (may be left out)"}
    workbook_body = {"required": True, "content": {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
        "text/csv": {}}}
    checked = ("every row {sheet, row, kind, subject, period, event_id, errors: [{cell, "
               "message_th, message_en}]}, problems, reports")
    spec.path("/api/plans/{plan_id}/report-workbook", operations={"get": {
        "summary": "The reporting workbook of a province and period (docs/report-workbook.md): "
                   "the indicators and projects it reports, targets and values in force "
                   "read-only, input cells validated in Excel, Thai headers",
        "security": secured,
        "parameters": [plan_id, province_q, {"name": "period", "in": "query", "required": True,
                                             "schema": {"type": "string"},
                                             "description": "e.g. FY2568-Q1"}],
        "responses": {"200": {"description": "the workbook (Content-Disposition: attachment)"},
                      **AUTH_ERRORS, "400": _json("Error", "no such period or province")}}})
    spec.path("/api/plans/{plan_id}/report-workbook/check", operations={"post": {
        "summary": "Check a filled workbook (format=xlsx) or CSV (format=csv): every row with "
                   "what is wrong and where, by the workbook's rules and the intake's own; "
                   "nothing is sent",
        "security": secured, "parameters": [plan_id, fmt, province_q],
        "requestBody": workbook_body,
        "responses": {"200": {"description": checked}, **AUTH_ERRORS,
                      "400": _json("Error", "not a reporting workbook of this plan and province")}}})
    spec.path("/api/plans/{plan_id}/report-workbook/send", operations={"post": {
        "summary": "Check, then send every row as the province's report event with its own AMQP "
                   "login (a province key only): all rows or none; rows already received are "
                   "not sent again (event ids derive from the content)",
        "security": secured, "parameters": [plan_id, fmt], "requestBody": workbook_body,
        "responses": {"202": {"description": checked + ", event_ids, sent, already_received"},
                      **AUTH_ERRORS,
                      "400": _json("Error", "nothing sent: error.rows lists every problem")}}})
    spec.path("/api/plans/{plan_id}/report-status", operations={"get": {
        "summary": "What became of reports a province sent, by event_id: pending, in_force, "
                   "superseded or rejected (with the reason)",
        "security": secured,
        "parameters": [plan_id, province_q, {"name": "event_id", "in": "query", "required": True,
                                             "schema": {"type": "array", "items": {"type": "string"}},
                                             "style": "form", "explode": True}],
        "responses": {**_ok({"type": "object"}, "{plan_id, province, statuses: {event_id: "
                                                "{status, reason}}}"), **AUTH_ERRORS}}})
    spec.path("/api/plans/{plan_id}/problems", operations={"get": {
        "summary": "Problems and obstacles reported with project progress, newest first",
        "security": secured,
        "parameters": [plan_id] + [{"name": n, "in": "query", "required": False,
                                    "schema": {"type": "string"}, "description": d}
                                   for n, d in (("issue", "development issue number"),
                                                ("project", "project code"),
                                                ("province", "e.g. TH-34"),
                                                ("q", "text in problems or solutions"))]
                      + [as_file],
        "responses": _ok({"type": "object"}, "register entries", array=True)}})
    spec.path("/api/plans/{plan_id}/projects/progress", operations={"get": {
        "summary": "Each project: physical %, disbursed THB and % of budget, planned disbursement "
                   "to date, the government's target for the quarter, procurement stage, "
                   "behind-schedule flag with reasons, and the provinces' reports",
        "security": secured, "parameters": [plan_id, as_file],
        "responses": _ok({"type": "object"}, "progress")}})
    spec.path("/api/plans/{plan_id}/completeness", operations={"get": {
        "summary": "Per province: reports expected for the period, received, on time (by the due "
                   "date: period end + due_days), late, missing, completeness and timeliness %",
        "security": secured,
        "parameters": [plan_id, {"name": "period", "in": "query", "required": True,
                                 "schema": {"type": "string"}}, as_file],
        "responses": _ok({"type": "object"}, "completeness")}})
    spec.path("/api/reporting-schedule", operations={"put": {
        "summary": "When reports are due: {\"due_days\": 15} days after a period ends (admin)",
        "security": secured, "requestBody": _body({"type": "object"}),
        "responses": {"200": _json({"type": "object"}, "the schedule"), **AUTH_ERRORS,
                      "400": _json("Error", "not a number of days from 0 to 180")}}})
    spec.path("/api/disbursement-targets", operations={"get": {
        "summary": "The government's cumulative disbursement targets by fiscal year and quarter",
        "security": secured, "responses": _ok({"type": "object"}, "targets")}})
    spec.path("/api/disbursement-targets/{fiscal_year}", operations={"put": {
        "summary": "Set a fiscal year's targets (admin), e.g. {\"Q1\": 30, \"Q2\": 52, "
                   "\"Q3\": 77, \"Q4\": 100} (% of budget, cumulative)",
        "security": secured,
        "parameters": [{"name": "fiscal_year", "in": "path", "required": True,
                        "schema": {"type": "string", "example": "FY2567"}}],
        "requestBody": _body({"type": "object"}),
        "responses": {"200": _json({"type": "object"}, "every fiscal year's targets"),
                      **AUTH_ERRORS, "400": _json("Error", "what is wrong with them")}}})
    spec.path("/api/parked", operations={"get": {
        "summary": "Messages a service could not process after the delivery limit (admin): "
                   "queue, reason, deliveries, routing key, headers, body",
        "security": secured, "responses": _ok({"type": "object"}, "parked messages", array=True)}})
    code = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
    versioned = _body({"type": "object", "required": ["version"], "properties": {
        "version": {"type": "integer", "description": "the asset's version as read: a command "
                                                     "decided on an older one is 409"},
        "reason": {"type": "string"}, "documents": {"type": "array", "items": {"type": "object"}}}})
    step_errors = {"400": _json("Error", "illegal for the asset's state, or input missing"),
                   "404": _json("Error", "no such asset you may see"),
                   "409": _json("Error", "the asset changed since it was read (stale_version)")}
    spec.path("/api/assets", operations={
        "get": {"summary": "The assets the key may see (an agency key: what it holds, receives "
                           "or implemented; a province key: located there), with book value, "
                           "Thai labels and overdue flags",
                "security": secured,
                "parameters": [{"name": n, "in": "query", "required": False,
                                "schema": {"type": "string"}}
                               for n in ("project", "custodian", "status", "province", "cluster",
                                         "agency")] + [as_file],
                "responses": _ok({"type": "object"}, "assets", array=True)},
        "post": {"summary": "Register an asset (its project's implementing agency, the "
                            "custodian, the cluster's OSM or the admin)",
                 "security": secured, "requestBody": _body({"type": "object"}),
                 "responses": {"201": _json({"type": "object"}, "the asset"), **AUTH_ERRORS,
                               "400": _json("Error", "what is wrong"),
                               "409": _json("Error", "the code is taken")}}})
    spec.path("/api/assets/import", operations={"post": {
        "summary": "Register a sheet of assets (body: .xlsx or UTF-8 CSV; ?format=xlsx|csv): "
                   "all rows or none; 400 lists every bad cell {row, column, message}",
        "security": secured, "responses": {"201": _json({"type": "object"}, "codes registered"),
                                           **AUTH_ERRORS, "400": _json("Error", "bad cells")}}})
    spec.path("/api/assets/template", operations={"get": {
        "summary": "An empty registration sheet (.xlsx) with Thai headers", "security": secured,
        "responses": {"200": {"description": "the sheet"}, **AUTH_ERRORS}}})
    spec.path("/api/assets/settings", operations={
        "get": {"summary": "transfer_overdue_days, audit_interval_days and useful_life_years "
                           "by category, audit_due_soon_days", "security": secured,
                "responses": _ok({"type": "object"}, "settings")},
        "put": {"summary": "Change them (admin); unspecified ones stay", "security": secured,
                "requestBody": _body({"type": "object"}),
                "responses": {"200": _json({"type": "object"}, "settings"), **AUTH_ERRORS,
                              "400": _json("Error", "every bad value named")}}})
    spec.path("/api/assets/{code}", operations={"get": {
        "summary": "One asset", "security": secured, "parameters": [code],
        "responses": {**_ok({"type": "object"}, "the asset"), "404": _json("Error", "not found")}}})
    spec.path("/api/assets/{code}/history", operations={"get": {
        "summary": "The asset's ledger: registration, every transfer step, audits (who, when, "
                   "why, documents)", "security": secured, "parameters": [code, as_file],
        "responses": _ok({"type": "object"}, "the ledger")}})
    for step, summary in (
            ("transfer", "Request a transfer {version, to, reason, documents} (the holder, the "
                         "OSM or the admin)"),
            ("approve", "Approve a requested transfer (the cluster's OSM or the admin); the "
                        "transfer is due within transfer_overdue_days"),
            ("hand-over", "Hand over with delivery evidence {version, documents: [{kind, "
                          "reference, date}]} (the holder, the OSM or the admin)"),
            ("accept", "Accept (the receiving agency only): custody moves; a building or "
                       "equipment needs maintenance {agency, budget_thb, note}"),
            ("reject", "Reject with a reason (the receiving agency only): back to the holder"),
            ("cancel", "Cancel a requested or approved transfer with a reason"),
            ("audits", "Record a physical audit {version, on, found, condition: good | "
                       "needs_repair | unusable | idle, note}")):
        spec.path(f"/api/assets/{{code}}/{step}", operations={"post": {
            "summary": summary, "security": secured, "parameters": [code],
            "requestBody": versioned,
            "responses": {"200": _json({"type": "object"}, "the asset after the step"),
                          **AUTH_ERRORS, **step_errors}}})
    spec.path("/api/mails", operations={"get": {
        "summary": "The delivery log, newest first: to, agency, template, subject, status "
                   "(pending, held for a digest, in_digest, sent, failed), attempts, last error, "
                   "Message-ID - for the key's scope (admin all, OSM its cluster's agencies, "
                   "province its province's, agency its own)",
        "security": secured,
        "parameters": [{"name": n, "in": "query", "required": False, "schema": {"type": "string"}}
                       for n in ("status", "agency", "template")] + [as_file],
        "responses": _ok({"type": "object"}, "mails", array=True)}})
    spec.path("/api/notify/rules", operations={
        "get": {"summary": "Who hears of which fact: {event type: [parties]} and the parties "
                           "there are", "security": secured,
                "responses": _ok({"type": "object"}, "rules")},
        "put": {"summary": "Change rules (admin): {event type: [parties]}; [] switches one off",
                "security": secured, "requestBody": _body({"type": "object"}),
                "responses": {"200": _json({"type": "object"}, "the rules in force"),
                              **AUTH_ERRORS, "400": _json("Error", "unknown event or party")}}})
    spec.path("/api/notify/preferences", operations={"get": {
        "summary": "Each agency's delivery (immediate or daily_digest) and muted event types",
        "security": secured, "responses": _ok({"type": "object"}, "preferences")}})
    spec.path("/api/notify/preferences/{agency}", operations={"put": {
        "summary": "Set an agency's preference {delivery, muted} (the agency itself, its "
                   "cluster's OSM or the admin)",
        "security": secured,
        "parameters": [{"name": "agency", "in": "path", "required": True,
                        "schema": {"type": "string"}}],
        "requestBody": _body({"type": "object"}),
        "responses": {"200": _json({"type": "object"}, "the preference"), **AUTH_ERRORS,
                      "400": _json("Error", "what is wrong")}}})
    spec.path("/api/keys", operations={
        "get": {"summary": "API keys the admin issued (never their secret or hash)",
                "security": secured, "responses": _ok({"type": "object"}, "keys", array=True)},
        "post": {"summary": "Issue a key {role: admin | osm | province | agency, scope, label} "
                            "(admin); the secret is in this answer only",
                 "security": secured, "requestBody": _body({"type": "object"}),
                 "responses": {"201": _json({"type": "object"}, "the key, with api_key"),
                               **AUTH_ERRORS, "400": _json("Error", "bad role or scope")}}})
    spec.path("/api/keys/{key_id}", operations={"delete": {
        "summary": "Revoke an issued key (admin): it stops working at once", "security": secured,
        "parameters": [{"name": "key_id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": _json({"type": "object"}, "the revoked key"), **AUTH_ERRORS,
                      "404": _json("Error", "no such key")}}})
    spec.path("/metrics", operations={"get": {
        "summary": "Prometheus text format: queue depths and consumers, reports, rejections, "
                   "parked messages, mails by status (no auth, rate-limited)",
        "responses": {"200": {"description": "the metrics", "content": {"text/plain": {
            "schema": {"type": "string"}}}}}}})
    spec.path("/asyncapi.json", operations={"get": {
        "summary": "The AsyncAPI 2.6 document of the AMQP side (no auth, rate-limited)",
        "responses": {"200": {"description": "the document"}}}})
    spec.path("/api/parked/{parked_id}/retry", operations={"post": {
        "summary": "Send a parked message back to be processed, once its cause is fixed (admin); "
                   "a message is retried once, and parked anew if it fails again",
        "security": secured,
        "parameters": [{"name": "parked_id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": _json({"type": "object"}, "queue and outcome"), **AUTH_ERRORS,
                      "400": _json("Error", "unknown, or retried already")}}})
    spec.path("/api/rejections", operations={"get": {
        "summary": "Rejected province reports, newest first", "security": secured,
        "parameters": [{"name": "province", "in": "query", "required": False,
                        "schema": {"type": "string"}, "description": "e.g. TH-34"}],
        "responses": _ok("Rejection", "rejections", array=True)}})
    return spec.to_dict()

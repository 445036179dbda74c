"""What the admin does: reference-data versions, the reporting schedule, approval reminders and
disbursement targets, API keys, messages parked after the delivery limit."""
from __future__ import annotations

from datetime import datetime, timezone

from services.contracts import access

from .. import auth
from ..accounts.domain import normal_username
from ..audit.recording import record_act
from ..rpc import call
from .common import (MAX_UPLOAD_BYTES, ApiError, admin, body_bytes, change_reason, json_body,
                     json_response, known_clusters, only_fields, principal, whole_number)
from ..schemas import QUARTER_TARGETS
from .routing import REASON, RouteTable, ok, param
from .routing import json_body as body_of

routes = RouteTable()
KEY = {"type": "object", "required": ["id", "role", "scope", "label", "created_at", "revoked_at"],
       "properties": {
    "id": {"type": "string"}, "role": {"type": "string", "enum": list(access.ROLES)},
    "scope": {"type": ["string", "null"]}, "label": {"type": "string"},
    "owner": {"type": ["string", "null"], "description": "the username of the person the key "
                                                          "belongs to, or 'system: <name>' "
                                                          "(null: a key issued before owners)"},
    "created_at": {"type": "string"}, "created_by": {"type": "string"},
    "expires_at": {"type": ["string", "null"], "description": "after this the key is refused "
                                                               "(401 key_expired)"},
    "last_used_at": {"type": ["string", "null"], "description": "to the minute; null: never"},
    "revoked_at": {"type": ["string", "null"]}}}
NEW_KEY = {"type": "object", "required": ["role", "owner"], "properties": {
    "role": {"type": "string", "enum": list(access.ROLES)},
    "scope": {"type": ["string", "null"], "description": "cluster code (osm), province code "
                                                        "(province), agency code (agency); none "
                                                        "for the admin"},
    "label": {"type": ["string", "null"]},
    "owner": {"type": "string", "description": "an existing username, or 'system: <the "
                                               "system's name>'"},
    "expires_at": {"type": ["string", "null"], "description": "a date (YYYY-MM-DD, the key "
                   "works to its end, UTC) or an ISO 8601 date-time; default a year from now, at "
                   "most two years"}}}


@routes.get("/api/reference-data", "Loaded versions of the cluster membership (effective_from, "
                                   "source)", ok=ok("ReferenceVersion", "versions", array=True))
def reference_versions(gw, request):
    principal(gw, request)
    return json_response(call(gw.plans, "reference_versions"))


@routes.post("/api/reference-data", "Load a new version from CSV (the admin); plans keep the "
                                    "version they were made under",
             query=(param("effective_from", required=True, schema={"type": "string",
                                                                    "format": "date"}),
                    param("source", required=True, schema={"type": "string", "minLength": 1})),
             body={"required": True, "content": {"text/csv": {"schema": {
                 "type": "string",
                 "description": "columns as clusterctl/data/reference/provincial-clusters.csv"}}}},
             ok=ok("ReferenceLoaded", "the version loaded", 201),
             errors={400: "the CSV is wrong; the lines are named"})
def load_reference(gw, request):
    """A new version of the cluster membership, as the CSV of clusterctl/data/reference (admin only)."""
    admin(gw, request, "only the admin loads reference data")
    effective_from = request.args.get("effective_from")
    source = request.args.get("source")
    if not effective_from or not source:
        raise ApiError(400, "bad_request", "query parameters effective_from (YYYY-MM-DD) and "
                                           "source (the announcement it comes from) are required")
    try:
        text = body_bytes(request, MAX_UPLOAD_BYTES).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, "bad_request", f"the CSV is not UTF-8 (byte {exc.start})") from None
    return json_response(call(gw.plans, "load_reference", text, source, effective_from), 201)


SCHEDULE = {"type": "object", "required": ["due_days"], "properties": {
    "due_days": {"type": "integer", "minimum": 0, "maximum": 180}}}


@routes.get("/api/reporting-schedule", "When reports are due: due_days after a period ends",
            ok=ok(SCHEDULE, "the schedule"))
def reporting_schedule(gw, request):
    return _reporting_number(gw, request, "due_days", "due_days")


@routes.put("/api/reporting-schedule", 'When reports are due: {"due_days": 15} days after a '
                                       'period ends (admin)', query=(REASON,),
            body=body_of(SCHEDULE), ok=ok(SCHEDULE, "the schedule"),
            errors={400: "not a number of days from 0 to 180"})
def set_due_days(gw, request):
    return _set_reporting_number(gw, request, "only the admin sets when reports are due",
                                 "due_days", "set_due_days")


APPROVAL_SETTINGS = {"type": "object", "required": ["reminder_days"],
                     "additionalProperties": False, "properties": {
    "reminder_days": {"type": "integer", "minimum": 1, "maximum": 90,
                      "description": "a submitted or approved period waiting this many days "
                                     "for its next step is announced (and mailed) again"}}}


@routes.get("/api/approval-settings", "When a period's approval waiting for its next step is "
                                      "recalled: every reminder_days days",
            ok=ok(APPROVAL_SETTINGS, "the approval settings"))
def approval_settings(gw, request):
    return _reporting_number(gw, request, "reminder_days", "approval_reminder_days")


@routes.put("/api/approval-settings", 'Recall a waiting approval step every {"reminder_days": '
                                      '7} days (admin)', query=(REASON,),
            body=body_of(APPROVAL_SETTINGS), ok=ok(APPROVAL_SETTINGS, "the approval settings"),
            errors={400: "not a number of days from 1 to 90, or another field"})
def set_approval_reminder_days(gw, request):
    return _set_reporting_number(gw, request, "only the admin sets when waiting approvals are "
                                 "recalled", "reminder_days", "set_approval_reminder_days",
                                 only=True)


def _reporting_number(gw, request, field: str, getter: str):
    """One of reporting's settings, ``{field: n}``, for any key."""
    principal(gw, request)
    return json_response({field: call(gw.reporting, getter)})


def _set_reporting_number(gw, request, refusal: str, field: str, setter: str,
                          only: bool = False):
    """The admin sets one of reporting's settings from ``{field: n}`` (reporting checks n;
    ``only``: no other field is taken)."""
    admin(gw, request, refusal)
    change_reason(request)
    body = json_body(request)
    if only:
        only_fields(body, (field,))
    return json_response({field: call(gw.reporting, setter, whole_number(body.get(field)))})


@routes.put("/api/disbursement-targets/<string:fiscal_year>",
            'Set a fiscal year\'s targets (admin), e.g. {"Q1": 30, "Q2": 52, "Q3": 77, "Q4": 100} '
            '(% of budget, cumulative)', query=(REASON,),
            path_schemas={"fiscal_year": {"type": "string", "pattern": r"^FY\d{4}$",
                                          "examples": ["FY2567"]}},
            body=body_of({**QUARTER_TARGETS, "required": ["Q1", "Q2", "Q3", "Q4"],
                          "additionalProperties": False}),
            ok=ok("DisbursementTargets", "every fiscal year's targets"),
            errors={400: "what is wrong with them (each quarter's at least the one before)"})
def set_disbursement_targets(gw, request, fiscal_year):
    admin(gw, request, "only the admin sets the government's disbursement targets")
    change_reason(request)
    return json_response(call(gw.reporting, "set_disbursement_targets", fiscal_year,
                              json_body(request)))


@routes.get("/api/keys", "API keys the admin issued (never their secret or hash)",
            ok=ok(KEY, "keys", array=True))
def list_keys(gw, request):
    """Keys the admin issued (never their secret or hash)."""
    admin(gw, request, "only the admin manages API keys")
    return json_response(gw.keys.listed())


@routes.post("/api/keys", "Issue a key {role: admin | osm | province | agency, scope, label, "
                          "owner, expires_at} (admin); the secret is in this answer only",
             body=body_of(NEW_KEY),
             ok=ok({**KEY, "properties": {**KEY["properties"], "api_key": {"type": "string"}}},
                   "the key, with api_key", 201),
             errors={400: "bad role, scope, owner or expiry"})
def issue_key(gw, request):
    """A new key {role, scope, label, owner, expires_at}; the secret is in this answer only."""
    who = admin(gw, request, "only the admin manages API keys")
    return json_response(issue_key_as(gw, who, json_body(request)), 201)


def issue_key_as(gw, who, body: dict) -> dict:
    """The rules of a new key (the API's and the users page's form): role and scope, an owner
    who exists (or a named system), an expiry within two years."""
    role, scope, label = body.get("role"), body.get("scope"), body.get("label")
    if scope is not None and not isinstance(scope, str):
        raise ApiError(400, "bad_request", "scope must be text (or left out)")
    checked = role in (access.OSM, access.PROVINCE) and isinstance(scope, str) and scope
    problem = access.scope_problem(role, scope, known_clusters(gw) if checked else [])
    if problem:
        raise ApiError(400, "bad_request", problem)
    if role == access.ADMIN:
        scope = None
    label = "" if label is None else label
    if not isinstance(label, str):
        raise ApiError(400, "bad_request", "label must be text (or left out)")
    owner = body.get("owner")
    problem = auth.owner_problem(owner, lambda name: gw.people.store.user(
        normal_username(name)) is not None)
    if problem:
        raise ApiError(400, "bad_request", problem)
    owner = owner.strip()
    owner = owner if owner.lower().startswith(auth.SYSTEM_OWNER) else normal_username(owner)
    now = datetime.now(timezone.utc)
    try:
        expires = auth.key_expiry(body.get("expires_at"), now)
    except ValueError as exc:
        raise ApiError(400, "bad_request", str(exc)) from None
    made = gw.keys.issue(role, scope, label, str(who), now.isoformat(), owner,
                         expires.isoformat(timespec="seconds"))
    record_act(gw, who, "key.issue", target=made.get("id"), before={}, answer=made,
               cluster=scope if role == access.OSM else None, request=body)
    return made


def revoke_key_as(gw, who, key_id: str) -> dict:
    """Revoke an issued key (the API's and the users page's form); 404 when there is none."""
    revoked = gw.keys.revoke(key_id, datetime.now(timezone.utc).isoformat())
    if revoked is None:
        raise ApiError(404, "not_found", f"no issued key {key_id!r}")
    record_act(gw, who, "key.revoke", target=key_id, before={"revoked_at": None},
               answer=revoked, cluster=revoked.get("scope") if revoked.get("role") == access.OSM
               else None)
    return revoked


@routes.delete("/api/keys/<string:key_id>", "Revoke an issued key (admin): it stops working at "
                                            "once",
               ok=ok(KEY, "the revoked key"), errors={404: "no such key"})
def revoke_key(gw, request, key_id):
    who = admin(gw, request, "only the admin manages API keys")
    return json_response(revoke_key_as(gw, who, key_id))


@routes.get("/api/parked", "Messages a service could not process after the delivery limit "
                           "(admin): queue, reason, deliveries, routing key, headers, body",
            ok=ok("Parked", "parked messages", array=True))
def parked(gw, request):
    """Messages a service gave up on after the delivery limit, with where and why (admin)."""
    admin(gw, request, "only the admin sees parked messages")
    return json_response(call(gw.reporting, "list_parked"))


@routes.post("/api/parked/<string:parked_id>/retry",
             "Send a parked message back to be processed, once its cause is fixed (admin); a "
             "message is retried once, and parked anew if it fails again",
             ok=ok("ParkedRetry", "queue and outcome"),
             errors={404: "no such parked message", 409: "retried already"})
def retry_parked(gw, request, parked_id):
    """Send a parked message back to be processed, once its cause is fixed (admin)."""
    admin(gw, request, "only the admin re-drives parked messages")
    kept = call(gw.reporting, "get_parked", parked_id)
    if kept is None:
        raise ApiError(404, "not_found", f"no parked message {parked_id!r}")
    if kept.get("retried_at"):
        raise ApiError(409, "wrong_state", f"parked message {parked_id} was retried already at "
                                           f"{kept['retried_at']}")
    return json_response(call(gw.reporting, "retry_parked", parked_id, timeout=60))

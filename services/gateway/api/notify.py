"""Mail: the delivery log, who hears of which fact, and each agency's delivery preference (the
notify service decides whose mail a key sees; the gateway passes who asks)."""
from __future__ import annotations

from .. import exports
from ..rpc import call
from .common import (ApiError, actor, admin, change_reason, json_body, json_response, principal,
                     view_or_file)
from .routing import AS_FILE, PAGE, REASON, RouteTable, ok, param
from .routing import json_body as body_of

routes = RouteTable()
# the parties a rule may name (notify/domain.py PARTIES; the gateway does not import notify)
PARTIES = ("province_focal_point", "responsible_agency", "implementing_agency", "osm",
           "receiving_agency", "holding_agency", "custodian", "sending_agency",
           "project_agencies", "owner_agency", "named_people")
# the event types a rule names (notify/domain.py DEFAULT_RULES; tests/unit/test_openapi.py keeps
# the two the same)
RULE_EVENTS = ("report_rejected", "report_due_soon", "report_overdue", "report_flagged",
               "correction_requested", "indicator_off_target",
               "indicator_off_target_at_close", "target_revised", "project_registered",
               "project_changed", "project_cancelled", "project_behind_schedule",
               "transfer_requested", "transfer_approved", "transfer_handed_over",
               "transfer_accepted", "transfer_rejected", "transfer_cancelled", "transfer_overdue",
               "audit_due", "remedy_overdue", "asset_disposed", "period_approval_changed",
               "period_approval_waiting")
RULES = {"type": "object", "description": "{event type: [parties]}",
         "propertyNames": {"enum": list(RULE_EVENTS)},
         "additionalProperties": {"type": "array", "items": {"type": "string", "enum": sorted(PARTIES)}}}
PREFERENCE = {"type": "object", "additionalProperties": False, "properties": {
    "delivery": {"type": "string", "enum": ["immediate", "daily_digest"]},
    "muted": {"type": "array", "items": {"type": "string", "enum": list(RULE_EVENTS)},
              "description": "event types"}}}
SHOWN_PREFERENCE = {"type": "object", "required": ["delivery", "muted"], "properties": {
    "delivery": {"type": "string", "enum": ["immediate", "daily_digest"]},
    "muted": {"type": "array", "items": {"type": "string"}, "description": "event types"}}}


@routes.get("/api/mails", "The delivery log, newest first: to, agency, template, subject, status "
                          "(pending, held for a digest, in_digest, sent, failed), attempts, last "
                          "error, Message-ID - for the key's scope (admin all, OSM its cluster's "
                          "agencies, province its province's, agency its own)",
            query=(param("status", schema={"type": "string", "enum": ["pending", "sent", "failed"]}),
                   param("agency"), param("template"), AS_FILE) + PAGE,
            ok=ok("Mail", "mails", array=True, paged=True))
def mails(gw, request):
    """The delivery log: to whom, which template, status, attempts, last error, Message-ID."""
    who = principal(gw, request)
    status = request.args.get("status")
    if status and status not in ("pending", "sent", "failed"):
        raise ApiError(400, "bad_request", "status must be pending, sent or failed")
    found = call(gw.notify, "list_mails", status, 500, actor(who), request.args.get("agency"),
                 request.args.get("template"))
    return view_or_file(request, found, "mails", exports.mails_table)


@routes.get("/api/notify/rules", "Who hears of which fact: {event type: [parties]} and the "
                                 "parties there are",
            ok=ok({"type": "object", "required": ["rules", "parties"], "properties": {
                "rules": RULES, "parties": {"type": "array", "items": {"type": "string"}}}},
                "rules"))
def notify_rules(gw, request):
    """Who hears of which fact: {event type: [parties]}."""
    principal(gw, request)
    return json_response({"rules": call(gw.notify, "rules"), "parties": sorted(PARTIES)})


@routes.put("/api/notify/rules", "Change rules (admin): {event type: [parties]}; [] switches one "
                                 "off", query=(REASON,),
            body=body_of(RULES),
            ok=ok({"type": "object", "required": ["rules"], "properties": {"rules": RULES}},
                  "the rules in force"),
            errors={400: "unknown event or party"})
def set_notify_rules(gw, request):
    admin(gw, request, "only the admin changes who is told what")
    change_reason(request)
    return json_response({"rules": call(gw.notify, "set_rules", json_body(request))})


@routes.get("/api/notify/preferences", "Each agency's delivery (immediate or daily_digest) and "
                                       "muted event types",
            ok=ok({"type": "object", "additionalProperties": SHOWN_PREFERENCE}, "preferences"))
def notify_preferences(gw, request):
    """Each agency's delivery (immediate or daily_digest) and muted event types."""
    who = principal(gw, request)
    return json_response(call(gw.notify, "preferences", actor(who)))


@routes.put("/api/notify/preferences/<string:agency>",
            "Set an agency's preference {delivery, muted} (the agency itself, its cluster's OSM "
            "or the admin)", body=body_of(PREFERENCE), ok=ok(SHOWN_PREFERENCE, "the preference"),
            errors={400: "what is wrong", 404: "no such agency"})
def set_notify_preference(gw, request, agency):
    who = principal(gw, request)
    return json_response(call(gw.notify, "set_preference", actor(who), agency, json_body(request)))

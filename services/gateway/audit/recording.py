"""Keeping an audited route's act: who is asking (as the route's handler will find), the state
before (the route's ``Audit.before``), the act itself (the handler, unchanged), then - when it
was done (2xx) - one record in the audit log. A refused or failed act changes nothing, so it is
not an act to keep (the services' logs and the login attempts keep refusals)."""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

from services.contracts import access

from ..api.common import BODY_READ, REPORTING_PLANS, known_clusters, principal
from ..rpc import call
from .record import new_record, reason_of

log = logging.getLogger(__name__)


def audited(gateway, route, handler, request, values: dict):
    declared = route.audit
    try:
        who = principal(gateway, request)
    except Exception:  # not signed in, unknown key, bad CSRF: the handler answers it
        return handler(gateway, request, **values)
    before = None
    if declared.before is not None:
        try:
            before = declared.before(gateway, values)
        except Exception as exc:  # no such thing: the act will say so; nothing to compare
            log.debug("audit: no before for %s %s: %s", declared.act, values, exc)
    response = handler(gateway, request, **values)
    if 200 <= response.status_code < 300:
        keep(gateway, declared, who, request, values, before, response)
    return response


def keep(gateway, declared, who, request, values, before, response) -> None:
    body, answer = request_body(request), json_of(response)
    record_act(gateway, who, declared.act, target=target_of(declared, values, answer, body),
               cluster=cluster_of(gateway, who, values, before, answer), via=via(request),
               status=response.status_code, before=before, answer=answer, request=body,
               reason=reason_of(request.args, body))


def record_act(gateway, who, act: str, *, target=None, cluster=None, via: str | None = None,
               status: int = 200, before=None, answer=None, request=None, reason=None) -> None:
    """Keep one act done (also called by the handlers an API route and a page's form share,
    audit/acts.py AUDITED_IN_HANDLER). A signed-in person acts in a session, a key through
    the API."""
    record = new_record(
        at=datetime.now(timezone.utc).isoformat(timespec="microseconds"), act=act, who=who,
        target=target, cluster=cluster or cluster_of(gateway, who, {}, before, answer),
        via=via or ("session" if getattr(who, "duty", None) else "api_key"), status=status,
        before=before, answer=answer, request=request, reason=reason)
    try:
        gateway.audit.append(record)
    except Exception:  # the act is done; its record must not vanish: the log keeps it whole
        log.exception("audit log: could not store a record; here it is: %s",
                      json.dumps(record, ensure_ascii=False, default=str))


def request_body(request):
    """What was asked: a JSON body as it came, an upload as its size and name."""
    if request.mimetype == "application/json":
        try:
            return json.loads(request.environ.get(BODY_READ) or b"null")
        except ValueError:
            return None
    if request.content_length:
        return {"bytes": request.content_length, "type": request.mimetype,
                "filename": request.args.get("filename")}
    return None


def json_of(response):
    if response.mimetype != "application/json":
        return None
    try:
        return json.loads(response.get_data())
    except ValueError:
        return None


def target_of(declared, values, answer, body):
    names = declared.target.split("/") if declared.target else []
    if names and all(n in values for n in names):  # "period/province": both path values
        return "/".join(str(values[n]) for n in names)
    for source in (answer, body):  # a new thing: its id in the answer (or what was asked)
        if isinstance(source, dict):
            for name in ("id", "key_id", "code", "username", "plan_id"):
                if isinstance(source.get(name), (str, int)):
                    return source[name]
    return None


def via(request) -> str:
    return "api_key" if request.headers.get("Authorization") else "session"


def cluster_of(gateway, who, values, before, answer) -> str | None:
    """The cluster the act concerns - whose OSM and auditors read its record."""
    for found in (answer, before):
        if isinstance(found, dict) and isinstance(found.get("cluster"), str):
            return found["cluster"]
    if "plan_id" in values:
        plan = REPORTING_PLANS.get(values["plan_id"])
        if plan is None:
            try:
                plan = call(gateway.plans, "get_plan", values["plan_id"])
            except Exception:
                plan = None
        if plan:
            return plan.get("cluster")
    if who.role in (access.OSM, access.AUDITOR):
        return who.scope
    if who.role == access.PROVINCE:
        try:
            return next((c["code"] for c in known_clusters(gateway)
                         if who.scope in [p["code"] for p in c["provinces"]]), None)
        except Exception:
            return None
    return None

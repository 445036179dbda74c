"""A period's approval of a province's figures (step 15, docs/approvals.md): every province and
period with its state and steps; a step taken, naming in its event the people whose step is
next (found here, in the gateway's accounts, for notify to mail); and a kept rejection sent
through the intake again once its period is reopened ("nothing is lost").

The rule is services/contracts/approvals.py: reporting enforces it, this area offers it - a
step nobody here could take is refused before anything is read. The ``*_as`` functions are
shared with the /approvals page (approval_pages.py), so a form is refused as a script is."""
from __future__ import annotations

from services.contracts import access
from services.contracts import approvals as rule

from ..rpc import call
from .common import (ApiError, forbidden, json_body, json_response, known_clusters,
                     only_fields, principal, reporting_plan, whole_number)
from .reporting import checked_period
from .routing import PERIOD, RouteTable, ok, param
from .routing import json_body as body_of

routes = RouteTable()
STEP_NAMES = (rule.SUBMIT, rule.APPROVE, rule.ACCEPT, rule.REOPEN)
STATE = {"type": "string", "enum": list(rule.STATES)}
STEP = {"type": "object", "description": "one step as it was taken", "properties": {
    "step": {"type": "string", "enum": list(STEP_NAMES)}, "state": STATE, "from_state": STATE,
    "version": {"type": "integer"}, "at": {"type": "string", "format": "date-time"},
    "by": {"type": "string", "description": "Name (username) · role:scope"},
    "by_role": {"type": "string"}, "by_duty": {"type": ["string", "null"]},
    "comment": {"type": ["string", "null"], "description": "a reopening's reason"}}}
APPROVAL = {"type": "object", "properties": {
    "plan_id": {"type": "string"}, "period": PERIOD, "province": {"type": "string"},
    "state": STATE,
    "certainty": {"type": "string", "enum": list(rule.CERTAINTY.values())},
    "version": {"type": "integer", "description": "send it back with a step (409 when "
                                                  "another step came in between)"},
    "figures": {"type": "integer", "description": "the figures token: how many reports were "
                "recorded for the province and period; send it back with approve and accept "
                "(409 figures_changed when a report came since)"},
    "last": {"oneOf": [STEP, {"type": "null"}]}, "steps": {"type": "array", "items": STEP},
    "next_steps": {"type": "array", "items": {"type": "string", "enum": list(STEP_NAMES)},
                   "description": "the steps the asker may take now"}}}
STEP_REQUEST = {"type": "object", "required": ["step", "version"], "additionalProperties": False,
                "properties": {
                    "step": {"type": "string", "enum": list(STEP_NAMES)},
                    "version": {"type": "integer", "minimum": 0},
                    "figures": {"type": ["integer", "null"], "minimum": 0},
                    "comment": {"type": ["string", "null"], "maxLength": rule.MAX_COMMENT,
                                "description": "required to reopen (the reason)"}}}
REDRIVEN = {"allOf": [{"$ref": "#/components/schemas/Rejection"}, {
    "type": "object", "properties": {"outcome": {"type": "string",
                                                 "enum": ["accepted", "duplicate"]}}}]}
# whose step is next, by the step taken: (duty, "province" or "cluster") of the people mailed
NEXT_ACTORS = {
    rule.SUBMIT: (("province_approver", "province"),),
    rule.APPROVE: (("osm_director", "cluster"),),
    rule.ACCEPT: (("province_planner", "province"), ("province_approver", "province")),
}


def bad(en: str, th: str) -> ApiError:
    return ApiError(400, "bad_request", f"{en} / {th}")


def actor(who) -> dict:
    """The principal as reporting takes it (approval_cases.actor_of)."""
    return {"role": who.role, "scope": who.scope, "person": getattr(who, "person", None),
            "duty": getattr(who, "duty", None)}


def shown(who, plan: dict, row: dict) -> dict:
    """An approval as the asker sees it: with the steps it may take now."""
    return {**row, "next_steps": rule.steps_open_to(who, row["state"], row["province"],
                                                    plan["cluster"])}


def published(plan: dict) -> None:
    if plan.get("status") == "draft":
        raise ApiError(404, "not_found", f"plan {plan['id']} is a draft: nothing to approve "
                                         "until it is published / แผนนี้ยังเป็นร่าง")


def list_approvals_as(gw, who, plan: dict, period: str | None, province: str | None) -> list:
    published(plan)
    if period is not None:
        checked_period(period)
    province = access.own_province(who, province)
    if province is not None and province not in plan["provinces"]:
        raise bad(f"province {province!r} is not in plan {plan['id']}",
                  f"จังหวัด {province!r} ไม่อยู่ในแผนนี้")
    rows = call(gw.reporting, "approvals", plan["id"], period, [province] if province else None)
    return [shown(who, plan, r) for r in rows]


def step_body(body: dict) -> tuple[str, int, int | None, str | None]:
    """(step, version, figures, comment) of a step's body, each checked for its type."""
    only_fields(body, tuple(STEP_REQUEST["properties"]))
    step, version = body.get("step"), whole_number(body.get("version"))
    figures, comment = whole_number(body.get("figures")), body.get("comment")
    if step not in STEP_NAMES:
        raise bad(f"step must be one of {', '.join(STEP_NAMES)}",
                  "ขั้นตอนต้องเป็น submit, approve, accept หรือ reopen")
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise bad("version must be the approval's version as read (a whole number)",
                  "ต้องระบุ version ของงวดตามที่เปิดดู (จำนวนเต็ม)")
    if figures is not None and (not isinstance(figures, int) or isinstance(figures, bool)
                                or figures < 0):
        raise bad("figures must be the figures token as read (a whole number) or null",
                  "figures ต้องเป็นจำนวนเต็มตามที่เปิดดู")
    if comment is not None and not isinstance(comment, str):
        raise bad("comment must be text", "ความเห็นต้องเป็นข้อความ")
    return step, version, figures, comment


def next_actors(gw, plan: dict, province: str, step: str, state: str) -> list[dict]:
    """The people whose step is next (active, with an e-mail), as notify mails them: submit ->
    the province's approvers; approve -> the cluster's OSM directors; accept -> the province's
    planners and approvers; reopen -> its planners, and its approvers when the period had been
    approved or accepted."""
    if step == rule.REOPEN:
        wanted = (("province_planner", "province"),) + (
            (("province_approver", "province"),) if state in rule.LOCKED else ())
    else:
        wanted = NEXT_ACTORS[step]
    where = {"province": province, "cluster": plan["cluster"]}
    keys = {(duty, where[level]) for duty, level in wanted}
    people = sorted((u for u in gw.people.store.users()
                     if (u.get("duty"), u.get("organisation")) in keys
                     and not u.get("disabled_at") and u.get("email")),
                    key=lambda u: u["username"])
    return [{"name": u.get("name") or u["username"], "email": u["email"],
             "lang": u.get("lang") if u.get("lang") in ("th", "en") else "th"} for u in people]


def take_step_as(gw, who, plan: dict, period: str, province: str, body: dict) -> dict:
    published(plan)
    if province not in plan["provinces"]:
        raise ApiError(404, "not_found", f"province {province!r} is not in plan {plan['id']} "
                                         f"/ จังหวัด {province!r} ไม่อยู่ในแผนนี้")
    if not rule.takes_part(who, province, plan["cluster"]):
        raise forbidden(f"{who} takes no step of {province}'s approvals: its planner submits, "
                        "its approver approves, the cluster's OSM director accepts / "
                        "ท่านไม่มีขั้นตอนใดในการรับรองข้อมูลของจังหวัดนี้")
    checked_period(period)
    step, version, figures, comment = step_body(body)
    now = call(gw.reporting, "approvals", plan["id"], period, [province])
    notify = next_actors(gw, plan, province, step, now[0]["state"] if now else rule.OPEN)
    row = call(gw.reporting, "approval_step", plan["id"], period, province, step, actor(who),
               version, figures, comment, notify)
    return shown(who, plan, row)


def redrive_as(gw, who, rejection_id: str) -> dict:
    if not access.may_redrive(who):
        raise forbidden(f"{who} may not re-drive a rejection: the sending province's planner, "
                        "the cluster's OSM or the admin may / ท่านส่งรายงานซ้ำไม่ได้")
    osm = who.role == access.OSM
    provinces = access.rejection_provinces(who, None, known_clusters(gw) if osm else [])
    agencies = access.rejection_agencies(who, None, call(gw.plans, "list_plans") if osm else [])
    return call(gw.reporting, "redrive_rejection", rejection_id, actor(who), provinces, agencies)


# --- the JSON API ----------------------------------------------------------------------------

@routes.get("/api/plans/<string:plan_id>/approvals",
            "Every province and period of the plan (the reporting periods begun, newest first) "
            "with its approval: state, certainty, version, the figures token, who and when at "
            "each step with the comments, and the steps the asker may take now (a province: its "
            "own province)",
            query=(param("period", "one period only", schema=PERIOD),
                   param("province", "one province only, e.g. TH-34")),
            ok=ok(APPROVAL, "the approvals", array=True),
            errors={400: "a bad period, not a reporting period of the plan, or a province not "
                         "in it", 404: "no such plan, or a draft"})
def list_approvals(gw, request, plan_id):
    who, plan = reporting_plan(gw, request, plan_id)
    return json_response(list_approvals_as(gw, who, plan, request.args.get("period"),
                                           request.args.get("province") or None))


@routes.post("/api/plans/<string:plan_id>/approvals/<string:period>/<string:province>",
             "Take a step of the province's approval of the period: submit (its planner), "
             "approve (its approver), accept (the cluster's OSM director), reopen (with a reason: "
             "the level that approved or above); the next people are mailed (Thai and English)",
             path_schemas={"period": PERIOD}, body=body_of(STEP_REQUEST),
             ok=ok(APPROVAL, "the approval as it now stands"),
             errors={400: "a bad body, period or comment (a reopening needs a reason), in "
                          "English and Thai",
                     403: "not a step the asker may take",
                     404: "no such plan (or a draft), or no such province in it",
                     409: "the step does not apply to the state, another step came in between "
                          "(version_conflict) or a report came since (figures_changed)"})
def take_approval_step(gw, request, plan_id, period, province):
    who, plan = reporting_plan(gw, request, plan_id)
    return json_response(take_step_as(gw, who, plan, period, province, json_body(request)))


@routes.post("/api/rejections/<string:rejection_id>/redrive",
             "Send a kept rejection through the intake again, as its original sender and as it "
             "came (after its period is reopened: nothing is lost); taken, it is marked "
             "redriven with the outcome. The sending province's planner or key, the cluster's "
             "OSM or the admin",
             ok=ok(REDRIVEN, "the rejection, marked redriven, and the outcome"),
             errors={403: "another province's or agency's rejection, or a role that does not "
                          "send reports",
                     404: "no such rejection",
                     409: "re-driven already, kept before re-drives were possible, or still "
                          "rejected (the reason, in English and Thai)"})
def redrive_rejection(gw, request, rejection_id):
    return json_response(redrive_as(gw, principal(gw, request), rejection_id))

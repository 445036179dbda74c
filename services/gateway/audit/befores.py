"""The state an audited act changes, read just before it (``Audit.before``): the audit log
then keeps the answer's values of the same fields as the after, and what changed between.
Each reader is ``reader(gateway, path_values) -> dict`` and reads as the gateway itself (the
act's own handler decides whether the asker may act; a refused act keeps nothing)."""
from __future__ import annotations

from ..accounts.domain import normal_username, public_user
from ..emenscr.fields import in_force
from ..rpc import call

SYSTEM = ["admin", None]  # how the gateway asks the services for the state itself


def nothing(gw, values):
    """An act that makes a new thing: before it, nothing - the after is the whole new thing."""
    return {}


def due_days(gw, values):
    return {"due_days": call(gw.reporting, "due_days")}


def approval_reminder_days(gw, values):
    return {"reminder_days": call(gw.reporting, "approval_reminder_days")}


def open_data(gw, values):
    found = call(gw.reporting, "open_data_public", values["plan_id"])
    return {"public": found.get("public")}


def disbursement_targets(gw, values):
    fiscal_year = values["fiscal_year"]
    return {fiscal_year: call(gw.reporting, "disbursement_targets").get(fiscal_year)}


def asset_settings(gw, values):
    return call(gw.assets, "settings")


def notify_rules(gw, values):
    return {"rules": call(gw.notify, "rules")}


def notify_preference(gw, values):
    preference = call(gw.notify, "preferences", SYSTEM).get(values["agency"]) or {}
    return {"delivery": preference.get("delivery"), "muted": preference.get("muted")}


def problem_causes(gw, values):
    found = call(gw.reporting, "problem_causes")
    return {"version": found.get("version"), "causes": found.get("causes")} \
        if isinstance(found, dict) else {"causes": found}


def emenscr_fields(gw, values):
    """The eMENSCR field list in force: where from, its version, its keys and a digest of its
    text (the answer has the same fields: the log shows what changed)."""
    listed = in_force(call(gw.reporting, "emenscr_fields"))
    return {k: listed[k] for k in ("origin", "version", "digest", "keys")}


def agency(gw, values):
    agencies = call(gw.plans, "list_agencies")
    found = agencies.get(values["code"]) if isinstance(agencies, dict) else next(
        (a for a in agencies if a.get("code") == values["code"]), None)
    return dict(found or {})


def plan(gw, values):
    found = call(gw.plans, "get_plan", values["plan_id"]) or {}
    return {k: found.get(k) for k in ("status", "version", "cluster")}


def asset(gw, values):
    found = call(gw.assets, "get_asset", values["code"], SYSTEM) or {}
    return {k: found.get(k) for k in ("status", "version", "custodian", "transfer", "cluster")}


def user(gw, values):
    found = gw.people.store.user(normal_username(values["username"]))
    return public_user(found) if found else {}


def approval(gw, values):
    """A period's approval of a province's figures: its state and version before a step."""
    [found] = call(gw.reporting, "approvals", values["plan_id"], values["period"],
                   [values["province"]]) or [{}]
    return {"state": found.get("state"), "version": found.get("version")}

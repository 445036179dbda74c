"""People's accounts, managed: the admin all of them, an OSM director its own cluster's people
(accounts/domain.py ``manages``, on every operation, server-side). A user is created without a
password and mailed an invitation (a one-time link, 7 days) to set one; a manager can send a
password-reset link, change a user's name, e-mail, role and organisation, or disable it (every
session ends at once). A file of users (CSV or Excel) is imported all or none.

The ``*_as`` functions hold the rules; the JSON handlers and the users page (user_pages.py) both
call them, so a form and a script are refused alike."""
from __future__ import annotations

from services.contracts import access
from services.infra.spreadsheet import SheetUnreadable

from ..accounts import importing
from ..accounts.directory import Organisations, organisations
from ..accounts.domain import AccountError, check_duty, manages, normal_username, public_user
from ..audit.recording import record_act
from ..rpc import call
from .common import (MAX_UPLOAD_BYTES, ApiError, body_bytes, forbidden, json_body, json_response,
                     known_clusters, only_fields, principal)
from .routing import XLSX, RouteTable, ok, param
from .routing import json_body as body_of

routes = RouteTable()
LANG = {"type": "string", "enum": ["th", "en"], "description": "the language of the mail "
                                                                "(default th)"}
USER = {"type": "object", "required": ["username", "name", "email", "duty", "organisation"],
        "properties": {
            "username": {"type": "string"}, "name": {"type": "string"},
            "email": {"type": "string"}, "duty": {"type": "string", "enum": list(access.DUTIES)},
            "organisation": {"type": ["string", "null"]},
            "disabled_at": {"type": ["string", "null"]}, "created_at": {"type": "string"},
            "created_by": {"type": "string"}, "has_password": {"type": "boolean"},
            "totp": {"type": "boolean"}}}
NEW_USER = {"type": "object", "required": ["username", "name", "email", "duty"],
            "additionalProperties": False, "properties": {
                "username": {"type": "string", "description": "3-64 of a-z, 0-9, . _ -"},
                "name": {"type": "string"}, "email": {"type": "string"},
                "duty": {"type": "string", "enum": list(access.DUTIES)},
                "organisation": {"type": ["string", "null"], "description": "a cluster code "
                                 "(OSM, auditor), a province code (province roles), an agency "
                                 "code (agency officer); none for the admin and a national viewer"},
                "lang": LANG}}
CHANGE = {"type": "object", "additionalProperties": False, "properties": {
    "name": {"type": "string"}, "email": {"type": "string"},
    "duty": {"type": "string", "enum": list(access.DUTIES)},
    "organisation": {"type": ["string", "null"]}, "active": {"type": "boolean"}}}
PROBLEMS = {"type": "object", "properties": {"error": {"type": "object", "properties": {
    "code": {"type": "string"}, "message": {"type": "string"},
    "problems": {"type": "array", "items": {"type": "object", "properties": {
        "line": {"type": "integer"}, "column": {"type": "string"}, "th": {"type": "string"},
        "en": {"type": "string"}}}}}}}}
USERNAME = {"username": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9._-]{2,63}$"}}


# --- the rules -------------------------------------------------------------------------------

def manager(gw, request):
    """The asker, if it may manage users at all (the admin, an OSM director, an admin or OSM key)."""
    who = principal(gw, request)
    if not access.may_manage_users(who):
        raise forbidden(f"{who} may not manage users; the admin and an OSM director may")
    return who


def directory(gw) -> Organisations:
    return organisations(known_clusters(gw), call(gw.plans, "list_agencies", None),
                         call(gw.plans, "list_plans"))


def account_error(exc: AccountError) -> ApiError:
    return ApiError(400, "bad_request", f"{exc.field}: {exc.en} / {exc.th}")


def check_types(body: dict) -> None:
    """400 for a field of the wrong JSON type, before any rule reads it."""
    for name, value in body.items():
        if name == "active":
            if not isinstance(value, bool):
                raise ApiError(400, "bad_request", "active must be true or false")
        elif not (isinstance(value, str) or (value is None and name == "organisation")):
            raise ApiError(400, "bad_request", f"{name} must be text")


def check_lang(value) -> str:
    if value not in (None, "th", "en"):
        raise ApiError(400, "bad_request", "lang must be th or en")
    return value or "th"


def last_admin(gw, user: dict, changes: dict) -> bool:
    """Would this change leave no active admin (nobody could manage anyone any more)?"""
    if user["duty"] != "admin" or user.get("disabled_at"):
        return False
    if changes.get("active") is not False and changes.get("duty", "admin") == "admin":
        return False
    return not any(u["duty"] == "admin" and not u.get("disabled_at") and u["username"] != user["username"]
                   for u in gw.people.store.users())


def _cluster(orgs: Organisations, organisation: str | None) -> str | None:
    """The cluster of a user's organisation (a cluster is its own): whose audit log it is in."""
    return orgs.cluster_of.get(organisation, organisation) if organisation else None


def _by(who) -> str:
    return who.person or str(who)


def _lang(value) -> str:
    return value if value in ("th", "en") else "th"


def list_users_as(gw, who, orgs: Organisations) -> list[dict]:
    return [public_user(u) for u in gw.people.store.users()
            if manages(who, u, orgs.cluster_of)]


def managed_user(gw, who, username: str, orgs: Organisations) -> dict:
    user = gw.people.store.user(normal_username(username))
    if user is None:
        raise ApiError(404, "not_found", f"no user {username[:64]!r}")
    if not manages(who, user, orgs.cluster_of):
        raise forbidden(f"{who} may not manage {user['username']}: an OSM director manages its "
                        "own cluster's people, never an admin or a national viewer")
    return user


def create_user_as(gw, who, body: dict) -> dict:
    only_fields(body, tuple(NEW_USER["properties"]))
    check_types(body)
    check_lang(body.get("lang"))
    orgs = directory(gw)
    duty = body.get("duty") or ""
    try:
        organisation = check_duty(duty, body.get("organisation"), orgs.known)
    except AccountError as exc:
        raise account_error(exc) from None
    if not manages(who, {"duty": duty, "organisation": organisation}, orgs.cluster_of):
        raise forbidden(f"{who} may not create a {duty} of {organisation or 'no organisation'}")
    try:
        user = gw.people.create_user({**body, "duty": duty}, _by(who), orgs.known)
    except AccountError as exc:
        raise account_error(exc) from None
    queued = gw._account_mail(user, "invitation", _lang(body.get("lang")))
    record_act(gw, who, "user.create", target=user["username"], before={},
               answer=public_user(user),
               cluster=_cluster(orgs, organisation), request=body)
    return {**public_user(user), "invitation_queued": queued}


def update_user_as(gw, who, username: str, body: dict) -> dict:
    only_fields(body, tuple(CHANGE["properties"]))
    check_types(body)
    orgs = directory(gw)
    user = managed_user(gw, who, username, orgs)
    if last_admin(gw, user, body):
        raise ApiError(409, "wrong_state", "this is the last active administrator; make another "
                                           "one first / นี่คือผู้ดูแลระบบคนสุดท้ายที่ใช้งานได้ ให้สร้างคนใหม่ก่อน")
    if body.get("active") is False and who.person and who.person.endswith(f"({user['username']})"):
        raise ApiError(409, "wrong_state", "you cannot disable your own account / "
                                           "ปิดการใช้งานบัญชีของตนเองไม่ได้")
    changes = dict(body)
    if "duty" in changes or "organisation" in changes:
        duty = changes.get("duty", user["duty"])
        try:
            organisation = check_duty(duty, changes.get("organisation", user.get("organisation")),
                                      orgs.known)
        except AccountError as exc:
            raise account_error(exc) from None
        if not manages(who, {"duty": duty, "organisation": organisation}, orgs.cluster_of):
            raise forbidden(f"{who} may not make {user['username']} a {duty} of "
                            f"{organisation or 'no organisation'}")
    try:
        changed = public_user(gw.people.update_user(user["username"], changes, orgs.known))
    except AccountError as exc:
        raise account_error(exc) from None
    record_act(gw, who, "user.change", target=user["username"], request=body,
               before={k: public_user(user).get(k) for k in changes},
               answer=changed, cluster=_cluster(orgs, changed.get("organisation")))
    return changed


def reset_user_as(gw, who, username: str, lang: str) -> dict:
    lang = check_lang(lang)
    orgs = directory(gw)
    user = managed_user(gw, who, username, orgs)
    if user.get("disabled_at"):
        raise ApiError(409, "wrong_state", f"{user['username']} is disabled; enable it first / "
                                           "บัญชีนี้ถูกปิดการใช้งาน เปิดใช้ก่อน")
    kind = "password_reset" if user.get("password_hash") else "invitation"
    answer = {"username": user["username"], "kind": kind,
              "queued": gw._account_mail(user, kind, _lang(lang))}
    record_act(gw, who, "user.reset", target=user["username"], answer=answer,
               cluster=_cluster(orgs, user.get("organisation")))
    return answer


def import_users_as(gw, who, data: bytes, filename: str, lang: str) -> tuple[int, dict]:
    """(201, the users created) or (400, every problem): all or none."""
    lang = check_lang(lang)
    orgs = directory(gw)
    try:
        rows = importing.read_rows(data, filename)
    except SheetUnreadable as exc:
        return 400, _problems(importing.unreadable(exc))
    users, problems = importing.check_rows(
        rows, orgs, lambda name: gw.people.store.user(name) is not None,
        lambda user: manages(who, user, orgs.cluster_of))
    if problems:
        return 400, _problems(problems)
    created = []
    for raw in users:
        try:
            user = gw.people.create_user(raw, _by(who), orgs.known)
        except AccountError as exc:  # taken meanwhile: the ones before stay, said so
            return 409, {"error": {"code": "conflict", "message": f"{exc.en} / {exc.th}",
                                   "created": [u["username"] for u in created]}}
        created.append({**public_user(user),
                        "invitation_queued": gw._account_mail(user, "invitation", _lang(lang))})
        record_act(gw, who, "user.create", target=user["username"], before={},
                   answer=public_user(user), cluster=_cluster(orgs, user.get("organisation")),
                   request={"imported_from": filename})
    return 201, {"created": created}


def _problems(problems: list[dict]) -> dict:
    return {"error": {"code": "invalid_rows", "message": f"{len(problems)} problem(s); nobody "
                      "was created / พบปัญหา {0} รายการ ยังไม่ได้สร้างผู้ใช้ใด".format(len(problems)),
                      "problems": problems}}


# --- the JSON API ----------------------------------------------------------------------------

@routes.get("/api/users", "The users the asker manages (the admin: all; an OSM director: its "
                          "cluster's people); never a password hash or a second-factor secret",
            ok=ok(USER, "users", array=True))
def list_users(gw, request):
    who = manager(gw, request)
    return json_response(list_users_as(gw, who, directory(gw)))


@routes.post("/api/users", "Create a user {username, name, email, duty, organisation, lang}; "
                           "an invitation to set a password is mailed (a link valid 7 days)",
             body=body_of(NEW_USER), ok=ok(USER, "the user, invitation_queued", 201),
             errors={400: "what is wrong, in English and Thai", 403: "not a user the asker may "
                     "manage"})
def create_user(gw, request):
    who = manager(gw, request)
    return json_response(create_user_as(gw, who, json_body(request)), 201)


@routes.route("PATCH", "/api/users/<string:username>",
              "Change a user {name, email, duty, organisation, active}; disabling or a new role "
              "ends its sessions", path_schemas=USERNAME, body=body_of(CHANGE),
              ok=ok(USER, "the user as kept"),
              errors={400: "what is wrong, in English and Thai", 409: "one's own account "
                      "cannot be disabled, nor the last active administrator"})
def change_user(gw, request, username):
    who = manager(gw, request)
    return json_response(update_user_as(gw, who, username, json_body(request)))


@routes.post("/api/users/<string:username>/reset",
             "Mail the user a link to set a new password (an invitation again if it has none)",
             path_schemas=USERNAME, query=(param("lang", schema=LANG),),
             ok=ok({"type": "object", "properties": {"username": {"type": "string"},
                                                     "kind": {"type": "string"},
                                                     "queued": {"type": "boolean"}}},
                   "the mail asked for", 202),
             errors={409: "the user is disabled"})
def reset_user(gw, request, username):
    who = manager(gw, request)
    return json_response(reset_user_as(gw, who, username, request.args.get("lang")), 202)


@routes.post("/api/users/import",
             "Create users from a CSV (UTF-8) or Excel file with the columns username, name, "
             "email, role, organisation: all or none - any bad row creates nobody and every bad "
             "row is named by line and column, in Thai and English; each user created is invited",
             query=(param("lang", schema=LANG),),
             body={"required": True, "content": {
                 "text/csv": {"schema": {"type": "string"}},
                 XLSX: {"schema": {"type": "string", "contentMediaType": XLSX}}}},
             ok=ok({"type": "object", "properties": {"created": {"type": "array",
                                                                 "items": USER}}},
                   "the users created", 201),
             errors={400: "every bad row (error.problems: line, column, th, en)",
                     409: "a username was taken while the file was imported"})
def import_users(gw, request):
    who = manager(gw, request)
    data = body_bytes(request, MAX_UPLOAD_BYTES)
    status, body = import_users_as(gw, who, data, "users.csv", request.args.get("lang"))
    return json_response(body, status)

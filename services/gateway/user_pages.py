"""The users page (/users): the people the asker manages - the admin everyone, an OSM director
its own cluster's people - with forms to create (an invitation is mailed), change, disable or
enable a user, mail a reset link and import a CSV or Excel file; for the admin also the API keys
(issue: the secret shown once; revoke). Every form posts here with the session's CSRF token and
goes through the same rules as the JSON API (api/users.py, api/admin.py), so a form is refused
exactly as a script would be. Mixed into GatewayService."""
from __future__ import annotations

from urllib.parse import urlencode

from services.contracts import access

from . import dashboard
from .accounts.domain import ORGANISATION_OF
from .api import admin as admin_api
from .api import users as users_api
from .api.common import ApiError
from .auth import AuthError
from .pages import html, redirect
from .sessions import signed_in
from .web import http

DONE = ("created", "updated", "reset_sent", "imported", "key_issued", "key_revoked")


class UserPages:
    @http("GET", "/users")
    def users_page(self, request):
        done = request.args.get("done")  # who may open it: dashboard.PAGE_RULES
        return self._page(request, "users", self._users_view(
            request, done=done if done in DONE else None), needs_plan=False)

    def _not_a_manager(self, request):
        """A POST by someone who may not manage users (the page itself: dashboard.PAGE_RULES)."""
        browser = signed_in(self, request)
        if browser is not None and not access.may_manage_users(browser.who):
            words = dashboard.words(self._lang(request))
            return html(f"<!doctype html><meta charset='utf-8'><p>{words['users_forbidden']}</p>"
                        f"<p><a href='/'>{words['overview']}</a></p>", 403)
        return None

    def _users_view(self, request, done=None, problems=(), error=None, new_key=None):
        def build(ctx):
            who, lang = ctx["principal"], ctx["lang"]
            orgs = users_api.directory(self)
            clusters = None if who.role == access.ADMIN else {who.scope}
            # an OSM director gives the roles of its cluster's people, never admin or national
            duties = [d for d in access.DUTIES if who.role == access.ADMIN
                      or d not in ("admin", "national_viewer")]
            people = sorted(users_api.list_users_as(self, who, orgs), key=lambda u: u["username"])
            for user in people:
                user["duty_name"] = access.DUTY_NAMES[user["duty"]][0 if lang == "th" else 1]
                user["organisation_name"] = orgs.name(user.get("organisation"), lang)
            choices = {kind: [(code, names[0 if lang == "th" else 1]) for code, names
                              in orgs.choices(kind, clusters)]
                       for kind in ("cluster", "province", "agency")}
            keys = None
            if access.is_admin(who) and who.duty in (None, "admin"):
                keys = sorted(self.keys.listed(), key=lambda k: k["created_at"], reverse=True)
                for key in keys:
                    key["role_name"] = dashboard.words(lang).get(f"key_role_{key['role']}", key["role"])
                    key["scope_name"] = orgs.name(key.get("scope"), lang) if key.get("scope") else "—"
            return {"people": people, "duties": [(d, access.DUTY_NAMES[d][0 if lang == "th" else 1],
                                                  ORGANISATION_OF[d]) for d in duties],
                    "choices": choices, "keys": keys, "done": done, "problems": list(problems),
                    "error": error, "new_key": new_key, "me": who.person or "",
                    "key_roles": access.ROLES}
        return build

    @http("POST", "/users")
    def users_change(self, request):
        browser, refusal = self._posting_browser(request)
        if refusal is not None:
            return refusal
        refusal = self._not_a_manager(request)
        if refusal is not None:
            return refusal
        form, who, lang = request.form, browser.who, self._lang(request)
        action = form.get("action")
        try:
            if action == "create":
                body = {k: form.get(k, "") for k in ("username", "name", "email", "duty")}
                body["organisation"] = form.get("organisation") or None
                users_api.create_user_as(self, who, {**body, "lang": lang})
                return self._users_done(lang, "created")
            if action == "update":
                changes = {k: form[k] for k in ("name", "email", "duty") if form.get(k)}
                if "duty" in changes:
                    changes["organisation"] = form.get("organisation") or None
                if form.get("active") in ("true", "false"):
                    changes["active"] = form["active"] == "true"
                users_api.update_user_as(self, who, form.get("username", ""), changes)
                return self._users_done(lang, "updated")
            if action == "reset":
                users_api.reset_user_as(self, who, form.get("username", ""), lang)
                return self._users_done(lang, "reset_sent")
            if action == "import":
                upload = request.files.get("file")
                if upload is None or not upload.filename:
                    raise ApiError(400, "bad_request", dashboard.words(lang)["choose_file"])
                status, body = users_api.import_users_as(self, who, upload.read(
                    users_api.MAX_UPLOAD_BYTES + 1), upload.filename, lang)
                if status == 201:
                    return self._users_done(lang, "imported")
                return self._users_again(request, 400, problems=body["error"].get("problems", ()),
                                         error=body["error"]["message"])
            if action in ("issue_key", "revoke_key") and not access.is_admin(who):
                raise AuthError(403, "forbidden", "only the admin manages API keys")
            if action == "issue_key":
                made = admin_api.issue_key_as(self, who, {
                    "role": form.get("role"), "scope": form.get("scope") or None,
                    "label": form.get("label", ""), "owner": form.get("owner", ""),
                    "expires_at": form.get("expires_at") or None})
                return self._users_again(request, 201, done="key_issued", new_key=made)
            if action == "revoke_key":
                admin_api.revoke_key_as(self, who, form.get("key_id", ""))
                return self._users_done(lang, "key_revoked")
        except (ApiError, AuthError) as exc:
            return self._users_again(request, exc.status, error=exc.message)
        except access.Denied as exc:
            return self._users_again(request, 403, error=str(exc))
        return self._users_again(request, 400, error=f"unknown action {action!r}")

    def _users_done(self, lang, done):
        return redirect("/users?" + urlencode({"lang": lang, "done": done}))

    def _users_again(self, request, status, **shown):
        response = self._page(request, "users", self._users_view(request, **shown), needs_plan=False)
        if response.status_code == 200:
            response.status_code = status
        return response

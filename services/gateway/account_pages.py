"""Signing in and out, forgotten passwords, one-time links and a person's own account
(entrypoints only; the rules are in accounts/). Mixed into GatewayService.

Forms before sign-in carry a token that must match a cookie this site set (double submit), so
another site cannot sign a browser in or out. Every answer to a wrong name, a wrong password,
a locked name or an unknown address is the same.
"""
from __future__ import annotations

import hmac
import logging

import eventlet
import secrets
from urllib.parse import urlencode, urlsplit

from services.contracts import access

from . import dashboard
from .accounts.domain import TOTP_DUTIES, AccountError, normal_username, public_user, who_of
from .audit.recording import record_act
from .auth import AuthError
from .pages import LANG_COOKIE, html, login_limit, redirect, too_many
from .sessions import (SESSION_COOKIE, check_csrf, secure_cookies, set_session_cookie,
                       signed_in)
from .web import http

log = logging.getLogger(__name__)
PRE_COOKIE = "cp_pre"  # the anonymous forms' CSRF token (login, forgotten password, new password)


def _local(target: str | None) -> str:
    """Where to go after signing in: a path of this site only (no open redirect)."""
    target = target or "/"
    if any(ord(c) < 32 or ord(c) == 127 for c in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def _log_refusal(reply, kind: str, username: str) -> None:
    try:
        reply.result()
    except Exception as exc:  # never the link: the kind, the account and the error's class
        log.error("account mail %s for %s refused by notify: %s", kind, username,
                  type(exc).__name__)


class AccountPages:
    # --- anonymous forms -------------------------------------------------------------------------

    def _anonymous(self, request, template: str, status: int = 200, **context):
        """An anonymous form, with its double-submit token (a new one unless the browser has one)."""
        lang = self._lang(request)
        pre = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(24)
        response = html(dashboard.render(template, lang, pre=pre, **context), status)
        response.set_cookie(PRE_COOKIE, pre, httponly=True, samesite="Strict", path="/",
                            secure=secure_cookies(request, self.config))
        return response

    @staticmethod
    def _pre_ok(request) -> bool:
        cookie, sent = request.cookies.get(PRE_COOKIE, ""), request.form.get("csrf", "")
        return bool(cookie) and hmac.compare_digest(cookie.encode(), sent.encode())

    @http("GET", "/login")
    def login_page(self, request):
        return self._anonymous(request, "login", error=None, next=_local(request.args.get("next")),
                               done=request.args.get("done"))

    @http("POST", "/login")
    def login(self, request):
        lang, nxt = self._lang(request), _local(request.form.get("next"))
        if not login_limit(self.config).allow(request.remote_addr):
            return too_many()
        if not self._pre_ok(request):
            return self._anonymous(request, "login", 400, error="stale", next=nxt, done=None)
        key = (request.form.get("api_key") or "").strip()
        if key:  # a system's or a scripted check's key: a session that follows the key
            try:
                self.keys.authenticate(f"Bearer {key}")
            except AuthError:
                return self._anonymous(request, "login", 401, error="bad_key", next=nxt, done=None)
            token = self.people.start_key_session(self.keys.digest_of(key), request.remote_addr)
            return self._signed_in(request, token, nxt, lang)
        username = request.form.get("username") or ""
        result = self.people.sign_in(username, request.form.get("password") or "",
                                     request.remote_addr)
        if result is None:
            self._tell_if_locked(username, lang)
            return self._anonymous(request, "login", 401, error="bad_login", next=nxt, done=None)
        if result.needs_code:
            response = self._anonymous(request, "login_code", error=None, next=nxt)
            set_session_cookie(response, request, result.token, self.config)
            return response
        return self._signed_in(request, result.token, nxt, lang)

    @http("POST", "/login/code")
    def login_code(self, request):
        nxt = _local(request.form.get("next"))
        if not login_limit(self.config).allow(request.remote_addr):
            return too_many()
        token = request.cookies.get(SESSION_COOKIE, "")
        signed = self._pre_ok(request) and self.people.confirm_code(
            token, request.form.get("code"), request.remote_addr)
        if not signed:
            return self._anonymous(request, "login_code", 401, error="bad_code", next=nxt)
        return self._signed_in(request, signed, nxt, self._lang(request))

    def _signed_in(self, request, token, nxt, lang):
        response = redirect(nxt if nxt != "/" else f"/?lang={lang}")
        set_session_cookie(response, request, token, self.config)
        response.set_cookie(LANG_COOKIE, lang, samesite="Lax", max_age=365 * 86400)
        response.delete_cookie(PRE_COOKIE, path="/")
        return response

    def _tell_if_locked(self, username, lang):
        """The owner of a name that was just locked is told by mail, once (never the guesser)."""
        if not self.people.just_locked(username):
            return
        user = self.people.store.user(normal_username(username))
        self.people.mark_told(username)
        if user and user.get("email"):
            self._account_mail(user, "account_locked", lang)

    @http("POST", "/logout")
    def logout(self, request):
        browser = signed_in(self, request)
        if browser is not None:
            try:
                check_csrf(request, browser)
            except AuthError as exc:
                return html(f"<!doctype html><meta charset='utf-8'><p>{exc.message}</p>", 403)
            self.people.sign_out(browser.token)
        response = redirect(f"/login?lang={self._lang(request)}")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @http("GET", "/logout")
    def logout_page(self, request):
        """Signing out changes something: a GET (a link, a prefetch) only offers the button."""
        return redirect("/account" if signed_in(self, request) else "/login")

    # --- forgotten password and one-time links ---------------------------------------------------

    @http("GET", "/password-reset")
    def reset_request_page(self, request):
        return self._anonymous(request, "password_reset", sent=False, error=None)

    @http("POST", "/password-reset")
    def reset_request(self, request):
        if not login_limit(self.config).allow(request.remote_addr):
            return too_many()
        if not self._pre_ok(request):
            return self._anonymous(request, "password_reset", 400, sent=False, error="stale")
        asked = (request.form.get("who") or "").strip()
        user = self.people.store.user(normal_username(asked)) or (
            self.people.store.user_by_email(asked) if "@" in asked else None)
        # one mail per account in RESET_MAIL_EVERY (noted for any name asked, so both paths
        # write once and take the same time)
        if self.people.reset_allowed(user["username"] if user else f"?{normal_username(asked)}") \
                and user and user.get("email") and not user.get("disabled_at"):
            self._account_mail(user, "password_reset", self._lang(request))
        # the same answer whether or not an account matched
        return self._anonymous(request, "password_reset", sent=True, error=None)

    def _account_mail(self, user, kind, lang, link_kind=None) -> bool:
        """Ask notify to mail a one-time link (a password reset, an invitation) or a notice;
        whether it was queued. A failure is logged, never shown to an anonymous asker (who must
        not learn whether the account exists); the users page and API tell the manager."""
        mail = {"id": secrets.token_hex(16), "kind": kind, "to": user["email"],
                "name": user.get("name") or user["username"], "lang": lang,
                "username": user["username"]}
        if kind != "account_locked":
            token, expires = self.people.new_link(user["username"], link_kind or kind)
            mail.update(link=f"{self._public_base()}/reset?{urlencode({'token': token})}",
                        expires_at=expires.isoformat())
        # not waited for: the answer must not take longer because an account exists (the RPC
        # request is on the bus either way); a refusal is logged when notify answers
        try:
            reply = self.notify.send_account_mail.call_async(mail)
        except Exception as exc:  # the bus is away: the person asks again; the operator sees this
            log.error("account mail %s for %s not queued: %s", kind, user["username"],
                      type(exc).__name__)
            return False
        eventlet.spawn_n(_log_refusal, reply, kind, user["username"])
        return True

    def _public_base(self) -> str:
        return (self.config.get("PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/")

    @http("GET", "/reset")
    def reset_page(self, request):
        token = request.args.get("token", "")
        user = self.people.link_user(token)
        return self._anonymous(request, "password_set", 200 if user else 410, token=token,
                               user=user and public_user(user), error=None if user else "link")

    @http("POST", "/reset")
    def reset(self, request):
        if not login_limit(self.config).allow(request.remote_addr):
            return too_many()
        token = request.form.get("token", "")
        user = self.people.link_user(token)
        if not self._pre_ok(request):
            return self._anonymous(request, "password_set", 400, token=token,
                                   user=user and public_user(user), error="stale")
        password, again = request.form.get("password", ""), request.form.get("again", "")
        try:
            if password != again:
                raise AccountError("again", "รหัสผ่านสองช่องไม่ตรงกัน", "the two passwords differ")
            self.people.set_password_by_link(token, password)
        except AccountError as exc:
            return self._anonymous(request, "password_set", 400, token=token,
                                   user=user and public_user(user), error=exc)
        record_act(self, who_of(user), "user.password_link", target=user["username"],
                   via="session")
        return redirect(f"/login?{urlencode({'lang': self._lang(request), 'done': 'password'})}")

    # --- a person's own account ------------------------------------------------------------------

    def _own(self, request):
        browser = signed_in(self, request)
        if browser is None or browser.user is None:  # a key's session has no account to manage
            return None
        return browser

    @http("GET", "/account")
    def account_page(self, request):
        browser = self._own(request)
        if browser is None:
            return redirect(f"/login?{urlencode({'next': '/account'})}")
        return self._account(request, browser)

    def _account(self, request, browser, status=200, error=None, notice=None, totp_secret=None):
        lang, user = self._lang(request), browser.user
        sessions = [s for s in self.people.store.sessions_of(user["username"]) if not s.get("ended_at")]
        context = {"page": "account", "plan": None, "sample": False, "nav": dashboard.nav_for(browser.who),
                   "query": "", "who": self._who_label(browser.who, lang), "csrf": browser.csrf,
                   "user": public_user(user), "duty": access.DUTY_NAMES[user["duty"]],
                   "may_totp": user["duty"] in TOTP_DUTIES, "error": error, "notice": notice,
                   "sessions": sessions, "this_session": browser.session["digest"],
                   "totp_secret": totp_secret,
                   "totp_uri": totp_secret and self.people.totp_uri(user, totp_secret)}
        return html(dashboard.render("account", lang, **context), status)

    def _kept(self, browser, act: str) -> None:
        """A person's act on their own account, in the audit log (never a password or secret)."""
        record_act(self, browser.who, act, target=browser.user["username"], via="session")

    @http("POST", "/account")
    def account_change(self, request):
        browser, refusal = self._posting_browser(request)
        if refusal is not None or browser.user is None:  # a key's session has no account
            return refusal or redirect("/")
        form, user = request.form, browser.user
        action = form.get("action")
        try:
            if action == "password":
                if form.get("new", "") != form.get("again", ""):
                    raise AccountError("again", "รหัสผ่านใหม่สองช่องไม่ตรงกัน", "the two new passwords differ")
                self.people.change_password(user, form.get("current", ""), form.get("new", ""),
                                            browser.token)
                self._kept(browser, "user.password")
                return self._account(request, browser, notice="password")
            if action == "totp_start":
                return self._account(request, browser,
                                     totp_secret=self.people.start_totp(browser.session))
            if action == "totp_enable":
                self.people.enable_totp(user, browser.session, form.get("current", ""),
                                        form.get("code", ""))
                browser.user = self.people.store.user(user["username"])
                self._kept(browser, "user.totp_on")
                return self._account(request, browser, notice="totp_on")
            if action == "totp_disable":
                self.people.disable_totp(user, form.get("current", ""))
                browser.user = self.people.store.user(user["username"])
                self._kept(browser, "user.totp_off")
                return self._account(request, browser, notice="totp_off")
            if action == "end_sessions":
                self.people.end_other_sessions(user["username"], browser.token)
                self._kept(browser, "user.end_sessions")
                return self._account(request, browser, notice="sessions")
        except AccountError as exc:
            return self._account(request, browser, 400, error=exc,
                                 totp_secret=browser.session.get("totp_pending")
                                 if action == "totp_enable" else None)
        return self._account(request, browser, 400, error=AccountError(
            "action", "ไม่รู้จักคำสั่งนี้", f"unknown action {action!r}"))

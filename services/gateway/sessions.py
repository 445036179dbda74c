"""A browser's identity: the server-side session its cookie names, and the CSRF token every
request that changes something must carry. The one place pages and the API turn a cookie into
a principal (api/common.py ``principal``, pages.py ``_signed_in``).

The cookie holds a random session id only (never an API key, never a password); the session,
kept by the accounts store, says who signed in, until when, and the CSRF token of its forms.
A session started with an API key (for systems and scripted checks) follows the key: a revoked
or expired key ends it.
"""
from __future__ import annotations

import hmac

from services.contracts.access import Who

from .accounts.domain import who_of
from .auth import AuthError

SESSION_COOKIE = "cp_session"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class Browser:
    """Who a signed-in browser is: ``who`` (the principal), ``user`` (None for a key's
    session), ``session`` (its record: csrf, expiry) and ``token`` (the cookie's value)."""

    def __init__(self, who: Who, user: dict | None, session: dict, token: str):
        self.who, self.user, self.session, self.token = who, user, session, token

    @property
    def csrf(self) -> str:
        return self.session["csrf"]


def signed_in(gateway, request) -> Browser | None:
    token = request.cookies.get(SESSION_COOKIE)
    found = gateway.people.session(token) if token else None
    if found is None:
        return None
    user, session = found
    if user is not None:
        return Browser(who_of(user), user, session, token)
    who = gateway.keys.principal_of_digest(session.get("key_sha256", ""))
    return Browser(who, None, session, token) if who is not None else None


def csrf_sent(request) -> str | None:
    sent = request.headers.get("X-CSRF-Token")
    if sent is None and request.mimetype in FORM_TYPES:
        sent = request.form.get("csrf")
    return sent


def check_csrf(request, browser: Browser) -> None:
    """A request that changes something, from a page of this site: its token matches the
    session's (a page of another site cannot read it)."""
    sent = csrf_sent(request) or ""
    if not hmac.compare_digest(sent.encode("utf-8"), browser.csrf.encode("utf-8")):
        raise AuthError(403, "csrf_failed",
                        "the page is out of date or came from another site (CSRF token missing "
                        "or wrong); reload the page and try again / หน้านี้หมดอายุ โปรดโหลดหน้าใหม่แล้วลองอีกครั้ง")


def browser_principal(gateway, request) -> Who:
    """The principal of a request that came with the session cookie and no Authorization."""
    browser = signed_in(gateway, request)
    if browser is None:
        raise AuthError(401, "unauthenticated",
                        "the session has ended; sign in again at /login")
    if request.method not in SAFE_METHODS:
        check_csrf(request, browser)
    return browser.who


def secure_cookies(request, config) -> bool:
    """Cookies only over HTTPS when the request came so, or the public address is https (a TLS
    proxy that does not say so: TRUSTED_PROXY_HOPS unset)."""
    return request.scheme == "https" or \
        str(config.get("PUBLIC_URL") or "").startswith("https://")


def set_session_cookie(response, request, token: str, config) -> None:
    # HttpOnly: no script reads it. SameSite=Lax: a link in a mail (a top-level GET from another
    # site) still arrives signed in, while no other site can POST with it; the CSRF token guards
    # every change besides.
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Lax", path="/",
                        secure=secure_cookies(request, config))

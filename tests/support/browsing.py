"""A signed-in dashboard browser for tests that use plain HTTP (no Chromium): the login form's
double-submit token, then the session cookie, and the CSRF token of the session's pages."""
from __future__ import annotations

import re

import requests

CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]*)"')


def login_form_token(session: requests.Session, base: str) -> str:
    page = session.get(f"{base}/login", timeout=15)
    found = CSRF_FIELD.search(page.text)
    assert found, f"no login form at {base}/login: {page.status_code} {page.text[:300]}"
    return found.group(1)


def signed_in(base: str, key: str | None = None, username: str | None = None,
              password: str | None = None, lang: str = "en") -> requests.Session:
    """A session signed in with an API key (a system's session) or a person's password."""
    session = requests.Session()
    form = {"csrf": login_form_token(session, base), "lang": lang}
    form.update({"api_key": key} if key else {"username": username, "password": password})
    answer = session.post(f"{base}/login", data=form, allow_redirects=False, timeout=30)
    assert answer.status_code == 303, answer.text[:500]
    session.base = base
    return session


def csrf_of(session: requests.Session, path: str = "/") -> str:
    """The CSRF token a page of the signed-in session carries."""
    page = session.get(f"{session.base}{path}", timeout=30)
    return CSRF_META.search(page.text).group(1)

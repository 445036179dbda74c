"""People sign in as themselves (step 14, point 1), through the real gateway, notify and SMTP:
the first admin's link, passwords, the lockout that never tells whether a name exists, a reset
by mail, a second factor, sessions and CSRF.

Its own system, behind a pretend proxy (TRUSTED_PROXY_HOPS=1): each test speaks from an address
of its own (X-Forwarded-For), so the per-client login limit (10 a minute) is not what is tested.
"""
from __future__ import annotations

import email
import re
import uuid
from email import policy

import pyotp
import pytest
import requests

from tests.support.browsing import CSRF_FIELD, CSRF_META
from tests.support.system import RunningSystem, wait_until

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery staple"
LINK = re.compile(r"https?://\S+/reset\?token=[\w-]+")


@pytest.fixture(scope="module")
def people(tmp_path_factory):
    running = RunningSystem(tmp_path_factory.mktemp("accounts") / "var",
                            extra_env={"TRUSTED_PROXY_HOPS": "1", "SEED_SAMPLE_PLAN": "1"})
    try:
        running.start()
        yield running
    finally:
        running.stop()
        running.cleanup_broker()


class Browser:
    """A browser from an address of its own."""

    def __init__(self, base: str):
        self.base, self.http = base, requests.Session()
        self.http.headers["X-Forwarded-For"] = f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"

    def form_token(self, path: str = "/login") -> str:
        page = self.http.get(f"{self.base}{path}", timeout=15)
        return CSRF_FIELD.search(page.text).group(1)

    def sign_in(self, username: str, password: str, **extra) -> requests.Response:
        return self.http.post(f"{self.base}/login", timeout=30, allow_redirects=False, data={
            "csrf": self.form_token(), "username": username, "password": password, "lang": "en",
            **extra})

    def page(self, path: str) -> requests.Response:
        return self.http.get(f"{self.base}{path}", timeout=30, allow_redirects=False)

    def csrf(self, path: str = "/account") -> str:
        return CSRF_META.search(self.page(path).text).group(1)


def mails_to(system: RunningSystem, address: str) -> list:
    found = []
    for path in system.mails():
        msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if address in str(msg["To"]):
            found.append(msg)
    return found


def body(msg) -> str:
    return msg.get_body(("plain",)).get_content()


def test_make_run_prints_a_one_time_link_that_sets_the_first_admins_password(people):
    link = people.first_admin_link()
    assert link and "/reset?token=" in link
    browser = Browser(people.base)
    shown = browser.http.get(link, timeout=15)
    assert shown.status_code == 200 and "admin" in shown.text
    token = link.split("token=")[1]
    short = browser.http.post(f"{people.base}/reset", timeout=15, data={
        "csrf": CSRF_FIELD.search(shown.text).group(1), "token": token, "password": "short",
        "again": "short", "lang": "en"})
    assert short.status_code == 400 and "10-256 characters" in short.text
    done = browser.http.post(f"{people.base}/reset", timeout=15, allow_redirects=False, data={
        "csrf": CSRF_FIELD.search(shown.text).group(1), "token": token, "password": PASSWORD,
        "again": PASSWORD, "lang": "en"})
    assert done.status_code == 303 and "done=password" in done.headers["Location"]
    assert browser.http.get(link, timeout=15).status_code == 410  # one use
    assert browser.sign_in("admin", PASSWORD).status_code == 303
    home = browser.page("/?lang=en")
    assert home.status_code == 200 and "(admin)" in home.text  # signed as a person
    assert "cp_session" in browser.http.cookies and PASSWORD not in str(browser.http.cookies)


def test_a_wrong_password_and_an_unknown_name_get_the_same_answer_then_both_are_locked(people):
    people.add_person("lock.me", "osm_analyst", "northeast-lower-2", PASSWORD,
                      email="lock.me@example.org")
    browser = Browser(people.base)
    known = browser.sign_in("lock.me", "not the password!")
    unknown = browser.sign_in(f"nobody-{uuid.uuid4().hex[:6]}", "not the password!")
    assert known.status_code == unknown.status_code == 401

    def said(answer):
        return CSRF_FIELD.sub("", answer.text)
    assert said(known) == said(unknown)  # nothing tells whether the account exists
    for _ in range(4):
        browser.sign_in("lock.me", "not the password!")
    assert browser.sign_in("lock.me", PASSWORD).status_code == 401  # locked, even the right one
    wait_until(lambda: mails_to(people, "lock.me@example.org"), timeout=60,
               what="the lockout mail to its owner")
    [mail] = mails_to(people, "lock.me@example.org")
    assert "lock.me" in str(mail["Subject"])


def test_a_forgotten_password_is_reset_by_a_mailed_one_time_link(people):
    people.add_person("forgetful", "province_planner", "TH-34", PASSWORD,
                      email="forgetful@example.org")
    browser = Browser(people.base)
    asked = browser.http.post(f"{people.base}/password-reset", timeout=15, data={
        "csrf": browser.form_token("/password-reset"), "who": "forgetful@example.org",
        "lang": "en"})
    nobody = browser.http.post(f"{people.base}/password-reset", timeout=15, data={
        "csrf": browser.form_token("/password-reset"), "who": "nobody@example.org", "lang": "en"})
    assert asked.status_code == nobody.status_code == 200
    assert CSRF_FIELD.sub("", asked.text) == CSRF_FIELD.sub("", nobody.text)
    wait_until(lambda: mails_to(people, "forgetful@example.org"), timeout=60, what="the reset mail")
    [mail] = mails_to(people, "forgetful@example.org")
    link = LINK.search(body(mail)).group(0)
    shown = browser.http.get(link, timeout=15)
    new = "a new and long passphrase"
    browser.http.post(f"{people.base}/reset", timeout=15, data={
        "csrf": CSRF_FIELD.search(shown.text).group(1), "token": link.split("token=")[1],
        "password": new, "again": new})
    assert browser.sign_in("forgetful", PASSWORD).status_code == 401
    assert browser.sign_in("forgetful", new).status_code == 303
    # the link is a secret: the delivery log does not show it
    log = people.get("/api/mails", people.key(), limit=1000).text
    assert link.split("token=")[1] not in log


def test_a_director_adds_a_second_factor_and_is_asked_for_it(people):
    people.add_person("director", "osm_director", "northeast-lower-2", PASSWORD)
    browser = Browser(people.base)
    assert browser.sign_in("director", PASSWORD).status_code == 303
    started = browser.http.post(f"{people.base}/account", timeout=15, data={
        "csrf": browser.csrf(), "action": "totp_start"})
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', started.text).group(1)
    on = browser.http.post(f"{people.base}/account", timeout=15, data={
        "csrf": browser.csrf(), "action": "totp_enable", "secret": secret,
        "code": pyotp.TOTP(secret).now()})
    assert on.status_code == 200 and 'id="account-notice"' in on.text
    again = Browser(people.base)
    asked = again.sign_in("director", PASSWORD)
    assert asked.status_code == 200 and 'id="code"' in asked.text
    assert again.page("/").status_code == 303  # not in until the code is given
    wrong = again.http.post(f"{people.base}/login/code", timeout=15, data={
        "csrf": CSRF_FIELD.search(asked.text).group(1), "code": "000000"})
    assert wrong.status_code == 401
    right = again.http.post(f"{people.base}/login/code", timeout=15, allow_redirects=False, data={
        "csrf": CSRF_FIELD.search(wrong.text).group(1), "code": pyotp.TOTP(secret).now()})
    assert right.status_code == 303 and again.page("/").status_code == 200


def test_sessions_need_their_csrf_token_to_change_anything_and_end_by_post(people):
    people.add_person("careful", "osm_analyst", "northeast-lower-2", PASSWORD)
    browser = Browser(people.base)
    assert browser.sign_in("careful", PASSWORD).status_code == 303
    forged = browser.http.post(f"{people.base}/account", timeout=15, data={
        "action": "end_sessions"})
    assert forged.status_code == 403
    api = browser.http.put(f"{people.base}/api/reporting-schedule", json={"due_days": 20},
                           timeout=15)
    assert api.status_code == 403 and api.json()["error"]["code"] == "csrf_failed"
    assert browser.page("/logout").status_code == 303 and browser.page("/").status_code == 200
    browser.http.post(f"{people.base}/logout", data={"csrf": browser.csrf()}, timeout=15)
    assert browser.page("/").status_code == 303  # signed out: to the login page


def test_an_analyst_is_signed_as_itself_and_may_not_publish(people):
    people.add_person("analyst", "osm_analyst", "northeast-lower-2", PASSWORD, name="สมศรี วิเคราะห์")
    browser = Browser(people.base)
    browser.sign_in("analyst", PASSWORD)
    home = browser.page("/?lang=en")
    assert "สมศรี วิเคราะห์ (analyst)" in home.text and 'href="/users' not in home.text
    plans = browser.http.get(f"{people.base}/api/plans", timeout=15).json()
    plan = plans[0]["id"]
    refused = browser.http.post(f"{people.base}/api/plans/{plan}/publish", json={}, timeout=15,
                                headers={"X-CSRF-Token": browser.csrf("/")})
    assert refused.status_code == 403 and "OSM director" in refused.text

"""People managed in the dashboard and the API (step 14, point 2) and API keys that belong to
someone, expire and show their last use (point 3): the admin invites a user by the form, the
invitation arrives by mail, its link sets the password and the person signs in to its role's
pages; an OSM director manages only its own cluster's people (403 otherwise, server-side); a
file of users with a bad row creates nobody and names the row; an expired key is refused."""
from __future__ import annotations

import email
import re
import time
import uuid
from datetime import datetime, timedelta, timezone
from email import policy

import requests

from tests.support.browsing import CSRF_FIELD, csrf_of, signed_in
from tests.support.system import wait_until

CLUSTER = "northeast-lower-2"
OTHER_PROVINCE = "TH-50"  # Chiang Mai: another cluster's
LINK = re.compile(r"(http://\S+/reset\?token=[\w-]+)")


def api(system, method, path, key, headers=None, **kwargs):
    return requests.request(method, f"{system.base}{path}", timeout=30,
                            headers={"Authorization": f"Bearer {key}", **(headers or {})}, **kwargs)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def invitation_link(system, address: str) -> str:
    def mailed():
        for path in system.mails():
            msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            if msg["To"] == address:
                found = LINK.search(msg.get_body(("plain",)).get_content())
                if found:
                    return found.group(1)
    return wait_until(mailed, timeout=60, what=f"the invitation mailed to {address}")


def set_password(system, link: str, password: str) -> None:
    browser = requests.Session()
    page = browser.get(link, timeout=15)
    assert page.status_code == 200, page.text[:300]
    token = link.split("token=", 1)[1]
    done = browser.post(f"{system.base}/reset", allow_redirects=False, timeout=30, data={
        "csrf": CSRF_FIELD.search(page.text).group(1), "token": token, "password": password,
        "again": password, "lang": "en"})
    assert done.status_code == 303 and "done=password" in done.headers["Location"], done.text[:300]


def invited(system, creator_key, username, duty, organisation):
    """A user made through the API, its invitation followed: (address, password)."""
    address = f"{username}@example.org"
    made = api(system, "POST", "/api/users", creator_key, json={
        "username": username, "name": f"Person {username}", "email": address, "duty": duty,
        "organisation": organisation, "lang": "en"})
    assert made.status_code == 201, made.text
    password = f"correct horse {uuid.uuid4().hex[:8]}"
    set_password(system, invitation_link(system, address), password)
    return address, password


def test_the_admin_invites_a_person_by_the_form_who_then_signs_in_to_its_pages(system):
    admin = signed_in(system.base, key=system.key())
    page = admin.get(f"{system.base}/users", timeout=30)
    assert page.status_code == 200 and 'id="new-user"' in page.text and 'id="keys"' in page.text
    username = unique("planner")
    address = f"{username}@example.org"
    made = admin.post(f"{system.base}/users", allow_redirects=False, timeout=30, data={
        "csrf": csrf_of(admin, "/users"), "action": "create", "username": username,
        "name": "สมชาย ใจดี", "email": address, "duty": "province_planner",
        "organisation": "TH-34"})
    assert made.status_code == 303 and "done=created" in made.headers["Location"], made.text[:500]
    listed = admin.get(f"{system.base}/users?lang=en", timeout=30).text
    row = listed[listed.index(f'id="user-{username}"'):][:1500]
    assert "Province planner" in row and "Ubon Ratchathani (TH-34)" in row and "สมชาย ใจดี" in row
    # without the CSRF token the form is refused
    assert admin.post(f"{system.base}/users", data={"action": "create", "username": "x"},
                      allow_redirects=False, timeout=30).status_code == 403

    password = "a long enough secret 42"
    set_password(system, invitation_link(system, address), password)
    person = signed_in(system.base, username=username, password=password)
    home = person.get(f"{system.base}/", timeout=30)
    assert home.status_code == 200 and 'href="/report?' in home.text and 'href="/users' not in home.text
    assert person.get(f"{system.base}/users", timeout=30).status_code == 403
    assert person.get(f"{system.base}/api/users", timeout=30).status_code == 403
    # the admin sees the password set; never a hash
    users = {u["username"]: u for u in api(system, "GET", "/api/users", system.key()).json()}
    assert users[username]["has_password"] and "password_hash" not in users[username]

    # disabled: the person's session ends at once; enabled again: it signs in anew
    off = admin.post(f"{system.base}/users", allow_redirects=False, timeout=30, data={
        "csrf": csrf_of(admin, "/users"), "action": "update", "username": username,
        "active": "false"})
    assert off.status_code == 303
    assert person.get(f"{system.base}/", allow_redirects=False, timeout=30).status_code == 303
    assert api(system, "PATCH", f"/api/users/{username}", system.key(),
               json={"active": True}).json()["disabled_at"] is None
    signed_in(system.base, username=username, password=password)


def test_an_osm_director_manages_only_its_own_clusters_people(system):
    director = unique("director")
    _, password = invited(system, system.key(), director, "osm_director", CLUSTER)
    outsider = unique("outsider")
    assert api(system, "POST", "/api/users", system.key(), json={
        "username": outsider, "name": "Elsewhere", "email": f"{outsider}@example.org",
        "duty": "province_planner", "organisation": OTHER_PROVINCE}).status_code == 201

    browser = signed_in(system.base, username=director, password=password)
    assert browser.get(f"{system.base}/users", timeout=30).status_code == 200
    token = {"X-CSRF-Token": csrf_of(browser, "/users")}
    seen = browser.get(f"{system.base}/api/users", timeout=30).json()
    names = {u["username"] for u in seen}
    assert director in names and outsider not in names
    assert all(u["duty"] not in ("admin", "national_viewer") for u in seen)

    mine = unique("ubon")
    made = browser.post(f"{system.base}/api/users", headers=token, timeout=30, json={
        "username": mine, "name": "Ubon planner", "email": f"{mine}@example.org",
        "duty": "province_planner", "organisation": "TH-34"})
    assert made.status_code == 201, made.text
    for body in ({"duty": "province_planner", "organisation": OTHER_PROVINCE},
                 {"duty": "admin", "organisation": None},
                 {"duty": "national_viewer", "organisation": None}):
        refused = browser.post(f"{system.base}/api/users", headers=token, timeout=30, json={
            "username": unique("no"), "name": "No", "email": "no@example.org", **body})
        assert refused.status_code == 403, (body, refused.text)
    assert browser.patch(f"{system.base}/api/users/{outsider}", headers=token, timeout=30,
                         json={"name": "Renamed"}).status_code == 403
    assert browser.post(f"{system.base}/api/users/{outsider}/reset", headers=token,
                        timeout=30).status_code == 403
    # nor may it move its own person out of its cluster
    assert browser.patch(f"{system.base}/api/users/{mine}", headers=token, timeout=30, json={
        "organisation": OTHER_PROVINCE}).status_code == 403
    assert browser.patch(f"{system.base}/api/users/{mine}", headers=token, timeout=30, json={
        "name": "Ubon planner, renamed"}).json()["name"] == "Ubon planner, renamed"
    # the page's forms answer the same
    page = browser.post(f"{system.base}/users", timeout=30, data={
        "csrf": token["X-CSRF-Token"], "action": "update", "username": outsider, "name": "X",
        "email": "x@example.org"})
    assert page.status_code == 403 and 'id="users-error"' in page.text
    # an OSM key of another cluster sees none of them
    other = api(system, "GET", "/api/users", system.key("osm", "north-upper-1")).json()
    assert not {mine, director} & {u["username"] for u in other}


def test_a_file_with_a_bad_row_creates_nobody_and_names_the_row(system):
    admin = signed_in(system.base, key=system.key())
    good, also = unique("imp"), unique("imp")
    bad_file = ("username,name,email,role,organisation\n"
                f"{good},Good One,{good}@example.org,province_planner,TH-34\n"
                f"{also},Also,not-an-address,province_planner,TH-99\n")
    page = admin.post(f"{system.base}/users?lang=en", timeout=60, data={
        "csrf": csrf_of(admin, "/users"), "action": "import"},
        files={"file": ("users.csv", bad_file.encode("utf-8"), "text/csv")})
    assert page.status_code == 400 and 'id="import-problems"' in page.text
    table = page.text[page.text.index('id="import-problems"'):]
    assert "<td>3</td><td>email</td>" in table and "<td>3</td><td>organisation</td>" in table
    answer = api(system, "POST", "/api/users/import", system.key(), data=bad_file.encode(),
                 headers={"Content-Type": "text/csv"})
    assert answer.status_code == 400
    assert {(p["line"], p["column"]) for p in answer.json()["error"]["problems"]} == {
        (3, "email"), (3, "organisation")}
    assert all(p["th"] and p["en"] for p in answer.json()["error"]["problems"])
    names = {u["username"] for u in api(system, "GET", "/api/users", system.key()).json()}
    assert good not in names and also not in names  # all or none

    fixed = bad_file.replace("not-an-address", f"{also}@example.org").replace("TH-99", "TH-35")
    done = admin.post(f"{system.base}/users", allow_redirects=False, timeout=60, data={
        "csrf": csrf_of(admin, "/users"), "action": "import"},
        files={"file": ("users.csv", fixed.encode("utf-8"), "text/csv")})
    assert done.status_code == 303 and "done=imported" in done.headers["Location"], done.text[:500]
    names = {u["username"] for u in api(system, "GET", "/api/users", system.key()).json()}
    assert {good, also} <= names
    invitation_link(system, f"{also}@example.org")


def test_keys_have_an_owner_an_expiry_and_a_last_use(system):
    admin = system.key()
    missing = api(system, "POST", "/api/keys", admin, json={"role": "province", "scope": "TH-34"})
    assert missing.status_code == 400 and "owner" in missing.json()["error"]["message"]
    too_long = (datetime.now(timezone.utc) + timedelta(days=800)).date().isoformat()
    assert api(system, "POST", "/api/keys", admin, json={
        "role": "province", "scope": "TH-34", "owner": "system: x",
        "expires_at": too_long}).status_code == 400
    made = api(system, "POST", "/api/keys", admin, json={
        "role": "province", "scope": "TH-34", "label": "ubon export",
        "owner": "system: Ubon nightly export"}).json()
    expires = datetime.fromisoformat(made["expires_at"])
    assert timedelta(days=364) < expires - datetime.now(timezone.utc) <= timedelta(days=365)
    listed = {k["id"]: k for k in api(system, "GET", "/api/keys", admin).json()}
    assert listed[made["id"]]["last_used_at"] is None
    assert system.get("/api/clusters", made["api_key"]).status_code == 200
    listed = {k["id"]: k for k in api(system, "GET", "/api/keys", admin).json()}
    assert listed[made["id"]]["last_used_at"] and listed[made["id"]]["owner"] == \
        "system: Ubon nightly export"

    soon = (datetime.now(timezone.utc) + timedelta(seconds=3)).isoformat()
    brief = api(system, "POST", "/api/keys", admin, json={
        "role": "province", "scope": "TH-34", "owner": "system: brief", "expires_at": soon}).json()
    assert system.get("/api/clusters", brief["api_key"]).status_code == 200
    time.sleep(3.5)
    refused = system.get("/api/clusters", brief["api_key"])
    assert refused.status_code == 401 and "key expired on" in refused.json()["error"]["message"]
    assert system.get("/api/clusters", system.key("province", "TH-34")).status_code == 200

    # the users page: issue (the secret once), list with owner and last use, revoke
    browser = signed_in(system.base, key=admin)
    issued = browser.post(f"{system.base}/users?lang=en", timeout=30, data={
        "csrf": csrf_of(browser, "/users"), "action": "issue_key", "label": "page key",
        "owner": "system: page test", "role": "osm", "scope": CLUSTER, "expires_at": ""})
    assert issued.status_code == 201 and 'id="new-key-secret"' in issued.text
    secret = re.search(r'id="new-key-secret">([^<]+)<', issued.text).group(1)
    assert system.get("/api/clusters", secret).status_code == 200
    key_id = next(k["id"] for k in api(system, "GET", "/api/keys", admin).json()
                  if k["label"] == "page key")
    assert "system: page test" in browser.get(f"{system.base}/users", timeout=30).text
    revoked = browser.post(f"{system.base}/users", allow_redirects=False, timeout=30, data={
        "csrf": csrf_of(browser, "/users"), "action": "revoke_key", "key_id": key_id})
    assert revoked.status_code == 303
    assert system.get("/api/clusters", secret).status_code == 401

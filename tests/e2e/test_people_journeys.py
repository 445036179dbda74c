"""Tested as people use it (step 14, point 5): people with passwords, one for each duty, in a real
browser (Debian's Chromium through Playwright, tests/e2e/browser_people.py) at a phone's width,
in Thai and in English - and the matrix of who reaches which page and operation, by plain HTTP.

Journeys:
1. an asset from registration to accepted, each step by the person whose step it is, the ledger
   naming each person; the cluster's auditor reads it and records an audit;
2. a province planner sends values on /report-entry with the keyboard alone, in Thai;
   the OSM's analyst finds no Publish on a draft, its director publishes it on /plans;
3. every duty signs in, in Thai and in English, on a phone: its menu is the rule's, each menu page
   opens without sticking out of the screen, its name is in the header;
4. the matrix: 8 duties and the 4 API-key roles x every dashboard page and a set of writes;
   a page the rule refuses is 403 in the frame, and no menu entry is a page without its form.

Its own system, behind a pretend proxy (TRUSTED_PROXY_HOPS=1): each browser speaks from an
address of its own (X-Forwarded-For), so the login limit (10 a minute per address) is not what
is tested; the sample plan (one cluster, northeast-lower-2) is published at start.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import uuid

import pytest
import requests

from clusterctl.reference import load_sample_plan
from clusterctl.settings import REPO_ROOT
from services.contracts.access import DUTIES, DUTY_NAMES, Who
from services.gateway import dashboard
from tests.e2e.test_plan_pages import shifted_draft
from tests.support.browsing import CSRF_FIELD, CSRF_META
from tests.support.plans import cluster_plan, clusters
from tests.support.system import RunningSystem, wait_until

pytestmark = pytest.mark.e2e
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = REPO_ROOT / "test-artifacts"
CLUSTER, PLAN = "northeast-lower-2", "northeast-lower-2-2566-2570"
PASSWORD = "ขอบคุณที่ใช้ระบบ 2569"  # a Thai passphrase: typed by the keyboard journey too

# One person of each duty (Thai names, as they sign their steps), and the journeys' other people.
PEOPLE = {
    "admin": ("somsri.admin", "สมศรี ดูแลระบบ", None),
    "osm_analyst": ("wipa", "วิภา ศรีสุข", CLUSTER),
    "osm_director": ("prayut.d", "ประยุทธ ผู้อำนวยการ", CLUSTER),
    "province_planner": ("kanya", "กัญญา วางแผน", "TH-33"),
    "province_approver": ("boonmee", "บุญมี อนุมัติ", "TH-33"),
    "agency_officer": ("somchai", "สมชาย ใจดี", "sisaket-tourism"),
    "auditor": ("prasert", "ประเสริฐ ตรวจดี", CLUSTER),
    "national_viewer": ("napa", "นภา ทั่วประเทศ", None),
}
RECEIVER = ("manee", "มานี มีนา", "sisaket-khukhan-tao")  # an officer of the receiving agency
RECEIVER_TH = "องค์การบริหารส่วนตำบลกันทรารมย์"
HOLDER_TH = "สำนักงานการท่องเที่ยวและกีฬาจังหวัดศรีสะเกษ"


def person(duty: str) -> dict:
    username, name, _ = PEOPLE[duty]
    return {"username": username, "password": PASSWORD, "name": name}


def signature(duty: str) -> str:
    """How a person's steps are signed: 'Name (username)'."""
    username, name, _ = PEOPLE[duty]
    return f"{name} ({username})"


@pytest.fixture(scope="module")
def town(tmp_path_factory):
    """The system, and one person of each duty with a password."""
    running = RunningSystem(tmp_path_factory.mktemp("people") / "var",
                            extra_env={"TRUSTED_PROXY_HOPS": "1", "SEED_SAMPLE_PLAN": "1"})
    try:
        running.start()
        for duty, (username, name, organisation) in PEOPLE.items():
            running.add_person(username, duty, organisation, PASSWORD, name=name)
        running.add_person(RECEIVER[0], "agency_officer", RECEIVER[2], PASSWORD, name=RECEIVER[1])
        running.other_plan = publish_another_clusters_plan(running)
        yield running
    finally:
        running.stop()
        running.cleanup_broker()


def publish_another_clusters_plan(system) -> str:
    """A second cluster's plan, published by the admin: what a national viewer reads beside the
    sample's, and no one of northeast-lower-2 sees."""
    code, provinces = next((c, p) for c, p in clusters().items() if c != CLUSTER)
    document = cluster_plan(load_sample_plan(), code, provinces)
    headers = {"Authorization": f"Bearer {system.key()}"}
    made = requests.post(f"{system.base}/api/plans", json=document, headers=headers, timeout=30)
    assert made.status_code == 201, made.text
    published = requests.post(f"{system.base}/api/plans/{document['id']}/publish", timeout=30,
                              json={"approved_by": "ก.บ.ก."}, headers=headers)
    assert published.status_code == 200, published.text
    wait_until(lambda: system.get(f"/api/plans/{document['id']}/indicator-results", system.key(),
                                  period="FY2567-Q1").status_code == 200,
               timeout=60, what="reporting to learn the second cluster's plan")
    return document["id"]


def ask_browser(request: dict, timeout: int = 240) -> dict:
    ARTIFACTS.mkdir(exist_ok=True)
    done = subprocess.run([sys.executable, "-m", "tests.e2e.browser_people"], cwd=REPO_ROOT,
                          input=json.dumps({"chromium": CHROMIUM, "artifacts": str(ARTIFACTS),
                                            **request}),
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


# --- 1. an asset from registration to accepted, by people -------------------------------------

@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine")
def test_an_asset_from_registration_to_accepted_by_people_the_ledger_names_them(town):
    code = "NE2-67-005-J01"
    seen = ask_browser({
        "mode": "asset_journey", "base": town.base, "code": code, "receiver": RECEIVER[2],
        "budget": "35,000", "registration_doc": "ใบตรวจรับพัสดุ 12/2567",
        "handover_doc": "บันทึกส่งมอบ 7/2569",
        "registration": {"code": code, "project": "NE2-67-005", "fiscal_year": "2567",
                         "category": "durable_article", "description_th": "เต็นท์จัดงานท่องเที่ยว",
                         "quantity": "4", "unit": "หลัง", "unit_value_thb": "12,500",
                         "acquired_on": "2024-08-15", "province": "TH-33"},
        "people": {"holder": person("agency_officer"), "analyst": person("osm_analyst"),
                   "receiver": {"username": RECEIVER[0], "password": PASSWORD},
                   "auditor": person("auditor")}})

    assert signature("agency_officer") in seen["holder_who"]
    assert seen["registered"]["status"] == "in_custody", seen["registered"]
    assert seen["registered"]["url"].endswith(f"/assets/{code}?done=register")
    assert seen["registered_overflow"] <= 1  # on a phone
    assert seen["requested"]["status"] == "transfer_requested", seen["requested"]
    assert "approve" in seen["analyst_forms"]
    assert seen["approved"]["status"] == "transfer_approved", seen["approved"]
    assert seen["handed_over"]["status"] == "handed_over", seen["handed_over"]
    assert seen["receiver_forms"] == ["accept", "reject"]
    assert seen["accepted"]["status"] == "in_custody", seen["accepted"]
    assert RECEIVER_TH in seen["custodian"]
    # the auditor of the cluster reads the asset and its ledger, and may record an audit
    assert seen["auditor_sees"]["status"] == "in_custody" and "audit" in seen["auditor_sees"]["forms"]
    assert seen["audited"]["refusal"] is None and seen["audited"]["url"].endswith("?done=audit")
    # each step signed by the person who took it, and the organisation by its name
    signed_by = {"register": signature("agency_officer"), "request": signature("agency_officer"),
                 "approve": signature("osm_analyst"), "hand_over": signature("agency_officer"),
                 "accept": f"{RECEIVER[1]} ({RECEIVER[0]})", "audit": signature("auditor")}
    for ledger in (seen["ledger_th"], seen["ledger_en"]):
        assert [a for a, _ in ledger] == list(signed_by), ledger
        for action, who in ledger:
            assert signed_by[action] in who, (action, who)
    by = dict(seen["ledger_th"])
    assert HOLDER_TH in by["register"] and RECEIVER_TH in by["accept"]
    assert "สำนักงานกลุ่มจังหวัด" in by["approve"] and "ผู้ตรวจสอบ" in by["audit"]
    assert "Auditor" in dict(seen["ledger_en"])["audit"]
    for code_word in ("agency:", "osm:", "auditor:", "sisaket-tourism", "sisaket-khukhan-tao"):
        assert code_word not in seen["text_th"], code_word  # names, not codes
    assert seen["ledger_overflow"] <= 1
    # the API's ledger keeps the same people
    ledger = town.get(f"/api/assets/{code}/history", town.key()).json()["ledger"]
    assert [e["by"].split(" · ")[0] for e in ledger] == list(signed_by.values())
    asset = town.get(f"/api/assets/{code}", town.key()).json()
    assert (asset["custodian"], asset["maintenance"]["budget_thb"]) == (RECEIVER[2], 35000)


# --- 2. the keyboard alone ---------------------------------------------------------------------

@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine")
def test_a_province_planner_sends_values_with_the_keyboard_alone_in_thai(town):
    period = "FY2570-Q1"  # begun: the intake refuses a period not yet begun
    seen = ask_browser({"mode": "keyboard_entry", "base": town.base, "period": period,
                        "person": person("province_planner"), "values": ["20", "21"]})
    assert all(ok for _, ok in seen["steps"]), seen["steps"]
    assert signature("province_planner") in seen["who"]
    assert (seen["lang"], seen["period_shown"]) == ("th", period)
    assert seen["statuses"] == ["in_force", "in_force"], seen["outcomes"]
    assert seen["overflow"] <= 1
    sent = town.get(f"/api/plans/{PLAN}/reports", town.key(), province="TH-33",
                    period=period).json()["reports"]
    mine = {r["indicator"]: r for r in sent if r["indicator"] in seen["indicators"]}
    assert {c: mine[c]["value"] for c in seen["indicators"]} == dict(zip(seen["indicators"], [20, 21]))


# --- 2b. the director publishes; the analyst prepares -------------------------------------------

@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine")
def test_the_osm_director_publishes_a_draft_the_analyst_is_not_offered_to(town):
    plan = town.get(f"/api/plans/{PLAN}", town.key()).json()
    draft = shifted_draft(plan, "northeast-lower-2-2576-2580")
    made = requests.post(f"{town.base}/api/plans", json=draft, timeout=30,
                         headers={"Authorization": f"Bearer {town.key('osm', CLUSTER)}"})
    assert made.status_code == 201, made.text
    seen = ask_browser({"mode": "plan_publish", "base": town.base, "draft": draft["id"],
                        "analyst": person("osm_analyst"), "director": person("osm_director")})
    analyst = seen["analyst"]
    assert analyst["status"] == "draft" and analyst["publish"] == 0 and analyst["note"] == 1
    assert analyst["revise"] == 0  # nor a revision of the published plan: the director's too
    director = seen["director"]
    assert director["status"] == "published" and "done=published" in director["url"], director
    assert director["overflow"] <= 1
    history = town.get(f"/api/plans/{draft['id']}/history", town.key()).json()
    assert signature("osm_director") in json.dumps(history, ensure_ascii=False)


# --- 3. every duty on a phone, in Thai and in English ---------------------------------------

def menu_paths(duty: str, scope) -> list[str]:
    """The menu the rule (dashboard.nav_for) gives a person of ``duty``, as the links' paths."""
    names = dashboard.nav_for(Who(DUTIES[duty], scope, person="x", duty=duty))
    return ["/" if n == "overview" else "/" + n.replace("_", "-") for n in names if n != "account"]


# The menus, spelled out (the rule is dashboard.nav_for; test_menus_are_the_rules checks both agree)
READER_MENU = ["/", "/projects", "/alignment", "/national-rollup", "/completeness", "/problems",
               "/problem-analysis", "/assets", "/rejections", "/flags", "/approvals"]
EDITOR_MENU = READER_MENU + ["/plans", "/national"]  # the national hierarchy: near the plans
MENUS = {
    "admin": EDITOR_MENU + ["/users", "/settings", "/audit"],
    "osm_analyst": EDITOR_MENU + ["/audit"],
    "osm_director": EDITOR_MENU + ["/users", "/audit"],  # the people of its cluster
    "province_planner": READER_MENU + ["/report", "/report-entry", "/my-reports",
                                       "/project-report", "/national"],
    "province_approver": READER_MENU + ["/my-reports", "/national"],  # it certifies: no upload
    "agency_officer": ["/assets", "/project-report", "/rejections"],
    "auditor": READER_MENU + ["/national", "/audit"],
    "national_viewer": READER_MENU + ["/national", "/audit"],
}


def test_menus_are_the_rules():
    for duty, (_, _, scope) in PEOPLE.items():
        assert menu_paths(duty, scope) == MENUS[duty], duty


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine")
def test_every_duty_signs_in_on_a_phone_in_thai_and_english_and_gets_the_rules_menu(town):
    seen = ask_browser({"mode": "roles_tour", "base": town.base,
                        "people": {duty: person(duty) for duty in PEOPLE},
                        "every_page_en": ["osm_director", "province_planner", "agency_officer",
                                          "national_viewer"]})
    problems = []
    for duty in PEOPLE:
        for lang in ("th", "en"):
            look = seen[duty][lang]
            where = f"{duty} ({lang})"
            if look["nav"] != MENUS[duty]:
                problems.append(f"{where}: menu {look['nav']}")
            duty_name = DUTY_NAMES[duty][0 if lang == "th" else 1]  # the header: names, no codes
            if signature(duty) not in look["who"] or duty_name not in look["who"] \
                    or look["lang"] != lang or re.search(r":(TH-\d|[a-z-]+-\d)", look["who"]):
                problems.append(f"{where}: header {look['who']!r}, lang {look['lang']}")
            words = dashboard.words(lang)
            expected_words = [words[p.strip("/").replace("-", "_") or "overview"]
                              for p in MENUS[duty]]
            if look["nav_words"] != expected_words:
                problems.append(f"{where}: menu words {look['nav_words']}")
            for path, page in look["pages"].items():
                if page["status"] != 200 or page["url"] != path:
                    problems.append(f"{where} {path}: {page['status']} at {page['url']}")
                if page["overflow"] > 1:
                    problems.append(f"{where} {path}: {page['overflow']}px wider than the phone")
                if signature(duty) not in (page["who"] or "") or page["lang"] != lang:
                    problems.append(f"{where} {path}: header {page['who']!r} lang {page['lang']}")
    assert problems == [], "\n".join(problems)

    for lang in ("th", "en"):
        # the OSM's director reaches the plans page with the sample plan on it; the publish
        # button is a draft's (the sample plan is published: its director has nothing to sign)
        director = seen["osm_director"][lang]["plans"]
        assert director["status"] == 200 and PLAN in director["rows"]
        assert town.other_plan not in director["rows"]  # its own cluster's alone
        assert {PLAN, town.other_plan} <= set(seen["admin"][lang]["plans"]["rows"])
        assert seen["osm_analyst"][lang]["plans"]["status"] == 200
        for duty in ("province_planner", "province_approver", "auditor", "national_viewer"):
            refused = seen[duty][lang]["plans"]
            assert refused["status"] == 403 and refused["rows"] == [], (duty, refused)
        assert seen["agency_officer"][lang]["plans"]["url"].endswith("/assets")  # sent back
        # a planner has the entry form; the approver certifies and has none
        assert seen["province_planner"][lang]["entry"]["form"] == 1
        approver = seen["province_approver"][lang]["entry"]
        assert approver["status"] == 403 and approver["form"] == 0 and approver["refused"] == 1
        # a national viewer reads every cluster's plans; the cluster's people theirs alone
        national = seen["national_viewer"][lang]["plan_choices"]
        assert {PLAN, town.other_plan} <= set(national), national
        for duty in ("osm_analyst", "osm_director", "province_planner", "province_approver",
                     "auditor"):
            mine = seen[duty][lang]["plan_choices"]
            assert PLAN in mine and town.other_plan not in mine, (duty, mine)
        assert seen["agency_officer"][lang]["landed"].split("?")[0].endswith("/assets")


# --- 4. the matrix: who reaches which page and which operation ------------------------------

KEY_ROLES = {"key:admin": ("admin", None), "key:osm": ("osm", CLUSTER),
             "key:province": ("province", "TH-33"), "key:agency": ("agency", "sisaket-tourism")}
ROLES = [*PEOPLE, *KEY_ROLES]
ASSET = "NE2-67-005-M00"  # registered by the admin key for the matrix: TH-33, sisaket-tourism's
INDICATOR = "NE2-1.1"
GATEWAY = REPO_ROOT / "services" / "gateway"
PAGE_ROUTE = re.compile(r'@http\("GET", "(/[^"]*)"\)')


def page_routes() -> set[str]:
    """Every GET route of the dashboard (not /api, not /static), as the gateway registers them."""
    found = set()
    for source in GATEWAY.glob("*.py"):
        found |= set(PAGE_ROUTE.findall(source.read_text("utf-8")))
    return {r for r in found if not r.startswith(("/api/", "/static/"))}


# Every dashboard GET route: a page (the path the matrix opens), or why it is not role-gated.
PAGES = {
    "/": "/", "/projects": "/projects", "/alignment": "/alignment",
    "/national-rollup": "/national-rollup",
    "/completeness": "/completeness",
    "/problems": "/problems", "/problem-analysis": "/problem-analysis",
    "/problem-review": "/problem-review", "/problem-causes": "/problem-causes",
    "/rejections": "/rejections", "/flags": "/flags", "/approvals": "/approvals",
    "/report": "/report",
    "/report-entry": "/report-entry", "/my-reports": "/my-reports",
    "/project-report": "/project-report", "/plans": "/plans", "/national": "/national",
    "/indicator": f"/indicator?plan={PLAN}&indicator={INDICATOR}",
    "/indicator-card": f"/indicator-card?plan={PLAN}&indicator={INDICATOR}",
    "/assets": "/assets", "/assets/<string:code>": f"/assets/{ASSET}",
    "/register-asset": "/register-asset", "/account": "/account", "/users": "/users",
    "/settings": "/settings", "/audit": "/audit",
}
NOT_PAGES = {  # open to anyone, or not a page of their own
    "/login": "the sign-in page", "/password-reset": "asks for a reset mail",
    "/reset": "a one-time link's page", "/logout": "offers the button (303)",
    "/report/status": "JSON: the upload's rows, on the login",
    "/assets/<string:code>/<string:word>": "a refused form's language switch: 303 to the asset",
}

Y, N, R = 200, 403, 303  # opens; refused; sent elsewhere (the agency: to its assets page)
S = "note"  # seen, never expected: a page that opens (200) without its form - only a note that it
#             is not this role's; the rule (dashboard.PAGE_RULES) refuses such a page instead
# The expected table: what each role gets opening each page (the rule: dashboard.PAGE_RULES and
# AGENCY_PAGES, the menu is dashboard.nav_for, access.py what is behind). Columns, in ROLES order:
#   admin analyst director planner approver officer auditor national | keys: admin osm prov agency
PAGE_MATRIX = {
    "/":                  (Y, Y, Y, Y, Y, R, Y, Y, Y, Y, Y, R),
    "/projects":          (Y, Y, Y, Y, Y, R, Y, Y, Y, Y, Y, R),
    "/alignment":         (Y, Y, Y, Y, Y, R, Y, Y, Y, Y, Y, R),  # the plan's alignment map
    "/national-rollup":   (Y, Y, Y, Y, Y, R, Y, Y, Y, Y, Y, R),  # access.reads_reporting
    "/completeness":      (Y, Y, Y, Y, Y, R, Y, Y, Y, Y, Y, R),
    "/problems":          (Y, Y, Y, Y, Y, R, Y, Y, Y, Y, Y, R),
    "/problem-analysis":  (Y, Y, Y, Y, Y, R, Y, Y, Y, Y, Y, R),
    "/problem-review":    (Y, Y, Y, Y, Y, R, Y, Y, Y, Y, Y, R),
    "/problem-causes":    (Y, Y, Y, Y, Y, R, Y, Y, Y, Y, Y, R),
    "/indicator":         (Y, Y, Y, Y, Y, R, Y, Y, Y, Y, Y, R),
    "/indicator-card":    (Y, Y, Y, Y, Y, R, Y, Y, Y, Y, Y, R),
    "/rejections":        (Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y),
    "/flags":             (Y, Y, Y, Y, Y, R, Y, Y, Y, Y, Y, R),
    "/approvals":         (Y, Y, Y, Y, Y, R, Y, Y, Y, Y, Y, R),  # access.reads_approvals
    # /my-reports and /report are in the admin's, the OSM's (and the readers') menus, though
    # they only say that they are a province's (S): see test_no_menu_entry_is_only_a_note
    "/my-reports":        (N, N, N, Y, Y, R, N, N, N, N, Y, R),  # a province's own
    "/report":            (N, N, N, Y, N, R, N, N, N, N, Y, R),  # sent by its planner
    "/report-entry":      (N, N, N, Y, N, R, N, N, N, N, Y, R),
    "/project-report":    (N, N, N, Y, N, Y, N, N, N, N, Y, Y),
    "/plans":             (Y, Y, Y, N, N, R, N, N, Y, Y, N, R),
    "/national":          (Y, Y, Y, Y, Y, R, Y, Y, Y, Y, Y, R),  # everyone reads it
    "/assets":            (Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y),
    "/assets/<string:code>": (Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y),
    "/register-asset":    (Y, Y, Y, N, N, Y, N, N, Y, Y, N, Y),
    "/account":           (Y, Y, Y, Y, Y, Y, Y, Y, R, R, R, R),  # a key has no account
    "/users":             (Y, N, Y, N, N, R, N, N, Y, Y, N, R),  # access.may_manage_users
    "/settings":          (Y, N, N, N, N, R, N, N, Y, N, N, R),  # the admin's
    "/audit":             (Y, Y, Y, N, N, R, Y, Y, Y, Y, N, R),  # access.reads_audit
}
# What marks each page's form, absent where the page is only a note (S).
FORMS = {"/report": 'id="upload-file"', "/my-reports": 'id="my-reports"', "/report-entry": 'id="entry-form"',
         "/project-report": 'class="progress-form"', "/register-asset": 'id="submit-register"'}


def sign_in(town, role: str) -> requests.Session:
    """A session of ``role`` from an address of its own, through the login form."""
    http = requests.Session()
    http.headers["X-Forwarded-For"] = f"10.88.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    page = http.get(f"{town.base}/login", timeout=15)
    form = {"csrf": CSRF_FIELD.search(page.text).group(1), "lang": "en"}
    if role in KEY_ROLES:
        form["api_key"] = town.key(*KEY_ROLES[role])
    else:
        form.update(username=PEOPLE[role][0], password=PASSWORD)
    answer = http.post(f"{town.base}/login", data=form, allow_redirects=False, timeout=30)
    assert answer.status_code == 303, (role, answer.text[:300])
    landing = http.get(f"{town.base}/assets", timeout=30)  # every role's page: the CSRF token
    http.headers["X-CSRF-Token"] = CSRF_META.search(landing.text).group(1)
    return http


def test_every_dashboard_get_route_is_in_the_matrix_or_said_why_not():
    routes = page_routes()
    assert routes == set(PAGES) | set(NOT_PAGES), (
        f"new: {sorted(routes - set(PAGES) - set(NOT_PAGES))}; "
        f"gone: {sorted((set(PAGES) | set(NOT_PAGES)) - routes)}")
    assert set(PAGE_MATRIX) == set(PAGES)
    assert all(len(row) == len(ROLES) for row in PAGE_MATRIX.values())


def registration(code: str) -> dict:
    return {"code": code, "project": "NE2-67-005", "fiscal_year": 2567,
            "category": "durable_article", "description_th": "โต๊ะประชุม", "quantity": 1,
            "unit": "ตัว", "unit_value_thb": 4500, "acquired_on": "2024-07-01",
            "location": {"province": "TH-33"}, "custodian": "sisaket-tourism"}


# Writes, each as its JSON API takes it (the dashboard's forms call the same handlers). The body
# is built to pass the rule and then fail harmlessly where it can, so "allowed" is the answer
# after the rule (400: the body, 409: the state) and "refused" is 403; the registration is real.
#   name: (method, path, body, the allowed answer)
OPERATIONS = {
    "import a plan": ("POST", "/api/plans/import", b"", 400),
    "publish the plan": ("POST", f"/api/plans/{PLAN}/publish", {}, 409),  # published already
    "send indicator values": ("POST", f"/api/plans/{PLAN}/reports", [], 400),
    "send project progress": ("POST", f"/api/plans/{PLAN}/project-reports", [], 400),
    "register an asset": ("POST", "/api/assets", "registration", 201),
    "ask for a transfer": ("POST", f"/api/assets/{ASSET}/transfer", {"version": 1}, 400),
    "record an audit": ("POST", f"/api/assets/{ASSET}/audits", {"version": 1}, 400),
    "issue an API key": ("POST", "/api/keys", {}, 400),
    "edit the problem causes": ("PUT", "/api/problem-causes", {"bogus": 1}, 400),
    "create a person": ("POST", "/api/users", {"bogus": 1}, 400),
    "take an approval step": ("POST", f"/api/plans/{PLAN}/approvals/FY2568-Q1/TH-33",
                              {"step": "sign", "version": 0}, 400),
    "re-drive a rejection": ("POST", "/api/rejections/none/redrive", {}, 404),
}
O, X, H = "ok", 403, 404  # allowed (the answer above); refused; not even seen
#   admin analyst director planner approver officer auditor national | keys: admin osm prov agency
OPERATION_MATRIX = {
    "import a plan":           (O, O, O, X, X, X, X, X, O, O, X, X),
    "publish the plan":        (O, X, O, X, X, X, X, X, O, O, X, X),
    "send indicator values":   (X, X, X, O, X, X, X, X, X, X, O, X),
    "send project progress":   (X, X, X, O, X, O, X, X, X, X, O, O),
    "register an asset":       (O, O, O, X, X, O, X, X, O, O, X, O),
    "ask for a transfer":      (O, O, O, X, X, O, X, X, O, O, X, O),
    "record an audit":         (O, O, O, X, X, O, O, X, O, O, X, O),
    "issue an API key":        (O, X, X, X, X, X, X, X, O, X, X, X),
    "edit the problem causes": (O, X, X, X, X, X, X, X, O, X, X, X),
    "create a person":         (O, X, O, X, X, X, X, X, O, O, X, X),  # the director: its cluster's
    # a step: the province's planner and approver, the director (the analyst has none)
    "take an approval step":   (O, X, O, O, O, X, X, X, O, O, O, X),
    "re-drive a rejection":    (O, O, O, O, X, X, X, X, O, O, O, X),  # who sends reports, the OSM
}


def observe_matrix(town) -> tuple[dict, dict]:
    """What each role gets: {page: [status by role]}, {operation: [status by role]}."""
    made = requests.post(f"{town.base}/api/assets", json=registration(ASSET), timeout=30,
                         headers={"Authorization": f"Bearer {town.key()}"})
    assert made.status_code in (201, 409), made.text
    pages, operations = {p: [] for p in PAGES}, {o: [] for o in OPERATIONS}
    for n, role in enumerate(ROLES):
        http = sign_in(town, role)
        for route, path in PAGES.items():
            shown = http.get(f"{town.base}{path}", timeout=30, allow_redirects=False)
            form = FORMS.get(route)
            pages[route].append(S if shown.status_code == 200 and form and form not in shown.text
                                else shown.status_code)
        for name, (method, path, body, _) in OPERATIONS.items():
            if body == "registration":
                body = registration(f"NE2-67-005-M{n + 1:02d}")
            sent = {"data": body} if isinstance(body, bytes) else {"json": body}
            operations[name].append(http.request(method, f"{town.base}{path}", timeout=30,
                                                 **sent).status_code)
    return pages, operations


def differences(matrix: dict, seen: dict, allowed=None) -> list[str]:
    found = []
    for name, row in matrix.items():
        for role, want, got in zip(ROLES, row, seen[name]):
            if want == O:
                want = allowed[name]
            if got != want:
                found.append(f"{role:18} {name:22} expected {want}, got {got}")
    return found


@pytest.fixture(scope="module")
def matrix(town):
    return observe_matrix(town)


def test_the_matrix_no_role_reaches_a_page_or_an_operation_the_rule_does_not_allow(matrix):
    pages, operations = matrix
    allowed = {name: op[3] for name, op in OPERATIONS.items()}
    wrong = differences(PAGE_MATRIX, pages) + differences(OPERATION_MATRIX, operations, allowed)
    assert wrong == [], "\n".join(wrong)


def test_a_refused_page_says_so_in_the_frame_with_the_roles_own_menu(town):
    """403 inside the dashboard's frame: the person still has its menu and its name, and reads
    why - not a bare error page."""
    http = sign_in(town, "province_planner")
    for path in ("/plans", "/audit", "/register-asset"):
        shown = http.get(f"{town.base}{path}?lang=th", timeout=30, allow_redirects=False)
        assert shown.status_code == 403 and 'id="page-refused"' in shown.text, path
        assert 'href="/report-entry' in shown.text and 'href="/plans' not in shown.text, path
        assert PEOPLE["province_planner"][0] in shown.text, path


def test_no_menu_entry_is_only_a_note(matrix):
    pages, _ = matrix
    notes = [f"{role} {route}" for route, row in PAGE_MATRIX.items()
             for role, got in zip(ROLES, pages[route])
             if got == S and route in menu_of(role)]
    assert notes == [], notes


def menu_of(role: str) -> list[str]:
    if role in KEY_ROLES:
        names = dashboard.nav_for(Who(*KEY_ROLES[role]))
        return ["/" if n == "overview" else "/" + n.replace("_", "-") for n in names]
    return MENUS[role]

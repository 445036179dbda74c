"""Every documented /api operation refuses a request without a key or with a wrong one (401),
and every admin-only operation refuses the other roles (403) - checked endpoint by endpoint
from /openapi.json, so a new endpoint is covered the day it is documented."""
import re

import requests

SAMPLE = {"plan_id": "northeast-lower-2-2566-2570", "code": "NE2-67-002-A01", "key_id": "none",
          "fiscal_year": "FY2568", "agency": "ubon-pao", "parked_id": "none"}
ADMIN_ONLY = {("put", "/api/reporting-schedule"), ("put", "/api/disbursement-targets/{fiscal_year}"),
              ("get", "/api/parked"), ("post", "/api/parked/{parked_id}/retry"),
              ("get", "/api/keys"), ("post", "/api/keys"), ("delete", "/api/keys/{key_id}"),
              ("put", "/api/notify/rules"), ("put", "/api/assets/settings"),
              ("post", "/api/reference-data")}


def operations(system):
    document = requests.get(f"{system.base}/openapi.json", timeout=15).json()
    for path, methods in document["paths"].items():
        if not path.startswith("/api/"):
            continue
        concrete = re.sub(r"\{(\w+)\}", lambda m: SAMPLE.get(m.group(1), "x"), path)
        for method in methods:
            yield method, path, f"{system.base}{concrete}"


def test_every_operation_needs_a_known_key(system):
    checked = 0
    for method, path, url in operations(system):
        for headers in ({}, {"Authorization": "Bearer not-a-key"}, {"Authorization": "Basic eA=="}):
            answer = requests.request(method, url, headers=headers, json={}, timeout=15)
            assert answer.status_code == 401, (method, path, headers, answer.status_code)
            assert answer.json()["error"]["code"] == "unauthenticated"
        checked += 1
    assert checked > 40


def test_admin_only_operations_refuse_every_other_role(system):
    keys = {"osm": system.key("osm", "northeast-lower-2"), "province": system.key("province", "TH-34"),
            "agency": system.key("agency", "ubon-pao")}
    documented = {(m, p) for m, p, _ in operations(system)}
    assert ADMIN_ONLY <= documented  # the list names real operations
    for method, path, url in operations(system):
        if (method, path) not in ADMIN_ONLY:
            continue
        for role, key in keys.items():
            answer = requests.request(method, url, json={}, timeout=15,
                                      headers={"Authorization": f"Bearer {key}"})
            assert answer.status_code == 403, (method, path, role, answer.status_code)
            assert answer.json()["error"]["code"] == "forbidden"

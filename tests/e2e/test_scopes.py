"""API scopes, endpoint by endpoint and role by role, from /openapi.json.

``MATRIX`` states, for every documented /api operation and each of eight roles, what the
product answers:

    +    allowed: not 401/403 - the operation's own answer (``ok``: 200, or the 400/404/409 a
         deliberately harmless request gets once the key is let through; nothing changes)
    F    allowed, and the answer holds only what the role may see (checked in ``FILTERS``
         against the product's rules, restated here independently)
    403  forbidden: 403 with error code "forbidden"
    404  hidden: 404 "not_found", as for one that does not exist - the asset registry does not
         confirm an asset's code to a key that may not see it

A new endpoint without a row fails ``test_every_documented_operation_has_a_row``; a row for an
endpoint no longer documented fails it too. ``ATTEMPTS`` adds the ways a key might reach past its
scope through a parameter or a body (another province's reports, an agency moved into one's
own cluster...).
"""
from __future__ import annotations

import csv
import io
import re
import uuid
from dataclasses import dataclass, field

import pytest
import requests

from tests.support.system import Province, wait_until

PLAN = "northeast-lower-2-2566-2570"
CLUSTER = "northeast-lower-2"
ROLES = ("admin", "osm", "osm_other", "province", "province_other", "receiving_agency",
         "holding_agency", "other_agency")
AGENCIES = {"receiving_agency": "ubon-pao", "holding_agency": "ubon-tourism",
            "other_agency": "yasothon-agriculture"}  # the last: named by the plan, party to nothing here

SAMPLE = {"plan_id": PLAN, "code": "NE2-67-002-A01", "key_id": "none", "fiscal_year": "FY2568",
          "agency": "ubon-pao", "parked_id": "none", "flag_id": "none", "evidence_id": "none",
          "problem_id": "none", "username": "nobody-here", "file_id": "none",
          "period": "FY2568-Q1", "province": "TH-34", "rejection_id": "none"}


@dataclass
class Ask:
    """The request a row makes; ``args`` fills the path, ``ok`` is an allowed role's answer."""
    args: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    json: object = None
    data: bytes | None = None
    ok: tuple = (200,)


def ask(ok=200, **kwargs):
    return lambda w: Ask(ok=ok if isinstance(ok, tuple) else (ok,), **kwargs)


def on_asset(which, ok=400, body=None):
    """A transfer step on one of this test's assets: the version as read and a reason that is
    not text, so a role let through gets 400 after the authorisation check and nothing moves."""
    return lambda w: Ask(args={"code": w.assets[which]}, ok=(ok,),
                         json=body or {"version": w.version(which), "reason": 5})


#   (method, path): (outcomes for admin osm osm_other province province_other receiving holding other,
#                    request)
MATRIX = {
    ("get", "/api/clusters"): ("+ + + + + + + +", ask()),
    ("get", "/api/reference-data"): ("+ + + + + + + +", ask()),
    ("post", "/api/reference-data"): ("+ 403 403 403 403 403 403 403", ask(400)),
    ("get", "/api/agencies"): ("F F F F F F F F", ask()),
    ("put", "/api/agencies/{code}"): ("+ + 403 403 403 403 403 403",
                                      lambda w: Ask(args={"code": "ubon-pao"}, json=w.pao)),
    # plans
    ("get", "/api/plans"): ("F F F F F F F F", ask()),
    ("post", "/api/plans"): ("+ + 403 403 403 403 403 403", ask(400, json={"cluster": CLUSTER})),
    ("post", "/api/plans/import"): ("+ + 403 403 403 403 403 403",
                                    lambda w: Ask(params={"format": "xlsx"}, data=w.workbook,
                                                  ok=(400, 409))),
    ("get", "/api/plans/{plan_id}"): ("+ + 403 + 403 + + +", ask()),
    ("put", "/api/plans/{plan_id}"): ("+ + 403 403 403 403 403 403", ask(409, json={})),
    ("post", "/api/plans/{plan_id}/publish"): ("+ + 403 403 403 403 403 403", ask((400, 409), json={})),
    ("post", "/api/plans/{plan_id}/revisions"): ("+ + 403 403 403 403 403 403", ask(400, json={})),
    ("get", "/api/plans/{plan_id}/history"): ("+ + 403 F 403 F F F", ask()),
    ("get", "/api/plans/{plan_id}/export"): ("+ + 403 + 403 + + +", ask()),
    # reporting views: an agency key acts on assets only
    ("get", "/api/plans/{plan_id}/indicator-results"): ("+ + 403 F 403 403 403 403",
                                                         ask(params={"period": "FY2567-Q2"})),
    ("get", "/api/plans/{plan_id}/indicators/{code}/series"): ("+ + 403 F 403 403 403 403",
                                                               ask(args={"code": "NE2-1.1"})),
    ("get", "/api/plans/{plan_id}/reports"): ("+ + 403 F 403 403 403 403", ask()),
    # the facts behind a figure: the card reads like the plan; evidence like the reports (a
    # file refused by its content here, so nothing is kept)
    ("get", "/api/plans/{plan_id}/indicators/{code}"): ("+ + 403 + 403 + + +",
                                                        ask(args={"code": "NE2-1.1"})),
    ("post", "/api/plans/{plan_id}/evidence"): (
        "+ + 403 + 403 403 403 403",
        ask(415, params={"province": "TH-34", "filename": "x.pdf"}, data=b"not a pdf")),
    ("get", "/api/plans/{plan_id}/evidence/{evidence_id}"): (
        "+ + 403 + 403 403 403 403", ask(404, args={"evidence_id": "ev-" + "0" * 32})),
    ("get", "/api/plans/{plan_id}/problems"): ("+ + 403 F 403 403 403 403", ask()),
    # the province reporting workbook: a province its own; sending only by the province itself
    ("get", "/api/plans/{plan_id}/report-workbook"): (
        "+ + 403 + 403 403 403 403", ask(params={"period": "FY2568-Q1", "province": "TH-34"})),
    ("post", "/api/plans/{plan_id}/report-workbook/check"): (
        "+ + 403 + 403 403 403 403", ask(400, params={"province": "TH-34"}, data=b"not a workbook")),
    ("post", "/api/plans/{plan_id}/report-workbook/send"): (
        "403 403 403 + 403 403 403 403", ask(400, data=b"not a workbook")),
    # indicator values typed in a form: sent only by the province itself (a row without its
    # period and value is refused, so nothing is sent)
    ("post", "/api/plans/{plan_id}/reports"): (
        "403 403 403 + 403 403 403 403", ask(400, json=[{"indicator": "NE2-1.1"}])),
    # ... and an agency follows its own project reports (the plans naming it)
    ("get", "/api/plans/{plan_id}/report-status"): (
        "+ + 403 + 403 + + +",
        ask(params={"province": "TH-34", "event_id": "4a5c2d10-0000-4000-8000-000000000000"})),
    # project progress over HTTP: an implementing agency (its projects) or a province (its own)
    ("post", "/api/plans/{plan_id}/project-reports"): (
        "403 403 403 + 403 + + +", ask(400, json=[{"project": "NE2-67-002"}])),
    ("get", "/api/plans/{plan_id}/projects/progress"): ("+ + 403 F 403 403 403 403", ask()),
    ("get", "/api/plans/{plan_id}/completeness"): ("+ + 403 F 403 403 403 403",
                                                    ask(params={"period": "FY2567-Q2"})),
    ("get", "/api/rejections"): ("F F F F F F F F", ask()),
    # a plan's alignment map: read like the plan
    ("get", "/api/plans/{plan_id}/alignment-map"): ("+ + 403 + 403 + + +", ask()),
    # results by national alignment: a plan's read like its reporting views (no province's own
    # figures in it: not filtered); every cluster's together by the admin (and national viewers)
    ("get", "/api/plans/{plan_id}/national-alignment"): ("+ + 403 + 403 403 403 403",
                                                         ask(params={"level": "master_plan"})),
    ("get", "/api/national-alignment"): ("+ 403 403 403 403 403 403 403", ask()),
    # the reporting window: its extensions seen like the reports, granted by the cluster's OSM
    # (the sample plan sets no window: nothing to extend, 400 once let through)
    ("get", "/api/plans/{plan_id}/extensions"): ("+ + 403 F 403 403 403 403", ask()),
    ("post", "/api/plans/{plan_id}/extensions"): (
        "+ + 403 403 403 403 403 403", ask(400, json={"province": "TH-34", "period": "FY2568-Q2",
                                                      "until": "2031-01-01", "reason": "x"})),
    # values flagged to check: seen like the reports; reviewed by the cluster's OSM
    ("get", "/api/plans/{plan_id}/flags"): ("+ + 403 + 403 403 403 403", ask()),
    ("post", "/api/plans/{plan_id}/flags/{flag_id}"): (
        "+ + 403 403 403 403 403 403", ask(404, json={"action": "checked"})),
    # problems analysed together: the cause list is everyone's to read and the admin's to edit;
    # problems are seen like the reports and updated by the cluster's OSM
    # a period's approval (docs/approvals.md): read like the reporting views; a step by the
    # province's people or the cluster's OSM (a step that is no step: 400, nothing moves); a
    # rejection re-driven by its province or the cluster's OSM (a bad body: still rejected, 409)
    ("get", "/api/plans/{plan_id}/approvals"): ("+ + 403 F 403 403 403 403",
                                                ask(params={"period": "FY2568-Q1"})),
    ("post", "/api/plans/{plan_id}/approvals/{period}/{province}"): (
        "+ + 403 + 403 403 403 403", ask(400, args={"period": "FY2568-Q1", "province": "TH-34"},
                                         json={"step": "sign", "version": 0})),
    ("post", "/api/rejections/{rejection_id}/redrive"): (
        "+ + 403 + 403 403 403 403",
        lambda w: Ask(args={"rejection_id": w.not_json["TH-34"]}, ok=(409,))),
    ("get", "/api/problem-causes"): ("+ + + + + + + +", ask()),
    ("get", "/api/problem-causes/history"): ("+ + + + + + + +", ask()),
    ("put", "/api/problem-causes"): ("+ 403 403 403 403 403 403 403", ask(400, json={"causes": []})),
    ("get", "/api/plans/{plan_id}/problem-items"): ("+ + 403 F 403 403 403 403", ask()),
    ("get", "/api/plans/{plan_id}/problem-analysis"): ("+ + 403 F 403 403 403 403", ask()),
    ("post", "/api/plans/{plan_id}/problems/{problem_id}"): (
        "+ + 403 403 403 403 403 403", ask(404, json={"status": "open"})),
    # the eMENSCR export: the cluster's (a province's share of a project's figures would mislead)
    ("get", "/api/plans/{plan_id}/emenscr"): ("+ + 403 403 403 403 403 403",
                                              ask(params={"fy": "2567"})),
    ("get", "/api/emenscr/fields"): ("+ + + + + + + +", ask()),
    # the national hierarchy: everyone's to read, the admin's to load (a bad file: 400, nothing
    # kept)
    ("get", "/api/national"): ("+ + + + + + + +", ask()),
    ("post", "/api/national"): ("+ 403 403 403 403 403 403 403",
                                ask(400, json={"files": {"scopes-test.csv": "code\n"}})),
    # open data: its record read like the plan; the switch the admin's (off stays off)
    ("get", "/api/plans/{plan_id}/open-data"): ("+ + 403 + 403 + + +", ask()),
    ("get", "/api/plans/{plan_id}/open-data/settings"): ("+ + 403 + 403 + + +", ask()),
    ("put", "/api/plans/{plan_id}/open-data/settings"): (
        "+ 403 403 403 403 403 403 403", ask(json={"public": False}, params={"reason": "x"})),
    ("put", "/api/emenscr/fields"): ("+ 403 403 403 403 403 403 403",
                                     ask(400, data=b"key,header_th\nname_th,x\n")),
    ("delete", "/api/emenscr/fields"): ("+ 403 403 403 403 403 403 403",
                                        ask(400, params={"reason": "x" * 501})),
    ("get", "/api/reporting-schedule"): ("+ + + + + + + +", ask()),
    ("put", "/api/reporting-schedule"): ("+ 403 403 403 403 403 403 403", ask(400, json={"due_days": -1})),
    ("get", "/api/approval-settings"): ("+ + + + + + + +", ask()),
    ("put", "/api/approval-settings"): ("+ 403 403 403 403 403 403 403",
                                        ask(400, json={"reminder_days": 0})),
    ("get", "/api/disbursement-targets"): ("+ + + + + + + +", ask()),
    ("put", "/api/disbursement-targets/{fiscal_year}"): ("+ 403 403 403 403 403 403 403",
                                                         ask(400, json={"Q1": "x"})),
    ("get", "/api/parked"): ("+ 403 403 403 403 403 403 403", ask()),
    ("post", "/api/parked/{parked_id}/retry"): ("+ 403 403 403 403 403 403 403", ask(404)),
    # assets: registering (the project's implementing agency, the cluster's OSM, the admin)
    ("get", "/api/assets"): ("F F F F F F F F", ask()),
    ("post", "/api/assets"): ("+ + 403 403 403 403 + 403", lambda w: Ask(json=w.registration, ok=(409,))),
    ("post", "/api/assets/import"): ("+ + 403 403 403 403 + 403",
                                     lambda w: Ask(params={"format": "csv"}, data=w.sheet, ok=(400,))),
    ("get", "/api/assets/template"): ("+ + + + + + + +", ask()),
    ("get", "/api/assets/settings"): ("+ + + + + + + +", ask()),
    ("put", "/api/assets/settings"): ("+ 403 403 403 403 403 403 403",
                                      ask(400, json={"transfer_overdue_days": -1})),
    # one asset: seen by its cluster's OSM, its province, who holds, receives or implemented it
    ("get", "/api/assets/{code}"): ("+ + 404 + 404 404 + 404", on_asset("in_custody", 200, {})),
    ("get", "/api/assets/{code}/history"): ("+ + 404 + 404 404 + 404", on_asset("in_custody", 200, {})),
    ("post", "/api/assets/{code}/transfer"): ("+ + 404 403 404 404 + 404", on_asset("in_custody")),
    ("post", "/api/assets/{code}/audits"): ("+ + 404 403 404 404 + 404", on_asset("in_custody")),
    ("post", "/api/assets/{code}/approve"): ("+ + 404 403 404 403 403 404", on_asset("requested")),
    ("post", "/api/assets/{code}/cancel"): ("+ + 404 403 404 403 + 404", on_asset("requested")),
    ("post", "/api/assets/{code}/hand-over"): ("+ + 404 403 404 403 + 404", on_asset("approved")),
    # custody moves only on the receiving agency's word: not even the admin accepts for it
    ("post", "/api/assets/{code}/accept"): ("403 403 404 403 404 + 403 404", on_asset("handed_over")),
    ("post", "/api/assets/{code}/reject"): ("403 403 404 403 404 + 403 404", on_asset("handed_over")),
    # disposal: as a transfer request (the holder, the OSM, the admin), from custody only
    ("post", "/api/assets/{code}/dispose"): ("+ + 404 403 404 404 + 404", on_asset("in_custody")),
    # its documents as files: uploaded by who may see it and take a step on it now (an empty
    # body: 400 once let through, nothing kept); downloaded by who may see it
    ("post", "/api/assets/{code}/documents"): ("+ + 404 403 404 404 + 404", lambda w: Ask(
        args={"code": w.assets["in_custody"]}, params={"filename": "x.pdf"}, data=b"", ok=(400,))),
    ("get", "/api/assets/{code}/documents/{file_id}"): ("+ + 404 + 404 404 + 404", lambda w: Ask(
        args={"code": w.assets["in_custody"], "file_id": w.file_id})),
    # mail
    ("get", "/api/mails"): ("F F F F F F F F", ask()),
    ("get", "/api/notify/rules"): ("+ + + + + + + +", ask()),
    ("put", "/api/notify/rules"): ("+ 403 403 403 403 403 403 403", ask(400, json={"no_such_event": []})),
    ("get", "/api/notify/preferences"): ("F F F F F F F F", ask()),
    # the agency itself, its cluster's OSM or the admin (a province sees, changes nothing)
    ("put", "/api/notify/preferences/{agency}"): ("+ + 403 403 403 + 403 403",
                                                  ask(400, args={"agency": "ubon-pao"},
                                                      json={"delivery": "weekly"})),
    # API keys
    ("get", "/api/keys"): ("+ 403 403 403 403 403 403 403", ask()),
    ("post", "/api/keys"): ("+ 403 403 403 403 403 403 403", ask(400, json={"role": "nobody"})),
    ("delete", "/api/keys/{key_id}"): ("+ 403 403 403 403 403 403 403", ask(404)),
    # people's accounts: the admin all; an OSM (its director, or its key) its own cluster's
    ("get", "/api/users"): ("F F F 403 403 403 403 403", ask()),
    ("post", "/api/users"): ("+ + + 403 403 403 403 403", ask(400, json={})),
    ("patch", "/api/users/{username}"): ("+ + + 403 403 403 403 403", ask(404, json={})),
    ("post", "/api/users/{username}/reset"): ("+ + + 403 403 403 403 403", ask(404)),
    ("post", "/api/users/import"): ("+ + + 403 403 403 403 403", ask(400, data=b"")),
    # the audit log: the admin every cluster's; an OSM its own cluster's acts
    ("get", "/api/audit"): ("F F F 403 403 403 403 403", ask()),
}


class World:
    """Keys for every role, and data each rule can be seen at work on."""

    def __init__(self, system):
        self.system = system
        creds = system.credentials()
        admin = system.key()
        self.admin = admin
        clusters = self.get("/api/clusters", admin).json()
        self.cluster_of = {p["code"]: c["code"] for c in clusters for p in c["provinces"]}
        self.provinces_of = {c["code"]: {p["code"] for p in c["provinces"]} for c in clusters}
        self.other_cluster = sorted(c for c in creds["osm"] if c != CLUSTER)[0]
        self.other_province = sorted(self.provinces_of[self.other_cluster])[0]
        self.scope = {"admin": None, "osm": CLUSTER, "osm_other": self.other_cluster,
                      "province": "TH-34", "province_other": self.other_province, **AGENCIES}
        self.keys = {"admin": admin, "osm": system.key("osm", CLUSTER),
                     "osm_other": system.key("osm", self.other_cluster),
                     "province": system.key("province", "TH-34"),
                     "province_other": system.key("province", self.other_province),
                     **{role: system.key("agency", code) for role, code in AGENCIES.items()}}
        agencies = self.get("/api/agencies", admin).json()
        self.agency_province = {a["code"]: a.get("province") for a in agencies}
        self.pao = next(a for a in agencies if a["code"] == "ubon-pao")
        self.workbook = self.get(f"/api/plans/{PLAN}/export", admin, format="xlsx").content
        self._publish_reports(creds)
        self._make_assets()

    def get(self, path, key, **params):
        return requests.get(f"{self.system.base}{path}", params=params, timeout=30,
                            headers={"Authorization": f"Bearer {key}"})

    def post(self, path, key, body):
        answer = requests.post(f"{self.system.base}{path}", json=body, timeout=30,
                               headers={"Authorization": f"Bearer {key}"})
        assert answer.status_code in (200, 201), (path, answer.text)
        return answer.json()

    def _publish_reports(self, creds):
        """TH-34 and TH-33 each report an indicator, a project with a problem, and a bad body."""
        self.mark = f"scope-{uuid.uuid4().hex[:8]}"
        self.report_ids = {}
        for code, value in (("TH-34", 11.0), ("TH-33", 22.0)):
            province = Province(creds, code)
            try:
                indicator = province.report("NE2-1.1", "FY2567-Q2", value, "2024-04-10T09:30:00+07:00")
                project = str(uuid.uuid4())
                province.publish({"event_id": project, "province": code, "project": "NE2-67-001",
                                  "as_of": "2024-03-31", "physical_progress_pct": 40.0,
                                  "disbursed_thb": 100000.0, "procurement_stage": "in_progress",
                                  "problems": f"{self.mark} {code}",
                                  "reported_at": "2024-04-10T09:30:00+07:00"},
                                 kind="project", event_id=project)
                province.publish(f"{self.mark} {code} not json")
                self.report_ids[code] = {indicator, project}
            finally:
                province.close()
        wanted = set().union(*self.report_ids.values())
        wait_until(lambda: wanted <= {r["event_id"] for r in self.get(
            f"/api/plans/{PLAN}/reports", self.admin).json()["reports"]}, timeout=60,
                   what="the scope test's reports")
        wait_until(lambda: len([r for r in self.get("/api/rejections", self.admin).json()
                                if self.mark in (r.get("raw_body") or "")]) == 2, timeout=60,
                   what="the scope test's rejections")
        self.not_json = {r["province"]: r["rejection_id"] for r in self.get(
            "/api/rejections", self.admin).json() if self.mark in (r.get("raw_body") or "")}

    def _make_assets(self):
        """Four assets of NE2-67-002 (implemented and held by ubon-tourism, in TH-34), one in
        each state a step starts from; transfers go to ubon-pao."""
        tag = uuid.uuid4().hex[:6].upper()
        self.assets = {state: f"SCOPE-{tag}-{n}" for n, state in
                       enumerate(("in_custody", "requested", "approved", "handed_over"))}
        document = {"project": "NE2-67-002", "fiscal_year": 2567, "category": "durable_article",
                    "description_th": "ชุดทดสอบสิทธิ์", "quantity": 1, "unit": "ชุด",
                    "unit_value_thb": 1000, "acquired_on": "2024-05-01",
                    "location": {"province": "TH-34"}, "custodian": "ubon-tourism"}
        steps = (("transfer", {"to": "ubon-pao", "reason": "ทดสอบ"}), ("approve", {}),
                 ("hand-over", {"documents": [{"kind": "handover", "reference": "1/2567"}]}))
        for n, code in enumerate(self.assets.values()):
            asset = self.post("/api/assets", self.admin, {**document, "code": code})
            for action, body in steps[:n]:
                asset = self.post(f"/api/assets/{code}/{action}", self.admin,
                                  {**body, "version": asset["version"]})
        self.registration = {**document, "code": self.assets["in_custody"]}  # taken: 409
        kept = requests.post(f"{self.system.base}/api/assets/{self.assets['in_custody']}/documents",
                             params={"filename": "scope.csv"}, data=b"a,b\n1,2\n", timeout=30,
                             headers={"Authorization": f"Bearer {self.admin}",
                                      "Content-Type": "application/octet-stream"})
        assert kept.status_code == 201, kept.text
        self.file_id = kept.json()["evidence_id"]
        columns = ["code", "project", "fiscal_year", "category", "description_th", "quantity",
                   "unit", "unit_value_thb", "acquired_on", "province", "custodian"]
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(columns)
        for code in (f"SCOPE-{tag}-NEW", self.assets["in_custody"]):  # a new row and a taken one
            row = {**document, "code": code, "province": "TH-34"}
            writer.writerow([row[c] for c in columns])
        self.sheet = out.getvalue().encode("utf-8")

    def version(self, which):
        return self.get(f"/api/assets/{self.assets[which]}", self.admin).json()["version"]

    # --- the rules, restated from the README, to check what a filtered answer holds ---------

    def plan_visible(self, role, plan):
        scope = self.scope[role]
        if role == "admin":
            return True
        if role.startswith("osm"):
            return plan["cluster"] == scope
        if plan["status"] == "draft":
            return False
        if role.startswith("province"):
            return scope in plan["provinces"]
        return scope in plan.get("agency_codes", [])

    def asset_visible(self, role, asset):
        scope = self.scope[role]
        if role == "admin":
            return True
        if role.startswith("osm"):
            return asset["cluster"] == scope
        if role.startswith("province"):
            return asset["location"]["province"] == scope
        return scope in (asset["custodian"], (asset.get("transfer") or {}).get("to"),
                         asset.get("implementing_agency"))

    def provinces_seen(self, role):
        """Whose reports, rejections and directory entries a role sees (None: all)."""
        scope = self.scope[role]
        if role == "admin":
            return None
        if role.startswith("osm"):
            return self.provinces_of[scope]
        if role.startswith("province"):
            return {scope}
        return set()  # an agency key reads no reporting view and no directory

    def reporting_agencies_seen(self, role):
        """Whose rejections of implementing agencies' own reports a role sees (None: all)."""
        if role == "admin":
            return None
        if role.endswith("agency"):
            return {self.scope[role]}
        if role.startswith("osm"):
            return {a for p in self.get("/api/plans", self.admin).json()
                    if p["cluster"] == self.scope[role] for a in p.get("agency_codes", [])}
        return set()

    def agencies_seen(self, role):
        """Whose mails and delivery preferences a role sees (None: all)."""
        if role == "admin":
            return None
        if role.endswith("agency"):
            return {self.scope[role]}
        provinces = self.provinces_seen(role)
        return {a for a, p in self.agency_province.items() if p in provinces}


def only(items, allowed, what):
    if allowed is not None:
        assert set(items) <= allowed, (what, set(items) - allowed)


def check_agencies(w, role, answer):
    everyone = w.get("/api/agencies", w.admin).json()
    seen = w.provinces_seen(role)
    assert {a["code"] for a in answer} == {a["code"] for a in everyone
                                           if seen is None or a.get("province") in seen}


def check_plans(w, role, answer):
    everyone = w.get("/api/plans", w.admin).json()
    assert {p["id"] for p in answer} == {p["id"] for p in everyone if w.plan_visible(role, p)}


def check_assets(w, role, answer):
    everyone = w.get("/api/assets", w.admin).json()
    assert {a["code"] for a in answer} == {a["code"] for a in everyone if w.asset_visible(role, a)}


def check_rejections(w, role, answer):
    seen = w.provinces_seen(role)
    only([r["province"] for r in answer if not r.get("agency")], seen, "rejections")
    only([r["agency"] for r in answer if r.get("agency")], w.reporting_agencies_seen(role),
         "agencies' rejections")
    mine = {r["province"] for r in answer if w.mark in (r.get("raw_body") or "")}
    assert mine == ({"TH-34", "TH-33"} if seen is None else {"TH-34", "TH-33"} & seen)


def check_mails(w, role, answer):
    only([m["agency"] for m in answer], w.agencies_seen(role), "mails")


def check_preferences(w, role, answer):
    seen = w.agencies_seen(role)
    only(answer, seen, "preferences")
    if role.endswith("agency"):
        assert set(answer) == seen


def own_province_only(rows_of):
    """A province key: every row (or every per-province entry) is its own province's."""
    def check(w, role, answer):
        assert role == "province"
        provinces = rows_of(answer)
        assert set(provinces) <= {"TH-34"}, set(provinces)
        return provinces
    return check


def check_reports(w, role, answer):
    ids = {r["event_id"] for r in answer["reports"]}
    own_province_only(lambda a: [r["province"] for r in a["reports"]])(w, role, answer)
    assert w.report_ids["TH-34"] <= ids and not w.report_ids["TH-33"] & ids


def check_problems(w, role, answer):
    own_province_only(lambda a: [r["province"] for r in a])(w, role, answer)
    assert any(w.mark in (r["problems"] or "") for r in answer)


def check_no_drafts(w, role, answer):
    assert all(h["status"] != "draft" for h in answer)


def check_users(w, role, answer):
    """The admin every user; an OSM its own cluster's people, never an admin or national viewer."""
    if role == "admin":
        assert {u["username"] for u in answer} == {u["username"] for u in w.get(
            "/api/users", w.admin).json()}
        return
    for user in answer:
        org = user["organisation"]
        cluster = org if user["duty"] in ("osm_analyst", "osm_director", "auditor") else \
            w.cluster_of.get(org) or w.cluster_of.get(w.agency_province.get(org))
        assert user["duty"] not in ("admin", "national_viewer") and cluster == w.scope[role], user


def check_audit(w, role, answer):
    """The admin reads every act; an OSM only acts within its own cluster."""
    if role != "admin":
        assert all(r["cluster"] == w.scope[role] for r in answer), answer


FILTERS = {
    ("get", "/api/audit"): check_audit,
    ("get", "/api/users"): check_users,
    ("get", "/api/agencies"): check_agencies,
    ("get", "/api/plans"): check_plans,
    ("get", "/api/assets"): check_assets,
    ("get", "/api/rejections"): check_rejections,
    ("get", "/api/mails"): check_mails,
    ("get", "/api/notify/preferences"): check_preferences,
    ("get", "/api/plans/{plan_id}/history"): check_no_drafts,
    ("get", "/api/plans/{plan_id}/reports"): check_reports,
    ("get", "/api/plans/{plan_id}/problems"): check_problems,
    ("get", "/api/plans/{plan_id}/problem-items"): own_province_only(
        lambda a: [r["province"] for r in a]),
    ("get", "/api/plans/{plan_id}/problem-analysis"): own_province_only(
        lambda a: [g["province"] for g in a["groups"]]
        + [o["province"] for p in a["problems"] for o in p["occurrences"]]),
    ("get", "/api/plans/{plan_id}/indicator-results"): own_province_only(
        lambda a: [p for r in a["results"] for p in r["provinces"]]),
    ("get", "/api/plans/{plan_id}/indicators/{code}/series"): own_province_only(
        lambda a: [p for r in a["series"] for p in r["provinces"]]),
    ("get", "/api/plans/{plan_id}/projects/progress"): own_province_only(
        lambda a: [p for r in a["projects"] for p in r["provinces"]]),
    ("get", "/api/plans/{plan_id}/completeness"): own_province_only(
        lambda a: [r["province"] for r in a["provinces"]]),
    ("get", "/api/plans/{plan_id}/approvals"): own_province_only(
        lambda a: [r["province"] for r in a]),
    ("get", "/api/plans/{plan_id}/extensions"): own_province_only(
        lambda a: [e["province"] for e in a["extensions"]]),
}


def relabelled_pao(w):
    """Another cluster's OSM claims ubon-pao for a province of its own cluster."""
    return {**w.pao, "province": w.other_province}


#   role, method, path, params, body, expected status
ATTEMPTS = [
    ("province", "get", f"/api/plans/{PLAN}/reports", {"province": "TH-33"}, None, 403),
    ("province", "get", f"/api/plans/{PLAN}/problems", {"province": "TH-33"}, None, 403),
    ("province", "get", f"/api/plans/{PLAN}/problem-items", {"province": "TH-33"}, None, 403),
    ("province", "get", f"/api/plans/{PLAN}/problem-analysis", {"province": "TH-33"}, None, 403),
    ("province", "get", "/api/rejections", {"province": "TH-33"}, None, 403),
    ("province", "get", f"/api/plans/{PLAN}/approvals", {"province": "TH-33"}, None, 403),
    ("province", "post", f"/api/plans/{PLAN}/approvals/FY2568-Q1/TH-33", {},
     {"step": "submit", "version": 0}, 403),
    ("province", "post", "/api/rejections/{not_json_TH33}/redrive", {}, None, 403),
    ("osm_other", "post", "/api/rejections/{not_json_TH34}/redrive", {}, None, 403),
    ("province", "get", "/api/agencies", {"province": "TH-33"}, None, 403),
    ("province", "put", "/api/notify/preferences/ubon-pao", {}, {"delivery": "daily_digest"}, 403),
    ("province", "post", "/api/assets/{in_custody}/transfer", {}, "asset", 403),
    ("osm", "get", "/api/rejections", {"province": "{other_province}"}, None, 403),
    ("osm_other", "get", "/api/rejections", {"province": "TH-34"}, None, 403),
    ("osm_other", "get", "/api/agencies", {"province": "TH-34"}, None, 403),
    ("osm_other", "put", "/api/agencies/ubon-pao", {}, relabelled_pao, 403),
    ("osm_other", "post", "/api/plans", {}, {"cluster": CLUSTER, "id": "x-plan"}, 403),
    ("osm_other", "post", "/api/users", {}, {"username": "scope-th34", "name": "x", "email":
                                            "x@example.org", "duty": "province_planner",
                                            "organisation": "TH-34"}, 403),
    ("osm", "post", "/api/users", {}, {"username": "scope-admin", "name": "x", "email":
                                      "x@example.org", "duty": "admin"}, 403),
    ("holding_agency", "post", "/api/assets/{handed_over}/accept", {}, "asset", 403),
    ("receiving_agency", "get", "/api/mails", {"agency": "ubon-tourism"}, None, []),
    ("other_agency", "get", "/api/assets", {"agency": "ubon-pao"}, None, []),
]


@pytest.fixture(scope="module")
def world(system):
    return World(system)


def documented(system):
    document = requests.get(f"{system.base}/openapi.json", timeout=15).json()
    return {(method, path) for path, methods in document["paths"].items()
            if path.startswith("/api/") for method in methods}


def fill(path, values):
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


def test_every_documented_operation_has_a_row(system):
    ops = documented(system)
    assert len(ops) > 40
    assert ops - set(MATRIX) == set(), "add a row to MATRIX for each new endpoint"
    assert set(MATRIX) - ops == set(), "MATRIX names operations /openapi.json does not document"
    for op, (outcomes, _) in MATRIX.items():
        marks = outcomes.split()
        assert len(marks) == len(ROLES) and set(marks) <= {"+", "F", "403", "404"}, op
        assert ("F" in marks) == (op in FILTERS), op


def test_every_operation_needs_a_known_key(system):
    for method, path in sorted(documented(system)):
        url = f"{system.base}{fill(path, {**SAMPLE})}"
        for headers in ({}, {"Authorization": "Bearer not-a-key"}, {"Authorization": "Basic eA=="}):
            answer = requests.request(method, url, headers=headers, json={}, timeout=15)
            assert answer.status_code == 401, (method, path, headers, answer.status_code)
            assert answer.json()["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_matrix_says_on_every_operation(world, role):
    column = ROLES.index(role)
    wrong = []
    for (method, path), (outcomes, make) in sorted(MATRIX.items()):
        expected = outcomes.split()[column]
        request = make(world)
        url = f"{world.system.base}{fill(path, {**SAMPLE, **request.args})}"
        headers = {"Authorization": f"Bearer {world.keys[role]}"}
        if request.data is not None:
            answer = requests.request(method, url, params=request.params, data=request.data,
                                      headers=headers, timeout=60)
        else:
            answer = requests.request(method, url, params=request.params, json=request.json,
                                      headers=headers, timeout=60)
        status, what = answer.status_code, f"{method.upper()} {path} as {role}: {answer.status_code}"
        body = answer.json() if "json" in answer.headers.get("Content-Type", "") else None
        code = (body or {}).get("error", {}).get("code") if isinstance(body, dict) else None
        if expected in ("+", "F"):
            if status not in request.ok:
                wrong.append(f"{what}, expected {request.ok} {answer.text[:200]}")
            elif expected == "F":
                try:
                    FILTERS[(method, path)](world, role, body)
                except AssertionError as exc:
                    wrong.append(f"{what}: the answer holds more than {role} may see: {exc}")
        elif status != int(expected) or code != {"403": "forbidden", "404": "not_found"}[expected]:
            wrong.append(f"{what} {code}, expected {expected} {answer.text[:200]}")
    assert not wrong, "\n".join(wrong)


def test_a_key_cannot_reach_past_its_scope_through_a_parameter_or_a_body(world):
    wrong = []
    values = {**world.assets, "other_province": world.other_province,
              **{f"not_json_{p.replace('-', '')}": r for p, r in world.not_json.items()}}
    for role, method, path, params, body, expected in ATTEMPTS:
        if body == "asset":
            code = path.split("/")[3].strip("{}")
            body = {"version": world.version(code), "reason": "x", "to": "ubon-pao",
                    "maintenance": {"agency": "ubon-pao", "budget_thb": 1}}
        elif callable(body):
            body = body(world)
        url = f"{world.system.base}{fill(path, values)}"
        answer = requests.request(method, url, params={k: fill(v, values) for k, v in params.items()},
                                  json=body, timeout=30,
                                  headers={"Authorization": f"Bearer {world.keys[role]}"})
        if isinstance(expected, list):
            ok = answer.status_code == 200 and answer.json() == expected
        else:
            ok = answer.status_code == expected and answer.json()["error"]["code"] == "forbidden"
        if not ok:
            wrong.append(f"{method.upper()} {path} {params} as {role}: {answer.status_code} "
                         f"{answer.text[:200]}, expected {expected}")
    assert not wrong, "\n".join(wrong)
    # nothing moved: the assets are where the test put them
    states = {w: world.get(f"/api/assets/{code}", world.admin).json()["status"]
              for w, code in world.assets.items()}
    assert states == {"in_custody": "in_custody", "requested": "transfer_requested",
                      "approved": "transfer_approved", "handed_over": "handed_over"}
    assert world.get("/api/agencies", world.admin, province="TH-34").json() and \
        next(a for a in world.get("/api/agencies", world.admin).json()
             if a["code"] == "ubon-pao")["province"] == "TH-34"

"""Open data through the whole system (docs/open-data.md): a province reports, its period is
submitted, approved and accepted (the steps through reporting's RPC, as the approvals API takes
them) and the plan's open data is made again with that figure - the CKAN package checked against
package_create's JSON Schema, the DCAT JSON-LD against the DCAT-AP shapes; nothing is served
without a key until the admin turns it on (404), then the files and the public page are, the
page opened in Chromium with no key; an uncertified figure is never in them. FY2567-Q3 of TH-33
is a period no other e2e test reports for; it is reopened and open data turned off at the end."""
from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys

import jsonschema
import pytest
import requests
from nameko.standalone.rpc import ClusterRpcProxy
from pyshacl import validate as shacl_validate
from rdflib import Graph

from clusterctl.runner import rpc_config
from clusterctl.settings import REPO_ROOT, Settings
from tests.support.browsing import csrf_of, signed_in
from tests.support.system import Province, wait_until
from tests.unit.test_open_data import PACKAGE_SCHEMA, SHAPES

from .conftest import PLAN

PERIOD, PROVINCE, OTHER, CODE, PROJECT = "FY2567-Q3", "TH-33", "TH-37", "NE2-4.1", "NE2-67-004"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = REPO_ROOT / "test-artifacts"
CLUSTER = "northeast-lower-2"
DIRECTOR = {"role": "osm", "scope": CLUSTER, "person": "ประยุทธ (prayut)", "duty": "osm_director"}
PUBLIC = [f"/open-data/{PLAN}/package.json", f"/open-data/{PLAN}/dcat.jsonld",
          f"/open-data/{PLAN}/indicator-results.csv", f"/open-data/{PLAN}/project-progress.csv",
          f"/public/plans/{PLAN}"]


def actor(province, duty):
    return {"role": "province", "scope": province, "person": f"{duty} ({province})", "duty": duty}


@pytest.fixture
def rpc(system):
    with ClusterRpcProxy(rpc_config(Settings.from_env(system.env), system.credentials()),
                         timeout=30) as proxy:
        yield proxy


def take(rpc, step, who, province=PROVINCE, comment=None, period=PERIOD):
    [now] = rpc.reporting.approvals(PLAN, period, [province])
    return rpc.reporting.approval_step(PLAN, period, province, step, who, now["version"],
                                       now["figures"], comment)


def accept(rpc, province, period=PERIOD):
    take(rpc, "submit", actor(province, "province_planner"), province, period=period)
    take(rpc, "approve", actor(province, "province_approver"), province, period=period)
    return take(rpc, "accept", DIRECTOR, province, period=period)


def switch(system, public, key=None):
    return requests.put(f"{system.base}/api/plans/{PLAN}/open-data/settings",
                        params={"reason": "ทดสอบการเผยแพร่ข้อมูลเปิด"}, json={"public": public},
                        headers={"Authorization": f"Bearer {key or system.key()}"}, timeout=15)


def made_for(system, osm, code, since=""):
    found = system.get(f"/api/plans/{PLAN}/open-data", osm)
    body = found.json() if found.status_code == 200 else None
    # at or after: generated_at counts whole seconds, and a reopening and the next acceptance
    # may fall in one; the reason's code tells them apart
    return body if body and body["reason"]["code"] == code and body["generated_at"] >= since \
        else None


def csv_rows(system, name):
    got = system.get(f"/open-data/{PLAN}/{name}.csv")
    assert got.status_code == 200, got.text
    assert got.headers["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(got.content.decode("utf-8-sig"))))


def in_chromium(system, name):
    ARTIFACTS.mkdir(exist_ok=True)
    request = {"base": system.base, "plan": PLAN, "indicator": CODE, "project": PROJECT,
               "chromium": CHROMIUM, "artifacts": str(ARTIFACTS), "name": name}
    done = subprocess.run([sys.executable, "-m", "tests.e2e.browser_open_data"], cwd=REPO_ROOT,
                          input=json.dumps(request), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_an_accepted_period_reaches_the_open_data_served_only_once_the_admin_turns_it_on(
        system, rpc):
    osm = system.key("osm", CLUSTER)
    senders = {p: Province(system.credentials(), p) for p in (PROVINCE, OTHER)}
    try:
        senders[PROVINCE].report(CODE, PERIOD, 6.25, "2024-07-08T09:00:00+07:00")
        senders[PROVINCE].project(PROJECT, PROVINCE, "2024-06-15", "2024-07-08T09:00:00+07:00",
                                  disbursed_thb=777000.0, physical_progress_pct=35.0,
                                  problems="ผู้รับจ้างส่งงานล่าช้า")
        senders[OTHER].report(CODE, PERIOD, 9.75, "2024-07-08T09:00:00+07:00")  # never accepted
    finally:
        for sender in senders.values():
            sender.close()
    wait_until(lambda: system.get(f"/api/plans/{PLAN}/indicator-results", osm, period=PERIOD)
               .json()["results"] and all(p in next(r for r in system.get(
                   f"/api/plans/{PLAN}/indicator-results", osm, period=PERIOD).json()["results"]
                   if r["indicator"] == CODE)["provinces"] for p in (PROVINCE, OTHER)),
               what="both values in indicator-results")
    first = wait_until(lambda: system.get(f"/api/plans/{PLAN}/open-data", osm).status_code == 200
                       and system.get(f"/api/plans/{PLAN}/open-data", osm).json(),
                       timeout=60, what="the open data made at publish")
    assert first["public"] is False  # off by default: nothing answers without a key
    for path in PUBLIC:
        assert system.get(path).status_code == 404, path
    if CHROMIUM:
        off = in_chromium(system, "off")
        assert off["status"] == 404 and "ไม่พบข้อมูล" in off["text"]

    accept(rpc, PROVINCE)
    try:
        made = wait_until(lambda: made_for(system, osm, "accept", first["generated_at"]),
                          timeout=60, what="the open data made again at the acceptance")
        assert made["reason"]["en"] == f"period {PERIOD} of {PROVINCE} accepted"
        jsonschema.Draft202012Validator(PACKAGE_SCHEMA).validate(made["package"])
        assert made["names_complete"]  # plans gave the provinces' names

        assert switch(system, True, osm).status_code == 403  # the admin's switch only
        answer = switch(system, True)
        assert answer.status_code == 200 and answer.json()["public"] is True, answer.text
        audit = system.get("/api/audit", system.key(), act="settings.open_data").json()
        rows = audit["records"] if isinstance(audit, dict) else audit
        assert any(r.get("target") == PLAN and r.get("reason") == "ทดสอบการเผยแพร่ข้อมูลเปิด"
                   for r in rows), rows

        package = system.get(f"/open-data/{PLAN}/package.json")  # no key from here on
        assert package.status_code == 200 and package.json() == made["package"]
        graph = Graph().parse(data=system.get(f"/open-data/{PLAN}/dcat.jsonld").text,
                              format="json-ld")
        conforms, _, report = shacl_validate(graph, shacl_graph=SHAPES)
        assert conforms, report

        mine = [r for r in csv_rows(system, "indicator-results")
                if (r["indicator_code"], r["period"]) == (CODE, PERIOD)]
        assert [(r["scope"], r["province_code"], r["province_name_th"], r["value"])
                for r in mine] == [("province", PROVINCE, "ศรีสะเกษ", "6.25")]  # no TH-37, no
        # cluster value: TH-37's figure in it is not certified
        [progress] = [r for r in csv_rows(system, "project-progress")
                      if (r["project_code"], r["province_code"]) == (PROJECT, PROVINCE)]
        assert (progress["disbursed_thb"], progress["physical_progress_pct"],
                progress["period"]) == ("777000", "35", PERIOD)
        everything = "".join(system.get(path).text for path in PUBLIC)
        assert "ผู้รับจ้างส่งงานล่าช้า" not in everything and "9.75" not in everything

        if CHROMIUM:
            seen = in_chromium(system, "on")
            assert seen["status"] == 200 and seen["lang"] == "th" and not seen["login_form"]
            assert any("ศรีสะเกษ" in row and "6.25" in row for row in seen["rows"]), seen["rows"]
            assert not any("อำนาจเจริญ" in row for row in seen["rows"])  # TH-37: uncertified
            assert seen["projects"] and "777,000" in seen["projects"][0]
            assert "9.75" not in seen["text"] and "ผู้รับจ้างส่งงานล่าช้า" not in seen["text"]
            assert "Vision" in seen["text"] and "วิสัยทัศน์" in seen["text"]
            assert seen["overflow"] <= 0
    finally:
        switch(system, False)
        take(rpc, "reopen", DIRECTOR, comment="เปิดคืนหลังการทดสอบ")  # no lock left behind
    for path in PUBLIC:  # off again: not served
        assert system.get(path).status_code == 404, path
    wait_until(lambda: made_for(system, osm, "reopen"), timeout=60, what="made at the reopening")


def test_a_report_marked_internal_never_reaches_open_data(system, rpc):
    """The province's "internal" flag is being added to every input path by another change;
    until it is merged the intake refuses the field and this test says so and skips. After the
    merge it runs: TH-37's internal value for an accepted period is in no file."""
    osm = system.key("osm", CLUSTER)
    sender = Province(system.credentials(), OTHER)
    try:
        event_id = sender.report("NE2-4.2", "FY2567", 123456.0, "2024-10-08T09:00:00+07:00",
                                 internal=True)
    finally:
        sender.close()

    def outcome():
        rejected = [r for r in system.get("/api/rejections", osm).json()
                    if r.get("event_id") == event_id]
        if rejected:
            return rejected[0]
        found = system.get(f"/api/plans/{PLAN}/indicator-results", osm, period="FY2567").json()
        row = next(r for r in found["results"] if r["indicator"] == "NE2-4.2")
        return row if OTHER in row["provinces"] else None
    seen = wait_until(outcome, what="the internal report kept or rejected")
    if "reason" in seen:
        pytest.skip(f"enable after merge: the intake does not take 'internal' yet ({seen['reason']})")
    before = system.get(f"/api/plans/{PLAN}/open-data", osm).json()["generated_at"]
    try:
        accept(rpc, OTHER, "FY2567")
        wait_until(lambda: made_for(system, osm, "accept", before), timeout=60,
                   what="made at the acceptance")
        assert switch(system, True).status_code == 200
        assert "123456" not in system.get(f"/open-data/{PLAN}/indicator-results.csv").text
        assert "123,456" not in system.get(f"/public/plans/{PLAN}").text
    finally:
        switch(system, False)
        take(rpc, "reopen", DIRECTOR, OTHER, "เปิดคืนหลังการทดสอบ", "FY2567")


def test_the_admin_turns_open_data_on_and_off_on_the_settings_page(system):
    admin = signed_in(system.base, system.key(), lang="th")
    page = admin.get(f"{system.base}/settings", params={"plan": PLAN}, timeout=30).text
    assert 'id="opendata-form"' in page and "ไม่เปิดเผย (ค่าเริ่มต้น)" in page  # off by default
    token = csrf_of(admin, f"/settings?plan={PLAN}")
    form = {"csrf": token, "plan": PLAN, "public": "on", "lang": "th"}
    refused = admin.post(f"{system.base}/settings/opendata", data=form, timeout=30)
    assert refused.status_code == 400 and "กรุณาระบุเหตุผล" in refused.text  # a reason first
    assert system.get(f"/public/plans/{PLAN}").status_code == 404
    sent = admin.post(f"{system.base}/settings/opendata", data={**form, "reason": "เผยแพร่"},
                      timeout=30, allow_redirects=False)
    assert sent.status_code == 303, sent.text[:500]
    try:
        page = admin.get(f"{system.base}{sent.headers['Location']}", timeout=30).text
        assert "เปิดเผยต่อสาธารณะ" in page and f'href="/public/plans/{PLAN}"' in page
        assert system.get(f"/public/plans/{PLAN}").status_code == 200  # no key
    finally:
        form.pop("public")  # the box unticked: off again
        off = admin.post(f"{system.base}/settings/opendata", data={**form, "reason": "ปิด"},
                         timeout=30, allow_redirects=False)
        assert off.status_code == 303
    assert system.get(f"/open-data/{PLAN}/package.json").status_code == 404

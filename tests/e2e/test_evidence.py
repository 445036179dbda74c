"""The facts behind every figure, through the running system and the real broker (issue 22):
the indicator card, evidence files uploaded and refused, a report citing a file and the
drill-down listing it, the download giving the same bytes, and reports citing an unknown or
another province's file rejected with their reason. NE2-3.3 FY2568-Q3 (TH-33, TH-34) is read by
no other e2e test."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import uuid

import pytest
import requests

from clusterctl.settings import REPO_ROOT
from tests.support.browsing import signed_in
from tests.support.system import Province, wait_until

from .test_dashboard import ARTIFACTS, CHROMIUM

pytestmark = pytest.mark.e2e
PLAN = "northeast-lower-2-2566-2570"
CODE, PERIOD = "NE2-3.3", "FY2568-Q3"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)


def upload(system, key, data, filename, **params):
    return requests.post(f"{system.base}/api/plans/{PLAN}/evidence", data=data,
                         params={"filename": filename, **params}, timeout=30,
                         headers={"Authorization": f"Bearer {key}",
                                  "Content-Type": "application/octet-stream"})


def test_the_indicator_card_has_the_plans_facts_with_agency_names(system):
    answer = system.get(f"/api/plans/{PLAN}/indicators/{CODE}", system.key("province", "TH-33"))
    assert answer.status_code == 200, answer.text
    card = answer.json()
    assert card["definition_th"] and card["definition_en"] and "÷ 1,000" in card["formula"]
    assert card["data_source"]["link"].startswith("https://")
    assert card["responsible_agency"] == {
        "code": "ubon-tourism", "name_th": card["responsible_agency"]["name_th"],
        "name_en": "Ubon Ratchathani Provincial Tourism and Sports Office"}
    assert card["baseline"] == {"value": 5100, "fiscal_year": 2565} and card["targets"]
    missing = system.get(f"/api/plans/{PLAN}/indicators/NO-SUCH", system.key())
    assert missing.status_code == 404 and "NO-SUCH" in missing.json()["error"]["message"]


def test_evidence_uploaded_cited_listed_downloaded_and_refused(system):
    th33, th34 = system.key("province", "TH-33"), system.key("province", "TH-34")
    osm = system.key("osm", "northeast-lower-2")
    # a PDF as a raw body, a PNG as multipart; a program named .pdf and 10 MB + 1 refused
    kept = upload(system, th33, PDF, "หนังสือรับรองสถิติ.pdf")
    assert kept.status_code == 201, kept.text
    pdf = kept.json()
    assert pdf["sha256"] == hashlib.sha256(PDF).hexdigest() and pdf["size"] == len(PDF)
    assert pdf["content_type"] == "application/pdf" and pdf["province"] == "TH-33"
    multipart = requests.post(f"{system.base}/api/plans/{PLAN}/evidence", timeout=30,
                              files={"file": ("photo.png", PNG, "image/png")},
                              headers={"Authorization": f"Bearer {th33}"})
    assert multipart.status_code == 201 and multipart.json()["content_type"] == "image/png"
    wrong = upload(system, th33, b"MZ\x90\x00" + bytes(100), "statistics.pdf")
    assert wrong.status_code == 415, wrong.text
    message = wrong.json()["error"]["message"]
    assert "checked by content" in message and "ตรวจจากเนื้อหาไฟล์" in message
    big = upload(system, th33, PDF + bytes(10 * 2**20), "big.pdf")
    assert big.status_code == 413 and "10 MB" in big.json()["error"]["message"]
    no_province = upload(system, osm, PDF, "a.pdf")
    assert no_province.status_code == 400 and "province" in no_province.json()["error"]["message"]

    # a report citing the PDF and a reference: the drill-down lists both, the file links
    province = Province(system.credentials(), "TH-33")
    try:
        cited = province.report(CODE, PERIOD, 310.0, "2025-07-05T09:00:00+07:00", evidence=[
            {"reference": "หนังสือ ที่ ศก 0017/2568"}, {"file": pdf["evidence_id"]}])
        unknown = province.report(CODE, PERIOD, 311.0, "2025-07-05T10:00:00+07:00",
                                  evidence=[{"file": "ev-" + "0" * 32}])
    finally:
        province.close()
    admin = system.key()
    reports = wait_until(lambda: [r for r in system.get(
        f"/api/plans/{PLAN}/reports", admin, indicator=CODE, period=PERIOD).json()["reports"]
        if r["event_id"] == cited], timeout=60, what="the report citing evidence")
    evidence = reports[0]["evidence"]
    assert evidence[0] == {"reference": "หนังสือ ที่ ศก 0017/2568"}
    assert evidence[1]["file"] == pdf["evidence_id"]
    assert evidence[1]["url"] == f"/api/plans/{PLAN}/evidence/{pdf['evidence_id']}"

    for key in (th33, osm, admin):
        got = requests.get(f"{system.base}{evidence[1]['url']}", timeout=30,
                           headers={"Authorization": f"Bearer {key}"})
        assert got.status_code == 200 and got.content == PDF
        assert got.headers["Content-Type"] == "application/pdf"
        assert got.headers["X-Content-Type-Options"] == "nosniff"
        assert got.headers["Content-Disposition"].startswith("attachment; filename=")
    other = requests.get(f"{system.base}{evidence[1]['url']}", timeout=30,
                         headers={"Authorization": f"Bearer {th34}"})
    assert other.status_code == 404  # another province's file is not confirmed to exist

    # the unknown id, and TH-34 citing TH-33's file: rejected, with the reason, listed
    neighbour = Province(system.credentials(), "TH-34")
    try:
        borrowed = neighbour.report(CODE, PERIOD, 12.0, "2025-07-05T09:00:00+07:00",
                                    evidence=[{"file": pdf["evidence_id"]}])
    finally:
        neighbour.close()
    for province_code, event_id, words in (("TH-33", unknown, "no uploaded evidence"),
                                           ("TH-34", borrowed, "was uploaded for TH-33")):
        [rejection] = wait_until(lambda: [r for r in system.get(
            "/api/rejections", admin, province=province_code).json()
            if r["event_id"] == event_id], timeout=60, what=f"the rejection of {event_id}")
        assert words in rejection["reason"] and rejection["reason_th"]
    statuses = system.get(f"/api/plans/{PLAN}/report-status", th33, event_id=[cited, unknown])
    assert statuses.json()["statuses"][unknown]["status"] == "rejected"


def test_the_indicator_page_shows_the_card_and_the_evidence_and_prints(system):
    session = signed_in(system.base, system.key("province", "TH-33"))
    page = session.get(f"{system.base}/indicator", timeout=30, params={
        "plan": PLAN, "period": PERIOD, "indicator": CODE, "lang": "en"})
    assert page.status_code == 200, page.text
    assert 'id="indicator-card"' in page.text and "Ubon Ratchathani Provincial Tourism" in page.text
    assert "/indicator-card?" in page.text
    assert 'class="evidence-file"' in page.text  # the report the test above sent, with its file
    printable = session.get(f"{system.base}/indicator-card", timeout=30, params={
        "plan": PLAN, "period": PERIOD, "indicator": CODE, "lang": "th"})
    assert printable.status_code == 200 and "/static/card.css" in printable.text
    assert "สูตรคำนวณ" in printable.text
    assert session.get(f"{system.base}/static/card.css", timeout=15).status_code == 200


def test_an_unknown_indicator_page_says_so(system):
    session = signed_in(system.base, system.key())
    page = session.get(f"{system.base}/indicator", timeout=30,
                       params={"plan": PLAN, "indicator": f"X-{uuid.uuid4().hex[:6]}",
                               "lang": "th"})
    assert page.status_code == 200 and "ไม่พบตัวชี้วัดนี้ในแผน" in page.text


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine (make test installs "
                                             "Debian's when it runs as root with apt)")
def test_a_province_attaches_evidence_on_the_report_page_in_the_browser(system, tmp_path):
    path = tmp_path / "สถิติผู้เยี่ยมเยือน.pdf"
    path.write_bytes(PDF)
    ARTIFACTS.mkdir(exist_ok=True)
    request = {"mode": "evidence", "base": system.base, "plan": PLAN,
               "key": system.key("province", "TH-33"), "file": str(path),
               "reference": "หนังสือ ที่ ศก 0017/2568", "indicator": CODE, "period": PERIOD,
               "chromium": CHROMIUM, "artifacts": str(ARTIFACTS)}
    done = subprocess.run([sys.executable, "-m", "tests.e2e.browser_checks"], cwd=REPO_ROOT,
                          input=json.dumps(request), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout)
    reference, evidence_id = seen["cell"].split("; ")
    assert reference == "หนังสือ ที่ ศก 0017/2568" and evidence_id in seen["summary"]
    kept = requests.get(f"{system.base}/api/plans/{PLAN}/evidence/{evidence_id}", timeout=30,
                        headers={"Authorization": f"Bearer {system.key('province', 'TH-33')}"})
    assert kept.status_code == 200 and kept.content == PDF
    assert seen["card"] == 1 and "/indicator-card?" in seen["card_page"]

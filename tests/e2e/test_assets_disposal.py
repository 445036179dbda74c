"""Disposing of an asset (จำหน่าย) by the dashboard form, with the committee's finding attached as
a file; the file in the ledger, downloaded by who may see the asset and by no one else; a
registration carrying a file; a step citing another asset's file refused. Plain form posts
(multipart, as a browser sends a form with a file), through the API's own handlers."""
from __future__ import annotations

import uuid

import pytest
import requests

from tests.support.browsing import csrf_of, signed_in

pytestmark = pytest.mark.e2e
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
DOCUMENT = {"project": "NE2-67-002", "fiscal_year": 2567, "category": "durable_article",
            "description_th": "เครื่องสูบน้ำเพื่อการท่องเที่ยว", "quantity": 1, "unit": "เครื่อง",
            "unit_value_thb": 60000, "acquired_on": "2024-05-01",
            "location": {"province": "TH-34"}, "custodian": "ubon-tourism"}


def browser(system, key):
    session = signed_in(system.base, key)
    session.csrf = csrf_of(session, "/assets")
    return session


def api(system, method, path, key, **kwargs):
    return requests.request(method, f"{system.base}{path}", timeout=30,
                            headers={"Authorization": f"Bearer {key}",
                                     **kwargs.pop("headers", {})}, **kwargs)


def test_an_asset_disposed_of_by_form_with_its_committees_finding_as_a_file(system):
    code = f"DISPOSE-{uuid.uuid4().hex[:6].upper()}"
    admin, holder = system.key(), system.key("agency", "ubon-tourism")
    stranger = system.key("agency", "yasothon-agriculture")
    made = api(system, "POST", "/api/assets", admin, json={**DOCUMENT, "code": code})
    assert made.status_code == 201, made.text

    session = browser(system, holder)
    page = session.get(f"{system.base}/assets/{code}", timeout=30)
    assert 'id="form-dispose"' in page.text and 'enctype="multipart/form-data"' in page.text
    assert 'name="doc_file"' in page.text
    # a stranger to the asset cannot even attach a file to it
    assert api(system, "POST", f"/api/assets/{code}/documents", stranger, data=PDF,
               params={"filename": "x.pdf"}).status_code == 404

    fields = {"csrf": session.csrf, "version": "1", "method": "auction",
              "committee_reference": "คำสั่ง อบ 12/2568", "decided_on": "2025-01-15",
              "proceeds_thb": "3,500", "recipient": "", "reason": "ชำรุด ใช้การไม่ได้",
              "file_kind": "committee", "file_reference": ""}
    done = session.post(f"{system.base}/assets/{code}/dispose", data=fields, timeout=30,
                        files={"doc_file": ("รายงานคณะกรรมการ.pdf", PDF, "application/pdf")},
                        allow_redirects=False)
    assert done.status_code == 303, done.text[:800]
    assert done.headers["Location"].endswith(f"/assets/{code}?done=dispose")

    asset = api(system, "GET", f"/api/assets/{code}", admin).json()
    assert asset["status"] == "disposed" and asset["next_steps"] == []
    assert asset["disposal"]["method"] == "auction" and asset["disposal"]["proceeds_thb"] == 3500
    entry = api(system, "GET", f"/api/assets/{code}/history", admin).json()["ledger"][-1]
    assert entry["action"] == "dispose" and entry["reason"] == "ชำรุด ใช้การไม่ได้"
    [cited] = entry["documents"]
    assert (cited["kind"], cited["reference"], cited["filename"]) == (
        "committee", "รายงานคณะกรรมการ.pdf", "รายงานคณะกรรมการ.pdf")
    link = f"/api/assets/{code}/documents/{cited['file_id']}"

    # the page: no form any more, the disposal and the file's link in the ledger
    page = session.get(f"{system.base}/assets/{code}", timeout=30).text
    assert 'id="no-actions"' in page and 'id="form-' not in page
    assert 'id="disposal"' in page and "auction" in page and "3,500" in page
    assert f'href="{link}"' in page
    # downloaded by the holder's session, the OSM and the province it is in; no one else
    got = session.get(f"{system.base}{link}", timeout=30)
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    for key in (system.key("osm", "northeast-lower-2"), system.key("province", "TH-34")):
        assert api(system, "GET", link, key).status_code == 200
    for key in (stranger, system.key("agency", "ubon-pao"), system.key("province", "TH-33")):
        answer = api(system, "GET", link, key)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    # the file under another asset's code is not found either
    other = api(system, "POST", "/api/assets", admin,
                json={**DOCUMENT, "code": code + "-B"}).json()
    assert api(system, "GET", f"/api/assets/{other['code']}/documents/{cited['file_id']}",
               admin).status_code == 404
    # ... nor may a step of that other asset cite it
    cites = api(system, "POST", f"/api/assets/{other['code']}/audits", admin, json={
        "version": other["version"], "on": "2025-01-10", "found": True, "condition": "good",
        "documents": [{"kind": "inspection", "reference": "x", "file_id": cited["file_id"]}]})
    assert cites.status_code == 400 and "is not a document of" in cites.json()["error"]["message"]

    # disposed: no step, no new file, not even by the admin
    again = api(system, "POST", f"/api/assets/{code}/dispose", admin, json={
        "version": asset["version"], "method": "sale", "committee_reference": "x",
        "decided_on": "2025-01-15", "reason": "again"})
    assert again.status_code == 400 and "disposed" in again.json()["error"]["message"]
    assert api(system, "POST", f"/api/assets/{code}/documents", admin, data=PDF,
               params={"filename": "x.pdf"}).status_code == 403


def test_a_registration_by_form_carries_its_file_and_a_bad_file_is_refused_on_the_form(system):
    code = f"REGFILE-{uuid.uuid4().hex[:6].upper()}"
    session = browser(system, system.key("agency", "ubon-tourism"))
    fields = {"csrf": session.csrf, "code": code, "project": "NE2-67-002", "fiscal_year": "2567",
              "category": "durable_article", "description_th": "กล้องสำรวจ", "quantity": "1",
              "unit": "ตัว", "unit_value_thb": "12000", "acquired_on": "2024-07-01",
              "province": "TH-34", "custodian": "ubon-tourism", "file_kind": "inspection",
              "file_reference": "ตรวจรับ 9/2567"}
    refused = session.post(f"{system.base}/register-asset", data=fields, timeout=30,
                           files={"doc_file": ("program.pdf", b"MZ\x90\x00", "application/pdf")},
                           allow_redirects=False)
    assert refused.status_code == 415 and 'id="refusal"' in refused.text
    assert system.get(f"/api/assets/{code}", system.key()).status_code == 404  # not registered

    done = session.post(f"{system.base}/register-asset", data=fields, timeout=30,
                        files={"doc_file": ("ใบตรวจรับ.pdf", PDF, "application/pdf")},
                        allow_redirects=False)
    assert done.status_code == 303, done.text[:800]
    [entry] = system.get(f"/api/assets/{code}/history", system.key()).json()["ledger"]
    [cited] = entry["documents"]
    assert (cited["kind"], cited["reference"]) == ("inspection", "ตรวจรับ 9/2567")
    got = session.get(f"{system.base}/api/assets/{code}/documents/{cited['file_id']}", timeout=30)
    assert got.status_code == 200 and got.content == PDF

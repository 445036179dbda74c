"""Evidence behind reports and the indicator card (issue 22), without I/O: what a file is by
its first bytes, the limits, the report schema's evidence, the intake's check of the files a
report cites, the evidence column of the province CSV, and the card's facts."""
import io
import json
import zipfile
from datetime import datetime, timedelta, timezone

import openpyxl
import pytest
from marshmallow import ValidationError

from clusterctl.settings import REPO_ROOT
from services.contracts.plans import PlanSchema
from services.contracts.reports import IndicatorReportSchema
from services.gateway.indicator_card import indicator_card
from services.infra.evidence import MAX_BYTES, EvidenceRefused, check_upload, safe_filename, sniff
from services.infra.evidence.kinds import ALLOWED
from services.infra.report_workbook import read_workbook, report_bodies
from services.reporting.evidence import evidence_problem

PLAN_FILE = REPO_ROOT / "clusterctl" / "data" / "seed" / "plan-northeast-lower-2-2566-2570.json"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
EV = "ev-" + "a" * 32


def xlsx_bytes() -> bytes:
    book = openpyxl.Workbook()
    book.active["A1"] = "สถิติ"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return out.getvalue()


@pytest.mark.parametrize("name, data, kind", [
    ("a.pdf", PDF, "application/pdf"), ("a.PNG", PNG, "image/png"),
    ("a.jpg", JPEG, "image/jpeg"), ("a.jpeg", JPEG, "image/jpeg"),
    ("a.xlsx", xlsx_bytes(), ALLOWED[".xlsx"]),
    ("a.csv", "\ufeffจังหวัด,ค่า\r\nTH-34,12\r\n".encode("utf-8"), "text/csv")])
def test_each_allowed_kind_is_told_by_its_content(name, data, kind):
    assert check_upload(name, data) == (name, kind)


@pytest.mark.parametrize("name, data, words", [
    ("report.pdf", b"MZ\x90\x00\x03" + bytes(60), "content is none of them"),  # a program
    ("photo.png", PDF, "content is application/pdf"),          # a PDF named .png
    ("book.xlsx", plain_zip(), "content is none of them"),    # a ZIP that is no workbook
    ("data.csv", b"a,b\x00c\n", "content is none of them"),   # binary, not text
    ("data.csv", b"\xff\xfe\x00a", "content is none of them"),  # not UTF-8
    ("run.exe", PDF, "evidence must be one of"),               # a name not allowed
    ("noextension", PDF, "evidence must be one of"),
])
def test_a_file_whose_content_or_name_is_not_allowed_is_415_in_both_languages(name, data, words):
    with pytest.raises(EvidenceRefused) as refused:
        check_upload(name, data)
    assert refused.value.status == 415 and words in refused.value.message_en
    assert "PDF, PNG, JPEG, XLSX, CSV" in refused.value.message_th


def test_the_limits_10_mb_empty_and_unnamed():
    assert check_upload("max.pdf", PDF + bytes(MAX_BYTES - len(PDF)))[1] == "application/pdf"
    with pytest.raises(EvidenceRefused) as big:
        check_upload("big.pdf", PDF + bytes(MAX_BYTES))
    assert big.value.status == 413 and "10 MB" in big.value.message_en and "10 MB" in big.value.message_th
    with pytest.raises(EvidenceRefused) as empty:
        check_upload("empty.pdf", b"")
    assert empty.value.status == 400
    for name in (None, "", "  ", "../", "\x00\x01"):
        with pytest.raises(EvidenceRefused) as unnamed:
            check_upload(name, PDF)
        assert unnamed.value.status == 400


def test_a_filename_keeps_its_last_part_and_its_thai_without_controls():
    assert safe_filename("C:\\Users\\x\\..\\หนังสือ\x07.pdf") == "หนังสือ.pdf"
    assert safe_filename("../../etc/passwd.csv") == "passwd.csv"
    long = safe_filename("ก" * 300 + ".pdf")
    assert len(long) == 200 and long.endswith(".pdf")


def test_sniff_reads_only_the_signature():
    assert sniff(PDF) == "application/pdf" and sniff(b"") == "text/csv"  # empty: refused earlier
    assert sniff(b"PK\x03\x04 not a zip") is None


# --- the report's evidence, and the intake's check of it ----------------------------------------

BODY = {"event_id": "4a5c2d10-0000-4000-8000-000000000001", "province": "TH-34",
        "indicator": "NE2-1.1", "period": "FY2568-Q1", "value": 5.0,
        "reported_at": "2025-01-10T09:00:00+07:00"}


def test_a_report_carries_at_most_10_references_and_files():
    loaded = IndicatorReportSchema().load({**BODY, "evidence": [
        {"reference": "หนังสือ ที่ อบ 0017/123"}, {"file": EV},
        {"reference": "https://example.org/stat.pdf", "file": EV}]})
    assert loaded["evidence"][1] == {"file": EV}
    assert "evidence" not in IndicatorReportSchema().load(BODY)  # stored as before
    for bad, words in (([{}], "give a reference"), ([{"file": "x.pdf"}], "evidence id"),
                       ([{"reference": "x" * 501}], "500"), ([{"reference": "x"}] * 11, "at most 10"),
                       ([{"reference": "x", "bytes": "AAAA"}], "Unknown field")):
        with pytest.raises(ValidationError) as refused:
            IndicatorReportSchema().load({**BODY, "evidence": bad})
        assert words in json.dumps(refused.value.messages, ensure_ascii=False)


def test_the_intake_refuses_a_file_unknown_of_another_plan_or_another_province():
    files = {EV: {"plan_id": "p1", "province": "TH-34"},
             "ev-" + "b" * 32: {"plan_id": "p2", "province": "TH-34"},
             "ev-" + "c" * 32: {"plan_id": "p1", "province": "TH-33"}}
    report = {"province": "TH-34", "evidence": [{"reference": "r"}, {"file": EV}]}
    assert evidence_problem("p1", report, files.get) is None
    assert evidence_problem("p1", {"province": "TH-34"}, None) is None
    cases = (("ev-" + "d" * 32, "no uploaded evidence"), ("ev-" + "b" * 32, "plan p2, not p1"),
             ("ev-" + "c" * 32, "for TH-33, not TH-34"))
    for evidence_id, words in cases:
        en, th = evidence_problem("p1", {"province": "TH-34", "evidence": [
            {"reference": "r"}, {"file": evidence_id}]}, files.get)
        assert words in en and "evidence.1.file" in en and "หลักฐาน" in th
    assert "no uploaded evidence" in evidence_problem("p1", report, None)[0]  # no store: unknown


def test_the_province_csv_may_carry_an_evidence_column():
    text = "\n".join([
        "kind,code,period,value,evidence",
        f"indicator,NE2-1.1,FY2568-Q1,12,หนังสือ ที่ อบ 0017/1; {EV}",
        "indicator,NE2-2.1,FY2568-Q1,3,",
        "indicator,NE2-3.1,FY2568-Q1,50," + ";".join(["x"] * 11)])
    upload = read_workbook("r.csv", text.encode("utf-8"), plan_id="p", province="TH-34")
    assert upload.rows[0].fields["evidence"] == [{"reference": "หนังสือ ที่ อบ 0017/1"},
                                                 {"file": EV}]
    assert "evidence" not in upload.rows[1].fields
    assert [e.column for e in upload.rows[2].errors] == ["evidence"]
    at = datetime(2025, 1, 10, tzinfo=timezone(timedelta(hours=7)))
    bodies = [body for _, body in report_bodies(upload, "TH-34", at)]
    assert bodies[0]["evidence"][1] == {"file": EV} and "evidence" not in bodies[1]
    for body in bodies:
        IndicatorReportSchema().load(json.loads(json.dumps(body)))


# --- the indicator card ------------------------------------------------------------------------

def test_the_card_names_the_agencies_and_carries_the_facts():
    plan = json.loads(PLAN_FILE.read_text("utf-8"))
    card = indicator_card(plan, "NE2-4.1")
    assert card["definition_th"] and card["definition_en"] and card["formula"]
    assert card["responsible_agency"]["code"] == "ubon-social"
    assert card["responsible_agency"]["name_en"].startswith("Ubon Ratchathani Provincial Social")
    assert card["data_source"]["link"] == "https://www.tpmap.in.th/"
    assert card["data_source"]["agency"]["name_th"]
    assert card["baseline"] == {"value": 8.5, "fiscal_year": 2565}
    assert card["provinces"] == plan["provinces"]
    assert indicator_card(plan, "NO-SUCH") is None
    bare = {"id": "p", "provinces": ["TH-34"], "agencies": [], "issues": [{"number": 1, "indicators": [
        {"code": "X", "name_th": "x", "name_en": "x", "direction": "increase",
         "aggregation": "sum", "frequency": "yearly", "responsible_agency": "gone"}]}]}
    card = indicator_card(bare, "X")
    assert card["responsible_agency"] == {"code": "gone", "name_th": None, "name_en": None}
    assert card["data_source"] is None and card["definition_th"] == "" and card["targets"] == {}


def test_a_data_source_link_must_be_a_web_address():
    base = json.loads(PLAN_FILE.read_text("utf-8"))
    base.pop("_note")
    base["issues"][0]["indicators"][0]["data_source"]["link"] = "javascript:alert(1)"
    with pytest.raises(ValidationError) as refused:
        PlanSchema().load(base)
    assert "link" in json.dumps(refused.value.messages)

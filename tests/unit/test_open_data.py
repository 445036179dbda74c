"""Open data of a plan (services/reporting/open_data*.py, docs/open-data.md): only certified
figures (the period accepted by the cluster's OSM), never a report marked internal, a cluster
value only when every province in it is published; the CSV files as a spreadsheet opens them;
the CKAN package checked against a JSON Schema of package_create and the DCAT JSON-LD parsed as
RDF and checked with SHACL shapes of DCAT-AP's mandatory properties."""
from __future__ import annotations

import copy
import csv
import io
import json
import re
from datetime import datetime, timezone
from pathlib import Path

import jsonschema
import pytest
from pyshacl import validate as shacl_validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF

from services.reporting import open_data, open_data_cases
from tests.support.plans import published_sample_plan

FIXTURES = Path(__file__).resolve().parents[1] / "support" / "opendata"
PACKAGE_SCHEMA = json.loads((FIXTURES / "ckan_package_create.schema.json").read_text("utf-8"))
SHAPES = Graph().parse(FIXTURES / "dcat_ap_shapes.ttl", format="turtle")
PLAN = published_sample_plan()
Q2, YEAR = "FY2568-Q2", "FY2568"
CLUSTERS = [{"code": "northeast-lower-2", "name_th": "ภาคตะวันออกเฉียงเหนือตอนล่าง 2",
             "name_en": "Lower Northeast 2", "provinces": [
                 {"code": "TH-34", "name_th": "อุบลราชธานี", "name_en": "Ubon Ratchathani"},
                 {"code": "TH-33", "name_th": "ศรีสะเกษ", "name_en": "Si Sa Ket"},
                 {"code": "TH-35", "name_th": "ยโสธร", "name_en": "Yasothon"},
                 {"code": "TH-37", "name_th": "อำนาจเจริญ", "name_en": "Amnat Charoen"}]}]
NAMES = open_data.names_of(CLUSTERS)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def approval(period, province, state, at="2025-05-02T03:00:00+00:00"):
    return {"period": period, "province": province, "state": state, "at": at}


def indicator(province, value, period=Q2, code="NE2-1.1", **more):
    return {"subject": code, "period": period, "province": province,
            "body": {"province": province, "indicator": code, "period": period, "value": value,
                     **more}}


def progress(province, as_of="2025-03-31", **more):
    return {"project": "NE2-67-001", "province": province, "as_of": as_of,
            "physical_progress_pct": 40.0, "disbursed_thb": 1250000.0,
            "procurement_stage": "contract_signed", "problems": "ผู้รับเหมาทิ้งงาน",
            "solutions": "ประกาศใหม่", **more}


class FakeStore:
    """What open_data_cases.build reads of the reporting store."""

    def __init__(self, approvals, indicators=(), projects=(), plan=PLAN):
        self._approvals, self._indicators, self._projects = approvals, indicators, projects
        self.plan, self.kept = copy.deepcopy(plan), None

    def approvals(self, plan_id, period=None, provinces=None):
        return list(self._approvals)

    def indicators_in_force(self, plan_id):
        return list(self._indicators)

    def project_progress(self, plan_id):
        return list(self._projects)

    def open_data(self, plan_id):
        return self.kept


def rows_of(text):
    assert text.startswith("\ufeff")  # Excel reads the Thai as UTF-8
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_only_a_province_value_of_an_accepted_period_is_published_and_the_cluster_value_only_when_all_are():
    accepted = open_data.accepted_days([approval(Q2, "TH-34", "accepted"),
                                        approval(Q2, "TH-33", "approved")])
    rows = open_data.indicator_rows(PLAN, [indicator("TH-34", 100.0), indicator("TH-33", 50.0)],
                                    accepted, NAMES)
    assert [(r["scope"], r["province_code"], r["value"]) for r in rows] == [
        ("province", "TH-34", 100.0)]  # TH-33 is approved only: not certified, no cluster value
    [row] = rows
    assert row["province_name_th"] == "อุบลราชธานี" and row["certified_on"] == "2025-05-02"
    assert row["certified_on_th"] == "2 พฤษภาคม 2568" and row["fiscal_year_be"] == 2568
    assert row["period_th"] == "ไตรมาสที่ 2 ปีงบประมาณ พ.ศ. 2568"

    accepted = open_data.accepted_days([
        approval(Q2, "TH-34", "accepted"),
        approval(YEAR, "TH-33", "accepted", at="2025-10-20T03:00:00+00:00")])  # a year holds Q2
    rows = open_data.indicator_rows(PLAN, [indicator("TH-34", 100.0), indicator("TH-33", 50.0),
                                           indicator("TH-35", None)], accepted, NAMES)
    cluster = [r for r in rows if r["scope"] == "cluster"]
    assert [(r["value"], r["provinces_reported"], r["provinces_expected"]) for r in cluster] == \
        [(150.0, 2, 4)]  # a retraction (TH-35) holds no value: not in the cluster's
    assert cluster[0]["certified_on"] == "2025-10-20"  # when its last province was certified
    assert cluster[0]["province_name_th"] == "ภาคตะวันออกเฉียงเหนือตอนล่าง 2"


def test_a_report_marked_internal_is_never_published_nor_a_cluster_value_holding_it():
    accepted = open_data.accepted_days([approval(Q2, p, "accepted") for p in PLAN["provinces"]])
    rows = open_data.indicator_rows(PLAN, [indicator("TH-34", 100.0),
                                           indicator("TH-33", 77.7, internal=True)],
                                    accepted, NAMES)
    assert [(r["scope"], r["province_code"]) for r in rows] == [("province", "TH-34")]
    projects = open_data.project_rows(PLAN, [progress("TH-34"), progress("TH-33", internal=True)],
                                      accepted, NAMES)
    assert [r["province_code"] for r in projects] == ["TH-34"]

    store = FakeStore([approval(Q2, p, "accepted") for p in PLAN["provinces"]],
                      [indicator("TH-34", 100.0), indicator("TH-33", 77.7, internal=True)],
                      [progress("TH-34"), progress("TH-33", internal=True)])
    record = open_data_cases.build(store, store.plan, CLUSTERS, "https://osm.example.go.th",
                                   open_data_cases.reason_of("refresh"))
    everything = json.dumps(record, ensure_ascii=False)
    assert "77.7" not in everything and "TH-33" not in record["files"]["indicator-results.csv"]
    assert "ผู้รับเหมาทิ้งงาน" not in everything  # a problem's text never leaves
    assert not EMAIL.search(everything)  # nor any address the plan's agencies have


def test_project_progress_is_published_for_an_accepted_quarter_holding_its_as_of():
    accepted = open_data.accepted_days([approval(Q2, "TH-34", "accepted")])
    rows = open_data.project_rows(PLAN, [progress("TH-34"), progress("TH-34", "2025-04-01")
                                         | {"province": "TH-35"}], accepted, NAMES)
    [row] = rows  # TH-35's as_of is in Q3, which nobody accepted
    assert (row["project_code"], row["period"], row["agency_name_th"] != "",
            row["disbursed_thb"], row["budget_thb"]) == ("NE2-67-001", Q2, True, 1250000.0,
                                                         25000000.0)
    assert row["procurement_stage"] == "ลงนามสัญญาแล้ว"


def test_the_csv_files_carry_their_header_names_and_plain_numbers_and_no_formula_runs():
    plan = copy.deepcopy(PLAN)
    plan["issues"][0]["indicators"][0]["name_th"] = "=HYPERLINK(\"http://x\")"
    accepted = open_data.accepted_days([approval(Q2, "TH-34", "accepted")])
    text = open_data.csv_text(open_data.INDICATOR_FIELDS, open_data.indicator_rows(
        plan, [indicator("TH-34", 1250000.0)], accepted, NAMES), sample=True)
    row, cluster = rows_of(text)  # the only province with a value: the cluster's is its own
    assert (row["scope"], cluster["scope"], cluster["value"]) == ("province", "cluster", "1250000")
    assert list(row)[:3] == ["plan_id", "cluster_code", "cluster_name_th"]
    assert row["value"] == "1250000" and row["achievement_pct"] == ""  # no target for TH-34
    assert row["indicator_name_th"].startswith("'=")  # kept from running in a spreadsheet
    assert row["sample"] == "true"


def build_record(**more):
    store = FakeStore([approval(Q2, p, "accepted") for p in PLAN["provinces"]],
                      [indicator(p, 10.0) for p in PLAN["provinces"]], [progress("TH-34")])
    return open_data_cases.build(store, store.plan, CLUSTERS, "https://osm.example.go.th",
                                 open_data_cases.reason_of("accept", period=Q2, province="TH-34"),
                                 datetime(2025, 5, 2, 3, tzinfo=timezone.utc), **more)


def test_the_ckan_package_is_what_package_create_takes():
    record = build_record()
    package = json.loads(record["files"]["package.json"])
    jsonschema.Draft202012Validator(PACKAGE_SCHEMA,
                                    format_checker=jsonschema.FormatChecker()).validate(package)
    assert package["name"] == "northeast-lower-2-2566-2570-open-data"
    assert package["owner_org"] == "northeast-lower-2" and package["title"].startswith("[ข้อมูลตัวอย่าง]")
    assert [r["url"] for r in package["resources"]] == [
        "https://osm.example.go.th/open-data/northeast-lower-2-2566-2570/indicator-results.csv",
        "https://osm.example.go.th/open-data/northeast-lower-2-2566-2570/project-progress.csv"]
    size = len(record["files"]["indicator-results.csv"].encode("utf-8"))
    assert package["resources"][0]["size"] == size
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert extras["generated_because"] == "period FY2568-Q2 of TH-34 accepted"
    for tag in package["tags"]:  # CKAN's own tag_name_validator, as Python runs it
        assert re.match(r"[\w \-.]*$", tag["name"], re.UNICODE)
    bad = {**package, "name": "Open Data ไทย", "tags": [{"name": "ข้อมูลเปิด"}]}
    errors = list(jsonschema.Draft202012Validator(PACKAGE_SCHEMA).iter_errors(bad))
    assert {tuple(e.absolute_path) for e in errors} == {("name",), ("tags", 0, "name")}


def dcat_graph(text):
    return Graph().parse(data=text, format="json-ld")


def test_the_dcat_dataset_parses_as_rdf_and_meets_the_dcat_ap_shapes():
    record = build_record()
    graph = dcat_graph(record["files"]["dcat.jsonld"])
    conforms, _, report = shacl_validate(graph, shacl_graph=SHAPES)
    assert conforms, report
    [dataset] = list(graph.subjects(RDF.type, DCAT.Dataset))
    titles = {t.language: str(t) for t in graph.objects(dataset, DCTERMS.title)}
    assert titles["th"].startswith("แผนพัฒนากลุ่มจังหวัด") and titles["en"]
    downloads = sorted(str(d) for d in graph.objects(None, DCAT.downloadURL))
    assert downloads == sorted(json.loads(record["files"]["package.json"])["resources"][i]["url"]
                               for i in (0, 1))
    assert graph.value(dataset, DCTERMS.issued) == Literal("2025-05-02", datatype=URIRef(
        "http://www.w3.org/2001/XMLSchema#date"))

    for drop in (DCAT.accessURL, DCTERMS.publisher):  # the shapes do refuse what is missing
        broken = dcat_graph(record["files"]["dcat.jsonld"])
        broken.remove((None, drop, None))
        assert not shacl_validate(broken, shacl_graph=SHAPES)[0], drop


def test_a_record_made_again_keeps_when_it_was_first_issued():
    store = FakeStore([approval(Q2, "TH-34", "accepted")], [indicator("TH-34", 10.0)])
    first = open_data_cases.build(store, store.plan, None, "http://127.0.0.1:8000",
                                  open_data_cases.reason_of("published", version=1),
                                  datetime(2025, 1, 1, tzinfo=timezone.utc))
    store.kept = first
    again = open_data_cases.build(store, store.plan, CLUSTERS, "http://127.0.0.1:8000",
                                  open_data_cases.reason_of("refresh"),
                                  datetime(2025, 6, 1, tzinfo=timezone.utc))
    assert again["issued"] == first["issued"] == "2025-01-01T00:00:00.000000+00:00"
    assert not first["names_complete"] and again["names_complete"]
    assert first["digest"] != again["digest"]  # names came: the timer's refresh makes it again
    assert rows_of(first["files"]["indicator-results.csv"])[0]["province_name_th"] == "TH-34"


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_the_switch_takes_true_or_false_only(value):
    class Meta:
        def get_plan(self, plan_id):
            return PLAN

    with pytest.raises(open_data_cases.QueryError, match="true .* false"):
        open_data_cases.set_public(Meta(), PLAN["id"], value)

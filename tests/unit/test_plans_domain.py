"""Plans' pure rules: the reference data (clusters and provinces) and a plan's consistency."""
import copy

import pytest

from services.contracts.plans import iter_indicators

from clusterctl.reference import REFERENCE_EFFECTIVE_FROM, REFERENCE_SOURCE, load_sample_plan
from clusterctl.settings import REPO_ROOT
from services.plans.domain import (PlanError, parse_reference_csv, plan_published_event,
                                   plan_summary, prepare_plan)
from services.plans.lifecycle import same_content

CSV_PATH = REPO_ROOT / "clusterctl" / "data" / "reference" / "provincial-clusters.csv"
HEADER = ("cluster_code,cluster_name_th,cluster_name_en,region,province_code,province_name_th,"
          "province_name_en,membership_confidence")


@pytest.fixture(scope="module")
def reference():
    return parse_reference_csv(CSV_PATH.read_text("utf-8"), REFERENCE_SOURCE, REFERENCE_EFFECTIVE_FROM)


@pytest.fixture
def plan_doc():
    return load_sample_plan()


def csv_text(*rows: str) -> str:
    return "\n".join((HEADER, *rows)) + "\n"


UBON = "northeast-lower-2,กลุ่มจังหวัดภาคตะวันออกเฉียงเหนือตอนล่าง 2,Lower Northeast 2,northeast,TH-34,อุบลราชธานี,Ubon Ratchathani,high"
SISAKET = "northeast-lower-2,กลุ่มจังหวัดภาคตะวันออกเฉียงเหนือตอนล่าง 2,Lower Northeast 2,northeast,TH-33,ศรีสะเกษ,Si Sa Ket,high"


# --- reference data ----------------------------------------------------------------------------

def test_the_reference_file_has_18_clusters_and_76_provinces(reference):
    assert len(reference.clusters) == 18
    codes = [p["code"] for c in reference.clusters for p in c["provinces"]]
    assert len(codes) == 76 and len(set(codes)) == 76
    assert "TH-10" not in codes  # Bangkok belongs to no cluster


def test_lower_northeast_2_is_ubon_sisaket_yasothon_amnat_charoen(reference):
    cluster = reference.cluster("northeast-lower-2")
    assert [p["code"] for p in cluster["provinces"]] == ["TH-34", "TH-33", "TH-35", "TH-37"]
    assert cluster["name_en"] == "Lower Northeast 2" and cluster["region"] == "northeast"
    assert cluster["name_th"] == "กลุ่มจังหวัดภาคตะวันออกเฉียงเหนือตอนล่าง 2"
    assert cluster["provinces"][0]["name_th"] == "อุบลราชธานี"
    assert cluster["provinces"][0]["name_en"] == "Ubon Ratchathani"


def test_a_reference_version_is_named_by_its_date_and_content(reference):
    assert reference.effective_from == "2017-11-17" and reference.source == REFERENCE_SOURCE
    assert reference.version_id.startswith("2017-11-17-")
    text = CSV_PATH.read_text("utf-8")
    again = parse_reference_csv(text, "x", "2017-11-17")
    changed = parse_reference_csv(text.replace("Ubon Ratchathani", "Ubon"), "x", "2017-11-17")
    assert again.version_id == reference.version_id != changed.version_id


def test_an_unknown_cluster_code_is_none(reference):
    assert reference.cluster("atlantis") is None


def test_a_byte_order_mark_is_ignored():
    version = parse_reference_csv("\ufeff" + csv_text(UBON), "excel.csv", "2025-01-01")
    assert version.cluster("northeast-lower-2")["provinces"][0]["code"] == "TH-34"


def test_a_missing_column_is_named():
    text = csv_text(UBON).replace(",membership_confidence", "").replace(",high", "")
    with pytest.raises(PlanError) as error:
        parse_reference_csv(text, "new.csv", "2025-01-01")
    assert str(error.value).startswith("new.csv: missing column(s) membership_confidence")


def test_a_bad_province_code_names_its_line():
    with pytest.raises(PlanError) as error:
        parse_reference_csv(csv_text(UBON, SISAKET.replace("TH-33", "33")), "new.csv", "2025-01-01")
    assert "line 3: province_code '33' is not like TH-34" in str(error.value)


def test_an_empty_cluster_code_names_its_line():
    with pytest.raises(PlanError, match="line 2: cluster_code is empty"):
        parse_reference_csv(csv_text("," + UBON.split(",", 1)[1]), "new.csv", "2025-01-01")


def test_a_province_in_two_clusters_names_both_lines():
    other = SISAKET.replace("TH-33", "TH-34").replace("northeast-lower-2", "northeast-lower-1")
    with pytest.raises(PlanError) as error:
        parse_reference_csv(csv_text(UBON, SISAKET, other), "new.csv", "2025-01-01")
    assert "line 4: province TH-34 is already in a cluster (line 2)" in str(error.value)


def test_every_bad_line_is_reported_at_once():
    with pytest.raises(PlanError) as error:
        parse_reference_csv(csv_text(UBON.replace("TH-34", "X"), SISAKET.replace("TH-33", "Y")),
                            "new.csv", "2025-01-01")
    assert "line 2:" in str(error.value) and "line 3:" in str(error.value)


def test_a_file_without_rows_is_refused():
    with pytest.raises(PlanError, match="no rows"):
        parse_reference_csv(csv_text(), "new.csv", "2025-01-01")


@pytest.mark.parametrize("effective_from", ["17/11/2560", "2560-13-01", ""])
def test_effective_from_must_be_an_iso_date(effective_from):
    with pytest.raises(PlanError, match="is not a date"):
        parse_reference_csv(csv_text(UBON), "new.csv", effective_from)


# --- plans -------------------------------------------------------------------------------------

def test_the_sample_plan_is_valid(reference, plan_doc):
    plan = prepare_plan(plan_doc, reference)
    assert plan["id"] == "northeast-lower-2-2566-2570"
    assert (plan["start_fy"], plan["end_fy"]) == (2566, 2570)
    assert plan["provinces"] == ["TH-34", "TH-33", "TH-35", "TH-37"]
    assert plan["reference_version"] == reference.version_id
    assert [i["number"] for i in plan["issues"]] == [1, 2, 3, 4, 5]
    assert plan["issues"][0]["indicators"][0]["targets"]["FY2567"] == 180000.0
    assert len(plan["projects"]) >= 12 and {"NE2-67-001", "NE2-67-002"} <= {
        p["code"] for p in plan["projects"]}
    assert all(len(issue["indicators"]) >= 2 for issue in plan["issues"])
    provinces_with_projects = {code for p in plan["projects"] for code in p["provinces"]}
    assert provinces_with_projects == {"TH-34", "TH-33", "TH-35", "TH-37"}
    assert all(i["sample"] for _, i in iter_indicators(plan)) and all(p["sample"] for p in plan["projects"])


def test_a_plan_without_provinces_covers_its_whole_cluster(reference, plan_doc):
    del plan_doc["provinces"]
    assert prepare_plan(plan_doc, reference)["provinces"] == ["TH-34", "TH-33", "TH-35", "TH-37"]


def test_a_plan_may_cover_part_of_its_cluster(reference, plan_doc):
    plan_doc["projects"] = [p for p in plan_doc["projects"] if p["code"] == "NE2-67-002"]
    plan_doc["provinces"] = ["TH-34", "TH-37"]
    for _, indicator in iter_indicators(plan_doc):  # its own provinces' targets and baselines
        for key in ("province_targets", "province_baselines"):
            indicator[key] = {p: v for p, v in indicator.get(key, {}).items()
                              if p in plan_doc["provinces"]}
    assert prepare_plan(plan_doc, reference)["provinces"] == ["TH-34", "TH-37"]


def test_preparing_does_not_change_the_input(reference, plan_doc):
    before = copy.deepcopy(plan_doc)
    prepare_plan(plan_doc, reference)
    assert plan_doc == before


def error_of(plan_doc, reference) -> str:
    with pytest.raises(PlanError) as error:
        prepare_plan(plan_doc, reference)
    return str(error.value)


def test_an_unknown_cluster_is_refused_with_the_known_ones(reference, plan_doc):
    plan_doc["cluster"] = "northeast-lower-9"
    message = error_of(plan_doc, reference)
    assert "unknown cluster 'northeast-lower-9'" in message and "northeast-lower-2" in message


def test_a_province_outside_the_cluster_is_refused(reference, plan_doc):
    plan_doc["provinces"] = ["TH-34", "TH-33", "TH-35", "TH-37", "TH-30"]
    message = error_of(plan_doc, reference)
    assert "plan, provinces: TH-30 is not a member of cluster northeast-lower-2" in message


def test_a_target_outside_the_plan_years_is_refused(reference, plan_doc):
    plan_doc["issues"][0]["indicators"][0]["targets"]["FY2571"] = 300000
    message = error_of(plan_doc, reference)
    assert "indicator NE2-1.1, targets: FY2571 is outside the plan's years FY2566-FY2570" in message


@pytest.mark.parametrize("key", ["FY๒๕๖๗", "FY2567 ", "2567", "fy2567"])
def test_a_target_year_must_be_written_like_fy2567(reference, plan_doc, key):
    plan_doc["issues"][0]["indicators"][0]["targets"][key] = 1
    assert "targets" in error_of(plan_doc, reference)


def test_a_project_naming_an_unknown_indicator_is_refused(reference, plan_doc):
    plan_doc["projects"][0]["indicators"] = ["NE2-1.1", "NE2-9.9"]
    assert error_of(plan_doc, reference) == (
        "plan northeast-lower-2-2566-2570: project NE2-67-001, indicators: "
        "indicator NE2-9.9 does not exist")


def test_a_project_under_a_missing_issue_is_refused(reference, plan_doc):
    plan_doc["projects"][0]["issue"] = 9
    assert "project NE2-67-001, issue: development issue 9 does not exist" in error_of(plan_doc, reference)


def test_a_project_in_a_province_outside_the_plan_is_refused(reference, plan_doc):
    plan_doc["provinces"] = ["TH-34", "TH-33"]
    plan_doc["projects"] = plan_doc["projects"][:1]
    message = error_of(plan_doc, reference)
    assert "project NE2-67-001, provinces: TH-35 is not in the plan" in message
    assert "project NE2-67-001, provinces: TH-37 is not in the plan" in message


def test_a_project_outside_the_plan_years_is_refused(reference, plan_doc):
    plan_doc["projects"][0]["fiscal_year"] = 2571
    assert "project NE2-67-001, fiscal_year: FY2571 is outside the plan's years" in error_of(plan_doc, reference)


def test_every_problem_is_named_at_once(reference, plan_doc):
    plan_doc["end_fy"] = 2565
    plan_doc["issues"][1]["indicators"][0]["code"] = "NE2-1.1"
    with pytest.raises(PlanError) as error:
        prepare_plan(plan_doc, reference)
    message = str(error.value)
    assert message.startswith("plan northeast-lower-2-2566-2570: ")
    assert "plan: end_fy 2565 is before start_fy 2566" in message
    assert "indicator NE2-1.1: the code is used twice" in message
    assert ("indicator NE2-1.1", "the code is used twice") in error.value.problems


def test_a_responsible_agency_must_be_one_of_the_plans_agencies(reference, plan_doc):
    plan_doc["issues"][0]["indicators"][0]["responsible_agency"] = "nobody"
    assert ("indicator NE2-1.1, responsible_agency: agency 'nobody' is not in the plan's agencies"
            in error_of(plan_doc, reference))


def test_a_ce_year_is_refused(reference, plan_doc):
    plan_doc["start_fy"] = 2023
    assert "start_fy: must be a B.E. year such as 2567" in error_of(plan_doc, reference)


# --- versions and events -----------------------------------------------------------------------

def test_the_published_event_id_depends_on_plan_and_version_only(reference, plan_doc):
    plan = prepare_plan(plan_doc, reference)
    first = plan_published_event(plan)
    assert first[0] == "plan_published" and first[1]["plan"] == plan
    assert plan_published_event(plan)[1]["event_id"] == first[1]["event_id"]
    assert plan_published_event({**plan, "version": 2})[1]["event_id"] != first[1]["event_id"]


def test_versions_and_content(reference, plan_doc):
    plan = prepare_plan(plan_doc, reference)
    assert same_content(plan, {**plan, "version": 7})
    assert not same_content(plan, {**plan, "title_en": "Another title"})
    assert set(plan_summary(plan)) >= {"id", "cluster", "title_th", "title_en", "start_fy",
                                       "end_fy", "status"}

"""The role/scope rule (DESIGN 3.4, services/contracts/access.py), role by role: the admin sees
everything, an OSM its cluster, a province its own data, an agency its own assets and mail."""
import pytest

from services.contracts import access
from services.contracts.access import (Denied, can_see_plan, rejection_provinces, results_for,
                                       visible_plans)
from services.contracts.access import Who as Principal

ADMIN = Principal("admin", None)
OSM_NE2 = Principal("osm", "northeast-lower-2")
OSM_NE1 = Principal("osm", "northeast-lower-1")
UBON = Principal("province", "TH-34")
KORAT = Principal("province", "TH-30")

CLUSTERS = [
    {"code": "northeast-lower-2", "provinces": [{"code": c} for c in ("TH-34", "TH-33", "TH-35", "TH-37")]},
    {"code": "northeast-lower-1", "provinces": [{"code": c} for c in ("TH-30", "TH-31", "TH-32", "TH-36")]},
]
NE2_PLAN = {"id": "ne2", "cluster": "northeast-lower-2", "provinces": ["TH-34", "TH-33", "TH-35", "TH-37"]}
NE1_PLAN = {"id": "ne1", "cluster": "northeast-lower-1", "provinces": ["TH-30", "TH-31", "TH-32", "TH-36"]}
RESULTS = {"period": "FY2567-Q2", "results": [
    {"indicator": "NE2-1.1", "value": 10.0, "reported": 3, "expected": 4,
     "provinces": {"TH-34": 3.0, "TH-33": 5.0, "TH-35": 2.0}},
    {"indicator": "NE2-2.1", "value": 1.0, "reported": 1, "expected": 4,
     "provinces": {"TH-33": 1.0}},
]}


@pytest.mark.parametrize("principal, plan, visible", [
    (ADMIN, NE2_PLAN, True), (ADMIN, NE1_PLAN, True),
    (OSM_NE2, NE2_PLAN, True), (OSM_NE2, NE1_PLAN, False),
    (UBON, NE2_PLAN, True), (UBON, NE1_PLAN, False), (KORAT, NE1_PLAN, True),
])
def test_who_sees_which_plan(principal, plan, visible):
    assert can_see_plan(principal, plan) is visible


def test_plan_lists_are_filtered():
    assert [p["id"] for p in visible_plans(ADMIN, [NE2_PLAN, NE1_PLAN])] == ["ne2", "ne1"]
    assert [p["id"] for p in visible_plans(OSM_NE1, [NE2_PLAN, NE1_PLAN])] == ["ne1"]
    assert [p["id"] for p in visible_plans(UBON, [NE2_PLAN, NE1_PLAN])] == ["ne2"]


def test_a_province_sees_the_cluster_value_but_only_its_own_figure():
    seen = results_for(UBON, RESULTS)
    assert [r["provinces"] for r in seen["results"]] == [{"TH-34": 3.0}, {}]
    assert [r["value"] for r in seen["results"]] == [10.0, 1.0]
    assert [r["reported"] for r in seen["results"]] == [3, 1]
    assert seen["period"] == "FY2567-Q2"
    assert RESULTS["results"][0]["provinces"] == {"TH-34": 3.0, "TH-33": 5.0, "TH-35": 2.0}


def test_a_province_sees_how_certain_its_own_figure_is_and_the_cluster_values_approval():
    result = {**RESULTS["results"][0], "approval": "partial",
              "certainty": {"TH-34": "approved", "TH-33": "provisional"}}
    [seen] = results_for(UBON, {**RESULTS, "results": [result]})["results"]
    assert seen["certainty"] == {"TH-34": "approved"} and seen["approval"] == "partial"


@pytest.mark.parametrize("principal", [ADMIN, OSM_NE2])
def test_osm_and_admin_see_every_provinces_figure(principal):
    assert results_for(principal, RESULTS) == RESULTS


def test_admin_sees_every_rejection_or_filters_by_province():
    assert rejection_provinces(ADMIN, None, CLUSTERS) is None
    assert rejection_provinces(ADMIN, "TH-99", CLUSTERS) == ["TH-99"]


def test_a_province_sees_its_own_rejections_only():
    assert rejection_provinces(UBON, None, CLUSTERS) == ["TH-34"]
    assert rejection_provinces(UBON, "TH-34", CLUSTERS) == ["TH-34"]
    with pytest.raises(Denied) as error:
        rejection_provinces(UBON, "TH-33", CLUSTERS)
    assert "TH-34" in str(error.value)


def test_an_osm_sees_its_clusters_rejections():
    assert rejection_provinces(OSM_NE2, None, CLUSTERS) == ["TH-34", "TH-33", "TH-35", "TH-37"]
    assert rejection_provinces(OSM_NE2, "TH-35", CLUSTERS) == ["TH-35"]
    with pytest.raises(Denied) as error:
        rejection_provinces(OSM_NE2, "TH-30", CLUSTERS)
    assert "TH-30 is not in cluster northeast-lower-2" in str(error.value)


def test_an_osm_of_a_cluster_not_in_the_reference_data_sees_nothing():
    stray = Principal("osm", "atlantis")
    assert rejection_provinces(stray, None, CLUSTERS) == []
    with pytest.raises(Denied):
        rejection_provinces(stray, "TH-34", CLUSTERS)


UBON_PAO = Principal("agency", "ubon-pao")
TOURISM = Principal("agency", "ubon-tourism")
ROLES = {"admin": ADMIN, "osm": OSM_NE2, "osm_other": OSM_NE1, "province": UBON,
         "province_other": KORAT, "receiving": UBON_PAO, "holding": TOURISM,
         "other_agency": Principal("agency", "yasothon-agriculture")}
DRAFT = {**NE2_PLAN, "status": "draft", "agency_codes": ["ubon-pao"]}
PUBLISHED = {**NE2_PLAN, "status": "published", "agency_codes": ["ubon-pao"]}
ASSET = {"code": "A1", "cluster": "northeast-lower-2", "location": {"province": "TH-34"},
         "custodian": "ubon-tourism", "implementing_agency": "ubon-tourism",
         "transfer": {"to": "ubon-pao"}}
AGENCY_INFO = {"cluster": "northeast-lower-2", "province": "TH-34"}


def allowed(check) -> set[str]:
    return {name for name, who in ROLES.items() if check(who)}


def test_drafts_are_seen_by_their_osm_and_the_admin_only():
    assert allowed(lambda w: can_see_plan(w, DRAFT)) == {"admin", "osm"}


def test_a_published_plan_is_seen_by_its_cluster_its_provinces_and_the_agencies_it_names():
    assert allowed(lambda w: can_see_plan(w, PUBLISHED)) == {"admin", "osm", "province", "receiving"}


def test_only_the_clusters_osm_and_the_admin_change_its_plans():
    assert allowed(lambda w: access.can_change_plan(w, "northeast-lower-2")) == {"admin", "osm"}
    with pytest.raises(Denied, match="osm:northeast-lower-1 may not change plans"):
        access.check_can_change_plan(OSM_NE1, "northeast-lower-2")
    assert allowed(access.can_import_plans) == {"admin", "osm", "osm_other"}
    assert allowed(access.sees_drafts) == {"admin", "osm", "osm_other"}


def test_reporting_views_are_not_for_agencies_and_only_a_province_sends_reports():
    assert allowed(access.reads_reporting) == set(ROLES) - {"receiving", "holding", "other_agency"}
    assert allowed(access.sends_reports) == {"province", "province_other"}


def test_a_province_is_held_to_its_own_province():
    assert access.own_province(UBON, None) == "TH-34"
    assert access.own_province(UBON, "TH-34") == "TH-34"
    with pytest.raises(Denied):
        access.own_province(UBON, "TH-33")
    assert access.own_province(OSM_NE2, "TH-33") == "TH-33"
    assert access.own_province(ADMIN, "") is None
    assert access.province_figures(UBON, {"TH-34": 1, "TH-33": 2}) == {"TH-34": 1}
    assert access.province_figures(OSM_NE2, {"TH-34": 1, "TH-33": 2}) == {"TH-34": 1, "TH-33": 2}


def test_the_agencies_directory_by_role():
    assert access.agency_provinces(ADMIN, CLUSTERS) is None
    assert access.agency_provinces(UBON, CLUSTERS) == ["TH-34"]
    assert access.agency_provinces(OSM_NE2, CLUSTERS) == ["TH-34", "TH-33", "TH-35", "TH-37"]
    access.check_can_change_agency(ADMIN, None, CLUSTERS)
    access.check_can_change_agency(OSM_NE2, "TH-34", CLUSTERS)
    for who, province in ((OSM_NE1, "TH-34"), (UBON, "TH-34"), (UBON_PAO, "TH-34"),
                          (OSM_NE2, None)):
        with pytest.raises(Denied):
            access.check_can_change_agency(who, province, CLUSTERS)


def test_an_agencys_mail_is_seen_by_its_scope_and_changed_by_itself_its_osm_or_the_admin():
    assert allowed(lambda w: access.sees_agency(w, "ubon-pao", AGENCY_INFO)) == {
        "admin", "osm", "province", "receiving"}
    assert allowed(lambda w: access.can_change_agency_mail(w, "ubon-pao", AGENCY_INFO)) == {
        "admin", "osm", "receiving"}


def test_an_asset_is_seen_by_its_cluster_its_province_and_the_agencies_party_to_it():
    assert allowed(lambda w: access.can_see_asset(w, ASSET)) == {
        "admin", "osm", "province", "receiving", "holding"}


def test_an_asset_is_registered_by_its_projects_implementing_agency_its_osm_or_the_admin():
    assert allowed(lambda w: access.can_register_asset(w, "northeast-lower-2", "ubon-tourism")) == {
        "admin", "osm", "holding"}
    assert allowed(lambda w: access.can_register_asset(w, "northeast-lower-2", None)) == {
        "admin", "osm"}


@pytest.mark.parametrize("step, who", [
    ("request", {"admin", "osm", "holding"}), ("approve", {"admin", "osm"}),
    ("hand_over", {"admin", "osm", "holding"}), ("accept", {"receiving"}),
    ("reject", {"receiving"}), ("cancel", {"admin", "osm", "holding"}),
    ("audit", {"admin", "osm", "holding"}), ("dispose", {"admin", "osm", "holding"}),
])
def test_each_asset_step_by_role(step, who):
    assert allowed(lambda w: access.may_step_asset(w, step, ASSET)) == who
    assert access.who_may_step_asset(step, ASSET)


def test_no_one_accepts_a_transfer_that_names_no_receiver():
    idle = {**ASSET, "transfer": None}
    assert allowed(lambda w: access.may_step_asset(w, "accept", idle)) == set()
    with pytest.raises(ValueError, match="unknown asset step"):
        access.may_step_asset(ADMIN, "steal", ASSET)


@pytest.mark.parametrize("role, scope, problem", [
    ("admin", None, None), ("osm", "northeast-lower-2", None), ("province", "TH-30", None),
    ("agency", "any-agency", None), ("root", None, "role must be one of"),
    ("osm", "", "needs a scope (its cluster code)"), ("province", 34, "needs a scope"),
    ("osm", "atlantis", "unknown cluster 'atlantis'"), ("province", "TH-99", "unknown province"),
])
def test_what_is_wrong_with_a_keys_role_and_scope(role, scope, problem):
    found = access.scope_problem(role, scope, CLUSTERS)
    assert (found is None) if problem is None else (problem in found)


def test_a_document_file_is_attached_by_who_may_take_a_step_now_or_register():
    in_custody = {**ASSET, "transfer": None, "next_steps": ["request", "dispose", "audit"]}
    assert allowed(lambda w: access.may_attach_asset_document(w, in_custody)) == {
        "admin", "osm", "holding"}
    assert allowed(lambda w: access.may_attach_asset_document(w, {**in_custody, "next_steps": []})) == set()
    # a code not registered yet: any role that registers assets (a province registers none)
    assert allowed(lambda w: access.may_attach_asset_document(w, None)) == {
        "admin", "osm", "osm_other", "receiving", "holding", "other_agency"}

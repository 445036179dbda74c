"""People's roles (step 14) in the one access rule: what each duty may see and do, and the menu
it gets - role by role."""
from __future__ import annotations

import pytest

from services.contracts import access
from services.gateway import dashboard
from services.gateway.accounts import domain

CLUSTER, OTHER = "northeast-lower-2", "north-upper-1"
PLAN = {"cluster": CLUSTER, "status": "published", "provinces": ["TH-34", "TH-35"],
        "agency_codes": ["ubon-pao"]}
DRAFT = {**PLAN, "status": "draft"}
ASSET = {"cluster": CLUSTER, "custodian": "ubon-pao", "location": {"province": "TH-34"},
         "transfer": {"to": "yasothon-pao"}, "implementing_agency": "ubon-pao", "code": "A-1"}
ORGS = {"admin": None, "national_viewer": None, "osm_analyst": CLUSTER, "osm_director": CLUSTER,
        "auditor": CLUSTER, "province_planner": "TH-34", "province_approver": "TH-34",
        "agency_officer": "ubon-pao"}


def person(duty, organisation="default"):
    org = ORGS[duty] if organisation == "default" else organisation
    return domain.who_of({"username": duty.replace("_", "."), "name": "ทดสอบ", "duty": duty,
                          "organisation": org})


# duty -> (sees the plan, sees the draft, may change the plan, may publish, sends reports,
#          sends project reports, manages users, reads the audit log, sees the asset)
MATRIX = {
    "admin":             (1, 1, 1, 1, 0, 0, 1, 1, 1),
    "osm_director":      (1, 1, 1, 1, 0, 0, 1, 1, 1),
    "osm_analyst":       (1, 1, 1, 0, 0, 0, 0, 1, 1),
    "auditor":           (1, 1, 0, 0, 0, 0, 0, 1, 1),
    "national_viewer":   (1, 1, 0, 0, 0, 0, 0, 1, 1),
    "province_planner":  (1, 0, 0, 0, 1, 1, 0, 0, 1),
    "province_approver": (1, 0, 0, 0, 0, 0, 0, 0, 1),
    "agency_officer":    (1, 0, 0, 0, 0, 1, 0, 0, 1),
}


@pytest.mark.parametrize("duty", sorted(MATRIX))
def test_each_duty_may_see_and_do_what_the_matrix_says(duty):
    who = person(duty)
    got = (access.can_see_plan(who, PLAN), access.can_see_plan(who, DRAFT) and access.sees_drafts(who),
           access.can_change_plan(who, CLUSTER), access.can_publish_plan(who, CLUSTER),
           access.sends_reports(who), access.sends_project_reports(who),
           access.may_manage_users(who), access.reads_audit(who), access.can_see_asset(who, ASSET))
    assert tuple(map(int, got)) == MATRIX[duty]


@pytest.mark.parametrize("duty", ["osm_analyst", "osm_director", "auditor"])
def test_a_clusters_people_see_nothing_of_another_cluster(duty):
    who = person(duty, OTHER)
    assert not access.can_see_plan(who, PLAN) and not access.can_see_asset(who, ASSET)
    assert not access.reads_cluster(who, CLUSTER)


def test_readers_write_nothing_but_the_auditor_audits_its_clusters_assets():
    for duty in ("auditor", "national_viewer"):
        who = person(duty)
        assert not any(access.may_step_asset(who, step, ASSET)
                       for step in access.ASSET_STEPS if step != "audit")
        assert not access.can_register_asset(who, CLUSTER, "ubon-pao")
    assert access.may_step_asset(person("auditor"), "audit", ASSET)
    assert not access.may_step_asset(person("national_viewer"), "audit", ASSET)


def test_api_keys_keep_every_power_of_their_role():
    assert access.can_publish_plan(access.Who("osm", CLUSTER), CLUSTER)
    assert access.sends_reports(access.Who("province", "TH-34"))
    assert str(access.Who("osm", CLUSTER)) == f"osm:{CLUSTER}"  # signed as before


def test_an_osm_director_manages_its_own_clusters_people_only():
    director = person("osm_director")
    cluster_of = {"TH-34": CLUSTER, "ubon-pao": CLUSTER, "TH-50": OTHER}
    mine = [{"duty": "province_planner", "organisation": "TH-34"},
            {"duty": "agency_officer", "organisation": "ubon-pao"},
            {"duty": "auditor", "organisation": CLUSTER}]
    not_mine = [{"duty": "province_planner", "organisation": "TH-50"},
                {"duty": "admin", "organisation": None},
                {"duty": "national_viewer", "organisation": None},
                {"duty": "osm_analyst", "organisation": OTHER}]
    assert all(domain.manages(director, u, cluster_of) for u in mine)
    assert not any(domain.manages(director, u, cluster_of) for u in not_mine)
    assert not domain.manages(person("osm_analyst"), mine[0], cluster_of)
    assert all(domain.manages(person("admin"), u, cluster_of) for u in mine + not_mine)


@pytest.mark.parametrize("duty", sorted(MATRIX))
def test_each_duty_gets_a_menu_of_the_pages_it_may_open(duty):
    nav = dashboard.nav_for(person(duty))
    assert "account" in nav
    assert ("report" in nav) == ("report_entry" in nav) == (duty == "province_planner")
    assert ("my_reports" in nav) == duty.startswith("province_")
    assert ("project_report" in nav) == (duty in ("province_planner", "agency_officer"))
    assert ("users" in nav) == (duty in ("admin", "osm_director"))
    assert ("settings" in nav) == (duty == "admin")
    assert ("audit" in nav) == (duty in ("admin", "osm_analyst", "osm_director", "auditor",
                                         "national_viewer"))
    # the menu is the page rule: every entry opens, and every page that opens is an entry
    pages = set(dashboard.PAGES) if duty != "agency_officer" else set(dashboard.AGENCY_NAV)
    assert {p for p in pages if dashboard.may_open(person(duty), p)} == set(nav) - {"account"}
    if duty == "agency_officer":
        assert set(nav) == set(dashboard.AGENCY_NAV) | {"account"}


def test_input_rules_for_people_say_what_to_correct_in_both_languages():
    for bad in ("ab", "มานี", "-dash", "a" * 65):
        with pytest.raises(domain.AccountError):
            domain.check_username(bad)
    assert domain.check_username("  Somchai.J ") == "somchai.j"
    for bad in ("short", "somchai-password", "aaaaaaaaaaaa"):
        with pytest.raises(domain.AccountError) as refused:
            domain.check_password(bad, "somchai")
        assert refused.value.th and refused.value.en
    with pytest.raises(domain.AccountError):
        domain.check_duty("province_planner", "TH-99", {"province": {"TH-34"}})
    assert domain.check_duty("national_viewer", "ignored", {}) is None

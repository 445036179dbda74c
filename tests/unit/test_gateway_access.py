"""Who sees what (DESIGN 3.4): OSM its cluster, a province its own data, the admin everything."""
import pytest

from services.gateway.access import (can_see_plan, rejection_provinces, results_for,
                                     visible_plans)
from services.gateway.auth import AuthError, Principal

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


@pytest.mark.parametrize("principal", [ADMIN, OSM_NE2])
def test_osm_and_admin_see_every_provinces_figure(principal):
    assert results_for(principal, RESULTS) == RESULTS


def test_admin_sees_every_rejection_or_filters_by_province():
    assert rejection_provinces(ADMIN, None, CLUSTERS) is None
    assert rejection_provinces(ADMIN, "TH-99", CLUSTERS) == ["TH-99"]


def test_a_province_sees_its_own_rejections_only():
    assert rejection_provinces(UBON, None, CLUSTERS) == ["TH-34"]
    assert rejection_provinces(UBON, "TH-34", CLUSTERS) == ["TH-34"]
    with pytest.raises(AuthError) as error:
        rejection_provinces(UBON, "TH-33", CLUSTERS)
    assert error.value.status == 403 and error.value.code == "forbidden"
    assert "TH-34" in error.value.message


def test_an_osm_sees_its_clusters_rejections():
    assert rejection_provinces(OSM_NE2, None, CLUSTERS) == ["TH-34", "TH-33", "TH-35", "TH-37"]
    assert rejection_provinces(OSM_NE2, "TH-35", CLUSTERS) == ["TH-35"]
    with pytest.raises(AuthError) as error:
        rejection_provinces(OSM_NE2, "TH-30", CLUSTERS)
    assert error.value.status == 403 and "TH-30 is not in cluster northeast-lower-2" in error.value.message


def test_an_osm_of_a_cluster_not_in_the_reference_data_sees_nothing():
    stray = Principal("osm", "atlantis")
    assert rejection_provinces(stray, None, CLUSTERS) == []
    with pytest.raises(AuthError):
        rejection_provinces(stray, "TH-34", CLUSTERS)

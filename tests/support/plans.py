"""The reference data and the sample plan as the tests need them (pure, no services)."""
import csv
from datetime import datetime, timezone

from clusterctl.reference import load_national, load_sample_plan
from clusterctl.settings import REPO_ROOT
from services.plans import lifecycle
from services.plans.domain import ReferenceVersion, parse_reference_csv
from services.plans.links import LinkCheck, link_check


def sample_reference() -> ReferenceVersion:
    text = (REPO_ROOT / "clusterctl" / "data" / "reference" / "provincial-clusters.csv").read_text("utf-8")
    return parse_reference_csv(text, "reference", "2017-11-17")


def sample_links(day: str = "2024-03-01") -> LinkCheck:
    """The shipped national hierarchy, as the plans service checks links against it."""
    return link_check(load_national(), day)


def published_sample_plan() -> dict:
    """The seeded plan as reporting receives it: created, then published (its national links
    checked against the shipped hierarchy, so it carries their entries as make run's does)."""
    draft = lifecycle.create(load_sample_plan(), sample_reference(), sample_links())
    plan, _ = lifecycle.publish(draft, "test", "test", datetime.now(timezone.utc), sample_links())
    return plan


def clusters() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    path = REPO_ROOT / "clusterctl" / "data" / "reference" / "provincial-clusters.csv"
    for row in csv.DictReader(path.open(encoding="utf-8")):
        found.setdefault(row["cluster_code"], []).append(row["province_code"])
    return found


def cluster_plan(sample: dict, cluster: str, provinces: list[str]) -> dict:
    """A plan for ``cluster`` shaped like the sample: its five issues and twelve indicators
    (renamed, every province reporting each), one project of FY2567 in every province, an OSM
    and one provincial office responsible for everything (the 18-cluster burst of tests/reliability and the bench)."""
    office = {"code": f"{cluster}-office", "name_th": "สำนักงานจังหวัด (ทดสอบ)",
              "name_en": "Provincial office (test)", "province": provinces[0],
              "kind": "provincial_office", "emails": [f"office@{cluster}.example"],
              "roles": ["responsible", "implementing"], "language": "th"}
    osm = {**office, "code": f"osm-{cluster}", "name_th": "สำนักงานบริหารยุทธศาสตร์กลุ่มจังหวัด",
           "name_en": "Office of Strategy Management", "kind": "osm",
           "emails": [f"osm@{cluster}.example"], "roles": ["osm"]}
    issues = []
    for issue in sample["issues"]:
        indicators = []
        for source in issue["indicators"]:
            # the sample's per-province targets and baselines name its own provinces
            indicator = {k: v for k, v in source.items()
                         if k not in ("provinces", "weight", "province_targets",
                                      "province_baselines")}
            indicator.update(code=source["code"].replace("NE2", cluster),
                             responsible_agency=office["code"],
                             data_source={**source["data_source"], "agency": office["code"]})
            indicators.append(indicator)
        issues.append({**issue, "indicators": indicators})
    project = {**sample["projects"][0], "code": f"{cluster}-67-001", "provinces": provinces,
               "implementing_agency": office["code"],
               "indicators": [issues[0]["indicators"][0]["code"]], "issue": issues[0]["number"]}
    return {**{k: sample[k] for k in ("title_th", "title_en", "start_fy", "end_fy",
                                      "vision_th", "vision_en")},
            "id": f"{cluster}-2566-2570", "cluster": cluster, "provinces": provinces,
            "issues": issues, "projects": [project], "agencies": [osm, office]}


def without_links(plan: dict) -> dict:
    """``plan`` (changed in place) with no national links anywhere, for a test to set its own."""
    for issue in plan["issues"]:
        issue["national_links"] = []
        for indicator in issue["indicators"]:
            indicator["national_links"] = []
    for project in plan["projects"]:
        project["national_links"] = []
    return plan

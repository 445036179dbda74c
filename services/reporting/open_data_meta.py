"""Open data's metadata (docs/open-data.md): the CKAN package (the dict ``package_create``
takes, https://docs.ckan.org/en/2.10/api/index.html#ckan.logic.action.create.package_create)
and the DCAT-AP dataset as JSON-LD (https://semiceu.github.io/DCAT-AP/releases/3.0.0/). Pure.

The government's open-data portal (data.go.th) runs CKAN with the Government Data Catalog
extension (ckanext-thai_gdc, a ckanext-scheming schema); its extra dataset fields are given at
the top level, where that schema reads them and plain CKAN ignores them. Its required
``maintainer_email`` is left for the officer who imports the package: no address ever leaves
the system in open data.
"""
from __future__ import annotations

import hashlib
import json

from services.contracts.periods import fiscal_year_bounds

from .open_data import INDICATOR_FIELDS, INDICATOR_FILE, PROJECT_FIELDS, PROJECT_FILE, fields_of

LICENSE_ID = "cc-by"  # CKAN's default licence list: Creative Commons Attribution
LICENSE_URL = "http://creativecommons.org/licenses/by/4.0/"
CSV_FORMAT = "http://publications.europa.eu/resource/authority/file-type/CSV"
CSV_MEDIA_TYPE = "https://www.iana.org/assignments/media-types/text/csv"
LANGUAGES = ("http://publications.europa.eu/resource/authority/language/THA",
             "http://publications.europa.eu/resource/authority/language/ENG")
# CKAN's tag validator takes word characters, spaces, '-', '_' and '.' only (Python's \w, which
# leaves out Thai vowel and tone marks): the tags are in English, Thai keywords are in DCAT
TAGS = ("open-data", "provincial-cluster", "development-plan", "indicators", "project-progress",
        "thailand")
KEYWORDS_TH = ("ข้อมูลเปิด", "กลุ่มจังหวัด", "แผนพัฒนากลุ่มจังหวัด", "ตัวชี้วัด", "ความก้าวหน้าโครงการ")
CONTEXT = {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
           "foaf": "http://xmlns.com/foaf/0.1/", "vcard": "http://www.w3.org/2006/vcard/ns#",
           "xsd": "http://www.w3.org/2001/XMLSchema#"}
RESOURCES = {  # file: (fields, Thai name, English name)
    INDICATOR_FILE: (INDICATOR_FIELDS, "ผลการดำเนินงานตามตัวชี้วัด (ค่าที่รับรองแล้ว)",
                     "Indicator results (certified figures)"),
    PROJECT_FILE: (PROJECT_FIELDS, "ความก้าวหน้าโครงการ (ค่าที่รับรองแล้ว)",
                   "Project progress (certified figures)"),
}


def urls(public_url: str, plan_id: str) -> dict:
    """Where each part is served without a key once the admin turns open data on."""
    base = f"{public_url.rstrip('/')}/open-data/{plan_id}"
    return {"package": f"{base}/package.json", "dcat": f"{base}/dcat.jsonld",
            INDICATOR_FILE: f"{base}/{INDICATOR_FILE}.csv",
            PROJECT_FILE: f"{base}/{PROJECT_FILE}.csv",
            "page": f"{public_url.rstrip('/')}/public/plans/{plan_id}", "dataset": f"{base}#dataset"}


def osm_name(plan: dict, cluster_th: str, cluster_en: str) -> tuple[str, str]:
    """The publisher: the cluster's Office of Strategy Management (an office, never a person)."""
    office = next((a for a in plan.get("agencies") or [] if a.get("kind") == "osm"), None)
    if office:
        return office["name_th"], office["name_en"]
    cluster_th = cluster_th if cluster_th.startswith("กลุ่มจังหวัด") else f"กลุ่มจังหวัด{cluster_th}"
    return (f"สำนักงานบริหารยุทธศาสตร์{cluster_th}",
            f"Office of Strategy Management, {cluster_en}")


def describe(plan: dict, sample: bool) -> tuple[str, str]:
    th = (f"ผลการดำเนินงานตาม{plan['title_th']} ปีงบประมาณ พ.ศ. {plan['start_fy']}-{plan['end_fy']}: "
          "ค่าตัวชี้วัดรายจังหวัดและของกลุ่มจังหวัด และความก้าวหน้าโครงการ เฉพาะข้อมูลที่สำนักงาน"
          "บริหารยุทธศาสตร์กลุ่มจังหวัดรับรองแล้ว ไม่รวมข้อมูลที่จังหวัดระบุว่าใช้ภายใน "
          "ค่าของกลุ่มจังหวัดแสดงเมื่อทุกจังหวัดที่มีค่าได้รับการรับรองแล้วเท่านั้น")
    en = (f"Results of the {plan['title_en']}, fiscal years B.E. {plan['start_fy']}-"
          f"{plan['end_fy']}: each province's and the cluster's indicator values and project "
          "progress - only figures the cluster's Office of Strategy Management certified, never "
          "a report a province marked internal; a cluster value only when every province in it "
          "is certified.")
    if sample:
        th, en = (f"ข้อมูลตัวอย่าง ไม่ใช่ข้อมูลจริง - {th}", f"Sample data, not real figures - {en}")
    return th, en


def resource_size(text: str) -> tuple[int, str]:
    data = text.encode("utf-8")
    return len(data), hashlib.sha256(data).hexdigest()


def ckan_package(plan: dict, files: dict[str, str], names: tuple, where: dict, generated_at: str,
                 reason: str, sample: bool) -> dict:
    """The package_create dict. ``names``: (cluster_th, cluster_en); ``files``: CSV texts."""
    cluster_th, cluster_en = names
    notes_th, notes_en = describe(plan, sample)
    office_th, _ = osm_name(plan, cluster_th, cluster_en)
    resources = []
    for file, (fields, name_th, name_en) in RESOURCES.items():
        size, digest = resource_size(files[file])
        resources.append({
            "name": f"{name_th} / {name_en}", "url": where[file], "format": "CSV",
            "mimetype": "text/csv", "description": f"{name_th}\n\n{name_en}", "size": size,
            "hash": f"sha256:{digest}", "last_modified": generated_at[:19],
            # a Frictionless Table Schema (ckanext-validation reads a resource's "schema")
            "schema": {"fields": [{"name": n, "title": th, "description": en}
                                  for n, th, en in fields_of(fields, sample)]}})
    return {
        "name": f"{plan['id']}-open-data",
        "title": f"{'[ข้อมูลตัวอย่าง] ' if sample else ''}{plan['title_th']}: ผลการดำเนินงานตาม"
                 "ตัวชี้วัดและความก้าวหน้าโครงการ",
        "notes": f"{notes_th}\n\n{notes_en}",
        "owner_org": plan["cluster"], "license_id": LICENSE_ID, "private": False,
        "maintainer": office_th, "url": where["page"], "version": str(plan.get("version", 1)),
        "tags": [{"name": tag} for tag in TAGS],
        "extras": [{"key": key, "value": str(value)} for key, value in (
            ("plan_id", plan["id"]), ("plan_version", plan.get("version", 1)),
            ("cluster", plan["cluster"]), ("cluster_name_en", cluster_en),
            ("fiscal_years_be", f"{plan['start_fy']}-{plan['end_fy']}"),
            ("national_version", plan.get("national_version") or ""),
            ("generated_at", generated_at), ("generated_because", reason),
            ("certified_only", "true"), ("sample", str(sample).lower()),
            ("dcat_jsonld", where["dcat"]))],
        "resources": resources,
        # ckanext-thai_gdc's dataset fields (data.go.th), Thai values from its schema's choices
        "data_type": "ข้อมูลสถิติ", "objective": ["แผนระดับที่ 3 (มติครม. 4 ธ.ค. 2560)"],
        "update_frequency_unit": "ไตรมาส", "update_frequency_interval": "1",
        "geo_coverage": "จังหวัด", "data_source": office_th, "data_format": ["CSV"],
        "data_category": "ข้อมูลสาธารณะ", "data_language": ["ไทย", "อังกฤษ"],
        "last_updated_date": generated_at[:10],
    }


def _text(th: str, en: str) -> list[dict]:
    return [{"@value": th, "@language": "th"}, {"@value": en, "@language": "en"}]


def _date(day: str) -> dict:
    return {"@value": day, "@type": "xsd:date"}


def dcat_dataset(plan: dict, files: dict[str, str], names: tuple, where: dict, issued: str,
                 generated_at: str, sample: bool) -> dict:
    """The DCAT-AP Dataset with its publisher and two CSV distributions, as JSON-LD."""
    cluster_th, cluster_en = names
    office_th, office_en = osm_name(plan, cluster_th, cluster_en)
    notes_th, notes_en = describe(plan, sample)
    start, _ = fiscal_year_bounds(plan["start_fy"])
    _, end = fiscal_year_bounds(plan["end_fy"])
    publisher = {"@id": f"{where['page']}#publisher", "@type": "foaf:Agent",
                 "foaf:name": _text(office_th, office_en)}
    distributions = []
    for file, (_, name_th, name_en) in RESOURCES.items():
        size, _ = resource_size(files[file])
        distributions.append({
            "@id": f"{where[file]}#distribution", "@type": "dcat:Distribution",
            "dct:title": _text(name_th, name_en),
            "dcat:accessURL": {"@id": where[file]}, "dcat:downloadURL": {"@id": where[file]},
            "dct:format": {"@id": CSV_FORMAT}, "dcat:mediaType": {"@id": CSV_MEDIA_TYPE},
            "dct:license": {"@id": LICENSE_URL},
            "dcat:byteSize": {"@value": str(size), "@type": "xsd:nonNegativeInteger"},
            "dct:modified": _date(generated_at[:10])})
    return {
        "@context": CONTEXT, "@id": where["dataset"], "@type": "dcat:Dataset",
        "dct:identifier": f"{plan['id']}-open-data",
        "dct:title": _text(plan["title_th"], plan["title_en"]),
        "dct:description": _text(notes_th, notes_en),
        "dct:publisher": publisher,
        "dcat:contactPoint": {"@id": f"{where['page']}#contact", "@type": "vcard:Organization",
                              "vcard:fn": office_th, "vcard:hasURL": {"@id": where["page"]}},
        "dcat:keyword": [{"@value": k, "@language": "th"} for k in KEYWORDS_TH]
                        + [{"@value": k, "@language": "en"} for k in TAGS],
        "dct:language": [{"@id": language} for language in LANGUAGES],
        "dcat:landingPage": {"@id": where["page"]},
        "dct:temporal": {"@type": "dct:PeriodOfTime", "dcat:startDate": _date(start.isoformat()),
                         "dcat:endDate": _date(end.isoformat())},
        "dct:issued": _date(issued[:10]), "dct:modified": _date(generated_at[:10]),
        "dcat:distribution": distributions,
    }


def as_json(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False)

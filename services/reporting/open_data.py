"""Open data (issue 26 point 5; docs/open-data.md): a published plan's certified figures as the
rows of its two CSV resources and of its public page. Pure, like domain.py: given the plan, the
reports in force, the approvals and the names, it says what may be published.

What is published - and nothing else:
- a province's value only when its approval for the period (or a period holding it) is
  ``accepted`` - certified by the cluster's OSM (docs/approvals.md) - and its report in force is
  not marked ``"internal": true``;
- a cluster value only when every province with a value in force for that indicator and period
  is published by the rule above: it is then the value the cluster itself shows. Otherwise the
  cluster row is **left out**, never recomputed from fewer provinces (a sum over three of four
  provinces would be a figure nobody certified);
- project progress of a province only when the period its ``as_of`` lies in is accepted and
  the report is not internal; never its problems, solutions, who reported it or any address.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime

from services.contracts import approvals as rule
from services.contracts.periods import fiscal_quarter_of, parse_period, thai_date
from services.contracts.plans import iter_indicators
from services.contracts.reports import PROCUREMENT_STAGE_TH
from services.contracts.targets import province_target
from services.infra.spreadsheet import csv_cell

from . import certainty, domain

INDICATOR_FILE, PROJECT_FILE = "indicator-results", "project-progress"
CLUSTER_TH, CLUSTER_EN = "ทั้งกลุ่มจังหวัด", "whole cluster"

# (field, Thai title, English description): the CSV header is the field (ASCII: CKAN's datastore
# and every spreadsheet take it as a column name); the titles go to the resource's Table Schema
INDICATOR_FIELDS = (
    ("plan_id", "รหัสแผน", "the plan's id"),
    ("cluster_code", "รหัสกลุ่มจังหวัด", "the provincial cluster's code"),
    ("cluster_name_th", "กลุ่มจังหวัด", "the cluster's name in Thai"),
    ("issue_number", "ประเด็นการพัฒนาที่", "the development issue's number"),
    ("issue_title_th", "ประเด็นการพัฒนา", "the development issue in Thai"),
    ("indicator_code", "รหัสตัวชี้วัด", "the indicator's code"),
    ("indicator_name_th", "ชื่อตัวชี้วัด", "the indicator's name in Thai"),
    ("indicator_name_en", "ชื่อตัวชี้วัด (อังกฤษ)", "the indicator's name in English"),
    ("unit", "หน่วยนับ", "the unit of the value"),
    ("scope", "ระดับ", "province (one province's value) or cluster (the whole cluster's)"),
    ("province_code", "รหัสจังหวัด", "ISO 3166-2 code; empty on a cluster row"),
    ("province_name_th", "จังหวัด", "the province in Thai (the cluster on a cluster row)"),
    ("province_name_en", "จังหวัด (อังกฤษ)", "the province in English"),
    ("fiscal_year_be", "ปีงบประมาณ (พ.ศ.)", "the Thai fiscal year, B.E. (2568 = Oct 2024 - "
                                              "Sep 2025)"),
    ("period", "รหัสงวด", "FY2568 (year), FY2568-Q2 (quarter) or 2025-01 (month, C.E.)"),
    ("period_th", "งวด", "the period in Thai words"),
    ("value", "ค่าที่รายงาน", "the certified value"),
    ("target", "ค่าเป้าหมาย", "the target it is judged against (empty: none set)"),
    ("achievement_pct", "ร้อยละของเป้าหมาย", "value / target x 100 (target / value for a "
                                              "decreasing indicator)"),
    ("provinces_reported", "จำนวนจังหวัดที่รายงาน", "cluster rows: provinces in the value"),
    ("provinces_expected", "จำนวนจังหวัดที่ต้องรายงาน", "cluster rows: provinces that report it"),
    ("certified_on", "วันที่รับรองข้อมูล", "the day (Bangkok, C.E., ISO 8601) the cluster's "
                                            "OSM accepted the figures"),
    ("certified_on_th", "วันที่รับรองข้อมูล (พ.ศ.)", "the same day in Thai, B.E."),
)
PROJECT_FIELDS = (
    ("plan_id", "รหัสแผน", "the plan's id"),
    ("cluster_code", "รหัสกลุ่มจังหวัด", "the provincial cluster's code"),
    ("project_code", "รหัสโครงการ", "the project's code"),
    ("project_title_th", "ชื่อโครงการ", "the project in Thai"),
    ("project_title_en", "ชื่อโครงการ (อังกฤษ)", "the project in English"),
    ("issue_number", "ประเด็นการพัฒนาที่", "the development issue it serves"),
    ("agency_code", "รหัสหน่วยงานดำเนินการ", "the implementing agency's code"),
    ("agency_name_th", "หน่วยงานดำเนินการ", "the implementing agency in Thai"),
    ("agency_name_en", "หน่วยงานดำเนินการ (อังกฤษ)", "the implementing agency in English"),
    ("province_code", "รหัสจังหวัด", "ISO 3166-2 code of the reporting province"),
    ("province_name_th", "จังหวัด", "the province in Thai"),
    ("fiscal_year_be", "ปีงบประมาณของโครงการ (พ.ศ.)", "the project's fiscal year, B.E."),
    ("period", "รหัสงวด", "the fiscal quarter the progress is as of (FY2568-Q2)"),
    ("period_th", "งวด", "the quarter in Thai words"),
    ("as_of", "ข้อมูล ณ วันที่", "the day the progress is as of (C.E., ISO 8601)"),
    ("physical_progress_pct", "ความก้าวหน้าทางกายภาพ (ร้อยละ)", "physical progress, %"),
    ("disbursed_thb", "เบิกจ่ายแล้ว (บาท)", "money disbursed, THB"),
    ("budget_thb", "งบประมาณ (บาท)", "the project's budget, THB"),
    ("procurement_stage", "ขั้นตอนการจัดซื้อจัดจ้าง", "the procurement stage, in Thai"),
    ("certified_on", "วันที่รับรองข้อมูล", "the day (Bangkok, C.E.) the OSM accepted the period"),
)
SAMPLE_FIELD = ("sample", "ข้อมูลตัวอย่าง", "true: sample data made to show the system, "
                                            "not real figures")


def is_internal(body: dict) -> bool:
    """A province marked the report internal: it never leaves the system."""
    return bool(body.get("internal"))  # fail closed: any mark at all keeps it in


def accepted_days(approvals: list[dict]) -> dict[tuple[str, str], date]:
    """{(period, province): the Bangkok day it was accepted} of the approvals now accepted
    (``approvals``: the current step of each, store.approvals)."""
    return {(a["period"], a["province"]): _bangkok_day(a["at"])
            for a in approvals if a["state"] == rule.ACCEPTED}


def _bangkok_day(at: str) -> date:
    return datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(domain.BANGKOK).date()


def certified_on(accepted: dict[tuple[str, str], date], period: str, province: str,
                 day: str | None = None) -> date | None:
    """The day a province's figure of ``period`` (a project's: ``as_of`` ``day``) was certified:
    the earliest acceptance of that period or of one holding it; None when none is accepted."""
    found = {key: rule.ACCEPTED for key in accepted}
    state = (certainty.state_on_day(found, day, province) if day
             else certainty.state_of(found, period, province))
    if state != rule.ACCEPTED:
        return None
    holds = (lambda held: rule.holds_day(held, date.fromisoformat(day[:10]))) if day else \
        (lambda held: rule.contains(held, period))
    return min(d for (held, p), d in accepted.items() if p == province and holds(held))


def names_of(clusters: list[dict] | None) -> dict:
    """{"clusters": {code: (th, en)}, "provinces": {code: (th, en)}} from plans' list_clusters
    (None or empty when plans did not answer: codes stand in for names until the next run)."""
    found = {"clusters": {}, "provinces": {}}
    for cluster in clusters or []:
        found["clusters"][cluster["code"]] = (cluster.get("name_th"), cluster.get("name_en"))
        for province in cluster.get("provinces") or []:
            found["provinces"][province["code"]] = (province.get("name_th"),
                                                    province.get("name_en"))
    return found


def name_of(names: dict, kind: str, code: str) -> tuple[str, str]:
    th, en = names.get(kind, {}).get(code) or (None, None)
    return th or code, en or th or code


def indicator_rows(plan: dict, in_force: list[dict], accepted: dict, names: dict) -> list[dict]:
    """The indicator results that may be published (the rule at the top), province rows then
    the cluster row of each indicator and period. ``in_force``: the indicator reports in force
    ({subject, period, province, body})."""
    by_key: dict[tuple[str, str], list[dict]] = {}
    for report in in_force:
        if report["body"].get("value") is not None:  # a retraction: no value in force
            by_key.setdefault((report["subject"], report["period"]), []).append(report)
    cluster_th, cluster_en = name_of(names, "clusters", plan["cluster"])
    rows = []
    for issue, indicator in iter_indicators(plan):
        periods = sorted((p for (code, p) in by_key if code == indicator["code"]),
                         key=lambda p: (parse_period(p).start, parse_period(p).end))
        for period in periods:
            reports = sorted(by_key[indicator["code"], period], key=lambda r: r["province"])
            found = parse_period(period)
            common = {"plan_id": plan["id"], "cluster_code": plan["cluster"],
                      "cluster_name_th": cluster_th, "issue_number": issue["number"],
                      "issue_title_th": issue["title_th"], "indicator_code": indicator["code"],
                      "indicator_name_th": indicator["name_th"],
                      "indicator_name_en": indicator["name_en"], "unit": indicator["unit"],
                      "fiscal_year_be": found.fiscal_year, "period": period,
                      "period_th": found.label_th, "period_en": found.label_en}
            published = []
            for report in reports:
                day = certified_on(accepted, period, report["province"])
                if day is None or is_internal(report["body"]):
                    continue
                value = report["body"]["value"]
                target = province_target(indicator, report["province"], period)
                th, en = name_of(names, "provinces", report["province"])
                published.append(day)
                rows.append({**common, "scope": "province", "province_code": report["province"],
                             "province_name_th": th, "province_name_en": en, "value": value,
                             "target": target, "achievement_pct": domain.achievement_pct(
                                 value, target, indicator["direction"]),
                             "provinces_reported": None, "provinces_expected": None,
                             "certified_on": day.isoformat(), "certified_on_th": thai_date(day)})
            if not published or len(published) != len(reports):
                continue  # the cluster value holds a figure not published: left out
            view = domain.indicator_view(plan, indicator, {
                r["province"]: r["body"]["value"] for r in reports})
            target, _ = domain.period_target(indicator, period)
            day = max(published)
            rows.append({**common, "scope": "cluster", "province_code": "",
                         "province_name_th": cluster_th, "province_name_en": cluster_en,
                         "value": view["value"], "target": target,
                         "achievement_pct": domain.achievement_pct(view["value"], target,
                                                                   indicator["direction"]),
                         "provinces_reported": view["reported"],
                         "provinces_expected": domain.expected_provinces(plan, indicator),
                         "certified_on": day.isoformat(), "certified_on_th": thai_date(day)})
    return rows


def project_rows(plan: dict, in_force: list[dict], accepted: dict, names: dict) -> list[dict]:
    """Project progress that may be published, by project then province (``in_force``: each
    (project, province)'s report body in force, store.project_progress)."""
    agencies = {a["code"]: a for a in plan.get("agencies") or []}
    reports: dict[str, list[dict]] = {}
    for body in in_force:
        reports.setdefault(body["project"], []).append(body)
    rows = []
    for project in plan["projects"]:
        agency = agencies.get(project.get("implementing_agency") or "", {})
        for body in sorted(reports.get(project["code"], []), key=lambda b: b["province"]):
            day = certified_on(accepted, "", body["province"], body["as_of"])
            if day is None or is_internal(body):
                continue
            fy, quarter = fiscal_quarter_of(date.fromisoformat(body["as_of"][:10]))
            found = parse_period(f"FY{fy}-Q{quarter}")
            th, _ = name_of(names, "provinces", body["province"])
            rows.append({
                "plan_id": plan["id"], "cluster_code": plan["cluster"],
                "project_code": project["code"], "project_title_th": project["title_th"],
                "project_title_en": project["title_en"], "issue_number": project["issue"],
                "agency_code": project.get("implementing_agency") or "",
                "agency_name_th": agency.get("name_th", ""),
                "agency_name_en": agency.get("name_en", ""),
                "province_code": body["province"], "province_name_th": th,
                "fiscal_year_be": project["fiscal_year"], "period": found.code,
                "period_th": found.label_th, "as_of": body["as_of"][:10],
                "physical_progress_pct": body["physical_progress_pct"],
                "disbursed_thb": body["disbursed_thb"], "budget_thb": project["budget_thb"],
                "procurement_stage": PROCUREMENT_STAGE_TH.get(body.get("procurement_stage"), ""),
                "certified_on": day.isoformat()})
    return rows


def fields_of(fields: tuple, sample: bool) -> tuple:
    return fields + ((SAMPLE_FIELD,) if sample else ())


def csv_text(fields: tuple, rows: list[dict], sample: bool = False) -> str:
    """The rows as CSV text with a BOM (Excel then reads Thai as UTF-8); typed text that looks
    like a formula is kept from running (services/infra/spreadsheet)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([name for name, _, _ in fields_of(fields, sample)])
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name, _, _ in fields] +
                        (["true"] if sample else []))
    return "\ufeff" + out.getvalue()


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return csv_cell(value)


def page_of(plan: dict, indicators: list[dict], projects: list[dict], names: dict) -> dict:
    """What the public page shows: the plan's vision and issues, each indicator with its
    published results (newest period first) and the published project progress."""
    by_indicator: dict[str, list[dict]] = {}
    for row in indicators:
        by_indicator.setdefault(row["indicator_code"], []).append(row)
    cluster_th, cluster_en = name_of(names, "clusters", plan["cluster"])
    issues = [{"number": issue["number"], "title_th": issue["title_th"],
               "title_en": issue["title_en"],
               "indicators": [{"code": i["code"], "name_th": i["name_th"], "name_en": i["name_en"],
                               "unit": i["unit"],
                               "results": list(reversed(by_indicator.get(i["code"], [])))}
                              for i in issue.get("indicators") or []]}
              for issue in plan.get("issues") or []]
    return {"plan_id": plan["id"], "title_th": plan["title_th"], "title_en": plan["title_en"],
            "cluster_name_th": cluster_th, "cluster_name_en": cluster_en,
            "start_fy": plan["start_fy"], "end_fy": plan["end_fy"],
            "vision_th": plan.get("vision_th") or "", "vision_en": plan.get("vision_en") or "",
            "issues": issues, "projects": projects}

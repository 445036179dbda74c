"""The eMENSCR export's rows (pure): a plan snapshot and reporting's figures -> each project of
the fiscal year as {field key: value}, then as a row in the field list's order. Names, never
codes, where a person reads (agencies from the plan's directory, national entries with their
Thai names); B.E. dates; figures as numbers."""
from __future__ import annotations

from datetime import date

from services.contracts.emenscr import FIELD_KEYS
from services.contracts.periods import fiscal_year_of, thai_date
from services.contracts.national import EMENSCR_LEVEL
from services.contracts.plans import national_lineage, national_links_of
from services.contracts.problems import STATUS_TH

# Plans do not record where a project's money comes from; a cluster project is paid from the
# cluster's share of the state budget, so that is what the cell says - as an assumption.
BUDGET_SOURCE = ("งบประมาณแผ่นดิน (งบประมาณกลุ่มจังหวัด) - สันนิษฐาน แผนไม่ได้บันทึกแหล่งงบประมาณ "
                 "/ state budget (the cluster's budget) - assumed: the plan does not record it")
STATUS_WORDS = {"active": "ดำเนินการ (active)", "cancelled": "ยกเลิก (cancelled)"}
# Which national level fills which column: the named levels, and Z, Y2, Y1 and X as the shared
# vocabulary names them (services/contracts/national.py EMENSCR_LEVEL). The free-text
# ``strategy`` field of older plans fills the three it has words for when the plan carries no
# entry at that level.
LEVEL_OF = {"align_strategy": "strategy", "align_master_plan": "master_plan",
            "align_sub_plan": "sub_plan", "align_milestone": "milestone",
            **{f"align_{mark.lower()}": level for level, mark in EMENSCR_LEVEL.items()}}
FREE_TEXT = {"align_strategy": "national_strategy", "align_master_plan": "master_plan",
             "align_sub_plan": "sub_plan"}


def thai_day(iso: str | None) -> str | None:
    return thai_date(date.fromisoformat(iso[:10])) if iso else None


def lines(items) -> str:
    return "\n".join(item for item in items if item)


def project_values(plan: dict, fiscal_year: int, figures: dict,
                   province_names: dict | None = None) -> list[dict]:
    """Every field of every project of ``fiscal_year`` (plan order), by key. ``figures`` is
    what reporting answered: ``quarters`` (project_quarters), ``progress`` (project_status's
    projects), ``problems`` (current_problems of the year) and ``register`` (the problems
    register, every year: this keeps the year's own)."""
    names = province_names or {}
    agencies = {a["code"]: a for a in plan.get("agencies", [])}
    indicators = {i["code"]: i for issue in plan.get("issues", []) for i in issue["indicators"]}
    issues = {i["number"]: i for i in plan.get("issues", [])}
    links = national_links_of(plan)
    progress = {row["project"]: row for row in figures.get("progress", [])}
    out = []
    for project in plan.get("projects", []):
        if project["fiscal_year"] != fiscal_year:
            continue
        code = project["code"]
        issue = issues.get(project["issue"], {})
        values = {
            "project_code": code, "name_th": project["title_th"], "name_en": project["title_en"],
            "responsible_agency": lines(_agency_name(agencies, a)
                                        for a in _responsible(plan, project, indicators)),
            "implementing_agency": _agency_name(agencies, project.get("implementing_agency")),
            "fiscal_year": fiscal_year, "budget_source": BUDGET_SOURCE,
            "budget_total": project["budget_thb"],
            "budget_investment": (project.get("budget_by_category") or {}).get("investment"),
            "budget_operating": (project.get("budget_by_category") or {}).get("operating"),
            "start_date": thai_day(project.get("start_date")),
            "end_date": thai_day(project.get("end_date")),
            "issue": f"{issue['number']}. {issue['title_th']}" if issue else None,
            "objectives": lines(f"{n}. {o['th']}"
                                for n, o in enumerate(issue.get("objectives", []), start=1)),
            "indicators": lines(_indicator_target(indicators.get(c), c, fiscal_year)
                                for c in project.get("indicators", [])),
            "outputs": lines(_output(o) for o in project.get("outputs", [])),
            "status": STATUS_WORDS.get(project.get("status"), project.get("status")),
        }
        values.update(_alignment(plan, project, links.get(("project", code), [])))
        values.update(_quarters(figures.get("quarters", {}).get(code, [])))
        row = progress.get(code, {})
        values.update(disbursed_thb=row.get("disbursed_thb"),
                      disbursement_pct=row.get("disbursement_pct"),
                      physical_progress_pct=row.get("physical_progress_pct"),
                      progress_as_of=thai_day(row.get("as_of")))
        values.update(_problems(code, fiscal_year, figures, names))
        out.append({key: values.get(key) for key in FIELD_KEYS})
    return out


INTERNAL_NOTE = "รวมข้อมูลภายใน / includes internal figures"


def internal_notes(values: list[dict], fiscal_year: int, figures: dict,
                   province_names: dict | None = None) -> list[str]:
    """Per project row (``values``' order): empty, or the note that its figures include a
    report a province marked internal (issue 26: not to be published outside the government) -
    a quarter's figures, the progress to date or the year's problems text - naming the
    provinces, so a planner knows before copying them into eMENSCR."""
    names = province_names or {}
    progress = {row["project"]: row for row in figures.get("progress", [])}
    notes = []
    for project in values:
        code = project["project_code"]
        marked = {p for quarter in figures.get("quarters", {}).get(code, [])
                  for p in quarter.get("internal_provinces") or []}
        marked |= {p for p, row in (progress.get(code, {}).get("provinces") or {}).items()
                   if row.get("internal")}
        marked |= {e["province"] for e in figures.get("register", []) if e.get("internal")
                   and e["project"] == code
                   and fiscal_year_of(date.fromisoformat(e["as_of"][:10])) == fiscal_year}
        notes.append(f"{INTERNAL_NOTE}: " + ", ".join(
            f"{names[p]} ({p})" if p in names else p for p in sorted(marked)) if marked else "")
    return notes


def rows_of(values: list[dict], fields) -> list[list]:
    """The projects' values as rows, one cell per field of the list, in its order."""
    return [[project[f.key] for f in fields] for project in values]


def _agency_name(agencies: dict, code: str | None) -> str:
    if not code:
        return ""
    agency = agencies.get(code)
    return agency["name_th"] if agency else code


def _responsible(plan: dict, project: dict, indicators: dict) -> list[str]:
    """The responsible agencies of the project's indicators, else the cluster's OSM (plans keep
    no responsible agency per project)."""
    found = []
    for code in project.get("indicators", []):
        agency = (indicators.get(code) or {}).get("responsible_agency")
        if agency and agency not in found:
            found.append(agency)
    return found or [a["code"] for a in plan.get("agencies", []) if "osm" in a.get("roles", [])]


def _indicator_target(indicator: dict | None, code: str, fiscal_year: int) -> str:
    if indicator is None:
        return code
    target = indicator.get("targets", {}).get(f"FY{fiscal_year}")
    said = (f"เป้าหมายปี {fiscal_year}: {_number(target)} {indicator['unit']}" if target is not None
            else f"ไม่มีค่าเป้าหมายปี {fiscal_year}")
    return f"{indicator['name_th']} - {said}"


def _output(output: dict) -> str:
    quantity = output.get("quantity")
    amount = f" {_number(quantity)} {output.get('unit') or ''}".rstrip() if quantity is not None else ""
    return f"{output['description_th']}{amount}"


def _number(value) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _alignment(plan: dict, project: dict, codes: list[str]) -> dict:
    """Each alignment column: the linked entries and their parents at its level, "code Thai
    name" a line each; the old free text where the plan carries no entry at that level."""
    by_level: dict[str, list[dict]] = {}
    for code in codes:
        for entry in national_lineage(plan, code):
            kept = by_level.setdefault(entry["level"], [])
            if entry not in kept:
                kept.append(entry)
    said = {key: lines(f"{e['code']} {e['name_th']}" for e in by_level.get(level, []))
            for key, level in LEVEL_OF.items()}
    free = project.get("strategy") or {}
    for key, name in FREE_TEXT.items():
        if not said[key] and free.get(name):
            said[key] = free[name]
    sdgs = [f"{e['code']} {e['name_th']}" for level in ("sdg_goal", "sdg_target")
            for e in by_level.get(level, [])]
    carried = {e["code"] for e in by_level.get("sdg_goal", [])}
    sdgs += [f"SDG{n}" for n in project.get("sdgs", []) if f"SDG{n}" not in carried]
    said["align_sdg"] = lines(sdgs)
    return said


def _quarters(quarters: list[dict]) -> dict:
    values = {}
    for n, quarter in enumerate(quarters, start=1):
        values[f"q{n}_planned_thb"] = quarter.get("planned_thb")
        values[f"q{n}_disbursed_thb"] = quarter.get("disbursed_thb")
        values[f"q{n}_physical_pct"] = quarter.get("physical_progress_pct")
    return values


def _problems(code: str, fiscal_year: int, figures: dict, names: dict) -> dict:
    """The year's problems and remedies of a project: the structured ones (their state now,
    remedies as the OSM updated them), then the free text of the year's reports, each once."""
    problems, remedies = [], []
    for p in figures.get("problems", []):
        if p["project"] != code:
            continue
        where = names.get(p["province"], p["province"])
        problems.append(f"[{where}] {p['description']} (สาเหตุ: {p.get('cause_label_th') or p['cause']}; "
                        f"สถานะ: {STATUS_TH.get(p['status'], p['status'])})")
        remedies += [f"[{where}] {r['action']} (กำหนด {thai_day(r['due'])}"
                     f"{'; ดำเนินการแล้ว' if r.get('done') else ''})" for r in p.get("remedies", [])]
    for entry in sorted(figures.get("register", []), key=lambda e: (e["as_of"], e["reported_at"])):
        if entry["project"] != code or fiscal_year_of(date.fromisoformat(entry["as_of"][:10])) \
                != fiscal_year:
            continue
        province = names.get(entry["province"], entry["province"])
        for text, kept in ((entry.get("problems"), problems), (entry.get("solutions"), remedies)):
            # a province repeats a problem in each report while it lasts: said once, first date
            if text and not any(line.startswith(f"[{province} ") and line.endswith(f"] {text}")
                                for line in kept):
                kept.append(f"[{province} {thai_day(entry['as_of'])}] {text}")
    return {"problems": lines(problems), "remedies": lines(remedies)}

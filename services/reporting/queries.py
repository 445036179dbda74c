"""reporting's queries: the cluster views, series, registers and reports a person asks for, and
the settings they are computed with (taken out of handlers.py to keep each under ~600 lines;
handlers.py re-exports them, service.py calls them through it)."""
from __future__ import annotations

from services.contracts.errors import QueryError  # raised to RPC callers
from services.contracts.national import level_problem
from services.contracts.periods import PeriodError, parse_period
from services.contracts.reports import is_internal

from . import approval_cases, certainty, domain, rollup, schemas, targets


def checked_period(period: str) -> str:
    """The period code, checked by the one rule (contracts/periods.py); QueryError if bad."""
    try:
        parse_period(period)
    except PeriodError as exc:
        raise QueryError(str(exc)) from None
    return period


def indicator_results(store, plan_id: str, period: str) -> dict:
    plan = _plan(store, plan_id)
    checked_period(period)
    views = store.indicator_views(plan_id, period)
    found = approval_cases.states(store, plan_id)  # how certain each figure is (at read)
    marked = store.internal_in_force(plan_id, "indicator")
    results = [with_internal(certainty.with_certainty(targets.with_targets(
                   plan, indicator, period, domain.indicator_result(
                       plan, indicator, period, _view_for(store, plan, indicator, period, views))),
                   found, period, targets.expected(plan, indicator)), period, marked)
               for _, indicator in domain.iter_indicators(plan)]
    return {"plan_id": plan_id, "period": period, "results": results}


def with_internal(result: dict, period: str, marked: set) -> dict:
    """The result with ``internal_provinces``: the provinces whose value in it comes from a
    report they marked internal (issue 26; for a fiscal-year roll-up, from any of the periods
    rolled up) - so whoever lists province values can say which are not for publication."""
    rolled = (result.get("rolled_up_from") or {}).get("periods") or {}
    result["internal_provinces"] = sorted(
        province for province in result["provinces"]
        if any((result["indicator"], each, province) in marked
               for each in rolled.get(province, [period])))
    return result


def _view_for(store, plan: dict, indicator: dict, period: str, views: dict) -> dict | None:
    """The indicator's view for the period; a fiscal year of a quarterly or monthly indicator
    is rolled up, at read, from its period views (each kept incrementally)."""
    parsed = parse_period(period)
    if parsed.kind == "yearly" and indicator["frequency"] != "yearly":
        return domain.fiscal_year_rollup(plan, indicator, parsed.fiscal_year,
                                         store.indicator_series(plan["id"], indicator["code"]))
    return views.get(indicator["code"])


def indicator_series(store, plan_id: str, code: str) -> dict:
    """One indicator across every period reported so far, in time order, each with its target
    and status - the trend a committee looks at - with each province's figures per period, the
    cluster's target for every fiscal year of the plan (its five-year path) and each province's
    baseline and yearly targets."""
    plan = _plan(store, plan_id)
    indicator = domain.find_indicator(plan, code)
    if indicator is None:
        raise QueryError(f"plan {plan_id} has no indicator {code!r}")
    views = store.indicator_series(plan_id, code)
    periods = sorted(views, key=lambda p: (parse_period(p).start, parse_period(p).end))
    found, expected = approval_cases.states(store, plan_id), targets.expected(plan, indicator)
    marked = store.internal_in_force(plan_id, "indicator")
    return {"plan_id": plan_id, "indicator": code, "frequency": indicator["frequency"],
            "series": [{**with_internal(certainty.with_certainty(targets.with_targets(
                            plan, indicator, p, domain.indicator_result(plan, indicator, p, views[p])),
                            found, p, expected), p, marked),
                        "period": p, "label_th": parse_period(p).label_th,
                        "label_en": parse_period(p).label_en}
                       for p in periods],
            "baseline": indicator.get("baseline"),
            "path": [{**step, "label_th": parse_period(step["period"]).label_th,
                      "label_en": parse_period(step["period"]).label_en}
                     for step in targets.five_year_path(plan, indicator, views)],
            "provinces": targets.province_plan(plan, indicator)}


def problems_register(store, plan_id: str, issue: int | None = None, project: str | None = None,
                      provinces: list[str] | None = None, text: str | None = None) -> list[dict]:
    """Problems and obstacles agencies reported with their projects, past and present, newest
    first; ``text`` matches problems or solutions (Thai is matched as written: no word breaks)."""
    plan = _plan(store, plan_id)
    projects = {p["code"]: p for p in plan["projects"]}
    needle = (text or "").strip().casefold()
    found = []
    for report in store.project_reports(plan_id):
        if not (report.get("problems") or report.get("solutions")):
            continue
        info = projects.get(report["project"], {})
        if issue is not None and info.get("issue") != issue:
            continue
        if project and report["project"] != project:
            continue
        if provinces is not None and report["province"] not in provinces:
            continue
        if needle and needle not in f"{report.get('problems') or ''}\n{report.get('solutions') or ''}".casefold():
            continue
        found.append({"project": report["project"], "title_th": info.get("title_th"),
                      "title_en": info.get("title_en"), "issue": info.get("issue"),
                      "implementing_agency": info.get("implementing_agency"),
                      "province": report["province"], "as_of": report["as_of"],
                      "reported_at": report["reported_at"], "event_id": report["event_id"],
                      "procurement_stage": report["procurement_stage"],
                      "problems": report.get("problems"), "solutions": report.get("solutions"),
                      # its text is the province's internal report's (issue 26)
                      **({"internal": True} if is_internal(report) else {})})
    return sorted(found, key=lambda r: (r["reported_at"], r["event_id"]), reverse=True)


def reports_of(store, plan_id: str, province: str | None = None, indicator: str | None = None,
               project: str | None = None, period: str | None = None, limit: int = 1000) -> dict:
    """The reports behind a view - the drill-down from a cluster value to a province's value
    to the reports that made it, superseded and retracting ones included, newest first."""
    plan = _plan(store, plan_id)
    filters = {}
    if indicator and project:
        raise QueryError("ask for an indicator or a project, not both")
    if indicator:
        if domain.find_indicator(plan, indicator) is None:
            raise QueryError(f"plan {plan_id} has no indicator {indicator!r}")
        filters.update(kind="indicator", subject=indicator)
    if project:
        if not any(p["code"] == project for p in plan["projects"]):
            raise QueryError(f"plan {plan_id} has no project {project!r}")
        filters.update(kind="project", subject=project)
    if period:
        checked_period(period)
        filters["period"] = period
    if province:
        filters["province"] = province
    reports = []
    for row in store.reports_of(plan_id, filters, limit):
        body = row["body"]
        reports.append({**body, "kind": row["kind"], "received_at": row["received_at"],
                        "sender": row["sender"], "reported_by": row.get("reported_by"),
                        "status": "in_force" if row["in_force"] else "superseded",
                        "retraction": row["kind"] == "indicator" and body.get("value") is None})
    return {"plan_id": plan_id, "filters": {"province": province, "indicator": indicator,
                                            "project": project, "period": period},
            "reports": reports}


def _plan(store, plan_id: str) -> dict:
    plan = store.get_plan(plan_id)
    if plan is None:
        raise QueryError(f"plan {plan_id!r} is unknown to reporting")
    return plan


GOVERNMENT_TARGETS = "government_disbursement_targets"


def set_disbursement_targets(store, fiscal_year: str, targets: dict) -> dict:
    """The government's cumulative disbursement targets (% of budget) by quarter for a fiscal
    year - set each year by cabinet resolution, so kept as data, never in code."""
    clean = schemas.disbursement_targets(fiscal_year, targets)
    all_targets = store.get_meta(GOVERNMENT_TARGETS) or {}
    all_targets[fiscal_year] = clean
    store.set_meta(GOVERNMENT_TARGETS, all_targets)
    return all_targets


def project_status(store, plan_id: str) -> dict:
    plan = _plan(store, plan_id)
    return {"plan_id": plan_id, "government_targets": store.get_meta(GOVERNMENT_TARGETS) or {},
            "projects": certainty.with_project_certainty(_progress_rows(store, plan),
                                                         approval_cases.states(store, plan_id))}


def _progress_rows(store, plan: dict) -> list[dict]:
    rows = domain.project_progress(plan, store.project_progress(plan["id"]),
                                   store.get_meta(GOVERNMENT_TARGETS) or {})
    produced = store.project_assets(plan["id"])
    for row in rows:
        assets = produced.get(row["project"], {"count": 0, "value_thb": 0.0})
        row["assets_registered"] = assets["count"]
        row["assets_value_thb"] = assets["value_thb"]
    return rows


# --- results by national alignment (rollup.py) ------------------------------------------------

def plan_alignment(store, plan_id: str, level: str, fiscal_year) -> dict:
    """One plan's figures for a fiscal year (B.E.) rolled up by the entries of a level of the
    national hierarchy it links to."""
    plan = _plan(store, plan_id)
    level, fiscal_year = _alignment_asked(level, fiscal_year)
    if not plan["start_fy"] <= fiscal_year <= plan["end_fy"]:
        raise QueryError(f"ปีงบประมาณ พ.ศ. {fiscal_year} อยู่นอกแผน {plan_id} (พ.ศ. "
                         f"{plan['start_fy']}-{plan['end_fy']}) / FY{fiscal_year} is outside plan "
                         f"{plan_id} (FY{plan['start_fy']}-FY{plan['end_fy']})")
    return rollup.plan_rollup(plan, level, fiscal_year, *_alignment_figures(store, plan,
                                                                               fiscal_year))


def national_alignment(store, level: str, fiscal_year) -> dict:
    """Every published plan whose years hold the fiscal year (one a cluster), rolled up
    together, each cluster's figures beside - the national viewer's view."""
    level, fiscal_year = _alignment_asked(level, fiscal_year)
    plans = [p for p in store.plans() if p.get("status") == "published"
             and p["start_fy"] <= fiscal_year <= p["end_fy"]]
    return rollup.national_rollup(
        [(plan, *_alignment_figures(store, plan, fiscal_year)) for plan in plans], level,
        fiscal_year)


def _alignment_asked(level, fiscal_year) -> tuple[str, int]:
    problem = level_problem(level)
    if problem:
        raise QueryError(problem)
    if isinstance(fiscal_year, bool) or not isinstance(fiscal_year, int) \
            or not 2500 <= fiscal_year <= 2700:
        raise QueryError(f"ปีงบประมาณ {str(fiscal_year)[:20]!r} ต้องเป็นปี พ.ศ. เช่น 2569 / "
                         f"fiscal_year {str(fiscal_year)[:20]!r} must be a B.E. year such as 2569")
    return level, fiscal_year


def _alignment_figures(store, plan: dict, fiscal_year: int) -> tuple[list[dict], list[dict]]:
    """What the rollup starts from: the projects' progress and the indicators' results for
    the whole fiscal year, as the other views compute them."""
    return (_progress_rows(store, plan),
            indicator_results(store, plan["id"], f"FY{fiscal_year}")["results"])

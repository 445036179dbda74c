"""What reporting keeps and computes for the eMENSCR export (the gateway writes the workbook,
services/gateway/emenscr/): the admin's field list, kept in reporting's meta like the other
admin settings, and each project's quarters of a fiscal year from its provinces' reports."""
from __future__ import annotations

from datetime import date, datetime, timezone
from statistics import fmean

from services.contracts.emenscr import FieldListError, parse_fields
from services.contracts.errors import QueryError
from services.contracts.periods import parse_period
from services.contracts.reports import is_internal

from .queries import _plan

FIELDS = "emenscr_fields"  # reporting's meta: {csv (None: the shipped list), version, by, at}


def field_list(store) -> dict:
    """The admin's list as kept: ``csv`` None while the shipped list is in force."""
    return store.get_meta(FIELDS) or {"csv": None, "version": 0, "changed_by": None,
                                      "changed_at": None}


def set_field_list(store, text: str | None, by: str) -> dict:
    """The admin's new list (checked again here: the store never keeps a list the export cannot
    use), or None to go back to the shipped one; each change a new version."""
    if text is not None:
        if not isinstance(text, str):
            raise QueryError("the field list must be CSV text / รายการข้อมูลต้องเป็นข้อความ CSV")
        try:
            parse_fields(text)
        except FieldListError as exc:
            raise QueryError(str(exc)) from None
    kept = {"csv": text, "version": field_list(store)["version"] + 1, "changed_by": by,
            "changed_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    store.set_meta(FIELDS, kept)
    return kept


def quarters(store, plan_id: str, fiscal_year) -> dict[str, list[dict]]:
    """``project_quarters`` of a plan reporting knows, from every project report it accepted."""
    plan = _plan(store, plan_id)
    if isinstance(fiscal_year, bool) or not isinstance(fiscal_year, int) \
            or not plan["start_fy"] <= fiscal_year <= plan["end_fy"]:
        raise QueryError(f"fiscal year {fiscal_year!r} is not one of plan {plan_id}'s "
                         f"({plan['start_fy']}-{plan['end_fy']}) / ปีงบประมาณ {fiscal_year!r} "
                         f"ไม่อยู่ในช่วงของแผน ({plan['start_fy']}-{plan['end_fy']})")
    return project_quarters(plan, store.project_reports(plan_id), fiscal_year)


def project_quarters(plan: dict, reports: list[dict], fiscal_year: int) -> dict[str, list[dict]]:
    """Per project of ``fiscal_year``: each quarter's planned and actual figures, cumulative to
    the quarter's end. A province counts with its report in force among those dated on or before
    that day (the reports' precedence: the later ``reported_at``, then ``event_id``), so the last
    quarter agrees with the project progress view; disbursed money is
    added up over provinces, physical progress averaged, as the project progress view does
    (domain.project_progress). A quarter no province had reported by: actual figures None.
    ``internal_provinces``: the provinces whose counted report is marked internal."""
    ends = [parse_period(f"FY{fiscal_year}-Q{q}").end for q in range(1, 5)]
    by_project: dict[str, list[dict]] = {}
    for report in reports:
        by_project.setdefault(report["project"], []).append(report)
    out = {}
    for project in plan["projects"]:
        if project["fiscal_year"] != fiscal_year:
            continue
        planned = project.get("planned_disbursement") or {}
        quarters, to_date = [], 0.0
        for q, end in enumerate(ends, start=1):
            to_date += planned.get(f"Q{q}", 0.0)
            latest = _latest_by_province(by_project.get(project["code"], []), end)
            quarters.append({
                "quarter": f"Q{q}", "end": end.isoformat(),
                "planned_thb": to_date if planned else None,
                "disbursed_thb": sum(r["disbursed_thb"] for r in latest) if latest else None,
                "physical_progress_pct": round(fmean(r["physical_progress_pct"] for r in latest), 2)
                if latest else None,
                "provinces_reported": sorted(r["province"] for r in latest),
                # whose figures counted here come from a report marked internal (issue 26)
                "internal_provinces": sorted(r["province"] for r in latest if is_internal(r))})
        out[project["code"]] = quarters
    return out


def _latest_by_province(reports: list[dict], end: date) -> list[dict]:
    latest: dict[str, tuple] = {}
    for report in reports:
        as_of = date.fromisoformat(report["as_of"])
        if as_of > end:
            continue
        order = (datetime.fromisoformat(report["reported_at"]), report["event_id"])
        if report["province"] not in latest or order > latest[report["province"]][0]:
            latest[report["province"]] = (order, report)
    return [report for _, report in latest.values()]

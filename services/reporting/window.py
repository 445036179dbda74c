"""The reporting window (step 15, docs/approvals.md section 5; DHIS2's expiry days): a plan that
sets ``validation.report_expiry_days`` accepts a period's reports until its due date plus that
many days; later, only while an extension the cluster's OSM (or the admin) granted for the
province and period runs. A plan that sets nothing has no window. The window's other end - no
report for a period before its first day - is the intake's time sanity for every plan
(plausibility.py).

An indicator report is in its own period; a project report in the period of the plan's progress
cadence that holds its ``as_of`` (the period completeness counts it in; with no cadence, none).
An extension of a period covers the periods within it too (a quarter's, its months).
Judged, like the lock, when the intake records the report, by the intake's clock in Bangkok days.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

from services.contracts import access
from services.contracts import approvals as rule
from services.contracts.errors import ApprovalError
from services.contracts.periods import (PeriodError, english_date, fiscal_quarter_of,
                                       parse_period, thai_date)
from services.contracts.rules import report_expiry_days

from . import domain, timeliness
from .approval_cases import actor_of

MAX_REASON = 2000
MAX_AHEAD_DAYS = 366  # an extension runs at most a year from the day it is granted
FIELDS = ("province", "period", "until", "reason")


def closes_on(period: str, due_days: int, expiry_days: int) -> date:
    """The last day (Bangkok) a period accepts reports without an extension."""
    return timeliness.due_date(period, due_days) + timedelta(days=expiry_days)


def period_of(plan: dict, valid: domain.ValidReport) -> str | None:
    """The period whose window a report is judged by (module docstring); None: no window."""
    if valid.kind == "indicator":
        return valid.period
    as_of = valid.report["as_of"]
    cadence = timeliness.progress_frequency(plan)
    if cadence == "quarterly":
        fiscal_year, quarter = fiscal_quarter_of(as_of)
        return f"FY{fiscal_year}-Q{quarter}"
    if cadence == "monthly":
        return f"{as_of.year}-{as_of.month:02d}"
    return None


def _bangkok_day(now: datetime) -> date:
    return now.astimezone(domain.BANGKOK).date()


def extension_for(extensions: list[dict], period: str,
                  today: date) -> tuple[dict | None, dict | None]:
    """(the extension in force for ``period``, the latest that has passed) of a province's."""
    covering = [e for e in extensions if rule.contains(e["period"], period)]
    running = [e for e in covering if date.fromisoformat(e["until"]) >= today]
    passed = [e for e in covering if date.fromisoformat(e["until"]) < today]
    latest = lambda found: max(found, key=lambda e: e["until"]) if found else None  # noqa: E731
    return latest(running), latest(passed)


def closed_rejection(store, plan: dict, valid: domain.ValidReport, now: datetime,
                     due_days_of: Callable[[], int]) -> domain.Rejection | None:
    """The rejection of a report whose period's window has closed (and no extension runs), else
    None. A plan with no window: None, and nothing is read (``due_days_of()``: the admin's due
    days, asked only then)."""
    expiry = report_expiry_days(plan)
    period = period_of(plan, valid) if expiry is not None else None
    if period is None:
        return None
    due_days = due_days_of()
    today = _bangkok_day(now)
    closing = closes_on(period, due_days, expiry)
    if today <= closing:
        return None
    province = valid.report["province"]
    running, passed = extension_for(store.extensions(plan["id"], [province]), period, today)
    if running is not None:
        return None
    en, th = closed_reason(valid, period, due_days, expiry, closing, passed)
    return domain.Rejection(en, valid.report["event_id"], valid.kind, reason_th=th)


def closed_reason(valid: domain.ValidReport, period: str, due_days: int, expiry: int,
                  closing: date, passed: dict | None) -> tuple[str, str]:
    """(English, Thai) reason, naming the period, the last day, how it was reckoned and what to
    do."""
    found = parse_period(period)
    due = timeliness.due_date(period, due_days)
    what_en = what_th = ""
    if valid.kind == "project":
        as_of = valid.report["as_of"]
        what_en = f"progress as of {as_of.isoformat()} belongs to the period {period}, and "
        what_th = f"ความก้าวหน้า ณ วันที่ {thai_date(as_of)} อยู่ในงวด {period} และ"
    en = (f"{what_en}the period {period} ({found.label_en}) closed for reports after "
          f"{english_date(closing)} (due {english_date(due)}, plus the plan's {expiry} days)")
    th = (f"{what_th}งวด {period} ({found.label_th}) ปิดรับรายงานแล้วหลังวันที่ "
          f"{thai_date(closing)} (กำหนดส่ง {thai_date(due)} และรับรายงานได้อีก {expiry} วัน"
          "ตามที่แผนกำหนด)")
    if passed is not None:
        until = date.fromisoformat(passed["until"])
        en += f"; its extension until {english_date(until)} has passed too"
        th += f" และการขยายเวลาถึงวันที่ {thai_date(until)} สิ้นสุดแล้ว"
    return (en + "; ask the cluster's OSM for an extension",
            th + " โปรดขอขยายเวลาจากสำนักงานบริหารยุทธศาสตร์กลุ่มจังหวัด")


# --- extensions: the OSM's use cases ----------------------------------------------------------

def _refuse(status: int, en: str, th: str):
    code = {400: "bad_request", 403: "forbidden", 404: "not_found"}[status]
    return ApprovalError(status, code, en, th)


def grant_extension(store, plan_id: str, body, actor: dict, due_days: int,
                    now: datetime | None = None) -> dict:
    """Keep the extension ``{province, period, until, reason}`` granted by ``actor`` (the
    cluster's OSM or the admin); it replaces an earlier one of the same province and period.
    ApprovalError (400 saying what and where, 403, 404) otherwise."""
    now = now or datetime.now(timezone.utc)
    today = _bangkok_day(now)
    plan = store.get_plan(plan_id)
    if plan is None:
        raise _refuse(404, f"no published plan {plan_id!r}", f"ไม่พบแผน {plan_id!r} ที่ประกาศใช้")
    who = actor_of(actor)
    if not access.can_change_plan(who, plan["cluster"]):
        raise _refuse(403, f"{who} may not extend a reporting window of plan {plan_id}; only "
                           f"the OSM of cluster {plan['cluster']} or the admin may",
                      "เฉพาะสำนักงานบริหารยุทธศาสตร์กลุ่มจังหวัดหรือผู้ดูแลระบบ"
                      "ขยายเวลารับรายงานได้")
    expiry = report_expiry_days(plan)
    if expiry is None:
        raise _refuse(400, f"plan {plan_id} sets no reporting window (validation."
                           "report_expiry_days): its periods never close, nothing to extend",
                      f"แผน {plan_id} ไม่ได้กำหนดช่วงเวลารับรายงาน จึงไม่ต้องขยายเวลา")
    province, period, until, reason = _checked(body, plan, today)
    # the periods it reopens: its own and those within it, which close earlier
    first = min(closes_on(p, due_days, expiry) for p in timeliness.plan_periods(plan)
                if rule.contains(period, p))
    if until <= first:
        raise _refuse(400, f"until: {until.isoformat()} is not after {english_date(first)}, the "
                           f"last day the period {period} (and any within it) accepts reports "
                           "anyway", f"until: วันที่ {thai_date(until)} ไม่เลยวันที่ "
                           f"{thai_date(first)} ซึ่งงวด {period} รับรายงานได้อยู่แล้ว")
    closing = closes_on(period, due_days, expiry)
    extension = {"plan_id": plan_id, "cluster": plan["cluster"], "province": province,
                 "period": period, "until": until.isoformat(), "reason": reason,
                 "by": str(who), "by_role": who.role, "at": now.isoformat()}
    store.save_extension(extension)
    return shown(extension, closing, today)


def _checked(body, plan: dict, today: date) -> tuple[str, str, date, str]:
    if not isinstance(body, dict):
        raise _refuse(400, "the body must be an object {province, period, until, reason}",
                      "ข้อมูลต้องเป็นออบเจ็กต์ {province, period, until, reason}")
    unknown = sorted(set(map(str, body)) - set(FIELDS))
    if unknown:
        raise _refuse(400, f"unknown field(s) {', '.join(unknown)}; the body takes "
                           f"{', '.join(FIELDS)}", f"ไม่รู้จักช่อง {', '.join(unknown)}")
    province, period, until, reason = (body.get(k) for k in FIELDS)
    if province not in plan["provinces"]:
        raise _refuse(400, f"province: {province!r} is not one of the plan's provinces "
                           f"({', '.join(plan['provinces'])})",
                      f"province: {province!r} ไม่ใช่จังหวัดในแผน")
    if period not in timeliness.plan_periods(plan):
        try:
            parse_period(period)
            why = "is not one of the plan's reporting periods"
        except PeriodError as exc:
            why = f"is not a period ({exc})"
        raise _refuse(400, f"period: {period!r} {why}",
                      f"period: {period!r} ไม่ใช่งวดรายงานของแผน (เช่น FY2568-Q2)")
    try:
        day = date.fromisoformat(until) if isinstance(until, str) and len(until) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise _refuse(400, f"until: {until!r} is not a date YYYY-MM-DD (C.E.)",
                      f"until: {until!r} ไม่ใช่วันที่ในรูปแบบ YYYY-MM-DD (ค.ศ.)")
    if day < today:
        raise _refuse(400, f"until: {until} has passed (today is {today.isoformat()}, Bangkok)",
                      f"until: วันที่ {thai_date(day)} ผ่านไปแล้ว")
    if day > today + timedelta(days=MAX_AHEAD_DAYS):
        raise _refuse(400, f"until: {until} is more than {MAX_AHEAD_DAYS} days ahead",
                      f"until: ขยายเวลาได้ไม่เกิน {MAX_AHEAD_DAYS} วันนับจากวันนี้")
    if not isinstance(reason, str) or not reason.strip():
        raise _refuse(400, "reason: an extension needs a reason",
                      "reason: ต้องระบุเหตุผลของการขยายเวลา")
    if len(reason.strip()) > MAX_REASON:
        raise _refuse(400, f"reason: at most {MAX_REASON} characters",
                      f"reason: ยาวได้ไม่เกิน {MAX_REASON} ตัวอักษร")
    return province, period, day, reason.strip()


def shown(extension: dict, closing: date, today: date) -> dict:
    """An extension as the API shows it: with the day the period closed without it and whether
    it still runs."""
    return {**extension, "closes_on": closing.isoformat(),
            "in_force": date.fromisoformat(extension["until"]) >= today}


def list_extensions(store, plan_id: str, due_days: int, provinces: list[str] | None = None,
                    now: datetime | None = None) -> dict:
    """The plan's window (``report_expiry_days``, null: none) and its extensions (of
    ``provinces``: a province sees its own), by period then province."""
    plan = store.get_plan(plan_id)
    if plan is None:
        raise _refuse(404, f"no published plan {plan_id!r}", f"ไม่พบแผน {plan_id!r} ที่ประกาศใช้")
    today = _bangkok_day(now or datetime.now(timezone.utc))
    expiry = report_expiry_days(plan)
    rows = [shown(e, closes_on(e["period"], due_days, expiry or 0), today)
            for e in store.extensions(plan_id, provinces)]
    return {"plan_id": plan_id, "report_expiry_days": expiry, "due_days": due_days,
            "extensions": rows}

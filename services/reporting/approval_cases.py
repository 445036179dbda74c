"""Reporting's use cases of approvals (step 15, docs/approvals.md): take a step, list the
approvals of a plan, and the lock the intake asks before it records a report. The rule itself is
services/contracts/approvals.py; the store keeps steps and states (store/approvals.py)."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

from services.contracts import approvals as rule
from services.contracts import events as contract_events
from services.contracts.access import Who
from services.contracts.errors import QueryError
from services.contracts.events import PERIOD_APPROVAL_CHANGED, PERIOD_APPROVAL_WAITING
from services.contracts.periods import PeriodError, bad_period_th, parse_period, thai_date

from . import certainty, domain
from .timeliness import plan_periods

ACTOR_FIELDS = ("role", "scope", "person", "duty")


def actor_of(actor: dict) -> Who:
    """The gateway's principal, as it sends it over RPC."""
    return Who(**{k: actor.get(k) for k in ACTOR_FIELDS})


def _today() -> date:
    return datetime.now(domain.BANGKOK).date()


def approvable_periods(plan: dict, today: date | None = None) -> list[str]:
    """The plan's reporting periods that have started, oldest first."""
    today = today or _today()
    return [p for p in plan_periods(plan) if parse_period(p).start <= today]


def _plan_and_period(store, plan_id: str, period: str, province: str | None = None,
                     today: date | None = None) -> dict:
    """The plan, once the period and province are ones to approve; QueryError (a person reads
    it on the approvals page: English / Thai) otherwise."""
    plan = store.get_plan(plan_id)
    if plan is None:
        raise QueryError(f"no published plan {plan_id!r} / ไม่พบแผน {plan_id!r} ที่ประกาศใช้แล้ว")
    try:
        found = parse_period(period)
    except (PeriodError, TypeError) as exc:
        raise QueryError(f"{exc} / {bad_period_th(period)}") from None
    if period not in plan_periods(plan):
        raise QueryError(f"period {period!r} is not one of the plan's reporting periods / "
                         f"งวด {period!r} ({found.label_th}) ไม่ใช่งวดรายงานของแผนนี้")
    if found.start > (today or _today()):
        raise QueryError(f"period {period} has not started: nothing to approve yet / "
                         f"งวด {period} ({found.label_th}) ยังไม่เริ่ม จึงยังไม่มีข้อมูลให้รับรอง "
                         f"(เริ่ม {thai_date(found.start)})")
    if province is not None and province not in plan["provinces"]:
        raise QueryError(f"province {province!r} is not in plan {plan_id} / "
                         f"จังหวัด {province!r} ไม่อยู่ในแผน {plan_id}")
    return plan


def figures_scope(store, plan_id: str, period: str) -> tuple[list[str], str, str]:
    """What a figures token counts: the plan's periods within ``period`` (indicator reports)
    and its first and last day (project reports' as_of)."""
    found = parse_period(period)
    inner = [p for p in plan_periods(store.get_plan(plan_id)) if rule.contains(period, p)]
    return inner, found.start.isoformat(), found.end.isoformat()


def figures_token(store, plan_id: str, period: str, province: str) -> int:
    """What an approver looked at: how many reports were ever recorded for the province and
    period (a later report makes the token stale: 409 figures_changed)."""
    return store.figures_count(plan_id, province, *figures_scope(store, plan_id, period))


def take_step(store, plan_id: str, period: str, province: str, step: str, actor: dict,
              version: int, figures: int | None = None, comment: str | None = None,
              notify: list | None = None, now: datetime | None = None) -> dict:
    """One step on one approval, by ``actor``; the approval as it now stands. StepError (with
    its HTTP status) when the step does not apply, is not the actor's, or came too late."""
    plan = _plan_and_period(store, plan_id, period, province)
    who = actor_of(actor)
    steps = store.approval_steps(plan_id, period, province)
    now_state = rule.current(steps)
    after = rule.next_state(step, now_state.state)
    if not rule.may_take(who, step, now_state.state, province, plan["cluster"]):
        raise rule.StepError(403, "forbidden", f"{who} may not {step} {period} of {province}",
                             "ท่านไม่มีสิทธิ์ทำขั้นตอนนี้ของงวดนี้")
    comment = rule.check_text(step, comment)  # after who may: a stranger learns no more rules
    if not isinstance(version, int) or isinstance(version, bool) or version != now_state.version:
        raise rule.StepError(409, "version_conflict",
                             f"the approval is at version {now_state.version}, not {version!r}: "
                             "someone took a step meanwhile; look again",
                             "มีผู้ดำเนินการกับงวดนี้ไปก่อนแล้ว โปรดเปิดดูใหม่")
    if step in (rule.APPROVE, rule.ACCEPT):
        seen = figures_token(store, plan_id, period, province)
        if figures != seen:
            raise rule.StepError(409, "figures_changed",
                                 "new figures arrived since you looked (or none were named); "
                                 f"look again: figures {seen}",
                                 "มีรายงานใหม่เข้ามาหลังจากที่ท่านเปิดดู โปรดตรวจสอบอีกครั้ง")
    at = (now or datetime.now(timezone.utc)).isoformat()
    record = {"event_id": str(uuid.uuid4()), "plan_id": plan_id, "cluster": plan["cluster"],
              "period": period, "province": province, "step": step, "state": after,
              "from_state": now_state.state, "version": now_state.version + 1, "at": at,
              "by": str(who), "by_role": who.role, "by_duty": who.duty, "comment": comment,
              "figures": figures, "notify": list(notify or [])}
    record["occurred_at"] = at
    # the figures counted again with the step's write (SQLite: in its transaction), so a report
    # recorded between the check above and the write still makes the step stale
    outcome = store.record_approval_step(
        record, event_of(record),
        figures_scope(store, plan_id, period) if step in (rule.APPROVE, rule.ACCEPT) else None)
    if outcome == "figures_changed":
        raise rule.StepError(409, "figures_changed",
                             "new figures arrived since you looked; look again",
                             "มีรายงานใหม่เข้ามาหลังจากที่ท่านเปิดดู โปรดตรวจสอบอีกครั้ง")
    if outcome == "conflict":
        raise rule.StepError(409, "version_conflict", "someone took a step meanwhile; look again",
                             "มีผู้ดำเนินการกับงวดนี้ไปก่อนแล้ว โปรดเปิดดูใหม่")
    return approval_row(store, plan, period, province)


def event_of(step: dict) -> list:
    """The events of a step, as its record holds them (also to queue them again)."""
    return [contract_events.outgoing(PERIOD_APPROVAL_CHANGED, step)]


def requeue_events(store) -> int:
    """Queue the events of steps a crash recorded without them (MongoDB: two writes)."""
    return store.requeue_approval_events(event_of)


def approval_row(store, plan: dict, period: str, province: str,
                 steps: list[dict] | None = None) -> dict:
    steps = store.approval_steps(plan["id"], period, province) if steps is None else steps
    now = rule.current(steps)
    return {"plan_id": plan["id"], "period": period, "province": province,
            "state": now.state, "certainty": rule.CERTAINTY[now.state], "version": now.version,
            "figures": figures_token(store, plan["id"], period, province),
            "last": _public(now.last), "steps": [_public(s) for s in steps]}


def _public(step: dict | None) -> dict | None:
    """A step as the API shows it: who and when, never the mail addresses it was sent to."""
    if step is None:
        return None
    return {k: step.get(k) for k in ("step", "state", "from_state", "version", "at", "by",
                                     "by_role", "by_duty", "comment")}


def list_approvals(store, plan_id: str, period: str | None = None,
                   provinces: list[str] | None = None) -> list[dict]:
    """Every province and period of the plan (started periods; one period when named), with
    its state, who and when at each step."""
    plan = store.get_plan(plan_id)
    if plan is None:
        raise QueryError(f"no published plan {plan_id!r}")
    periods = [period] if period else approvable_periods(plan)
    if period:
        _plan_and_period(store, plan_id, period)
    wanted = [p for p in plan["provinces"] if provinces is None or p in provinces]
    steps = {}
    for s in store.approval_steps(plan_id, period):
        steps.setdefault((s["period"], s["province"]), []).append(s)
    return [approval_row(store, plan, p, province, steps.get((p, province), []))
            for p in reversed(periods) for province in wanted]


def states(store, plan_id: str, period: str | None = None) -> dict[tuple[str, str], str]:
    """{(period, province): state} of the approvals that have a step (the rest are open)."""
    return {(a["period"], a["province"]): a["state"]
            for a in store.approvals(plan_id, period)}


def certainty_of(found: dict[tuple[str, str], str], period: str, province: str) -> str:
    """How certain a province's figure for ``period`` is: the state of the approval of that
    period, or of a period holding it (a quarter's value in an approved year)."""
    return rule.CERTAINTY[certainty.state_of(found, period, province)]


def lock_of(store, valid) -> domain.Rejection | None:
    """The rejection of a report whose province and period are approved (the lock), else None.
    Judged as the lock stands when the intake records it (docs/approvals.md, "in flight")."""
    report = valid.report
    province = report["province"]
    for approval in store.approvals(valid.plan_id, provinces=[province]):
        if approval["state"] not in rule.LOCKED:
            continue
        holds = rule.contains(approval["period"], valid.period) if valid.kind == "indicator" \
            else rule.holds_day(approval["period"], report["as_of"])
        if holds:
            en, th = rule.lock_reason(approval["period"], province, approval)
            return domain.Rejection(en, report["event_id"], valid.kind, reason_th=th)
    return None


# --- reminders: a step that waits too long for the next ----------------------------------------

REMINDER_DAYS = "approval_reminder_days"  # reporting's meta, like the due days
DEFAULT_REMINDER_DAYS = 7
MAX_REMINDER_DAYS = 90
WAITING = (rule.SUBMITTED, rule.APPROVED)  # someone owes the next step (open: nobody yet)
REMINDER_NAMESPACE = uuid.UUID("5d0c7a4e-3f0b-4a51-9c55-0b7f6f1f2a10")


def reminder_days_of(store) -> int:
    days = store.get_meta(REMINDER_DAYS)
    return DEFAULT_REMINDER_DAYS if days is None else days


def set_reminder_days(store, days) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_REMINDER_DAYS:
        raise QueryError(f"reminder_days must be a whole number of days from 1 to "
                         f"{MAX_REMINDER_DAYS}, not {days!r} / จำนวนวันที่เตือนต้องเป็นจำนวนเต็ม "
                         f"ตั้งแต่ 1 ถึง {MAX_REMINDER_DAYS} วัน")
    store.set_meta(REMINDER_DAYS, days)
    return days


def waiting_events(store, plan: dict, now: datetime, reminder_days: int) -> list:
    """``period_approval_waiting`` for each approval of the plan whose current step (submitted
    or approved) has waited ``reminder_days`` or a multiple of it, in Bangkok days: one per
    step and per reminder - its event id is the step's and the day it fell due (day 7, day 14,
    ...), so the timer queues each once and a changed setting never repeats one sent."""
    today = now.astimezone(domain.BANGKOK).date()
    events = []
    for approval in store.approvals(plan["id"]):
        if approval["state"] not in WAITING:
            continue
        since = datetime.fromisoformat(approval["at"]).astimezone(domain.BANGKOK).date()
        waited = (today - since).days
        if waited < reminder_days:
            continue
        reminder_day = waited // reminder_days * reminder_days
        events.append(contract_events.outgoing(PERIOD_APPROVAL_WAITING, {
            **approval, "days_waiting": waited, "occurred_at": now.isoformat(),
            "event_id": str(uuid.uuid5(REMINDER_NAMESPACE,
                                       f"{approval['event_id']}:day {reminder_day}"))}))
    return events

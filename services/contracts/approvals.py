"""The approval of a province's figures for a period (step 15, docs/approvals.md): the states, the
steps between them, who may take each, the lock they put on reports, and the current state
derived from the steps. Pure (stdlib only): reporting enforces it, the gateway offers it, notify
words it.

One approval per (plan, period, province); with no step yet it is ``open``. Each step is kept as
an event with the approval's ``version`` after it (1, 2, ...): the state is the step of the
highest version, so steps applied in any order, or twice, give the same state.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from . import access
from .errors import ApprovalError as StepError  # travels over RPC with its status and words
from .periods import PeriodError, english_date, parse_period, thai_date

BANGKOK = ZoneInfo("Asia/Bangkok")

OPEN, SUBMITTED, APPROVED, ACCEPTED = "open", "submitted", "approved", "accepted"
STATES = (OPEN, SUBMITTED, APPROVED, ACCEPTED)
LOCKED = (APPROVED, ACCEPTED)  # a report for the province and period is refused
SUBMIT, APPROVE, ACCEPT, REOPEN = "submit", "approve", "accept", "reopen"
STEPS = {SUBMIT: (OPEN, SUBMITTED), APPROVE: (SUBMITTED, APPROVED), ACCEPT: (APPROVED, ACCEPTED)}
MAX_COMMENT = 2000
# How certain a province's figure is, as views name it: its approval's state ("open" reads
# "provisional": nobody has vouched for it yet).
CERTAINTY = {OPEN: "provisional", SUBMITTED: "submitted", APPROVED: "approved",
             ACCEPTED: "accepted"}

STATE_NAMES = {  # (Thai, English)
    OPEN: ("ยังไม่รับรอง (ข้อมูลเบื้องต้น)", "provisional"),
    SUBMITTED: ("จังหวัดยืนยันส่งครบแล้ว", "submitted"),
    APPROVED: ("ผู้ว่าราชการจังหวัดอนุมัติแล้ว", "approved"),
    ACCEPTED: ("สำนักงานกลุ่มจังหวัดรับรองแล้ว", "accepted"),
}
STEP_NAMES = {
    SUBMIT: ("ยืนยันว่าข้อมูลครบ", "submit"), APPROVE: ("อนุมัติ", "approve"),
    ACCEPT: ("รับรอง", "accept"), REOPEN: ("เปิดงวดใหม่", "reopen"),
}


@dataclass(frozen=True)
class Approval:
    state: str = OPEN
    version: int = 0
    last: dict | None = None  # the step that made this state (by, at, comment...)


def current(steps: list[dict]) -> Approval:
    """The state of one approval from its steps, in any order, duplicates included."""
    if not steps:
        return Approval()
    last = max(steps, key=lambda s: s["version"])
    return Approval(last["state"], last["version"], last)


def next_state(step: str, state: str) -> str:
    """The state after ``step`` from ``state``; StepError (409) when the step does not apply."""
    if step == REOPEN:
        if state == OPEN:
            raise StepError(409, "wrong_state", "the period is open already",
                            "งวดนี้เปิดอยู่แล้ว")
        return OPEN
    if step not in STEPS:
        raise StepError(400, "bad_request", f"unknown step {step!r}; one of "
                        f"{', '.join((*STEPS, REOPEN))}", f"ไม่รู้จักขั้นตอน {step!r}")
    before, after = STEPS[step]
    if state != before:
        raise StepError(409, "wrong_state",
                        f"{step} needs the period {before}; it is {state}",
                        f"ขั้นตอนนี้ทำได้เมื่องวดอยู่ในสถานะ '{STATE_NAMES[before][0]}' "
                        f"แต่ขณะนี้เป็น '{STATE_NAMES[state][0]}'")
    return after


def may_take(who, step: str, state: str, province: str, cluster: str) -> bool:
    """Who may take ``step`` on the approval of ``province`` (in ``cluster``) now in ``state``
    (the table of docs/approvals.md): the province's planner submits, its approver approves, the
    cluster's OSM director accepts; reopening needs the level that approved or the one above.
    A key (no duty) has every power of its role; the admin may do all but submit and approve
    (a province vouches for its own figures)."""
    own_province = who.role == access.PROVINCE and who.scope == province
    osm_above = (who.role == access.OSM and who.scope == cluster
                 and access.may(who, "accept_period")) or who.role == access.ADMIN
    if step == SUBMIT:
        return own_province and access.may(who, "submit_period")
    if step == APPROVE:
        return own_province and access.may(who, "approve_period")
    if step == ACCEPT:
        return osm_above
    if step == REOPEN:
        if state == SUBMITTED:
            return own_province or osm_above
        if state == APPROVED:
            return (own_province and access.may(who, "approve_period")) or osm_above
        return osm_above
    return False


def steps_open_to(who, state: str, province: str, cluster: str) -> list[str]:
    """The steps ``who`` may take now on the approval of ``province`` in ``state`` (the forms
    a page offers, ``next_steps`` in the API)."""
    return [step for step in (SUBMIT, APPROVE, ACCEPT, REOPEN)
            if (state != OPEN if step == REOPEN else STEPS[step][0] == state)
            and may_take(who, step, state, province, cluster)]


def takes_part(who, province: str, cluster: str) -> bool:
    """Whether ``who`` may take any step at all on the approvals of ``province`` (in
    ``cluster``): who else asks for a step is refused before anything is read (403)."""
    return any(steps_open_to(who, state, province, cluster) for state in STATES)


def check_text(step: str, text) -> str | None:
    """The comment (a reason, for a reopening: required), stripped; StepError when bad."""
    if text is not None and not isinstance(text, str):
        raise StepError(400, "bad_request", "comment must be text", "ความเห็นต้องเป็นข้อความ")
    if text and len(text) > MAX_COMMENT:  # as sent (the documented maxLength), spaces included
        raise StepError(400, "bad_request", f"comment: at most {MAX_COMMENT} characters",
                        f"ความเห็นยาวได้ไม่เกิน {MAX_COMMENT} ตัวอักษร")
    text = (text or "").strip() or None
    if step == REOPEN and not text:
        raise StepError(400, "bad_request", "a reopening needs a reason",
                        "การเปิดงวดใหม่ต้องระบุเหตุผล")
    return text


def contains(approved_period: str, period: str) -> bool:
    """Whether a report for ``period`` lies in ``approved_period`` (the same, or a month of an
    approved quarter or year, or a quarter of an approved year)."""
    if approved_period == period:
        return True
    try:
        outer, inner = parse_period(approved_period), parse_period(period)
    except PeriodError:
        return False
    return outer.start <= inner.start and inner.end <= outer.end and outer.kind != inner.kind


def holds_day(approved_period: str, day: date) -> bool:
    """Whether a project report's ``as_of`` day lies in the approved period."""
    try:
        found = parse_period(approved_period)
    except PeriodError:
        return False
    return found.start <= day <= found.end


def lock_reason(period: str, province: str, last: dict) -> tuple[str, str]:
    """(English, Thai) reason a report is refused by an approved period: the period by its name,
    the day of the step as people there count it (Bangkok; B.E. in Thai), who took it."""
    day = _bangkok_day(last.get("at"))
    by = last.get("by") or "?"
    state = last.get("state", APPROVED)
    found = parse_period(period)
    en = (f"period {period} ({found.label_en}) of {province} was {state} on "
          f"{english_date(day) if day else '?'} by {by}; ask for it to be reopened")
    th = (f"งวด {period} ({found.label_th}) ของจังหวัด {province} {STATE_NAMES[state][0]}"
          f"เมื่อวันที่ {thai_date(day) if day else '?'} โดย {by} "
          "ขอให้เปิดงวดใหม่ก่อนส่งรายงาน")
    return en, th


def _bangkok_day(at: str | None) -> date | None:
    """The Bangkok day of a step's UTC time (a step at 20:00 UTC is the next day there)."""
    try:
        return datetime.fromisoformat(at).astimezone(BANGKOK).date()
    except (TypeError, ValueError):
        return None


def summary(states: dict[str, str], expected: list[str]) -> str:
    """The cluster value's approval: ``full`` when every expected province is approved or
    accepted, ``partial`` when some are, ``none`` otherwise."""
    done = [p for p in expected if states.get(p, OPEN) in LOCKED]
    if expected and len(done) == len(expected):
        return "full"
    return "partial" if done else "none"

"""Reporting: whether a well-formed report could have been meant (pure, no I/O) - the checks that
need the receiving clock. A report dated ahead of that clock would stay in force over every later
correction (the latest ``reported_at`` wins), and a value for a period that has not begun, or
progress as of a day still to come, cannot be a fact yet. Each rejection names the value and the
limit, in English and in Thai (the province officer reads the Thai)."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from services.contracts.periods import english_date, parse_period, thai_date

BANGKOK = ZoneInfo("Asia/Bangkok")
DEFAULT_MAX_AHEAD = timedelta(minutes=10)  # REPORT_MAX_AHEAD_MINUTES: senders' clocks drift


def _minutes(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 60:,.0f}"


def _ahead(delta: timedelta) -> tuple[str, str]:
    """How far ahead, in words a person reads: (English, Thai)."""
    seconds = delta.total_seconds()
    if seconds < 2 * 3600:
        return f"{seconds / 60:,.0f} minutes", f"{seconds / 60:,.0f} นาที"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:,.0f} hours", f"{seconds / 3600:,.0f} ชั่วโมง"
    return f"{seconds / 86400:,.0f} days", f"{seconds / 86400:,.0f} วัน"


def time_problem(kind: str, report: dict, now: datetime,
                 max_ahead: timedelta = DEFAULT_MAX_AHEAD) -> tuple[str, str] | None:
    """(English, Thai) reason the report's times are impossible at ``now`` (aware), or None.

    ``report`` is the body as its schema loaded it (``reported_at`` an aware datetime, ``as_of``
    a date, ``period`` a checked code)."""
    reported_at = report["reported_at"]
    if reported_at - now > max_ahead:
        en, th = _ahead(reported_at - now)
        return (f"reported_at {reported_at.isoformat()} is {en} ahead of the receiving clock "
                f"({now.isoformat(timespec='seconds')}); at most {_minutes(max_ahead)} minutes "
                "ahead is accepted: correct the sending computer's clock and send it again",
                f"เวลารายงาน (reported_at) {reported_at.isoformat()} ล่วงหน้าเวลาของระบบ "
                f"({now.isoformat(timespec='seconds')}) อยู่ {th} ซึ่งเกิน {_minutes(max_ahead)} "
                "นาทีที่ยอมรับ โปรดแก้นาฬิกาของเครื่องที่ส่งแล้วส่งใหม่")
    today = now.astimezone(BANGKOK).date()
    if kind == "indicator":
        period = parse_period(report["period"])
        if period.start > today:
            return (f"period {period.code} ({period.label_en}) starts on "
                    f"{english_date(period.start)}: its reports are accepted from that day "
                    f"(today is {english_date(today)}, Bangkok time)",
                    f"งวด {period.code} ({period.label_th}) เริ่มวันที่ {thai_date(period.start)} "
                    f"จึงรับรายงานของงวดนี้ได้ตั้งแต่วันนั้น (วันนี้ {thai_date(today)})")
    elif kind == "project" and report["as_of"] > today:
        return (f"as_of {report['as_of'].isoformat()} is after today ({english_date(today)}, "
                "Bangkok time): progress is reported as of a day that has come",
                f"วันที่ข้อมูล (as_of) {thai_date(report['as_of'])} เป็นวันในอนาคต "
                f"(วันนี้ {thai_date(today)}) ความก้าวหน้ารายงานได้ถึงวันนี้เท่านั้น")
    return None


def max_ahead_from(config_minutes) -> timedelta:
    """The allowed clock skew from a service's config (minutes, 0-1440)."""
    if config_minutes in (None, ""):
        return DEFAULT_MAX_AHEAD
    if isinstance(config_minutes, bool) or not isinstance(config_minutes, int) \
            or not 0 <= config_minutes <= 1440:
        raise ValueError(f"REPORT_MAX_AHEAD_MINUTES={config_minutes!r} must be a whole number "
                         "of minutes from 0 to 1440")
    return timedelta(minutes=config_minutes)



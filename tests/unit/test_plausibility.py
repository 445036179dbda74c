"""The checks that need the receiving clock (services/reporting/plausibility.py): a report dated
ahead of it, a period that has not begun, progress as of a day to come - each rejected with the
value and the limit named, in English and in Thai."""
from datetime import date, datetime, timedelta, timezone

import pytest

from services.reporting.plausibility import DEFAULT_MAX_AHEAD, max_ahead_from, time_problem

NOW = datetime(2026, 12, 5, 3, 0, tzinfo=timezone.utc)  # 10:00 in Bangkok, FY2570-Q1


def indicator(period="FY2570-Q1", at=NOW):
    return {"reported_at": at, "period": period}


def project(as_of=date(2026, 12, 5), at=NOW):
    return {"reported_at": at, "as_of": as_of}


def test_a_report_within_the_allowed_skew_passes():
    assert time_problem("indicator", indicator(at=NOW + timedelta(minutes=9)), NOW) is None
    assert time_problem("indicator", indicator(at=NOW - timedelta(days=400)), NOW) is None


def test_a_report_150_years_ahead_is_rejected_naming_the_value_and_the_limit():
    at = NOW.replace(year=2176)
    english, thai = time_problem("indicator", indicator(at=at), NOW)
    assert "2176-12-05T03:00:00+00:00" in english and "at most 10 minutes ahead" in english
    assert "days ahead of the receiving clock" in english
    assert "ล่วงหน้า" in thai and "10 นาที" in thai and "2176" in thai


def test_the_skew_is_configurable():
    at = NOW + timedelta(minutes=30)
    assert time_problem("indicator", indicator(at=at), NOW) is not None
    assert time_problem("indicator", indicator(at=at), NOW, timedelta(minutes=45)) is None
    assert max_ahead_from(None) == DEFAULT_MAX_AHEAD == timedelta(minutes=10)
    assert max_ahead_from(45) == timedelta(minutes=45)
    with pytest.raises(ValueError, match="REPORT_MAX_AHEAD_MINUTES"):
        max_ahead_from(-1)


def test_a_period_that_has_not_begun_is_rejected_in_bangkok_time():
    english, thai = time_problem("indicator", indicator("FY2570-Q2"), NOW)
    assert "FY2570-Q2" in english and "starts on 1 January 2027" in english
    assert "1 มกราคม 2570" in thai and "5 ธันวาคม 2569" in thai
    assert time_problem("indicator", indicator("2026-12"), NOW) is None  # begun today
    # 1 January 2027 00:30 in Bangkok is still 31 December in UTC: the period has begun
    new_year = datetime(2026, 12, 31, 17, 30, tzinfo=timezone.utc)
    assert time_problem("indicator", indicator("FY2570-Q2", at=new_year), new_year) is None


def test_progress_as_of_a_day_to_come_is_rejected():
    english, thai = time_problem("project", project(as_of=date(2026, 12, 6)), NOW)
    assert "as_of 2026-12-06 is after today" in english and "6 ธันวาคม 2569" in thai
    assert time_problem("project", project(), NOW) is None

"""Reporting completeness and timeliness per province and period (DHIS2-style)."""
from datetime import date

from services.reporting.timeliness import completeness
from tests.support.plans import published_sample_plan

PLAN = published_sample_plan()
QUARTERLY_FOR_ALL = 8   # quarterly indicators every province reports (NE2-2.2 is TH-34's only)


def row(rows, province):
    return next(r for r in rows if r["province"] == province)


def test_expected_follows_frequency_and_who_reports():
    rows = completeness(PLAN, "FY2567-Q2", {}, 15, date(2024, 4, 1))
    assert row(rows, "TH-34")["expected"] == QUARTERLY_FOR_ALL + 1
    assert row(rows, "TH-33")["expected"] == QUARTERLY_FOR_ALL
    yearly = completeness(PLAN, "FY2567", {}, 15, date(2024, 4, 1))
    assert row(yearly, "TH-35")["expected"] == 3  # NE2-1.3, NE2-4.2, NE2-5.2
    assert row(rows, "TH-33")["completeness_pct"] == 0.0 and not row(rows, "TH-33")["overdue"]


def test_on_time_late_and_missing_by_the_due_date_in_bangkok_time():
    # FY2567-Q2 ends 31 Mar 2024; due 15 days later: 15 Apr 2024 (Bangkok)
    first = {("TH-33", "NE2-1.1"): "2024-04-15T16:59:00+00:00",   # 23:59 in Bangkok: on time
             ("TH-33", "NE2-1.2"): "2024-04-15T17:01:00+00:00",   # 00:01 on the 16th: late
             ("TH-33", "NE2-2.1"): "2024-03-01T00:00:00.000000Z"}
    r = row(completeness(PLAN, "FY2567-Q2", first, 15, date(2024, 5, 1)), "TH-33")
    assert r["due_date"] == "2024-04-15"
    assert (r["received"], r["on_time"], r["late"]) == (3, 2, 1)
    assert r["late_indicators"] == ["NE2-1.2"]
    assert len(r["missing"]) == QUARTERLY_FOR_ALL - 3 and r["overdue"] is True
    assert r["completeness_pct"] == round(3 / 8 * 100, 2) and r["timeliness_pct"] == round(2 / 8 * 100, 2)


def test_rates_never_exceed_100_percent_and_other_provinces_do_not_count():
    first = {(p, i["code"]): "2024-04-01T00:00:00+00:00" for p in ("TH-33", "TH-10")
             for issue in PLAN["issues"] for i in issue["indicators"]}
    r = row(completeness(PLAN, "FY2567-Q2", first, 15, date(2024, 5, 1)), "TH-33")
    assert r["received"] == r["expected"] == QUARTERLY_FOR_ALL and r["completeness_pct"] == 100.0
    assert r["missing"] == [] and r["overdue"] is False

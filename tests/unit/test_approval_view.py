"""The /approvals page's view model (approval_view.py): which period it opens on, the overview of
every period, and each state and step in Thai and English."""
from datetime import date

from services.contracts import approvals as rule
from services.gateway import approval_view, dashboard

PERIODS = ["FY2570-Q1", "FY2570", "FY2569-Q4", "FY2569-Q3", "FY2569"]  # newest first


def test_the_page_opens_on_the_period_that_ended_last_the_quarter_before_its_year():
    assert approval_view.default_period(PERIODS, date(2026, 12, 6)) == "FY2569-Q4"
    assert approval_view.default_period(PERIODS, date(2026, 8, 1)) == "FY2569-Q3"
    assert approval_view.default_period(["FY2570-Q1"], date(2026, 12, 6)) == "FY2570-Q1"
    assert approval_view.default_period([], date(2026, 12, 6)) is None


def test_the_overview_has_every_period_newest_first_and_open_where_no_step_was_taken():
    rows = [{"period": p, "province": code, "state": "accepted" if (p, code) == ("FY2569", "TH-34")
             else "open"} for p in PERIODS for code in ("TH-34", "TH-33")]
    found = approval_view.matrix(rows[:-1], ["TH-34", "TH-33"])
    assert [m["period"] for m in found] == PERIODS
    assert found[-1]["states"] == [("TH-34", "accepted"), ("TH-33", "open")]


def test_every_state_and_step_has_thai_and_english_words_and_the_page_its_name():
    for state in rule.STATES:
        assert approval_view.state_name(state, "th") != approval_view.state_name(state, "en")
        assert approval_view.short_state(state, "th") and approval_view.short_state(state, "en")
    for step in rule.STEP_NAMES:
        assert approval_view.step_name(step, "th") != approval_view.step_name(step, "en")
    assert dashboard.words("th")["approvals"] == "การรับรองข้อมูล"
    assert all(len(v) == 2 and v[0] and v[1] for v in approval_view.WORDS.values())
    assert "approvals" in dashboard.PAGES and \
        dashboard.PAGES.index("approvals") == dashboard.PAGES.index("flags") + 1

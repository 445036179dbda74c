"""The dashboard's pure parts: traffic lights, the default period, labels, the rate limit."""
from datetime import date

from services.gateway.dashboard import (PAGES, by_issue, default_period, light, number, periods_of,
                                       render)
from services.gateway.pages import RateLimit
from tests.support.plans import published_sample_plan

PLAN = published_sample_plan()


def result(status, pct=None):
    return {"status": status, "achievement_pct": pct}


def test_traffic_lights():
    assert light(result("achieved", 120)) == "green"
    assert light(result("not_achieved", 85)) == "amber"
    assert light(result("not_achieved", 40)) == "red"
    assert light(result("not_achieved")) == "red"
    assert light(result("no_data")) == light(result("no_target")) == "grey"


def test_the_default_period_is_the_quarter_that_ended_last_inside_the_plan():
    assert default_period(PLAN, date(2026, 11, 23)) == "FY2569-Q4"
    assert default_period(PLAN, date(2024, 2, 1)) == "FY2567-Q1"
    assert default_period(PLAN, date(2035, 1, 1)) == "FY2570-Q1"
    assert periods_of(PLAN)[:2] == ["FY2570-Q4", "FY2570-Q3"] and "FY2566" in periods_of(PLAN)


def test_numbers_and_groups():
    assert (number(4321.5), number(1234567.0), number(None), number(3)) == \
        ("4,321.5", "1,234,567", "-", "3")
    results = [{"indicator": "NE2-1.1", "name_th": "ก", "name_en": "A", "status": "achieved",
                "achievement_pct": 100.0}]
    [first, *rest] = by_issue(PLAN, results, "en")
    assert first["rows"][0]["light"] == "green" and first["rows"][0]["name"] == "A"
    assert all(group["rows"] == [] for group in rest)


def test_the_login_page_speaks_both_languages_and_escapes_where_to_go_next():
    assert "เข้าสู่ระบบ" in render("login", "th", error=None, pre="t", next="/")
    wrong = render("login", "en", error="bad_login", pre="t", next="/\"><script>")
    assert "Wrong username or password" in wrong and "<script>" not in wrong
    assert "Unknown API key" in render("login", "en", error="bad_key", pre="t", next="/")


def test_the_rate_limit_allows_so_many_per_window_per_client():
    limit = RateLimit(2, 60)
    assert [limit.allow("a", t) for t in (0, 1, 2)] == [True, True, False]
    assert limit.allow("b", 2) is True and limit.allow("a", 61) is True


def test_metrics_are_in_prometheus_text_format():
    from services.gateway.metrics import exposition
    text = exposition({"reporting.intake": (3, 1)}).decode()
    assert 'cluster_queue_messages{queue="reporting.intake"} 3.0' in text
    assert 'cluster_queue_consumer_count{queue="reporting.intake"} 1.0' in text
    assert "# TYPE process_cpu_seconds_total counter" in text  # the process's own, too
    assert all(line.startswith("#") or line.count(" ") == 1 for line in text.strip().splitlines())


def test_a_plan_with_monthly_indicators_offers_its_months():
    monthly = {**PLAN, "issues": [{"indicators": [{"frequency": "monthly"}]}]}
    periods = periods_of(monthly)
    assert periods[:4] == ["2027-09", "2027-08", "2027-07", "FY2570-Q4"]
    assert "2022-10" in periods and "2022-10" not in periods_of(PLAN)


def test_my_reports_lists_a_project_report_too():
    """A province that sent project progress could not open "My reports" (the page read an
    indicator's fields of every report)."""
    report = {"event_id": "e-1", "received_at": "2024-04-10T00:00:00+00:00", "kind": "project",
              "project": "NE2-67-001", "as_of": "2024-03-31", "physical_progress_pct": 20.0,
              "status": "in_force", "province": "TH-34"}
    page = render("my_reports", "th", province="TH-34", due=[], reports=[report],
                            rejected=[], page="my_reports", plan=None, plans=[], period=None,
                            periods=[], provinces=[], province_names={}, who="x", query="",
                            download=None, nav=PAGES, sample=False, csrf="t")
    assert 'data-event="e-1"' in page and "NE2-67-001" in page and "31 มีนาคม 2567" in page

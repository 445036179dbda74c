"""The benchmark's pure helpers (bench/stats.py): no timing is asserted anywhere, only that the
arithmetic, the table and the results file are right."""
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bench import stats

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results"


def test_percentiles_interpolate_between_closest_ranks():
    values = [5, 1, 4, 2, 3]  # unsorted on purpose
    assert stats.percentile(values, 0) == 1
    assert stats.percentile(values, 50) == 3
    assert stats.percentile(values, 100) == 5
    assert stats.percentile(values, 25) == 2
    assert stats.percentile([1, 2], 50) == 1.5
    assert stats.percentile(range(1, 101), 99) == pytest.approx(99.01)
    assert stats.percentile([7], 95) == 7
    assert stats.percentile([], 50) is None
    with pytest.raises(ValueError):
        stats.percentile([1], 101)


def test_summary_in_milliseconds_and_ratios():
    summary = stats.summarize([0.010, 0.020, 0.030])
    assert summary == {"n": 3, "p50": 20.0, "p95": 29.0, "p99": 29.8, "max": 30.0}
    assert stats.summarize([])["p99"] is None
    assert stats.ratio(50, 200) == 0.25
    assert stats.ratio(None, 2) is None and stats.ratio(1, 0) is None
    assert stats.rate(1000, 2.0) == 500.0 and stats.rate(10, 0) is None


def test_table_aligns_numbers_right_and_text_left():
    table = stats.render_table([["ingest", 655.4, "reports/s"], ["ceiling", 8567.0, None]],
                               ["figure", "value", "unit"])
    lines = table.splitlines()
    assert lines[0].split() == ["figure", "value", "unit"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert lines[2].startswith("ingest ") and "655" in lines[2]
    assert "8,567" in lines[3] and lines[3].endswith("-")  # no value: a dash
    # numbers end in the same column
    assert lines[2].index("655") + len("655") == lines[3].index("8,567") + len("8,567")
    with pytest.raises(ValueError):
        stats.render_table([["one cell"]], ["a", "b"])


def test_figures_and_goals_tables_render_every_row():
    figures = [stats.figure("ceiling", "ceiling", 8000.0, "reports/s", "ceiling", 8000.0),
               stats.figure("ingest_4", "ingest, 4 provinces", 640.0, "reports/s", "ceiling", 8000.0)]
    assert figures[1]["ratio"] == 0.08
    text = stats.figures_table(figures)
    assert "ingest, 4 provinces" in text and "0.080" in text
    goals = stats.evaluate_goals(figures, [])
    assert "NO" in stats.goals_table(goals)


def _figures(p95_small=10.0, p95_large=12.0, rebuild=30_000.0, memory=120.0, fresh=80.0):
    f = stats.figure
    rows = [f("ceiling", "ceiling", 4000.0, "reports/s"),
            f("ingest_4", "ingest, 4 provinces", 2500.0, "reports/s"),
            f("ingest_76", "ingest, 76 provinces", 1000.0, "reports/s"),
            f("freshness_p99", "freshness p99", fresh, "ms"),
            f("rebuild_1M", "rebuild at 1M", rebuild, "reports/s"),
            f("memory_reporting_1M", "peak memory reporting at 1M", memory, "MB"),
            f("memory_reporting_serving_1M", "reporting serving at 1M", 60.0, "MB")]
    for query in ("indicator_results_quarter", "dashboard"):
        rows.append(f(f"query_{query}_10k_p95", f"{query} at 10k p95", p95_small, "ms"))
        rows.append(f(f"query_{query}_1M_p95", f"{query} at 1M p95", p95_large, "ms"))
    return rows


def test_goals_follow_the_issue():
    goals = {g["goal"]: g["met"] for g in stats.evaluate_goals(_figures(), ["10k", "100k", "1M"])}
    assert goals["ingest, 4 provinces >= 0.5 x ceiling"] is True
    assert goals["ingest, 76 provinces >= 0.5 x ceiling"] is False  # 0.25 x
    assert goals["freshness p99 <= 250 ms"] is True
    assert goals["dashboard at 1M p95 <= 50 ms"] is True
    assert goals["dashboard at 1M p95 within 1.5 x its 10k figure"] is True
    assert goals["rebuild at 1M >= 20k reports/s"] is True
    assert goals["reporting peak memory at 1M < 300 MB (a rebuild included)"] is True
    assert goals["reporting peak memory at 1M < 300 MB (serving queries)"] is True

    worse = {g["goal"]: g["met"] for g in stats.evaluate_goals(
        _figures(p95_small=10, p95_large=16, rebuild=5000.0, memory=900.0, fresh=300.0),
        ["10k", "100k", "1M"])}
    assert worse["dashboard at 1M p95 within 1.5 x its 10k figure"] is False  # 1.6 x
    assert worse["dashboard at 1M p95 <= 50 ms"] is True
    assert worse["rebuild at 1M >= 20k reports/s"] is False
    assert worse["reporting peak memory at 1M < 300 MB (a rebuild included)"] is False
    assert worse["freshness p99 <= 250 ms"] is False


def test_a_missing_figure_is_a_goal_not_met():
    goals = stats.evaluate_goals([stats.figure("ingest_4", "ingest, 4 provinces", 10.0, "reports/s")],
                                 ["10k"])
    assert {g["goal"]: g["met"] for g in goals} == {
        "ingest, 4 provinces >= 0.5 x ceiling": False, "freshness p99 <= 250 ms": False}


def test_result_file_name_and_shape(tmp_path):
    started = datetime(2026, 11, 24, 1, 7, 30, tzinfo=timezone.utc)
    assert stats.result_path(tmp_path, started) == tmp_path / "2026-11-24-0107.json"
    figures = _figures()
    document = stats.result_document(started, "full", {"cpus": 2}, {"sizes": ["10k"]},
                                     {"ceiling_reports_per_s": 4000.0}, figures,
                                     stats.evaluate_goals(figures, ["10k", "1M"]), ["a note"], 12.34)
    assert stats.check_result(json.loads(json.dumps(document))) == []
    assert document["started_at"] == "2026-11-24T01:07:30+00:00" and document["seconds"] == 12.3
    broken = {k: v for k, v in document.items() if k != "goals"}
    broken["figures"] = [{"key": "x"}]
    problems = stats.check_result(broken)
    assert "missing goals" in problems and "figure 0 has no value" in problems


def test_recorded_results_have_the_expected_shape():
    recorded = sorted(RESULTS.glob("*.json"))
    for path in recorded:
        assert stats.check_result(json.loads(path.read_text("utf-8"))) == [], path.name


def test_the_ingest_is_judged_against_the_median_of_the_runs_ceilings():
    f = stats.figure
    figures = [f("ceiling", "ceiling", 5700.0, "reports/s"),
               f("ingest_4", "ingest, 4 provinces", 3500.0, "reports/s"),
               f("ceiling_mid", "ceiling before the 76", 7000.0, "reports/s"),
               f("ceiling_end", "ceiling at the end", 8400.0, "reports/s")]
    goal = next(g for g in stats.evaluate_goals(figures, []) if g["goal"].startswith("ingest"))
    assert goal["met"] is True  # 3,500 / 7,000 = 0.5, though 0.42 x the highest ceiling
    assert goal["measured"] == "0.50 x median ceiling (0.42-0.61 over 3 ceilings)"
    figures[2] = f("ceiling_mid", "ceiling before the 76", 8000.0, "reports/s")
    assert not next(g for g in stats.evaluate_goals(figures, []) if g["goal"].startswith("ingest"))["met"]

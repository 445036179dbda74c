"""The benchmark's pure helpers: percentiles, ratios, the goals, the table and the results file.

No I/O and no clock here (tests/unit/test_bench_helpers.py checks them).
"""
from __future__ import annotations

import math
import statistics
from datetime import datetime
from pathlib import Path

RESULT_KEYS = ("schema", "started_at", "mode", "machine", "parameters", "baselines", "figures",
               "goals", "notes", "seconds")
FIGURE_KEYS = ("key", "name", "value", "unit", "baseline", "ratio")
SCHEMA = "cluster-planning-bench/1"


def percentile(values, p: float) -> float | None:
    """The ``p``-th percentile (0-100) with linear interpolation between closest ranks (as
    numpy's default); None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    if not 0 <= p <= 100:
        raise ValueError(f"percentile {p} is not within 0-100")
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarize(seconds) -> dict:
    """Latencies in seconds -> n and p50/p95/p99/max in milliseconds."""
    values = list(seconds)
    ms = lambda v: None if v is None else round(v * 1000, 2)  # noqa: E731
    return {"n": len(values), "p50": ms(percentile(values, 50)), "p95": ms(percentile(values, 95)),
            "p99": ms(percentile(values, 99)), "max": ms(max(values) if values else None)}


def ratio(value, base) -> float | None:
    if value is None or not base:
        return None
    return round(value / base, 3)


def rate(count: int, seconds: float) -> float | None:
    return round(count / seconds, 1) if seconds and seconds > 0 else None


def figure(key: str, name: str, value, unit: str, baseline: str | None = None,
           base_value=None, **detail) -> dict:
    """One row of the table: a measured value and its ratio to a baseline of the same run."""
    return {"key": key, "name": name, "value": value, "unit": unit, "baseline": baseline,
            "baseline_value": base_value, "ratio": ratio(value, base_value), **detail}


def find(figures: list[dict], key: str) -> dict | None:
    return next((f for f in figures if f["key"] == key), None)


def _value(figures, key):
    found = find(figures, key)
    return None if found is None else found["value"]


CEILING_KEYS = ("ceiling", "ceiling_mid", "ceiling_end")


def evaluate_goals(figures: list[dict], sizes: list[str]) -> list[dict]:
    """The issue's goals against the figures; a goal whose figure is missing is not met."""
    goals = []

    def goal(text: str, measured: str, met) -> None:
        goals.append({"goal": text, "measured": measured, "met": bool(met)})

    # The broker's own rate drifts within a run (seen: 5,700 at the start, 8,400 at the end of
    # one quick run), so the ingest is judged against the median of every ceiling the run
    # measured (start, before the 76 provinces, end), and the range is shown.
    ceilings = [v for v in (_value(figures, k) for k in CEILING_KEYS) if v]
    ceiling = statistics.median(ceilings) if ceilings else None
    for key in ("ingest_4", "ingest_76"):
        found = find(figures, key)
        if found:
            r = ratio(found["value"], ceiling)
            spread = "" if len(ceilings) < 2 else (
                f" ({fmt(ratio(found['value'], max(ceilings)))}-"
                f"{fmt(ratio(found['value'], min(ceilings)))} over {len(ceilings)} ceilings)")
            goal(f"{found['name']} >= 0.5 x ceiling", f"{fmt(r)} x median ceiling{spread}",
                 r is not None and r >= 0.5)
    fresh = [f for f in figures if f["key"] in ("freshness_p99", "freshness_76_p99")] or \
        [figure("freshness_p99", "freshness p99", None, "ms")]
    for found in fresh:
        p99 = found["value"]
        goal(f"{found['name'].split(' at ')[0]} <= 250 ms", f"{fmt(p99)} ms",
             p99 is not None and p99 <= 250)
    if sizes:
        first, largest = sizes[0], sizes[-1]
        for query in ("indicator_results_quarter", "indicator_results_year", "dashboard",
                      "dashboard_new_connection"):
            large = find(figures, f"query_{query}_{largest}_p95")
            small = _value(figures, f"query_{query}_{first}_p95")
            if large is None:
                continue
            label = large["name"].rsplit(" p95", 1)[0]
            goal(f"{label} p95 <= 50 ms", f"{fmt(large['value'])} ms",
                 large["value"] is not None and large["value"] <= 50)
            growth = ratio(large["value"], small)
            goal(f"{label} p95 within 1.5 x its {first} figure",
                 f"{fmt(growth)} x", growth is not None and growth <= 1.5)
        rebuild = find(figures, f"rebuild_{largest}")
        if rebuild:
            goal(f"rebuild at {largest} >= 20k reports/s", f"{fmt(rebuild['value'])} reports/s",
                 rebuild["value"] is not None and rebuild["value"] >= 20_000)
        for key, what in ((f"memory_reporting_serving_{largest}", "serving queries"),
                          (f"memory_reporting_{largest}", "a rebuild included")):
            memory = find(figures, key)
            if memory:
                goal(f"reporting peak memory at {largest} < 300 MB ({what})",
                     f"{fmt(memory['value'])} MB",
                     memory["value"] is not None and memory["value"] < 300)
    return goals


def fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}" if abs(value) >= 0.1 or value == 0 else f"{value:.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def render_table(rows: list[list], header: list[str]) -> str:
    """A plain-text table: numbers right-aligned, text left-aligned, one space-padded column per
    header; every row must have as many cells as the header."""
    cells = [[fmt(c) for c in row] for row in rows]
    for row in cells:
        if len(row) != len(header):
            raise ValueError(f"row {row} has {len(row)} cells, the header {len(header)}")
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h)
              for i, h in enumerate(header)]
    numeric = [bool(rows) and all(isinstance(r[i], (int, float)) or r[i] is None for r in rows)
               for i in range(len(header))]

    def line(values):
        return "  ".join(v.rjust(w) if num else v.ljust(w)
                         for v, w, num in zip(values, widths, numeric)).rstrip()

    out = [line(header), line(["-" * w for w in widths])]
    out += [line(r) for r in cells]
    return "\n".join(out)


def figures_table(figures: list[dict]) -> str:
    return render_table([[f["name"], f["value"], f["unit"], f["baseline"] or "",
                          f.get("baseline_value"), f["ratio"]] for f in figures],
                        ["figure", "value", "unit", "baseline (same run)", "its value",
                         "x baseline"])


def goals_table(goals: list[dict]) -> str:
    return render_table([[g["goal"], g["measured"], "yes" if g["met"] else "NO"] for g in goals],
                        ["goal (issue step 8)", "measured", "met"])


def result_path(directory: Path, started: datetime) -> Path:
    return Path(directory) / f"{started:%Y-%m-%d-%H%M}.json"


def result_document(started: datetime, mode: str, machine: dict, parameters: dict,
                    baselines: dict, figures: list[dict], goals: list[dict], notes: list[str],
                    seconds: float) -> dict:
    return {"schema": SCHEMA, "started_at": started.isoformat(timespec="seconds"), "mode": mode,
            "machine": machine, "parameters": parameters, "baselines": baselines,
            "figures": figures, "goals": goals, "notes": notes, "seconds": round(seconds, 1)}


def check_result(document: dict) -> list[str]:
    """What is wrong with a results document (empty when it has the expected shape)."""
    problems = [f"missing {k}" for k in RESULT_KEYS if k not in document]
    if document.get("schema") not in (None, SCHEMA):
        problems.append(f"unknown schema {document.get('schema')!r}")
    if document.get("mode") not in (None, "quick", "full"):
        problems.append(f"mode {document.get('mode')!r} is neither quick nor full")
    for n, row in enumerate(document.get("figures") or []):
        problems += [f"figure {n} has no {k}" for k in FIGURE_KEYS if k not in row]
    for n, row in enumerate(document.get("goals") or []):
        problems += [f"goal {n} has no {k}" for k in ("goal", "measured", "met") if k not in row]
    if "figures" in document and not document["figures"]:
        problems.append("no figures")
    return problems

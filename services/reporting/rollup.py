"""Results by national alignment (issue 26 point 3): a plan's figures for a fiscal year rolled up
by the entries of one level of the national hierarchy - strategy, master plan, sub-plan,
milestone, SDG, or a target level (pure, no I/O).

Built from what reporting already computes (project progress, indicator results for the fiscal
year) and what the plan snapshot carries (``national_links`` and ``national_entries``): the
hierarchy itself is never needed. Rules, each a question a planner asked:
- a part serves an entry when one of its links is that entry or under it; an indicator or a
  project with no links of its own serves what its issue serves (contracts.national_links_of);
- a part counts once under an entry, however many of its links lead there (a project linked to
  two sub-plans of one master plan is one project, one budget, under that master plan);
- a part serving two entries of the level counts under each (rows may add up to more than the
  plan: ``total`` counts every part once); what serves no entry of the level is the one row
  "not aligned / ไม่ระบุความสอดคล้อง", so every part is in some row;
- projects of the fiscal year only, cancelled ones not at all (nothing more is due from them);
  physical progress is weighted by budget, over the projects that reported any;
- an indicator is on track when its fiscal-year value achieves the target; the mean achievement
  caps each at 100% so that one overshooting target does not hide another's miss.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from services.contracts.plans import (holds_sample, iter_indicators, national_lineage,
                                      national_links_of)

NOT_ALIGNED = {"code": None, "name_th": "ไม่ระบุความสอดคล้อง", "name_en": "Not aligned",
               "verified": None}
TOTAL = {"code": None, "name_th": "รวมทั้งแผน", "name_en": "Whole plan", "verified": None}
NATIONAL_TOTAL = {**TOTAL, "name_th": "รวมทุกกลุ่มจังหวัด", "name_en": "Every cluster"}
ACHIEVEMENT_CAP = 100.0


@dataclass
class Tally:
    """What serves one entry: the parts once each (by key), and their figures summed."""
    issues: set = field(default_factory=set)
    projects: set = field(default_factory=set)
    indicators: set = field(default_factory=set)
    budget: float = 0.0
    disbursed: float = 0.0
    projects_reported: int = 0
    progress_weight: float = 0.0   # the budget of the projects that reported progress
    progress_weighted: float = 0.0  # their progress x budget
    progress_plain: float = 0.0     # their progress summed (all budgets zero: a plain mean)
    on_track: int = 0
    with_data: int = 0
    achievement_sum: float = 0.0
    achievement_count: int = 0

    def add_project(self, key, project: dict, row: dict | None) -> None:
        if key in self.projects:
            return
        self.projects.add(key)
        self.budget += project["budget_thb"]
        if row is None or row.get("physical_progress_pct") is None:
            return
        self.disbursed += row.get("disbursed_thb") or 0.0
        self.projects_reported += 1
        self.progress_weight += project["budget_thb"]
        self.progress_weighted += row["physical_progress_pct"] * project["budget_thb"]
        self.progress_plain += row["physical_progress_pct"]

    def add_indicator(self, key, result: dict | None) -> None:
        if key in self.indicators:
            return
        self.indicators.add(key)
        status = (result or {}).get("status", "no_data")
        self.with_data += status != "no_data"
        self.on_track += status == "achieved"
        if (result or {}).get("achievement_pct") is not None:
            self.achievement_sum += min(result["achievement_pct"], ACHIEVEMENT_CAP)
            self.achievement_count += 1

    def merge(self, other: "Tally") -> None:
        """Another plan's tally of the same entry (keys are per plan: nothing is shared)."""
        for name in ("issues", "projects", "indicators"):
            getattr(self, name).update(getattr(other, name))
        for name in ("budget", "disbursed", "projects_reported", "progress_weight",
                     "progress_weighted", "progress_plain", "on_track", "with_data",
                     "achievement_sum", "achievement_count"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def figures(self) -> dict:
        progress = None
        if self.projects_reported:
            progress = (self.progress_weighted / self.progress_weight if self.progress_weight
                        else self.progress_plain / self.projects_reported)
        return {"issues": len(self.issues), "projects": len(self.projects),
                "projects_reported": self.projects_reported,
                "budget_thb": round(self.budget, 2), "disbursed_thb": round(self.disbursed, 2),
                "disbursement_pct": _pct(self.disbursed, self.budget),
                "physical_progress_pct": None if progress is None else round(progress, 2),
                "indicators": len(self.indicators), "indicators_on_track": self.on_track,
                "indicators_with_data": self.with_data,
                "achievement_mean_pct": (round(self.achievement_sum / self.achievement_count, 2)
                                         if self.achievement_count else None)}


def _pct(part: float, whole: float) -> float | None:
    return round(part / whole * 100, 2) if whole else None


def entries_at(plan: dict, codes, level: str) -> set[str]:
    """The entries of ``level`` that ``codes`` are or lie under, by what the plan carries."""
    return {entry["code"] for code in codes for entry in national_lineage(plan, code)
            if entry["level"] == level}


def natural(code: str) -> tuple:
    """SDG2 before SDG10, MP03 before MP10."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", code))


def tallies(plan: dict, level: str, fiscal_year: int, progress: list[dict],
            results: list[dict]) -> tuple[dict, Tally, Tally]:
    """({entry code: Tally}, the not-aligned Tally, the whole plan's Tally) of one plan for a
    fiscal year; ``progress``: reporting's project progress rows, ``results``: its indicator
    results for FY<fiscal_year>. Parts are keyed by plan and code, so plans merge."""
    links = national_links_of(plan)
    by_code: dict[str, Tally] = {e["code"]: Tally() for e in plan.get("national_entries") or []
                                 if e["level"] == level}
    none, whole = Tally(), Tally()
    pid = plan["id"]

    def serving(kind: str, key: str) -> list[Tally]:
        found = entries_at(plan, links.get((kind, key), []), level)
        return [by_code.setdefault(code, Tally()) for code in sorted(found)] or [none]

    for issue in plan.get("issues", []):
        for tally in serving("issue", str(issue["number"])) + [whole]:
            tally.issues.add((pid, issue["number"]))
    rows = {r["project"]: r for r in progress}
    for project in plan.get("projects", []):
        if project["fiscal_year"] != fiscal_year or project.get("status") == "cancelled":
            continue
        for tally in serving("project", project["code"]) + [whole]:
            tally.add_project((pid, project["code"]), project, rows.get(project["code"]))
    found = {r["indicator"]: r for r in results}
    for _, indicator in iter_indicators(plan):
        for tally in serving("indicator", indicator["code"]) + [whole]:
            tally.add_indicator((pid, indicator["code"]), found.get(indicator["code"]))
    return by_code, none, whole


def _entry_rows(entries: dict[str, dict], by_code: dict[str, Tally], none: Tally,
                level: str) -> list[dict]:
    """A row per entry (natural order of codes), then the not-aligned row."""
    rows = [{**_named(entries.get(code), code), "level": level, **by_code[code].figures()}
            for code in sorted(by_code, key=natural)]
    return rows + [{**NOT_ALIGNED, "level": level, **none.figures()}]


def _named(entry: dict | None, code: str) -> dict:
    entry = entry or {}  # a code the plan links but does not carry: named by its code
    return {"code": code, "name_th": entry.get("name_th") or code,
            "name_en": entry.get("name_en") or "", "verified": bool(entry.get("verified"))}


def plan_rollup(plan: dict, level: str, fiscal_year: int, progress: list[dict],
                results: list[dict]) -> dict:
    """One plan's view: a row per entry of ``level`` it carries, the not-aligned row, and the
    whole plan (every part once)."""
    by_code, none, whole = tallies(plan, level, fiscal_year, progress, results)
    entries = {e["code"]: e for e in plan.get("national_entries") or []}
    return {"plan_id": plan["id"], "cluster": plan["cluster"], "level": level,
            "fiscal_year": fiscal_year, "national_version": plan.get("national_version"),
            "sample": holds_sample(plan), "rows": _entry_rows(entries, by_code, none, level),
            "total": {**TOTAL, "level": level, **whole.figures()}}


def national_rollup(parts: list[tuple[dict, list[dict], list[dict]]], level: str,
                    fiscal_year: int) -> dict:
    """Every cluster's plan together (``parts``: (plan, progress, results) each): a row per
    entry with the clusters' own figures beside (``clusters``), the not-aligned row, the whole."""
    merged: dict[str, Tally] = {}
    none, whole = Tally(), Tally()
    entries: dict[str, dict] = {}
    per_cluster: dict[str | None, list[dict]] = {}
    plans = []
    for plan, progress, results in sorted(parts, key=lambda p: (p[0]["cluster"], p[0]["id"])):
        by_code, plan_none, plan_whole = tallies(plan, level, fiscal_year, progress, results)
        for entry in plan.get("national_entries") or []:
            entries.setdefault(entry["code"], entry)  # the first cluster's wording
        for code, tally in list(by_code.items()) + [(None, plan_none)]:
            (merged.setdefault(code, Tally()) if code else none).merge(tally)
            per_cluster.setdefault(code, []).append(
                {"cluster": plan["cluster"], "plan_id": plan["id"], **tally.figures()})
        whole.merge(plan_whole)
        plans.append({"plan_id": plan["id"], "cluster": plan["cluster"],
                      "title_th": plan.get("title_th"), "title_en": plan.get("title_en"),
                      "national_version": plan.get("national_version"),
                      "sample": holds_sample(plan), "total": plan_whole.figures()})
    rows = _entry_rows(entries, merged, none, level)
    for row in rows:
        row["clusters"] = [c for c in per_cluster.get(row["code"], []) if _serves(c)]
    return {"level": level, "fiscal_year": fiscal_year, "plans": plans, "rows": rows,
            "total": {**NATIONAL_TOTAL, "level": level, **whole.figures()}}


def _serves(figures: dict) -> bool:
    return bool(figures["issues"] or figures["projects"] or figures["indicators"])

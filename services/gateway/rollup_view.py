"""Views by national alignment where people look (pure): the fiscal year asked for, cluster names
on reporting's rollup (services/reporting/rollup.py computes the figures), the export tables
and the dashboard page's rows and charts - names, not codes, Thai and English, B.E. years."""
from __future__ import annotations

import json
from datetime import date

from services.contracts.national import LEVEL_NAMES
from services.contracts.periods import last_ended_period, parse_period

from . import dashboard

DEFAULT_LEVEL = "strategy"
WORDS = {
    "level": ("ระดับของแผนระดับชาติ", "Level of the national plans"),
    "scope": ("ขอบเขต", "Scope"), "this_plan": ("แผนนี้ (กลุ่มจังหวัดเดียว)", "This plan (one cluster)"),
    "all_clusters": ("ทุกกลุ่มจังหวัด (ภาพรวมประเทศ)", "Every cluster (national view)"),
    "fiscal_year": ("ปีงบประมาณ", "Fiscal year"), "entry": ("ประเด็นระดับชาติ", "National entry"),
    "issues": ("ประเด็นการพัฒนา", "Development issues"), "projects": ("โครงการ", "Projects"),
    "indicators": ("ตัวชี้วัด บรรลุ / มีข้อมูล / ทั้งหมด", "Indicators achieved / with data / all"),
    "mean_achievement": ("ร้อยละของเป้าหมายเฉลี่ย", "Mean % of target"),
    "physical": ("ความก้าวหน้าทางกายภาพ ร้อยละ (ถ่วงด้วยงบประมาณ)",
                 "Physical progress % (budget-weighted)"),
    "cluster": ("กลุ่มจังหวัด", "Cluster"), "by_cluster": ("แยกตามกลุ่มจังหวัด", "By cluster"),
    "whole": ("รวม (นับแต่ละรายการครั้งเดียว)", "Total (each counted once)"),
    "money_chart": ("งบประมาณและการเบิกจ่าย (ล้านบาท)", "Budget and disbursement (million THB)"),
    "pct_chart": ("ร้อยละการเบิกจ่าย ความก้าวหน้า และการบรรลุเป้าหมาย",
                  "Disbursed, physical progress and achievement (%)"),
    "csv": ("ดาวน์โหลด CSV", "Download CSV"),
    "budget_m": ("งบประมาณ (ล้านบาท)", "Budget (million THB)"),
    "disbursed_m": ("เบิกจ่ายแล้ว (ล้านบาท)", "Disbursed (million THB)"),
    "unverified": ("* ชื่อนี้ยังไม่ได้ตรวจทานกับเอกสารต้นฉบับ",
                   "* this name is not yet checked against its source document"),
    "note": ("โครงการของปีงบประมาณที่เลือก (ไม่นับโครงการที่ยกเลิก) และตัวชี้วัดทุกตัวเทียบค่าเป้าหมายทั้งปี "
             "รายการที่สอดคล้องกับหลายประเด็นนับในทุกประเด็นนั้น แถวรวมนับแต่ละรายการครั้งเดียว "
             "ร้อยละของเป้าหมายเฉลี่ยนับตัวชี้วัดละไม่เกิน 100",
             "Projects of the chosen fiscal year (cancelled ones not counted) and every indicator "
             "against its target for the whole year. What serves several entries counts under "
             "each; the total counts everything once. The mean % of target counts each "
             "indicator at most 100"),
}
MONEY = 1_000_000.0
LABEL_CHARS = 32  # a chart's axis shows at most this much of a name (the tooltip all of it)


def words(lang: str) -> dict:
    i = dashboard.LANGUAGES.index(lang)
    return {k: v[i] for k, v in WORDS.items()}


def level_choices(lang: str) -> list[tuple[str, str]]:
    i = dashboard.LANGUAGES.index(lang)
    return [(level, names[i]) for level, names in LEVEL_NAMES.items()]


def default_fiscal_year(today: date, first: int | None = None, last: int | None = None) -> int:
    """The fiscal year of the quarter that ended last (the dashboard's default period), within
    ``first``-``last`` when given (a plan's years)."""
    year = parse_period(last_ended_period("quarterly", today)).fiscal_year
    if first is not None:
        year = max(year, first)
    return min(year, last) if last is not None else year


def fiscal_year_asked(raw: str | None, default: int) -> int:
    """``?fy=2569`` or ``FY2569`` (B.E.), else ``default``; ValueError said in Thai and English."""
    if raw is None:
        return default
    digits = raw[2:] if raw.startswith("FY") else raw
    if not (digits.isascii() and digits.isdigit() and len(digits) == 4) \
            or not 2500 <= int(digits) <= 2700:
        raise ValueError(f"fy {raw[:20]!r}: ปีงบประมาณต้องเป็นปี พ.ศ. เช่น 2569 หรือ FY2569 / "
                         "fy must be a B.E. fiscal year such as 2569 or FY2569")
    return int(digits)


def name_clusters(view: dict, clusters: list[dict]) -> dict:
    """The clusters of a national view named (``cluster_name_th``/``_en``), in place."""
    names = {c["code"]: c for c in clusters}
    for item in view.get("plans", []) + [c for row in view["rows"] for c in row.get("clusters", [])]:
        found = names.get(item["cluster"]) or {}
        item["cluster_name_th"] = found.get("name_th") or item["cluster"]
        item["cluster_name_en"] = found.get("name_en") or item["cluster"]
    return view


# --- the exports ---------------------------------------------------------------------------

FIGURES = (("ประเด็นการพัฒนา (issues)", "issues"), ("โครงการ (projects)", "projects"),
           ("โครงการที่รายงานแล้ว (projects_reported)", "projects_reported"),
           ("งบประมาณ บาท (budget_thb)", "budget_thb"),
           ("เบิกจ่ายแล้ว บาท (disbursed_thb)", "disbursed_thb"),
           ("ร้อยละการเบิกจ่าย (disbursement_pct)", "disbursement_pct"),
           ("ความก้าวหน้าทางกายภาพ ร้อยละ ถ่วงด้วยงบประมาณ (physical_progress_pct)",
            "physical_progress_pct"),
           ("ตัวชี้วัด (indicators)", "indicators"),
           ("ตัวชี้วัดที่มีข้อมูล (indicators_with_data)", "indicators_with_data"),
           ("ตัวชี้วัดที่บรรลุเป้าหมาย (indicators_on_track)", "indicators_on_track"),
           ("ร้อยละของเป้าหมายเฉลี่ย ตัวละไม่เกิน 100 (achievement_mean_pct)",
            "achievement_mean_pct"))
VERIFIED_TH = {True: "ตรวจทานแล้ว", False: "ยังไม่ได้ตรวจทาน", None: None}


def _entry_cells(view: dict, row: dict) -> list:
    level = view["level"]
    return [f"{LEVEL_NAMES[level][0]} ({level})", row["code"], row["name_th"], row["name_en"],
            VERIFIED_TH[row["verified"]], view["fiscal_year"]]


def _header(national: bool) -> list[str]:
    return (["ระดับ (level)", "รหัส (code)", "ชื่อ (name_th)", "Name (name_en)",
             "การตรวจทานชื่อ (verified)", "ปีงบประมาณ พ.ศ. (fiscal_year)"]
            + ["กลุ่มจังหวัด (cluster)"] * national + [h for h, _ in FIGURES])


def plan_table(view: dict) -> tuple[list[str], list[list]]:
    """A row per entry, the not-aligned row, then the whole plan."""
    rows = [_entry_cells(view, r) + [r[k] for _, k in FIGURES] for r in view["rows"]]
    return _header(False), rows + [_entry_cells(view, view["total"])
                                   + [view["total"][k] for _, k in FIGURES]]


ALL_CLUSTERS = "ทุกกลุ่มจังหวัด (all clusters)"


def national_table(view: dict) -> tuple[list[str], list[list]]:
    """Each entry for every cluster together, then for each of its clusters by name; last the
    whole country."""
    rows = []
    for r in view["rows"] + [{**view["total"], "clusters": []}]:
        rows.append(_entry_cells(view, r) + [ALL_CLUSTERS] + [r[k] for _, k in FIGURES])
        rows += [_entry_cells(view, r) + [c["cluster_name_th"]] + [c[k] for _, k in FIGURES]
                 for c in r["clusters"]]
    return _header(True), rows


def national_sample(view: dict) -> list[bool]:
    """Which rows of ``national_table`` are sample data: a cluster's when its plan is; the
    all-clusters row when any of its clusters' is."""
    sample = {p["plan_id"]: p["sample"] for p in view["plans"]}
    flags = []
    for r in view["rows"]:
        mine = [sample.get(c["plan_id"], False) for c in r["clusters"]]
        flags += [any(mine)] + mine
    return flags + [any(sample.values())]  # the whole country


# --- the page ------------------------------------------------------------------------------

def page_rows(view: dict, lang: str) -> list[dict]:
    """The table's rows: the entry's name in the page's language and the other beside it."""
    other = "name_en" if lang == "th" else "name_th"
    own = "name_th" if lang == "th" else "name_en"
    return [{**r, "name": r[own] or r["name_th"], "other_name": r[other],
             "clusters": [{**c, "name": c[f"cluster_{own}"]} for c in r.get("clusters", [])]}
            for r in view["rows"]]


def chart_json(view: dict, lang: str) -> str:
    """What static/national_rollup.js draws: each entry's budget and disbursed (million THB), and its
    disbursed, physical progress and mean achievement (%)."""
    rows = page_rows(view, lang)
    data = {"labels": [_short(r["name"]) for r in rows], "names": [r["name"] for r in rows],
            "budget": [round(r["budget_thb"] / MONEY, 2) for r in rows],
            "disbursed": [round(r["disbursed_thb"] / MONEY, 2) for r in rows],
            "disbursement_pct": [r["disbursement_pct"] for r in rows],
            "physical_pct": [r["physical_progress_pct"] for r in rows],
            "achievement_pct": [r["achievement_mean_pct"] for r in rows],
            "words": {"disbursed_pct": dashboard.words(lang)["disbursed_pct"]}
            | {k: words(lang)[k] for k in ("budget_m", "disbursed_m", "physical",
                                           "mean_achievement")}}
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def _short(name: str) -> str:
    return name if len(name) <= LABEL_CHARS else name[:LABEL_CHARS - 1].rstrip() + "…"

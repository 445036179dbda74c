"""Each province's target and baseline where people look (pure): province names on reporting's
``by_province`` figures, the indicator page's tables and charts, the tile-grid map, and the
export columns. Reporting computes the figures (services/reporting/targets.py); the gateway
knows the names from the reference data (the plans service's clusters)."""
from __future__ import annotations

import json
import time
from functools import lru_cache

from . import dashboard

NAMES_TTL = 60.0  # seconds a read of the reference data's names is reused (they change rarely)
_names: dict = {"at": None, "names": {}}
TILES = dashboard.STATIC / "thailand-tiles.json"

WORDS = {
    "province_target": ("เป้าหมายของจังหวัด", "Province target"),
    "fy_target": ("เป้าหมายทั้งปีของจังหวัด", "Province's target for the year"),
    "baseline": ("ค่าฐาน", "Baseline"),
    "progress": ("ความก้าวหน้าจากค่าฐาน ร้อยละ", "Progress from baseline %"),
    "province_value": ("ค่าของจังหวัด", "Province value"),
    "by_province": ("เป้าหมายและผลรายจังหวัด", "Each province's target and result"),
    "province_trend": ("แนวโน้มรายจังหวัด เทียบเป้าหมายของจังหวัด", "Trend per province, with its target"),
    "side_by_side": ("เทียบจังหวัดในงวดนี้ (แท่ง: ค่า, เครื่องหมาย: เป้าหมาย)",
                     "Provinces side by side this period (bars: value, marks: target)"),
    "five_year": ("ค่าของกลุ่มจังหวัดเทียบเป้าหมาย 5 ปีของแผน", "The cluster against its five-year path"),
    "map": ("แผนที่กลุ่มจังหวัด: สถานะของแต่ละจังหวัด", "Map of the clusters: each province's status"),
    "map_note": ("แต่ละช่องคือหนึ่งจังหวัด เส้นหนาล้อมกลุ่มจังหวัด สีตามสถานะของจังหวัดเทียบเป้าหมายของจังหวัดเอง "
                 "(สีเทา: ไม่มีข้อมูลหรือไม่มีเป้าหมาย หรืออยู่นอกแผนนี้)",
                 "One square per province, thick lines around each cluster, coloured by the "
                 "province's status against its own target (grey: no data or no target, or "
                 "outside this plan)"),
    "cluster_row": ("กลุ่มจังหวัด", "Cluster"), "path": ("เป้าหมายตามแผน", "Plan target"),
    "indicator_page": ("ตัวชี้วัด", "Indicator"), "fiscal_year": ("ปีงบประมาณ", "Fiscal year"),
    "not_in_plan": ("นอกแผนนี้", "outside this plan"),
    "quarter_note": ("เป้าหมายของจังหวัดเป็นรายปี: งวดรายไตรมาสหรือรายเดือนแสดงเป้าหมายทั้งปีไว้เทียบ "
                     "แต่ตัดสินสถานะเมื่อดูทั้งปีงบประมาณ",
                     "A province's targets are yearly: a quarter or month shows the year's target "
                     "for reference, and is judged when the whole fiscal year is shown"),
}


def words(lang: str) -> dict:
    i = dashboard.LANGUAGES.index(lang)
    return {k: v[i] for k, v in WORDS.items()}


# --- names ---------------------------------------------------------------------------------

def names_of(clusters: list[dict]) -> dict[str, dict]:
    """``{province code: {name_th, name_en, cluster}}`` from the reference data's clusters."""
    return {p["code"]: {"name_th": p["name_th"], "name_en": p["name_en"], "cluster": c["code"]}
            for c in clusters for p in c["provinces"]}


def cached_names(load_clusters, now: float | None = None) -> dict[str, dict]:
    """``names_of`` the reference data, read again at most every NAMES_TTL seconds (the
    indicator views are asked for often; names change only with a new reference version)."""
    now = time.monotonic() if now is None else now
    if _names["at"] is None or now - _names["at"] > NAMES_TTL:
        names = names_of(load_clusters())
        if not names:
            return names  # no reference data yet: asked again next time
        _names.update(at=now, names=names)
    return _names["names"]


def _named(code: str, names: dict) -> dict:
    found = names.get(code) or {}
    return {"name_th": found.get("name_th", code), "name_en": found.get("name_en", code)}


def name_provinces(results: list[dict], names: dict) -> list[dict]:
    """Results (or series entries) with each ``by_province`` figure named, in place."""
    for result in results:
        for code, figures in result.get("by_province", {}).items():
            figures.update(_named(code, names))
    return results


def name_series(series: dict, names: dict) -> dict:
    name_provinces(series["series"], names)
    for code, plan in series.get("provinces", {}).items():
        plan.update(_named(code, names))
    return series


# --- the exports ---------------------------------------------------------------------------

def _status_th(status: str | None) -> str | None:
    return dashboard.STATUS_WORDS.get(status, (status,))[0] if status else None


def _baseline_text(baseline: dict | None):
    return baseline["value"] if baseline else None


PROVINCE_COLUMNS = (("เป้าหมายของจังหวัด", "target", lambda f: f["target"]),
                    ("เป้าหมายทั้งปีของจังหวัด", "fiscal_year_target",
                     lambda f: f["fiscal_year_target"]),
                    ("สถานะ", "status", lambda f: _status_th(f["status"])),
                    ("ร้อยละของเป้าหมาย", "achievement_pct", lambda f: f["achievement_pct"]),
                    ("ค่าฐาน", "baseline", lambda f: _baseline_text(f["baseline"])),
                    ("ปีค่าฐาน พ.ศ.", "baseline_fiscal_year",
                     lambda f: f["baseline"] and f["baseline"]["fiscal_year"]),
                    ("ความก้าวหน้าจากค่าฐาน ร้อยละ", "progress_from_baseline_pct",
                     lambda f: f["progress_from_baseline_pct"]))


def target_columns(results: list[dict], provinces: list[str]) -> tuple[list[str], list[list]]:
    """The columns an export of indicator results (or a series) gains: the cluster's baseline
    and progress, then each province's target, status, achievement, baseline and progress -
    headed by its Thai name and code, with the English field name."""
    header = ["ค่าฐานของกลุ่มจังหวัด (baseline)", "ปีค่าฐาน พ.ศ. (baseline_fiscal_year)",
              "ความก้าวหน้าจากค่าฐาน ร้อยละ (progress_from_baseline_pct)"]
    for code in provinces:
        name = next((r["by_province"][code]["name_th"] for r in results
                     if code in r.get("by_province", {})), code)
        header += [f"{name} {code} {th} ({field})" for th, field, _ in PROVINCE_COLUMNS]
    rows = []
    for r in results:
        baseline = r.get("baseline")
        row = [_baseline_text(baseline), baseline and baseline["fiscal_year"],
               r.get("progress_from_baseline_pct")]
        for code in provinces:
            figures = r.get("by_province", {}).get(code)
            row += [get(figures) if figures else None for _, _, get in PROVINCE_COLUMNS]
        rows.append(row)
    return header, rows


def extended(table: tuple[list[str], list[list]], results: list[dict],
             provinces: list[str]) -> tuple[list[str], list[list]]:
    """An export table with the target columns added after its own (which stay as they were)."""
    header, rows = table
    more_header, more_rows = target_columns(results, provinces)
    return header + more_header, [row + more for row, more in zip(rows, more_rows)]


# --- the indicator page --------------------------------------------------------------------

@lru_cache(maxsize=1)
def tiles() -> tuple[tuple[str, int, int], ...]:
    """(province code, column, row) of every tile of the map (static/thailand-tiles.json)."""
    return tuple(tuple(t) for t in json.loads(TILES.read_text("utf-8"))["tiles"])


def map_data(clusters: list[dict], by_province: dict, plan: dict, lang: str) -> dict:
    """The tile-grid map: each tile with its province's and cluster's names and its status
    (a province outside this plan, or without figures: grey)."""
    names = names_of(clusters)
    cluster_names = {c["code"]: c["name_th" if lang == "th" else "name_en"] for c in clusters}
    key = "name_th" if lang == "th" else "name_en"
    out = []
    for code, column, row in tiles():
        figures = by_province.get(code)
        found = names.get(code, {})
        light = dashboard.light(figures) if figures else "grey"
        label = (dashboard.status_label(figures, lang) if figures
                 else words(lang)["not_in_plan"] if code not in plan["provinces"]
                 else dashboard.STATUS_WORDS["no_data"][dashboard.LANGUAGES.index(lang)])
        out.append({"code": code, "x": column, "y": row, "name": found.get(key, code),
                    "cluster": found.get("cluster"),
                    "cluster_name": cluster_names.get(found.get("cluster"), ""),
                    "light": light, "status": label, "in_plan": code in plan["provinces"],
                    "value": dashboard.number(figures["value"]) if figures else "-"})
    return {"tiles": out, "plan_cluster": plan["cluster"]}


def province_rows(result: dict, lang: str) -> list[dict]:
    """The per-province table of the indicator page, in the plan's order."""
    key = "name_th" if lang == "th" else "name_en"
    rows = []
    for code, f in result.get("by_province", {}).items():
        rows.append({**f, "code": code, "name": f.get(key, code), "light": dashboard.light(f),
                     "status_label": dashboard.status_label(f, lang),
                     "baseline_text": _baseline_cell(f["baseline"])})
    return rows


def _baseline_cell(baseline: dict | None) -> str:
    if not baseline:
        return "-"
    return f"{dashboard.number(baseline['value'])} ({baseline['fiscal_year']})"


def chart_data(result: dict, series: dict, lang: str) -> dict:
    """What static/targets.js draws: the trend per province with its target line, the provinces
    side by side this period, and the cluster against its five-year path (B.E. labels)."""
    label = "label_th" if lang == "th" else "label_en"
    key = "name_th" if lang == "th" else "name_en"
    w, dw = words(lang), dashboard.words(lang)
    entries = series["series"]
    trends = []
    for code in result.get("by_province", {}):
        trends.append({"province": code, "name": result["by_province"][code].get(key, code),
                       "values": [e.get("by_province", {}).get(code, {}).get("value")
                                  for e in entries],
                       "targets": [_line_target(e.get("by_province", {}).get(code)) for e in entries]})
    provinces = result.get("by_province", {})
    path = series.get("path", [])
    return {
        "labels": [e[label] for e in entries],
        "trends": trends,
        "bars": {"labels": [f.get(key, code) for code, f in provinces.items()],
                 "values": [f["value"] for f in provinces.values()],
                 "targets": [_line_target(f) for f in provinces.values()]},
        "path": {"labels": [f"{w['fiscal_year']} {step['fiscal_year']}" for step in path],
                 "targets": [step["target"] for step in path],
                 "values": [step.get("value") for step in path]},
        "words": {"value": w["province_value"], "target": w["province_target"],
                  "cluster": dw["value"], "path": w["path"]},
    }


def _line_target(figures: dict | None):
    """The target drawn for a province: the one it is judged against, else its year's."""
    if not figures:
        return None
    return figures["target"] if figures["target"] is not None else figures["fiscal_year_target"]


def as_json(data) -> str:
    """JSON to embed in a page's <script type="application/json"> (no '</' to end it early)."""
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")

"""The dashboard's page of results by national alignment (entrypoint only): the plan's figures for
a fiscal year by the entries of a level of the national hierarchy - or, for the admin and a
national viewer, every cluster's together - as a chart and a table of names in Thai and English,
with the same downloads as the API (api/rollup.py). Mixed into GatewayService beside
DashboardPages, whose page frame it uses; the view models are in rollup_view.py."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from services.contracts import access
from services.contracts.national import LEVEL_NAMES

from . import rollup_view
from .web import http

BANGKOK = ZoneInfo("Asia/Bangkok")


class RollupPage:
    @http("GET", "/national-rollup")
    def national_rollup_page(self, request):
        return self._page(request, "national_rollup", self._rollup_view)

    def _rollup_view(self, ctx):
        plan, lang, who, args = ctx["plan"], ctx["lang"], ctx["principal"], ctx["request"].args
        national = args.get("scope") == "national" and access.reads_all(who)
        level = args.get("level") if args.get("level") in LEVEL_NAMES else \
            rollup_view.DEFAULT_LEVEL
        years = list(range(plan["start_fy"], plan["end_fy"] + 1))
        if national:  # the years of every published plan (each cluster's)
            years = sorted({y for p in self._call("plans", "list_plans")
                            if p["status"] == "published"
                            for y in range(p["start_fy"], p["end_fy"] + 1)}) or years
        default = rollup_view.default_fiscal_year(datetime.now(BANGKOK).date(), years[0],
                                                     years[-1])
        asked = args.get("fy") or ""
        year = int(asked) if asked.isascii() and asked.isdigit() and int(asked) in years else default
        if national:
            view = rollup_view.name_clusters(
                self._call("reporting", "national_alignment", level, year),
                self._call("plans", "list_clusters")["clusters"])
            api = "/api/national-alignment?"
        else:
            view = self._call("reporting", "plan_alignment", plan["id"], level, year)
            api = f"/api/plans/{plan['id']}/national-alignment?"
        files = {fmt: api + urlencode({"level": level, "fy": year, "format": fmt})
                 for fmt in ("xlsx", "csv")}
        # the language switch keeps what was picked (the menu's links carry it, unused)
        query = urlencode({k: v for k, v in (("plan", plan["id"]), ("period", ctx["period"]),
                                             ("scope", "national" if national else None),
                                             ("level", level), ("fy", year)) if v})
        return {"query": query, "a": rollup_view.words(lang),
                "levels": rollup_view.level_choices(lang), "level": level, "years": years, "year": year, "national": national,
                "may_national": access.reads_all(who), "rows": rollup_view.page_rows(view, lang),
                "total": view["total"], "files": files,
                "chart_json": rollup_view.chart_json(view, lang),
                "level_name": dict(rollup_view.level_choices(lang))[level]}

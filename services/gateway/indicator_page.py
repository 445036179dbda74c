"""The dashboard's indicator page (entrypoint only): one indicator for one period, with each
province's own target, status, achievement, baseline and progress from the baseline, the charts
(trend per province with its target line, the provinces side by side, the cluster against its
five-year path) and the tile-grid map of the country; then the indicator card (the facts behind
the figure) and the reports behind the value with the evidence they cite. Mixed into
GatewayService beside DashboardPages, whose page frame it uses; the view models are in
targets_view.py, the card in indicator_card.py (its printable page: card_pages.py)."""
from __future__ import annotations

from urllib.parse import urlencode

from services.contracts import access
from services.contracts.plans import iter_indicators

from . import dashboard, targets_view
from .evidence_links import with_links
from .indicator_card import indicator_card
from .web import http


class IndicatorPage:
    @http("GET", "/indicator")
    def indicator_page(self, request):
        return self._page(request, "indicator", self._indicator_view)

    def _indicator_view(self, ctx):
        plan, period, lang, who = ctx["plan"], ctx["period"], ctx["lang"], ctx["principal"]
        codes = [i["code"] for _, i in iter_indicators(plan)]
        # ?code= (the page's own picker) or ?indicator= (links from the card and older links)
        asked = ctx["request"].args.get("code") or ctx["request"].args.get("indicator")
        code = asked if asked in codes else (None if asked else (codes[0] if codes else None))
        context = {"periods": dashboard.periods_of(plan), "code": code, "codes": [
            (i["code"], i["name_th" if lang == "th" else "name_en"]) for _, i in iter_indicators(plan)],
            "t": targets_view.words(lang), "result": None, "status_words": {
                k: v[dashboard.LANGUAGES.index(lang)] for k, v in dashboard.STATUS_WORDS.items()},
            "query": urlencode({"plan": plan["id"], "period": period, "code": code or ""}),
            "unknown": asked if asked and code is None else None, "card": None, "reports": []}
        if code is None:
            return context
        clusters = self._call("plans", "list_clusters")["clusters"]
        names = targets_view.names_of(clusters)
        results = access.results_for(who, self._call("reporting", "indicator_results",
                                                     plan["id"], period))["results"]
        result = next(r for r in results if r["indicator"] == code)
        targets_view.name_provinces([result], names)
        series = self._call("reporting", "indicator_series", plan["id"], code)
        series["series"] = access.results_for(who, {"results": series["series"]})["results"]
        targets_view.name_series(series, names)
        context.update(
            result={**result, "light": dashboard.light(result),
                    "status_label": dashboard.status_label(result, lang),
                    "name": result["name_th" if lang == "th" else "name_en"]},
            rows=targets_view.province_rows(result, lang),
            yearly=period.startswith("FY") and "-" not in period,
            charts_json=targets_view.as_json(targets_view.chart_data(result, series, lang)),
            map_json=targets_view.as_json(targets_view.map_data(clusters, result["by_province"],
                                                                plan, lang)),
            download=f"/api/plans/{plan['id']}/indicator-results?"
                     + urlencode({"period": period, "format": "xlsx"}),
            card=indicator_card(plan, code),
            card_query=urlencode({"plan": plan["id"], "period": period, "indicator": code,
                                  "lang": lang}),
            reports=with_links(self._call("reporting", "reports", plan["id"],
                                          access.own_province(who, None), code, None,
                                          period))["reports"])
        return context

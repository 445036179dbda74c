"""The printable indicator card (issue 22, "facts behind every figure": an indicator's value for
a period beside what it means, how it is computed and where its data come from) and the report
page's evidence upload. The indicator page, which shows the card too: indicator_page.py."""
from __future__ import annotations

from urllib.parse import urlencode

from services.contracts import access

from . import dashboard
from .evidence_links import with_links
from .indicator_card import indicator_card
from .web import http


class IndicatorPages:
    """Mixed into the gateway service beside DashboardPages (whose _page frames these). The
    indicator page itself, which shows the card too, is indicator_page.py."""

    @http("GET", "/indicator-card")
    def indicator_card_page(self, request):
        return self._page(request, "indicator_card", self._indicator)

    @http("POST", "/report/evidence")
    def report_evidence(self, request):
        return self._as_logged_in(request, self.upload_evidence)

    def _indicator(self, ctx):
        plan, period, lang = ctx["plan"], ctx["period"], ctx["lang"]
        code = ctx["request"].args.get("indicator") or ""
        card = indicator_card(plan, code)
        if card is None:
            return {"card": None, "code": code, "periods": dashboard.periods_of(plan)}
        who = ctx["principal"]
        results = access.results_for(who, self._call(
            "reporting", "indicator_results", plan["id"], period))["results"]
        result = next((r for r in results if r["indicator"] == code), None)
        if result is not None:
            result = {**result, "light": dashboard.light(result),
                      "status_label": dashboard.status_label(result, lang)}
        reports = with_links(self._call("reporting", "reports", plan["id"],
                                        access.own_province(who, None), code, None, period))
        return {"card": card, "code": code, "result": result, "reports": reports["reports"],
                "periods": dashboard.periods_of(plan),
                "card_query": urlencode({"plan": plan["id"], "period": period,
                                         "indicator": code, "lang": lang})}

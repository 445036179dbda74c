"""The dashboard's page of a published plan's alignment with the national strategy hierarchy
(entrypoint only, mixed into GatewayService beside DashboardPages, whose page frame it uses):
the map is the plans service's (RPC alignment_map), the words and view model alignment_view.py's."""
from __future__ import annotations

from urllib.parse import urlencode

from . import alignment_view
from .web import http


class AlignmentPage:
    @http("GET", "/alignment")
    def alignment_page(self, request):
        def build(ctx):
            plan, lang = ctx["plan"], ctx["lang"]
            found = self._call("plans", "alignment_map", plan["id"], plan["version"])
            return {"a": alignment_view.page_words(lang),
                    "map": alignment_view.page_model(found, lang),
                    "download": f"/api/plans/{plan['id']}/alignment-map?"
                                + urlencode({"format": "csv"})}
        return self._page(request, "alignment", build)

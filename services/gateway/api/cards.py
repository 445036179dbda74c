"""The indicator card (issue 22): an indicator's definition, formula, unit, data source,
frequency, responsible agency (by name), baseline and targets - the facts behind its figure."""
from __future__ import annotations

from ..indicator_card import indicator_card as card_of
from .common import ApiError, json_response, visible_plan
from .routing import RouteTable, ok

routes = RouteTable()


@routes.get("/api/plans/<string:plan_id>/indicators/<string:code>",
            "The indicator card: definition (Thai, English), unit, formula, data source (name, "
            "agency with its name, method, link), frequency, responsible agency with its name, "
            "baseline and targets",
            ok=ok("IndicatorCard", "the card"),
            errors={404: "no such plan, or no such indicator in it"})
def indicator_card(gw, request, plan_id, code):
    _, plan = visible_plan(gw, request, plan_id, cached=True)
    card = card_of(plan, code)
    if card is None:
        raise ApiError(404, "not_found", f"plan {plan_id} has no indicator {code!r}")
    return json_response(card)

"""The indicator card (issue 22, "facts behind every figure"): what an indicator means, how it
is computed, where its data come from and who answers for it - the plan's own facts, with the
agencies' names instead of their codes. Pure: a plan in, a dict out (the API and the page)."""
from __future__ import annotations


def _agency(plan: dict, code: str | None) -> dict | None:
    if not code:
        return None
    found = next((a for a in plan.get("agencies", []) if a["code"] == code), {})
    return {"code": code, "name_th": found.get("name_th"), "name_en": found.get("name_en")}


def indicator_card(plan: dict, code: str) -> dict | None:
    """The card of indicator ``code`` of ``plan``, or None if the plan has no such indicator."""
    for issue in plan.get("issues", []):
        for ind in issue.get("indicators", []):
            if ind["code"] != code:
                continue
            source = ind.get("data_source")
            return {
                "plan_id": plan["id"], "code": code, "name_th": ind["name_th"],
                "name_en": ind["name_en"],
                "issue": {"number": issue["number"], "title_th": issue.get("title_th"),
                          "title_en": issue.get("title_en")},
                "definition_th": ind.get("definition_th") or "",
                "definition_en": ind.get("definition_en") or "",
                "formula": ind.get("formula") or "", "unit": ind.get("unit") or "",
                "direction": ind["direction"], "aggregation": ind["aggregation"],
                "frequency": ind["frequency"], "cumulative": bool(ind.get("cumulative")),
                "data_source": None if not source else {
                    "name": source["name"], "method": source.get("method") or "",
                    "link": source.get("link"), "agency": _agency(plan, source.get("agency"))},
                "responsible_agency": _agency(plan, ind.get("responsible_agency")),
                "baseline": ind.get("baseline"),
                "targets": dict(ind.get("targets") or {}),
                "quarterly_targets": dict(ind.get("quarterly_targets") or {}),
                "provinces": list(ind.get("provinces") or plan.get("provinces", [])),
            }
    return None

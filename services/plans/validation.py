"""The rules a plan must keep, checked all at once so an officer sees every problem together.

Each problem is ``(where, what)``: ``where`` names the place in the plan (``indicator NE2-1.1,
targets``), ``what`` says what is wrong and, where it helps, what would be right.
"""
from __future__ import annotations

from services.contracts.periods import parse_period
from services.contracts.plans import iter_indicators
from services.contracts.rules import PERCENT_UNIT

CENT = 0.005  # tolerance when comparing THB sums


def _duplicates(values) -> list:
    seen, dupes = set(), []
    for value in values:
        if value in seen and value not in dupes:
            dupes.append(value)
        seen.add(value)
    return dupes


def plan_problems(plan: dict, cluster: dict | None, known_clusters=()) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    add = lambda where, what: problems.append((where, what))  # noqa: E731
    years = range(plan["start_fy"], plan["end_fy"] + 1)
    span = f"FY{plan['start_fy']}-FY{plan['end_fy']}"

    if plan["end_fy"] < plan["start_fy"]:
        add("plan", f"end_fy {plan['end_fy']} is before start_fy {plan['start_fy']}")
    if cluster is None:
        add("plan", f"unknown cluster {plan['cluster']!r}; known: {', '.join(known_clusters)}")
        members = set(plan["provinces"])
    else:
        members = {p["code"] for p in cluster["provinces"]}
        for code in sorted(set(plan["provinces"]) - members):
            add("plan, provinces", f"{code} is not a member of cluster {plan['cluster']}")
    for code in _duplicates(plan["provinces"]):
        add("plan, provinces", f"{code} is listed twice")
    provinces = set(plan["provinces"])

    for name, by_province in plan.get("weights", {}).items():
        missing = sorted(provinces - set(by_province))
        if missing:
            add(f"weight {name}", f"no value for {', '.join(missing)}")
        for code in sorted(set(by_province) - members):
            add(f"weight {name}", f"{code} is not a province of cluster {plan['cluster']}")
        if any(v < 0 for v in by_province.values()):
            add(f"weight {name}", "weights must not be negative")
        if by_province and not any(by_province.values()):
            add(f"weight {name}", "all weights are zero")

    agencies = [a["code"] for a in plan.get("agencies", [])]
    for code in _duplicates(agencies):
        add(f"agency {code}", "the code is used twice")
    for agency in plan.get("agencies", []):
        if agency["province"] and cluster and agency["province"] not in members:
            add(f"agency {agency['code']}", f"province {agency['province']} is not in the cluster")

    numbers = [issue["number"] for issue in plan["issues"]]
    for number in _duplicates(numbers):
        add(f"issue {number}", "the number is used twice")
    codes = [indicator["code"] for _, indicator in iter_indicators(plan)]
    for code in _duplicates(codes):
        add(f"indicator {code}", "the code is used twice")
    for _, indicator in iter_indicators(plan):
        _indicator_problems(indicator, plan, years, span, provinces, set(agencies), add)

    project_codes = [p["code"] for p in plan["projects"]]
    for code in _duplicates(project_codes):
        add(f"project {code}", "the code is used twice")
    for project in plan["projects"]:
        _project_problems(project, plan, years, span, provinces, set(codes), set(numbers),
                          set(agencies), add)
    return problems


def _indicator_problems(ind, plan, years, span, provinces, agencies, add) -> None:
    where = f"indicator {ind['code']}"
    for key in sorted(ind["targets"]):
        if int(key[2:]) not in years:
            add(f"{where}, targets", f"{key} is outside the plan's years {span}")
    for key in sorted(ind["quarterly_targets"]):
        if parse_period(key).fiscal_year not in years:
            add(f"{where}, quarterly_targets", f"{key} is outside the plan's years {span}")
    if ind["quarterly_targets"] and ind["frequency"] == "yearly":
        add(f"{where}, quarterly_targets", "a yearly indicator has no quarterly targets")
    for province, targets in sorted(ind["province_targets"].items()):
        if province not in provinces:
            add(f"{where}, province_targets", f"{province} is not in the plan")
        for key in sorted(targets):
            if int(key[2:]) not in years:
                add(f"{where}, province_targets", f"{province} {key} is outside {span}")
    for province, baseline in sorted(ind.get("province_baselines", {}).items()):
        if province not in provinces:
            add(f"{where}, province_baselines", f"{province} is not in the plan")
        elif baseline["fiscal_year"] > plan["start_fy"]:
            add(f"{where}, province_baselines", f"{province}: baseline year "
                                                f"{baseline['fiscal_year']} is after the plan "
                                                f"starts (FY{plan['start_fy']})")
    for province in sorted(set(ind["provinces"]) - provinces):
        add(f"{where}, provinces", f"{province} is not in the plan")
    if ind["weight"]:
        if ind["aggregation"] != "mean":
            add(f"{where}, weight", f"a weight makes a weighted mean: it needs aggregation mean, "
                                    f"not {ind['aggregation']}")
        elif ind["weight"] not in plan.get("weights", {}):
            add(f"{where}, weight", f"weight {ind['weight']!r} is not defined in the plan (defined: "
                                    f"{', '.join(sorted(plan.get('weights', {}))) or 'none'})")
    if ind["aggregation"] == "sum" and PERCENT_UNIT.search(ind["unit"]):
        add(f"{where}, aggregation", f"unit {ind['unit']!r} is a percentage: percentages are not "
                                     "summed across provinces; use mean (weighted if need be)")
    if ind["baseline"] and ind["baseline"]["fiscal_year"] > plan["start_fy"]:
        add(f"{where}, baseline", f"baseline year {ind['baseline']['fiscal_year']} is after the "
                                  f"plan starts (FY{plan['start_fy']})")
    if ind["responsible_agency"] and ind["responsible_agency"] not in agencies:
        add(f"{where}, responsible_agency", f"agency {ind['responsible_agency']!r} is not in the "
                                            "plan's agencies")
    source = ind.get("data_source") or {}
    if source.get("agency") and source["agency"] not in agencies:
        add(f"{where}, data_source", f"agency {source['agency']!r} is not in the plan's agencies")


def _project_problems(project, plan, years, span, provinces, indicators, issues, agencies,
                      add) -> None:
    where = f"project {project['code']}"
    if project["fiscal_year"] not in years:
        add(f"{where}, fiscal_year", f"FY{project['fiscal_year']} is outside the plan's years {span}")
    if project["issue"] not in issues:
        add(f"{where}, issue", f"development issue {project['issue']} does not exist")
    for code in sorted(set(project["indicators"]) - indicators):
        add(f"{where}, indicators", f"indicator {code} does not exist")
    for code in sorted(set(project["provinces"]) - provinces):
        add(f"{where}, provinces", f"{code} is not in the plan")
    if project["implementing_agency"] and project["implementing_agency"] not in agencies:
        add(f"{where}, implementing_agency",
            f"agency {project['implementing_agency']!r} is not in the plan's agencies")
    budget = project["budget_thb"]
    by_category = project["budget_by_category"]
    if by_category and abs(sum(by_category.values()) - budget) > CENT:
        add(f"{where}, budget_by_category", f"categories add up to {sum(by_category.values()):,.2f}"
                                            f" THB but budget_thb is {budget:,.2f}")
    planned = sum(project["planned_disbursement"].values())
    if planned > budget + CENT:
        add(f"{where}, planned_disbursement", f"{planned:,.2f} THB planned is more than the "
                                              f"budget of {budget:,.2f} THB")
    if project["start_date"] and project["end_date"] and project["end_date"] < project["start_date"]:
        add(f"{where}, end_date", f"ends ({project['end_date']}) before it starts "
                                  f"({project['start_date']})")

"""Who may see what (DESIGN 3.4): an OSM key sees its cluster, a province key its own province,
the admin key everything. Pure functions over the principal and the data."""
from __future__ import annotations

from .auth import AuthError, Principal


def forbidden(message: str) -> AuthError:
    return AuthError(403, "forbidden", message)


def can_see_plan(principal: Principal, plan: dict) -> bool:
    if principal.role == "admin":
        return True
    if principal.role == "osm":
        return plan["cluster"] == principal.scope
    if principal.role == "agency":  # an agency reads the published plans that name it
        named = plan.get("agency_codes") or [a["code"] for a in plan.get("agencies", [])]
        return plan.get("status") != "draft" and principal.scope in named
    # A draft is the OSM's work in progress: provinces see plans once published.
    return principal.scope in plan.get("provinces", []) and plan.get("status") != "draft"


def check_can_change_plan(principal: Principal, cluster: str) -> None:
    """Only the cluster's OSM (or the admin) writes its plans (DESIGN 3.4)."""
    if principal.role == "admin" or (principal.role == "osm" and principal.scope == cluster):
        return
    raise forbidden(f"{principal} may not change plans of cluster {cluster}; only its OSM "
                    "or the admin may")


def visible_plans(principal: Principal, plans: list[dict]) -> list[dict]:
    return [p for p in plans if can_see_plan(principal, p)]


def results_for(principal: Principal, results: dict) -> dict:
    """A province sees the cluster value but only its own province's figure."""
    if principal.role != "province":
        return results
    own = principal.scope
    return {**results, "results": [
        {**r, "provinces": {k: v for k, v in r["provinces"].items() if k == own}}
        for r in results["results"]]}


def own_province(principal: Principal, requested: str | None) -> str | None:
    """The province filter of a query: a province key is held to its own province."""
    if principal.role != "province":
        return requested or None
    if requested and requested != principal.scope:
        raise forbidden(f"a {principal.scope} key sees only {principal.scope}'s reports")
    return principal.scope


def rejection_provinces(principal: Principal, requested: str | None,
                        clusters: list[dict]) -> list[str] | None:
    """Which provinces' rejections to list; None means all (admin without a filter)."""
    if principal.role == "admin":
        return [requested] if requested else None
    if principal.role == "province":
        if requested and requested != principal.scope:
            raise forbidden(f"a {principal.scope} key sees only {principal.scope}'s rejections")
        return [principal.scope]
    members = cluster_provinces(principal.scope, clusters)
    if requested:
        if requested not in members:
            raise forbidden(f"{requested} is not in cluster {principal.scope}")
        return [requested]
    return members


def agency_provinces(principal: Principal, clusters: list[dict]) -> list[str] | None:
    """Whose agencies a key sees in the directory; None means all."""
    if principal.role == "admin":
        return None
    if principal.role == "province":
        return [principal.scope]
    return cluster_provinces(principal.scope, clusters)


def cluster_provinces(cluster_code: str, clusters: list[dict]) -> list[str]:
    cluster = next((c for c in clusters if c["code"] == cluster_code), None)
    return [p["code"] for p in cluster["provinces"]] if cluster else []


def check_can_change_agency(principal: Principal, province: str | None, clusters: list[dict]) -> None:
    if principal.role == "admin":
        return
    if principal.role == "osm" and province in cluster_provinces(principal.scope, clusters):
        return
    raise forbidden(f"{principal} may not change agencies of {province or 'no province'}; the OSM "
                    "of the province's cluster or the admin may")

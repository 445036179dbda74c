"""A plan's alignment map with the national strategy hierarchy (issue 26): which national
entries each development issue, indicator and project serves, and which serve none."""
from __future__ import annotations

from services.contracts.plans import holds_sample

from ..alignment_view import alignment_table
from ..rpc import call
from .common import ApiError, file_response, json_response, plan_version, visible_plan
from .routing import AS_FILE, RouteTable, as_file, ok, param

routes = RouteTable()


@routes.get("/api/plans/<string:plan_id>/alignment-map",
            "Which national strategies, master plans, milestones and SDGs each development "
            "issue, indicator and project serves (named, with their parents), for each entry "
            "the parts serving it, and the parts serving none",
            query=(param("version", "an earlier version (see history)",
                         schema={"type": "integer"}), AS_FILE),
            ok=as_file(ok("AlignmentMap", "the map")),
            errors={400: "version is not a number, or an unknown format",
                    404: "no such plan, or no such version"})
def alignment_map(gw, request, plan_id):
    who, plan = visible_plan(gw, request, plan_id)
    version = request.args.get("version")
    if version is not None:
        plan = plan_version(gw, who, plan_id, version)
    found = call(gw.plans, "alignment_map", plan_id, plan["version"])
    if found is None:
        raise ApiError(404, "not_found", f"no plan {plan_id!r}")
    fmt = request.args.get("format")
    if fmt is not None:
        return file_response(f"{plan_id}-v{plan['version']}-alignment", fmt,
                             *alignment_table(found), sample=holds_sample(plan))
    return json_response(found)

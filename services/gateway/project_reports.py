"""Project progress sent over HTTP (``POST /api/plans/{id}/project-reports``) by an implementing
agency for the projects it implements, or by a province for the projects running in it.

Each item ends as the body the sender's own system would publish (DESIGN 3.3 and its agency
extension), sent by the gateway on its own route ``gateway.report.<code>.project`` naming the
person (province_reports.send) - the intake keeps it as the sender's and treats it exactly as any
other report, under the same precedence. The
event id derives from the sender, the plan and the content: the same content sent again is the
same report (sent 0), a changed one a new report that supersedes it.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

from services.infra.report_workbook import NAMESPACE

# what an item may carry; the intake's schema (contracts/reports.py) checks the values
REQUIRED = ("project", "as_of", "physical_progress_pct", "disbursed_thb", "procurement_stage")
DERIVED = ("event_id",)  # made here, from the content


def item_problem(item, index: int, province: str | None, plan: dict) -> str | None:
    """What is wrong with one item before the intake is asked (its shape, the plan, the
    province), or None."""
    if not isinstance(item, dict):
        return f"item {index} is not a JSON object"
    if "event_id" in item:
        return (f"item {index}: leave event_id out; it is derived from the report's content "
                "(the same content sent again is the same report)")
    missing = [f for f in REQUIRED if f not in item]
    if missing:
        return f"item {index}: missing {', '.join(missing)}"
    if province and item.get("province", province) != province:
        return (f"item {index}: a {province} key reports for {province}, not "
                f"{item.get('province')!r}")
    if not province and "province" not in item:
        return (f"item {index}: name the province the project runs in "
                "(\"province\": \"TH-34\")")
    if not isinstance(item["project"], str) or \
            item["project"] not in {p["code"] for p in plan["projects"]}:
        return f"item {index}: plan {plan['id']} has no project {item['project']!r}"
    return None


def bodies(items: list[dict], plan_id: str, sender: str, province: str | None,
           now: datetime | None = None) -> list[dict]:
    """The report bodies to send: each with its province and ``reported_at`` (now, unless
    given) and an event id derived from (sender, plan, content without reported_at).
    ``reported_at`` keeps its microseconds: the intake orders a thing's reports by it, and two
    sends within one second (marked internal, then unmarked) must not tie - a tie goes to the
    greater event id, not to the later send."""
    stamp = (now or datetime.now(timezone.utc)).isoformat(timespec="microseconds")
    out = []
    for item in items:
        body = {"province": province, **item}
        if body.get("internal") is False:  # not marked: the same report as one that leaves it out
            del body["internal"]
        content = {k: v for k, v in body.items() if k != "reported_at"}
        name = json.dumps([sender, plan_id, content], sort_keys=True)  # ASCII: any text hashes
        out.append({"event_id": str(uuid.uuid5(NAMESPACE, f"project-report:{name}")),
                    "reported_at": stamp, **body})
    return out

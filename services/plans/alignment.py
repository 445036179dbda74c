"""A plan's alignment map (pure): which national entries each development issue, indicator and
project serves, named, with their parents up to the root (a strategy, a milestone, an SDG);
for each entry, which parts serve it; and the parts that serve none.

Built from the plan snapshot alone (``national_links`` and the ``national_entries`` it carries),
so an old version of a plan maps as it was published. An indicator or a project with no links
of its own serves what its issue serves (contracts.national_links_of), and says so
(``own_links`` false). A part serves an entry when one of its links is that entry or under it.
"""
from __future__ import annotations

from services.contracts.plans import iter_indicators, national_lineage, national_links_of

from .links import level_name


def _entry(entry: dict) -> dict:
    level_th, level_en = level_name(entry.get("level") or "")
    return {"code": entry["code"], "level": entry.get("level") or None, "level_th": level_th,
            "level_en": level_en, "name_th": entry.get("name_th") or entry["code"],
            "name_en": entry.get("name_en") or "", "verified": entry.get("verified"),
            "parent_code": entry.get("parent_code") or None}


def _path(plan: dict, code: str) -> list[dict]:
    """The linked entry and its parents, root first; a code the plan does not carry (a plan made
    before links were checked) is shown as itself, of no known level."""
    chain = national_lineage(plan, code)
    if not chain:
        return [{"code": code, "level": None, "level_th": "ไม่ทราบระดับ", "level_en": "unknown",
                 "name_th": code, "name_en": code, "verified": None, "parent_code": None}]
    return [_entry(e) for e in reversed(chain)]


def alignment_map(plan: dict) -> dict:
    links = national_links_of(plan)
    parts = {"issues": [], "indicators": [], "projects": []}
    served: dict[str, dict[str, list]] = {}  # entry code -> kind -> keys serving it

    def add(kind: str, key, fields: dict, codes: list[str], own: bool) -> None:
        paths = [_path(plan, code) for code in codes]
        parts[kind].append({**fields, "own_links": own, "serves": paths})
        for path in paths:
            for entry in path:
                keys = served.setdefault(entry["code"], {"issues": [], "indicators": [],
                                                         "projects": []})[kind]
                if key not in keys:
                    keys.append(key)

    for issue in plan.get("issues", []):
        add("issues", issue["number"], {k: issue[k] for k in ("number", "title_th", "title_en")},
            links[("issue", str(issue["number"]))], True)
    for issue, indicator in iter_indicators(plan):
        add("indicators", indicator["code"], {
            **{k: indicator[k] for k in ("code", "name_th", "name_en")}, "issue": issue["number"]},
            links[("indicator", indicator["code"])], bool(indicator.get("national_links")))
    for project in plan.get("projects", []):
        add("projects", project["code"], {
            **{k: project[k] for k in ("code", "title_th", "title_en", "issue")},
            "status": project.get("status", "active")},
            links[("project", project["code"])], bool(project.get("national_links")))

    entries = [_entry(e) for e in plan.get("national_entries") or []]
    known = {e["code"] for e in entries}
    for found in parts.values():  # codes the plan links but does not carry: listed as well
        for path in (path for part in found for path in part["serves"]):
            if path[-1]["code"] not in known:
                known.add(path[-1]["code"])
                entries.append(path[-1])
    return {
        "plan_id": plan["id"], "version": plan.get("version"),
        "national_version": plan.get("national_version"),
        **parts,
        "entries": [{**entry, **served.get(entry["code"], {"issues": [], "indicators": [],
                                                            "projects": []})}
                    for entry in entries],
        "unaligned": {kind: [p.get("number", p.get("code")) for p in found if not p["serves"]]
                      for kind, found in parts.items()},
    }

"""A plan's links to the national strategy hierarchy (pure, no I/O): which codes it links, which
of them are not entries in force, and what the plan then carries (``national_version``,
``national_entries``) so that readers of its snapshot never need the hierarchy itself.

The day links are checked on is the day the plan version is made (created, edited, published,
revised: the caller passes it, Bangkok's date), under the hierarchy version the plan was made
under: an entry that takes effect later, or is no longer in force that day, is refused.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from services.contracts.plans import iter_indicators

from .national import LEVEL_NAMES, LEVEL_PARENT, NationalEntry, NationalHierarchy, carried_entries


@dataclass(frozen=True)
class LinkCheck:
    """The hierarchy a plan's links are checked against: its version, the day, the entries in
    force that day. ``version_id`` None: no hierarchy is loaded (a plan with links is refused)."""
    version_id: str | None
    day: str
    in_force: dict[str, NationalEntry] = field(default_factory=dict)


def link_check(hierarchy: NationalHierarchy | None, day: str) -> LinkCheck:
    if hierarchy is None:
        return LinkCheck(None, day)
    return LinkCheck(hierarchy.version_id, day, hierarchy.as_of(day))


def linked_parts(plan: dict) -> list[tuple[str, list[str]]]:
    """(where, codes) of every issue, indicator and project with links of its own, in the
    places plan_problems names them ("issue 2", "indicator NE2-1.1", "project NE2-67-003")."""
    parts = [(f"issue {issue['number']}", issue.get("national_links") or [])
             for issue in plan.get("issues", [])]
    parts += [(f"indicator {ind['code']}", ind.get("national_links") or [])
              for _, ind in iter_indicators(plan)]
    parts += [(f"project {p['code']}", p.get("national_links") or [])
              for p in plan.get("projects", [])]
    return [(where, codes) for where, codes in parts if codes]


def linked_codes(plan: dict) -> list[str]:
    """Every code the plan links, once each, in the order first linked."""
    return list(dict.fromkeys(code for _, codes in linked_parts(plan) for code in codes))


def link_problems(plan: dict, check: LinkCheck) -> list[tuple[str, str]]:
    """``(where, what)`` for each code that is not an entry in force, and for a code listed twice
    in one place; a plan with links and no hierarchy loaded gets one problem saying so."""
    parts = linked_parts(plan)
    if not parts:
        return []
    if check.version_id is None:
        where, _ = parts[0]
        return [(f"{where}, national_links",
                 "ยังไม่ได้นำเข้าข้อมูลอ้างอิงแผนระดับชาติ จึงตรวจรหัสที่เชื่อมโยงไม่ได้ "
                 "ให้ผู้ดูแลระบบนำเข้าก่อน / no national hierarchy is loaded yet, so the links "
                 "cannot be checked; the administrator loads it first")]
    problems = []
    for where, codes in parts:
        for code in dict.fromkeys(c for c in codes if codes.count(c) > 1):
            problems.append((f"{where}, national_links",
                             f"รหัส {code} ซ้ำในรายการ / {code} is listed twice"))
        for code in dict.fromkeys(codes):
            if code not in check.in_force:
                problems.append((f"{where}, national_links", _unknown(code, check)))
    return problems


def _unknown(code: str, check: LinkCheck) -> str:
    near = [c for c in check.in_force if c.lower() == code.lower()]
    hint_th = f" (หมายถึง {near[0]} หรือไม่)" if near else ""
    hint_en = f" (did you mean {near[0]}?)" if near else ""
    return (f"รหัส {code} ไม่ใช่รายการที่มีผลในแผนระดับชาติรุ่น {check.version_id} ณ วันที่ "
            f"{check.day}{hint_th} ดูรายการในแผ่นงาน 'รายการแผนระดับชาติ' / {code} is not an "
            f"entry in force of national hierarchy {check.version_id} on {check.day}"
            f"{hint_en}; the list sheet 'national' names them")


def carried(plan: dict, check: LinkCheck) -> dict:
    """What the plan carries of the hierarchy once its links are good: its version (the one
    checked against) and every linked entry with its parents. A plan with no links carries
    nothing and keeps the version it was given (old plans and their events stay as they were)."""
    codes = linked_codes(plan)
    if not codes:
        return {"national_version": plan.get("national_version"), "national_entries": []}
    return {"national_version": check.version_id,
            "national_entries": carried_entries(check.in_force, codes)}


def level_name(level: str) -> tuple[str, str]:
    """(Thai, English) name of a level; the level itself for one not known here."""
    return LEVEL_NAMES.get(level, (level, level))


def list_rows(in_force: dict[str, NationalEntry]) -> list[dict]:
    """The entries in force as the workbook's list sheet shows them, by level then code."""
    order = list(LEVEL_PARENT)
    return [{"code": e.code, "level_th": level_name(e.level)[0], "name_th": e.name_th,
             "name_en": e.name_en, "verified": e.verified}
            for e in sorted(in_force.values(), key=lambda e: (order.index(e.level), e.code))]

"""plans' use cases: each takes the store and the command's arguments, applies the rules of
domain.py and lifecycle.py, and keeps the result (with its events, in the store's outbox).
service.py only maps nameko entrypoints onto them and relays the outbox afterwards."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from services.contracts.errors import Forbidden, PlanExists, UnknownPlan  # raised to RPC callers

from . import alignment, domain, files, lifecycle, links, national, workbook

BANGKOK = ZoneInfo("Asia/Bangkok")


def health(store) -> str:
    store.reference_versions()  # the store answers too
    return "ok"


def load_reference(store, csv_text: str, source: str, effective_from) -> dict:
    """Load a reference-data version (clusters and their provinces) from CSV text."""
    version = domain.parse_reference_csv(csv_text, source, effective_from)
    created = store.save_reference(version)
    return {"version_id": version.version_id, "created": created,
            "clusters": len(version.clusters),
            "provinces": sum(len(c["provinces"]) for c in version.clusters)}


def load_national(store, files: dict[str, str], by: str) -> dict:
    """Load a version of the national hierarchy from its CSV texts (by file name); every bad row
    of every file is named (PlanError) and then nothing is kept."""
    hierarchy = national.build_national_hierarchy(files)
    created = store.save_national(hierarchy.version_id, files, by)
    _HIERARCHIES[hierarchy.version_id] = hierarchy
    return {"version_id": hierarchy.version_id, "created": created,
            "entries": len(hierarchy.entries),
            "by_level": hierarchy.count_by_level(datetime.now(BANGKOK).date().isoformat())}


_HIERARCHIES: dict[str, national.NationalHierarchy] = {}  # versions never change once kept


def national_of(store, plan: dict | None = None) -> national.NationalHierarchy | None:
    """The national hierarchy a plan was made under (a new plan, or one made before the
    hierarchy was loaded: the version loaded last); None when none is loaded."""
    version_id = (plan or {}).get("national_version") or store.latest_national()
    if version_id is None:
        return None
    if version_id not in _HIERARCHIES:
        kept = store.national_files(version_id)
        if kept is None:
            raise domain.PlanError(f"plan {(plan or {}).get('id', '?')}", [(
                "plan, national_version", f"national hierarchy version {version_id!r} is not "
                "kept here; load it, or leave national_version empty for the latest / "
                f"ไม่พบข้อมูลอ้างอิงแผนระดับชาติรุ่น {version_id!r}")])
        _HIERARCHIES[version_id] = national.build_national_hierarchy(kept)
    return _HIERARCHIES[version_id]


def links_for(store, plan_id, *versions, now: datetime | None = None) -> links.LinkCheck:
    """What a plan version's national links are checked against: the first national version
    named (the document's, then the plan's own), else the one loaded last; on Bangkok's day of
    ``now``, the moment the version is made."""
    named = [v for v in versions if isinstance(v, str) and v]
    version = named[0] if named else None
    if len(named) > 1 and version != named[1]:
        _never_back(store, plan_id, version, named[1])
    hierarchy = national_of(store, {"id": plan_id, "national_version": version})
    day = (now or datetime.now(timezone.utc)).astimezone(BANGKOK).date().isoformat()
    return links.link_check(hierarchy, day)


def _never_back(store, plan_id, wanted: str, current: str) -> None:
    """A plan moves to a national version loaded after its own, never back to an earlier one
    (which could hold an entry withdrawn since)."""
    order = [v["version_id"] for v in store.national_versions()]
    if wanted in order and current in order and order.index(wanted) < order.index(current):
        raise domain.PlanError(f"plan {plan_id}", [(
            "plan, national_version",
            f"national_version {wanted!r} was loaded before the plan's own {current!r}; a plan "
            "moves only to a later version / รุ่นข้อมูลอ้างอิงแผนระดับชาติ "
            f"{wanted!r} เก่ากว่ารุ่นที่แผนใช้อยู่ ({current!r}) เปลี่ยนได้เฉพาะเป็นรุ่นที่ใหม่กว่า")])


def list_clusters(store, on_date: str | None = None) -> dict:
    version = store.reference_in_force(on_date or date.today().isoformat())
    if version is None:
        return {"version": None, "clusters": []}
    return {"version": {"version_id": version.version_id,
                        "effective_from": version.effective_from, "source": version.source},
            "clusters": version.clusters}


def list_plans(store) -> list[dict]:
    return [domain.plan_summary(p) for p in store.list_plans()]


def create_plan(store, document: dict) -> dict:
    """A new plan, as a draft (version 1)."""
    plan = lifecycle.create(document, reference_of(store),  # checked first: id may be anything
                            links_for(store, document.get("id"), document.get("national_version")))
    if store.get_plan(plan["id"]) is not None:
        raise PlanExists(f"plan {plan['id']} exists already; edit or revise it")
    store.put_plan(plan, None, [])
    return domain.plan_summary(plan)


def update_draft(store, plan_id: str, document: dict) -> dict:
    current = current_plan(store, plan_id)
    plan = lifecycle.update_draft(current, document, reference_of(store, current), links_for(
        store, plan_id, document.get("national_version"), current.get("national_version")))
    store.put_plan(plan, current["version"], [])
    return domain.plan_summary(plan)


def publish_plan(store, plan_id: str, by: str, approved_by: str | None = None) -> dict:
    current = current_plan(store, plan_id)
    now = datetime.now(timezone.utc)
    plan, events = lifecycle.publish(current, by, approved_by, now, links_for(
        store, plan_id, current.get("national_version"), now=now))
    check_codes(store, plan, reference_of(store, current))
    store.put_plan(plan, current["version"], events)
    store.save_agencies(plan["agencies"])
    return domain.plan_summary(plan)


def revise_plan(store, plan_id: str, document: dict, reason: str, approved_by: str | None,
                by: str) -> dict:
    """The next version of a published plan; its events tell reporting, notify and assets."""
    current = current_plan(store, plan_id)
    reference = reference_of(store, current)
    now = datetime.now(timezone.utc)
    plan, events = lifecycle.revise(current, document, reason, approved_by, by, reference, now,
                                    links_for(store, plan_id, document.get("national_version"),
                                              current.get("national_version"), now=now))
    check_codes(store, plan, reference)
    store.put_plan(plan, current["version"], events)
    store.save_agencies(plan["agencies"])
    return {**domain.plan_summary(plan), "events": [t for t, _ in events]}


def export_plan(store, plan_id: str, fmt: str) -> dict:
    """The whole plan as a workbook (``xlsx``) or a zip of CSV files (``csv``), base64; with
    the entries of its national hierarchy in force today as the list its links are picked from."""
    plan = current_plan(store, plan_id)
    hierarchy = national_of(store, plan)
    check = links.link_check(hierarchy, datetime.now(BANGKOK).date().isoformat())
    return files.export(plan, fmt, links.list_rows(check.in_force) or None)


def alignment_map(store, plan_id: str, version: int | None = None) -> dict | None:
    """Which national entries a plan's (or one version's) issues, indicators and projects
    serve, and which serve none (alignment.py); None for no such plan or version."""
    if version is None:
        plan = store.get_plan(plan_id)
    else:  # the stores' integers are bounded: a version beyond them is no version
        plan = store.plan_version(plan_id, int(version)) if 1 <= int(version) < 2 ** 31 else None
    return alignment.alignment_map(plan) if plan else None


def import_plan(store, encoded: str, fmt: str, by: str, reason: str | None = None,
                approved_by: str | None = None, only_cluster: str | None = None,
                only_plan: str | None = None, may_revise: bool = True) -> dict:
    """Create, edit (a draft) or revise (a published plan) from an uploaded workbook.

    Returns ``{"plan": summary}``, ``{"problems": [...]}`` naming every bad cell, or
    ``{"forbidden": why}`` when the plan is of a cluster other than ``only_cluster``, or is
    published and the asker may not revise (``may_revise``: a revision puts the plan in force,
    as publishing does); in the last two cases nothing was applied.
    """
    try:
        document, locations = files.read(encoded, fmt)
    except workbook.WorkbookError as exc:
        return files.problems(exc)
    if only_cluster and document.get("cluster") != only_cluster:
        return {"forbidden": f"the workbook is a plan of cluster {document.get('cluster')}; "
                             f"this key may change only plans of {only_cluster}"}
    if only_plan and document.get("id") != only_plan:
        return files.problems(workbook.WorkbookError([other_plan(document, locations, only_plan)]))
    current = store.get_plan(document.get("id"))
    try:
        if current is None:
            result = create_plan(store, document)
        elif current["status"] == "draft":
            result = update_draft(store, current["id"], document)
        elif not may_revise:
            return {"forbidden": f"plan {current['id']} is published: a revision puts it in "
                                 "force, which only the OSM director (or the admin) may do"}
        else:
            result = revise_plan(store, current["id"], document, reason or "", approved_by, by)
    except domain.PlanError as exc:
        return files.problems(workbook.located_error(exc, locations))
    return {"plan": result}


def other_plan(document: dict, locations, expected: str):
    """The problem of a workbook that is not of the plan it was sent for, at its id cell."""
    sheet, row = locations.get("plan, id", ("", None))
    got = document.get("id")
    return workbook.CellProblem(
        sheet, row, "value" if row else None, f"this workbook is of plan {got!r}, not of plan {expected!r}; "
                          "download the plan's own workbook and change that",
        f"ไฟล์นี้เป็นของแผน {got!r} ไม่ใช่แผน {expected!r} "
        "ให้ดาวน์โหลดไฟล์ของแผนนี้แล้วแก้ไขในไฟล์นั้น")


def save_agency(store, document: dict, only_provinces: list[str] | None = None) -> dict:
    """Add or change one agency of the directory (published plans add theirs). With
    ``only_provinces``, both the agency as sent and as kept must be of those provinces."""
    agency = domain.prepare_agency(document, reference_of(store))
    if only_provinces is not None:
        kept = next((a for a in store.agencies() if a["code"] == agency["code"]), None)
        for province in {agency["province"], kept["province"] if kept else agency["province"]}:
            if province not in only_provinces:
                raise Forbidden(f"agency {agency['code']} is of {province or 'no province'}"
                                       ", outside this key's cluster")
    store.save_agencies([agency])
    return agency


def republish_current_plans(store) -> None:
    """Queues every plan's current snapshot again (same event_id: no dupes). No longer needed
    for a crash between a plan and its events (MongoOutbox carries them in the plan's document);
    a late consumer still gets the snapshot."""
    store.add_events([domain.plan_published_event(p) for p in store.list_plans()
                      if p["status"] != "draft"])


def check_codes(store, plan: dict, reference) -> None:
    """Before a plan goes out (publish, revise): codes that would clash with other published
    plans or with another cluster's agencies. A draft may still share them (a copy to edit)."""
    problems = lifecycle.code_clashes(plan, store.list_plans())
    problems += lifecycle.agency_clashes(plan, store.agencies(), reference)
    if problems:
        raise domain.PlanError(f"plan {plan['id']}", problems)


def current_plan(store, plan_id: str) -> dict:
    plan = store.get_plan(plan_id)
    if plan is None:
        raise UnknownPlan(f"no plan {plan_id!r}")
    return plan


def reference_of(store, plan: dict | None = None) -> domain.ReferenceVersion:
    """The reference data a plan was made under (a new plan: the version in force)."""
    if plan and plan.get("reference_version"):
        version = store.reference_version(plan["reference_version"])
        if version is not None:
            return version
    version = store.reference_in_force(date.today().isoformat())
    if version is None:
        raise domain.PlanError("no reference data loaded yet; load it first")
    return version


# The use cases, by the RPC that runs each (service.py); the plain reads (reference_versions,
# get_plan, get_plan_version, plan_history, list_agencies) are store verbs it calls directly.
HANDLERS = {
    "health": health, "load_reference": load_reference, "list_clusters": list_clusters,
    "load_national": load_national,
    "list_plans": list_plans, "create_plan": create_plan, "update_draft": update_draft,
    "publish_plan": publish_plan, "revise_plan": revise_plan, "export_plan": export_plan,
    "import_plan": import_plan, "save_agency": save_agency, "alignment_map": alignment_map,
}

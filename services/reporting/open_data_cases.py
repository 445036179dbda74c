"""Reporting's use cases of open data (docs/open-data.md): make a published plan's record again
- on publish and revision, at each acceptance or reopening of a period, and by the timer when
what it would hold has changed (a step a crash left unfollowed, names that came late) - read it,
and the admin's switch that serves it without a key. The rules of what is published are
open_data.py; the metadata open_data_meta.py; the store keeps the record (store/open_data.py)."""
from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timezone

from services.contracts.errors import QueryError
from services.contracts.plans import holds_sample

from . import open_data as rows
from . import open_data_meta as meta

log = logging.getLogger(__name__)
PUBLIC = "open_data_public:"  # reporting's meta, one key per plan: {"public", "changed_at"}
FILES = {f"{rows.INDICATOR_FILE}.csv", f"{rows.PROJECT_FILE}.csv", "package.json", "dcat.jsonld"}
REASONS = {  # why a record was made: (Thai, English)
    "published": ("ประกาศใช้แผนฉบับที่ {version}", "plan version {version} published"),
    "accept": ("รับรองข้อมูลงวด {period} ของ {province}", "period {period} of {province} accepted"),
    "reopen": ("เปิดงวด {period} ของ {province} ใหม่", "period {period} of {province} reopened"),
    "refresh": ("ปรับปรุงตามข้อมูลล่าสุด", "brought up to date"),
}


def reason_of(code: str, **values) -> dict:
    th, en = REASONS[code]
    return {"code": code, "th": th.format(**values), "en": en.format(**values)}


def build(store, plan: dict, clusters: list[dict] | None, public_url: str, reason: dict,
          now: datetime | None = None) -> dict:
    """The plan's open-data record as it would be made now (nothing is written)."""
    # to the microsecond: the store keeps the later of two records made close together (an
    # acceptance and a reopening in one second must not leave the older one served)
    generated_at = (now or datetime.now(timezone.utc)).isoformat(timespec="microseconds")
    names = rows.names_of(clusters)
    accepted = rows.accepted_days(store.approvals(plan["id"]))
    indicators = rows.indicator_rows(plan, store.indicators_in_force(plan["id"]), accepted, names)
    projects = rows.project_rows(plan, store.project_progress(plan["id"]), accepted, names)
    sample = holds_sample(plan)
    files = {rows.INDICATOR_FILE: rows.csv_text(rows.INDICATOR_FIELDS, indicators, sample),
             rows.PROJECT_FILE: rows.csv_text(rows.PROJECT_FIELDS, projects, sample)}
    cluster = rows.name_of(names, "clusters", plan["cluster"])
    where = meta.urls(public_url, plan["id"])
    page = rows.page_of(plan, indicators, projects, names)
    digest = hashlib.sha256(json.dumps([files, page, where, plan.get("version")],
                                       ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    kept = store.open_data(plan["id"])
    issued = kept["issued"] if kept else generated_at
    package = meta.ckan_package(plan, files, cluster, where, generated_at, reason["en"], sample)
    dataset = meta.dcat_dataset(plan, files, cluster, where, issued, generated_at, sample)
    return {"plan_id": plan["id"], "plan_version": plan.get("version", 1),
            "generated_at": generated_at, "issued": issued, "reason": reason, "digest": digest,
            "names_complete": bool(names["provinces"]), "sample": sample, "links": where,
            "counts": {"indicator_rows": len(indicators), "project_rows": len(projects)},
            "files": {f"{rows.INDICATOR_FILE}.csv": files[rows.INDICATOR_FILE],
                      f"{rows.PROJECT_FILE}.csv": files[rows.PROJECT_FILE],
                      "package.json": meta.as_json(package), "dcat.jsonld": meta.as_json(dataset)},
            "page": page}


def regenerate(store, plan_id: str, reason: dict, public_url: str, clusters: list[dict] | None,
               now: datetime | None = None, only_if_changed: bool = False) -> dict | None:
    """Make and keep the record of a published plan (None: not published, or nothing changed
    when ``only_if_changed``)."""
    plan = store.get_plan(plan_id)
    if plan is None or plan.get("status") != "published":
        return None
    record = build(store, plan, clusters, public_url, reason, now)
    kept = store.open_data(plan_id)
    if only_if_changed and kept and kept.get("digest") == record["digest"]:
        return None
    store.save_open_data(record)
    log.info("open data of %s made: %s (%d indicator rows, %d project rows)", plan_id,
             reason["en"], record["counts"]["indicator_rows"], record["counts"]["project_rows"])
    return record


def refresh(store, public_url: str, clusters: list[dict] | None,
            now: datetime | None = None) -> int:
    """Every published plan's record made again where what it holds has changed; how many."""
    return sum(regenerate(store, plan["id"], reason_of("refresh"), public_url, clusters, now,
                          only_if_changed=True) is not None
               for plan in store.plans() if plan.get("status") == "published")


def public_of(store, plan_id: str) -> dict:
    """The admin's switch: served without a key or not (off until turned on)."""
    found = store.get_meta(PUBLIC + plan_id) or {}
    return {"plan_id": plan_id, "public": bool(found.get("public")),
            "changed_at": found.get("changed_at")}


def set_public(store, plan_id: str, public, now: datetime | None = None) -> dict:
    if not isinstance(public, bool):
        raise QueryError(f"public must be true or false, not {public!r} / "
                         "ค่า public ต้องเป็น true (เปิดเผย) หรือ false (ไม่เปิดเผย)")
    if store.get_plan(plan_id) is None:
        raise QueryError(f"no published plan {plan_id!r} / ไม่พบแผน {plan_id!r} ที่ประกาศใช้แล้ว")
    store.set_meta(PUBLIC + plan_id, {"public": public, "changed_at": (
        now or datetime.now(timezone.utc)).isoformat(timespec="seconds")})
    return public_of(store, plan_id)


def summary(store, plan_id: str) -> dict | None:
    """For a key holder: the record without its files' texts, the package parsed, the switch."""
    kept = store.open_data(plan_id)
    if kept is None:
        return None
    return {**{k: kept[k] for k in ("plan_id", "plan_version", "generated_at", "issued", "reason",
                                    "names_complete", "sample", "links", "counts")},
            "package": json.loads(kept["files"]["package.json"]),
            "public": public_of(store, plan_id)["public"]}


def public_part(store, plan_id: str, part: str):
    """A file's text ("package.json", "dcat.jsonld", "indicator-results.csv",
    "project-progress.csv") or "page" (the public page's figures) - only when the admin turned
    open data on for the plan and a record exists; None otherwise."""
    if not public_of(store, plan_id)["public"]:
        return None
    kept = store.open_data(plan_id)
    if kept is None:
        return None
    if part == "page":
        return {**kept["page"], "generated_at": kept["generated_at"], "links": kept["links"],
                "sample": kept["sample"]}
    return kept["files"].get(part) if part in FILES else None

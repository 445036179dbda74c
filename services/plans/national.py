"""The national strategy hierarchy as versioned reference data: pure rules, no I/O.

Rows come from CSV files (clusterctl/data/reference/national/, read by clusterctl/reference.py);
each row is one entry (a strategy, a master plan, an SDG target, ...) effective from a date. The
same code may appear again with a later ``effective_from``: from that date the new row replaces
the old one (a new wording, a new parent). Nothing is half-loaded: every bad row of every file is
reported by file and line, in Thai and English, and then nothing is returned.
"""
from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date

from services.contracts.errors import PlanError
# the levels' names for people, shared with reporting and the gateway (which cannot import plans)
from services.contracts.national import LEVEL_NAMES  # noqa: F401

NATIONAL_COLUMNS = ("code", "parent_code", "level", "name_th", "name_en", "effective_from",
                    "source", "verified")
# Which level an entry's parent must be at; None: the entry is a root (no parent allowed).
LEVEL_PARENT = {
    "strategy": None,                 # ยุทธศาสตร์ชาติ 20 ปี (6)
    "strategy_target": "strategy",    # eMENSCR Z
    "master_plan": "strategy",        # แผนแม่บทภายใต้ยุทธศาสตร์ชาติ (23)
    "master_plan_target": "master_plan",  # eMENSCR Y2
    "sub_plan": "master_plan",
    "sub_plan_target": "sub_plan",    # eMENSCR Y1
    "factor": "sub_plan_target",      # eMENSCR X (องค์ประกอบ/ปัจจัย of a sub-plan target)
    "milestone": None,                # หมุดหมาย of the 13th NESDP (13)
    "sdg_goal": None,                 # SDGs (17)
    "sdg_target": "sdg_goal",
}
VERIFIED = {"yes": True, "no": False}
# eMENSCR's names for the levels a project is aligned to (as planners use them; not checked
# against an NESDC text: docs/national-alignment.md).
EMENSCR_LEVEL = {"strategy_target": "Z", "master_plan_target": "Y2", "sub_plan_target": "Y1",
                 "factor": "X"}


@dataclass(frozen=True)
class NationalEntry:
    code: str
    parent_code: str  # "" for a root
    level: str
    name_th: str
    name_en: str
    effective_from: str  # ISO date
    source: str
    verified: bool
    where: str  # "file line N", to name it in later errors


@dataclass(frozen=True)
class NationalHierarchy:
    version_id: str  # latest effective_from and a checksum of every file's content
    entries: tuple[NationalEntry, ...]

    def as_of(self, day: str) -> dict[str, NationalEntry]:
        """The entries in force on ``day`` (ISO date), by code: each code's latest row from
        on or before that day."""
        in_force: dict[str, NationalEntry] = {}
        for entry in sorted(self.entries, key=lambda e: e.effective_from):
            if entry.effective_from <= day:
                in_force[entry.code] = entry
        return in_force

    def count_by_level(self, day: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for entry in self.as_of(day).values():
            counts[entry.level] = counts.get(entry.level, 0) + 1
        return counts


def _problem(where: str, thai: str, english: str) -> tuple[str, str]:
    return where, f"{thai} / {english}"


def _parse_rows(name: str, text: str, problems: list) -> list[NationalEntry]:
    # newline="" as the csv module wants: a lone \r in a field is then data, not an error
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        rows = list(reader)
    except csv.Error as exc:
        problems.append(_problem(name, f"อ่านเป็น CSV ไม่ได้ ({exc})", f"not readable as CSV ({exc})"))
        return []
    missing = [c for c in NATIONAL_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        problems.append(_problem(name, f"ไม่มีคอลัมน์ {', '.join(missing)}",
                                 f"missing column(s) {', '.join(missing)}; "
                                 f"expected {', '.join(NATIONAL_COLUMNS)}"))
        return []
    if not rows:
        problems.append(_problem(name, "ไม่มีข้อมูล", "no rows"))
    entries = []
    for line, row in enumerate(rows, start=2):
        where = f"{name} line {line}"
        value = {c: (row.get(c) or "").strip() for c in NATIONAL_COLUMNS}
        found = []
        if not value["code"]:
            found.append(("ไม่มีรหัส (code)", "code is empty"))
        if value["level"] not in LEVEL_PARENT:
            found.append((f"ระดับ (level) {value['level']!r} ไม่รู้จัก",
                           f"level {value['level']!r} is not one of {', '.join(LEVEL_PARENT)}"))
        if not value["name_th"]:
            found.append(("ไม่มีชื่อภาษาไทย (name_th)", "name_th (the Thai name) is empty"))
        try:
            date.fromisoformat(value["effective_from"])
        except ValueError:
            found.append((f"effective_from {value['effective_from']!r} ไม่ใช่วันที่ (ปปปป-ดด-วว ค.ศ.)",
                          f"effective_from {value['effective_from']!r} is not a date (YYYY-MM-DD)"))
        if not value["source"]:
            found.append(("ไม่ระบุแหล่งที่มา (source)", "source is empty"))
        if value["verified"] not in VERIFIED:
            found.append((f"verified ต้องเป็น yes หรือ no ไม่ใช่ {value['verified']!r}",
                          f"verified must be yes or no, not {value['verified']!r}"))
        problems.extend(_problem(where, thai, english) for thai, english in found)
        if not found:
            entries.append(NationalEntry(**{**value, "verified": VERIFIED[value["verified"]]},
                                         where=where))
    return entries


def _check_links(entries: list[NationalEntry], problems: list) -> None:
    """Duplicate (code, effective_from), a code changing level, and each parent: present, at
    the right level and in force on the child's effective date."""
    seen: dict[tuple[str, str], NationalEntry] = {}
    level_of: dict[str, NationalEntry] = {}
    for entry in entries:
        key = (entry.code, entry.effective_from)
        if key in seen:
            problems.append(_problem(entry.where, f"รหัส {entry.code} ซ้ำกับ {seen[key].where}",
                                     f"code {entry.code} from {entry.effective_from} is already "
                                     f"at {seen[key].where}"))
            continue
        seen[key] = entry
        first = level_of.setdefault(entry.code, entry)
        if first.level != entry.level:
            problems.append(_problem(entry.where,
                                     f"รหัส {entry.code} เปลี่ยนระดับจาก {first.level} ({first.where})",
                                     f"code {entry.code} changes level from {first.level} "
                                     f"({first.where}); use a new code"))
    hierarchy = NationalHierarchy("", tuple(seen.values()))
    for entry in seen.values():
        wanted = LEVEL_PARENT[entry.level]
        if wanted is None:
            if entry.parent_code:
                problems.append(_problem(entry.where, f"ระดับ {entry.level} ต้องไม่มี parent_code",
                                         f"a {entry.level} has no parent; parent_code must be empty"))
            continue
        if not entry.parent_code:
            problems.append(_problem(entry.where, f"ระดับ {entry.level} ต้องระบุ parent_code ({wanted})",
                                     f"a {entry.level} needs a parent_code (a {wanted})"))
            continue
        parent = hierarchy.as_of(entry.effective_from).get(entry.parent_code)
        if parent is None:
            problems.append(_problem(entry.where,
                                     f"ไม่พบ parent_code {entry.parent_code} ณ วันที่ {entry.effective_from}",
                                     f"parent_code {entry.parent_code} is unknown on "
                                     f"{entry.effective_from}"))
        elif parent.level != wanted:
            problems.append(_problem(entry.where,
                                     f"parent_code {entry.parent_code} เป็น {parent.level} ไม่ใช่ {wanted}",
                                     f"parent_code {entry.parent_code} is a {parent.level}, "
                                     f"not a {wanted}"))


def build_national_hierarchy(files: dict[str, str]) -> NationalHierarchy:
    """The hierarchy from CSV texts by file name; raises PlanError naming every bad row."""
    problems: list[tuple[str, str]] = []
    entries = [entry for name in sorted(files) for entry in _parse_rows(name, files[name], problems)]
    if not files:
        problems.append(_problem("national reference", "ไม่มีไฟล์", "no files"))
    _check_links(entries, problems)
    if problems:
        raise PlanError("ข้อมูลอ้างอิงระดับชาติ / national reference data", problems)
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode("utf-8") + b"\0" + files[name].encode("utf-8") + b"\0")
    latest = max(entry.effective_from for entry in entries)
    return NationalHierarchy(f"{latest}-{digest.hexdigest()[:12]}", tuple(entries))


def lineage(in_force: dict[str, NationalEntry], code: str) -> list[NationalEntry]:
    """The entry and its parents, nearest first (empty for a code not in force)."""
    chain: list[NationalEntry] = []
    entry = in_force.get(code)
    while entry is not None and entry not in chain:
        chain.append(entry)
        entry = in_force.get(entry.parent_code) if entry.parent_code else None
    return chain


def carried_entries(in_force: dict[str, NationalEntry], codes) -> list[dict]:
    """What a plan snapshot carries (``national_entries``): every linked entry in force and its
    parents, once each, ordered by level then code."""
    kept: dict[str, NationalEntry] = {}
    for code in codes:
        for entry in lineage(in_force, code):
            kept.setdefault(entry.code, entry)
    order = list(LEVEL_PARENT)
    return [{"code": e.code, "parent_code": e.parent_code, "level": e.level, "name_th": e.name_th,
             "name_en": e.name_en, "verified": e.verified}
            for e in sorted(kept.values(), key=lambda e: (order.index(e.level), e.code))]

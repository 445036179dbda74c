"""The national strategy hierarchy as versioned reference data: pure rules, no I/O.

Rows come from CSV files (clusterctl/data/reference/national/, read by clusterctl/reference.py);
each row is one entry (a strategy, a master plan, an SDG target, ...) effective from a date. The
same code may appear again with a later ``effective_from``: from that date the new row replaces
the old one (a new wording, a new parent); a row with ``withdrawn=yes`` takes the code out from
that date, and with it every entry under it that no later row has moved elsewhere. Nothing is
half-loaded: every bad row of every file is reported by file and line, in Thai and English, and
then nothing is returned.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta

from services.contracts.errors import PlanError
# the levels' names for people, shared with reporting and the gateway (which cannot import plans)
from services.contracts.national import EMENSCR_LEVEL, LEVEL_NAMES  # noqa: F401

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
# Optional columns: files written before a column was added still load.
OPTIONAL_COLUMNS = ("withdrawn",)
VERIFIED = {"yes": True, "no": False}
MAX_ROWS = 50_000  # every list together (the official lists hold a few thousand entries)
WITHDRAWN = {"yes": True, "no": False, "": False}


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
    withdrawn: bool = False  # this row takes the code out from effective_from
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class NationalProblem:
    """One bad row (or file): where, and what in Thai and English."""
    file: str  # "" when it is about the whole upload
    line: int | None
    thai: str
    english: str

    @property
    def where(self) -> str:
        if self.line is not None:
            return f"{self.file} line {self.line}"
        return self.file or "national reference"

    def as_dict(self) -> dict:
        return {"file": self.file or None, "line": self.line, "where": self.where,
                "message_th": self.thai, "message_en": self.english,
                "message": f"{self.where}: {self.thai} / {self.english}"}


def _latest_rows(entries, day: str) -> dict[str, NationalEntry]:
    """Each code's latest row from on or before ``day``, withdrawals included."""
    latest: dict[str, NationalEntry] = {}
    for entry in sorted(entries, key=lambda e: e.effective_from):
        if entry.effective_from <= day:
            latest[entry.code] = entry
    return latest


@dataclass(frozen=True)
class NationalHierarchy:
    version_id: str  # latest effective_from and a checksum of every file's content
    entries: tuple[NationalEntry, ...]

    def as_of(self, day: str) -> dict[str, NationalEntry]:
        """The entries in force on ``day`` (ISO date), by code: each code's latest row from
        on or before that day, unless that row withdraws it. A withdrawn entry takes its
        children with it (and theirs): a child stays only where a later row gave it a parent
        still in force - an entry never hangs under nothing."""
        in_force = {code: entry for code, entry in _latest_rows(self.entries, day).items()
                    if not entry.withdrawn}
        while orphans := [code for code, entry in in_force.items()
                          if entry.parent_code and entry.parent_code not in in_force]:
            for code in orphans:
                del in_force[code]
        return in_force

    def count_by_level(self, day: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for entry in self.as_of(day).values():
            counts[entry.level] = counts.get(entry.level, 0) + 1
        return counts


def _problem(entry: NationalEntry, thai: str, english: str) -> NationalProblem:
    return NationalProblem(entry.file, entry.line, thai, english)


def _parse_rows(name: str, text: str, problems: list) -> list[NationalEntry]:
    # newline="" as the csv module wants: a lone \r in a field is then data, not an error
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        rows = list(reader)
    except csv.Error as exc:
        problems.append(NationalProblem(name, None, f"อ่านเป็น CSV ไม่ได้ ({exc})",
                                        f"not readable as CSV ({exc})"))
        return []
    missing = [c for c in NATIONAL_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        problems.append(NationalProblem(name, None, f"ไม่มีคอลัมน์ {', '.join(missing)}",
                                        f"missing column(s) {', '.join(missing)}; "
                                        f"expected {', '.join(NATIONAL_COLUMNS)}"))
        return []
    if not rows:
        problems.append(NationalProblem(name, None, "ไม่มีข้อมูล", "no rows"))
    entries = []
    for line, row in enumerate(rows, start=2):
        where = f"{name} line {line}"
        value = {c: (row.get(c) or "").strip() for c in NATIONAL_COLUMNS + OPTIONAL_COLUMNS}
        withdrawn = WITHDRAWN.get(value["withdrawn"].lower())
        found = []
        if not value["code"]:
            found.append(("ไม่มีรหัส (code)", "code is empty"))
        if value["level"] not in LEVEL_PARENT:
            found.append((f"ระดับ (level) {value['level']!r} ไม่รู้จัก",
                           f"level {value['level']!r} is not one of {', '.join(LEVEL_PARENT)}"))
        if withdrawn is None:
            found.append((f"withdrawn ต้องเป็น yes, no หรือว่าง ไม่ใช่ {value['withdrawn']!r}",
                          f"withdrawn must be yes, no or empty, not {value['withdrawn']!r}"))
        if not value["name_th"] and not withdrawn:  # a withdrawal names the code only
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
        problems.extend(NationalProblem(name, line, thai, english) for thai, english in found)
        if not found:
            entries.append(NationalEntry(
                code=value["code"], parent_code=value["parent_code"], level=value["level"],
                name_th=value["name_th"], name_en=value["name_en"],
                effective_from=value["effective_from"], source=value["source"],
                verified=VERIFIED[value["verified"]], where=where, withdrawn=withdrawn,
                file=name, line=line))
    return entries


def _check_links(entries: list[NationalEntry], problems: list) -> None:
    """Duplicate (code, effective_from), a code changing level, each parent (present, at the
    right level and in force on the child's effective date) and each withdrawal (of a code in
    force the day before)."""
    seen: dict[tuple[str, str], NationalEntry] = {}
    level_of: dict[str, NationalEntry] = {}
    for entry in entries:
        key = (entry.code, entry.effective_from)
        if key in seen:
            problems.append(_problem(entry, f"รหัส {entry.code} ซ้ำกับ {seen[key].where}",
                                     f"code {entry.code} from {entry.effective_from} is already "
                                     f"at {seen[key].where}"))
            continue
        seen[key] = entry
        first = level_of.setdefault(entry.code, entry)
        if first.level != entry.level:
            problems.append(_problem(entry,
                                     f"รหัส {entry.code} เปลี่ยนระดับจาก {first.level} ({first.where})",
                                     f"code {entry.code} changes level from {first.level} "
                                     f"({first.where}); use a new code"))
    hierarchy = NationalHierarchy("", tuple(seen.values()))
    in_force_on: dict[str, dict[str, NationalEntry]] = {}  # a few dates, many rows

    def in_force(day: str) -> dict[str, NationalEntry]:
        if day not in in_force_on:
            in_force_on[day] = hierarchy.as_of(day)
        return in_force_on[day]

    for entry in seen.values():
        if entry.withdrawn:
            day_before = (date.fromisoformat(entry.effective_from) - timedelta(days=1)).isoformat()
            if entry.code not in in_force(day_before):
                problems.append(_problem(
                    entry, f"ยกเลิกรหัส {entry.code} ไม่ได้: ไม่มีผลใช้อยู่ก่อนวันที่ {entry.effective_from}",
                    f"withdraws {entry.code}, which is not in force before {entry.effective_from}"))
            continue
        wanted = LEVEL_PARENT[entry.level]
        if wanted is None:
            if entry.parent_code:
                problems.append(_problem(entry, f"ระดับ {entry.level} ต้องไม่มี parent_code",
                                         f"a {entry.level} has no parent; parent_code must be empty"))
            continue
        if not entry.parent_code:
            problems.append(_problem(entry, f"ระดับ {entry.level} ต้องระบุ parent_code ({wanted})",
                                     f"a {entry.level} needs a parent_code (a {wanted})"))
            continue
        parent = in_force(entry.effective_from).get(entry.parent_code)
        if parent is None:
            problems.append(_unknown_parent(hierarchy, entry))
        elif parent.level != wanted:
            problems.append(_problem(entry,
                                     f"parent_code {entry.parent_code} เป็น {parent.level} ไม่ใช่ {wanted}",
                                     f"parent_code {entry.parent_code} is a {parent.level}, "
                                     f"not a {wanted}"))


def _unknown_parent(hierarchy: NationalHierarchy, entry: NationalEntry) -> NationalProblem:
    """A parent not in force: never loaded, not yet in force, or withdrawn (itself or above)."""
    day, parent = entry.effective_from, entry.parent_code
    last = _latest_rows(hierarchy.entries, day).get(parent)
    if last is not None:
        how_th = (f"ถูกยกเลิกตั้งแต่ {last.effective_from} ({last.where})" if last.withdrawn
                  else "ถูกยกเลิกไปพร้อมรายการระดับบน")
        how_en = (f"was withdrawn from {last.effective_from} ({last.where})" if last.withdrawn
                  else "went with an entry above it that was withdrawn")
        return _problem(entry, f"parent_code {parent} {how_th} ณ วันที่ {day}",
                        f"parent_code {parent} {how_en}, so it is not in force on {day}")
    return _problem(entry, f"ไม่พบ parent_code {parent} ณ วันที่ {day}",
                    f"parent_code {parent} is unknown on {day}")


def check_national(files: dict[str, str]) -> tuple[NationalHierarchy | None, list[NationalProblem]]:
    """The hierarchy from CSV texts by file name, or None and every problem found."""
    problems: list[NationalProblem] = []
    rows = sum(text.count("\n") for text in files.values())
    if rows > MAX_ROWS:  # checked whole before any row is read: the check's cost grows with it
        return None, [NationalProblem("", None, f"มีมากกว่า {MAX_ROWS:,} แถว",
                                      f"more than {MAX_ROWS:,} rows in all ({rows:,} lines)")]
    entries = [entry for name in sorted(files) for entry in _parse_rows(name, files[name], problems)]
    if not files:
        problems.append(NationalProblem("", None, "ไม่มีไฟล์", "no files"))
    _check_links(entries, problems)
    if problems:
        return None, problems
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode("utf-8") + b"\0" + files[name].encode("utf-8") + b"\0")
    latest = max(entry.effective_from for entry in entries)
    return NationalHierarchy(f"{latest}-{digest.hexdigest()[:12]}", tuple(entries)), []


def build_national_hierarchy(files: dict[str, str]) -> NationalHierarchy:
    """The hierarchy from CSV texts by file name; raises PlanError naming every bad row."""
    hierarchy, problems = check_national(files)
    if problems:
        raise PlanError("ข้อมูลอ้างอิงระดับชาติ / national reference data",
                        [(p.where, f"{p.thai} / {p.english}") for p in problems])
    return hierarchy


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


def code_order(code: str) -> tuple:
    """Codes as people count them: SDG1.2 before SDG1.10, MP2 before MP10."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.split(r"(\d+)", code) if part)


def entries_in_force(hierarchy: NationalHierarchy, day: str) -> list[dict]:
    """The entries in force on ``day`` by level, in LEVEL_NAMES order (a level with none is
    left out), each with its level's names, source and effective date - what people read."""
    by_level: dict[str, list[NationalEntry]] = {}
    for entry in hierarchy.as_of(day).values():
        by_level.setdefault(entry.level, []).append(entry)
    levels = []
    for level, (level_th, level_en) in LEVEL_NAMES.items():
        found = sorted(by_level.get(level, []), key=lambda e: code_order(e.code))
        if not found:
            continue
        levels.append({"level": level, "name_th": level_th, "name_en": level_en,
                       "emenscr": EMENSCR_LEVEL.get(level), "parent_level": LEVEL_PARENT[level],
                       "count": len(found), "entries": [{
                           "code": e.code, "parent_code": e.parent_code or None, "level": level,
                           "level_name_th": level_th, "level_name_en": level_en,
                           "name_th": e.name_th, "name_en": e.name_en, "verified": e.verified,
                           "source": e.source, "effective_from": e.effective_from}
                           for e in found]})
    return levels

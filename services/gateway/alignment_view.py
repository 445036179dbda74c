"""A plan's alignment map as the HTTP API, a file and the dashboard show it (pure): the map itself
is the plans service's (services/plans/alignment.py, RPC alignment_map); here are its JSON
Schema, its table for CSV/Excel and its page's words (Thai first, names not codes)."""
from __future__ import annotations

from .schemas import BOOLEAN, INTEGER, STRING, array, nullable, obj

ENTRY_FIELDS = {
    "code": STRING, "level": nullable({**STRING, "description": "strategy, master_plan, ... "
                                                               "(null: a code the plan does not "
                                                               "carry)"}),
    "level_th": STRING, "level_en": STRING, "name_th": STRING, "name_en": STRING,
    "verified": nullable({**BOOLEAN, "description": "the wording was checked against the "
                                                    "official text"}),
    "parent_code": nullable(STRING)}
ENTRY = obj(ENTRY_FIELDS, required=tuple(ENTRY_FIELDS))
SERVES = {"own_links": {**BOOLEAN, "description": "false: no links of its own; it serves what "
                                                  "its issue serves"},
          "serves": array(array(ENTRY, description="a linked entry and its parents, root first"),
                          description="one path per linked entry; empty: serves none")}
PART_SERVES = ("own_links", "serves")
ALIGNMENT_MAP = obj({
    "plan_id": STRING, "version": INTEGER, "national_version": nullable(STRING),
    "issues": array(obj({"number": INTEGER, "title_th": STRING, "title_en": STRING, **SERVES},
                        required=("number", "title_th", "title_en", *PART_SERVES))),
    "indicators": array(obj({"code": STRING, "name_th": STRING, "name_en": STRING,
                             "issue": INTEGER, **SERVES},
                            required=("code", "name_th", "name_en", "issue", *PART_SERVES))),
    "projects": array(obj({"code": STRING, "title_th": STRING, "title_en": STRING,
                           "issue": INTEGER, "status": STRING, **SERVES},
                          required=("code", "title_th", "title_en", "issue", "status",
                                    *PART_SERVES))),
    "entries": array(obj({**ENTRY_FIELDS, "issues": array(INTEGER), "indicators": array(STRING),
                          "projects": array(STRING)},
                         required=(*ENTRY_FIELDS, "issues", "indicators", "projects")),
                     description="every entry the plan links and its parents (by level, then "
                                 "code), with the parts that serve it, directly or below it"),
    "unaligned": obj({"issues": array(INTEGER), "indicators": array(STRING),
                      "projects": array(STRING)}, required=("issues", "indicators", "projects"),
                     description="the parts that serve no national entry"),
}, required=("plan_id", "version", "national_version", "issues", "indicators", "projects",
             "entries", "unaligned"),
    description="แผนที่ความสอดคล้องกับแผนระดับชาติ / which national entries each issue, "
                "indicator and project serves, and which serve none")
ALIGNMENT_SCHEMAS = {"AlignmentMap": ALIGNMENT_MAP}

KINDS = {"issues": ("ประเด็นการพัฒนา", "development issue"),
         "indicators": ("ตัวชี้วัด", "indicator"), "projects": ("โครงการ", "project")}
HEADER = ["ประเภท (kind)", "รหัส/ลำดับ (key)", "ชื่อ (name_th)", "name (name_en)",
          "ความสอดคล้องจากประเด็น (inherited)", "รหัสแผนระดับชาติ (code)", "ระดับ (level)",
          "ชื่อรายการ (entry name_th)", "entry name (name_en)", "สายความสอดคล้อง (path)"]
NONE = ("ยังไม่ระบุความสอดคล้อง", "serves no national target")


def alignment_table(found: dict) -> tuple[list[str], list[list]]:
    """One row per part and entry it serves (a part serving none: one row saying so)."""
    rows = []
    for kind, (thai, english) in KINDS.items():
        for part in found[kind]:
            key = part.get("number", part.get("code"))
            name_th = part.get("title_th", part.get("name_th"))
            name_en = part.get("title_en", part.get("name_en"))
            start = [f"{thai} ({english})", key, name_th, name_en,
                     "" if part["own_links"] else "ใช่ (yes)"]
            if not part["serves"]:
                rows.append(start + ["", "", NONE[0], NONE[1], ""])
            for path in part["serves"]:
                entry = path[-1]
                rows.append(start + [entry["code"], entry["level_th"], entry["name_th"],
                                     entry["name_en"], " > ".join(e["name_th"] for e in path)])
    return HEADER, rows


WORDS = {  # the page's words: (Thai, English)
    "note": ("ประเด็นการพัฒนาและโครงการของแผนนี้สอดคล้องกับยุทธศาสตร์ชาติ แผนแม่บทฯ "
             "หมุดหมายของแผนพัฒนาฯ ฉบับที่ 13 และเป้าหมายการพัฒนาที่ยั่งยืนรายการใดบ้าง "
             "(ตัวชี้วัดและโครงการที่ไม่ได้ระบุเอง ถือตามประเด็นของตน)",
             "Which national strategies, master plans, 13th NESDP milestones and SDGs each "
             "development issue and project serves (an indicator or project with no links of "
             "its own serves what its issue serves)"),
    "by_issue": ("ประเด็นการพัฒนา", "Development issues"),
    "by_project": ("โครงการ", "Projects"), "by_entry": ("รายการแผนระดับชาติ", "National entries"),
    "serves": ("สอดคล้องกับ", "Serves"), "none": NONE, "none_en": (NONE[1], ""),
    "inherited": ("ตามประเด็นการพัฒนา", "as its issue"),
    "served_by": ("ประเด็นและโครงการที่สอดคล้อง", "Issues and projects serving it"),
    "unaligned": ("ยังไม่ระบุความสอดคล้อง", "Serving no national target"),
    "all_aligned": ("ทุกประเด็นและโครงการระบุความสอดคล้องแล้ว",
                    "Every issue and project serves a national target"),
    "issue": ("ประเด็นที่", "Issue"), "project": ("โครงการ", "Project"),
    "level": ("ระดับ", "Level"), "entry": ("รายการ", "Entry"),
    "unverified": ("ยังไม่ได้ตรวจสอบกับต้นฉบับ", "not yet checked against the official text"),
    "download": ("ดาวน์โหลด (CSV)", "Download (CSV)"),
    "no_links": ("แผนนี้ยังไม่ได้เชื่อมโยงกับแผนระดับชาติ", "This plan has no national links yet"),
}


def page_words(lang: str) -> dict:
    i = 0 if lang == "th" else 1
    return {k: v[i] for k, v in WORDS.items()}


def page_model(found: dict, lang: str) -> dict:
    """What the page lists: names in the page's language first, the other beside; codes only
    where a name is missing."""
    th = lang == "th"

    def name(thing: dict, th_key="name_th", en_key="name_en") -> dict:
        first, second = (thing.get(th_key), thing.get(en_key)) if th else \
            (thing.get(en_key) or thing.get(th_key), thing.get(th_key))
        return {"name": first, "other": second if second and second != first else ""}

    def paths(part):
        return [[{**name(e), "level": e["level_th"] if th else e["level_en"],
                  "verified": e["verified"], "code": e["code"]} for e in path]
                for path in part["serves"]]

    issues = {i["number"]: i for i in found["issues"]}
    projects = {p["code"]: p for p in found["projects"]}
    return {
        "issues": [{"number": i["number"], **name(i, "title_th", "title_en"),
                    "paths": paths(i)} for i in found["issues"]],
        "projects": [{"code": p["code"], **name(p, "title_th", "title_en"), "issue": p["issue"],
                      "inherited": not p["own_links"], "paths": paths(p),
                      "cancelled": p["status"] == "cancelled"} for p in found["projects"]],
        "entries": [{**name(e), "level": e["level_th"] if th else e["level_en"],
                     "code": e["code"], "verified": e["verified"],
                     "issues": [{"number": n, **name(issues[n], "title_th", "title_en")}
                                for n in e["issues"] if n in issues],
                     "projects": [{"code": c, **name(projects[c], "title_th", "title_en")}
                                  for c in e["projects"] if c in projects]}
                    for e in found["entries"]],
        "unaligned_issues": [{"number": n, **name(issues[n], "title_th", "title_en")}
                             for n in found["unaligned"]["issues"]],
        "unaligned_projects": [{"code": c, **name(projects[c], "title_th", "title_en")}
                               for c in found["unaligned"]["projects"]],
        "linked": bool(found["entries"]),
    }

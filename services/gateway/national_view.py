"""The national hierarchy page's words and view model (pure): the entries in force as the plans
service answers them (``national_entries``: by level) turned into trees a person reads -
strategy -> its targets and master plans -> sub-plans -> targets -> factors; the 13th NESDP's
milestones; SDGs -> targets - each entry with its source and, unless checked against the
official text, the unverified mark."""
from __future__ import annotations

WORDS = {  # (Thai, English), merged into dashboard.WORDS
    "national": ("แผนระดับชาติ", "National plans"),
    "national_note": ("ยุทธศาสตร์ชาติ 20 ปี แผนแม่บทฯ แผนย่อย แผนพัฒนาเศรษฐกิจและสังคมแห่งชาติ "
                      "ฉบับที่ 13 และเป้าหมายการพัฒนาที่ยั่งยืน (SDGs) ที่ประเด็นการพัฒนา ตัวชี้วัด "
                      "และโครงการของแผนกลุ่มจังหวัดเชื่อมโยงได้ (แผนระดับที่ 3)",
                      "The 20-year National Strategy, its master plans and sub-plans, the 13th "
                      "NESDP and the SDGs that a cluster plan's issues, indicators and projects "
                      "serve (a level-3 plan)"),
    "national_unverified": ("ยังไม่ได้ตรวจสอบกับเอกสารทางการ", "unverified"),
    "national_unverified_note": (
        "รายการที่มีเครื่องหมายนี้ยังไม่ได้ตรวจสอบถ้อยคำกับเอกสารทางการ ผู้ดูแลระบบนำเข้ารายการทางการแทนได้",
        "Entries so marked were not checked word for word against the official text; the "
        "admin may load the official lists in their place"),
    "national_version": ("รุ่นข้อมูล", "Version"), "national_loaded": ("นำเข้าเมื่อ", "Loaded"),
    "national_by": ("โดย", "by"), "national_files": ("ไฟล์", "Files"),
    "national_on_date": ("รายการที่มีผล ณ วันที่", "In force on"),
    "national_source": ("แหล่งที่มา", "Source"), "national_from": ("มีผลตั้งแต่", "from"),
    "national_as_above": ("เดียวกับรายการก่อนหน้า", "as the entry above"),
    "national_none": ("ยังไม่มีการนำเข้าข้อมูลอ้างอิงแผนระดับชาติ",
                      "No national hierarchy is loaded yet"),
    "national_versions": ("รุ่นที่นำเข้าแล้ว", "Versions loaded"),
    "national_latest": ("รุ่นล่าสุด (ใช้กับแผนใหม่)", "latest (new plans use it)"),
    "national_show": ("แสดง", "Show"),
    "national_upload_title": ("นำเข้าข้อมูลอ้างอิงแผนระดับชาติ (ผู้ดูแลระบบ)",
                              "Load the national hierarchy (admin)"),
    "national_upload_note": (
        "ไฟล์ CSV (UTF-8) ตามรูปแบบใน clusterctl/data/reference/national/README.md หรือไฟล์ .zip "
        "ของไฟล์ CSV ไฟล์ที่มีข้อผิดพลาดแม้แถวเดียวจะไม่ถูกนำเข้าเลย",
        "CSV files (UTF-8) laid out as clusterctl/data/reference/national/README.md says, or a "
        ".zip of them. A single bad row and nothing is loaded"),
    "national_file": ("ไฟล์ .csv หรือ .zip (เลือกได้หลายไฟล์)", ".csv or .zip files (several)"),
    "national_mode_add": ("เพิ่มจากรุ่นล่าสุด (ไฟล์ชื่อเดียวกันจะแทนที่ไฟล์เดิม)",
                          "Add to the latest version (a file of the same name replaces it)"),
    "national_mode_whole": ("ใช้เฉพาะไฟล์ที่อัปโหลด (รุ่นใหม่ทั้งชุด)",
                            "Only these files (a whole new version)"),
    "national_upload": ("นำเข้า", "Load"),
    "national_done": ("นำเข้าข้อมูลรุ่น {version} แล้ว", "Version {version} loaded"),
    "national_same": ("ข้อมูลรุ่น {version} เคยนำเข้าแล้ว จึงกลับมาใช้รุ่นนี้สำหรับแผนใหม่",
                      "Version {version} was loaded before: new plans are made under it again"),
    "national_refused": ("ข้อมูลไม่ผ่านการตรวจ ยังไม่มีการนำเข้าใด", "Refused: nothing was loaded"),
    "national_problems": ("แถวที่ต้องแก้ไข", "Rows to fix"),
    "national_where": ("ไฟล์ : แถว", "File : line"),
    "national_shown_of": ("แสดง {shown} จาก {total} รายการ", "{shown} of {total} shown"),
}


def words(lang: str) -> dict:
    return {k: v[0 if lang == "th" else 1] for k, v in WORDS.items()}


def trees(levels: list[dict]) -> list[dict]:
    """The levels as the plans service lists them -> one tree per root level (strategies,
    milestones, SDGs), in that order: ``{"level", "name_th", "name_en", "count", "nodes"}``,
    each node ``{"entry", "children"}``; children in the service's level order, then by code.
    An entry whose parent is not listed (none should be) is shown as a root of its own."""
    entries = [e for level in levels for e in level["entries"]]  # in level order, then code
    codes = {e["code"] for e in entries}
    children: dict[str, list[dict]] = {}
    for entry in entries:
        if entry["parent_code"] in codes:
            children.setdefault(entry["parent_code"], []).append(entry)

    def node(entry: dict, before: dict | None = None) -> dict:
        kids = children.get(entry["code"], [])
        # a source said once for a run of siblings (169 targets, one resolution): "as above"
        return {"entry": entry, "same_source": bool(before) and before["source"] == entry["source"],
                "children": [node(c, kids[i - 1] if i else None) for i, c in enumerate(kids)]}

    found = []
    for level in levels:
        roots = [e for e in level["entries"] if e["parent_code"] not in codes]
        if roots:
            found.append({"level": level["level"], "name_th": level["name_th"],
                          "name_en": level["name_en"], "count": len(roots),
                          "nodes": [node(e, roots[i - 1] if i else None)
                                    for i, e in enumerate(roots)]})
    return found


def unverified(levels: list[dict]) -> int:
    return sum(not e["verified"] for level in levels for e in level["entries"])

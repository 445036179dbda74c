"""The levels of the national strategy hierarchy as people read them (shared vocabulary: plans
keeps the hierarchy itself, services/plans/national.py; reporting and the gateway only name and
roll up what a plan snapshot carries, so they need the names, not the data)."""
from __future__ import annotations

# Names of the levels for people (Thai, English), in the order views list them.
LEVEL_NAMES = {
    "strategy": ("ยุทธศาสตร์ชาติ", "National strategy"),
    "strategy_target": ("เป้าหมายยุทธศาสตร์ชาติ", "National strategy target"),
    "master_plan": ("แผนแม่บทฯ", "Master plan"),
    "master_plan_target": ("เป้าหมายแผนแม่บทฯ", "Master plan target"),
    "sub_plan": ("แผนย่อย", "Sub-plan"),
    "sub_plan_target": ("เป้าหมายแผนย่อย", "Sub-plan target"),
    "factor": ("องค์ประกอบ/ปัจจัย", "Factor"),
    "milestone": ("หมุดหมาย แผนพัฒนาฯ ฉบับที่ 13", "13th NESDP milestone"),
    "sdg_goal": ("เป้าหมายการพัฒนาที่ยั่งยืน (SDG)", "Sustainable Development Goal"),
    "sdg_target": ("เป้าประสงค์ SDG", "SDG target"),
}

# eMENSCR's names for the levels a project is aligned to (as planners use them; not checked
# against an NESDC text: docs/national-alignment.md).
EMENSCR_LEVEL = {"strategy_target": "Z", "master_plan_target": "Y2", "sub_plan_target": "Y1",
                 "factor": "X"}


def level_problem(level: object) -> str | None:
    """Why ``level`` is not a level of the hierarchy (Thai / English), or None."""
    if isinstance(level, str) and level in LEVEL_NAMES:
        return None
    shown = str(level)[:40]
    return (f"ระดับ (level) {shown!r} ไม่รู้จัก ต้องเป็นหนึ่งใน {', '.join(LEVEL_NAMES)} / "
            f"level {shown!r} is not one of {', '.join(LEVEL_NAMES)}")

"""Structured problems and obstacles (an extension of contract v1): the items a project report may
carry in ``problem_items``, the cause code list (data the admin edits), and the remedy_overdue
fact. Pure: marshmallow and the standard library only.

A problem has a cause from the code list, a severity, a status (open -> in progress ->
resolved), an owner agency and remedies with due dates. Every message here says what is wrong
and where, in English and Thai: a province officer reads it in the rejection mail.
"""
from __future__ import annotations

import re
import uuid
from datetime import date

from marshmallow import RAISE, Schema, ValidationError, fields, validate

MAX_ITEMS = 20          # problem_items of one report
MAX_REMEDIES = 10       # remedies of one problem
MAX_DESCRIPTION = 2000
MAX_ACTION = 500
MAX_LABEL = 200
MAX_CAUSES = 100
SEVERITIES = ("low", "medium", "high")
STATUSES = ("open", "in_progress", "resolved")
SEVERITY_TH = {"low": "ต่ำ", "medium": "ปานกลาง", "high": "สูง"}
STATUS_TH = {"open": "ยังไม่แก้ไข", "in_progress": "อยู่ระหว่างแก้ไข", "resolved": "แก้ไขแล้ว"}
STATUS_EN = {"open": "open", "in_progress": "in progress", "resolved": "resolved"}
PROBLEM_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z", re.ASCII)
CAUSE_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}\Z", re.ASCII)
ITEM_FIELDS = ("problem_id", "cause", "severity", "status", "owner_agency", "description",
               "remedies")
REMEDY_FIELDS = ("action", "due", "done")
MIN_YEAR, MAX_YEAR = 2000, 2200
PROBLEM_NAMESPACE = uuid.UUID("3b0f6f0e-6f7c-4d7e-9a5b-5c1e2f3a4b6d")

# The default code list, shipped as data: what the admin starts from (PUT /api/problem-causes).
DEFAULT_CAUSES = (
    ("budget_release", "การจัดสรร/โอนงบประมาณล่าช้า", "Budget release"),
    ("procurement", "การจัดซื้อจัดจ้าง", "Procurement"),
    ("land_permits", "ที่ดินและการขออนุญาต", "Land and permits"),
    ("weather_disaster", "สภาพอากาศและภัยพิบัติ", "Weather and disaster"),
    ("contractor", "ผู้รับจ้าง", "Contractor"),
    ("design_change", "การเปลี่ยนแปลงแบบ/รายละเอียดโครงการ", "Design change"),
    ("coordination", "การประสานงานระหว่างหน่วยงาน", "Coordination"),
    ("staffing", "บุคลากร", "Staffing"),
    ("regulation", "ระเบียบและข้อกฎหมาย", "Regulation"),
    ("other", "อื่น ๆ", "Other"),
)


def default_cause_list() -> dict:
    """The code list in force before the admin changed anything (version 0)."""
    return {"version": 0, "changed_by": "default", "changed_at": None,
            "causes": [{"code": c, "label_th": th, "label_en": en, "retired": False}
                       for c, th, en in DEFAULT_CAUSES]}


def derived_problem_id(project: str, cause: str, description: str) -> str:
    """The id of a problem its sender gave none: the same project, cause and description (spaces
    and case aside) is the same problem in every report."""
    text = " ".join(description.split()).casefold()
    return "p-" + uuid.uuid5(PROBLEM_NAMESPACE, f"{project}|{cause}|{text}").hex[:16]


# --- problem_items: documented with marshmallow, checked by hand in two languages --------------

class RemedySchema(Schema):
    class Meta:
        unknown = RAISE

    action = fields.String(required=True, validate=validate.Length(min=1, max=MAX_ACTION))
    due = fields.Date(required=True, metadata={"description": "YYYY-MM-DD (C.E.)"})
    done = fields.Boolean(load_default=False)


class ProblemItemSchema(Schema):
    class Meta:
        unknown = RAISE

    problem_id = fields.String(load_default=None, allow_none=True,
                               validate=validate.Regexp(PROBLEM_ID.pattern),
                               metadata={"description": "stable id chosen by the sender: a later "
                                                        "report with it updates the same problem; "
                                                        "absent: derived from project, cause and "
                                                        "description"})
    cause = fields.String(required=True, metadata={"description": "a code of GET "
                                                                  "/api/problem-causes"})
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    owner_agency = fields.String(required=True, metadata={"description": "an agency code of "
                                                                         "the plan"})
    description = fields.String(required=True,
                                validate=validate.Length(min=1, max=MAX_DESCRIPTION))
    remedies = fields.List(fields.Nested(RemedySchema), load_default=list,
                           validate=validate.Length(max=MAX_REMEDIES))


class ProblemItems(fields.List):
    """``problem_items`` of a project report: at most MAX_ITEMS problems. Checked here, not by
    marshmallow's per-field messages, so every reason names the item and the field in English
    and in Thai; the result is plain JSON (a remedy's ``due`` stays ISO text)."""

    def __init__(self, **kwargs):
        super().__init__(fields.Nested(ProblemItemSchema), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        items, problems = load_problem_items(value)
        if problems:
            raise ValidationError("; ".join(problems))
        return items


def _text(where: str, value, most: int, problems: list, least: int = 1) -> str | None:
    if not isinstance(value, str):
        problems.append(f"{where}: must be text / ต้องเป็นข้อความ")
        return None
    if not least <= len(value.strip() if least else value) or len(value) > most:
        problems.append(f"{where}: must be {least} to {most} characters / "
                        f"ต้องยาว {least} ถึง {most} ตัวอักษร")
        return None
    return value


def _one_of(where: str, value, allowed: tuple, problems: list) -> str | None:
    if value not in allowed:
        problems.append(f"{where}: {value!r} is not one of {', '.join(allowed)} / "
                        f"ต้องเป็นค่าใดค่าหนึ่งใน {', '.join(allowed)}")
        return None
    return value


def _unknown(where: str, item: dict, known: tuple, problems: list) -> None:
    extra = sorted(set(item) - set(known), key=str)
    if extra:
        problems.append(f"{where}: unknown field(s) {', '.join(map(str, extra))} (known: "
                        f"{', '.join(known)}) / มีช่องข้อมูลที่ไม่รู้จัก")


def _remedy(where: str, raw, problems: list) -> dict | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be an object {{action, due, done}} / "
                        "ต้องเป็นออบเจกต์ {action, due, done}")
        return None
    _unknown(where, raw, REMEDY_FIELDS, problems)
    action = _text(f"{where}.action", raw.get("action"), MAX_ACTION, problems)
    due = raw.get("due")
    try:
        day = date.fromisoformat(due) if isinstance(due, str) and len(due) == 10 else None
    except ValueError:
        day = None
    if day is None or not MIN_YEAR <= day.year <= MAX_YEAR:
        problems.append(f"{where}.due: {due!r} is not a date YYYY-MM-DD (C.E., {MIN_YEAR}-"
                        f"{MAX_YEAR}) / ต้องเป็นวันที่รูปแบบ YYYY-MM-DD (ปี ค.ศ.)")
    done = raw.get("done", False)
    if not isinstance(done, bool):
        problems.append(f"{where}.done: must be true or false / ต้องเป็น true หรือ false")
    return {"action": action, "due": due, "done": done}


def load_problem_items(value) -> tuple[list[dict], list[str]]:
    """The items as plain JSON, and every problem found (empty when they are all right)."""
    problems: list[str] = []
    if not isinstance(value, list):
        return [], ["must be a list of problems / ต้องเป็นรายการ (list) ของปัญหา"]
    if len(value) > MAX_ITEMS:
        return [], [f"at most {MAX_ITEMS} problems in one report, got {len(value)} / "
                    f"รายงานหนึ่งฉบับมีปัญหาได้ไม่เกิน {MAX_ITEMS} รายการ"]
    items = []
    for n, raw in enumerate(value):
        where = f"[{n}]"
        if not isinstance(raw, dict):
            problems.append(f"{where}: must be an object / ต้องเป็นออบเจกต์")
            continue
        _unknown(where, raw, ITEM_FIELDS, problems)
        for name in ("cause", "severity", "status", "owner_agency", "description"):
            if name not in raw:
                problems.append(f"{where}.{name}: required / ต้องระบุ")
        problem_id = raw.get("problem_id")
        if problem_id is not None and (not isinstance(problem_id, str)
                                       or not PROBLEM_ID.match(problem_id)):
            problems.append(f"{where}.problem_id: {problem_id!r} must be 1-64 letters, digits, "
                            "'.', '_' or '-' / ต้องเป็นตัวอักษรอังกฤษ ตัวเลข . _ หรือ - ยาว 1-64 ตัว")
        item = {"problem_id": problem_id,
                "cause": _text(f"{where}.cause", raw.get("cause"), 40, problems)
                if "cause" in raw else None,
                "severity": _one_of(f"{where}.severity", raw.get("severity"), SEVERITIES, problems)
                if "severity" in raw else None,
                "status": _one_of(f"{where}.status", raw.get("status"), STATUSES, problems)
                if "status" in raw else None,
                "owner_agency": _text(f"{where}.owner_agency", raw.get("owner_agency"), 64,
                                      problems) if "owner_agency" in raw else None,
                "description": _text(f"{where}.description", raw.get("description"),
                                     MAX_DESCRIPTION, problems) if "description" in raw else None}
        item["remedies"] = load_remedies(raw.get("remedies", []), f"{where}.remedies", problems)
        items.append(item)
    return items, problems


def load_remedies(value, where: str, problems: list) -> list[dict]:
    """A problem's remedies as plain JSON; what is wrong is added to ``problems``."""
    if not isinstance(value, list) or len(value) > MAX_REMEDIES:
        problems.append(f"{where}: must be a list of at most {MAX_REMEDIES} remedies / "
                        f"ต้องเป็นรายการมาตรการแก้ไขไม่เกิน {MAX_REMEDIES} รายการ")
        return []
    return [_remedy(f"{where}[{r}]", each, problems) for r, each in enumerate(value)]


# --- the cause code list (reporting keeps it; the admin edits it) ----------------------------

def checked_cause_list(raw) -> list[dict]:
    """The causes of a PUT, checked: ``[{code, label_th, label_en, retired}]``; ValueError with
    every problem otherwise. Whether a removed cause is still used is the caller's check."""
    problems: list[str] = []
    if not isinstance(raw, list) or not raw or len(raw) > MAX_CAUSES:
        raise ValueError(f"causes must be a list of 1 to {MAX_CAUSES} causes / ต้องมีรายการ"
                         f"สาเหตุ 1 ถึง {MAX_CAUSES} รายการ")
    out, seen = [], set()
    for n, cause in enumerate(raw):
        where = f"causes[{n}]"
        if not isinstance(cause, dict):
            problems.append(f"{where}: must be an object {{code, label_th, label_en, retired}}")
            continue
        _unknown(where, cause, ("code", "label_th", "label_en", "retired"), problems)
        code = cause.get("code")
        if not isinstance(code, str) or not CAUSE_CODE.match(code):
            problems.append(f"{where}.code: {code!r} must be 2-40 lower-case letters, digits or "
                            "'_', starting with a letter / รหัสต้องเป็นอักษรอังกฤษตัวเล็ก ตัวเลข "
                            "หรือ _ ยาว 2-40 ตัว")
        elif code in seen:
            problems.append(f"{where}.code: {code} is listed twice / รหัสซ้ำ")
        else:
            seen.add(code)
        labels = [_text(f"{where}.{name}", cause.get(name), MAX_LABEL, problems)
                  for name in ("label_th", "label_en")]
        retired = cause.get("retired", False)
        if not isinstance(retired, bool):
            problems.append(f"{where}.retired: must be true or false / ต้องเป็น true หรือ false")
        out.append({"code": code, "label_th": labels[0], "label_en": labels[1],
                    "retired": retired})
    if not problems and all(c["retired"] for c in out):
        problems.append("at least one cause must stay in use (not retired) / ต้องมีสาเหตุที่ใช้งาน"
                        "อยู่อย่างน้อยหนึ่งรายการ")
    if problems:
        raise ValueError("; ".join(problems))
    return out


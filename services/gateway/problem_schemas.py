"""The problem endpoints' bodies for the OpenAPI document (JSON Schema; schemas.py merges them):
the cause code list, a problem's current state, the OSM's update, the analysis. What the
reporting service answers with is in services/reporting/problems.py and problem_cases.py."""
from services.contracts.problems import (MAX_ACTION, MAX_CAUSES, MAX_DESCRIPTION, MAX_ITEMS,
                                         MAX_LABEL, MAX_REMEDIES, SEVERITIES, STATUSES)

STRING, INTEGER, NUMBER, BOOLEAN = ({"type": t} for t in ("string", "integer", "number", "boolean"))


def _null(schema: dict) -> dict:
    return {**schema, "type": [schema["type"], "null"]}


def _obj(properties: dict, required=(), closed=False, description=None, **more) -> dict:
    found = {"type": "object", "properties": properties, **more}
    if required:
        found["required"] = list(required)
    if closed:
        found["additionalProperties"] = False
    if description:
        found["description"] = description
    return found


def _array(items: dict, **more) -> dict:
    return {"type": "array", "items": items, **more}


CAUSE_CODE = {**STRING, "pattern": r"^[a-z][a-z0-9_]{1,39}$"}
LABEL = {**STRING, "minLength": 1, "maxLength": MAX_LABEL, "pattern": r"\S"}
CAUSE = _obj({"code": CAUSE_CODE, "label_th": LABEL, "label_en": LABEL,
              "retired": {**BOOLEAN, "description": "kept for problems reported with it, not "
                                                    "accepted in new reports"}},
             required=("code", "label_th", "label_en"), closed=True)
CAUSE_LIST = _obj({"version": {**INTEGER, "description": "0: the shipped default"},
                   "changed_by": STRING, "changed_at": _null(STRING),
                   "causes": _array(_obj(CAUSE["properties"], required=(
                       "code", "label_th", "label_en", "retired")))},
                  required=("version", "changed_by", "changed_at", "causes"),
                  description="รหัสสาเหตุของปัญหาอุปสรรค / the cause code list, with who changed "
                              "it and when")
CAUSE_LIST_CHANGE = _obj({
    "causes": _array(CAUSE, minItems=1, maxItems=MAX_CAUSES,
                     description="the whole list; a cause used by a reported problem cannot be "
                                 "left out (retire it), codes unique, one at least not retired"),
    "version": {"type": ["integer", "null"], "minimum": 0,
                "description": "the version edited: 409 if another was saved since (null or "
                               "left out: no check)"}},
    required=("causes",), closed=True)
REMEDY = _obj({"action": {**STRING, "minLength": 1, "maxLength": MAX_ACTION, "pattern": r"\S"},
               "due": {**STRING, "format": "date", "description": "YYYY-MM-DD (C.E., 2000-2200)",
                       "pattern": r"^(20[0-9]{2}|21[0-9]{2}|2200)-[0-9]{2}-[0-9]{2}$"},
               "done": BOOLEAN}, required=("action", "due"), closed=True)
# A report's structured problems as sent (contracts/problems.py load_problem_items)
PROBLEM_ITEMS = _null(_array(_obj({
    "problem_id": _null({**STRING, "pattern": r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
                         "description": "the sender's; left out: derived from the project, "
                                        "cause and description"}),
    "cause": {**CAUSE_CODE, "description": "a code of the cause list in force"},
    "severity": {**STRING, "enum": list(SEVERITIES)}, "status": {**STRING, "enum": list(STATUSES)},
    "owner_agency": {**STRING, "description": "an agency code of the plan"},
    "description": {**STRING, "minLength": 1, "maxLength": MAX_DESCRIPTION},
    "remedies": _array(REMEDY, maxItems=MAX_REMEDIES)},
    required=("cause", "severity", "status", "owner_agency", "description"), closed=True),
    maxItems=MAX_ITEMS, description="structured problems (README, Problems and remedies)"))
PROBLEM_STATE = _obj({
    "problem_id": STRING, "project": STRING, "title_th": _null(STRING), "title_en": _null(STRING),
    "issue": _null(INTEGER), "budget_thb": _null(NUMBER),
    "province": {**STRING, "description": "the province whose latest report has it"},
    "cause": STRING, "cause_label_th": STRING, "cause_label_en": STRING,
    "severity": {**STRING, "enum": list(SEVERITIES)}, "status": {**STRING, "enum": list(STATUSES)},
    "owner_agency": STRING, "description": STRING,
    "remedies": _array(_obj({"action": STRING, "due": STRING, "done": BOOLEAN},
                            required=("action", "due", "done"))),
    "first_reported_at": STRING, "reported_at": STRING, "event_id": STRING,
    "source": {**STRING, "enum": ["report", "osm"], "description": "what set the current state: "
                                                                   "the latest report or the "
                                                                   "OSM's later update"},
    "note": _null(STRING), "updated_by": _null(STRING), "updated_at": _null(STRING),
    "fiscal_years": _array(INTEGER, description="B.E. fiscal years it was reported in"),
    "occurrences": _array(_obj({"fiscal_year": INTEGER, "province": STRING, "cause": STRING}))},
    required=("problem_id", "project", "province", "cause", "severity", "status", "owner_agency",
              "description", "remedies", "reported_at", "source", "fiscal_years"),
    description="ปัญหาหนึ่งรายการกับสถานะปัจจุบัน / one problem in its current state")
PROBLEM_UPDATE = _obj({
    "status": {**STRING, "enum": list(STATUSES)},
    "owner_agency": {**STRING, "description": "an agency code of the plan"},
    "remedies": _array(REMEDY, maxItems=MAX_REMEDIES, description="replaces the remedies"),
    "note": _null({**STRING, "maxLength": 2000})},
    closed=True, minProperties=1,
    description="the OSM's update; in force until a report made later says otherwise")
GROUP = _obj({
    "cause": STRING, "cause_label_th": STRING, "cause_label_en": STRING,
    "issue": _null(INTEGER), "issue_title_th": _null(STRING), "issue_title_en": _null(STRING),
    "province": STRING, "fiscal_year": INTEGER, "count": INTEGER,
    "projects": _array(STRING),
    "budget_at_stake_thb": {**NUMBER, "description": "the budgets of the projects concerned, "
                                                     "each once"}},
    required=("cause", "issue", "province", "fiscal_year", "count", "budget_at_stake_thb"))
PARETO = _obj({"cause": STRING, "cause_label_th": STRING, "cause_label_en": STRING,
               "count": INTEGER, "share_pct": NUMBER, "cumulative_pct": NUMBER,
               "budget_at_stake_thb": NUMBER},
              required=("cause", "count", "share_pct", "cumulative_pct"))
RECURRING = _obj({"cause": STRING, "cause_label_th": STRING, "cause_label_en": STRING,
                  "scope": {**STRING, "enum": ["project", "issue"]},
                  "subject": {"type": ["string", "integer", "null"],
                              "description": "the project code or the issue number"},
                  "fiscal_years": _array(INTEGER, minItems=2)},
                 required=("cause", "scope", "subject", "fiscal_years"))
PROBLEM_ANALYSIS = _obj({
    "plan_id": STRING,
    "filters": _obj({"cause": _null(STRING), "issue": _null(INTEGER), "province": _null(STRING),
                     "fiscal_year": _null(INTEGER), "status": _null(STRING)}),
    "occurrences": {**INTEGER, "description": "problem x fiscal year rows counted"},
    "groups": _array(GROUP, description="cause x issue x province x fiscal year"),
    "pareto": _array(PARETO, description="causes by count, most first, with cumulative %"),
    "recurring": _array(RECURRING, description="causes met in two fiscal years or more by the "
                                               "same project or within the same issue"),
    "problems": _array({"$ref": "#/components/schemas/ProblemState"})},
    required=("plan_id", "filters", "occurrences", "groups", "pareto", "recurring", "problems"),
    description="การวิเคราะห์ปัญหาอุปสรรคร่วมกัน / problems analysed together")

PROBLEM_SCHEMAS = {"ProblemCause": CAUSE, "ProblemCauseList": CAUSE_LIST,
                   "ProblemCauseListChange": CAUSE_LIST_CHANGE, "ProblemState": PROBLEM_STATE,
                   "ProblemUpdate": PROBLEM_UPDATE, "ProblemAnalysis": PROBLEM_ANALYSIS,
                   "Remedy": REMEDY}

"""The shapes of the HTTP API's bodies, for the OpenAPI 3.1 document: marshmallow schemas (the
plan's own, from contracts/, and a few here), and JSON Schema written out for what the services
answer with as plain dicts (their code is cited beside each). Requests are validated where used;
a request schema says no more than the code enforces, a response schema no less than it
guarantees (objects stay open to new fields unless the code forbids them). schemathesis checks
every answer against these (tests/e2e/test_api_fuzz.py)."""
from marshmallow import Schema, fields

from services.contracts.approvals import CERTAINTY, STATES
from services.contracts.labels import ASSET_CATEGORIES
from services.contracts.plans import BaselineSchema, PlanSchema, RevisionSchema
from services.contracts.reports import (MAX_CODE, MAX_EVIDENCE, MAX_NOTE, MAX_REFERENCE,
                                        INTERNAL_EN, INTERNAL_TH, MAX_TEXT, PROCUREMENT_STAGES)

from .problem_schemas import PROBLEM_ITEMS

# How many problems and rows an upload's answer lists: services/gateway/listing.py MAX_LISTED
# (not imported: this module stays pure, tests/unit/test_layering.py).
CAPPED = "at most MAX_LISTED (services/gateway/listing.py)"


# --- JSON Schema helpers ----------------------------------------------------------------------

def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    """``schema`` or null (OpenAPI 3.1: a type list, or anyOf for a reference)."""
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        return {**schema, "type": [*types, "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def obj(properties: dict, required=(), description: str | None = None, closed=False, **more) -> dict:
    """An object; ``required`` lists the fields it always has; open to more unless ``closed``."""
    found = {"type": "object", "properties": properties, **more}
    if required:
        found["required"] = list(required)
    if closed:
        found["additionalProperties"] = False
    if description:
        found["description"] = description
    return found


def array(items: dict, **more) -> dict:
    return {"type": "array", "items": items, **more}


def map_of(values: dict, description: str | None = None, **more) -> dict:
    found = {"type": "object", "additionalProperties": values, **more}
    if description:
        found["description"] = description
    return found


STRING, INTEGER, NUMBER, BOOLEAN = ({"type": t} for t in ("string", "integer", "number", "boolean"))
DATE = {"type": "string", "format": "date"}
DATE_TIME = {"type": "string", "description": "ISO 8601 date and time"}
PERIOD = {"type": "string", "description": "FY2567, FY2567-Q2 or 2024-01", "examples": ["FY2567-Q2"]}
PROVINCE = {"type": "string", "description": "ISO 3166-2 code", "examples": ["TH-34"]}


# --- errors: every error answer has this one body ----------------------------------------------

ERROR = obj({"error": obj({
    "code": {**STRING, "description": "machine-readable error code, e.g. bad_request, "
                                      "not_found, forbidden, stale_version, too_large"},
    "message": {**STRING, "description": "what is wrong, for a person (English; Thai where the "
                                         "rule has it)"},
    "message_th": {**STRING, "description": "the same in Thai, where given"},
    "problems": {"description": f"a workbook or sheet import: the bad cells {{sheet, row, "
                                f"column, message}}, {CAPPED} (problems_total "
                                "counts them all); a reporting workbook's send: how many "
                                "problems there are (error.rows lists them)",
                 "anyOf": [array(obj({
                     "sheet": nullable(STRING), "row": nullable(INTEGER),
                     "column": nullable(STRING), "cell": nullable(STRING),
                     "item": {**INTEGER, "description": "project reports: the item's index"},
                     "file": nullable({**STRING, "description": "the national reference: the "
                                                               "CSV file"}),
                     "line": nullable({**INTEGER, "description": "the national reference: the "
                                                                 "line in the file"}),
                     "where": {**STRING, "description": "the national reference: file and line"},
                     "message": STRING, "message_th": STRING, "message_en": STRING},
                     required=("message",))), INTEGER]},
    "rows": {"type": "array", "description": "a reporting workbook's send: the rows with their "
                                            "errors, as its check lists them"},
    **{name: {**INTEGER, "minimum": 0, "description": text} for name, text in (
        ("problems_total", "an upload's problems: how many there are in all"),
        ("problems_shown", f"an upload's problems: how many are listed ({CAPPED})"),
        ("rows_total", "a reporting workbook's send: how many rows were read"),
        ("rows_shown", f"a reporting workbook's send: how many rows are listed "
                       f"({CAPPED})"))},
}, required=("code", "message"))}, required=("error",),
    description="ข้อผิดพลาด / an error: what went wrong, for a person and for a program")


class Health(Schema):
    status = fields.String(metadata={"example": "ok"})
    services = fields.Dict(keys=fields.String(), values=fields.String(),
                           metadata={"example": {"plans": "ok", "reporting": "ok",
                                                 "assets": "ok", "notify": "ok"}})


class Province(Schema):
    code = fields.String(metadata={"example": "TH-34"})
    name_th = fields.String(metadata={"example": "อุบลราชธานี"})
    name_en = fields.String(metadata={"example": "Ubon Ratchathani"})
    membership_confidence = fields.String()


class Cluster(Schema):
    code = fields.String(metadata={"example": "northeast-lower-2"})
    name_th = fields.String()
    name_en = fields.String()
    region = fields.String()
    provinces = fields.List(fields.Nested(Province))


class PlanSummary(Schema):
    id = fields.String()
    cluster = fields.String()
    title_th = fields.String()
    title_en = fields.String()
    start_fy = fields.Integer(metadata={"description": "first fiscal year, B.E."})
    end_fy = fields.Integer(metadata={"description": "last fiscal year, B.E."})
    status = fields.String()
    version = fields.Integer()
    sample = fields.Boolean()
    provinces = fields.List(fields.String())
    agency_codes = fields.List(fields.String(), metadata={"description": "the agencies the plan names"})


class HistoryEntry(Schema):
    version = fields.Integer()
    status = fields.String()
    revision = fields.Nested(RevisionSchema, allow_none=True)
    saved_at = fields.String(metadata={"format": "date-time"})


class PublishRequest(Schema):
    approved_by = fields.String(allow_none=True)


class RevisionRequest(Schema):
    plan = fields.Dict(required=True, metadata={"description": "the whole revised plan document"})
    reason = fields.String(required=True, metadata={"pattern": r"\S",
                                                    "description": "why (not blank)"})
    approved_by = fields.String(allow_none=True)


RESULT_STATUSES = ["achieved", "not_achieved", "no_data", "no_target"]
# How certain a figure is (docs/approvals.md section 4: services/reporting/certainty.py)
CERTAINTIES = list(CERTAINTY.values())
CERTAINTY_TEXT = ("how certain the figure is: its province's approval of the period (or of a "
                  "period holding it): provisional (open), submitted, approved or accepted")
APPROVALS = ["full", "partial", "none"]
APPROVAL_TEXT = ("the cluster value's approval: full when every expected province is approved "
                 "or accepted, partial when some are, else none")


class ProvinceFigures(Schema):
    """One province's figures beside the cluster's (services/reporting/targets.py)."""
    name_th = fields.String(required=True, metadata={"example": "อุบลราชธานี"})
    name_en = fields.String(required=True, metadata={"example": "Ubon Ratchathani"})
    value = fields.Float(required=True, allow_none=True, metadata={
        "description": "its value in force; null: not reported"})
    target = fields.Float(required=True, allow_none=True, metadata={
        "description": "its own target the value is judged against (the plan's "
                       "province_targets): for a fiscal year only, else null"})
    fiscal_year_target = fields.Float(required=True, allow_none=True, metadata={
        "description": "its own target for the period's fiscal year, shown beside a quarter "
                       "or month (not judged against)"})
    status = fields.String(required=True, metadata={"enum": RESULT_STATUSES})
    achievement_pct = fields.Float(required=True, allow_none=True)
    baseline = fields.Nested(BaselineSchema, required=True, allow_none=True, metadata={
        "description": "its own baseline (the plan's province_baselines), else null"})
    progress_from_baseline_pct = fields.Float(required=True, allow_none=True, metadata={
        "description": "(value - baseline) / (target - baseline) x 100; null when any is "
                       "missing or the target is the baseline"})
    certainty = fields.String(required=True, metadata={"enum": CERTAINTIES,
                                                       "description": CERTAINTY_TEXT})


class IndicatorResult(Schema):
    indicator = fields.String()
    name_th = fields.String()
    name_en = fields.String()
    unit = fields.String()
    aggregation = fields.String()
    direction = fields.String()
    frequency = fields.String()
    cumulative = fields.Boolean(metadata={"description": "values are year-to-date totals"})
    target = fields.Float(allow_none=True, metadata={
        "description": "the fiscal year's target - or the quarter's, where the plan sets "
                       "quarterly targets (see target_basis)"})
    target_basis = fields.String(metadata={"enum": ["fiscal_year", "quarter"]})
    fiscal_year_target = fields.Float(allow_none=True)
    value = fields.Float(allow_none=True, metadata={"description": "aggregation over provinces"})
    provinces = fields.Dict(keys=fields.String(), values=fields.Float())
    reported = fields.Integer()
    expected = fields.Integer()
    status = fields.String(metadata={"enum": ["achieved", "not_achieved", "no_data", "no_target"]})
    achievement_pct = fields.Float(allow_none=True)
    weight = fields.String(allow_none=True, metadata={"description": "a mean with a weight is "
                                                                     "a weighted mean"})
    quarter_target = fields.Float(allow_none=True, metadata={
        "description": "the quarter's own target, where the plan sets quarterly targets"})
    rolled_up_from = fields.Dict(metadata={
        "description": "only for a fiscal year of a quarterly or monthly indicator: its "
                       "frequency and, per province, the periods its year value comes from"})
    baseline = fields.Nested(BaselineSchema, allow_none=True, metadata={
        "description": "the cluster's baseline, else null (extension)"})
    progress_from_baseline_pct = fields.Float(allow_none=True, metadata={
        "description": "the cluster's progress from its baseline toward the target, % "
                       "(extension)"})
    by_province = fields.Dict(keys=fields.String(), values=fields.Nested(ProvinceFigures),
                              metadata={"description": "every expected province's own target, "
                                                       "status, baseline and progress "
                                                       "(a province key: its own; extension)"})
    certainty = fields.Dict(keys=fields.String(), values=fields.String(metadata={
        "enum": CERTAINTIES}), metadata={"description": "per province with a value (a province "
                                                        "key: its own): " + CERTAINTY_TEXT})
    approval = fields.String(metadata={"enum": APPROVALS, "description": APPROVAL_TEXT})
    internal_provinces = fields.List(fields.String(), metadata={
        "description": "the provinces whose value in force (for a roll-up: any of its periods') "
                       "the province marked internal, not to be published outside the "
                       "government (a province key: its own; extension, issue 26)"})


class IndicatorResults(Schema):
    plan_id = fields.String()
    period = fields.String(metadata={"example": "FY2567-Q2"})
    results = fields.List(fields.Nested(IndicatorResult))


class Rejection(Schema):
    rejection_id = fields.String()
    province = fields.String(allow_none=True, metadata={"description": "the sending province"})
    agency = fields.String(allow_none=True, metadata={
        "description": "the sending implementing agency (its own AMQP user), else null"})
    sender = fields.String(metadata={"description": "the authenticated AMQP user"})
    reported_by = fields.Dict(allow_none=True, metadata={
        "description": "a report the gateway sent: {username, name, via} of the person who sent "
                       "it, else null"})
    event_id = fields.String(allow_none=True, metadata={"description": "when readable"})
    kind = fields.String(allow_none=True)
    reason = fields.String()
    reason_th = fields.String(allow_none=True, metadata={
        "description": "the reason in Thai, where the rule that rejected it has Thai words"})
    received_at = fields.String(metadata={"format": "date-time"})
    routing_key = fields.String()
    raw_body = fields.String(metadata={"description": "the body as received (UTF-8, bad bytes replaced)"})
    redriven_at = fields.String(allow_none=True, metadata={
        "format": "date-time", "description": "when the message was sent through the intake "
        "again and taken (POST /api/rejections/{rejection_id}/redrive), else null"})
    redrive_outcome = fields.String(allow_none=True, metadata={
        "description": "accepted, or duplicate (the same report was kept meanwhile)"})
    redriven_by = fields.String(allow_none=True, metadata={"description": "who re-drove it"})


# --- reporting views (services/reporting/queries.py, handlers.py, domain.py) ----------------------

# A province's mark on a report (issue 26; contracts/reports.py): left out means false
INTERNAL = {**BOOLEAN, "description": f"{INTERNAL_TH} / {INTERNAL_EN}; optional: left out "
                                      "means false (a report sent before the mark existed)"}
INDICATOR_REPORT = {  # contracts/reports.py IndicatorReportSchema
    "event_id": STRING, "province": PROVINCE, "reported_at": DATE_TIME,
    "indicator": {**STRING, "maxLength": MAX_CODE}, "period": PERIOD,
    "value": nullable({**NUMBER, "description": "null retracts the province's value"}),
    "note": nullable({**STRING, "maxLength": MAX_NOTE}), "internal": INTERNAL}
PROJECT_REPORT = {  # contracts/reports.py ProjectReportSchema
    "event_id": STRING, "province": PROVINCE, "reported_at": DATE_TIME,
    "project": {**STRING, "maxLength": MAX_CODE}, "as_of": DATE,
    "physical_progress_pct": {**NUMBER, "minimum": 0, "maximum": 100},
    "disbursed_thb": {**NUMBER, "minimum": 0},
    "procurement_stage": {**STRING, "enum": list(PROCUREMENT_STAGES)},
    "problems": nullable({**STRING, "maxLength": MAX_TEXT}),
    "solutions": nullable({**STRING, "maxLength": MAX_TEXT}), "internal": INTERNAL}

BASELINE = nullable(obj({"value": NUMBER, "fiscal_year": {**INTEGER, "description": "B.E."}},
                        required=("value", "fiscal_year")))

EVIDENCE_ID = {**STRING, "pattern": "^ev-[0-9a-f]{32}$", "description": "an uploaded file's id"}
# One item of a report's evidence (issue 22), as the drill-down lists it (``url``: the file's)
REPORT_EVIDENCE = nullable(array(obj({
    "reference": {**STRING, "maxLength": MAX_REFERENCE,
                  "description": "a document number, a URL..."},
    "file": EVIDENCE_ID,
    "url": {**STRING, "description": "where the file downloads (with a file)"}}),
    maxItems=MAX_EVIDENCE, description="the evidence the report cites"))

# POST /api/plans/{id}/project-reports (services/gateway/project_reports.py): a report without
# its event_id (derived from the content); province and reported_at may be left out
PROJECT_REPORT_ITEMS = array(obj(
    {**{k: v for k, v in PROJECT_REPORT.items() if k != "event_id"},
     "evidence": nullable(array(obj({
         "reference": {**STRING, "minLength": 1, "maxLength": MAX_REFERENCE},
         "file": EVIDENCE_ID}, closed=True), maxItems=MAX_EVIDENCE,
         description="the evidence the report cites (README, Indicator cards and evidence)")),
     "problem_items": PROBLEM_ITEMS},
    required=("project", "as_of", "physical_progress_pct", "disbursed_thb", "procurement_stage"),
    closed=True, description="one project's progress; province: where the project runs (an "
                             "agency names it, a province key may leave it out); reported_at: "
                             "now if left out"), minItems=1, maxItems=500)
# POST /api/plans/{id}/reports (api/entries.py): indicator values typed in a form, each read as
# a workbook row is (infra/report_workbook read_entries): text is taken as a cell's content
TYPED_REPORT_ITEMS = array(obj({
    "indicator": {**STRING, "maxLength": MAX_CODE, "description": "the indicator's code"},
    "period": PERIOD,
    "value": {"type": ["number", "string"], "description": "a number, or text of one as a person "
                                                            "types it (1,250.5, Thai digits)"},
    "note": nullable({**STRING, "maxLength": MAX_NOTE}),
    "evidence": nullable({**STRING, "description": "uploaded files' ids (ev-...) and/or "
                                                   "references, separated by ; or new lines"}),
    "internal": INTERNAL},
    required=("indicator", "period", "value"), closed=True,
    description="one indicator's value for a period; the province is the key's own"),
    minItems=1, maxItems=500)
PROJECT_REPORTS_SENT = obj({
    "plan_id": STRING, "province": nullable(PROVINCE),
    "agency": nullable({**STRING, "description": "the sending implementing agency"}),
    "event_ids": array(STRING, description="each item's report, to follow with report-status"),
    "sent": {**INTEGER, "minimum": 0}, "already_received": {**INTEGER, "minimum": 0}},
    required=("plan_id", "province", "agency", "event_ids", "sent", "already_received"))

SERIES = obj({
    "plan_id": STRING, "indicator": STRING, "frequency": STRING,
    "baseline": {**BASELINE, "description": "the cluster's baseline, else null"},
    "path": array(obj({"period": PERIOD, "fiscal_year": {**INTEGER, "description": "B.E."},
                       "target": nullable(NUMBER), "label_th": STRING, "label_en": STRING,
                       "value": nullable({**NUMBER, "description": "the whole year's cluster "
                                                                   "value (rolled up)"}),
                       "status": {**STRING, "enum": ["achieved", "not_achieved", "no_data",
                                                     "no_target"]},
                       "achievement_pct": nullable(NUMBER),
                       "progress_from_baseline_pct": nullable(NUMBER)},
                      required=("period", "fiscal_year", "target", "value", "status")),
                  description="the cluster's five-year path: each fiscal year of the plan with "
                              "its target and the year's value"),
    "provinces": map_of(obj({"name_th": STRING, "name_en": STRING, "baseline": BASELINE,
                             "targets": map_of(nullable(NUMBER), "{FY2567: target or null}")},
                            required=("baseline", "targets")),
                        "per expected province (a province key: its own): its baseline and "
                        "its own target for each fiscal year of the plan"),
    "series": array({"allOf": [ref("IndicatorResult"), obj({
        "period": PERIOD, "label_th": {**STRING, "description": "e.g. ไตรมาส 2 ปีงบประมาณ 2567"},
        "label_en": STRING}, required=("period", "label_th", "label_en"))]},
        description="every period reported so far, in time order")},
    required=("plan_id", "indicator", "frequency", "series", "baseline", "path", "provinces"),
    description="ตัวชี้วัดหนึ่งตัวทุกงวดที่รายงาน / one indicator across the periods reported")

REPORTS = obj({
    "plan_id": STRING,
    "filters": obj({k: nullable(STRING) for k in ("province", "indicator", "project", "period")}),
    "reports": array(obj({
        **INDICATOR_REPORT, **PROJECT_REPORT,
        "kind": {**STRING, "enum": ["indicator", "project"]},
        "received_at": DATE_TIME, "sender": {**STRING, "description": (
            "the account it is kept under: the province's (agency's) AMQP user, also for a "
            "report the gateway sent for it")},
        "reported_by": nullable(obj({"username": STRING, "name": STRING, "via": STRING},
                                    description="who sent it through the gateway: the person "
                                    "(or api-key:<role>:<scope>) and the gateway's AMQP user; "
                                    "null for a report the province's own system sent")),
        "status": {**STRING, "enum": ["in_force", "superseded"]},
        "retraction": {**BOOLEAN, "description": "an indicator report with value null"},
        "evidence": REPORT_EVIDENCE},
        required=("event_id", "province", "kind", "received_at", "sender", "status",
                  "retraction"),
        description="the report as received (indicator or project fields), with its fate"))},
    required=("plan_id", "filters", "reports"),
    description="รายงานที่อยู่เบื้องหลังค่า / the reports behind a value, newest first")

PROBLEM = obj({
    "project": STRING, "title_th": nullable(STRING), "title_en": nullable(STRING),
    "issue": nullable(INTEGER), "implementing_agency": nullable(STRING), "province": PROVINCE,
    "as_of": DATE, "reported_at": DATE_TIME, "event_id": STRING,
    "procurement_stage": {**STRING, "enum": list(PROCUREMENT_STAGES)},
    "problems": nullable(STRING), "solutions": nullable(STRING),
    "internal": {**BOOLEAN, "description": "true when the province marked the report internal, "
                                          "not to be published outside the government (left "
                                          "out otherwise)"}},
    required=("project", "province", "as_of", "reported_at", "event_id", "problems", "solutions"),
    description="ปัญหาอุปสรรคและแนวทางแก้ไข / a problem and its solution, as reported")

QUARTER_TARGETS = obj({q: {**NUMBER, "minimum": 0, "maximum": 100} for q in ("Q1", "Q2", "Q3", "Q4")},
                      description="cumulative % of budget by the end of each quarter")
DISBURSEMENT_TARGETS = map_of(QUARTER_TARGETS, "{FY2567: {Q1..Q4}}: the government's "
                                               "cumulative disbursement targets by fiscal year",
                              propertyNames={"pattern": r"^FY\d{4}$"})

PROJECT_PROGRESS = obj({
    "plan_id": STRING, "government_targets": DISBURSEMENT_TARGETS,
    "projects": array(obj({
        "project": STRING, "title_th": STRING, "title_en": STRING, "fiscal_year": INTEGER,
        "issue": INTEGER, "status": STRING, "budget_thb": NUMBER,
        "provinces_reported": array(PROVINCE),
        "provinces": map_of(obj({"as_of": DATE, "physical_progress_pct": NUMBER,
                                 "disbursed_thb": NUMBER, "procurement_stage": STRING,
                                 "certainty": {**STRING, "enum": CERTAINTIES, "description":
                                               CERTAINTY_TEXT + " holding as_of"},
                                 "internal": {**BOOLEAN, "description": "true when the province "
                                              "marked this report internal, not to be published "
                                              "outside the government (issue 26); else left out"}},
                                required=("certainty",)),
                            "each province's latest progress report (a province key: its own)"),
        "approval": {**STRING, "enum": APPROVALS,
                     "description": "the project's totals' approval over the provinces that "
                                    "reported: full, partial or none"},
        "as_of": nullable(DATE), "quarter": nullable(INTEGER),
        "physical_progress_pct": nullable(NUMBER), "disbursed_thb": nullable(NUMBER),
        "disbursement_pct": nullable(NUMBER), "planned_to_date_thb": nullable(NUMBER),
        "planned_to_date_pct": nullable(NUMBER), "government_target_pct": nullable(NUMBER),
        "procurement_stage": nullable({**STRING, "description": "the least advanced"}),
        "behind_schedule": nullable(BOOLEAN), "behind_reasons": array(STRING),
        "assets_registered": INTEGER, "assets_value_thb": NUMBER},
        required=("project", "budget_thb", "provinces", "behind_schedule", "behind_reasons",
                  "approval")))},
    required=("plan_id", "government_targets", "projects"),
    description="ความก้าวหน้าโครงการ / each project's progress and disbursement")

COMPLETENESS = obj({
    "plan_id": STRING, "period": PERIOD, "due_days": INTEGER,
    "provinces": array(obj({
        "province": PROVINCE, "period": PERIOD, "due_date": DATE, "overdue": BOOLEAN,
        "expected": INTEGER, "received": INTEGER, "on_time": INTEGER, "late": INTEGER,
        "missing": array(STRING, description="indicators not reported"),
        "late_indicators": array(STRING),
        "completeness_pct": nullable(NUMBER), "timeliness_pct": nullable(NUMBER),
        "approval": {**STRING, "enum": list(STATES),
                     "description": "the province's approval of the period (or of a period "
                                    "holding it)"},
        "certainty": {**STRING, "enum": CERTAINTIES, "description": CERTAINTY_TEXT},
        "approved_on_time": {**BOOLEAN, "description": "approved (still, or accepted since) on "
                                                      "or before the due date"},
        "projects": obj({
            "frequency": {**STRING, "enum": ["quarterly", "monthly", "none"],
                          "description": "the plan's progress_frequency"},
            "expected": INTEGER, "received": INTEGER, "on_time": INTEGER, "late": INTEGER,
            "missing": array(STRING, description="projects without progress as of the period"),
            "late_projects": array(STRING),
            "missing_agencies": array(STRING, description="their implementing agencies")},
            required=("expected", "received", "on_time", "late", "missing",
                      "missing_agencies"),
            description="project progress due in the period (from the province or the "
                        "implementing agency; none outside the plan's progress cadence)")},
        required=("province", "expected", "received", "on_time", "late", "missing",
                  "approval", "certainty", "approved_on_time"))),
    "approved": {**INTEGER, "minimum": 0,
                 "description": "how many provinces' figures for the period are approved or "
                                "accepted"},
    "approved_on_time": {**INTEGER, "minimum": 0,
                         "description": "how many of them were approved by the due date"}},
    required=("plan_id", "period", "provinces", "approved", "approved_on_time"),
    description="ความครบถ้วนและตรงเวลาของการรายงาน / completeness and timeliness by province")

REPORT_STATUSES = obj({
    "plan_id": STRING, "province": nullable(PROVINCE),
    "agency": nullable({**STRING, "description": "an agency key: the agency (province null)"}),
    "statuses": map_of(obj({
        "status": {**STRING, "enum": ["pending", "in_force", "superseded", "rejected"]},
        "reason": nullable({**STRING, "description": "why it was rejected"}),
        "in_force": nullable({"type": "object", "description": "superseded: the body of the "
                                                               "report in force instead"})},
        required=("status", "reason")), "by event_id")},
    required=("plan_id", "province", "statuses"))

PARKED = obj({
    "parked_id": STRING, "queue": STRING, "reason": STRING, "deliveries": nullable(INTEGER),
    "routing_key": nullable(STRING), "parked_at": DATE_TIME, "retried_at": nullable(DATE_TIME),
    "headers": {"type": "object", "description": "the AMQP headers as received (x-death...)"},
    "body": {**STRING, "description": "the body (UTF-8, bad bytes replaced)"},
    "properties": obj({"content_type": nullable(STRING), "message_id": nullable(STRING),
                       "user_id": nullable(STRING)})},
    required=("parked_id", "queue", "reason", "parked_at", "body"),
    description="ข้อความที่พักไว้ / a message a service gave up on after the delivery limit")
RETRIED = obj({"parked_id": STRING, "queue": STRING,
               "outcome": {**STRING, "description": "republished, or what the intake decided"}},
              required=("parked_id", "queue", "outcome"))

# --- the province reporting workbook (services/gateway/province_reports.py check) ------------------

CHECKED_FIELDS = {
    "province": PROVINCE, "period": nullable(PERIOD),
    "rows": array(obj({
        "sheet": STRING, "row": INTEGER, "kind": nullable(STRING), "subject": nullable(STRING),
        "period": nullable(STRING),
        "event_id": nullable({**STRING, "description": "the report's id, once the row passed"}),
        "errors": array(obj({"cell": nullable(STRING), "message_th": STRING, "message_en": STRING},
                            required=("message_th", "message_en")))},
        required=("sheet", "row", "errors"))),
    "problems": {**INTEGER, "description": "how many errors in all"},
    "problems_total": {**INTEGER, "minimum": 0, "description": "how many errors in all (as "
                                                               "problems)"},
    "problems_shown": {**INTEGER, "minimum": 0, "description": f"how many errors rows lists "
                                                               f"({CAPPED})"},
    "rows_total": {**INTEGER, "minimum": 0, "description": "how many rows were read"},
    "rows_shown": {**INTEGER, "minimum": 0, "description": f"how many rows are listed ({CAPPED}"
                                                           ": those with errors first)"},
    "reports": {**INTEGER, "description": "rows that would be sent"}}
LISTED = ("problems_total", "problems_shown", "rows_total", "rows_shown")
WORKBOOK_CHECK = obj(CHECKED_FIELDS, required=("province", "rows", "problems", *LISTED, "reports"),
                     description="ผลการตรวจแบบรายงาน / every row with what is wrong and where")
WORKBOOK_SENT = obj({**CHECKED_FIELDS, "event_ids": array(STRING),
                     "sent": INTEGER, "already_received": INTEGER},
                    required=("province", "rows", "problems", *LISTED, "reports", "event_ids", "sent",
                              "already_received"))

# --- plans' reference data (services/plans/handlers.py) ------------------------------------------

REFERENCE_VERSION = obj({"version_id": STRING, "effective_from": DATE, "source": STRING,
                         "loaded_at": DATE_TIME},
                        required=("version_id", "effective_from", "source"))
REFERENCE_LOADED = obj({"version_id": STRING,
                        "created": {**BOOLEAN, "description": "false: the same version was "
                                                              "loaded before"},
                        "clusters": INTEGER, "provinces": INTEGER},
                       required=("version_id", "created", "clusters", "provinces"))

# --- assets (services/assets/schemas.py, domain.py) -----------------------------------------------

DOCUMENT = obj({"kind": {**STRING, "minLength": 1, "description": "e.g. delivery, inspection, "
                                                                  "handover, photo"},
                "reference": {**STRING, "minLength": 1}, "date": nullable(DATE),
                "file_id": nullable({**STRING, "pattern": "^ev-[0-9a-f]{32}$", "description":
                                     "a file of this asset (POST /api/assets/{code}/documents)"}),
                "filename": nullable({**STRING, "description": "set from the file kept"})},
               required=("kind", "reference"), closed=True)
LOCATION = obj({"province": PROVINCE, "district": nullable(STRING),
                "latitude": nullable({**NUMBER, "minimum": -90, "maximum": 90}),
                "longitude": nullable({**NUMBER, "minimum": -180, "maximum": 180})},
               required=("province",), closed=True)
MAINTENANCE = obj({"agency": {**STRING, "minLength": 1, "description": "who maintains it"},
                   "budget_thb": {**NUMBER, "minimum": 0, "description": "yearly budget"},
                   "note": STRING}, required=("agency", "budget_thb"), closed=True)
CATEGORY = {**STRING, "enum": list(ASSET_CATEGORIES)}
ASSET_FIELDS = {
    "code": {**STRING, "minLength": 1, "maxLength": 64, "pattern": r"^[^/\\\s?#%]+$"},
    "project": STRING, "fiscal_year": {**INTEGER, "minimum": 2500, "maximum": 2700},
    "category": CATEGORY, "description_th": {**STRING, "minLength": 1}, "description_en": STRING,
    "quantity": {**NUMBER, "exclusiveMinimum": 0}, "unit": STRING,
    "unit_value_thb": {**NUMBER, "minimum": 0, "maximum": 1e16,
                       "description": "quantity x unit value at most 1e16 baht"},
    "acquired_on": DATE, "location": LOCATION,
    "custodian": {**STRING, "minLength": 1}, "documents": array(DOCUMENT),
    "maintenance": nullable(MAINTENANCE), "sample": BOOLEAN}
NEW_ASSET = obj(ASSET_FIELDS, closed=True, required=(
    "code", "project", "fiscal_year", "category", "description_th", "quantity", "unit",
    "unit_value_thb", "acquired_on", "location", "custodian"),
    description="ทะเบียนทรัพย์สิน / an asset to register (its project must be in a published "
                "plan; the code must be free)")
ASSET = obj({
    **ASSET_FIELDS, "maintenance": nullable(obj(MAINTENANCE["properties"])),
    "documents": array(obj(DOCUMENT["properties"])), "location": obj(LOCATION["properties"]),
    "plan_id": STRING, "cluster": STRING, "implementing_agency": nullable(STRING),
    "status": {**STRING, "enum": ["in_custody", "transfer_requested", "transfer_approved",
                                  "handed_over", "disposed"]},
    "status_th": STRING, "category_th": STRING, "version": INTEGER, "total_value_thb": NUMBER,
    "book_value_thb": {**NUMBER, "description": "straight-line depreciation to today"},
    "transfer": nullable({"type": "object", "description": "the transfer in progress: id, "
                                                           "from, to, requested_at, due_by..."}),
    "audit": obj({"last_on": nullable(DATE), "next_due": nullable(DATE)}),
    "transfer_overdue": BOOLEAN, "audit_overdue": BOOLEAN,
    "disposal": nullable({"type": "object", "description": "how and on whose decision it was "
                                                           "disposed of: method, "
                                                           "committee_reference, decided_on, "
                                                           "proceeds_thb, recipient, at, by"}),
    "next_steps": array({**STRING, "enum": ["request", "approve", "hand_over", "accept", "reject",
                                            "cancel", "audit", "dispose"]},
                        description="the steps its state allows now (who may: the access rule)")},
    required=("code", "project", "category", "status", "version", "custodian", "location",
              "book_value_thb", "transfer_overdue", "audit_overdue"),
    description="ทรัพย์สิน / an asset with its book value, Thai labels and overdue flags")
LEDGER_ENTRY = obj({"seq": INTEGER, "action": STRING, "at": DATE_TIME, "by": STRING,
                    "from_state": nullable(STRING), "to_state": nullable(STRING),
                    "reason": nullable(STRING), "documents": array(obj(DOCUMENT["properties"])),
                    "details": nullable({"type": "object"}), "transfer_id": nullable(STRING)},
                   required=("seq", "action", "at", "by"))
ASSET_HISTORY = obj({"code": STRING, "version": INTEGER, "ledger": array(LEDGER_ENTRY)},
                    required=("code", "version", "ledger"),
                    description="ประวัติทรัพย์สิน / the asset's ledger, oldest first")
REGISTERED = obj({"registered": array(STRING, description="the codes registered")},
                 required=("registered",))
DAYS = {**INTEGER, "minimum": 1, "maximum": 3650}
ASSET_SETTINGS_CHANGE = obj({
    "transfer_overdue_days": DAYS, "audit_due_soon_days": DAYS,
    "audit_interval_days": nullable(obj({c: DAYS for c in ASSET_CATEGORIES}, closed=True)),
    "useful_life_years": nullable(obj({c: nullable(DAYS) for c in ASSET_CATEGORIES},
                                      closed=True))},
    closed=True, description="the settings to change; the others stay")
ASSET_SETTINGS = obj({
    "transfer_overdue_days": INTEGER, "audit_due_soon_days": INTEGER,
    "audit_interval_days": map_of(INTEGER, "days between audits, by category"),
    "useful_life_years": map_of(nullable(INTEGER), "by category; null: not depreciated")},
    required=("transfer_overdue_days", "audit_due_soon_days", "audit_interval_days",
              "useful_life_years"))

# --- notify (services/notify/store, handlers.py) ------------------------------------------------

MAIL = obj({
    "mail_id": STRING, "event_id": STRING, "template": STRING, "to_addr": STRING,
    "agency": nullable(STRING), "subject": STRING, "message_id": STRING,
    "status": {**STRING, "description": "pending, held, in_digest, sent or failed"},
    "attempts": INTEGER, "next_attempt_at": nullable(DATE_TIME), "lease_until": nullable(DATE_TIME),
    "last_error": nullable(STRING), "created_at": DATE_TIME, "sent_at": nullable(DATE_TIME),
    "lease_holder": {**nullable(STRING), "description": "the notify process (host:pid) that "
                     "claimed it last; with attempts, its lease"}},
    required=("mail_id", "template", "to_addr", "status", "attempts", "created_at"),
    description="จดหมายหนึ่งฉบับในบันทึกการส่ง / one mail of the delivery log")

FLAG_STATUS = {**STRING, "enum": ["to_check", "checked", "correction_requested"]}
FLAG = obj({
    "flag_id": STRING, "plan_id": STRING, "indicator": STRING, "period": PERIOD,
    "province": PROVINCE, "event_id": {**STRING, "description": "the flagged report's"},
    "value": NUMBER,
    "basis": obj({"basis": {**STRING, "enum": ["own_history", "other_provinces"]},
                  "median": NUMBER, "reference": array(NUMBER),
                  "score": nullable({**NUMBER, "description": "modified z-score; null: "
                                                              "infinitely far"}),
                  "threshold": NUMBER},
                 required=("basis", "median", "reference", "score", "threshold"),
                 description="what the value was compared with, and how far it is"),
    "flagged_at": DATE_TIME, "status": FLAG_STATUS,
    "reviewed_by": nullable(STRING), "reviewed_at": nullable(DATE_TIME),
    "review_note": nullable(STRING)},
    required=("flag_id", "plan_id", "indicator", "period", "province", "event_id", "value",
              "basis", "flagged_at", "status", "reviewed_by", "reviewed_at", "review_note"),
    description="ค่าที่ต้องตรวจสอบ / a value accepted and flagged to check (an outlier)")
FLAG_REVIEW = obj({"action": {**STRING, "enum": ["checked", "correction_requested"],
                              "description": "checked: the value is right; correction_requested:"
                                             " mail the province to check and correct it"},
                   "note": nullable({**STRING, "maxLength": 2000})},
                  required=("action",), closed=True)

# --- the AMQP side's document -------------------------------------------------------------------

ASYNCAPI = obj({"asyncapi": STRING, "info": obj({"title": STRING, "version": STRING},
                                                required=("title", "version")),
                "channels": map_of({"type": "object"}, "by channel name: its operations and "
                                                       "messages (see the AsyncAPI 2.6 spec)")},
               required=("asyncapi", "info", "channels"), description="AsyncAPI 2.6")

JSON_SCHEMAS = {
    "Error": ERROR, "IndicatorSeries": SERIES, "Reports": REPORTS, "Problem": PROBLEM,
    "ProjectProgress": PROJECT_PROGRESS, "Completeness": COMPLETENESS,
    "DisbursementTargets": DISBURSEMENT_TARGETS, "QuarterTargets": QUARTER_TARGETS,
    "ReportStatuses": REPORT_STATUSES, "Parked": PARKED, "ParkedRetry": RETRIED,
    "ReferenceVersion": REFERENCE_VERSION, "ReferenceLoaded": REFERENCE_LOADED,
    "NewAsset": NEW_ASSET, "Asset": ASSET, "AssetHistory": ASSET_HISTORY,
    "AssetsRegistered": REGISTERED, "AssetSettings": ASSET_SETTINGS,
    "AssetSettingsChange": ASSET_SETTINGS_CHANGE, "Mail": MAIL, "WorkbookCheck": WORKBOOK_CHECK,
    "WorkbookSent": WORKBOOK_SENT, "AsyncApiDocument": ASYNCAPI, "AssetDocument": DOCUMENT,
    "Flag": FLAG, "FlagReview": FLAG_REVIEW,
    "ProjectReportItems": PROJECT_REPORT_ITEMS, "ProjectReportsSent": PROJECT_REPORTS_SENT,
    "TypedReportItems": TYPED_REPORT_ITEMS,
}


__all__ = ["Health", "Cluster", "PlanSummary", "PlanSchema", "IndicatorResults",
           "Rejection", "HistoryEntry", "PublishRequest", "RevisionRequest", "JSON_SCHEMAS"]

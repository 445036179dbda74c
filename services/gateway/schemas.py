"""Response shapes of the HTTP API, for the OpenAPI document (requests are validated where used)."""
from marshmallow import Schema, fields

from services.contracts.plans import PlanSchema, RevisionSchema


class ErrorBody(Schema):
    code = fields.String(required=True, metadata={"description": "machine-readable error code"})
    message = fields.String(required=True, metadata={"description": "what is wrong, for a person"})


class Error(Schema):
    error = fields.Nested(ErrorBody, required=True)


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
    reason = fields.String(required=True)
    approved_by = fields.String(allow_none=True)


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
    rolled_up_from = fields.Dict(metadata={
        "description": "only for a fiscal year of a quarterly or monthly indicator: its "
                       "frequency and, per province, the periods its year value comes from"})


class IndicatorResults(Schema):
    plan_id = fields.String()
    period = fields.String(metadata={"example": "FY2567-Q2"})
    results = fields.List(fields.Nested(IndicatorResult))


class Rejection(Schema):
    rejection_id = fields.String()
    province = fields.String(allow_none=True, metadata={"description": "the sending province"})
    sender = fields.String(metadata={"description": "the authenticated AMQP user"})
    event_id = fields.String(allow_none=True, metadata={"description": "when readable"})
    kind = fields.String(allow_none=True)
    reason = fields.String()
    reason_th = fields.String(allow_none=True, metadata={
        "description": "the reason in Thai, where the rule that rejected it has Thai words"})
    received_at = fields.String(metadata={"format": "date-time"})
    routing_key = fields.String()
    raw_body = fields.String(metadata={"description": "the body as received (UTF-8, bad bytes replaced)"})


__all__ = ["Error", "Health", "Cluster", "PlanSummary", "PlanSchema", "IndicatorResults",
           "Rejection", "HistoryEntry", "PublishRequest", "RevisionRequest"]

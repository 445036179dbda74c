"""Province intake (DESIGN 3.3): the bodies provinces publish on the ``reports`` exchange."""
from __future__ import annotations

import math
import re
import uuid
from datetime import datetime

from marshmallow import (RAISE, Schema, ValidationError, fields, validate, validates,
                         validates_schema)

from .periods import PeriodError, parse_period
from .problems import ProblemItems

REPORTS_EXCHANGE = "reports"
REPORT_KINDS = ("indicator", "project")
ROUTING_KEY = re.compile(r"^report\.(?P<province>[^.]+)\.(?P<kind>[^.]+)$")
PROVINCE_CODE = re.compile(r"^TH-\d{2}\Z", re.ASCII)

# The intake's limits, once: the schemas below, their fast path and the province workbook
# (report_workbook.py) all take them from here.
MAX_CODE = 64                    # indicator and project codes
MAX_NOTE = 4000                  # an indicator report's note
MAX_TEXT = 8000                  # a project report's problems / solutions
MIN_YEAR, MAX_YEAR = 2000, 2200  # plausible C.E. years of reported_at and as_of
MAX_EVIDENCE = 10                # evidence items on one report
MAX_REFERENCE = 500              # one evidence reference (a document number, a URL)
EVIDENCE_ID = re.compile(r"^ev-[0-9a-f]{32}\Z", re.ASCII)  # an uploaded file (infra/evidence)

# Procurement stages in order, with the Thai words shown to people.
PROCUREMENT_STAGE_TH = {
    "not_started": "ยังไม่เริ่ม",
    "preparing_tor": "จัดทำ TOR / ร่างขอบเขตงาน",
    "procurement": "อยู่ระหว่างจัดซื้อจัดจ้าง",
    "contract_signed": "ลงนามสัญญาแล้ว",
    "in_progress": "อยู่ระหว่างดำเนินการ / ส่งมอบงาน",
    "inspection": "ตรวจรับ",
    "completed": "แล้วเสร็จ",
    "cancelled": "ยกเลิก",
}
PROCUREMENT_STAGES = tuple(PROCUREMENT_STAGE_TH)


def routing_key(province: str, kind: str) -> str:
    return f"report.{province}.{kind}"


# Implementing agencies report their own projects (extension of DESIGN 3.3): AMQP user
# ``<prefix>agency.<code>``, routing key ``report.<code>.project`` - project reports only.
AGENCY_USER_PREFIX = "agency."
# one routing-key word (no dot, no wildcard), and never a province code (TH-34)
AGENCY_CODE = re.compile(r"^(?!TH-\d{2}\Z)[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z", re.ASCII)


def agency_routing_key(agency: str) -> str:
    return f"report.{agency}.project"


# Reports sent through the gateway (extension of DESIGN 3.3; docs/architecture.md, "The
# gateway's route"): the gateway publishes under its own AMQP user ``<prefix>GATEWAY_USER`` on
# ``gateway.report.<province or agency code>.<kind>``, a route only that user may write, with the
# person who reported it in the headers. It never holds a province's or an agency's password.
GATEWAY_USER = "cluster-planning-gateway"
GATEWAY_ROUTE_PREFIX = "gateway.report."
GATEWAY_ROUTING_KEY = re.compile(r"^gateway\.report\.(?P<code>[^.]+)\.(?P<kind>[^.]+)$")
GATEWAY_TOPIC_PATTERN = r"^gateway\.report\."
REPORTED_BY = "x-reported-by"            # header: the person's username (who signed in)
REPORTED_BY_NAME = "x-reported-by-name"  # header: the person's display name, as shown
MAX_PERSON_TEXT = 200


def gateway_routing_key(code: str, kind: str) -> str:
    """The gateway's route for a province's (or an implementing agency's) report."""
    return f"{GATEWAY_ROUTE_PREFIX}{code}.{kind}"


def reported_by_headers(username: str, name: str | None) -> dict:
    """The headers naming the person a gateway report comes from."""
    return {REPORTED_BY: username, REPORTED_BY_NAME: name or username}


def province_topic_pattern(province: str) -> str:
    """The broker's topic permission of a province user: ``report.<its code>.<any kind>``."""
    return f"^report\\.{re.escape(province)}\\."


def agency_topic_pattern(agency: str) -> str:
    """The broker's topic permission of an agency user: its own project reports only."""
    return f"^report\\.{re.escape(agency)}\\.project$"


class StrictNumber(fields.Float):
    """A JSON number: not a string, not a boolean, not NaN/Infinity."""
    default_error_messages = {"invalid": "must be a number (not a string or boolean)"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class StrictBoolean(fields.Boolean):
    """A JSON boolean, true or false: not "true", "yes", 1 or null (marshmallow's Boolean takes
    those too, and a report's meaning must not hang on how a client spelled it)."""
    default_error_messages = {
        key: "must be true or false (a JSON boolean, not a string, number or null) / ต้องเป็น "
             "true หรือ false" for key in ("invalid", "null")}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


# Extension of DESIGN 3.3 (issue 26): a province marks a report internal - not to be published
# outside the government (open data, the public page). Absent means false; absent stays absent
# in the kept body, so reports sent before it are kept, compared and identified as before.
INTERNAL_TH = "ข้อมูลภายใน ไม่เผยแพร่สู่สาธารณะ"
INTERNAL_EN = "internal: not to be published outside the government (open data, public page)"


def _internal():
    return StrictBoolean(metadata={"description": f"{INTERNAL_TH} / {INTERNAL_EN}; "
                                                  "optional, absent means false"})


def is_internal(report: dict) -> bool:
    """Whether a report (a body as sent or kept) is marked internal."""
    return report.get("internal") is True


class PeriodCode(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        code = super()._deserialize(value, attr, data, **kwargs)
        try:
            parse_period(code)
        except PeriodError as exc:
            raise ValidationError(str(exc)) from None
        return code


class _ReportBase(Schema):
    class Meta:
        unknown = RAISE

    event_id = fields.UUID(required=True)
    province = fields.String(required=True)
    reported_at = fields.AwareDateTime(required=True, format="iso")

    @validates("reported_at")
    def _plausible_time(self, value, **_):
        # Far-off years break the ordering key and are always typos.
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            raise ValidationError(f"must be a time between the years {MIN_YEAR} and "
                                  f"{MAX_YEAR} (C.E.)")

    @validates("province")
    def _province_code(self, value, **_):
        if not PROVINCE_CODE.match(value):
            raise ValidationError("must be an ISO 3166-2 province code such as TH-34")


class EvidenceItemSchema(Schema):
    """One piece of evidence behind a report: a reference (a document number, a URL) and/or an
    uploaded file's id (POST /api/plans/{id}/evidence); the message never carries the bytes."""
    class Meta:
        unknown = RAISE

    reference = fields.String(validate=validate.Length(min=1, max=MAX_REFERENCE))
    file = fields.String(validate=validate.Regexp(
        EVIDENCE_ID, error="must be an evidence id from the upload, ev- and 32 hex digits"))

    @validates_schema
    def _something(self, data, **_):
        if not data:
            raise ValidationError("give a reference, a file (an evidence id) or both")


def _evidence():
    # no default: a report without evidence is stored exactly as before
    return fields.List(fields.Nested(EvidenceItemSchema), allow_none=True,
                       validate=validate.Length(max=MAX_EVIDENCE, error=f"at most {MAX_EVIDENCE} "
                                                "evidence items on one report"))


class IndicatorReportSchema(_ReportBase):
    indicator = fields.String(required=True, validate=validate.Length(min=1, max=MAX_CODE))
    period = PeriodCode(required=True)
    # Required but nullable: null retracts this province's value for the period.
    value = StrictNumber(required=True, allow_none=True, allow_nan=False)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=MAX_NOTE))
    evidence = _evidence()
    internal = _internal()


class ProjectReportSchema(_ReportBase):
    project = fields.String(required=True, validate=validate.Length(min=1, max=MAX_CODE))
    as_of = fields.Date(required=True)
    physical_progress_pct = StrictNumber(required=True, allow_nan=False,
                                         validate=validate.Range(min=0, max=100))
    disbursed_thb = StrictNumber(required=True, allow_nan=False, validate=validate.Range(min=0))
    procurement_stage = fields.String(required=True, validate=validate.OneOf(PROCUREMENT_STAGES))
    @validates("as_of")
    def _plausible_date(self, value, **_):
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            raise ValidationError(f"must be a date between the years {MIN_YEAR} and "
                                  f"{MAX_YEAR} (C.E.)")

    problems = fields.String(load_default=None, allow_none=True,
                             validate=validate.Length(max=MAX_TEXT))
    solutions = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(max=MAX_TEXT))
    evidence = _evidence()

    # Extension: structured problems (contracts/problems.py); problems/solutions above stay.
    problem_items = ProblemItems(allow_none=True)  # absent stays absent in the kept body
    internal = _internal()


REPORT_SCHEMAS = {"indicator": IndicatorReportSchema, "project": ProjectReportSchema}

_INDICATOR_REQUIRED = frozenset({"event_id", "province", "indicator", "period", "value",
                                 "reported_at"})
_INDICATOR_FIELDS = _INDICATOR_REQUIRED | {"note", "internal"}


def well_formed_indicator_report(data: dict) -> dict | None:
    """What ``IndicatorReportSchema().load(data)`` returns, for the usual well-formed report,
    without marshmallow's per-field machinery (it was an eighth of the intake's time); None for
    anything else, which the schema then decides and words the error for. Only accepts what the
    schema accepts, with the same result: tests/unit/test_report_schemas.py checks both on
    generated bodies."""
    if not _INDICATOR_REQUIRED <= data.keys() <= _INDICATOR_FIELDS:
        return None
    event_id, province, indicator, period, value, reported_at, note = (
        data["event_id"], data["province"], data["indicator"], data["period"], data["value"],
        data["reported_at"], data.get("note"))
    if "internal" in data and type(data["internal"]) is not bool:
        return None
    if not (type(event_id) is str and type(province) is str and type(indicator) is str
            and type(period) is str and type(reported_at) is str
            and (value is None or type(value) in (int, float))
            and (note is None or (type(note) is str and len(note) <= MAX_NOTE))
            and PROVINCE_CODE.match(province) and 1 <= len(indicator) <= MAX_CODE):
        return None
    try:
        parse_period(period)
        event_uuid = uuid.UUID(event_id)
        moment = datetime.fromisoformat(reported_at)
        value = None if value is None else float(value)
    except (PeriodError, ValueError, OverflowError):
        return None
    if value is not None and not math.isfinite(value):
        return None
    if moment.utcoffset() is None or not MIN_YEAR <= moment.year <= MAX_YEAR:
        return None
    report = {"event_id": event_uuid, "province": province, "reported_at": moment,
              "indicator": indicator, "period": period, "value": value, "note": note}
    if "internal" in data:  # absent stays absent, as the schema leaves it
        report["internal"] = data["internal"]
    return report


def describe_errors(messages, prefix: str = "") -> str:
    """Flatten marshmallow's error dict into ``field: message; other: message``."""
    if isinstance(messages, dict):
        parts = []
        for key, value in sorted(messages.items(), key=lambda kv: str(kv[0])):
            name = f"{prefix}.{key}" if prefix else str(key)
            parts.append(describe_errors(value, name))
        return "; ".join(parts)
    if isinstance(messages, list):
        texts = [m if isinstance(m, str) else describe_errors(m, prefix) for m in messages]
        return f"{prefix}: {' '.join(texts)}" if prefix else " ".join(texts)
    return f"{prefix}: {messages}" if prefix else str(messages)

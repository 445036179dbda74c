"""Payloads of the facts services publish to each other (exchange ``<source>.events``).

Every event carries ``event_id``: consumers de-duplicate on it (delivery is at-least-once).
Versioning: add optional fields freely; a breaking change gets a new event type.
"""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields

from .plans import PlanSchema


# Facts the services publish: (source service, event type). Exchange: "<source>.events" (nameko's).
PLAN_PUBLISHED = ("plans", "plan_published")          # the full snapshot, at every version
TARGET_REVISED = ("plans", "target_revised")          # an indicator's targets changed
PROJECT_REGISTERED = ("plans", "project_registered")  # a project added by a revision
PROJECT_CHANGED = ("plans", "project_changed")
PROJECT_CANCELLED = ("plans", "project_cancelled")
REPORT_REJECTED = ("reporting", "report_rejected")
INDICATOR_OFF_TARGET = ("reporting", "indicator_off_target")
REPORT_DUE_SOON = ("reporting", "report_due_soon")    # a province has not reported, due soon
REPORT_OVERDUE = ("reporting", "report_overdue")      # ... and the due date has passed
# An indicator's value when its period closed (due date passed) missed its target.
INDICATOR_OFF_TARGET_AT_CLOSE = ("reporting", "indicator_off_target_at_close")
PROJECT_BEHIND_SCHEDULE = ("reporting", "project_behind_schedule")  # once per fiscal quarter
# The transfer / receipt of transfer of an asset, step by step; and what falls due.
ASSET_REGISTERED = ("assets", "asset_registered")
TRANSFER_REQUESTED = ("assets", "transfer_requested")
TRANSFER_APPROVED = ("assets", "transfer_approved")
TRANSFER_HANDED_OVER = ("assets", "transfer_handed_over")
TRANSFER_ACCEPTED = ("assets", "transfer_accepted")
TRANSFER_REJECTED = ("assets", "transfer_rejected")
TRANSFER_CANCELLED = ("assets", "transfer_cancelled")
TRANSFER_OVERDUE = ("assets", "transfer_overdue")
AUDIT_DUE = ("assets", "audit_due")
TRANSFER_STEPS = (TRANSFER_REQUESTED, TRANSFER_APPROVED, TRANSFER_HANDED_OVER, TRANSFER_ACCEPTED,
                  TRANSFER_REJECTED, TRANSFER_CANCELLED, TRANSFER_OVERDUE)


class _Event(Schema):
    class Meta:
        unknown = EXCLUDE  # newer producers may add fields

    event_id = fields.String(required=True)
    occurred_at = fields.AwareDateTime(required=True, format="iso")


class PlanPublished(_Event):
    plan = fields.Nested(PlanSchema, required=True)


class ReportRejected(_Event):
    rejection_id = fields.String(required=True)
    province = fields.String(required=True, allow_none=True)  # the sender, as authenticated
    sender = fields.String(required=True)
    report_event_id = fields.String(allow_none=True, load_default=None)
    kind = fields.String(allow_none=True, load_default=None)
    reason = fields.String(required=True)
    received_at = fields.AwareDateTime(required=True, format="iso")


class _IndicatorResult(_Event):
    """An indicator's cluster value against its target, for one period."""
    plan_id = fields.String(required=True)
    cluster = fields.String(required=True)
    indicator = fields.String(required=True)
    indicator_name_th = fields.String(required=True)
    indicator_name_en = fields.String(required=True)
    unit = fields.String(required=True)
    period = fields.String(required=True)
    value = fields.Float(required=True)
    target = fields.Float(required=True)
    direction = fields.String(required=True)
    achievement_pct = fields.Float(allow_none=True, load_default=None)
    responsible_agency = fields.String(allow_none=True, load_default=None)


class IndicatorOffTarget(_IndicatorResult):
    """A report left the cluster value off its target."""
    reported = fields.Integer(required=True)
    expected = fields.Integer(required=True)
    province = fields.String(required=True)  # whose report moved the value
    report_event_id = fields.String(required=True)


class _PlanChange(_Event):
    plan_id = fields.String(required=True)
    cluster = fields.String(required=True)
    version = fields.Integer(required=True)
    revision = fields.Dict(required=True)  # version, at, by, reason, approved_by


class TargetRevised(_PlanChange):
    indicator = fields.Dict(required=True)  # code, names, unit, direction, responsible_agency
    before = fields.Dict(required=True)     # targets, quarterly_targets, province_targets
    after = fields.Dict(required=True)


class ProjectChange(_PlanChange):
    """project_registered, project_changed (with changed_fields) and project_cancelled."""
    project = fields.Dict(required=True)
    changed_fields = fields.List(fields.String(), load_default=list)


class ReportDue(_Event):
    """report_due_soon and report_overdue: a province has not sent all of a period's reports."""
    plan_id = fields.String(required=True)
    cluster = fields.String(required=True)
    province = fields.String(required=True)
    period = fields.String(required=True)
    due_date = fields.String(required=True)
    missing = fields.List(fields.String(), required=True)
    expected = fields.Integer(required=True)
    received = fields.Integer(required=True)


class IndicatorOffTargetAtClose(_IndicatorResult):
    """A period closed (its due date passed) with the cluster value off the period's target."""
    due_date = fields.String(required=True)
    target_basis = fields.String(required=True)  # quarter | fiscal_year
    provinces = fields.Dict(keys=fields.String(), values=fields.Float(), required=True)
    not_reported = fields.List(fields.String(), required=True)


class ProjectBehindSchedule(_Event):
    """A project's disbursement is behind its own plan or the government's target."""
    plan_id = fields.String(required=True)
    cluster = fields.String(required=True)
    project = fields.Dict(required=True)  # code, titles, implementing_agency, budget, fiscal_year
    quarter = fields.String(required=True)  # the fiscal quarter of the latest report, FY2567-Q2
    as_of = fields.String(required=True)
    reasons = fields.List(fields.String(), required=True)
    physical_progress_pct = fields.Float(allow_none=True, load_default=None)
    disbursed_thb = fields.Float(required=True)
    disbursement_pct = fields.Float(allow_none=True, load_default=None)
    planned_to_date_pct = fields.Float(allow_none=True, load_default=None)
    government_target_pct = fields.Float(allow_none=True, load_default=None)
    procurement_stage = fields.String(allow_none=True, load_default=None)
    provinces_reported = fields.List(fields.String(), load_default=list)


class TransferStep(_Event):
    """transfer_requested / approved / handed_over / accepted / rejected / cancelled / overdue."""
    asset = fields.Dict(required=True)  # code, project, category, descriptions, value, custodian…
    action = fields.String(required=True)
    by = fields.String(required=True)
    reason = fields.String(load_default="")
    documents = fields.List(fields.Dict(), load_default=list)
    from_agency = fields.String(allow_none=True, load_default=None)
    to_agency = fields.String(allow_none=True, load_default=None)
    due_by = fields.String(allow_none=True, load_default=None)
    transfer_id = fields.String(allow_none=True, load_default=None)


class AuditDue(_Event):
    asset = fields.Dict(required=True)
    due_on = fields.String(required=True)
    overdue = fields.Boolean(required=True)
    custodian = fields.String(required=True)

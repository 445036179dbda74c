"""A cluster development plan as it crosses service boundaries (plan_published snapshot, HTTP)."""
from __future__ import annotations

import re

from marshmallow import (RAISE, Schema, ValidationError, fields, validate, validates,
                         validates_schema)

DIRECTIONS = ("increase", "decrease")
AGGREGATIONS = ("sum", "mean", "min", "max")
FREQUENCIES = ("monthly", "quarterly", "yearly")
PLAN_STATUSES = ("draft", "published", "archived")
AGENCY_KINDS = ("provincial_office", "central_regional_office", "local_administration", "osm",
                "other")
AGENCY_ROLES = ("focal_point", "implementing", "receiving", "responsible", "osm")
FY_KEY = re.compile(r"^FY(\d{4})\Z", re.ASCII)
BE_YEAR = validate.Range(min=2500, max=2700, error="must be a B.E. year such as 2567")


class _Strict(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


class BaselineSchema(_Strict):
    value = fields.Float(required=True, allow_nan=False)
    fiscal_year = fields.Integer(required=True, validate=BE_YEAR)


class IndicatorSchema(_Strict):
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name_th = fields.String(required=True, validate=validate.Length(min=1))
    name_en = fields.String(required=True, validate=validate.Length(min=1))
    unit = fields.String(required=True)
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))
    aggregation = fields.String(required=True, validate=validate.OneOf(AGGREGATIONS))
    frequency = fields.String(required=True, validate=validate.OneOf(FREQUENCIES))
    baseline = fields.Nested(BaselineSchema, allow_none=True, load_default=None)
    targets = fields.Dict(keys=fields.String(validate=validate.Regexp(FY_KEY)),
                          values=fields.Float(allow_nan=False), load_default=dict)
    responsible_agency = fields.String(allow_none=True, load_default=None)
    data_source = fields.String(allow_none=True, load_default=None)
    sample = fields.Boolean(load_default=False)


class IssueSchema(_Strict):
    number = fields.Integer(required=True, validate=validate.Range(min=1))
    title_th = fields.String(required=True)
    title_en = fields.String(required=True)
    indicators = fields.List(fields.Nested(IndicatorSchema), load_default=list)


class ProjectSchema(_Strict):
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    title_th = fields.String(required=True)
    title_en = fields.String(required=True)
    fiscal_year = fields.Integer(required=True, validate=BE_YEAR)
    issue = fields.Integer(required=True)
    indicators = fields.List(fields.String(), load_default=list)
    implementing_agency = fields.String(allow_none=True, load_default=None)
    provinces = fields.List(fields.String(), load_default=list)
    budget_thb = fields.Float(required=True, validate=validate.Range(min=0))
    sample = fields.Boolean(load_default=False)


class AgencySchema(_Strict):
    code = fields.String(required=True)
    name_th = fields.String(required=True)
    name_en = fields.String(required=True)
    province = fields.String(allow_none=True, load_default=None)
    kind = fields.String(required=True, validate=validate.OneOf(AGENCY_KINDS))
    emails = fields.List(fields.Email(), load_default=list)
    roles = fields.List(fields.String(validate=validate.OneOf(AGENCY_ROLES)), load_default=list)
    language = fields.String(load_default="th", validate=validate.OneOf(("th", "en")))
    sample = fields.Boolean(load_default=False)


class PlanSchema(_Strict):
    id = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{2,80}$"))
    cluster = fields.String(required=True)
    title_th = fields.String(required=True)
    title_en = fields.String(required=True)
    start_fy = fields.Integer(required=True, validate=BE_YEAR)
    end_fy = fields.Integer(required=True, validate=BE_YEAR)
    status = fields.String(required=True, validate=validate.OneOf(PLAN_STATUSES))
    vision_th = fields.String(load_default="")
    vision_en = fields.String(load_default="")
    provinces = fields.List(fields.String(), required=True)
    reference_version = fields.String(allow_none=True, load_default=None)
    version = fields.Integer(load_default=1)
    sample = fields.Boolean(load_default=False)
    issues = fields.List(fields.Nested(IssueSchema), load_default=list)
    projects = fields.List(fields.Nested(ProjectSchema), load_default=list)
    agencies = fields.List(fields.Nested(AgencySchema), load_default=list)

    @validates("provinces")
    def _provinces(self, value, **_):
        if not value:
            raise ValidationError("a plan covers at least one province")

    @validates_schema
    def _consistent(self, data, **_):
        errors = {}
        if data["end_fy"] < data["start_fy"]:
            errors["end_fy"] = ["must not be before start_fy"]
        codes = [i["code"] for issue in data.get("issues", []) for i in issue["indicators"]]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            errors["issues"] = [f"indicator codes repeat: {', '.join(dupes)}"]
        projects = [p["code"] for p in data.get("projects", [])]
        dupes = sorted({c for c in projects if projects.count(c) > 1})
        if dupes:
            errors["projects"] = [f"project codes repeat: {', '.join(dupes)}"]
        agencies = {a["code"] for a in data.get("agencies", [])}
        missing = sorted({i["responsible_agency"] for issue in data.get("issues", [])
                          for i in issue["indicators"]
                          if i.get("responsible_agency") and i["responsible_agency"] not in agencies})
        if missing:
            errors["agencies"] = [f"responsible agencies not in the plan's agencies: {', '.join(missing)}"]
        for issue in data.get("issues", []):
            for ind in issue["indicators"]:
                for fy_key in ind["targets"]:
                    fy = int(fy_key[2:])
                    if not data["start_fy"] <= fy <= data["end_fy"]:
                        errors.setdefault("targets", []).append(
                            f"{ind['code']}: target {fy_key} is outside the plan's years "
                            f"FY{data['start_fy']}-FY{data['end_fy']}")
        if errors:
            raise ValidationError(errors)


def iter_indicators(plan: dict):
    for issue in plan.get("issues", []):
        for indicator in issue.get("indicators", []):
            yield issue, indicator

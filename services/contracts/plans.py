"""A cluster development plan as it crosses service boundaries (plan_published snapshot, HTTP)."""
from __future__ import annotations

import re
from datetime import date

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates

from .rules import IndicatorRulesSchema, PlanRulesSchema, ProjectRulesSchema

DIRECTIONS = ("increase", "decrease")
AGGREGATIONS = ("sum", "mean", "min", "max")  # DESIGN 3.4; a mean with a weight is weighted
FREQUENCIES = ("monthly", "quarterly", "yearly")
PLAN_STATUSES = ("draft", "published", "archived")
PROJECT_STATUSES = ("active", "cancelled")
AGENCY_KINDS = ("provincial_office", "central_regional_office", "local_administration", "osm",
                "other")
AGENCY_ROLES = ("focal_point", "implementing", "receiving", "responsible", "osm")
PROGRESS_FREQUENCIES = ("quarterly", "monthly", "none")  # how often project progress is due
BUDGET_CATEGORIES = ("investment", "operating")
QUARTERS = ("Q1", "Q2", "Q3", "Q4")
FY_KEY = re.compile(r"^FY(\d{4})\Z", re.ASCII)
FY_QUARTER_KEY = re.compile(r"^FY(\d{4})-Q[1-4]\Z", re.ASCII)
# A code of the national strategy hierarchy (services/plans/national.py): NS2, MP03, SDG2.1
NATIONAL_CODE = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}\Z", error="must be a code of "
                                "the national hierarchy, such as NS2, MP03 or SDG2.1")
BE_YEAR = validate.Range(min=2500, max=2700, error="must be a B.E. year such as 2567")
NON_NEGATIVE = validate.Range(min=0, error="must not be negative")


class _Strict(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


def _national_links():
    return fields.List(fields.String(validate=NATIONAL_CODE), load_default=list, metadata={
        "description": "codes of the national hierarchy this serves (the most specific entries; "
                       "their parents count too): checked against the plan's national_version"})


def _amounts(key_pattern=None, **kwargs):
    keys = fields.String(validate=validate.Regexp(key_pattern)) if key_pattern else fields.String()
    return fields.Dict(keys=keys, values=fields.Float(allow_nan=False), **kwargs)


class IsoDate(fields.String):
    """A date kept as its ISO text (2024-03-31), so plans stay plain JSON."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            date.fromisoformat(text)
        except ValueError:
            raise ValidationError("must be a date as YYYY-MM-DD (C.E.)") from None
        return text


class StatementSchema(_Strict):
    """One sentence in Thai and English: an objective or a development approach."""
    th = fields.String(required=True, validate=validate.Length(min=1))
    en = fields.String(load_default="")


class BaselineSchema(_Strict):
    value = fields.Float(required=True, allow_nan=False)
    fiscal_year = fields.Integer(required=True, validate=BE_YEAR)


class DataSourceSchema(_Strict):
    """Where an indicator's value comes from, and how it is measured."""
    name = fields.String(required=True, validate=validate.Length(min=1))
    agency = fields.String(allow_none=True, load_default=None)
    method = fields.String(load_default="")
    link = fields.Url(allow_none=True, load_default=None, schemes={"http", "https"},
                      metadata={"description": "where the data are published (http/https)"})


class IndicatorSchema(_Strict):
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name_th = fields.String(required=True, validate=validate.Length(min=1))
    name_en = fields.String(required=True, validate=validate.Length(min=1))
    unit = fields.String(required=True)
    # the facts behind the figure (the indicator card): what it means and how it is computed
    definition_th = fields.String(load_default="")
    definition_en = fields.String(load_default="")
    formula = fields.String(load_default="", metadata={"description": "how the value is computed, "
                                                                      "e.g. A / B × 100"})
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))
    aggregation = fields.String(required=True, validate=validate.OneOf(AGGREGATIONS))
    weight = fields.String(allow_none=True, load_default=None,
                           metadata={"description": "with mean: weigh provinces by this named "
                                                    "plan weight (a weighted mean)"})
    frequency = fields.String(required=True, validate=validate.OneOf(FREQUENCIES))
    cumulative = fields.Boolean(load_default=False,
                                metadata={"description": "values are year-to-date totals"})
    baseline = fields.Nested(BaselineSchema, allow_none=True, load_default=None)
    targets = _amounts(FY_KEY, load_default=dict,
                       metadata={"description": "cluster target per fiscal year, e.g. FY2567"})
    quarterly_targets = _amounts(FY_QUARTER_KEY, load_default=dict,
                                 metadata={"description": "optional, e.g. FY2567-Q2"})
    province_targets = fields.Dict(keys=fields.String(), values=_amounts(FY_KEY), load_default=dict,
                                   metadata={"description": "optional, {province: {FY2567: x}}"})
    province_baselines = fields.Dict(
        keys=fields.String(), values=fields.Nested(BaselineSchema), load_default=dict,
        metadata={"description": "optional, {province: {value, fiscal_year}}: where each "
                                 "province starts from"})
    provinces = fields.List(fields.String(), load_default=list,
                            metadata={"description": "who reports it; empty: every plan province"})
    responsible_agency = fields.String(allow_none=True, load_default=None)
    data_source = fields.Nested(DataSourceSchema, allow_none=True, load_default=None)
    validation = fields.Nested(IndicatorRulesSchema, allow_none=True, load_default=None,
                               metadata={"description": "hard and soft rules for reported values "
                                                        "(contracts/rules.py); absent: by unit"})
    national_links = _national_links()
    sample = fields.Boolean(load_default=False)


class IssueSchema(_Strict):
    number = fields.Integer(required=True, validate=validate.Range(min=1))
    title_th = fields.String(required=True)
    title_en = fields.String(required=True)
    objectives = fields.List(fields.Nested(StatementSchema), load_default=list)
    approaches = fields.List(fields.Nested(StatementSchema), load_default=list,
                             metadata={"description": "development approaches (แนวทางการพัฒนา)"})
    indicators = fields.List(fields.Nested(IndicatorSchema), load_default=list)
    national_links = _national_links()


class OutputSchema(_Strict):
    description_th = fields.String(required=True)
    description_en = fields.String(load_default="")
    quantity = fields.Float(allow_none=True, load_default=None, validate=NON_NEGATIVE)
    unit = fields.String(load_default="")


class StrategyLinkSchema(_Strict):
    """Free-text links written before the hierarchy was data (kept so old plans still load;
    new plans link by ``national_links``)."""
    national_strategy = fields.String(allow_none=True, load_default=None)
    master_plan = fields.String(allow_none=True, load_default=None)
    sub_plan = fields.String(allow_none=True, load_default=None)


class ProjectSchema(_Strict):
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    title_th = fields.String(required=True)
    title_en = fields.String(required=True)
    fiscal_year = fields.Integer(required=True, validate=BE_YEAR)
    issue = fields.Integer(required=True)
    indicators = fields.List(fields.String(), load_default=list)
    implementing_agency = fields.String(allow_none=True, load_default=None)
    provinces = fields.List(fields.String(), load_default=list)
    budget_thb = fields.Float(required=True, validate=NON_NEGATIVE,
                              metadata={"description": "total; equals the categories when given"})
    budget_by_category = fields.Dict(keys=fields.String(validate=validate.OneOf(BUDGET_CATEGORIES)),
                                     values=fields.Float(validate=NON_NEGATIVE), load_default=dict)
    planned_disbursement = fields.Dict(keys=fields.String(validate=validate.OneOf(QUARTERS)),
                                       values=fields.Float(validate=NON_NEGATIVE), load_default=dict,
                                       metadata={"description": "THB per fiscal quarter, Q1-Q4"})
    start_date = IsoDate(allow_none=True, load_default=None)
    end_date = IsoDate(allow_none=True, load_default=None)
    outputs = fields.List(fields.Nested(OutputSchema), load_default=list)
    strategy = fields.Nested(StrategyLinkSchema, allow_none=True, load_default=None)
    sdgs = fields.List(fields.Integer(validate=validate.Range(
        min=1, max=17, error="must be an SDG number between 1 and 17")), load_default=list)
    national_links = _national_links()
    status = fields.String(load_default="active", validate=validate.OneOf(PROJECT_STATUSES))
    validation = fields.Nested(ProjectRulesSchema, allow_none=True, load_default=None,
                               metadata={"description": "rules for progress reports "
                                                        "(contracts/rules.py); absent: defaults"})
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


class NationalEntrySchema(_Strict):
    """One entry of the national hierarchy as a plan carries it (services/plans/national.py)."""
    code = fields.String(required=True)
    parent_code = fields.String(load_default="")
    level = fields.String(required=True)
    name_th = fields.String(required=True)
    name_en = fields.String(load_default="")
    verified = fields.Boolean(load_default=False)


class RevisionSchema(_Strict):
    version = fields.Integer(required=True)
    at = fields.String(required=True)
    by = fields.String(required=True)
    reason = fields.String(required=True)
    approved_by = fields.String(allow_none=True, load_default=None)


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
    national_version = fields.String(allow_none=True, load_default=None, metadata={
        "description": "the national hierarchy version the plan was made under; its links are "
                       "checked against it (set by plans when absent)"})
    national_entries = fields.List(fields.Nested(NationalEntrySchema), load_default=list, metadata={
        "description": "filled by plans, never by hand: every linked entry and its parents, so "
                       "readers of the snapshot name and roll up links without the hierarchy"})
    version = fields.Integer(load_default=1)
    revision = fields.Nested(RevisionSchema, allow_none=True, load_default=None,
                             metadata={"description": "why this version exists (after publishing)"})
    sample = fields.Boolean(load_default=False)
    weights = fields.Dict(keys=fields.String(), values=_amounts(), load_default=dict,
                          metadata={"description": "named province weights for weighted means"})
    issues = fields.List(fields.Nested(IssueSchema), load_default=list)
    projects = fields.List(fields.Nested(ProjectSchema), load_default=list)
    agencies = fields.List(fields.Nested(AgencySchema), load_default=list)
    progress_frequency = fields.String(
        load_default="quarterly", validate=validate.OneOf(PROGRESS_FREQUENCIES),
        metadata={"description": "how often each project's progress is due (from its province "
                                 "or its implementing agency): completeness and reminders"})
    validation = fields.Nested(PlanRulesSchema, allow_none=True, load_default=None,
                               metadata={"description": "rules of the whole plan: its reporting "
                                                        "window (report_expiry_days)"})

    @validates("provinces")
    def _provinces(self, value, **_):
        if not value:
            raise ValidationError("a plan covers at least one province")


def iter_indicators(plan: dict):
    for issue in plan.get("issues", []):
        for indicator in issue.get("indicators", []):
            yield issue, indicator


def holds_sample(plan: dict | None) -> bool:
    """Whether a plan's figures are sample data, to be labelled as such wherever they are shown:
    the plan is flagged ``sample``, or every indicator and project of it is (the seeded plan:
    its vision and issues are the cluster's own, its indicators and projects invented)."""
    if not plan:
        return False
    if plan.get("sample"):
        return True
    parts = [i for _, i in iter_indicators(plan)] + list(plan.get("projects") or [])
    return bool(parts) and all(p.get("sample") for p in parts)


def national_lineage(plan: dict, code: str) -> list[dict]:
    """A linked code and its parents, nearest first, from the entries the plan carries
    (``national_entries``): how reporting and the gateway roll a link up without the hierarchy.
    Empty for a code the plan does not carry."""
    by_code = {e["code"]: e for e in plan.get("national_entries") or []}
    chain: list[dict] = []
    entry = by_code.get(code)
    while entry is not None and entry not in chain:
        chain.append(entry)
        entry = by_code.get(entry.get("parent_code") or "")
    return chain


def national_links_of(plan: dict) -> dict[tuple[str, str], list[str]]:
    """Every part of a plan that links to the national hierarchy, by (kind, key): ("issue",
    "1"), ("indicator", code), ("project", code) -> its codes. An indicator with no links of
    its own serves what its issue serves; a project with none, what its issue serves."""
    links: dict[tuple[str, str], list[str]] = {}
    by_issue: dict[int, list[str]] = {}
    for issue in plan.get("issues", []):
        by_issue[issue["number"]] = list(issue.get("national_links") or [])
        links[("issue", str(issue["number"]))] = by_issue[issue["number"]]
        for indicator in issue.get("indicators", []):
            links[("indicator", indicator["code"])] = (list(indicator.get("national_links") or [])
                                                       or by_issue[issue["number"]])
    for project in plan.get("projects", []):
        links[("project", project["code"])] = (list(project.get("national_links") or [])
                                               or by_issue.get(project.get("issue"), []))
    return links

"""Assets: pure rules for the registry of what cluster projects produce.

Step 1 keeps the registry itself; the transfer / receipt-of-transfer workflow grows here next.
"""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from services.contracts.reports import describe_errors

CATEGORIES = ("durable_article", "building", "land_improvement", "other")
STATUSES = ("registered", "transfer_requested", "transferred", "disposed")


class AssetError(ValueError):
    """Input a person must fix."""


class AssetSchema(Schema):
    class Meta:
        unknown = RAISE

    code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    project = fields.String(required=True)
    fiscal_year = fields.Integer(required=True, validate=validate.Range(min=2500, max=2700))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    description_th = fields.String(required=True, validate=validate.Length(min=1))
    description_en = fields.String(load_default="")
    quantity = fields.Float(required=True, validate=validate.Range(min=0, min_inclusive=False))
    unit = fields.String(required=True)
    unit_value_thb = fields.Float(required=True, validate=validate.Range(min=0))
    acquired_on = fields.Date(required=True)
    province = fields.String(required=True)
    district = fields.String(load_default=None, allow_none=True)
    custodian = fields.String(required=True)


def new_asset(raw: dict, known_projects: dict[str, dict]) -> dict:
    """Validate a registration against the plans' projects; returns the asset record."""
    try:
        asset = AssetSchema().load(raw)
    except ValidationError as exc:
        raise AssetError(f"asset {raw.get('code', '?')}: {describe_errors(exc.messages)}") from None
    project = known_projects.get(asset["project"])
    if project is None:
        raise AssetError(f"asset {asset['code']}: unknown project {asset['project']!r}")
    if project["provinces"] and asset["province"] not in project["provinces"]:
        raise AssetError(f"asset {asset['code']}: project {asset['project']} does not run in "
                         f"{asset['province']}")
    asset["acquired_on"] = asset["acquired_on"].isoformat()
    asset["total_value_thb"] = round(asset["quantity"] * asset["unit_value_thb"], 2)
    asset["status"] = "registered"
    asset["version"] = 1
    return asset


def projects_of(plan: dict) -> list[dict]:
    return [{**p, "plan_id": plan["id"], "cluster": plan["cluster"]} for p in plan["projects"]]

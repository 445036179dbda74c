"""The edges of assets: marshmallow schemas of what its RPCs take from the gateway - an asset's
registration (``register_asset``, each row of ``import_assets``) and the documents, maintenance
and audit of the transfer / receipt-of-transfer steps (``act``). Domain rules stay in domain.py."""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from services.contracts.labels import ASSET_CATEGORIES as CATEGORIES
from services.contracts.labels import DISPOSAL_METHODS


# An asset's value, in baht, has a ceiling far above any real one (a thousand times the national
# budget): totals and sums of totals then stay finite numbers JSON can carry.
MAX_VALUE_THB = 1e16


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class DocumentSchema(_Strict):
    kind = fields.String(required=True, validate=validate.Length(min=1),
                         metadata={"description": "e.g. delivery, inspection, handover, photo"})
    reference = fields.String(required=True, validate=validate.Length(min=1))
    date = fields.Date(load_default=None, allow_none=True)
    # a file behind the reference (extension, optional: documents kept before stay as they were):
    # the id the gateway's POST /api/assets/<code>/documents answered, and the file's name; the
    # gateway checks the file is one of this asset's before the step reaches here
    file_id = fields.String(load_default=None, allow_none=True,
                            validate=validate.Regexp(r"^ev-[0-9a-f]{32}$",
                                                     error="a file_id is ev- and 32 hex digits"))
    filename = fields.String(load_default=None, allow_none=True)


class LocationSchema(_Strict):
    province = fields.String(required=True)
    district = fields.String(load_default=None, allow_none=True)
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))


class MaintenanceSchema(_Strict):
    agency = fields.String(required=True, validate=validate.Length(min=1),
                           metadata={"description": "who maintains it"})
    budget_thb = fields.Float(required=True, validate=validate.Range(min=0),
                              metadata={"description": "yearly maintenance budget"})
    note = fields.String(load_default="")


class AssetSchema(_Strict):
    code = fields.String(required=True, validate=[
        validate.Length(min=1, max=64),
        validate.Regexp(r"^[^/\\\s?#%]+$", error="a code has no spaces or / \\ ? # %: "
                                                 "write 0017-2567, not 0017/2567")])
    project = fields.String(required=True)
    fiscal_year = fields.Integer(required=True, validate=validate.Range(min=2500, max=2700))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    description_th = fields.String(required=True, validate=validate.Length(min=1))
    description_en = fields.String(load_default="")
    quantity = fields.Float(required=True, validate=validate.Range(min=0, min_inclusive=False))
    unit = fields.String(required=True)
    unit_value_thb = fields.Float(required=True, validate=validate.Range(min=0, max=MAX_VALUE_THB))
    acquired_on = fields.Date(required=True)
    location = fields.Nested(LocationSchema, required=True)
    custodian = fields.String(required=True, validate=validate.Length(min=1))
    documents = fields.List(fields.Nested(DocumentSchema), load_default=list)
    maintenance = fields.Nested(MaintenanceSchema, load_default=None, allow_none=True)
    sample = fields.Boolean(load_default=False)

    @validates_schema
    def _total_value(self, data, **_):
        total = data.get("quantity", 0) * data.get("unit_value_thb", 0)
        if total > MAX_VALUE_THB:
            raise ValidationError(f"quantity x unit value is {total:.3g} baht; an asset is worth "
                                  f"at most {MAX_VALUE_THB:.0e}", "unit_value_thb")


class DisposalSchema(_Strict):
    """What a disposal decides (MoF regulation B.E. 2560, chapter 9): how, on whose finding and
    approval, and what it brought in."""
    method = fields.String(required=True, validate=validate.OneOf(tuple(DISPOSAL_METHODS)))
    committee_reference = fields.String(required=True, validate=validate.Length(min=1),
                                        metadata={"description": "the committee's report or the "
                                                                 "approving order, e.g. คำสั่ง 12/2568"})
    decided_on = fields.Date(required=True, metadata={"description": "the day it was approved"})
    proceeds_thb = fields.Float(load_default=None, allow_none=True,
                                validate=validate.Range(min=0, max=MAX_VALUE_THB))
    recipient = fields.String(load_default=None, allow_none=True,
                              metadata={"description": "who receives it (transfer_out, sale)"})


class AuditSchema(_Strict):
    on = fields.Date(required=True)
    found = fields.Boolean(required=True)
    condition = fields.String(required=True, validate=validate.OneOf(
        ("good", "needs_repair", "unusable", "idle")))
    note = fields.String(load_default="")
    documents = fields.List(fields.Nested(DocumentSchema), load_default=list)

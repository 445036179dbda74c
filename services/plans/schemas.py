"""The edges of plans: the schemas of the documents its RPCs take from the gateway.

A plan document (``create_plan``, ``update_draft``, ``revise_plan``, each plan of
``import_plan``) is the shared vocabulary's ``PlanSchema``: the ``plan_published`` event carries
the same snapshot to reporting, notify and assets, so it is defined once in
services/contracts/plans.py and named here for this service's edge. The same for an entry of
the agencies directory (``save_agency``). The plan rules beyond the schema are in validation.py
and domain.py."""
from __future__ import annotations

from services.contracts.plans import AgencySchema, PlanSchema

PlanDocument = PlanSchema      # create_plan / update_draft / revise_plan / import_plan
AgencyDocument = AgencySchema  # save_agency

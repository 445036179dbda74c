"""The OpenAPI 3.1 document of the HTTP API: its paths from the gateway's route table (api/), its
schemas from marshmallow (apispec) and the JSON Schema of schemas.py. Every operation lists every
status it can answer (api/routing.py ``Route.error_statuses``), every error with the one Error
schema."""
from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from services.contracts.plans import AgencySchema, PlanSchema

from . import fact_schemas, schemas
from .alignment_view import ALIGNMENT_SCHEMAS
from .national_schemas import NATIONAL_SCHEMAS
from .rollup_schemas import ROLLUP_SCHEMAS
from .problem_schemas import PROBLEM_SCHEMAS
from .api import ROUTES

COMPONENTS = ("Health", "Cluster", "PlanSummary", "IndicatorResults", "Rejection",
              "HistoryEntry", "PublishRequest", "RevisionRequest")


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    spec = APISpec(
        title="Provincial cluster planning and reporting API", version="1.0.0",
        openapi_version="3.1.0", plugins=[MarshmallowPlugin()],
        info={"description": "Public contract v1 (DESIGN 3.4). Every /api call needs "
                             "'Authorization: Bearer <api_key>' from var/credentials.json."})
    spec.components.security_scheme("apiKey", {"type": "http", "scheme": "bearer"})
    for name in COMPONENTS:
        spec.components.schema(name, schema=getattr(schemas, name))
    spec.components.schema("Plan", schema=PlanSchema)
    # what the plans service takes: it sets a new plan's status itself (lifecycle.create) and
    # its provinces from its cluster when none are given; an agency's code comes from its URL
    spec.components.schema("PlanDocument", schema=PlanSchema(partial=("status", "provinces")))
    spec.components.schema("AgencyChange", schema=AgencySchema(partial=("code",)))
    for name, component in {**schemas.JSON_SCHEMAS, **fact_schemas.FACT_SCHEMAS,
                            **PROBLEM_SCHEMAS, **ALIGNMENT_SCHEMAS, **NATIONAL_SCHEMAS,
                            **ROLLUP_SCHEMAS}.items():
        spec.components.schema(name, component)
    paths: dict[str, dict] = defaultdict(dict)
    for route in ROUTES:
        if route.documented:
            paths[route.openapi_path][route.method.lower()] = route.operation()
    for path, operations in paths.items():
        spec.path(path, operations=operations)
    return spec.to_dict()

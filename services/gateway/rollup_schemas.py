"""The national-alignment views' bodies for the OpenAPI document (JSON Schema; openapi.py merges
them): what services/reporting/rollup.py answers with, and the cluster names the gateway
adds to the view across clusters (rollup_view.name_clusters)."""
from services.contracts.national import LEVEL_NAMES

from .schemas import BOOLEAN, INTEGER, NUMBER, STRING, array, nullable, obj

COUNT = {**INTEGER, "minimum": 0}
THB = {**NUMBER, "minimum": 0}
PCT = nullable(NUMBER)
FIGURES = {
    "issues": {**COUNT, "description": "development issues serving it"},
    "projects": {**COUNT, "description": "projects of the fiscal year serving it, each once "
                                         "(cancelled ones not counted)"},
    "projects_reported": {**COUNT, "description": "of those, the ones that reported progress"},
    "budget_thb": THB, "disbursed_thb": THB,
    "disbursement_pct": {**PCT, "description": "disbursed / budget; null without a budget"},
    "physical_progress_pct": {**PCT, "description": "weighted by budget, over the projects "
                                                    "that reported; null when none did"},
    "indicators": {**COUNT, "description": "indicators serving it"},
    "indicators_with_data": COUNT,
    "indicators_on_track": {**COUNT, "description": "achieving their target for the year"},
    "achievement_mean_pct": {**PCT, "description": "the mean % of target, each indicator "
                                                   "counted at most 100"},
}
ROW_FIELDS = {
    "code": {**nullable(STRING), "description": "the entry's code; null: the row of what serves "
                                                "no entry of the level (ไม่ระบุความสอดคล้อง), "
                                                "or the total"},
    "level": {**STRING, "enum": list(LEVEL_NAMES)},
    "name_th": STRING, "name_en": STRING,
    "verified": {**nullable(BOOLEAN), "description": "whether the name is checked against its "
                                                    "source document"},
    **FIGURES,
}
ROW = obj(ROW_FIELDS, required=tuple(ROW_FIELDS))
CLUSTER_FIGURES = obj({"cluster": STRING, "cluster_name_th": STRING, "cluster_name_en": STRING,
                       "plan_id": STRING, **FIGURES},
                      required=("cluster", "cluster_name_th", "cluster_name_en", "plan_id",
                                *FIGURES))
COMMON = {"level": ROW_FIELDS["level"], "fiscal_year": {**INTEGER, "description": "B.E."},
          "rows": array(ROW), "total": obj(ROW_FIELDS, required=tuple(ROW_FIELDS),
                                           description="every part once")}

ROLLUP_SCHEMAS = {
    "NationalAlignment": obj(
        {"plan_id": STRING, "cluster": STRING, "national_version": nullable(STRING),
         "sample": BOOLEAN, **COMMON},
        required=("plan_id", "cluster", "level", "fiscal_year", "rows", "total"),
        description="a row per entry of the level the plan carries, then the row of what "
                    "serves none (code null)"),
    "NationalAlignmentAcrossClusters": obj(
        {**COMMON, "rows": array(obj({**ROW_FIELDS, "clusters": array(CLUSTER_FIGURES)},
                                     required=(*ROW_FIELDS, "clusters"))),
         "plans": array(obj({"plan_id": STRING, "cluster": STRING, "cluster_name_th": STRING,
                             "cluster_name_en": STRING, "title_th": nullable(STRING),
                             "title_en": nullable(STRING), "national_version": nullable(STRING),
                             "sample": BOOLEAN, "total": obj(FIGURES)},
                            required=("plan_id", "cluster", "cluster_name_th", "cluster_name_en",
                                      "sample", "total")))},
        required=("level", "fiscal_year", "plans", "rows", "total"),
        description="every published plan whose years hold the fiscal year, one a cluster"),
}

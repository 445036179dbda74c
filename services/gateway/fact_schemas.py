"""OpenAPI shapes of the facts behind every figure (issue 22): the indicator card and evidence
files (services/gateway/indicator_card.py, api/evidence.py); openapi.py adds them to the components."""
from .schemas import (BOOLEAN, DATE_TIME, EVIDENCE_ID, INTEGER, NUMBER, PROVINCE, STRING,
                      array, map_of, nullable, obj)

EVIDENCE = obj({
    "evidence_id": EVIDENCE_ID, "plan_id": STRING,
    "province": {**PROVINCE, "description": "whose evidence it is: that province's reports cite it"},
    "uploaded_by": STRING, "uploaded_at": DATE_TIME, "filename": STRING,
    "content_type": {**STRING, "enum": ["application/pdf", "image/png", "image/jpeg",
                                        "application/vnd.openxmlformats-officedocument."
                                        "spreadsheetml.sheet", "text/csv"]},
    "size": {**INTEGER, "minimum": 1, "maximum": 10 * 2**20},
    "sha256": {**STRING, "pattern": "^[0-9a-f]{64}$"}},
    required=("evidence_id", "plan_id", "province", "filename", "content_type", "size", "sha256"),
    description="หลักฐานที่อัปโหลด / an evidence file as kept")

_TEXT = nullable(STRING)
INDICATOR_CARD = obj({
    "plan_id": STRING, "code": STRING, "name_th": STRING, "name_en": STRING,
    "issue": obj({"number": INTEGER, "title_th": _TEXT, "title_en": _TEXT}),
    "definition_th": STRING, "definition_en": STRING, "formula": STRING, "unit": STRING,
    "direction": {**STRING, "enum": ["increase", "decrease"]},
    "aggregation": STRING, "frequency": STRING, "cumulative": BOOLEAN,
    "data_source": nullable(obj({
        "name": STRING, "method": STRING, "link": _TEXT,
        "agency": nullable(obj({"code": STRING, "name_th": _TEXT, "name_en": _TEXT},
                               required=("code",)))}, required=("name",))),
    "responsible_agency": nullable(obj({"code": STRING, "name_th": _TEXT, "name_en": _TEXT},
                                       required=("code",),
                                       description="with its name from the plan's agencies")),
    "baseline": nullable(obj({"value": NUMBER, "fiscal_year": INTEGER},
                             required=("value", "fiscal_year"))),
    "targets": map_of(NUMBER, "cluster target per fiscal year, e.g. FY2567"),
    "quarterly_targets": map_of(NUMBER, "e.g. FY2567-Q2"),
    "provinces": array(STRING, description="who reports it")},
    required=("plan_id", "code", "name_th", "name_en", "definition_th", "definition_en",
              "formula", "unit", "frequency", "data_source", "responsible_agency", "baseline",
              "targets"),
    description="บัตรตัวชี้วัด / the indicator card: what the figure means and where it comes from")

FACT_SCHEMAS = {"Evidence": EVIDENCE, "IndicatorCard": INDICATOR_CARD}

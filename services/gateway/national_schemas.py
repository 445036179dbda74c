"""The national hierarchy's bodies for the OpenAPI document (JSON Schema; openapi.py merges
them): what GET /api/national answers and what a load answers. The plans service makes them
(services/plans/national.py ``entries_in_force``, national_handlers.py)."""
from .schemas import BOOLEAN, DATE, DATE_TIME, INTEGER, STRING, array, map_of, nullable, obj

LEVEL = {**STRING, "description": "strategy, strategy_target, master_plan, master_plan_target, "
         "sub_plan, sub_plan_target, factor, milestone, sdg_goal or sdg_target"}
VERSION = obj({"version_id": {**STRING, "description": "the latest effective_from and a "
                                                      "checksum of every file"},
               "loaded_at": DATE_TIME, "loaded_by": {**STRING, "description": "who loaded it"},
               "files": array(STRING, description="the CSV files it was loaded from")},
              required=("version_id", "loaded_at", "loaded_by", "files"))
ENTRY = obj({"code": STRING, "parent_code": nullable(STRING), "level": LEVEL,
             "level_name_th": STRING, "level_name_en": STRING, "name_th": STRING,
             "name_en": STRING,
             "verified": {**BOOLEAN, "description": "false: not checked word for word against "
                                                    "the official text (ยังไม่ได้ตรวจสอบกับ"
                                                    "เอกสารทางการ)"},
             "source": {**STRING, "description": "the document it comes from"},
             "effective_from": DATE},
            required=("code", "parent_code", "level", "name_th", "name_en", "verified", "source",
                      "effective_from"))
NATIONAL_HIERARCHY = obj({
    "versions": array(VERSION, description="every loaded version, in the order loaded"),
    "version": nullable(VERSION) | {"description": "the version shown (null: none loaded yet)"},
    "on_date": DATE,
    "levels": array(obj({"level": LEVEL, "name_th": STRING, "name_en": STRING,
                         "emenscr": nullable({**STRING, "description": "eMENSCR's letter for "
                                                                      "the level (Z, Y2, Y1, X)"}),
                         "parent_level": nullable(LEVEL), "count": INTEGER,
                         "entries": array(ENTRY)},
                        required=("level", "name_th", "name_en", "count", "entries")),
                    description="the levels with entries in force, strategies first")},
    required=("versions", "version", "on_date", "levels"),
    description="ข้อมูลอ้างอิงแผนระดับชาติ / the national strategy hierarchy")
NATIONAL_LOADED = obj({
    "version_id": STRING,
    "created": {**BOOLEAN, "description": "false: the same version was loaded before"},
    "entries": {**INTEGER, "description": "rows in the files"},
    "files": array(STRING, description="the files the version is made of"),
    "by_level": map_of(INTEGER, "entries in force today by level")},
    required=("version_id", "created", "entries", "by_level", "files"))

NATIONAL_SCHEMAS = {"NationalHierarchy": NATIONAL_HIERARCHY, "NationalLoaded": NATIONAL_LOADED}

"""Views by national alignment (issue 26 point 3): a plan's budget, disbursement, physical
progress and indicator achievement by strategy, master plan, sub-plan, milestone or SDG - one
cluster's, or every cluster's for the admin and a national viewer. Reporting computes them
(services/reporting/rollup.py); the names of the clusters are the reference data's."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from services.contracts import access
from services.contracts.national import LEVEL_NAMES, level_problem
from services.contracts.plans import holds_sample

from .. import rollup_view
from ..rpc import call
from .common import (ApiError, forbidden, known_clusters, principal, reporting_plan,
                     view_or_file)
from .routing import AS_FILE, RouteTable, ok, param

routes = RouteTable()
BANGKOK = ZoneInfo("Asia/Bangkok")
LEVEL = param("level", "the level rows are by (default strategy): "
                       + ", ".join(f"{k} ({th} / {en})" for k, (th, en) in LEVEL_NAMES.items()),
              schema={"type": "string", "enum": list(LEVEL_NAMES),
                      "default": rollup_view.DEFAULT_LEVEL})
FISCAL_YEAR = param("fy", "fiscal year, B.E.: 2569 or FY2569 (left out: the year of the quarter "
                          "that ended last, within the plan's years)",
                    schema={"type": "string", "pattern": r"^(FY)?(2[56][0-9]{2}|2700)$",
                            "examples": ["2569"]})
NATIONAL_ONLY = ("the view across every cluster is for the admin and national viewers; a "
                 "cluster's people read their own plan's at /api/plans/{plan_id}/national-"
                 "alignment / ภาพรวมทุกกลุ่มจังหวัดเปิดให้ผู้ดูแลระบบและผู้ดูข้อมูลระดับประเทศ "
                 "เจ้าหน้าที่ของกลุ่มจังหวัดดูของแผนตนเองได้ที่ /api/plans/{plan_id}/national-alignment")


def asked(request, first: int | None = None, last: int | None = None) -> tuple[str, int]:
    """``?level=`` and ``?fy=``, checked (400 in Thai and English)."""
    level = request.args.get("level", rollup_view.DEFAULT_LEVEL)
    problem = level_problem(level)
    if problem:
        raise ApiError(400, "bad_request", problem)
    default = rollup_view.default_fiscal_year(datetime.now(BANGKOK).date(), first, last)
    try:
        return level, rollup_view.fiscal_year_asked(request.args.get("fy"), default)
    except ValueError as exc:
        raise ApiError(400, "bad_request", str(exc)) from None


@routes.get("/api/plans/<string:plan_id>/national-alignment",
            "The plan's budget, disbursement, physical progress (by budget) and indicator "
            "achievement for a fiscal year, by the entries of a level of the national "
            "hierarchy it serves, with a row for what serves none and the whole plan",
            query=(LEVEL, FISCAL_YEAR, AS_FILE), ok=ok("NationalAlignment", "the rollup"),
            errors={400: "an unknown level, a fiscal year that is not B.E. or is outside the "
                         "plan", 404: "no such plan"})
def plan_national_alignment(gw, request, plan_id):
    _, plan = reporting_plan(gw, request, plan_id)  # whoever reads the plan's reporting views
    level, year = asked(request, plan["start_fy"], plan["end_fy"])
    view = call(gw.reporting, "plan_alignment", plan_id, level, year)
    return view_or_file(request, view, f"{plan_id}-FY{year}-{level}-alignment",
                        rollup_view.plan_table, holds_sample(plan))


@routes.get("/api/national-alignment",
            "Every cluster's published plan together (the national view: the admin and national "
            "viewers): a row per entry of the level with each cluster's figures beside it, a row "
            "for what serves none, and the whole country",
            query=(LEVEL, FISCAL_YEAR, AS_FILE),
            ok=ok("NationalAlignmentAcrossClusters", "the rollup across clusters"),
            errors={400: "an unknown level or a fiscal year that is not B.E.",
                    403: "not the admin or a national viewer"})
def national_alignment(gw, request):
    who = principal(gw, request)
    if not access.reads_all(who):
        raise forbidden(NATIONAL_ONLY)
    level, year = asked(request)
    view = rollup_view.name_clusters(call(gw.reporting, "national_alignment", level, year),
                                        known_clusters(gw))
    return view_or_file(request, view, f"national-FY{year}-{level}-alignment",
                        rollup_view.national_table, rollup_view.national_sample(view))

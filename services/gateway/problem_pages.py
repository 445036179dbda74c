"""The dashboard's pages of problems analysed together (entrypoints only, mixed into
GatewayService like pages.py): the analysis with its Pareto chart, the printable page for the
annual review meeting, and the admin's form for the cause code list."""
from __future__ import annotations

import json
from urllib.parse import urlencode, urlsplit

from nameko.exceptions import RemoteError
from werkzeug.wrappers import Response

from services.contracts import access
from services.contracts.errors import ServiceError
from services.contracts.problems import SEVERITY_TH, STATUS_EN, STATUS_TH, STATUSES

from .pages import html, redirect
from .web import http

WORDS = {  # this page family's words beyond dashboard.WORDS: (Thai, English)
    "cause": ("สาเหตุ", "Cause"), "count": ("จำนวนปัญหา", "Problems"),
    "budget_at_stake": ("งบประมาณที่ได้รับผลกระทบ (บาท)", "Budget at stake (THB)"),
    "fiscal_year": ("ปีงบประมาณ", "Fiscal year"), "all": ("ทั้งหมด", "All"),
    "cumulative": ("ร้อยละสะสม", "Cumulative %"), "share": ("ร้อยละ", "Share %"),
    "pareto": ("แผนภูมิพาเรโตของสาเหตุ", "Pareto of causes"),
    "recurring": ("สาเหตุที่เกิดซ้ำข้ามปีงบประมาณ", "Causes recurring across fiscal years"),
    "same_project": ("โครงการเดียวกัน", "same project"), "same_issue": ("ประเด็นเดียวกัน", "same issue"),
    "problem_list": ("ปัญหาและมาตรการแก้ไข", "Problems and remedies"),
    "severity": ("ความรุนแรง", "Severity"), "owner": ("หน่วยงานเจ้าของปัญหา", "Owner agency"),
    "remedies": ("มาตรการแก้ไข (กำหนดเสร็จ)", "Remedies (due)"), "done": ("เสร็จแล้ว", "done"),
    "overdue": ("เลยกำหนด", "overdue"), "workbook": ("ดาวน์โหลด Excel สำหรับการประชุม",
                                                    "Download the meeting's Excel workbook"),
    "review_link": ("หน้าสำหรับพิมพ์ (ประชุมทบทวนประจำปี)", "Printable page (annual review)"),
    "causes_link": ("รายการสาเหตุ", "Cause code list"),
    "code": ("รหัส", "Code"), "label_th": ("ชื่อภาษาไทย", "Thai label"),
    "label_en": ("ชื่อภาษาอังกฤษ", "English label"), "retired": ("เลิกใช้", "Retired"),
    "save": ("บันทึก", "Save"), "version": ("ฉบับที่", "Version"),
    "changed": ("แก้ไขโดย / เมื่อ", "Changed by / at"), "new_cause": ("เพิ่มสาเหตุใหม่", "New cause"),
    "admin_only": ("เฉพาะผู้ดูแลระบบแก้ไขได้", "Only the admin edits the list"),
    "saved": ("บันทึกแล้ว", "Saved"), "status_label": ("สถานะ", "Status"),
    "no_problems": ("ยังไม่มีปัญหาที่รายงานแบบมีโครงสร้าง (problem_items)",
                    "No structured problems (problem_items) reported yet"),
}


def _words(lang: str) -> dict:
    return {k: v[0 if lang == "th" else 1] for k, v in WORDS.items()}


def _number_arg(request, name: str, low: int, high: int) -> int | None:
    raw = request.args.get(name) or ""
    return int(raw) if raw.isascii() and raw.isdigit() and low <= int(raw) <= high else None


class ProblemPages:
    @http("GET", "/problem-analysis")
    def problem_analysis_page(self, request):
        return self._page(request, "problem_analysis", self._problem_view)

    @http("GET", "/problem-review")
    def problem_review_page(self, request):
        return self._page(request, "problem_review", self._problem_view)

    def _problem_view(self, ctx):
        plan, lang, request = ctx["plan"], ctx["lang"], ctx["request"]
        own = access.own_province(ctx["principal"], None)
        filters = {"fiscal_year": _number_arg(request, "fiscal_year", 2500, 2800),
                   "issue": _number_arg(request, "issue", 0, 10**6),
                   "cause": request.args.get("cause") or None,
                   "status": request.args.get("status") if request.args.get("status") in STATUSES
                   else None,
                   "province": own or (request.args.get("province") or None)}
        result = self._call("reporting", "problem_analysis", plan["id"], filters,
                            [own] if own else None)
        causes = self._call("reporting", "problem_causes")["causes"]
        label = "label_th" if lang == "th" else "label_en"
        chosen = {k: v for k, v in filters.items() if v is not None}
        query = urlencode({"plan": plan["id"], **chosen})
        pareto = {"labels": [p["cause_label_th" if lang == "th" else "cause_label_en"]
                             for p in result["pareto"]],
                  "counts": [p["count"] for p in result["pareto"]],
                  "cumulative": [p["cumulative_pct"] for p in result["pareto"]],
                  "count_label": _words(lang)["count"],
                  "cumulative_label": _words(lang)["cumulative"]}
        years = range(plan["start_fy"], plan["end_fy"] + 1)
        return {"pw": _words(lang), "analysis": result, "filters": filters,
                "agency_names": {a["code"]: a["name_th" if lang == "th" else "name_en"]
                                 for a in plan.get("agencies", [])},
                "cause_choices": [(c["code"], c[label]) for c in causes],
                "issue_choices": [(i["number"], i["title_th" if lang == "th" else "title_en"])
                                  for i in plan["issues"]],
                "year_choices": list(years), "statuses": STATUSES,
                "status_words": STATUS_TH if lang == "th" else STATUS_EN,
                "severity_words": SEVERITY_TH if lang == "th" else {k: k for k in SEVERITY_TH},
                "filter_query": query,
                "pareto_json": json.dumps(pareto, ensure_ascii=False).replace("</", "<\\/"),
                "download": f"/api/plans/{plan['id']}/problem-analysis?" + urlencode(
                    {**chosen, "format": "xlsx"})}

    @http("GET", "/problem-causes")
    def problem_causes_page(self, request):
        return self._page(request, "problem_causes", self._causes_view, needs_plan=False)

    def _causes_view(self, ctx):
        lang = ctx["lang"]
        return {"pw": _words(lang), "cause_list": self._call("reporting", "problem_causes"),
                "is_admin": access.is_admin(ctx["principal"]),
                "saved": ctx["request"].args.get("saved") == "1",
                "error": ctx["request"].args.get("error")}

    @http("POST", "/problem-causes")
    def problem_causes_save(self, request):
        """The admin's form: the same rules as PUT /api/problem-causes (the reporting service
        checks them), from a page of this site only, on the login cookie."""
        origin = request.headers.get("Origin")
        if origin and urlsplit(origin).netloc != request.host:
            return Response("cross-site request refused", status=403)
        browser, refusal = self._posting_browser(request)
        if refusal is not None:
            return refusal
        who = browser.who
        if not access.is_admin(who):
            return html("<!doctype html><meta charset='utf-8'><p>เฉพาะผู้ดูแลระบบ / admin only</p>",
                        403)
        form = request.form
        causes = []
        rows = form.get("rows") or ""
        rows = int(rows) if rows.isascii() and rows.isdigit() else 0  # "²" is a digit too
        for n in range(min(rows, 200)):  # the list holds at most 100 causes
            code = (form.get(f"code_{n}") or "").strip()
            if code:
                causes.append({"code": code, "label_th": form.get(f"label_th_{n}") or "",
                               "label_en": form.get(f"label_en_{n}") or "",
                               "retired": form.get(f"retired_{n}") == "on"})
        version = form.get("version")
        try:
            self._call("reporting", "set_problem_causes", causes, str(who),
                       int(version) if (version or "").isascii() and version.isdigit() else None)
        except (ServiceError, RemoteError) as exc:  # the service's reason, shown on the form
            return redirect("/problem-causes?" + urlencode({"error": str(exc)[:500]}))
        return redirect("/problem-causes?saved=1")

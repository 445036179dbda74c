"""The dashboard's indicator page and printable indicator card (issue 22, "facts behind every
figure"): an indicator's value for a period beside what it means, how it is computed and where
its data come from, and the reports behind the value with the evidence they cite."""
from __future__ import annotations

from urllib.parse import urlencode

from services.contracts import access

from . import dashboard
from .evidence_links import with_links
from .indicator_card import indicator_card
from .web import http

# The words of these pages, beside the dashboard's (added once, at import: the pages render
# with dashboard.words(lang) like every other page).
dashboard.WORDS.update({
    "indicator_page": ("ตัวชี้วัด", "Indicator"),
    "indicator_card": ("บัตรตัวชี้วัด", "Indicator card"),
    "print_card": ("พิมพ์บัตรตัวชี้วัด", "Print the indicator card"),
    "definition": ("นิยาม", "Definition"), "formula": ("สูตรคำนวณ", "Formula"),
    "data_source": ("แหล่งข้อมูล", "Data source"),
    "source_agency": ("หน่วยงานเจ้าของข้อมูล", "Data owner"),
    "method": ("วิธีการวัด", "Method"), "link": ("ลิงก์", "Link"),
    "frequency": ("ความถี่การรายงาน", "Reporting frequency"),
    "responsible_agency": ("หน่วยงานรับผิดชอบ", "Responsible agency"),
    "baseline": ("ค่าฐาน", "Baseline"), "targets": ("ค่าเป้าหมายรายปี", "Yearly targets"),
    "direction": ("ทิศทางที่ดี", "Better when"),
    "increase": ("ยิ่งมากยิ่งดี", "higher"), "decrease": ("ยิ่งน้อยยิ่งดี", "lower"),
    "monthly": ("รายเดือน", "monthly"), "quarterly": ("รายไตรมาส", "quarterly"),
    "yearly": ("รายปี", "yearly"),
    "evidence": ("หลักฐาน", "Evidence"), "reports_behind": ("รายงานที่อยู่เบื้องหลังค่า",
                                                           "The reports behind the value"),
    "not_given": ("ยังไม่ได้ระบุในแผน", "not given in the plan"),
    "no_indicator": ("ไม่พบตัวชี้วัดนี้ในแผน", "The plan has no such indicator"),
    "attach": ("แนบหลักฐาน (PDF, PNG, JPEG, XLSX, CSV ไม่เกิน 10 MB)",
               "Attach evidence (PDF, PNG, JPEG, XLSX, CSV, at most 10 MB)"),
    "attach_note": ("อัปโหลดไฟล์หลักฐานและ/หรือระบุเลขที่หนังสือหรือ URL แล้วคัดลอกข้อความที่ได้ไปใส่ในคอลัมน์ "
                    "evidence ของไฟล์ CSV (หรือคอลัมน์ที่มีหัว (evidence) ในแบบฟอร์ม Excel) ของแถวที่เกี่ยวข้อง",
                    "Upload an evidence file and/or give a document number or URL, then copy the text "
                    "below into the evidence column of the CSV (or a column headed (evidence) in the "
                    "workbook) on the row it supports"),
    "reference": ("เลขที่หนังสือ / URL อ้างอิง", "Document number / URL"),
    "attach_button": ("อัปโหลดหลักฐาน", "Upload evidence"),
    "evidence_cell": ("ข้อความสำหรับคอลัมน์ evidence", "Text for the evidence column"),
})


class IndicatorPages:
    """Mixed into the gateway service beside DashboardPages (whose _page frames these)."""

    @http("GET", "/indicator")
    def indicator_page(self, request):
        return self._page(request, "indicator", self._indicator)

    @http("GET", "/indicator-card")
    def indicator_card_page(self, request):
        return self._page(request, "indicator_card", self._indicator)

    @http("POST", "/report/evidence")
    def report_evidence(self, request):
        return self._as_logged_in(request, self.upload_evidence)

    def _indicator(self, ctx):
        plan, period, lang = ctx["plan"], ctx["period"], ctx["lang"]
        code = ctx["request"].args.get("indicator") or ""
        card = indicator_card(plan, code)
        if card is None:
            return {"card": None, "code": code, "periods": dashboard.periods_of(plan)}
        who = ctx["principal"]
        results = access.results_for(who, self._call(
            "reporting", "indicator_results", plan["id"], period))["results"]
        result = next((r for r in results if r["indicator"] == code), None)
        if result is not None:
            result = {**result, "light": dashboard.light(result),
                      "status_label": dashboard.status_label(result, lang)}
        reports = with_links(self._call("reporting", "reports", plan["id"],
                                        access.own_province(who, None), code, None, period))
        return {"card": card, "code": code, "result": result, "reports": reports["reports"],
                "periods": dashboard.periods_of(plan),
                "card_query": urlencode({"plan": plan["id"], "period": period,
                                         "indicator": code, "lang": lang})}

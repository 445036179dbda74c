"""How certain a figure is, in words a person reads (pure; docs/approvals.md section 4): the mark
beside each province's figure and each cluster value on the dashboard (templates/_certainty.html),
its legend, and the cells of the exports. Reporting says which (services/reporting/certainty.py):
a province's figure is provisional, submitted, approved or accepted; a cluster value fully,
partly or not yet approved. Marks are words (a shape beside them), never a colour alone."""
from __future__ import annotations

# (Thai, English, the shape shown before the words)
MARKS = {
    "provisional": ("ข้อมูลเบื้องต้น", "provisional", "○"),
    "submitted": ("จังหวัดยืนยันแล้ว", "submitted", "◐"),
    "approved": ("อนุมัติแล้ว", "approved", "●"),
    "accepted": ("รับรองแล้ว", "accepted", "✔"),
    "full": ("อนุมัติครบทุกจังหวัด", "fully approved", "●"),
    "partial": ("อนุมัติบางจังหวัด", "partly approved", "◐"),
    "none": ("ยังไม่มีจังหวัดอนุมัติ", "not yet approved", "○"),
}
MEANINGS = {  # the legend (and a mark's title): what each says, and who made it so
    "provisional": ("จังหวัดยังไม่ยืนยันว่าข้อมูลงวดนี้ครบ ค่าอาจเปลี่ยนได้",
                    "the province has not yet said its figures for the period are complete; "
                    "they may change"),
    "submitted": ("จังหวัดยืนยันว่าข้อมูลครบแล้ว รอผู้ว่าราชการจังหวัดอนุมัติ",
                  "the province says its figures are complete; awaiting its approver"),
    "approved": ("ผู้ว่าราชการจังหวัด (ผู้ได้รับมอบหมาย) อนุมัติแล้ว ค่าถูกล็อก ไม่รับรายงานใหม่",
                 "approved by the province's approver (the governor's office): locked, no new "
                 "report is taken"),
    "accepted": ("สำนักงานกลุ่มจังหวัดรับรองแล้ว", "accepted by the cluster's OSM"),
    "full": ("ค่าของกลุ่มจังหวัด: ทุกจังหวัดที่ต้องรายงานอนุมัติหรือรับรองแล้ว",
             "cluster value: every province expected to report is approved or accepted"),
    "partial": ("ค่าของกลุ่มจังหวัด: บางจังหวัดอนุมัติแล้ว บางจังหวัดยังไม่อนุมัติ",
                "cluster value: some provinces are approved, others not yet"),
    "none": ("ค่าของกลุ่มจังหวัด: ยังไม่มีจังหวัดใดอนุมัติ", "cluster value: no province approved yet"),
}
PROVINCE_MARKS = ("provisional", "submitted", "approved", "accepted")
CLUSTER_MARKS = ("full", "partial", "none")
WORDS = {
    "legend": ("ความน่าเชื่อถือของตัวเลข (การอนุมัติงวด)", "How certain the figures are (the period's approval)"),
    "certainty": ("การอนุมัติ", "Approval"),
    "approved_on_time": ("อนุมัติภายในกำหนดส่ง", "Approved by the due date"),
    "approved_count": ("จังหวัดที่อนุมัติแล้ว", "Provinces approved"),
    "yes": ("ใช่", "yes"), "no": ("ไม่", "no"),
}


def _i(lang: str) -> int:
    return 0 if lang == "th" else 1


def words(lang: str) -> dict:
    """What a page needs: ``mark[kind]`` (symbol, word, meaning), the legend's entries and the
    column words."""
    i = _i(lang)
    return {"mark": {k: {"symbol": v[2], "word": v[i], "meaning": MEANINGS[k][i]}
                     for k, v in MARKS.items()},
            "province_marks": PROVINCE_MARKS, "cluster_marks": CLUSTER_MARKS,
            **{k: v[i] for k, v in WORDS.items()}}


def export_word(kind: str | None) -> str | None:
    """The Thai word of a mark, for a cell of an export (as the status column is Thai)."""
    return MARKS[kind][0] if kind in MARKS else kind


def export_list(provinces: dict, names: dict | None = None) -> str:
    """Each province's mark in one cell: "TH-34 อนุมัติแล้ว, TH-33 ข้อมูลเบื้องต้น"."""
    return ", ".join(f"{(names or {}).get(code, code)} {export_word(figures.get('certainty'))}"
                     for code, figures in provinces.items())

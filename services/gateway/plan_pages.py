"""The plan pages (entrypoints only, mixed into GatewayService like pages.py): an OSM's (or the
admin's) plans with their drafts, a plan workbook uploaded as a draft, publishing a draft and
revising a published plan with a reason. Every form calls the JSON API's own handler
(api/plans.py) through ``_as_logged_in``, so the rules, scopes and events are the API's; a
refused workbook lists every bad cell on the page, and nothing was applied."""
from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo


from services.contracts import access

from .api.common import MAX_UPLOAD_BYTES
from .form_requests import api_request
from .pages import redirect
from .web import http

BANGKOK = ZoneInfo("Asia/Bangkok")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

WORDS = {  # this page's words beyond dashboard.WORDS: (Thai, English)
    "plan": ("แผน", "Plan"), "cluster": ("กลุ่มจังหวัด", "Cluster"),
    "status": ("สถานะ", "Status"), "version": ("ฉบับที่", "Version"),
    "published": ("วันที่ประกาศใช้", "Published"), "revised": ("ปรับปรุงล่าสุด", "Last revised"),
    "workbook": ("ไฟล์ Excel ของแผน", "Plan workbook"), "download": ("ดาวน์โหลด", "Download"),
    "action": ("ดำเนินการ", "Action"), "not_yet": ("ยังไม่ประกาศใช้", "not yet"),
    "draft": ("ร่าง", "Draft"), "published_status": ("ประกาศใช้แล้ว", "Published"),
    "archived": ("เลิกใช้", "Archived"),
    "upload_title": ("อัปโหลดแผน (สร้างร่างใหม่ แก้ไขร่าง หรือปรับปรุงแผนที่ประกาศแล้ว)",
                     "Upload a plan (a new draft, a draft edited, or a published plan revised)"),
    "upload_note": ("ดาวน์โหลดไฟล์ของแผน แก้ไข แล้วอัปโหลดกลับ: รหัสแผน (id) ใหม่สร้างร่างใหม่ "
                    "รหัสของร่างแก้ไขร่างนั้น รหัสของแผนที่ประกาศแล้วสร้างฉบับใหม่ (ต้องระบุเหตุผล) "
                    "ไฟล์ที่มีข้อผิดพลาดจะไม่ถูกนำไปใช้เลย",
                    "Download a plan's workbook, change it and upload it: a new plan id makes a "
                    "new draft, a draft's id edits that draft, a published plan's id makes a new "
                    "version (give a reason). A workbook with any problem changes nothing"),
    "file": ("ไฟล์แผน (.xlsx หรือ .zip ของไฟล์ CSV)", "Plan workbook (.xlsx, or a .zip of CSV files)"),
    "reason": ("เหตุผลการปรับปรุง", "Reason for the revision"),
    "reason_optional": ("เหตุผลการปรับปรุง (เฉพาะเมื่อปรับปรุงแผนที่ประกาศแล้ว)",
                        "Reason (only when it revises a published plan)"),
    "approved_by": ("ผู้อนุมัติ (เช่น ก.บ.ก.)", "Approved by (e.g. the cluster committee)"),
    "upload": ("อัปโหลด", "Upload"), "publish": ("ประกาศใช้", "Publish"),
    "director_publishes": ("ผู้อำนวยการสำนักงานกลุ่มจังหวัดเป็นผู้ประกาศใช้และปรับปรุงแผน",
                           "The OSM director publishes and revises plans"),
    "revise": ("ปรับปรุงแผน (ฉบับใหม่)", "Revise (a new version)"),
    "revise_button": ("อัปโหลดฉบับปรับปรุง", "Upload the revision"),
    "no_plans": ("ยังไม่มีแผน อัปโหลดไฟล์แผนด้านล่างเพื่อสร้างร่าง",
                 "No plan yet: upload a plan workbook below to make a draft"),
    "bad_cells": ("ช่องที่ต้องแก้ไข", "Cells to fix"), "sheet": ("แผ่นงาน", "Sheet"),
    "row": ("แถว", "Row"), "column": ("คอลัมน์", "Column"), "cell": ("ช่อง", "Cell"),
    "message_th": ("ข้อผิดพลาด (ภาษาไทย)", "Problem (Thai)"),
    "message_en": ("ข้อผิดพลาด (ภาษาอังกฤษ)", "Problem (English)"),
    "shown_of": ("แสดง {shown} จาก {total} รายการ", "{shown} of {total} shown"),
    "refused_400": ("ไฟล์หรือข้อมูลไม่ผ่านการตรวจ ยังไม่มีการเปลี่ยนแปลงใด",
                    "Refused: nothing was changed"),
    "refused_403": ("ท่านไม่มีสิทธิ์ทำรายการนี้", "Your login may not do this"),
    "refused_404": ("ไม่พบแผนนี้", "No such plan"),
    "refused_409": ("สถานะของแผนเปลี่ยนไปแล้ว (เช่น ประกาศใช้แล้ว หรือมีผู้แก้ไขก่อน) โหลดหน้าใหม่แล้วลองอีกครั้ง",
                    "The plan is not in a state for this (already published, or changed "
                    "meanwhile); reload and try again"),
    "refused_413": ("ไฟล์ใหญ่เกินไป", "The file is too large"),
    "refused_other": ("ระบบไม่สามารถทำรายการได้ในขณะนี้ ลองใหม่อีกครั้ง",
                      "The system could not do this now; try again shortly"),
    "no_file": ("กรุณาเลือกไฟล์แผนก่อนอัปโหลด", "Choose a plan workbook file first"),
    "no_reason": ("การปรับปรุงแผนที่ประกาศใช้แล้วต้องระบุเหตุผล ยังไม่มีการเปลี่ยนแปลงใด",
                  "A revision of a published plan needs a reason; nothing was changed"),
    "no_approved_by": ("การปรับปรุงแผนที่ประกาศใช้แล้วต้องระบุผู้อนุมัติ (เช่น ก.บ.ก.) ยังไม่มีการเปลี่ยนแปลงใด",
                       "A revision of a published plan needs the body that approved it (e.g. "
                       "the cluster committee); nothing was changed"),
    "approved_by_revision": ("ผู้อนุมัติ (ต้องระบุเมื่อปรับปรุงแผนที่ประกาศแล้ว)",
                             "Approved by (needed when it revises a published plan)"),
    "detail": ("รายละเอียดจากระบบ (ภาษาอังกฤษ)", "The system's answer"),
    "done_created": ("สร้างร่างแผน {id} แล้ว (ฉบับที่ {version})",
                     "Draft {id} created (version {version})"),
    "done_edited": ("แก้ไขร่างแผน {id} แล้ว (ฉบับที่ {version})",
                    "Draft {id} edited (version {version})"),
    "done_published": ("ประกาศใช้แผน {id} แล้ว (ฉบับที่ {version})",
                       "Plan {id} published (version {version})"),
    "done_revised": ("ปรับปรุงแผน {id} แล้ว เป็นฉบับที่ {version}",
                     "Plan {id} revised: version {version}"),
}
DONE = ("created", "edited", "published", "revised")


def plan_words(lang: str) -> dict:
    return {k: v[0 if lang == "th" else 1] for k, v in WORDS.items()}


def bangkok_day(iso: str | None) -> str | None:
    """The Bangkok day of a stored timestamp (UTC): the date a person in Thailand saw."""
    if not iso:
        return None
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return (moment.astimezone(BANGKOK) if moment.tzinfo else moment).date().isoformat()


def plan_row(summary: dict, history: list[dict], clusters: dict, lang: str) -> dict:
    """A plan's line on the page: its names, its cluster's name, when it was first published and,
    when revised since, the latest revision's day and reason."""
    cluster = clusters.get(summary["cluster"], {})
    name = "name_th" if lang == "th" else "name_en"
    published = next((h for h in history if h["status"] != "draft"), None)
    latest = history[-1] if history else None
    revised = None
    if published and latest and latest["version"] > published["version"]:
        revision = latest.get("revision") or {}
        revised = {"day": bangkok_day(latest["saved_at"]), "reason": revision.get("reason")}
    return {**summary, "cluster_name": cluster.get(name) or summary["cluster"],
            "published_day": bangkok_day(published["saved_at"]) if published else None,
            "revised": revised}


def too_large(request) -> bool:
    """A form larger than the API takes a file (and room for its fields): refused before the form
    is read, so no such body is parsed or spooled to disk."""
    return (request.content_length or 0) > MAX_UPLOAD_BYTES + 2**16


def upload_format(filename: str | None) -> tuple[str, str]:
    """(format, content type) of an uploaded plan file: a .zip holds CSV files, else .xlsx."""
    if (filename or "").lower().endswith(".zip"):
        return "csv", "application/zip"
    return "xlsx", XLSX


class PlanPages:
    @http("GET", "/plans")
    def plans_page(self, request):
        done = request.args.get("done")
        notice = None
        if done in DONE:
            notice = {"kind": done, "id": request.args.get("id", "")[:200],
                      "version": request.args.get("version", "")[:9]}
        refused = {"words": "refused_413"} if request.args.get("refused") == "413" else None
        return self._plans(request, notice=notice, failure=refused)

    @http("POST", "/plans/upload")
    def plans_upload(self, request):
        if too_large(request):
            return redirect("/plans?refused=413")
        return self._plan_upload(request, None)

    @http("POST", "/plans/<string:plan_id>/revise")
    def plans_revise(self, request, plan_id):
        if too_large(request):
            return redirect("/plans?refused=413")
        for field in ("reason", "approved_by"):  # the service refuses them too, in English
            if not (request.form.get(field) or "").strip():
                return self._plans(request, failure={"status": 400, "words": f"no_{field}"})
        return self._plan_upload(request, plan_id)

    @http("POST", "/plans/<string:plan_id>/publish")
    def plans_publish(self, request, plan_id):
        approved_by = (request.form.get("approved_by") or "").strip()
        body = json.dumps({"approved_by": approved_by}).encode() if approved_by else b""
        answer = self._as_logged_in(api_request(request, body, "application/json", {}),
                                    self.publish_plan, plan_id)
        return self._after(request, answer, "published")

    # --- what the forms share ------------------------------------------------------------------

    def _plan_upload(self, request, plan_id: str | None):
        """The workbook as POST /api/plans/import takes it; ``plan_id``: it must be that plan's."""
        upload = request.files.get("workbook")
        data = upload.stream.read(MAX_UPLOAD_BYTES + 1) if upload else b""  # the API says 413
        if not data:
            return self._plans(request, failure={"status": 400, "words": "no_file"})
        fmt, content_type = upload_format(upload.filename)
        args = {"format": fmt, "reason": (request.form.get("reason") or "").strip(),
                "approved_by": (request.form.get("approved_by") or "").strip(), "plan": plan_id}
        answer = self._as_logged_in(api_request(request, data, content_type, args),
                                    lambda api, _none: self.import_plan(api), "")
        return self._after(request, answer, None)

    def _after(self, request, answer, done: str | None):
        """303 back to /plans with a notice after success; the page with the API's refusal (and
        every bad cell) otherwise; anything not JSON (a redirect to log in) as it came."""
        if not answer.mimetype == "application/json":
            return answer
        if answer.status_code == 401:
            return redirect("/login")
        body = json.loads(answer.get_data(as_text=True))
        if answer.status_code < 300:
            if done is None:  # an import: a new draft, a draft edited, or a revision
                done = "revised" if body["status"] != "draft" else (
                    "created" if body["version"] == 1 else "edited")
            return redirect("/plans?" + urlencode({"done": done, "id": body["id"],
                                                   "version": body["version"],
                                                   "lang": self._lang(request)}))
        error = body.get("error", {})
        return self._plans(request, failure={
            "status": answer.status_code, "message": error.get("message", ""),
            "problems": error.get("problems") or [], "total": error.get("problems_total", 0),
            "words": f"refused_{answer.status_code}" if answer.status_code in (400, 403, 404, 409, 413)
            else "refused_other"})

    def _plans(self, request, notice=None, failure=None):
        """The page, with a notice after success or a refusal, and the refusal's own status
        (the page stays where the person was). Who may open it: dashboard.PAGE_RULES."""

        def build(ctx):
            who, lang = ctx["principal"], ctx["lang"]
            context = {"pp": plan_words(lang), "notice": notice, "failure": failure, "rows": [],
                       # publish and revise: the forms only to those the API lets (the director)
                       "may_publish": access.may(who, "publish_plan")}
            clusters = {c["code"]: c for c in self._call("plans", "list_clusters")["clusters"]}
            for summary in access.visible_plans(who, self._call("plans", "list_plans")):
                history = self._call("plans", "plan_history", summary["id"])
                context["rows"].append(plan_row(summary, history, clusters, lang))
            return context

        response = self._page(request, "plans", build, needs_plan=False)
        if failure and failure.get("status") and response.status_code == 200:
            response.status_code = failure["status"]
        return response

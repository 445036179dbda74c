"""The admin's settings page (/settings; entrypoints only, mixed into GatewayService like
plan_pages.py): when reports are due, when waiting approvals are recalled, the government's
disbursement targets, who is told of which fact, each shown as it is now with a form to change
it, and the validation rules and reporting window (data of each plan: changed by revising the
plan, shown here). Every form calls the JSON API's own handler
(api/admin.py, api/notify.py) through ``_as_logged_in``, with the form's reason as ``?reason=``
(the audit log keeps it with the before and after); a refusal is shown in Thai and English with
what was typed kept."""
from __future__ import annotations

import json
from urllib.parse import urlencode

from services.contracts import events as contract_events
from services.contracts import rules as plan_rules

from .api.common import MAX_REASON, MAX_UPLOAD_BYTES
from .api.notify import PARTIES, RULE_EVENTS
from .emenscr import fields as field_lists
from .pages import redirect
from .plan_pages import too_large
from .form_requests import api_request
from .web import http

QUARTERS = ("Q1", "Q2", "Q3", "Q4")
FORMS = ("schedule", "reminders", "targets", "rules", "opendata", "emenscr", "emenscr_reset")
WORDS = {  # this page's words beyond dashboard.WORDS: (Thai, English)
    "schedule": ("กำหนดส่งรายงาน", "When reports are due"),
    "schedule_now": ("ปัจจุบัน: ส่งรายงานภายใน {days} วันหลังสิ้นงวด",
                     "Now: reports are due {days} day(s) after a period ends"),
    "due_days": ("จำนวนวันหลังสิ้นงวด (0-180)", "Days after the period ends (0-180)"),
    "reminders": ("การเตือนการรับรองข้อมูลที่รอดำเนินการ", "Reminders of approvals waiting"),
    "reminders_now": ("ปัจจุบัน: เตือนผู้ที่ต้องดำเนินการขั้นถัดไปทุก {days} วัน "
                      "ระหว่างที่งวดรอการอนุมัติหรือรับรอง",
                      "Now: whoever owes the next step is reminded every {days} day(s) a period "
                      "waits to be approved or accepted"),
    "reminder_days": ("เตือนทุกกี่วัน (1-90)", "Remind every (days, 1-90)"),
    "window": ("ช่วงเวลารับรายงานของแผนนี้", "This plan's reporting window"),
    "window_days": ("รับรายงานได้ถึง {days} วันหลังกำหนดส่ง "
                    "หลังจากนั้นต้องขอขยายเวลาจากสำนักงานกลุ่มจังหวัด",
                    "Reports are accepted until {days} day(s) after the due date; later only "
                    "with an extension from the cluster's OSM"),
    "window_none": ("ไม่จำกัด: รับรายงานย้อนหลังได้ทุกงวด",
                    "None: reports of any past period are accepted"),
    "targets": ("เป้าหมายการเบิกจ่ายของรัฐบาล (ร้อยละสะสมของงบประมาณ)",
                "The government's disbursement targets (cumulative % of budget)"),
    "fiscal_year": ("ปีงบประมาณ (เช่น FY2568)", "Fiscal year (e.g. FY2568)"),
    "no_targets": ("ยังไม่มีเป้าหมาย", "No targets yet"),
    "rules": ("ผู้ได้รับแจ้งเตือนทางอีเมล", "Who is mailed of which fact"),
    "rules_note": ("เลือกผู้ได้รับแจ้งของแต่ละเรื่อง ไม่เลือกเลย = ปิดการแจ้งเรื่องนั้น "
                   "(ถ้าผู้ที่เลือกไม่มีอีเมลในระบบ สำนักงานกลุ่มจังหวัดจะได้รับแทน)",
                   "Tick who is told of each fact; none ticked switches it off (when nobody "
                   "ticked has an address on file, the cluster's OSM is told instead)"),
    "event": ("เรื่อง", "Fact"),
    "validation": ("เกณฑ์ตรวจสอบข้อมูล", "Validation rules"),
    "validation_note": ("เกณฑ์เป็นส่วนหนึ่งของแผน (ช่อง validation ของตัวชี้วัดและโครงการ) แก้ไขได้โดย"
                        "ปรับปรุงแผนที่หน้าแผนและร่างแผน (ต้องระบุเหตุผลและผู้อนุมัติ) "
                        "ค่าที่ไม่ได้กำหนดใช้ค่าเริ่มต้น",
                        "The rules are part of the plan (the validation of each indicator and "
                        "project): change them by revising the plan on the plans page (with a "
                        "reason and who approved it). A rule not set takes the default"),
    "defaults": ("ค่าเริ่มต้น", "Defaults"),
    "outlier_default": ("ค่าที่ห่างจากค่ามัธยฐานเกิน modified z = {z} ถูกทำเครื่องหมายให้ตรวจสอบ",
                        "A value further than modified z = {z} from the median is flagged to check"),
    "tolerance_default": ("การเบิกจ่ายเกินงบประมาณได้ไม่เกินร้อยละ {pct}",
                          "Disbursement may exceed the budget by at most {pct}%"),
    "late_default": ("รายงานความก้าวหน้าได้ถึง {days} วันหลังวันสิ้นสุดโครงการ",
                     "Progress may be reported up to {days} days after a project ends"),
    "indicator": ("ตัวชี้วัด", "Indicator"), "accepted": ("ค่าที่รับได้", "Accepted values"),
    "outlier": ("เกณฑ์ค่าผิดปกติ (z)", "Outlier threshold (z)"), "never": ("ไม่ตรวจ", "never"),
    "reason": ("เหตุผลการเปลี่ยนแปลง (บันทึกในประวัติการแก้ไข)",
               "Why (kept in the audit log)"),
    "save": ("บันทึก", "Save"), "now": ("ปัจจุบัน", "Now"),
    "no_reason": ("กรุณาระบุเหตุผลของการเปลี่ยนแปลง ยังไม่มีการเปลี่ยนแปลงใด",
                  "Say why the change is made; nothing was changed"),
    "long_reason": (f"เหตุผลยาวได้ไม่เกิน {MAX_REASON} ตัวอักษร ยังไม่มีการเปลี่ยนแปลงใด",
                    f"The reason may be at most {MAX_REASON} characters; nothing was changed"),
    "not_number": ("ต้องเป็นตัวเลข ยังไม่มีการเปลี่ยนแปลงใด", "Numbers only; nothing was changed"),
    "refused_400": ("ค่าที่กรอกไม่ผ่านการตรวจ ยังไม่มีการเปลี่ยนแปลงใด", "Refused: nothing was changed"),
    "refused_403": ("ท่านไม่มีสิทธิ์ทำรายการนี้", "Your login may not do this"),
    "refused_other": ("ระบบไม่สามารถทำรายการได้ในขณะนี้ ลองใหม่อีกครั้ง",
                      "The system could not do this now; try again shortly"),
    "detail": ("รายละเอียดจากระบบ (ภาษาอังกฤษ)", "The system's answer"),
    "done_schedule": ("บันทึกกำหนดส่งรายงานแล้ว", "The reporting schedule is saved"),
    "done_reminders": ("บันทึกการเตือนแล้ว", "The reminders are saved"),
    "done_targets": ("บันทึกเป้าหมายการเบิกจ่ายแล้ว", "The disbursement targets are saved"),
    "done_rules": ("บันทึกผู้ได้รับแจ้งเตือนแล้ว", "Who is mailed of what is saved"),
    "opendata": ("ข้อมูลเปิดของแผน (open data)", "The plan's open data"),
    "opendata_on": ("ปัจจุบัน: เปิดเผยต่อสาธารณะ ทุกคนดาวน์โหลดข้อมูลที่รับรองแล้วและเปิดหน้าสาธารณะได้โดยไม่ต้องเข้าสู่ระบบ",
                    "Now: public - anyone may download the certified figures and open the public "
                    "page without signing in"),
    "opendata_off": ("ปัจจุบัน: ไม่เปิดเผย (ค่าเริ่มต้น) ลิงก์ข้อมูลเปิดและหน้าสาธารณะตอบว่าไม่พบ",
                     "Now: not public (the default) - the open-data links and the public page "
                     "answer not found"),
    "opendata_note": ("เผยแพร่เฉพาะค่าที่สำนักงานบริหารยุทธศาสตร์กลุ่มจังหวัดรับรองแล้ว ไม่รวมรายงานที่จังหวัดระบุว่าใช้ภายใน",
                      "Only figures the cluster's OSM certified are published, never a report a "
                      "province marked internal"),
    "opendata_public": ("เปิดเผยข้อมูลเปิดและหน้าสาธารณะของแผนนี้", "Publish this plan's open data "
                        "and public page"),
    "opendata_page": ("หน้าสาธารณะของแผน", "The plan's public page"),
    "done_opendata": ("บันทึกการเผยแพร่ข้อมูลเปิดแล้ว", "The open-data setting is saved"),
    "emenscr": ("รายการข้อมูลสำหรับระบบ eMENSCR", "The eMENSCR export's field list"),
    "emenscr_note": ("คอลัมน์ของไฟล์ eMENSCR ที่ดาวน์โหลดได้จากหน้าโครงการ: แก้ไขได้โดยดาวน์โหลดไฟล์ CSV "
                     "แก้ไข แล้วอัปโหลด (key ใช้ได้เฉพาะที่ระบบกรอกได้ verified เป็น yes เมื่อได้ตรวจกับ"
                     "เอกสาร สศช. แล้วเท่านั้น)",
                     "The columns of the eMENSCR workbook (projects page): download the CSV, edit "
                     "it and upload it (keys only those the export fills; verified yes only once "
                     "checked against an NESDC document)"),
    "emenscr_shipped": ("ปัจจุบัน: รายการที่มากับระบบ", "Now: the list shipped with the system"),
    "emenscr_admin": ("ปัจจุบัน: รายการที่ผู้ดูแลระบบกำหนด", "Now: the admin's list"),
    "emenscr_version": ("ฉบับที่ {version} โดย {by}", "version {version} by {by}"),
    "emenscr_download": ("ดาวน์โหลด CSV", "Download the CSV"),
    "emenscr_key": ("รหัสข้อมูล", "Key"), "emenscr_header": ("หัวคอลัมน์", "Headers"),
    "emenscr_source": ("แหล่งที่มา", "Source"),
    "emenscr_verified": ("ตรวจสอบกับเอกสาร สศช. แล้ว", "Checked against NESDC"),
    "yes": ("ใช่", "yes"), "no": ("ยังไม่ได้ตรวจสอบ", "not checked"),
    "emenscr_file": ("ไฟล์ CSV รายการข้อมูลใหม่", "The new list (CSV)"),
    "emenscr_reset": ("กลับไปใช้รายการที่มากับระบบ", "Go back to the shipped list"),
    "done_emenscr": ("บันทึกรายการข้อมูล eMENSCR แล้ว", "The eMENSCR field list is saved"),
    "done_emenscr_reset": ("กลับไปใช้รายการข้อมูล eMENSCR ที่มากับระบบแล้ว",
                           "The shipped eMENSCR field list is back"),
}
PARTY_WORDS = {  # notify's parties, as a person reads them
    "province_focal_point": ("ผู้ประสานงานของจังหวัด", "the province's focal point"),
    "responsible_agency": ("หน่วยงานรับผิดชอบตัวชี้วัด", "the indicator's responsible agency"),
    "implementing_agency": ("หน่วยงานดำเนินโครงการ", "the project's implementing agency"),
    "osm": ("สำนักงานบริหารยุทธศาสตร์กลุ่มจังหวัด", "the cluster's strategy office (OSM)"),
    "receiving_agency": ("หน่วยงานผู้รับโอน", "the receiving agency"),
    "holding_agency": ("หน่วยงานผู้โอน (ผู้ครอบครอง)", "the holding agency"),
    "custodian": ("ผู้ดูแลทรัพย์สิน", "the asset's custodian"),
    "sending_agency": ("หน่วยงานที่ส่งรายงาน", "the agency that sent the report"),
    "project_agencies": ("หน่วยงานของโครงการที่ยังไม่รายงาน",
                         "the agencies of projects not reported"),
    "owner_agency": ("หน่วยงานเจ้าของปัญหา", "the problem's owner agency"),
    "named_people": ("ผู้ที่ต้องดำเนินการขั้นถัดไป", "the people whose step is next"),
}


def settings_words(lang: str) -> dict:
    return {k: v[0 if lang == "th" else 1] for k, v in WORDS.items()}


def rule_rows(rules: dict, lang: str) -> list[dict]:
    """Each fact a rule names, in the person's language, with the parties told of it."""
    described = {e.name: (e.description_th, e.description_en)
                 for e in contract_events.REGISTRY.values()}
    return [{"event": name, "label": described.get(name, (name, name))[0 if lang == "th" else 1],
             "parties": rules.get(name, [])} for name in RULE_EVENTS]


def validation_rows(plan: dict | None, lang: str) -> list[dict]:
    """Each indicator of the plan with the values the intake accepts and its outlier rule."""
    rows = []
    for issue in (plan or {}).get("issues", []):
        for indicator in issue.get("indicators", []):
            accepted_en, accepted_th = plan_rules.describe_indicator_rules(indicator)
            rows.append({"code": indicator["code"],
                         "name": indicator.get("name_th" if lang == "th" else "name_en") or "",
                         "accepted": accepted_th if lang == "th" else accepted_en,
                         "outlier_z": plan_rules.outlier_z(indicator)})
    return rows


def number_or_text(text: str):
    """A typed number as JSON sends it (the API says what is wrong with the rest)."""
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if value.is_integer() else value


class SettingsPages:
    @http("GET", "/settings")
    def settings_page(self, request):
        done = request.args.get("done")
        refused = {"form": "emenscr", "status": 413, "words": "refused_other",
                   "message": "the file is too large / ไฟล์ใหญ่เกินไป"} \
            if request.args.get("refused") == "413" else None
        return self._settings(request, notice=done if done in FORMS else None, failure=refused)

    @http("POST", "/settings/schedule")
    def settings_schedule(self, request):
        return self._setting(request, "schedule", lambda: {"due_days": number_or_text(
            (request.form.get("due_days") or "").strip())},
            lambda api: self.set_due_days(api))

    @http("POST", "/settings/reminders")
    def settings_reminders(self, request):
        return self._setting(request, "reminders", lambda: {"reminder_days": number_or_text(
            (request.form.get("reminder_days") or "").strip())},
            lambda api: self.set_approval_reminder_days(api))

    @http("POST", "/settings/targets")
    def settings_targets(self, request):
        year = (request.form.get("fiscal_year") or "").strip().upper()
        return self._setting(request, "targets", lambda: {
            q: number_or_text((request.form.get(q) or "").strip()) for q in QUARTERS},
            lambda api: self.set_disbursement_targets(api, year))

    @http("POST", "/settings/rules")
    def settings_rules(self, request):
        # every fact is sent: a fact with no party ticked is switched off, never left as it was
        return self._setting(request, "rules", lambda: {
            event: [p for p in request.form.getlist(f"rule:{event}") if p in PARTIES]
            for event in RULE_EVENTS}, lambda api: self.set_notify_rules(api))

    @http("POST", "/settings/opendata")
    def settings_open_data(self, request):
        plan_id = (request.form.get("plan") or "").strip()
        return self._setting(request, "opendata", lambda: {
            "public": request.form.get("public") == "on"},
            lambda api: self.set_open_data_public(api, plan_id), plan_id)

    @http("POST", "/settings/emenscr")
    def settings_emenscr(self, request):
        if too_large(request):  # refused before the form is read (nor spooled to disk)
            return redirect("/settings?refused=413#emenscr")
        upload = request.files.get("fields_csv")
        # at most one byte past the API's limit: the API refuses it as too large, read no further
        return self._setting(request, "emenscr", lambda: upload.stream.read(MAX_UPLOAD_BYTES + 1)
                             if upload else b"",
                             lambda api: self.set_emenscr_fields(api),
                             content_type="text/csv")

    @http("POST", "/settings/emenscr/reset")
    def settings_emenscr_reset(self, request):
        return self._setting(request, "emenscr_reset", lambda: b"",
                             lambda api: self.reset_emenscr_fields(api),
                             content_type="text/plain")

    # --- what the forms share ------------------------------------------------------------------

    def _setting(self, request, form: str, body, handler, plan_id: str | None = None,
                 content_type="application/json"):
        """One form: a reason is required here (the API takes it as optional); the body the
        API handler expects (JSON, or the bytes of an uploaded file as ``content_type``), with
        ``?reason=``; 303 back after success, the page with the refusal and what was typed
        otherwise."""
        reason = (request.form.get("reason") or "").strip()
        if not reason or len(reason) > MAX_REASON:
            return self._settings(request, failure={
                "form": form, "status": 400, "words": "no_reason" if not reason else "long_reason"})
        data = body()
        data = data if isinstance(data, bytes) else json.dumps(data).encode()
        answer = self._as_logged_in(api_request(request, data, content_type,
                                                {"reason": reason}), lambda api, _: handler(api))
        if answer.mimetype != "application/json":
            return answer
        if answer.status_code == 401:
            return redirect("/login")
        if answer.status_code < 300:
            return redirect("/settings?" + urlencode({"done": form, "lang": self._lang(request),
                                                      **({"plan": plan_id} if plan_id else {})})
                            + f"#{form}")
        error = json.loads(answer.get_data(as_text=True)).get("error", {})
        status = answer.status_code
        return self._settings(request, failure={
            "form": form, "status": status, "message": error.get("message", ""),
            "words": f"refused_{status}" if status in (400, 403) else "refused_other"})

    def _settings(self, request, notice=None, failure=None):
        """The page (who may open it: dashboard.PAGE_RULES), a refusal's status after a refused
        form, with what was typed in that form kept."""
        typed = dict(request.form) if failure else {}
        typed["rules"] = {e: request.form.getlist(f"rule:{e}") for e in RULE_EVENTS} \
            if failure and failure["form"] == "rules" else None

        def build(ctx):
            lang = ctx["lang"]
            context = {"sw": settings_words(lang), "notice": notice, "failure": failure,
                       "typed": typed,
                       "quarters": QUARTERS, "party_words": {
                           k: v[0 if lang == "th" else 1] for k, v in PARTY_WORDS.items()},
                       "parties": sorted(PARTIES)}
            notify_rules = self._call("notify", "rules")
            context.update(
                due_days=self._call("reporting", "due_days"),
                reminder_days=self._call("reporting", "approval_reminder_days"),
                report_expiry_days=plan_rules.report_expiry_days(ctx["plan"] or {}),
                targets=self._call("reporting", "disbursement_targets"),
                emenscr=field_lists.as_json(field_lists.in_force(
                    self._call("reporting", "emenscr_fields"))),
                rule_rows=rule_rows(notify_rules, lang),
                validation=validation_rows(ctx["plan"], lang),
                open_data_public=ctx["plan"] is not None and self._call(
                    "reporting", "open_data_public", ctx["plan"]["id"])["public"],
                defaults={"z": plan_rules.DEFAULT_OUTLIER_Z,
                          "pct": plan_rules.DEFAULT_DISBURSEMENT_TOLERANCE_PCT,
                          "days": plan_rules.DEFAULT_REPORT_AFTER_END_DAYS})
            return context

        response = self._page(request, "settings", build, needs_plan=False)
        if failure and response.status_code == 200:
            response.status_code = failure["status"]
        return response

"""The national hierarchy page (entrypoints only, mixed into GatewayService like pages.py):
``/national`` shows the version in force as trees (national_view.py) with each entry's source
and the unverified mark; the admin's form loads new CSV files through the API's own load
(api/national.py ``load_national_as``), so the rules, the 400 and the audit are the API's."""
from __future__ import annotations

from urllib.parse import urlencode

from services.contracts import access
from services.contracts.errors import ServiceError

from . import national_view
from .api.common import ApiError
from .api.national import MODES, load_national_as, multipart_files
from .audit.words import when
from .pages import redirect
from .plan_pages import too_large
from .web import http


class NationalPages:
    @http("GET", "/national")
    def national_page(self, request):
        done = request.args.get("done")
        notice = {"kind": done, "version": request.args.get("version", "")[:80]} \
            if done in ("loaded", "same") else None
        refused = {"status": 413, "message": "the upload is too large / ไฟล์ใหญ่เกินไป"} \
            if request.args.get("refused") == "413" else None
        return self._national(request, notice=notice, failure=refused)

    @http("POST", "/national/upload")
    def national_upload(self, request):
        if too_large(request):  # refused before the form is read
            return redirect("/national?refused=413")
        browser, refusal = self._posting_browser(request)
        if refusal is not None:
            return refusal
        if not access.is_admin(browser.who):
            return self._national(request, failure={
                "status": 403, "message": "only the admin loads the national hierarchy / "
                                         "เฉพาะผู้ดูแลระบบนำเข้าข้อมูลอ้างอิงแผนระดับชาติได้"})
        mode = request.form.get("mode") if request.form.get("mode") in MODES else "add"
        try:
            answer, status = load_national_as(self, browser.who, multipart_files(request), mode)
        except ApiError as exc:  # not a .csv or .zip, not UTF-8, too large
            return self._national(request, failure={"status": exc.status, "message": exc.message})
        except ServiceError as exc:
            return self._national(request, failure={"status": 400, "message": str(exc)})
        if status >= 300:
            error = answer["error"]
            return self._national(request, failure={
                "status": status, "message": f"{error['message_th']} / {error['message']}",
                "problems": error["problems"], "total": error["problems_total"]})
        return redirect("/national?" + urlencode({
            "done": "loaded" if answer["created"] else "same", "version": answer["version_id"],
            "lang": self._lang(request)}))

    def _national(self, request, notice=None, failure=None):
        def build(ctx):
            lang = ctx["lang"]
            versions = self._call("plans", "national_versions")
            chosen = request.args.get("version")
            version = chosen if chosen in {v["version_id"] for v in versions} else None
            shown = self._call("plans", "national_entries", version, None)
            latest = versions[-1]["version_id"] if versions else None
            return {"nw": national_view.words(lang), "notice": notice, "failure": failure,
                    "versions": [{**v, "when": when(v["loaded_at"], lang),
                                  "latest": v["version_id"] == latest} for v in versions],
                    "version": shown["version"], "on_date": shown["on_date"],
                    "trees": national_view.trees(shown["levels"]),
                    "unverified": national_view.unverified(shown["levels"]),
                    "may_load": access.is_admin(ctx["principal"])}

        response = self._page(request, "national", build, needs_plan=False)
        if failure and response.status_code == 200:
            response.status_code = failure["status"]
        return response

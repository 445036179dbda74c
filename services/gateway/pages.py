"""The dashboard's pages (entrypoints only): server-rendered from the same service answers as
the JSON API, with the same scopes. Mixed into GatewayService, which owns the dependencies."""
from __future__ import annotations

import json
import mimetypes
import time
from collections import defaultdict, deque
from datetime import datetime
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import logging

import eventlet
from nameko.exceptions import RemoteError
from .web import http
from werkzeug.wrappers import Response

from services.contracts import access
from services.infra import report_workbook
from services.contracts.errors import ServiceError
from services.contracts.periods import last_ended_period
from services.contracts.plans import holds_sample, iter_indicators

from . import dashboard, problem_form
from .evidence_links import with_links
from .rpc import call
from .auth import AuthError
from .sessions import check_csrf, signed_in

BANGKOK = ZoneInfo("Asia/Bangkok")
log = logging.getLogger(__name__)
LANG_COOKIE = "cp_lang"


class RateLimit:
    """At most ``limit`` requests per ``window`` seconds from one client address (in memory:
    enough to stop a password-guessing loop against one gateway)."""

    def __init__(self, limit: int, window: float):
        self.limit, self.window = limit, window
        self.seen: dict[str, deque] = defaultdict(deque)

    def allow(self, client: str | None, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        hits = self.seen[client or "?"]
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        return True


LOGIN_LIMITS: dict[int, RateLimit] = {}  # by LOGIN_LIMIT_PER_MINUTE (one per gateway process)


def login_limit(config) -> RateLimit:
    """Sign-in attempts (and reset requests) per client address a minute: LOGIN_LIMIT_PER_MINUTE,
    default 10. A whole office behind one address may need more; each account's own lockout
    (accounts/) holds whatever this allows."""
    per_minute = int(config.get("LOGIN_LIMIT_PER_MINUTE") or 10)
    return LOGIN_LIMITS.setdefault(per_minute, RateLimit(per_minute, 60.0))


PUBLIC_LIMIT = RateLimit(600, 60.0)  # /health and /openapi.json: generous, but bounded


def too_many() -> Response:
    return Response(json.dumps({"error": {"code": "rate_limited",
                                          "message": "too many requests; wait a minute"}}),
                    status=429, mimetype="application/json", headers={"Retry-After": "60"})


def html(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="text/html",
                    headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"})


def redirect(to: str) -> Response:
    return Response("", status=303, headers={"Location": to})


class DashboardPages:
    @http("GET", "/static/<path:name>")
    def static(self, request, name):
        path = (dashboard.STATIC / name).resolve()
        if dashboard.STATIC.resolve() not in path.parents or not path.is_file():
            return Response("not found", status=404)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return Response(path.read_bytes(), mimetype=kind,
                        headers={"Cache-Control": "public, max-age=3600"})

    @http("GET", "/")
    def overview_page(self, request):
        return self._page(request, "overview", self._overview)

    @http("GET", "/projects")
    def projects_page(self, request):
        return self._page(request, "projects", lambda ctx: {
            "rows": self._call("reporting", "project_status", ctx["plan"]["id"])["projects"],
            # the eMENSCR workbook of each year with projects: the cluster's (api/emenscr.py)
            "emenscr_years": [] if ctx["principal"].role == "province" else sorted(
                {p["fiscal_year"] for p in ctx["plan"]["projects"]})})

    @http("GET", "/completeness")
    def completeness_page(self, request):
        def build(ctx):
            found = self._call("reporting", "completeness", ctx["plan"]["id"], ctx["period"])
            rows = found["provinces"]
            if ctx["principal"].role == "province":
                rows = [r for r in rows if r["province"] == ctx["principal"].scope]
            return {"rows": rows, "approved": found["approved"], "all_provinces":
                    len(found["provinces"]), "approved_on_time": found["approved_on_time"]}
        return self._page(request, "completeness", build)

    @http("GET", "/problems")
    def problems_page(self, request):
        def build(ctx):
            own = access.own_province(ctx["principal"], None)
            return {"rows": self._call("reporting", "problems", ctx["plan"]["id"], None, None,
                                       [own] if own else None, None)}
        return self._page(request, "problems", build)

    @http("GET", "/rejections")
    def rejections_page(self, request):
        def build(ctx):
            principal = ctx["principal"]
            clusters = self._call("plans", "list_clusters")["clusters"]
            provinces = access.rejection_provinces(principal, None, clusters)
            plans = self._call("plans", "list_plans") if principal.role in ("osm", "auditor") else []
            agencies = access.rejection_agencies(principal, None, plans)
            return {"rows": self._call("reporting", "list_rejections", provinces, 200, agencies)}
        return self._page(request, "rejections", build, needs_plan=False)

    @http("GET", "/flags")
    def flags_page(self, request):
        def build(ctx):
            own = access.own_province(ctx["principal"], None)
            return {"rows": self._call("reporting", "list_flags", ctx["plan"]["id"], None,
                                       [own] if own else None)}
        return self._page(request, "flags", build)

    # --- province reporting: the upload, and what the province has sent ----------------------

    @http("GET", "/report")
    def report_page(self, request):
        def build(ctx):
            plan, principal = ctx["plan"], ctx["principal"]
            # the upload is the sender's: of a province's people its planner (the approver
            # certifies), as the API's send answers (access.sends_reports)
            province = principal.scope if access.sends_reports(principal) else None
            due = [p for p in dashboard.periods_of(plan) if province and
                   report_workbook.due_items(plan, province, p)["indicators"]]
            words = dashboard.words(ctx["lang"])
            return {"province": province, "due_periods": due,
                    "status_words": {k: words[k] for k in ("in_force", "superseded", "rejected",
                                                           "pending", "ok_row", "problem")}}
        return self._page(request, "report", build)

    @http("GET", "/my-reports")
    def my_reports_page(self, request):
        def build(ctx):
            plan, principal = ctx["plan"], ctx["principal"]
            if principal.role != "province":
                return {"province": None}
            province, today = principal.scope, datetime.now(BANGKOK).date()
            kinds = sorted({i["frequency"] for _, i in iter_indicators(plan)})
            due = []
            for period in [last_ended_period(kind, today) for kind in kinds]:
                rows = self._call("reporting", "completeness", plan["id"], period)["provinces"]
                due += [{**r, "period": period} for r in rows if r["province"] == province]
            reports = with_links(self._call("reporting", "reports", plan["id"], province, None,
                                            None, None))
            return {"province": province, "due": due, "reports": reports["reports"],
                    "rejected": self._call("reporting", "list_rejections", [province], 100)}
        return self._page(request, "my_reports", build)

    @http("GET", "/project-report")
    def project_report_page(self, request):
        """Project progress by form: an implementing agency its projects, a province the
        projects running in it - each (project, province) with what is in force now."""
        def build(ctx):
            plan, principal = ctx["plan"], ctx["principal"]
            in_force = {(r["project"], r["province"]): r
                        for r in self._call("reporting", "project_progress", plan["id"])}
            rows = (dashboard.progress_rows(plan, principal.role, principal.scope, in_force,
                                            ctx["lang"])
                    if access.sends_project_reports(principal) else [])  # an approver: none
            for row in rows:  # its problems in force, to update with the next report
                row["problem_items"] = problem_form.items_in_force(row["project"], row["current"])
            words = dashboard.words(ctx["lang"])
            choices = problem_form.problem_choices(
                plan, self._call("reporting", "problem_causes"), ctx["lang"])
            implementing = {p["code"]: p.get("implementing_agency") for p in plan["projects"]}
            return {"rows": rows, "stages": dashboard.stage_choices(ctx["lang"]),
                    "pw": problem_form.problem_words(ctx["lang"]), "choices": choices,
                    "implementing": implementing,
                    "today": datetime.now(BANGKOK).date().isoformat(),
                    "status_words": {k: words[k] for k in ("in_force", "superseded", "rejected",
                                                           "pending", "sent_none")}}
        return self._page(request, "project_report", build)

    @http("POST", "/project-report/send")
    def project_report_send(self, request):
        return self._as_logged_in(request, self.send_project_reports)

    @http("POST", "/report/check")
    def report_check(self, request):
        return self._as_logged_in(request, self.check_report_workbook)

    @http("POST", "/report/send")
    def report_send(self, request):
        return self._as_logged_in(request, self.send_report_workbook)

    @http("GET", "/report/status")
    def report_status_of_page(self, request):
        return self._as_logged_in(request, self.report_status)

    def _as_logged_in(self, request, api_handler, *args):
        """The upload page's requests, on the login cookie: the same API handler, only from a
        page of this site (the cookie is SameSite=Strict; the Origin, when sent, must match)."""
        origin = request.headers.get("Origin")
        if origin and urlsplit(origin).netloc != request.host:
            return Response(json.dumps({"error": {"code": "forbidden", "message":
                                                  "cross-site request refused"}}), status=403,
                            content_type="application/json")
        # the handler finds the session (and checks its CSRF token) as for any API request
        return api_handler(request, *(args or (request.args.get("plan", ""),)))

    # --- the page frame ------------------------------------------------------------------------

    def _overview(self, ctx):
        plan, period, lang = ctx["plan"], ctx["period"], ctx["lang"]
        results = access.results_for(ctx["principal"], self._call(
            "reporting", "indicator_results", plan["id"], period))["results"]
        context = {"groups": dashboard.by_issue(plan, results, lang), "trend": None,
                   "download": f"/api/plans/{plan['id']}/indicator-results?"
                               + urlencode({"period": period, "format": "xlsx"})}
        code = ctx["request"].args.get("trend")
        if code and any(r["indicator"] == code for r in results):
            series = self._call("reporting", "indicator_series", plan["id"], code)["series"]
            context["trend"] = {"indicator": code}
            context["trend_json"] = json.dumps({
                "labels": [s["label_th" if lang == "th" else "label_en"] for s in series],
                "values": [s["value"] for s in series], "targets": [s["target"] for s in series],
                "value_label": dashboard.words(lang)["value"],
                "target_label": dashboard.words(lang)["target"]},
                ensure_ascii=False).replace("</", "<\\/")
        return context

    def _page(self, request, page, build, needs_plan=True):
        try:
            return self._render_page(request, page, build, needs_plan)
        except (RemoteError, ServiceError, eventlet.Timeout) as exc:  # a service failed or is away
            status = 504 if isinstance(exc, eventlet.Timeout) else 502
            log.error("dashboard %s: %s", request.path, exc)
            words = dashboard.words(self._lang(request))
            return html(f"<!doctype html><meta charset='utf-8'><title>{words['title']}</title>"
                        f"<p>{'ระบบบางส่วนไม่ตอบสนอง ลองใหม่อีกครั้ง' if self._lang(request) == 'th' else 'A service did not answer; try again shortly.'}"
                        f" ({status})</p><p><a href='/'>{words['overview']}</a></p>", status)

    def _render_page(self, request, page, build, needs_plan=True):
        lang = self._lang(request)
        browser = signed_in(self, request)
        if browser is None:
            return redirect("/login?" + urlencode({"lang": lang, "next": request.full_path.rstrip("?")}))
        principal = browser.who
        if principal.role == "agency" and page not in dashboard.AGENCY_PAGES \
                and request.method == "GET":  # a form it sent is refused below, not sent away
            return redirect(f"/assets?lang={lang}")  # its transfers, and its projects' progress
        # drafts have no reports yet (reporting learns a plan when it is published)
        plans = [p for p in access.visible_plans(principal, self._call("plans", "list_plans"))
                 if p["status"] != "draft"]
        chosen = request.args.get("plan")
        summary = next((p for p in plans if p["id"] == chosen), plans[0] if plans else None)
        plan = self._call("plans", "get_plan", summary["id"]) if summary else None
        if not dashboard.may_open(principal, page):  # the one page rule: refused, in the frame
            context = self._frame(principal, page, lang, plans, plan, None, request)
            return html(dashboard.render("refused", lang, **{**context, "csrf": browser.csrf}), 403)
        if needs_plan and plan is None:  # a key that sees no plan yet
            return html(f"<!doctype html><meta charset='utf-8'><p>{dashboard.words(lang)['none']}"
                        "</p><form method='post' action='/logout'><input type='hidden' name='csrf' "
                        f"value='{browser.csrf}'><button>{dashboard.words(lang)['logout']}</button></form>")
        period = None
        if plan:
            today = datetime.now(BANGKOK).date()
            choices = dashboard.periods_of(plan)
            period = request.args.get("period")
            if period not in choices:
                period = dashboard.default_period(plan, today)
        ctx = {"principal": principal, "plan": plan, "period": period, "lang": lang,
               "request": request}
        context = self._frame(principal, page, lang, plans, plan, period, request)
        context["csrf"] = browser.csrf
        context.update(build(ctx))
        response = html(dashboard.render(page, lang, **context))
        if request.args.get("lang") in dashboard.LANGUAGES:
            response.set_cookie(LANG_COOKIE, lang, samesite="Strict", max_age=365 * 86400)
        return response

    def _frame(self, principal, page, lang, plans, plan, period, request):
        clusters = self._call("plans", "list_clusters")["clusters"]
        names = {p["code"]: p["name_th" if lang == "th" else "name_en"]
                 for c in clusters for p in c["provinces"]}
        provinces = [] if plan is None else (
            [principal.scope] if principal.role == "province" else plan["provinces"])
        query = urlencode({k: v for k, v in (("plan", plan and plan["id"]), ("period", period)) if v})
        return {"page": page, "plan": plan, "plans": plans, "period": period,
                "periods": dashboard.periods_of(plan) if plan and page in ("overview", "completeness") else [],
                "provinces": provinces, "province_names": names,
                "who": self._who_label(principal, lang, clusters),
                "nav": dashboard.nav_for(principal),
                "query": query, "download": None, "sample": holds_sample(plan),
                "csrf": ""}  # the session's CSRF token (set by _render_page): every POST sends it

    def _who_label(self, who, lang, clusters=None) -> str:
        """The header's name for ``who``, its organisation by name (the code when it has none)."""
        if who.scope is None:
            return dashboard.who_label(who, lang, None)
        key = "name_th" if lang == "th" else "name_en"
        if who.role == "agency":  # an agency's name: the directory's
            orgs = self._call("plans", "list_agencies")
        else:
            clusters = clusters or self._call("plans", "list_clusters")["clusters"]
            orgs = clusters if who.role in ("osm", "auditor") else \
                [p for c in clusters for p in c["provinces"]]
        name = next((o.get(key) or o["code"] for o in orgs if o["code"] == who.scope), who.scope)
        return dashboard.who_label(who, lang, name)

    def _posting_browser(self, request):
        """The signed-in browser of a form's POST, its CSRF token checked: (browser, None), or
        (None, the answer to give: to the login page, or 403 with what is wrong)."""
        browser = signed_in(self, request)
        if browser is None:
            return None, redirect("/login")
        try:
            check_csrf(request, browser)
        except AuthError as exc:
            return None, html(f"<!doctype html><meta charset='utf-8'><p>{exc.message}</p>", 403)
        return browser, None

    def _lang(self, request) -> str:
        lang = request.args.get("lang") or request.form.get("lang") or request.cookies.get(LANG_COOKIE)
        return lang if lang in dashboard.LANGUAGES else "th"

    def _call(self, service, method, *args):
        return call(getattr(self, service), method, *args)

"""The approvals page (/approvals): a plan's provinces for a period - its state, who took the last
step and when, the comment, the history - and, for the signed-in person, a form for each step
the rule lets them take now (submit, approve, accept, reopen with a reason); below, every period
begun by every province. A form posts here with the session's CSRF token, the approval's version
and its figures token, and goes through the JSON API's own handler (api/approvals.py), so it is
kept in the audit log and refused exactly as a script would be: the refusal is shown on the page
with what was typed. The mails link here with ?plan=&period=&province= (that row is marked).
Mixed into GatewayService."""
from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import urlencode

from services.contracts import access
from services.contracts import approvals as rule

from . import approval_view, dashboard
from .api.approvals import list_approvals_as
from .audit.words import when
from .form_requests import json_request
from .pages import BANGKOK, redirect
from .web import http


def _whole(text: str | None):
    """A form's number as the API takes it (what is not one goes on as text, to be refused)."""
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() else (text or None)  # not "²"


class ApprovalPages:
    @http("GET", "/approvals")
    def approvals_page(self, request):  # who may open it: dashboard.PAGE_RULES
        done = request.args.get("done")
        return self._page(request, "approvals", self._approvals_view(
            request, done=done if done in rule.STEP_NAMES else None))

    @http("POST", "/approvals")
    def approvals_form(self, request):
        """One step, from its form: plan, period and province in the address (the page it is
        on), step, version, figures and comment in the form."""
        args, form = request.args, request.form
        where = {k: args.get(k, "") for k in ("plan", "period", "province")}
        body = {"step": form.get("step"), "version": _whole(form.get("version")),
                "figures": _whole(form.get("figures")), "comment": form.get("comment") or None}
        answer = self._as_logged_in(json_request(request, body), self.take_approval_step,
                                    where["plan"], where["period"], where["province"])
        lang = self._lang(request)
        if answer.status_code < 300:
            return redirect("/approvals?" + urlencode({**where, "lang": lang, "done": body["step"]})
                            + f"#approval-{where['province']}")
        if answer.status_code == 401:
            return redirect(f"/login?lang={lang}")
        try:
            message = json.loads(answer.get_data(as_text=True))["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = answer.get_data(as_text=True)[:300]
        refused = {"province": where["province"], "step": body["step"], "message": message,
                   "comment": form.get("comment") or ""}
        response = self._page(request, "approvals", self._approvals_view(request, refused=refused))
        if response.status_code == 200:
            response.status_code = answer.status_code
        return response

    def _approvals_view(self, request, done=None, refused=None):
        def build(ctx):
            who, plan, lang = ctx["principal"], ctx["plan"], ctx["lang"]
            rows = list_approvals_as(self, who, plan, None, None)
            periods = approval_view.periods_of(rows)
            period = request.args.get("period")
            if period not in periods:
                period = approval_view.default_period(periods, datetime.now(BANGKOK).date())
            highlight = request.args.get("province")
            names = self._place_names(lang)
            shown = [self._approval_row(r, lang, names) for r in rows if r["period"] == period]
            provinces = [r["province"] for r in shown]
            if refused:  # its form may be gone (the state moved on): what was typed is kept anyway
                refused["form_kept"] = any(r["province"] == refused["province"] and
                                           refused["step"] in r["next_steps"] for r in shown)
            query = {"plan": plan["id"], "period": period or "", "lang": lang}
            return {"periods": periods, "period": period, "rows": shown,
                    "matrix": approval_view.matrix(rows, provinces), "highlight": highlight,
                    "done": done, "refused": refused,
                    "state_name": lambda s: approval_view.state_name(s, lang),
                    "short_state": lambda s: approval_view.short_state(s, lang),
                    "step_name": lambda s: approval_view.step_name(s, lang),
                    "form_query": lambda province: urlencode({**query, "province": province}),
                    "period_query": lambda other: urlencode({**query, "period": other}),
                    "query": urlencode({k: v for k, v in (("plan", plan["id"]), ("period", period),
                                                          ("province", highlight)) if v})}
        return build

    def _place_names(self, lang: str) -> dict:
        """Provinces and clusters by name, in the page's language."""
        key = "name_th" if lang == "th" else "name_en"
        clusters = self._call("plans", "list_clusters")["clusters"]
        return {**{c["code"]: c.get(key) or c["code"] for c in clusters},
                **{p["code"]: p.get(key) or p["code"] for c in clusters for p in c["provinces"]}}

    @staticmethod
    def _approval_row(row: dict, lang: str, names: dict) -> dict:
        def step_shown(step):
            return {"step": step["step"], "step_name": approval_view.step_name(step["step"], lang),
                    "by": _signer(step, lang, names), "when": when(step["at"], lang),
                    "comment": step.get("comment") or ""}
        return {**row, "name": names.get(row["province"], row["province"]),
                "last_shown": step_shown(row["last"]) if row["last"] else None,
                "history": [step_shown(s) for s in reversed(row["steps"])]}


def _signer(step: dict, lang: str, names: dict) -> str:
    """Who took a step, by name: the person and their role and organisation - or an
    organisation's key - never the codes its ``by`` is kept with."""
    person, _, organisation = (step.get("by") or "").rpartition(" · ")
    scope = organisation.partition(":")[2] or None
    who = access.Who(step.get("by_role") or organisation.partition(":")[0], scope,
                     person or None, step.get("by_duty"))
    return dashboard.who_label(who, lang, names.get(scope, scope) if scope else None)

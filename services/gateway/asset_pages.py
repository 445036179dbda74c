"""The dashboard's asset pages (entrypoints only, mixed into GatewayService like pages.py): the
list, an asset's own page - the asset, its custodian and transfer by name, its ledger and a form
for each step the viewer may take now - and the registration form.

Every form posts to a page route that turns its fields into the JSON body of the API's handler
(asset_forms.py) and calls that handler through ``_as_logged_in``: the rules, the access rule,
the events and the messages are the API's own. After a step the browser is sent back (303) to
the asset's page; a refusal is shown on the page, in Thai and English with the API's message,
the form keeping what was typed."""
from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import quote, urlencode


from services.contracts import access
from services.contracts.errors import NotFound

from . import asset_forms as forms
from .dashboard import day_label, number
from .form_requests import json_request
from .pages import BANGKOK, html, redirect
from .web import http


def _path(code: str) -> str:
    return f"/assets/{quote(code, safe='')}"


def _message(answer) -> str:
    try:
        return json.loads(answer.get_data(as_text=True))["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return answer.get_data(as_text=True)[:500]


def _when(iso: str | None, lang: str) -> str:
    """A moment of the ledger as a person in Thailand reads it: the day and the local time."""
    if not iso:
        return "-"
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is not None:
        moment = moment.astimezone(BANGKOK)
    return f"{day_label(moment.date().isoformat(), lang)} {moment:%H:%M}"


class AssetPages:
    @http("GET", "/assets")
    def assets_page(self, request):
        def build(ctx):
            who, lang = ctx["principal"], ctx["lang"]
            world = self._asset_world(who)
            found = self._call("assets", "list_assets", {}, [who.role, who.scope])
            rows = [self._asset_row(a, world, lang) for a in found]
            moving = sorted((r for r in rows if r["transfer"]),
                            key=lambda r: (not r["transfer_overdue"], r["code"]))
            return {"rows": moving, "all_rows": sorted(rows, key=lambda r: r["code"]),
                    "aw": forms.pick(forms.WORDS, lang), "can_register": bool(world["projects"])}
        return self._page(request, "assets", build, needs_plan=False)

    @http("GET", "/assets/<string:code>")
    def asset_page(self, request, code):
        missing = []
        response = self._page(request, "asset",
                              lambda ctx: self._asset_view(ctx, code, missing=missing),
                              needs_plan=False)
        if missing and response.status_code == 200:
            response.status_code = 404
        return response

    @http("POST", "/assets/<string:code>/<string:word>")
    def asset_step_form(self, request, code, word):
        step = forms.STEP_OF_WORD.get(word)
        if step is None:
            return html("<!doctype html><meta charset='utf-8'><p>ไม่มีขั้นตอนนี้ / no such "
                        f"step (steps: {', '.join(forms.STEP_OF_WORD)})</p>", 404)
        answer = self._as_logged_in(json_request(request, forms.step_body(step, request.form)),
                                    getattr(self, f"asset_{step}"), code)
        return self._answered(request, answer, f"{_path(code)}?done={step}", "asset",
                              lambda ctx, refused: self._asset_view(
                                  ctx, code, refused=refused, step=step, typed=request.form))

    @http("GET", "/assets/<string:code>/<string:word>")
    def asset_step_link(self, request, code, word):
        """A refused form's page is at its POST address: its language switch (a GET there)
        goes back to the asset's page."""
        query = urlencode([(k, v) for k, v in request.args.items() if k in ("lang", "plan")])
        return redirect(f"{_path(code)}?{query}")

    @http("GET", "/register-asset")
    def register_asset_page(self, request):
        return self._page(request, "register_asset", lambda ctx: self._register_view(ctx),
                          needs_plan=False)

    @http("POST", "/register-asset")
    def register_asset_form(self, request):
        body = forms.registration_body(request.form)
        answer = self._as_logged_in(json_request(request, body),
                                    lambda api_request, *_: self.register_asset(api_request))
        return self._answered(request, answer, f"{_path(body['code'])}?done=register",
                              "register_asset", lambda ctx, refused: self._register_view(
                                  ctx, refused=refused, typed=request.form))

    # --- what the pages show ---------------------------------------------------------------------

    def _answered(self, request, answer, done_to: str, page: str, build):
        """Back to the asset's page after a step (303); a refusal shown on the form's page with
        the API's status, what was typed kept."""
        if answer.status_code < 300:
            return redirect(done_to)
        if answer.status_code == 401:  # not (or no longer) logged in
            return redirect(f"/login?lang={self._lang(request)}")
        refused = forms.refusal(answer.status_code, _message(answer))
        response = self._page(request, page, lambda ctx: build(ctx, refused), needs_plan=False)
        if response.status_code == 200:
            response.status_code = answer.status_code
        return response

    def _asset_world(self, who) -> dict:
        """Names and choices the asset pages need: every agency by code (the directory, with
        the published plans' own entries for any it lacks), the agencies a transfer may go to
        (the published plans' - those the assets service knows), the projects whose assets
        ``who`` may register, clusters and provinces by code."""
        agencies = {a["code"]: a for a in self._call("plans", "list_agencies")}
        receivable, projects = {}, []
        for summary in self._call("plans", "list_plans"):
            if summary.get("status") == "draft":
                continue
            plan = self._call("plans", "get_plan", summary["id"])
            for agency in plan.get("agencies", []):
                agencies.setdefault(agency["code"], agency)
                receivable[agency["code"]] = agency
            projects += [{**p, "plan_id": plan["id"],
                          "provinces": p.get("provinces") or plan["provinces"]}
                         for p in plan.get("projects", [])
                         if access.can_register_asset(who, plan["cluster"],
                                                      p.get("implementing_agency"))]
        clusters = self._call("plans", "list_clusters")["clusters"]
        return {"agencies": agencies, "receivable": receivable, "projects": projects,
                "clusters": {c["code"]: c for c in clusters},
                "provinces": {p["code"]: p for c in clusters for p in c["provinces"]}}

    @staticmethod
    def _province_name(code, world, lang) -> str:
        entry = world["provinces"].get(code) or {}
        return entry.get(f"name_{lang}") or code or "-"

    def _asset_row(self, asset: dict, world: dict, lang: str) -> dict:
        """An asset as the pages show it: names, not codes."""
        names = world["agencies"]
        transfer = asset.get("transfer") or {}
        return {**asset, "href": _path(asset["code"]),
                "description": asset.get(f"description_{lang}") or asset["description_th"],
                "status_label": asset["status_th"] if lang == "th"
                else forms.STATUS_EN.get(asset["status"], asset["status"]),
                "category_label": asset["category_th"] if lang == "th"
                else asset["category"].replace("_", " "),
                "custodian_name": forms.agency_name(asset["custodian"], names, lang),
                "implementing_name": forms.agency_name(asset.get("implementing_agency"), names, lang),
                "province_name": self._province_name(asset["location"]["province"], world, lang),
                "to_name": forms.agency_name(transfer["to"], names, lang) if transfer else None,
                "from_name": forms.agency_name(transfer["from"], names, lang) if transfer else None}

    def _ledger_rows(self, ledger: list[dict], world: dict, lang: str) -> list[dict]:
        names, i = world["agencies"], 0 if lang == "th" else 1
        rows = []
        for entry in ledger:
            details, said = entry.get("details") or {}, []
            if entry["action"] in ("request", "accept", "reject", "cancel") and details.get("to"):
                said.append(f"{forms.WORDS['from'][i]} {forms.agency_name(details.get('from'), names, lang)} "
                            f"→ {forms.agency_name(details['to'], names, lang)}")
            if details.get("due_by"):
                said.append(f"{forms.WORDS['due_by'][i]} {day_label(details['due_by'], lang)}")
            if details.get("maintenance"):
                m = details["maintenance"]
                said.append(f"{forms.WORDS['m_agency'][i]} {forms.agency_name(m.get('agency'), names, lang)}, "
                            f"{forms.WORDS['m_budget'][i]} {number(m.get('budget_thb'))}"
                            + (f" ({m['note']})" if m.get("note") else ""))
            if entry["action"] == "audit":
                said.append(f"{forms.WORDS['found_yes' if details.get('found') else 'found_no'][i]}, "
                            f"{forms.CONDITIONS.get(details.get('condition'), ('-', '-'))[i]}, "
                            f"{day_label(details.get('on'), lang)}")
            rows.append({"seq": entry["seq"], "action": entry["action"],
                         "when": _when(entry["at"], lang),
                         "who": forms.actor_name(entry["by"], names, world["clusters"], lang),
                         "what": forms.action_label(entry["action"], lang),
                         "reason": entry.get("reason") or "", "documents": [
                             {**d, "kind_label": forms.DOC_KINDS.get(d.get("kind"), (d.get("kind"),) * 2)[i],
                              "day": day_label(d.get("date"), lang) if d.get("date") else ""}
                             for d in entry.get("documents") or []],
                         "details": said})
        return rows

    def _asset_view(self, ctx, code, refused=None, step=None, typed=None, missing=None):
        who, lang = ctx["principal"], ctx["lang"]
        aw, actor = forms.pick(forms.WORDS, lang), [who.role, who.scope]
        base = {"aw": aw, "code": code, "refused": refused, "done": None, "asset": None}
        try:
            asset = self._call("assets", "get_asset", code, actor)
            ledger = self._call("assets", "asset_history", code, actor)["ledger"]
        except NotFound:
            if missing is not None:
                missing.append(code)
            return base
        world = self._asset_world(who)
        names = world["agencies"]
        shown = self._asset_row(asset, world, lang)
        steps = [s for s in asset.get("next_steps", []) if access.may_step_asset(who, s, asset)]
        done = ctx["request"].args.get("done")
        by_name = lambda pairs: sorted(pairs, key=lambda p: p[1])  # noqa: E731
        return {**base, "asset": shown, "ledger": self._ledger_rows(ledger, world, lang),
                "steps": steps, "step_words": forms.pick(forms.STEP_WORDS, lang),
                "words_of": forms.WORD_OF_STEP, "failed_step": step,
                # what was typed into the refused form, to fill it again; others start empty
                "typed": {k: v for k, v in (typed or {}).items() if k != "csrf"},
                "done": forms.pick(forms.STEP_WORDS, lang).get(done) and
                forms.action_label(done, lang),
                "receivers": by_name((c, forms.agency_name(c, names, lang))
                                     for c in world["receivable"] if c != asset["custodian"]),
                "maintainers": by_name((c, forms.agency_name(c, names, lang)) for c in names),
                "conditions": forms.pick(forms.CONDITIONS, lang),
                "doc_kinds": forms.pick(forms.DOC_KINDS, lang), "doc_numbers": range(forms.DOC_ROWS),
                "today": datetime.now(BANGKOK).date().isoformat(),
                "maintenance_name": forms.agency_name((asset.get("maintenance") or {}).get("agency"),
                                                      names, lang),
                "history_xlsx": f"/api/assets/{quote(code, safe='')}/history?"
                                + urlencode({"format": "xlsx"})}

    def _register_view(self, ctx, refused=None, typed=None):
        who, lang = ctx["principal"], ctx["lang"]
        world = self._asset_world(who)
        names = world["agencies"]
        provinces = sorted({p for project in world["projects"] for p in project["provinces"]})
        return {"aw": forms.pick(forms.WORDS, lang), "refused": refused,
                "failed_step": "register", "register_word": forms.pick(forms.STEP_WORDS, lang)["register"],
                "typed": {k: v for k, v in (typed or {}).items() if k != "csrf"},
                "projects": [(p["code"], f"{p['code']} {p.get(f'title_{lang}') or p.get('title_th', '')}")
                             for p in world["projects"]],
                "provinces": [(p, self._province_name(p, world, lang)) for p in provinces],
                "custodians": sorted(((c, forms.agency_name(c, names, lang))
                                      for c in world["receivable"]), key=lambda p: p[1]),
                "own_agency": who.scope if who.role == access.AGENCY else "",
                "categories": forms.category_choices(lang),
                "doc_kinds": forms.pick(forms.DOC_KINDS, lang), "doc_numbers": range(forms.DOC_ROWS),
                "this_year": datetime.now(BANGKOK).year + 543}

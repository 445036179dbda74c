"""The province's data-entry form (/report-entry): the indicator values due for a period, typed
in the browser instead of a workbook. Sending goes through the JSON API's own handler
(``POST /api/plans/{id}/reports``, api/entries.py) on the login, so the rules, the report
bodies, the event ids and the events on the bus are the workbook's; each row is then followed
on /report/status as the upload page does. Mixed into GatewayService."""
from __future__ import annotations

from services.contracts import access
from services.contracts.periods import parse_period
from services.contracts.rules import describe_indicator_rules
from services.contracts.targets import province_fiscal_year_target
from services.infra import report_workbook

from . import dashboard
from .web import http


def entry_rows(plan: dict, province: str, period: str, last: dict, lang: str) -> list[dict]:
    """Each indicator due from ``province`` for ``period``, as the form shows it: its name, unit,
    the province's own target for the year (else the cluster's), the value in force now and
    the range the intake accepts."""
    fy_key = f"FY{parse_period(period).fiscal_year}"
    last_values = (last or {}).get("indicators") or {}
    rows = []
    for indicator in report_workbook.due_items(plan, province, period)["indicators"]:
        own = province_fiscal_year_target(indicator, province, period)
        accepted_en, accepted_th = describe_indicator_rules(indicator)
        rows.append({"code": indicator["code"], "name_th": indicator.get("name_th") or "",
                     "name_en": indicator.get("name_en") or "", "unit": indicator.get("unit"),
                     "own_target": own is not None,
                     "target": own if own is not None else
                     (indicator.get("targets") or {}).get(fy_key),
                     "last": last_values.get(indicator["code"]),
                     "accepted": accepted_th if lang == "th" else accepted_en})
    return rows


class EntryPages:
    @http("GET", "/report-entry")
    def report_entry_page(self, request):
        def build(ctx):
            plan, principal, lang = ctx["plan"], ctx["principal"], ctx["lang"]
            if not access.sends_reports(principal):  # an OSM, the admin, a province's approver
                return {"province": None}            # send nothing: no form
            province = principal.scope
            due = [p for p in dashboard.periods_of(plan)
                   if report_workbook.due_items(plan, province, p)["indicators"]]
            period = next((p for p in (request.args.get("period"), ctx["period"]) if p in due),
                          due[0] if due else None)
            rows = []
            if period:
                last = self._call("reporting", "last_reported", plan["id"], province, period)
                rows = entry_rows(plan, province, period, last, lang)
            words = dashboard.words(lang)
            return {"province": province, "due_periods": due, "entry_period": period,
                    "rows": rows, "status_words": {k: words[k] for k in (
                        "in_force", "superseded", "rejected", "pending", "not_sent_yet",
                        "sending", "nothing_typed", "entry_refused")}}
        return self._page(request, "report_entry", build)

    @http("POST", "/report-entry/send")
    def report_entry_send(self, request):
        return self._as_logged_in(request, self.send_reports)

"""The audit log page (/audit): the acts the asker may read (api/audit.py decides which), newest
first, filtered by day, person, kind of act or a single act, and what was acted on; each with
who (name, duty, organisation by name), when (Bangkok, B.E. in Thai), what changed and why; a
download of everything filtered. Mixed into GatewayService."""
from __future__ import annotations

from urllib.parse import urlencode

from services.contracts import access

from . import dashboard
from .api import users as users_api
from .api.audit import audit_query
from .api.common import ApiError
from .audit import words as audit_words
from .audit.record import as_text
from .auth import AuthError
from .web import http

PAGE_SIZE = 100


class AuditPages:
    @http("GET", "/audit")
    def audit_page(self, request):  # who may open it: dashboard.PAGE_RULES
        return self._page(request, "audit", self._audit_view(request), needs_plan=False)

    def _audit_view(self, request):
        def build(ctx):
            who, lang = ctx["principal"], ctx["lang"]
            args = request.args
            try:
                offset = max(0, int(args.get("offset") or 0))
            except ValueError:
                offset = 0
            error, records, total = None, [], 0
            try:
                query = audit_query(self, who, args)
                records, total = self.audit.find(query["filters"], query["clusters"],
                                                 PAGE_SIZE, offset)
            except (ApiError, AuthError) as exc:
                error = exc.message
            orgs = users_api.directory(self)
            filters = {k: args.get(k, "") for k in ("since", "until", "person", "act", "target")}
            shown = {k: v for k, v in filters.items() if v}
            return {"rows": [row(r, orgs, lang) for r in records], "total": total,
                    "offset": offset, "page_size": PAGE_SIZE, "filters": filters,
                    "error": error, "acts": act_choices(lang), "columns": audit_words.COLUMNS,
                    "older": urlencode({**shown, "lang": lang, "offset": offset + PAGE_SIZE})
                    if offset + PAGE_SIZE < total else None,
                    "newer": urlencode({**shown, "lang": lang,
                                        "offset": max(0, offset - PAGE_SIZE)}) if offset else None,
                    "csv": urlencode({**shown, "format": "csv"}),
                    "xlsx": urlencode({**shown, "format": "xlsx"})}
        return build


def act_choices(lang: str) -> list[tuple[str, str]]:
    """The kinds of act, then each act, by name."""
    words = dashboard.words(lang)
    kinds = [(k, words[f"kind_{k}"]) for k in audit_words.KINDS]
    acts = [(a, f"· {audit_words.act_name(a, lang)}") for a in audit_words.ACT_NAMES]
    return kinds + acts


def row(record: dict, orgs, lang: str) -> dict:
    """One act as a person reads it: names, not codes."""
    duty = access.DUTY_NAMES.get(record.get("duty") or "")
    organisation = record.get("organisation")
    return {"when": audit_words.when(record["at"], lang), "at": record["at"],
            "person": record.get("person") or "",
            "duty": duty[0 if lang == "th" else 1] if duty else record.get("role"),
            "organisation": orgs.name(organisation, lang) if organisation else "",
            "act": audit_words.act_name(record["act"], lang), "act_code": record["act"],
            "target": record.get("target") or "",
            "changes": [(c["field"], as_text(c["before"]), as_text(c["after"]))
                        for c in record.get("changes") or []],
            "outcome": as_text(record.get("answer")) if record.get("answer") else "",
            "reason": record.get("reason") or "",
            "via": audit_words.via_name(record.get("via"), lang)}

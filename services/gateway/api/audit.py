"""The audit log over HTTP: who did what, when, to what, before and after, and why - filtered,
a page at a time, or whole as CSV / Excel. The admin and a national viewer read all of it; an
OSM and an auditor their cluster's (access.reads_audit)."""
from __future__ import annotations

from services.contracts import access

from ..audit import words
from ..audit.record import as_text, check_filters
from .common import ApiError, file_response, forbidden, json_response, page, principal
from .routing import AS_FILE, PAGE, RouteTable, ok, param

routes = RouteTable()
MAX_FILE_ROWS = 100_000  # a file holds the whole filtered log up to this many records
FILTER_PARAMS = (
    param("since", "from this day (Bangkok) or instant, e.g. 2026-12-01 or "
                   "2026-12-01T09:00:00+07:00"),
    param("until", "to the end of this day (Bangkok), or up to this instant"),
    param("person", "a part of the person's name or username"),
    param("organisation", "the acting organisation's code (cluster, province, agency)"),
    param("act", "an act (plan.publish) or a kind of act (plan, asset, settings, user, key)"),
    param("target", "what was acted on: a plan id, an asset code, a username, a key id"),
    param("cluster", "the cluster the act concerns"))
RECORD = {"type": "object", "required": ["id", "at", "act", "role", "via", "status"],
          "properties": {
              "id": {"type": "string"}, "at": {"type": "string", "format": "date-time"},
              "act": {"type": "string"}, "act_th": {"type": "string"},
              "act_en": {"type": "string"}, "target": {"type": ["string", "null"]},
              "cluster": {"type": ["string", "null"]}, "person": {"type": ["string", "null"]},
              "role": {"type": "string"}, "duty": {"type": ["string", "null"]},
              "organisation": {"type": ["string", "null"]},
              "via": {"type": "string", "enum": ["session", "api_key", "clusterctl"]},
              "status": {"type": "integer"}, "before": {}, "after": {},
              "changes": {"type": "array", "items": {"type": "object"}},
              "request": {}, "answer": {}, "reason": {"type": ["string", "null"]}},
          "description": "one act: who (person, role, organisation), when, what, on what, the "
                         "before and after (secrets masked), and why"}


def readable_clusters(who) -> list[str] | None:
    """None: every record; else the clusters whose records ``who`` reads."""
    if not access.reads_audit(who):
        raise forbidden("the audit log is read by the admin, a national viewer, and a "
                        "cluster's OSM and auditors / บันทึกการตรวจสอบอ่านได้เฉพาะผู้ดูแลระบบ "
                        "ผู้ดูภาพรวมระดับประเทศ สำนักงานกลุ่มจังหวัด และผู้ตรวจสอบ")
    return None if access.reads_all(who) else [who.scope]


def audit_query(gw, who, args) -> dict:
    clusters = readable_clusters(who)
    try:
        filters = check_filters(args)
    except ValueError as exc:
        raise ApiError(400, "bad_request", str(exc)) from None
    if clusters is not None and filters.get("cluster") not in (None, *clusters):
        raise forbidden(f"{who} reads the audit log of its own cluster, not "
                        f"{filters['cluster']!r}")
    return {"filters": filters, "clusters": clusters}


@routes.get("/api/audit", "The audit log, newest first: who (person and organisation) did "
                          "what, when, on what, before and after, and why (the admin and a "
                          "national viewer: all; an OSM or auditor: its cluster's)",
            query=FILTER_PARAMS + (AS_FILE,) + PAGE,
            ok=ok(RECORD, "acts", array=True, paged=True),
            errors={400: "a filter that is not a date, or too long"})
def audit_log(gw, request):
    who = principal(gw, request)
    query = audit_query(gw, who, request.args)
    fmt = request.args.get("format")
    limit, offset = page(request)
    if fmt is not None:
        limit, offset = MAX_FILE_ROWS, 0
    found, total = gw.audit.find(query["filters"], query["clusters"], limit, offset)
    found = [{**r, "act_th": words.act_name(r["act"], "th"),
              "act_en": words.act_name(r["act"], "en")} for r in found]
    if fmt is not None:
        return file_response("audit-log", fmt, *audit_table(found))
    return json_response(found, headers={"X-Total-Count": str(total)})


def audit_table(records: list[dict]) -> tuple[list[str], list[list]]:
    header = ["เมื่อ (at, UTC)", "เวลาไทย (Bangkok)", "ผู้กระทำ (person)", "บทบาท (role)",
              "ตำแหน่ง (duty)", "หน่วยงาน (organisation)", "การกระทำ (act)",
              "การกระทำ (ไทย)", "Act (English)", "สิ่งที่กระทำ (target)", "กลุ่มจังหวัด (cluster)",
              "ก่อน (before)", "หลัง (after)", "สิ่งที่เปลี่ยน (changes)", "เหตุผล (reason)",
              "ช่องทาง (via)", "คำขอ (request)", "ผล (answer)", "รหัสบันทึก (id)"]
    rows = [[r["at"], words.when(r["at"], "th"), r.get("person"), r.get("role"),
             access.DUTY_NAMES.get(r.get("duty"), ("", ""))[0] or r.get("duty"),
             r.get("organisation"), r["act"], r["act_th"], r["act_en"], r.get("target"),
             r.get("cluster"), as_text(r.get("before")), as_text(r.get("after")),
             "; ".join(f"{c['field']}: {as_text(c['before'])} → {as_text(c['after'])}"
                       for c in r.get("changes") or []),
             r.get("reason"), r.get("via"), as_text(r.get("request")), as_text(r.get("answer")),
             r["id"]] for r in records]
    return header, rows

"""Province reporting without code: the workbook a province downloads, the check of what it
uploads, and sending its rows as report events on the gateway's own route.

The rows end as the bodies a provincial system publishes (DESIGN 3.3), sent by the gateway's own
AMQP user on ``gateway.report.<province>.<kind>`` with the signed-in person in the headers
(``send``; an extension, docs/architecture.md): the intake runs the same checks on them as on
the province's own messages and keeps them as the province's - the checks shown before anything
is sent are those, asked over RPC.
Event ids are derived from the content (infra/report_workbook/): sending a workbook again
sends nothing new, and a corrected row is a new report that supersedes the old one.
"""
from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import unquote, urlsplit

from services.contracts.reports import gateway_routing_key, reported_by_headers
from services.infra import report_workbook
# Sending the rows: shared with clusterctl (report --send), so kept in infra.
from services.infra.province_send import publish, to_send  # noqa: F401

FORMATS = ("xlsx", "csv")
CHECK_TH = "ระบบรายงานจะไม่รับแถวนี้: "


class UploadError(Exception):
    """The upload as a whole is unusable (400): what is wrong, in Thai and English."""

    def __init__(self, message_en: str, message_th: str, code: str = "unreadable_workbook"):
        super().__init__(message_en)
        self.message_en, self.message_th, self.code = message_en, message_th, code


def build(plan: dict, province: str, period: str, last: dict) -> bytes:
    report_workbook.due_items(plan, province, period)  # ValueError: a period or province it lacks
    return report_workbook.build_workbook(plan, province, period, last,  # runs off the hub
                                          datetime.now(timezone.utc))


def read(plan_id: str, province: str | None, fmt: str, data: bytes, plan: dict | None = None):
    """The upload's rows; the workbook's own plan and province must be the ones asked for.
    With ``plan``, a value breaking one of its hard rules is an error on its cell (in Thai and
    English, before the intake is asked: such a row is never sent to it)."""
    if fmt not in FORMATS:
        raise UploadError(f"format must be one of {', '.join(FORMATS)}",
                          f"รูปแบบไฟล์ต้องเป็น {' หรือ '.join(FORMATS)}", "bad_request")
    if not data:
        raise UploadError("send the workbook as the request body", "ไม่พบไฟล์ที่ส่งมา", "bad_request")
    try:  # parsing is CPU work: read_workbook runs it off the hub, so the gateway keeps answering
        upload = report_workbook.read_workbook(f"upload.{fmt}", data, plan_id, province, plan)
    except report_workbook.WorkbookUnreadable as exc:
        raise UploadError(exc.message_en, exc.message_th) from None
    if upload.plan_id and upload.plan_id != plan_id:
        raise UploadError(f"this workbook is for plan {upload.plan_id}, not {plan_id}",
                          f"แบบฟอร์มนี้เป็นของแผน {upload.plan_id} ไม่ใช่ {plan_id}", "wrong_workbook")
    if province and upload.province and upload.province != province:
        raise UploadError(f"this workbook is {upload.province}'s; it cannot be sent for {province}",
                          f"แบบฟอร์มนี้เป็นของจังหวัด {upload.province} ส่งในนามจังหวัด {province} ไม่ได้",
                          "wrong_workbook")
    return upload


def check(upload, province: str, check_reports) -> dict:
    """Every row with what is wrong with it: the workbook's own checks (cells), then the
    intake's (``check_reports``: the reporting service's RPC) on the rows that passed them."""
    pairs = report_workbook.report_bodies(upload, province, datetime.now(timezone.utc))
    reasons = check_reports(province, [body for _, body in pairs]) if pairs else []
    passed = {}  # (sheet, row number) -> the body the intake would accept
    for (row, body), reason in zip(pairs, reasons):
        if reason:
            row.errors.append(report_workbook.CellProblem(row.sheet, row.row, None, reason,
                                                          CHECK_TH + reason, f"row {row.row}"))
        else:
            passed[row.sheet, row.row] = body
    rows = [{"sheet": row.sheet, "row": row.row, "kind": row.kind, "subject": row.subject,
             "period": row.period, "event_id": passed.get((row.sheet, row.row), {}).get("event_id"),
             "errors": [{"cell": e.cell, "message_th": e.message_th, "message_en": e.message_en}
                        for e in row.errors]}
            for row in upload.rows]
    problems = sum(len(r["errors"]) for r in rows)
    return {"province": province, "period": upload.period, "rows": rows, "problems": problems,
            "reports": len(passed), "bodies": list(passed.values())}


def reporter(who) -> tuple[str, str]:
    """The person a report sent through the gateway names (x-reported-by, x-reported-by-name): a
    signed-in person's username and name; for an organisation's API key, the key's holder as
    ``api-key:<role>:<scope>`` (such a key is the organisation's, not one person's)."""
    if who.person:  # "Name (username)", accounts/domain.py label()
        name, _, username = who.person.rpartition(" (")
        if name and username.endswith(")") and len(username) > 1:
            return username[:-1], name
        return who.person, who.person
    return f"api-key:{who}", f"API key {who}"


def send(config: dict, code: str, bodies: list[dict], who) -> None:
    """Publish bodies of the province (or implementing agency) ``code`` under the gateway's own
    AMQP login (its AMQP_URI) on the gateway's route, naming the person who sent them: the
    gateway holds no province's or agency's password (docs/architecture.md, "The gateway's
    route"); the intake attributes each report to ``code`` and to the person."""
    if not bodies:
        return
    uri = config["AMQP_URI"]
    username = unquote(urlsplit(uri).username or "")
    publish(uri, username, code, bodies, route=gateway_routing_key,
            headers=reported_by_headers(*reporter(who)), ssl=config.get("AMQP_SSL"))

"""Province reporting without code: the workbook a province downloads, the check of what it
uploads, and sending its rows as report events with the province's own AMQP login.

The rows end as the same messages a provincial system publishes (DESIGN 3.3): exchange
``reports``, routing key ``report.<province>.<kind>``, ``user_id`` the province's AMQP user,
``message_id`` the event_id. So the reporting service cannot tell them apart, and its checks -
the same code the intake runs, asked over RPC - are the ones shown before anything is sent.
Event ids are derived from the content (infra/report_workbook/): sending a workbook again
sends nothing new, and a corrected row is a new report that supersedes the old one.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

from services.infra import report_workbook
from services.infra.amqp import with_login
# Sending the rows: shared with clusterctl (report --send), so kept in infra.
from services.infra.province_send import REPORTED_FIELDS, publish, to_send  # noqa: F401

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


def province_login(amqp_uri: str, credentials_path: str, province: str) -> tuple[str, str]:
    """The broker URI with the province's own login (from credentials.json), and its username."""
    creds = json.loads(open(credentials_path, encoding="utf-8").read())["provinces"][province]
    return (with_login(amqp_uri, creds["amqp_username"], creds["amqp_password"]),
            creds["amqp_username"])

"""Sending a province's reports: what of a checked upload must go out (``to_send``) and
publishing it (``publish``): by ``clusterctl report --send`` with the province's own AMQP login on
``report.<code>.<kind>``, by the gateway with its own login on its route (``route`` and
``headers``: contracts/reports.py, gateway_routing_key and reported_by_headers). Shared here
because clusterctl must not import the gateway."""
from __future__ import annotations

import json
import uuid

from marshmallow import ValidationError

from services.contracts.reports import REPORT_SCHEMAS, REPORTS_EXCHANGE, routing_key
from services.infra import report_workbook
from services.infra.event_publisher import PUBLISH_DEADLINE_S, deadline_connection


# what a report says, for "the report in force already says the same": every field of the
# body as the intake keeps it (loaded by its schema) but these, which say when and which report
NOT_CONTENT = ("event_id", "reported_at")


def _said(fields: dict) -> dict:
    # a field left out says what null, an empty list or (the internal mark) false says
    return {name: value for name, value in fields.items() if name not in NOT_CONTENT
            and not (value is None or value is False or value == [])}


def content_of(body: dict) -> dict:
    """What a report says, as the intake keeps it: loaded by its schema (a project's problem
    items with their defaults filled in, numbers as floats, dates as dates), without its id and
    time. Every field counts - the evidence and structured problems too, so a report that
    differs only in them is not taken for the one in force."""
    kind = "indicator" if "indicator" in body else "project"
    try:
        return _said(REPORT_SCHEMAS[kind]().load(body))
    except ValidationError:  # checked before it is sent; a stored body the schema grew past
        return _said(body)


def same_content(body: dict, kept: dict) -> bool:
    """Whether ``body`` says what the report ``kept`` says. The bodies as they are first (the
    usual case, and cheap: a file of thousands of rows sent again); the schema's reading only
    when they differ as written (it costs some 0.3 ms a body, on the gateway's hub)."""
    return _said(body) == _said(kept) or content_of(body) == content_of(kept)


def to_send(bodies: list[dict], statuses: dict) -> tuple[list[dict], list[str]]:
    """What of a checked upload must go out, and the id to follow for each of its rows.

    A report received before is not sent again - unless a later one has superseded it and the
    upload goes back to it (A, then B, then A again): then it goes out under an id derived from
    its own and from the report in force, so it supersedes that one, and sending the same file
    once more finds it in force (the intake keeps a repeated id as it first came, with its first
    reported_at, so the old id would change nothing)."""
    out, follow = [], []
    for body in bodies:
        status = statuses[body["event_id"]]
        current = status.get("in_force") if status["status"] == "superseded" else None
        if status["status"] == "pending":
            out.append(body)
        elif current and not same_content(body, current):
            again = uuid.uuid5(report_workbook.NAMESPACE,
                               f"{body['event_id']}:after:{current['event_id']}")
            out.append(body := {**body, "event_id": str(again)})
        elif current:  # what is in force already says the same
            body = current
        follow.append(body["event_id"])
    return out, follow


def publish(uri: str, username: str, province: str, bodies: list[dict], progress=None,
            route=routing_key, headers: dict | None = None, ssl: dict | None = None) -> None:
    """Each body as a message of ``province`` (a province or agency code) sent by ``username``
    (the broker checks it is the connection's user), confirmed by the broker (mandatory: a body
    that routes nowhere is an error, not a silent loss). ``progress(n)`` after each. ``ssl``:
    the broker's ssl options (AMQP_SSL) when ``uri`` is amqps://. Each step has a deadline:
    PublishTimedOut when the broker took or confirmed nothing in time (an alarm) - the ids
    derive from the content, so sending again doubles nothing."""
    with deadline_connection(uri, ssl=ssl) as conn:  # a broker alarm: PublishTimedOut, not a hang
        producer = conn.Producer()
        for n, body in enumerate(bodies, 1):
            kind = "indicator" if "indicator" in body else "project"
            producer.publish(json.dumps(body, ensure_ascii=False).encode("utf-8"),
                             exchange=REPORTS_EXCHANGE, routing_key=route(province, kind),
                             headers=headers or {},
                             serializer=None, content_type="application/json",
                             content_encoding="utf-8", delivery_mode=2, mandatory=True,
                             message_id=body["event_id"], user_id=username,
                             retry=True, retry_policy={"max_retries": 3},
                             timeout=PUBLISH_DEADLINE_S, confirm_timeout=PUBLISH_DEADLINE_S)
            if progress:
                progress(n)

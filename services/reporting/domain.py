"""Reporting: pure rules for the province intake and the cluster views (no I/O).

Intake decisions follow DESIGN 3.3: a message is either an accepted report or a rejection with a
reason a province officer can act on. Nothing here touches the broker or a database.
"""
from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo
from statistics import fmean

from marshmallow import ValidationError

from services.contracts.periods import PeriodError, fiscal_quarter_of, parse_period
from services.contracts.plans import iter_indicators
from services.contracts.reports import (AGENCY_CODE, AGENCY_USER_PREFIX, GATEWAY_ROUTE_PREFIX,
                                        GATEWAY_ROUTING_KEY, GATEWAY_USER, MAX_PERSON_TEXT,
                                        PROVINCE_CODE, REPORT_KINDS, REPORT_SCHEMAS,
                                        REPORTED_BY, REPORTED_BY_NAME, ROUTING_KEY,
                                        describe_errors, is_internal, well_formed_indicator_report)
from services.contracts import events as contract_events
from services.contracts import rules
from services.contracts.targets import province_fiscal_year_target
from services.contracts.events import (CORRECTION_REQUESTED, INDICATOR_OFF_TARGET,
                                        INDICATOR_OFF_TARGET_AT_CLOSE, PROJECT_BEHIND_SCHEDULE,
                                        REPORT_FLAGGED, REPORT_REJECTED)

EVENT_NAMESPACE = uuid.UUID("0f6a1f8e-8f5e-4a53-9d43-7d0b8a3c2b10")
BANGKOK = ZoneInfo("Asia/Bangkok")
JSON_TYPES = ("application/json", "text/json")


# One instance per kind: building a marshmallow schema deep-copies its fields (a tenth of the
# intake's cost when done per report); load() keeps no state between calls.
_SCHEMAS = {kind: schema() for kind, schema in REPORT_SCHEMAS.items()}


@dataclass(frozen=True)
class Sender:
    """Who published a message, as the broker authenticated it."""
    username: str | None
    province: str | None  # the province code, when the user is a province
    agency: str | None = None  # the agency code, when the user is an implementing agency
    # A report the gateway sent on its own route (contracts/reports.py GATEWAY_USER) for the
    # province or agency the route names: ``on_behalf_of`` is the AMQP user that province or
    # agency has, under which the report is kept (as if it had sent it itself); ``reporter``
    # the person who signed in to the gateway; ``problem`` why the message cannot be trusted.
    gateway_route: bool = False
    on_behalf_of: str | None = None
    reporter: dict | None = None
    problem: tuple[str, str] | None = None  # (English, Thai)

    @property
    def code(self) -> str | None:
        """The word the sender's routing keys carry: its province or agency code."""
        return self.province or self.agency

    @property
    def account(self) -> str | None:
        """The name a report is kept under (its identity is (account, event_id)): the province's
        or agency's own AMQP user, whether it sent the report itself or through the gateway."""
        return self.on_behalf_of or self.username


@dataclass(frozen=True)
class Rejection:
    reason: str
    report_event_id: str | None = None
    kind: str | None = None
    reason_th: str | None = None  # the same in Thai, where the rule has it (else the mail
    # shows the English reason in its Thai part too)


@dataclass(frozen=True)
class ValidReport:
    kind: str            # indicator | project
    report: dict         # the body, as loaded by its schema
    plan_id: str
    subject: str         # indicator or project code
    period: str          # "" for project reports
    reported_at_key: str  # UTC, fixed width: sorts as time does
    plan: dict | None = field(default=None, compare=False, repr=False)  # the one it matched


def identify_sender(user_id: str | None, routing_key: str, user_prefix: str = "",
                    headers: dict | None = None) -> Sender:
    """The broker validates ``user_id`` against the connection's user (NOTES-nameko), and topic
    permissions pin a province user to ``report.<its code>.*`` (an agency user ``agency.<code>``
    to ``report.<its code>.project``); either identifies a province or an agency. On the
    gateway's route the route names them, trusted only from the gateway's user (gateway_sender)."""
    if (routing_key or "").startswith(GATEWAY_ROUTE_PREFIX):
        return gateway_sender(user_id, routing_key, user_prefix, headers or {})
    if user_id:
        code = user_id[len(user_prefix):] if user_id.startswith(user_prefix) else None
        if code and code.startswith(AGENCY_USER_PREFIX):
            agency = code[len(AGENCY_USER_PREFIX):]
            return Sender(user_id, None, agency if AGENCY_CODE.match(agency) else None)
        return Sender(user_id, code if code and PROVINCE_CODE.match(code) else None)
    match = ROUTING_KEY.match(routing_key or "")
    code = match.group("province") if match else None
    return Sender(None, code if code and PROVINCE_CODE.match(code) else None)


def gateway_sender(user_id: str | None, routing_key: str, user_prefix: str,
                   headers: dict) -> Sender:
    """A message on ``gateway.report.<code>.<kind>``: the province (or implementing agency)
    ``<code>`` and the person in the headers, when the broker vouched that the gateway's own
    user sent it; from anyone else - or without a readable person - a sender with a problem."""
    gateway = user_prefix + GATEWAY_USER
    if user_id != gateway:
        return Sender(user_id, None, gateway_route=True, problem=(
            f"routing key {routing_key!r} is the gateway's own route: only AMQP user "
            f"{gateway!r} publishes there, not {user_id!r}",
            f"routing key {routing_key!r} เป็นช่องทางของเกตเวย์เท่านั้น "
            f"ผู้ใช้ {user_id!r} ส่งทางนี้ไม่ได้"))
    match = GATEWAY_ROUTING_KEY.match(routing_key)
    code = match.group("code") if match else ""
    province = code if PROVINCE_CODE.match(code) else None
    agency = code if not province and AGENCY_CODE.match(code) else None
    if not (province or agency):
        return Sender(user_id, None, gateway_route=True, problem=(
            f"routing key {routing_key!r} is not gateway.report.<province or agency>.<kind>",
            f"routing key {routing_key!r} ไม่อยู่ในรูปแบบ gateway.report.<จังหวัดหรือหน่วยงาน>.<ประเภท>"))
    account = user_prefix + (code if province else AGENCY_USER_PREFIX + code)
    reporter = reporter_of(headers)
    return Sender(user_id, province, agency, gateway_route=True, on_behalf_of=account,
                  reporter=reporter, problem=None if reporter else (
                      f"a gateway report names the person who reported it: header {REPORTED_BY} "
                      f"(1-{MAX_PERSON_TEXT} characters) and {REPORTED_BY_NAME}",
                      f"รายงานจากเกตเวย์ต้องระบุผู้รายงานในส่วนหัว {REPORTED_BY} และ "
                      f"{REPORTED_BY_NAME}"))


def person_headers(headers: dict) -> dict:
    """The headers naming a gateway report's person, as text (kept with a rejection or a parked
    message, so that judging it again sees them; an overlong one is cut, still too long)."""
    kept = {}
    for key in (REPORTED_BY, REPORTED_BY_NAME):
        value = headers.get(key)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if isinstance(value, str):
            kept[key] = storable(value[:MAX_PERSON_TEXT * 4])
    return kept


def reporter_of(headers: dict) -> dict | None:
    """The person a gateway report names (``{"username", "name"}``), or None when the headers
    do not name one readably."""
    username, name = headers.get(REPORTED_BY), headers.get(REPORTED_BY_NAME)
    if isinstance(username, bytes):  # a header may arrive as a byte string
        username = username.decode("utf-8", "replace")
    if isinstance(name, bytes):
        name = name.decode("utf-8", "replace")
    if not isinstance(username, str) or not 0 < len(username.strip()) <= MAX_PERSON_TEXT:
        return None
    if not isinstance(name, str) or not 0 < len(name.strip()) <= MAX_PERSON_TEXT:
        name = username
    return {"username": storable(username.strip()), "name": storable(name.strip())}


def rejection_id(sender: Sender, body: bytes, envelope: tuple = ()) -> str:
    """Same sender, same bytes and same envelope (routing key, content type, message id) -> same
    rejection: a redelivery is not a second rejection, but the same body sent again with another
    envelope (e.g. its content type fixed) is another message, with its own reason."""
    digest = hashlib.sha256(body).hexdigest()
    name = f"rejection:{sender.username}:{sender.province}:{digest}"
    if envelope:
        name += ":" + json.dumps(list(envelope))
    return str(uuid.uuid5(EVENT_NAMESPACE, storable(name)))


def storable(text: str | None) -> str | None:
    """Text from the wire as it can be stored and mailed: py-amqp decodes routing keys and
    properties with 'surrogatepass', so a lone surrogate becomes its escape (``\\udc80``)."""
    return None if text is None else text.encode("utf-8", "backslashreplace").decode("utf-8")


def utc_key(moment: datetime) -> str:
    """``2025-01-10T02:00:00.000000Z``: sorts as the time does (years 2000-2200, the schema's)."""
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")[:-6] + "Z"


def check_envelope(sender: Sender, routing_key: str, content_type: str | None) -> Rejection | str:
    """The routing key and properties; returns the report kind, or why the message is refused."""
    if sender.username is None:
        return Rejection("message has no user_id property: set user_id to your AMQP username "
                         "(DESIGN 3.3) so the broker can vouch for the sender")
    if sender.gateway_route:
        return _gateway_envelope(sender, routing_key, content_type)
    if sender.code is None:
        return Rejection(f"AMQP user {sender.username!r} is not a province user (nor an "
                         "implementing agency's, agency.<code>); only provinces and implementing "
                         "agencies publish reports")
    match = ROUTING_KEY.match(routing_key or "")
    if not match:
        return Rejection(f"routing key {routing_key!r} is not report.<province>.<kind>"
                         if sender.province else
                         f"routing key {routing_key!r} is not report.{sender.agency}.project")
    if match.group("province") != sender.code:
        return Rejection(f"routing key {routing_key!r} names {match.group('province')} but the "
                         f"sender is {sender.code}")
    return _kind_and_type(sender, match.group("kind"), content_type)


def _gateway_envelope(sender: Sender, routing_key: str, content_type: str | None):
    if sender.problem:
        return Rejection(sender.problem[0], reason_th=sender.problem[1])
    return _kind_and_type(sender, GATEWAY_ROUTING_KEY.match(routing_key).group("kind"),
                          content_type)


def _kind_and_type(sender: Sender, kind: str, content_type: str | None) -> Rejection | str:
    """The checks of a report's kind and content type, whichever route it came by."""
    if kind not in REPORT_KINDS:
        return Rejection(f"routing key kind {kind!r} is unknown; use "
                         + " or ".join(REPORT_KINDS))
    if sender.agency and kind != "project":
        return Rejection(f"an agency reports the progress of its projects only: routing key "
                         f"report.{sender.agency}.project, not {kind}", kind=kind,
                         reason_th=f"หน่วยงานรายงานได้เฉพาะความก้าวหน้าของโครงการที่ตนดำเนินการ "
                                   f"(routing key report.{sender.agency}.project) ไม่ใช่ {kind}")
    if content_type and content_type.split(";")[0].strip().lower() not in JSON_TYPES:
        return Rejection(f"content_type {content_type!r} is not application/json", kind=kind)
    return kind


MAX_BODY_BYTES = 64 * 1024   # a report is a few hundred bytes; problems text fits many times over
MAX_KEPT_BYTES = 16 * 1024   # what a rejection keeps of an oversized body (and says it cut)
# A report is one flat object. Deeper JSON is never a report, and how deep json.loads goes before
# it gives up differs between Python versions (3.11 stops near 1,000 levels, 3.13 goes further):
# the rule is ours, so the reason is the same on every interpreter.
MAX_NESTING = 32


def parse_body(body: bytes, kind: str, sender: Sender, message_id: str | None) -> Rejection | dict:
    """Decode and schema-check a body; never raises on bad input."""
    if len(body) > MAX_BODY_BYTES:
        return Rejection(f"body is {len(body):,} bytes; a report is at most {MAX_BODY_BYTES:,} "
                         "bytes (send one report per message)", kind=kind)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Rejection(f"body is not UTF-8 (byte {exc.start}); send UTF-8 JSON", kind=kind)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return Rejection(f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                         kind=kind)
    except RecursionError:
        return _too_deep_rejection(kind)
    except ValueError as exc:  # an integer of more than 4300 digits (Python's int limit)
        return Rejection(f"malformed JSON: a number is too long ({str(exc).split(';')[0]})",
                         kind=kind)
    if _nested_deeper_than(data, MAX_NESTING):
        return _too_deep_rejection(kind)
    if not isinstance(data, dict):
        return Rejection(f"body must be a JSON object, got {type(data).__name__}", kind=kind)
    # Decoding UTF-8 refuses encoded surrogates, so one can only come from a \u escape.
    surrogate = _unpaired_surrogate(data) if "\\u" in text else None
    if surrogate:
        return Rejection(f"body has an unpaired UTF-16 surrogate escape ({surrogate}) in a string; "
                         "send valid Unicode text", kind=kind)
    event_id = data.get("event_id") if isinstance(data.get("event_id"), str) else None
    try:
        report = (kind == "indicator" and well_formed_indicator_report(data)) or \
            _SCHEMAS[kind].load(data)
    except ValidationError as exc:
        return Rejection(f"{kind} report does not match the schema: {describe_errors(exc.messages)}",
                         event_id, kind)
    report["event_id"] = str(report["event_id"])
    # A province reports for itself; an agency's report names the province the project runs in
    # (match_plan checks it is one of the project's).
    if sender.province and report["province"] != sender.province:
        return Rejection(f"body names province {report['province']} but the sender is "
                         f"{sender.province}; a province reports only for itself",
                         report["event_id"], kind)
    if message_id and not _same_uuid(message_id, report["event_id"]):
        return Rejection(f"message_id {message_id!r} differs from the body's event_id "
                         f"{report['event_id']}; set message_id to the event_id", report["event_id"], kind)
    return report


_SURROGATE = re.compile("[\ud800-\udfff]")


def rule_problem(plan: dict, valid: ValidReport) -> tuple[str, str] | None:
    """(English, Thai) reason a report breaks a hard rule the plan keeps for its indicator or
    project (contracts/rules.py), or None."""
    if valid.kind == "indicator":
        return rules.indicator_problem(find_indicator(plan, valid.subject), valid.report["value"])
    project = next(p for p in plan["projects"] if p["code"] == valid.subject)
    return rules.project_problem(project, valid.report)


def conflict_rejection(valid: ValidReport, kept: dict) -> Rejection:
    """The same sender sent another report under an event_id it used already: the first one
    stands, and this one is refused (``kept``: kind, subject, period, received_at of the first)."""
    event_id = valid.report["event_id"]
    what = " ".join(filter(None, (kept["kind"], kept["subject"], kept["period"])))
    return Rejection(
        f"event_id {event_id} was used already by you for another report ({what}, received "
        f"{kept['received_at']}); that report stands. Send a new or corrected report under a "
        "new event_id",
        event_id, valid.kind,
        reason_th=f"event_id {event_id} ถูกใช้แล้วกับรายงานอื่นของท่าน ({what} ได้รับเมื่อ "
                  f"{kept['received_at']}) รายงานนั้นยังมีผลอยู่ รายงานใหม่หรือรายงานแก้ไข"
                  "ต้องใช้ event_id ใหม่")


def _too_deep_rejection(kind: str | None) -> Rejection:
    return Rejection(f"JSON nested too deeply (more than {MAX_NESTING} levels); a report is one "
                     "flat object", kind=kind)


def _nested_deeper_than(data, limit: int) -> bool:
    """Whether arrays and objects nest more than ``limit`` levels (level by level, no
    recursion; a flat report object costs one look at each of its values)."""
    level, depth = [data], 0
    while level:
        depth += 1
        if depth > limit:
            return True
        level = [child for node in level
                 for child in (node.values() if isinstance(node, dict) else
                               node if isinstance(node, list) else ())
                 if isinstance(child, (dict, list))]
    return False


def _unpaired_surrogate(data) -> str | None:
    """``"\\ud800"`` is valid JSON but no text: it cannot be stored or mailed. The first one
    found (as its escape, ``\\ud800``), walking keys and values without recursion."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            found = _SURROGATE.search(item)  # a regex, not a loop per character: every report
            if found:                        # goes through here
                return f"\\u{ord(found.group()):04x}"
    return None


def _same_uuid(text: str, event_id: str) -> bool:
    """``message_id`` names the event_id in any UUID spelling (case, braces, no hyphens)."""
    if text == event_id:  # the usual spelling: ``event_id`` is canonical already
        return True
    try:
        return uuid.UUID(text) == uuid.UUID(event_id)
    except ValueError:
        return False


def match_plan(kind: str, report: dict, plans: list[dict],
               agency: str | None = None) -> Rejection | ValidReport:
    """Which plan the report belongs to, or why it names something no plan has. ``agency``: the
    sending agency, which reports only the projects it implements."""
    province, event_id = report["province"], report["event_id"]
    mine = [p for p in plans if province in p["provinces"] and p["status"] != "archived"]
    if not mine:
        return Rejection(f"no plan covers province {province}", event_id, kind)
    reported_at = utc_key(report["reported_at"])
    if kind == "project":
        for plan in mine:
            project = next((p for p in plan["projects"] if p["code"] == report["project"]), None)
            if project is None:
                continue
            if project["provinces"] and province not in project["provinces"]:
                return Rejection(f"project {report['project']} does not run in {province} "
                                 f"(it runs in {', '.join(project['provinces'])})", event_id, kind)
            if agency is not None and project.get("implementing_agency") != agency:
                return not_implemented_rejection(project, agency, event_id)
            return ValidReport(kind, report, plan["id"], report["project"], "", reported_at, plan)
        return Rejection(f"unknown project {report['project']!r} for {province}", event_id, kind)
    period = parse_period(report["period"])  # the schema has checked it parses
    for plan in mine:
        indicator = next((i for _, i in iter_indicators(plan) if i["code"] == report["indicator"]), None)
        if indicator is None:
            continue
        if not plan["start_fy"] <= period.fiscal_year <= plan["end_fy"]:
            continue
        if indicator.get("provinces") and province not in indicator["provinces"]:
            return Rejection(f"indicator {indicator['code']} is reported only by "
                             f"{', '.join(indicator['provinces'])}, not {province}", event_id, kind)
        if period.kind != indicator["frequency"]:
            return Rejection(
                f"indicator {indicator['code']} is reported {indicator['frequency']}, so period "
                f"{report['period']} ({period.kind}) is not one of its periods "
                f"(e.g. {example_period(indicator['frequency'], period.fiscal_year)})", event_id, kind)
        return ValidReport(kind, report, plan["id"], indicator["code"], period.code, reported_at,
                           plan)
    known = any(i["code"] == report["indicator"] for p in mine for _, i in iter_indicators(p))
    if known:
        spans = ", ".join(f"FY{p['start_fy']}-FY{p['end_fy']}" for p in mine)
        return Rejection(f"period {report['period']} is outside the plan ({spans})", event_id, kind)
    return Rejection(f"unknown indicator {report['indicator']!r} for {province}", event_id, kind)


def not_implemented_rejection(project: dict, agency: str, event_id: str) -> Rejection:
    implementer = project.get("implementing_agency") or "no agency"
    return Rejection(
        f"project {project['code']} is implemented by {implementer}, not by {agency}; an agency "
        "reports only the projects it implements", event_id, "project",
        reason_th=f"โครงการ {project['code']} ดำเนินการโดย {implementer} ไม่ใช่ {agency} "
                  "หน่วยงานรายงานได้เฉพาะโครงการที่ตนเป็นหน่วยดำเนินการ")


def example_period(frequency: str, fiscal_year: int) -> str:
    return {"yearly": f"FY{fiscal_year}", "quarterly": f"FY{fiscal_year}-Q1",
            "monthly": f"{fiscal_year - 544}-10"}[frequency]


def aggregate(values: dict[str, float], how: str, weights: dict[str, float] | None = None
              ) -> float | None:
    """The cluster value from the provinces' current values (None when there are none).

    A ``mean`` with ``weights`` (the plan's named weight) is a weighted mean; provinces that
    have not reported carry no weight.
    """
    if not values:
        return None
    if how == "mean" and weights:
        total = sum(weights.get(p, 0.0) for p in values)
        if not total:
            return None
        return sum(v * weights.get(p, 0.0) for p, v in values.items()) / total
    numbers = list(values.values())
    return {"sum": sum, "mean": fmean, "min": min, "max": max}[how](numbers)


def status_of(value: float | None, target: float | None, direction: str) -> str:
    if value is None:
        return "no_data"
    if target is None:
        return "no_target"
    met = value >= target if direction == "increase" else value <= target
    return "achieved" if met else "not_achieved"


def achievement_pct(value: float | None, target: float | None, direction: str) -> float | None:
    """Share of the target reached: value/target for increase, target/value for decrease."""
    if value is None or target is None:
        return None
    if direction == "increase":
        return round(value / target * 100, 2) if target else None
    return round(target / value * 100, 2) if value > 0 else None


def find_indicator(plan: dict, code: str) -> dict | None:
    return next((i for _, i in iter_indicators(plan) if i["code"] == code), None)


def target_for(indicator: dict, period_code: str) -> float | None:
    """The fiscal year's cluster target for the period (DESIGN 3.4)."""
    try:
        fiscal_year = parse_period(period_code).fiscal_year
    except PeriodError:
        return None
    return indicator.get("targets", {}).get(f"FY{fiscal_year}")


def period_target(indicator: dict, period_code: str) -> tuple[float | None, str]:
    """The target a period is judged against, and its basis: a quarter's own target where the
    plan sets one, else the fiscal year's."""
    quarter = indicator.get("quarterly_targets", {}).get(period_code)
    if quarter is not None:
        return quarter, "quarter"
    return target_for(indicator, period_code), "fiscal_year"


def judged_at(indicator: dict, period_code: str) -> bool:
    """Whether a period's value can be called on or off target.

    A fiscal year always is, and a period with a target of its own. A cumulative indicator's
    year-to-date value below the year's target in, say, Q2 is progress, not a miss; a
    non-cumulative period against a whole year's target compares unlike things - so neither
    is judged until the year closes (on the fiscal-year roll-up).
    """
    period = parse_period(period_code)
    _, basis = period_target(indicator, period_code)
    return period.kind == "yearly" or basis == "quarter"


def expected_provinces(plan: dict, indicator: dict) -> int:
    return len(indicator.get("provinces") or plan["provinces"])


def indicator_view(plan: dict, indicator: dict, values: dict[str, float]) -> dict:
    weights = plan.get("weights", {}).get(indicator.get("weight") or "")
    value = aggregate(values, indicator["aggregation"], weights)
    return {"value": value, "provinces": dict(sorted(values.items())), "reported": len(values)}


def fiscal_year_rollup(plan: dict, indicator: dict, fiscal_year: int,
                       views_by_period: dict[str, dict]) -> dict | None:
    """A quarterly or monthly indicator over a whole fiscal year, from its period views.

    Per province: a cumulative indicator's values are year-to-date totals, so the year's value
    is the latest period's (never a sum of running totals); otherwise the province's periods
    are combined by the indicator's aggregation (a quarterly flow reported as ``sum`` adds up
    to the year). The cluster value then aggregates the provinces as for any period.
    """
    per_province: dict[str, list[tuple]] = {}
    for code, view in views_by_period.items():
        period = parse_period(code)
        if period.fiscal_year != fiscal_year or period.kind != indicator["frequency"]:
            continue
        for province, value in view["provinces"].items():
            per_province.setdefault(province, []).append((period.start, code, value))
    if not per_province:
        return None
    values, periods = {}, {}
    for province, items in per_province.items():
        items.sort()
        periods[province] = [code for _, code, _ in items]
        if indicator.get("cumulative"):
            values[province] = items[-1][2]
        else:
            values[province] = aggregate({code: v for _, code, v in items}, indicator["aggregation"])
    return {**indicator_view(plan, indicator, values), "periods": dict(sorted(periods.items()))}


def indicator_result(plan: dict, indicator: dict, period: str, view: dict | None) -> dict:
    view = view or {"value": None, "provinces": {}, "reported": 0}
    target, basis = period_target(indicator, period)
    result = {
        "indicator": indicator["code"],
        "name_th": indicator["name_th"],
        "name_en": indicator["name_en"],
        "unit": indicator["unit"],
        "aggregation": indicator["aggregation"],
        "direction": indicator["direction"],
        "frequency": indicator["frequency"],
        "cumulative": bool(indicator.get("cumulative")),
        "target": target,
        "target_basis": basis,
        "fiscal_year_target": target_for(indicator, period),
        "value": view["value"],
        "provinces": view["provinces"],
        "reported": view["reported"],
        "expected": expected_provinces(plan, indicator),
        "status": status_of(view["value"], target, indicator["direction"]),
        "achievement_pct": achievement_pct(view["value"], target, indicator["direction"]),
        "weight": indicator.get("weight"),  # a mean with a weight is a weighted mean
        "quarter_target": indicator.get("quarterly_targets", {}).get(period),
    }
    if "periods" in view:  # a fiscal-year roll-up: which periods each province's value is from
        result["rolled_up_from"] = {"frequency": indicator["frequency"], "periods": view["periods"]}
    return result


def off_target_event(plan: dict, indicator: dict, period: str, view: dict, report: dict,
                     now: datetime) -> tuple[str, dict] | None:
    """The fact that a report left the cluster value off its target, or None."""
    target, _ = period_target(indicator, period)  # every report comes here: the status first
    if status_of(view["value"], target, indicator["direction"]) != "not_achieved":
        return None
    result = indicator_result(plan, indicator, period, view)
    return contract_events.outgoing(INDICATOR_OFF_TARGET, {
        # the report's identity is its province's: another province may use the same event_id
        "event_id": _off_target_id(report["province"], report["event_id"]),
        "occurred_at": now.isoformat(),
        "plan_id": plan["id"], "cluster": plan["cluster"],
        "indicator": indicator["code"], "indicator_name_th": indicator["name_th"],
        "indicator_name_en": indicator["name_en"], "unit": indicator["unit"],
        "period": period, "value": result["value"], "target": result["target"],
        "direction": indicator["direction"], "achievement_pct": result["achievement_pct"],
        "reported": result["reported"], "expected": result["expected"],
        "responsible_agency": indicator.get("responsible_agency"),
        "province": report["province"], "report_event_id": report["event_id"],
        "province_value": view["provinces"].get(report["province"]),
        "province_target": province_fiscal_year_target(indicator, report["province"], period),
    })


HISTORY_PERIODS = 8  # the province's latest earlier periods an outlier is judged against


def earlier_values(series: dict[str, dict], period: str, province: str) -> list[float]:
    """The province's values in force in the periods before ``period`` (of an indicator's views
    by period), the latest ``HISTORY_PERIODS`` of them, oldest first."""
    start = parse_period(period).start
    earlier = sorted((begins, view["provinces"][province]) for code, view in series.items()
                     if province in view.get("provinces", {})
                     and (begins := parse_period(code).start) < start)
    return [value for _, value in earlier[-HISTORY_PERIODS:]]


def _flag_payload(plan: dict, indicator: dict, flag: dict) -> dict:
    basis = flag["basis"]
    return {"flag_id": flag["flag_id"], "plan_id": plan["id"], "cluster": plan["cluster"],
            "indicator": indicator["code"], "indicator_name_th": indicator["name_th"],
            "indicator_name_en": indicator["name_en"], "unit": indicator["unit"],
            "period": flag["period"], "province": flag["province"],
            "report_event_id": flag["event_id"], "value": flag["value"],
            "basis": basis["basis"], "median": basis["median"], "reference": basis["reference"],
            "score": basis["score"], "threshold": basis["threshold"],
            "responsible_agency": indicator.get("responsible_agency")}


def flag_of(plan: dict, indicator: dict, period: str, report: dict, found: dict,
            now: datetime) -> tuple[dict, tuple[str, dict]]:
    """A value flagged to check (``found``: rules.outlier's answer) and the fact that tells the
    OSM. One flag per report (its province and event_id)."""
    flag_id = _flag_id(report["province"], report["event_id"])
    flag = {"flag_id": flag_id, "plan_id": plan["id"], "indicator": indicator["code"],
            "period": period, "province": report["province"], "event_id": report["event_id"],
            "value": report["value"], "basis": found, "flagged_at": now.isoformat(),
            "status": "to_check"}
    return flag, contract_events.outgoing(REPORT_FLAGGED, {
        "event_id": _flagged_id(flag_id),
        "occurred_at": now.isoformat(), **_flag_payload(plan, indicator, flag)})


# The ids of the facts one report causes, from its province and event_id (a report's identity is
# its province's: another province may use the same event_id) - in one place, so the facts of a
# removed report are found again (clusterctl sample remove).
def _off_target_id(province: str, event_id: str) -> str:
    return str(uuid.uuid5(EVENT_NAMESPACE, f"off_target:{province}:{event_id}"))


def _flag_id(province: str, event_id: str) -> str:
    return str(uuid.uuid5(EVENT_NAMESPACE, f"flag:{province}:{event_id}"))


def _flagged_id(flag_id: str) -> str:
    return str(uuid.uuid5(EVENT_NAMESPACE, f"report_flagged:{flag_id}"))


def rejected_fact_id(rejection_id: str) -> str:
    return str(uuid.uuid5(EVENT_NAMESPACE, f"rejected:{rejection_id}"))


def facts_of_report(province: str, event_id: str) -> list[str]:
    """The facts an accepted report may have caused: off target, flagged to check."""
    return [_off_target_id(province, event_id), _flagged_id(_flag_id(province, event_id))]


def correction_requested_event(plan: dict, flag: dict, by: str, note: str | None,
                               now: datetime) -> tuple[str, dict]:
    """The OSM asks the province to check a flagged value (each request its own fact)."""
    indicator = find_indicator(plan, flag["indicator"]) or {
        "code": flag["indicator"], "name_th": flag["indicator"], "name_en": flag["indicator"],
        "unit": ""}  # a revision removed it: the request still goes out
    return contract_events.outgoing(CORRECTION_REQUESTED, {
        "event_id": str(uuid.uuid5(EVENT_NAMESPACE, f"correction:{flag['flag_id']}:{now.isoformat()}")),
        "occurred_at": now.isoformat(), **_flag_payload(plan, indicator, flag),
        "requested_by": by, "note": note})


def off_target_at_close_events(plan: dict, period: str, due: date, results: list[dict],
                               now: datetime) -> list[tuple[str, dict]]:
    """The indicators whose period has closed off its target - each fact once per plan,
    indicator and period (the event id says so). Only judged periods count (``judged_at``)."""
    kind = parse_period(period).kind
    events = []
    for result in results:
        indicator = find_indicator(plan, result["indicator"])
        if (result["status"] != "not_achieved" or not judged_at(indicator, period)
                or (kind != "yearly" and indicator["frequency"] != kind)):
            continue
        expected = indicator.get("provinces") or plan["provinces"]
        events.append(contract_events.outgoing(INDICATOR_OFF_TARGET_AT_CLOSE, {
            "event_id": str(uuid.uuid5(EVENT_NAMESPACE,
                                       f"off_target_at_close:{plan['id']}:{indicator['code']}:{period}")),
            "occurred_at": now.isoformat(),
            "plan_id": plan["id"], "cluster": plan["cluster"],
            "indicator": indicator["code"], "indicator_name_th": indicator["name_th"],
            "indicator_name_en": indicator["name_en"], "unit": indicator["unit"],
            "period": period, "due_date": due.isoformat(), "value": result["value"],
            "target": result["target"], "target_basis": result["target_basis"],
            "direction": indicator["direction"], "achievement_pct": result["achievement_pct"],
            "provinces": result["provinces"],
            "not_reported": sorted(set(expected) - set(result["provinces"])),
            "responsible_agency": indicator.get("responsible_agency")}))
    return events


def rejected_event(rejection: dict) -> tuple[str, dict]:
    return contract_events.outgoing(REPORT_REJECTED, {
        "event_id": rejected_fact_id(rejection["rejection_id"]),
        "occurred_at": rejection["received_at"],
        "rejection_id": rejection["rejection_id"],
        "province": rejection["province"],
        "agency": rejection.get("agency"),
        "sender": rejection["sender"],
        "report_event_id": rejection["event_id"],
        "kind": rejection["kind"],
        "reason": rejection["reason"],
        "reason_th": rejection.get("reason_th"),
        "received_at": rejection["received_at"],
    })


# --- project progress -------------------------------------------------------------------------

STAGE_ORDER = ("not_started", "preparing_tor", "procurement", "contract_signed", "in_progress",
               "inspection", "completed", "cancelled")


def project_progress(plan: dict, in_force: list[dict], government_targets: dict) -> list[dict]:
    """Each project of the plan with what its provinces reported: physical progress, money
    disbursed against the budget, against its own planned quarterly disbursement and against
    the government's disbursement target for that quarter of the fiscal year."""
    by_project: dict[str, list[dict]] = {}
    for report in in_force:
        by_project.setdefault(report["project"], []).append(report)
    return [_progress_of(project, by_project.get(project["code"], []),
                         government_targets.get(f"FY{project['fiscal_year']}", {}))
            for project in plan["projects"]]


def _progress_of(project: dict, reports: list[dict], government: dict) -> dict:
    budget = project["budget_thb"]
    row = {"project": project["code"], "title_th": project["title_th"],
           "title_en": project["title_en"], "fiscal_year": project["fiscal_year"],
           "issue": project["issue"], "status": project["status"], "budget_thb": budget,
           "provinces_reported": sorted(r["province"] for r in reports),
           "provinces": {r["province"]: {**{k: r[k] for k in ("as_of", "physical_progress_pct",
                                                             "disbursed_thb", "procurement_stage")},
                                         # marked internal by the province (issue 26)
                                         **({"internal": True} if is_internal(r) else {})}
                         for r in reports}}
    if not reports:
        return {**row, "as_of": None, "quarter": None, "physical_progress_pct": None,
                "disbursed_thb": None, "disbursement_pct": None, "planned_to_date_thb": None,
                "planned_to_date_pct": None, "government_target_pct": None,
                "procurement_stage": None, "behind_schedule": None, "behind_reasons": []}
    as_of = max(date.fromisoformat(r["as_of"]) for r in reports)
    fy, quarter = fiscal_quarter_of(as_of)
    # Before the project's year nothing is due; after it, the whole year is.
    quarter = 0 if fy < project["fiscal_year"] else 4 if fy > project["fiscal_year"] else quarter
    disbursed = sum(r["disbursed_thb"] for r in reports)
    planned = sum(project.get("planned_disbursement", {}).get(f"Q{q}", 0.0)
                  for q in range(1, quarter + 1))
    pct = lambda amount: round(amount / budget * 100, 2) if budget else None  # noqa: E731
    government_pct = government.get(f"Q{quarter}") if quarter else None
    reasons = []
    if project.get("planned_disbursement") and quarter and disbursed + CENT < planned:
        reasons.append("below_planned_disbursement")
    if government_pct is not None and budget and disbursed / budget * 100 + 1e-9 < government_pct:
        reasons.append("below_government_target")
    if project["status"] == "cancelled":
        reasons = []  # nothing more is due from a cancelled project
    stages = [r["procurement_stage"] for r in reports]
    return {**row, "as_of": as_of.isoformat(), "quarter": quarter or None,
            "physical_progress_pct": round(fmean(r["physical_progress_pct"] for r in reports), 2),
            "disbursed_thb": disbursed, "disbursement_pct": pct(disbursed),
            "planned_to_date_thb": planned if quarter else 0.0,
            "planned_to_date_pct": pct(planned) if quarter else 0.0,
            "government_target_pct": government_pct,
            "procurement_stage": min(stages, key=STAGE_ORDER.index),  # the least advanced
            "behind_schedule": bool(reasons),
            "behind_reasons": reasons}


CENT = 0.005


def behind_schedule_events(plan: dict, rows: list[dict], now: datetime) -> list[tuple[str, dict]]:
    """A fact for each project behind schedule - once per project and fiscal quarter of its
    latest report, so an agency hears of it each quarter it stays behind, not each report."""
    projects = {p["code"]: p for p in plan["projects"]}
    events = []
    for row in rows:
        if not row["behind_schedule"]:
            continue
        fy, quarter = fiscal_quarter_of(date.fromisoformat(row["as_of"]))
        project = projects[row["project"]]
        events.append(contract_events.outgoing(PROJECT_BEHIND_SCHEDULE, {
            "event_id": str(uuid.uuid5(EVENT_NAMESPACE, f"behind_schedule:{plan['id']}:"
                                                        f"{project['code']}:FY{fy}-Q{quarter}")),
            "occurred_at": now.isoformat(),
            "plan_id": plan["id"], "cluster": plan["cluster"],
            "project": {k: project.get(k) for k in ("code", "title_th", "title_en", "issue",
                                                     "implementing_agency", "budget_thb",
                                                     "fiscal_year")},
            "quarter": f"FY{fy}-Q{quarter}", "as_of": row["as_of"], "reasons": row["behind_reasons"],
            **{k: row[k] for k in ("physical_progress_pct", "disbursed_thb", "disbursement_pct",
                                   "planned_to_date_pct", "government_target_pct",
                                   "procurement_stage", "provinces_reported")}}))
    return events

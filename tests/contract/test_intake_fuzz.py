"""Property: the province intake survives anything a province (or a broken system) can publish.

Arbitrary raw messages - random bytes, random JSON values, valid reports with a field removed,
of the wrong type or out of range, bodies over 64 KB, deep nesting, numbers of thousands of
digits, unpaired surrogate escapes, Thai text, odd content types, user ids and routing keys -
interleaved with valid indicator and project reports, go through the function the intake
consumer calls (``handlers.handle_intake``) on the SQLite store, in process. Then:

- it never raises: every bad message becomes a stored rejection whose reason names what is
  wrong (the field, the property or the limit, where the message says which);
- the rejections are exactly the invalid messages (one per distinct message: a redelivery of
  the same message is not a second rejection, the same body in another envelope is);
- every valid report is stored, and for each (province, indicator, period) or (province,
  project) the one in force is the latest by (reported_at, event_id).

Derandomized, so CI sees the same examples every run.
"""
import copy
import json
import tempfile
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.contracts.periods import parse_period
from services.contracts.plans import iter_indicators
from services.contracts.rules import indicator_bounds
from services.infra.messaging import RawMessage
from services.reporting import domain, handlers
from services.reporting.store import SqliteReportingStore
from tests.support.plans import published_sample_plan

PLAN = published_sample_plan()
PROVINCES = tuple(PLAN["provinces"])
BASE = datetime(2024, 1, 1, 9, 0, tzinfo=timezone(timedelta(hours=7)))
YEARS = range(PLAN["start_fy"], PLAN["end_fy"] + 1)
TODAY = datetime.now(ZoneInfo("Asia/Bangkok")).date()
INDICATOR_PERIODS = {  # the plan's periods that have begun: a report for one to come is rejected
    i["code"]: [p for p in ([f"FY{y}-Q{q}" for y in YEARS for q in range(1, 5)]
                            if i["frequency"] == "quarterly" else [f"FY{y}" for y in YEARS])
                if parse_period(p).start <= TODAY]
    for _, i in iter_indicators(PLAN)}
assert {i["frequency"] for _, i in iter_indicators(PLAN)} <= {"quarterly", "yearly"}
INDICATOR_PROVINCES = {i["code"]: i.get("provinces") or list(PROVINCES) for _, i in iter_indicators(PLAN)}
PROJECT_PROVINCES = {p["code"]: p["provinces"] or list(PROVINCES) for p in PLAN["projects"]}
BOUNDS = {i["code"]: indicator_bounds(i) for _, i in iter_indicators(PLAN)}  # the plan's rules
BUDGETS = {p["code"]: p["budget_thb"] for p in PLAN["projects"]}
DATES = {p["code"]: (date.fromisoformat(p["start_date"]),
                     min(date.fromisoformat(p["end_date"]), TODAY)) for p in PLAN["projects"]}
STAGES = ("not_started", "preparing_tor", "procurement", "contract_signed", "in_progress",
          "inspection", "completed", "cancelled")

thai = st.characters(min_codepoint=0x0E01, max_codepoint=0x0E5B)
# Text a valid report may carry: never a lone surrogate (hypothesis also draws string constants
# it finds in the loaded code, such as this file's "\ud800", so they are replaced here).
some_text = st.text(st.one_of(thai, st.characters(exclude_categories=("Cs",))), max_size=40).map(
    lambda text: text.encode("utf-8", "replace").decode("utf-8"))


@dataclass(frozen=True)
class Sent:
    message: RawMessage
    valid: bool
    names: tuple = ()    # words the rejection reason must contain (one of them)
    key: tuple = ()      # a valid report's (province, kind, subject, period)
    order: tuple = ()    # a valid report's (reported_at in UTC, event_id)
    event_id: str = ""


def envelope(message: RawMessage) -> tuple:
    """What makes two messages the same message (a redelivery carries all of it unchanged)."""
    return (message.user_id, message.routing_key, message.content_type, message.message_id,
            message.body)


# --- valid reports -------------------------------------------------------------------------

@st.composite
def valid_report(draw):
    """(kind, province, body) of a report the sample plan accepts."""
    event_id = str(uuid.UUID(int=draw(st.integers(0, 2**128 - 1)), version=4))
    offset = timezone(timedelta(hours=draw(st.sampled_from([7, 0, -5]))))
    reported_at = (BASE + timedelta(hours=draw(st.integers(0, 3)))).astimezone(offset).isoformat()
    if draw(st.booleans()):
        indicator = draw(st.sampled_from(sorted(INDICATOR_PERIODS)))
        province = draw(st.sampled_from(INDICATOR_PROVINCES[indicator]))
        body = {"event_id": event_id, "province": province, "indicator": indicator,
                "period": draw(st.sampled_from(INDICATOR_PERIODS[indicator])),
                "value": draw(st.one_of(
                    st.none(),
                    st.integers(int(BOUNDS[indicator][0]), int(BOUNDS[indicator][1] or 10**6)),
                    st.floats(BOUNDS[indicator][0], BOUNDS[indicator][1] or 1e9))),
                "reported_at": reported_at}
        if draw(st.booleans()):
            body["note"] = draw(st.one_of(st.none(), some_text))
        return "indicator", province, body
    project = draw(st.sampled_from(sorted(PROJECT_PROVINCES)))
    province = draw(st.sampled_from(PROJECT_PROVINCES[project]))
    body = {"event_id": event_id, "province": province, "project": project,
            "as_of": draw(st.dates(*DATES[project])).isoformat(),  # within its dates
            "physical_progress_pct": draw(st.floats(0, 100)),
            "disbursed_thb": draw(st.one_of(st.integers(0, int(BUDGETS[project])),
                                            st.floats(0, BUDGETS[project]))),
            "procurement_stage": draw(st.sampled_from(STAGES)), "reported_at": reported_at}
    for optional in ("problems", "solutions"):
        if draw(st.booleans()):
            body[optional] = draw(st.one_of(st.none(), some_text))
    return "project", province, body


def raw(body, province, kind, *, user_id="same", routing_key=None, content_type="application/json",
        message_id="event_id") -> RawMessage:
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
    event_id = body.get("event_id") if isinstance(body, dict) else None
    return RawMessage(body=data, routing_key=f"report.{province}.{kind}" if routing_key is None else routing_key,
                      user_id=province if user_id == "same" else user_id,
                      message_id=event_id if message_id == "event_id" else message_id,
                      content_type=content_type, redelivered=False)


@st.composite
def valid_message(draw):
    kind, province, body = draw(valid_report())
    spelling = draw(st.sampled_from(["same", "upper", "braces", "hex", "none"]))
    message_id = {"same": body["event_id"], "upper": body["event_id"].upper(),
                  "braces": "{" + body["event_id"] + "}", "hex": uuid.UUID(body["event_id"]).hex,
                  "none": None}[spelling]
    content_type = draw(st.sampled_from([None, "application/json", "text/json",
                                         "application/json; charset=utf-8", "Application/JSON"]))
    at = datetime.fromisoformat(body["reported_at"]).astimezone(timezone.utc)
    subject = body.get("indicator") or body["project"]
    return Sent(raw(body, province, kind, content_type=content_type, message_id=message_id), True,
                key=(province, kind, subject, body.get("period", "")), order=(at, body["event_id"]),
                event_id=body["event_id"])


# --- invalid messages ----------------------------------------------------------------------

WRONG_TYPES = {  # a field, and values its schema refuses
    "event_id": [12, [], {}, True, "not-a-uuid", "ตัวชี้วัด", None],
    "province": [34, [], None, "TH-3", "th-34", "ไทย"],
    "indicator": [1.1, [], None, "", "x" * 65],
    "period": [2567, None, "FY2567-Q5", "Q2/2567", "๒๕๖๗", "FY1-Q1"],
    "value": ["12.5", True, [], {"v": 1}, "NaN"],
    "reported_at": ["2024-04-10T09:30:00", "yesterday", 1712716200, None,
                    "1999-12-31T00:00:00+07:00", "2567-04-10T09:30:00+07:00"],
    "note": [5, [], {"ข้อความ": "x"}, "x" * 4001],
    "project": [7, None, "", "x" * 65],
    "as_of": ["2024-13-01", "31/03/2567", 20240331, None, "1999-01-01"],
    "physical_progress_pct": [101, -1, "45", False, None],
    "disbursed_thb": [-0.01, "1,250,000", None, [1]],
    "procurement_stage": ["done", 3, None, "ลงนามสัญญาแล้ว"],
    "problems": [1, ["x"], "x" * 8001],
}


@st.composite
def broken_field(draw):
    kind, province, body = draw(valid_report())
    field = draw(st.sampled_from(sorted(f for f in body if f in WRONG_TYPES)))
    bad = copy.deepcopy(body)
    if draw(st.booleans()) and field not in ("note", "problems", "solutions"):
        del bad[field]  # a required field missing
    else:
        bad[field] = draw(st.sampled_from(WRONG_TYPES[field]))
    return Sent(raw(bad, province, kind, message_id=None), False, (field,))


@st.composite
def out_of_plan(draw):
    """Well-formed, but naming something the plan does not have or another province."""
    kind, province, body = draw(valid_report())
    bad = copy.deepcopy(body)
    if draw(st.integers(0, 5)) == 0:  # dated ahead of the receiving clock: it would pin the value
        bad["reported_at"] = draw(st.sampled_from(["2176-01-01T00:00:00+07:00",
                                                   "2199-12-31T23:59:59+00:00"]))
        return Sent(raw(bad, province, kind), False, ("ahead of the receiving clock",))
    if kind == "indicator":
        change = draw(st.sampled_from(["indicator", "period", "wrong_kind", "province"]))
        if change == "indicator":
            bad["indicator"] = draw(st.sampled_from(["NE2-9.9", "ตัวชี้วัด 1.1", "ne2-1.1"]))
        elif change == "period":
            bad["period"] = draw(st.sampled_from(["FY2580-Q1", "FY2565", "FY2571"]))
        elif change == "wrong_kind":  # a quarterly indicator given a year, or the other way
            bad["period"] = bad["period"][:6] if "-Q" in bad["period"] else bad["period"] + "-Q1"
            change = "period"
        else:
            bad["province"] = draw(st.sampled_from([p for p in PROVINCES if p != province] + ["TH-10"]))
        return Sent(raw(bad, province, kind), False, (change, "not one of", "outside", "only by"))
    bad["project"] = draw(st.sampled_from(["NE2-99-001", "โครงการ", "ne2-67-001"]))
    return Sent(raw(bad, province, kind), False, ("project",))


@st.composite
def breaks_rule(draw):
    """Well-formed and in the plan, but a value no one could have meant: the plan's hard rules."""
    kind, province, body = draw(valid_report())
    bad = copy.deepcopy(body)
    if kind == "indicator":
        low, high = BOUNDS[bad["indicator"]]
        if high is not None and draw(st.booleans()):
            bad["value"] = high + draw(st.sampled_from([0.5, 150, 1e6]))
            return Sent(raw(bad, province, kind), False, ("above its maximum",))
        bad["value"] = low - draw(st.sampled_from([0.01, 1, 1e6]))
        return Sent(raw(bad, province, kind), False, ("below its minimum",))
    bad["disbursed_thb"] = BUDGETS[bad["project"]] * draw(st.sampled_from([1.01, 2, 100]))
    return Sent(raw(bad, province, kind), False, ("budget",))


@st.composite
def unknown_field(draw):
    kind, province, body = draw(valid_report())
    name = draw(st.sampled_from(["หมายเหตุ", "Value", "extra", "event_id "]))
    return Sent(raw({**body, name: draw(some_text)}, province, kind), False, (name.strip() or name,))


@st.composite
def bad_envelope(draw):
    """A valid body in an envelope that is wrong: property, user or routing key."""
    kind, province, body = draw(valid_report())
    other = next(p for p in PROVINCES if p != province)
    how = draw(st.sampled_from(["content_type", "no_user", "not_province", "other_user",
                                "routing_kind", "routing_shape", "routing_other", "message_id",
                                "kind_mismatch", "routing_surrogate"]))
    if how == "content_type":
        ct = draw(st.sampled_from(["text/plain", "application/xml", "application/jsonp",
                                   "ข้อความ", "application/octet-stream", "\udc80"]))
        return Sent(raw(body, province, kind, content_type=ct), False, ("content_type",))
    if how == "no_user":
        return Sent(raw(body, province, kind, user_id=None), False, ("user_id",))
    if how == "not_province":
        user = draw(st.sampled_from(["guest", "TH-3", "th-34", "ไทย", "TH-34x", "\ud800"]))
        return Sent(raw(body, province, kind, user_id=user), False, ("not a province user",))
    if how == "other_user":  # another province's user, this one's routing key and body
        return Sent(raw(body, province, kind, user_id=other), False, ("routing key", "province"))
    if how == "routing_kind":
        return Sent(raw(body, province, kind, routing_key=f"report.{province}.{kind}s"), False,
                    ("kind",))
    if how == "routing_shape":
        key = draw(st.sampled_from([f"report.{province}", f"reports.{province}.{kind}", "",
                                    f"report.{province}.{kind}.x", "รายงาน"]))
        return Sent(raw(body, province, kind, routing_key=key), False, ("routing key",))
    if how == "routing_other":
        return Sent(raw(body, province, kind, routing_key=f"report.{other}.{kind}"), False,
                    ("routing key",))
    if how == "routing_surrogate":
        return Sent(raw(body, province, kind, routing_key=f"report.{province}.\udc80"), False,
                    ("kind",))
    if how == "message_id":
        mid = draw(st.sampled_from([str(uuid.uuid4()), "not-a-uuid", "ไทย", "\ud800"]))
        return Sent(raw(body, province, kind, message_id=mid), False, ("message_id",))
    other_kind = "project" if kind == "indicator" else "indicator"
    return Sent(raw(body, province, kind, routing_key=f"report.{province}.{other_kind}"), False,
                ("schema",))


@st.composite
def hostile_body(draw):
    """Size, depth and encoding attacks, each under a valid envelope."""
    kind, province, body = draw(valid_report())
    how = draw(st.sampled_from(["huge", "huge_thai", "deep", "deep_value", "long_int",
                                "surrogate", "not_utf8", "bom"]))
    if how == "huge":
        size = draw(st.integers(domain.MAX_BODY_BYTES + 1, domain.MAX_BODY_BYTES + 5000))
        data = json.dumps({**body, "note": "x" * size}).encode()
        return Sent(raw(data, province, kind, message_id=body["event_id"]), False, ("bytes",))
    if how == "huge_thai":
        data = json.dumps({**body, "note": "ก" * 23_000}, ensure_ascii=False).encode()
        return Sent(raw(data, province, kind, message_id=body["event_id"]), False, ("bytes",))
    if how == "deep":  # deeper than the parser goes, yet under the size limit
        opener, closer = draw(st.sampled_from([(b"[", b"]"), (b'{"a":', b"}")]))
        depth = draw(st.integers(2_000, domain.MAX_BODY_BYTES // (len(opener) + 1) - 1))
        return Sent(raw(opener * depth + b"1" + closer * depth, province, kind), False, ("nested",))
    if how == "deep_value":
        depth = draw(st.integers(1, 5_000))
        text = json.dumps({**body, "value": "@"}).replace('"@"', "[" * depth + "]" * depth)
        return Sent(raw(text.encode(), province, kind, message_id=body["event_id"]), False,
                    ("nested", "value", "physical_progress_pct", "schema"))
    if how == "long_int":
        digits = draw(st.integers(4_301, 20_000))
        text = json.dumps({**body, "value": "@"}).replace('"@"', "7" * digits)
        return Sent(raw(text.encode(), province, kind, message_id=body["event_id"]), False,
                    ("number is too long",))
    if how == "surrogate":
        field = "note" if kind == "indicator" else "problems"
        lone = draw(st.sampled_from(["\\ud800", "\\udfff", "x\\udbff", "\\udc00\\ud800"]))
        text = json.dumps({**body, field: "@"}).replace('"@"', f'"{lone}"')
        return Sent(raw(text.encode(), province, kind, message_id=body["event_id"]), False,
                    ("surrogate",))
    if how == "not_utf8":
        data = json.dumps(body, ensure_ascii=False).encode("utf-8") + draw(
            st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80"]))
        return Sent(raw(data, province, kind, message_id=body["event_id"]), False, ("UTF-8",))
    data = json.dumps(body).encode("utf-16")  # a UTF-16 body with its BOM
    return Sent(raw(data, province, kind, message_id=body["event_id"]), False, ("UTF-8",))


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), some_text),
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(some_text, children, max_size=4)),
    max_leaves=12)


@st.composite
def random_json(draw):
    province, kind = draw(st.sampled_from(PROVINCES)), draw(st.sampled_from(["indicator", "project"]))
    return Sent(raw(json.dumps(draw(json_values), ensure_ascii=draw(st.booleans())).encode(),
                    province, kind, message_id=None), False)


@st.composite
def random_bytes(draw):
    province, kind = draw(st.sampled_from(PROVINCES)), draw(st.sampled_from(["indicator", "project"]))
    user = draw(st.sampled_from([province, None, "guest", "ไทย"]))
    return Sent(raw(draw(st.binary(max_size=200)), province, kind, user_id=user, message_id=None,
                    content_type=draw(st.sampled_from([None, "application/json", "text/plain"]))),
                False)


invalid_message = st.one_of(broken_field(), out_of_plan(), breaks_rule(), unknown_field(),
                            bad_envelope(),
                            hostile_body(), random_json(), random_bytes())


@st.composite
def traffic(draw):
    """Valid and invalid messages interleaved; some of each delivered twice (a redelivery)."""
    sent = draw(st.lists(st.one_of(valid_message(), invalid_message), min_size=1, max_size=30,
                         unique_by=lambda s: s.event_id or id(s)))  # distinct valid reports
    again = draw(st.lists(st.sampled_from(range(len(sent))), max_size=4))
    order = draw(st.permutations(list(range(len(sent))) + again))
    return [sent[i] for i in order]


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.large_base_example])
@given(traffic())
def test_no_message_crashes_the_intake_and_no_valid_report_is_lost(messages):
    store = SqliteReportingStore(Path(tempfile.mkdtemp()) / "reporting.sqlite3")
    try:
        store.save_plan(copy.deepcopy(PLAN))
        for sent in messages:
            outcome = handlers.handle_intake(store, sent.message)  # never raises
            expected = ("accepted", "duplicate") if sent.valid else ("rejected",)
            assert outcome in expected, (sent, outcome)

        invalid = {envelope(s.message): s for s in messages if not s.valid}
        rejections = {r["rejection_id"]: r for r in store.rejections(None, limit=10_000)}
        assert len(rejections) == len(invalid)
        for sent in invalid.values():
            m = sent.message
            sender = domain.identify_sender(m.user_id, m.routing_key)
            rejection = rejections[domain.rejection_id(sender, m.body, (
                m.routing_key, m.content_type, m.message_id))]
            assert rejection["reason"], sent
            if sent.names:
                assert any(name in rejection["reason"] for name in sent.names), \
                    (sent.names, rejection["reason"])
            assert len(rejection["raw_body"]) <= domain.MAX_KEPT_BYTES + 100

        valid = [s for s in messages if s.valid]
        stored = {r["event_id"]: r for r in handlers.reports_of(store, PLAN["id"])["reports"]}
        assert {s.event_id for s in valid} == set(stored)
        latest = {}
        for sent in valid:
            if sent.key not in latest or sent.order > latest[sent.key].order:
                latest[sent.key] = sent
        in_force = {event_id for event_id, r in stored.items() if r["status"] == "in_force"}
        assert in_force == {s.event_id for s in latest.values()}
    finally:
        store.close()


def test_the_same_body_in_another_envelope_is_another_rejection_with_its_own_reason():
    """A province fixes its content type and sends the same (still wrong) body again: it hears
    of the second problem too. A redelivery of either changes nothing."""
    store = SqliteReportingStore(Path(tempfile.mkdtemp()) / "reporting.sqlite3")
    try:
        store.save_plan(copy.deepcopy(PLAN))
        body = {"event_id": str(uuid.uuid4()), "province": "TH-34", "indicator": "NE2-9.9",
                "period": "FY2567-Q2", "value": 1, "reported_at": BASE.isoformat()}
        first = raw(body, "TH-34", "indicator", content_type="text/plain")
        second = raw(body, "TH-34", "indicator")
        for message in (first, second, first, second):
            assert handlers.handle_intake(store, message) == "rejected"
        reasons = sorted(r["reason"] for r in store.rejections())
        assert len(reasons) == 2
        assert "content_type 'text/plain'" in reasons[0] and "unknown indicator" in reasons[1]
    finally:
        store.close()

"""Reporting's use cases: each takes the store and plain data, and is called by an entrypoint."""
from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from services.contracts import events as contract_events
from services.contracts.events import ASSET_REGISTERED, PLAN_PUBLISHED
from services.contracts.periods import last_ended_period
from services.infra.topology import DELIVERY_LIMIT, INTAKE_QUEUE_NAME
from services.infra.logs import about, bound_event_id
from services.infra.messaging import RawMessage
from services.infra.metrics import PARKED, REPORTS

from services.contracts.errors import ParkedError, UnknownFlag  # raised to RPC callers

from services.contracts import rules

from . import (approval_cases, certainty, domain, plausibility, problem_cases, schemas,
               timeliness, window)
from .evidence import evidence_problem
from .queries import (GOVERNMENT_TARGETS, QueryError, _plan, _progress_rows,  # noqa: F401
                      checked_period, indicator_results, indicator_series, national_alignment,
                      plan_alignment, problems_register, project_status, reports_of,
                      set_disbursement_targets)

log = logging.getLogger(__name__)
PARKED_NAMESPACE = uuid.UUID("9a7c1c52-6b7f-4f0c-8e0e-2d5b7c3e1a44")


@dataclass(frozen=True)
class Checked:
    """A province message after every check that needs no write: who sent it, and either the
    report it carries, matched to its plan, or the reason it is rejected."""
    message: RawMessage
    sender: domain.Sender
    outcome: domain.ValidReport | domain.Rejection
    event_id: str | None  # the body's event_id once read, else the message_id: what lines carry


def check(store, message: RawMessage, user_prefix: str = "", plans=None,
          now: datetime | None = None,
          max_ahead: timedelta = plausibility.DEFAULT_MAX_AHEAD, evidence=None) -> Checked:
    """Envelope, sender, schema, plan, the receiving clock, the plan's hard rules and the
    evidence files cited: pure work, done outside any transaction (``plans``: the store's
    plans, read once for a batch; ``evidence``: the evidence store, infra/evidence)."""
    sender = domain.identify_sender(message.user_id, message.routing_key, user_prefix,
                                    message.headers)
    kind = domain.check_envelope(sender, message.routing_key, message.content_type)
    outcome = kind if isinstance(kind, domain.Rejection) else \
        domain.parse_body(message.body, kind, sender, message.message_id)
    body_event_id = outcome.get("event_id") if isinstance(outcome, dict) else \
        outcome.report_event_id
    plans = store.plans() if plans is None else plans
    if isinstance(outcome, dict):
        outcome = domain.match_plan(kind, outcome, plans, sender.agency)
    if isinstance(outcome, domain.ValidReport):
        plan = outcome.plan or next(p for p in plans if p["id"] == outcome.plan_id)
        problem = plausibility.time_problem(outcome.kind, outcome.report,
                                            now or datetime.now(timezone.utc), max_ahead) \
            or domain.rule_problem(plan, outcome) \
            or evidence_problem(outcome.plan_id, outcome.report, evidence and evidence.info) \
            or (outcome.kind == "project" and problem_cases.item_problem(store, plan, outcome.report))
        if problem:
            outcome = domain.Rejection(problem[0], outcome.report["event_id"], outcome.kind,
                                       reason_th=problem[1])
    return Checked(message, sender, outcome, body_event_id or message.message_id)


def record(store, checked: Checked, now: datetime, views: "BatchViews") -> tuple[str, Checked]:
    """Store a checked message: "accepted", "duplicate", "rejected" (with its reason kept) or
    "duplicate rejection"; and the message as it was judged (a report whose event_id its sender
    used for another report becomes a rejection here, once the store has seen the first)."""
    if isinstance(checked.outcome, domain.ValidReport):
        result = accept(store, checked.sender, checked.outcome, now, views)
        if not isinstance(result, domain.Rejection):
            return result, checked
        checked = Checked(checked.message, checked.sender, result, checked.event_id)
    return ("rejected" if reject(store, checked.sender, checked.message, checked.outcome, now)
            else "duplicate rejection"), checked


REPORT_KINDS = ("indicator", "project")


def log_outcome(checked: Checked, result: str) -> None:
    """One line per report, logged and counted once what it says is committed, carrying its
    event_id (a rejection kept already is neither logged nor counted again)."""
    outcome = checked.outcome
    if isinstance(outcome, domain.Rejection):
        if result == "rejected":  # the kind may come from an untrusted routing key
            REPORTS.labels(outcome.kind if outcome.kind in REPORT_KINDS else "other",
                           "rejected").inc()
            log.info("rejected a report from %s: %s", domain.storable(
                checked.sender.username or f"(no user_id; routing key "
                f"{checked.message.routing_key})"), outcome.reason, extra=about(checked.event_id))
    else:
        REPORTS.labels(outcome.kind, result).inc()
        log.info("%s %s report from %s: %s", result, outcome.kind, checked.sender.username,
                 " ".join(filter(None, (outcome.subject, outcome.period))),
                 extra=about(checked.event_id))


def handle_intake(store, message: RawMessage, user_prefix: str = "",
                  now: datetime | None = None,
                  max_ahead: timedelta = plausibility.DEFAULT_MAX_AHEAD, evidence=None) -> str:
    """Accept or reject one province message; returns "accepted", "duplicate" or "rejected"."""
    now = now or datetime.now(timezone.utc)
    checked = check(store, message, user_prefix, now=now, max_ahead=max_ahead, evidence=evidence)
    with store.atomic():
        views = BatchViews(store)
        result, checked = record(store, checked, now, views)
        views.save()
    log_outcome(checked, result)
    return "rejected" if result == "duplicate rejection" else result


def handle_intake_batch(store, messages: list[RawMessage], user_prefix: str = "",
                        max_ahead: timedelta = plausibility.DEFAULT_MAX_AHEAD,
                        evidence=None) -> list[int]:
    """Province messages that arrived together: checked first, outside any transaction, then
    stored in one transaction - one commit (one fsync) for all of them, and the write lock held
    only for the writes, so several reporting processes can share one store. Returns the indexes
    of messages to retry.

    Bad input never raises (it becomes a rejection); only a fault does - a bug, a full disk. Then
    the batch is undone and each message is processed on its own, so one failing message is
    retried (and in the end parked) alone and never takes the others with it. A redelivered
    message is processed on its own from the start: it may be the one that failed, or that was
    in hand when the process died, and its own attempt record decides whether it is parked
    (``handle_alone``) - never the broker's delivery count, which also counts every delivery a
    crash took back unread (docs/architecture.md, "Bounded retries")."""
    alone = [index for index, message in enumerate(messages) if message.redelivered]
    fresh = [messages[index] for index in range(len(messages)) if index not in set(alone)]
    if fresh:
        try:
            plans = store.plans()
            now = datetime.now(timezone.utc)
            checked = [check(store, message, user_prefix, plans, now, max_ahead, evidence)
                       for message in fresh]
            with store.atomic():
                views = BatchViews(store, plans)
                results = [record(store, each, now, views) for each in checked]
                views.save()
        except Exception:
            log.exception("a batch of %d reports failed; processing them one at a time",
                          len(fresh))
            alone = list(range(len(messages)))
        else:
            for result, judged in results:
                log_outcome(judged, result)
    return [index for index in alone if not handle_alone(
        store, messages[index], user_prefix, max_ahead=max_ahead, evidence=evidence)]


# A report is parked when its own handling raised this often, or when the process died while
# it was being handled this often (a report that kills the process: an OOM, a crash in C code).
# The second limit is higher: a crash from outside (a kill, a node lost) also lands on whatever
# report is in hand, and it takes that many landing on the same one to park it.
FAILURE_LIMIT = DELIVERY_LIMIT
UNFINISHED_LIMIT = 2 * DELIVERY_LIMIT
ATTEMPTS_DOWN_PAUSE_S = 1.0  # the store refuses the attempt record: no hot loop of redeliveries


def attempt_key(message: RawMessage) -> str:
    """Who sent it, its id and its bytes: a province cannot touch another's record."""
    digest = hashlib.sha256()
    for part in (message.user_id or "", message.message_id or ""):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    digest.update(message.body)
    return digest.hexdigest()


def handle_alone(store, message: RawMessage, user_prefix: str = "",
                 max_ahead: timedelta = plausibility.DEFAULT_MAX_AHEAD, evidence=None) -> bool:
    """One province message, with its attempt noted (durably) before it is handled; True when it
    is settled (stored, rejected or parked), False when it is to be retried."""
    key = attempt_key(message)
    try:
        failures, unfinished = store.begin_attempt(key)
        if failures >= FAILURE_LIMIT or unfinished >= UNFINISHED_LIMIT:
            reason = "failed_attempts" if failures >= FAILURE_LIMIT else "unfinished_attempts"
            keep_parked(store, message, INTAKE_QUEUE_NAME, reason, failures + unfinished)
            store.forget_attempts(key)
            return True
    except Exception:
        with bound_event_id(message.message_id):
            log.exception("the intake's attempt record cannot be kept; the report is retried "
                          "in %.0f s", ATTEMPTS_DOWN_PAUSE_S)
        time.sleep(ATTEMPTS_DOWN_PAUSE_S)  # green under eventlet
        return False
    try:
        handle_intake(store, message, user_prefix, max_ahead=max_ahead, evidence=evidence)
    except Exception:
        with bound_event_id(message.message_id):
            log.exception("report could not be processed (attempt %d of %d); it will be retried",
                          failures + 1, FAILURE_LIMIT)
            try:
                store.attempt_failed(key)
            except Exception:  # still counted as unfinished, under the higher limit
                log.exception("the failed attempt could not be noted")
        return False
    try:
        store.forget_attempts(key)
    except Exception:  # the report is stored; a stale record only counts if it comes again
        log.exception("the attempt record of a stored report could not be removed")
    return True


def reject(store, sender: domain.Sender, message: RawMessage, rejection: domain.Rejection,
           now: datetime) -> bool:
    """Keep a rejection where the operator sees it; False if it was kept already."""
    storable = domain.storable  # envelope text may hold lone surrogates (see domain.storable)
    record = {
        "rejection_id": domain.rejection_id(sender, message.body, (
            message.routing_key, message.content_type, message.message_id)),
        "province": sender.province,
        "agency": sender.agency,  # an implementing agency's own report (its AMQP user)
        "sender": storable(sender.username or f"(no user_id; routing key {message.routing_key})"),
        "event_id": storable(rejection.report_event_id),
        "kind": storable(rejection.kind),
        "reason": storable(rejection.reason),
        "reason_th": storable(rejection.reason_th),
        "received_at": now.isoformat(),
        "routing_key": storable(message.routing_key),
        # the rest of the envelope, so a re-drive judges the message as it came (redrive.py)
        "envelope": {"content_type": storable(message.content_type),
                     "message_id": storable(message.message_id),
                     # a gateway report's person: shown with it, and judged again with it
                     **({"headers": domain.person_headers(message.headers),
                         "reported_by": reported_by(sender)} if sender.gateway_route else {})},
        # an oversized body is kept in part (the operator sees what it was, not 50 MB of it)
        "raw_body": message.body if len(message.body) <= domain.MAX_KEPT_BYTES else
        message.body[:domain.MAX_KEPT_BYTES] + f"\n[... cut: {len(message.body):,} bytes in all]".encode(),
    }
    return store.record_rejection(record, [domain.rejected_event(record)])


def accept(store, sender: domain.Sender, valid: domain.ValidReport, now: datetime,
           views: "BatchViews") -> str | domain.Rejection:
    """Keep a valid report (inside the intake's transaction, ``store.atomic()``): "accepted",
    "duplicate", or the rejection of a report whose event_id its sender used for another."""
    report = valid.report
    refused = approval_cases.lock_of(store, valid) or window.closed_rejection(
        store, valid.plan or views.plan(valid.plan_id), valid, now, lambda: due_days_of(store))
    if refused is not None and not store.report_kept(sender.account, report["event_id"]):
        # an approved period, or a closed window (a redelivery of a report kept before: as ever)
        return refused
    body = {**report, "reported_at": report["reported_at"].isoformat()}
    if valid.kind == "project":
        body["as_of"] = report["as_of"].isoformat()
    recorded = store.record_report(valid.kind, valid.plan_id, valid.subject, valid.period,
                                   report["province"], report["event_id"],
                                   valid.reported_at_key, body, sender.account,
                                   reported_by(sender))
    if recorded.conflict:
        return domain.conflict_rejection(valid, recorded.conflict)
    store.note_effect(sender.username, report["event_id"], recorded.new, recorded.current)
    if valid.kind == "indicator":
        # Even for a duplicate: its view is written again, which repairs one a crash left
        # behind (MongoDB).
        views.took_effect(valid, body, recorded, now)
    elif recorded.current:
        plan = views.plan(valid.plan_id)
        store.add_events(domain.behind_schedule_events(
            plan, [row for row in _progress_rows(store, plan) if row["project"] == valid.subject],
            now))
    return "accepted" if recorded.new else "duplicate"


def reported_by(sender: domain.Sender) -> dict | None:
    """Who reported a report the gateway sent: the person, and the gateway user it came by."""
    if not (sender.gateway_route and sender.reporter):
        return None
    return {**sender.reporter, "via": sender.username}


class BatchViews:
    """The indicator views a batch of reports changes, each written once at the end of the
    batch instead of once per report (reports come in bursts: a period's deadline, the same
    indicators from every province).

    Each report is still judged on the view as it stands right after it (the off-target fact),
    from its key's values read once and kept up to date as the batch's reports take effect.
    The view that is written is computed from the store's values at the end, after reading the
    key's revision: on MongoDB another replica may have changed the key meanwhile, and the
    revision guard keeps whichever view saw more.
    """

    def __init__(self, store, plans: list[dict] | None = None):
        self._store = store
        self._plans = {p["id"]: p for p in plans} if plans is not None else {}
        self._values: dict[tuple[str, str, str], dict] = {}  # each key's values in force
        self._events: dict[tuple[str, str, str], list] = {}  # the off-target facts found
        self._series: dict[tuple[str, str], dict] = {}  # views by period, read once a batch

    def plan(self, plan_id: str) -> dict:
        if plan_id not in self._plans:
            self._plans[plan_id] = self._store.get_plan(plan_id)
        return self._plans[plan_id]

    def took_effect(self, valid: domain.ValidReport, body: dict, recorded, now: datetime) -> None:
        key = (valid.plan_id, valid.subject, valid.period)
        events = self._events.setdefault(key, [])
        if key not in self._values or not recorded.new:
            # first of its key, or a redelivery: what is in force comes from the store
            self._values[key] = self._store.current_values(*key)
        elif recorded.current:
            if body.get("value") is None:
                self._values[key].pop(body["province"], None)
            else:
                self._values[key][body["province"]] = body["value"]
        if recorded.current:
            plan = self.plan(valid.plan_id)
            indicator = domain.find_indicator(plan, valid.subject)
            view = domain.indicator_view(plan, indicator, self._values[key])
            event = domain.off_target_event(plan, indicator, valid.period, view, body, now)
            if event:
                events.append(event)
            if recorded.new and body.get("value") is not None:
                self._flag_if_outlier(plan, indicator, valid, body, now)

    def _flag_if_outlier(self, plan, indicator, valid, body, now) -> None:
        """The soft rule: a value far from the province's own earlier periods (or, with too few
        of them, from the other provinces this period) is accepted and flagged to check."""
        province = body["province"]
        series = self._series.get((valid.plan_id, valid.subject))
        if series is None:
            series = self._series[valid.plan_id, valid.subject] = \
                self._store.indicator_series(valid.plan_id, valid.subject)
        history = domain.earlier_values(series, valid.period, province)
        peers = [v for p, v in self._values[(valid.plan_id, valid.subject, valid.period)].items()
                 if p != province]
        found = rules.outlier(body["value"], history, peers, rules.outlier_z(indicator))
        if found:
            flag, event = domain.flag_of(plan, indicator, valid.period, body, found, now)
            self._store.record_flag(flag, [event])

    def save(self) -> None:
        for (plan_id, code, period), events in self._events.items():
            revision = self._store.view_revision(plan_id, code, period)
            plan = self.plan(plan_id)
            view = domain.indicator_view(plan, domain.find_indicator(plan, code),
                                         self._store.current_values(plan_id, code, period))
            self._store.save_indicator_view(plan_id, code, period, view, events, revision)
        self._values.clear()
        self._events.clear()
        self._series.clear()


def handle_plan_published(store, payload: dict) -> bool:
    # An invalid one is a producer bug, not bad input: load raises, so it is retried, then parked.
    event = contract_events.load(PLAN_PUBLISHED, payload)
    stored = store.save_plan(event["plan"])
    log.info("plan %s v%s %s", event["plan"]["id"], event["plan"]["version"],
             "learned" if stored else "already known")
    return stored


def park(store, message: RawMessage, now: datetime | None = None) -> bool:
    """Keep a message some service gave up on, with where and why, for an operator to see."""
    deaths = message.headers.get("x-death") or [{}]
    first = deaths[-1] if isinstance(deaths, list) and deaths else {}
    queue = str(first.get("queue") or message.headers.get("x-first-death-queue") or "?")
    reason = str(first.get("reason") or message.headers.get("x-first-death-reason") or "?")
    return keep_parked(store, message, queue, reason, int(first.get("count") or 0) or None, now)


def keep_parked(store, message: RawMessage, queue: str, reason: str, deliveries: int | None,
                now: datetime | None = None) -> bool:
    """Keep a message given up on in ``queue`` for ``reason``; False if it was kept already."""
    digest = hashlib.sha256(message.body).hexdigest()
    record = {
        "parked_id": str(uuid.uuid5(PARKED_NAMESPACE, f"{queue}|{message.message_id}|{digest}")),
        "queue": queue, "reason": reason, "deliveries": deliveries,
        "routing_key": message.routing_key,
        "parked_at": (now or datetime.now(timezone.utc)).isoformat(),
        "headers": _plain(message.headers), "body": message.body,
        "properties": {"content_type": message.content_type, "message_id": message.message_id,
                       "user_id": message.user_id},
    }
    earlier = store.get_parked(record["parked_id"])
    while earlier and earlier.get("retried_at"):  # parked again after a retry: a new entry
        record["parked_id"] = str(uuid.uuid5(PARKED_NAMESPACE,
                                             f"{record['parked_id']}|after|{earlier['retried_at']}"))
        earlier = store.get_parked(record["parked_id"])
    if store.park(record):
        PARKED.inc()
        log.error("a message from %s was parked (%s); see GET /api/parked", queue, reason)
        return True
    return False


def retry_parked(store, parked_id: str, republish, user_prefix: str = "",
                 now: datetime | None = None) -> dict:
    """Send a parked message back to be processed again, once the cause is fixed.

    A province report (the intake queue) is processed here again with its sender as the broker
    vouched for it - republishing could not keep the province's user_id. Any other message goes
    back to the queue it died in (``republish(queue, body, properties)``), where its consumer
    takes it as new (with a fresh delivery count).
    """
    kept = store.get_parked(parked_id)
    if kept is None:
        raise ParkedError(f"no parked message {parked_id!r}")
    if kept.get("retried_at"):
        raise ParkedError(f"parked message {parked_id} was retried already at {kept['retried_at']}")
    body = kept["body"].encode("utf-8") if isinstance(kept["body"], str) else kept["body"]
    properties = kept.get("properties") or {}
    if kept["queue"] == INTAKE_QUEUE_NAME:
        outcome = handle_intake(store, RawMessage(
            body, kept["routing_key"] or "", properties.get("user_id"), properties.get("message_id"),
            properties.get("content_type"), True,
            domain.person_headers(kept.get("headers") or {})), user_prefix)
    else:
        republish(kept["queue"], body, {k: v for k, v in properties.items()
                                        if k != "user_id" and v is not None})
        outcome = "republished"
    store.mark_retried(parked_id, (now or datetime.now(timezone.utc)).isoformat())
    log.info("parked message %s from %s retried: %s", parked_id, kept["queue"], outcome)
    return {"parked_id": parked_id, "queue": kept["queue"], "outcome": outcome}


def _plain(value):
    """Headers as JSON-safe values (x-death holds datetimes and nested tables)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


# Bump when the code that builds views changes: every view is then rebuilt at start-up.
VIEWS_VERSION = 1


def rebuild(store) -> dict:
    """Every view again from the event store alone (``clusterctl rebuild``).

    The precedence rule makes the order of replay irrelevant, so the result is exactly what
    live processing built - the property tests check that.
    """
    with store.atomic():
        store.reset_views()
        plans = {p["id"]: p for p in store.plans()}
        keys, replayed = set(), 0
        for report in store.stored_reports():
            store.replay_report(report["kind"], report["plan_id"], report["subject"],
                                report["period"], report["province"], report["event_id"],
                                report["reported_at"], report["body"])
            replayed += 1
            if report["kind"] == "indicator":
                keys.add((report["plan_id"], report["subject"], report["period"]))
        for plan_id, code, period in sorted(keys):
            plan = plans.get(plan_id)
            indicator = domain.find_indicator(plan, code) if plan else None
            if indicator is None:  # the plan or the indicator is gone: nothing to show
                continue
            revision = store.view_revision(plan_id, code, period)
            view = domain.indicator_view(plan, indicator, store.current_values(plan_id, code, period))
            store.save_indicator_view(plan_id, code, period, view, [], revision)
        # approvals are read from their steps (the event store) as they stand: nothing to redo
        steps = sum(1 for _ in store.all_approval_steps())
        store.set_meta("views_version", VIEWS_VERSION)
    log.info("rebuilt %d indicator views from %d stored reports and %d approval steps",
             len(keys), replayed, steps)
    return {"reports": replayed, "indicator_views": len(keys), "approval_steps": steps,
            "views_version": VIEWS_VERSION}


def remove_reports(store, plan_id: str, keys: list, asset_codes: list) -> dict:
    """Take reports out of the event store by identity (sender, event_id) - with the rejections
    of those identities, their flags and the assets counted for projects - and rebuild every
    view by replay, so what remains is exactly what the other reports make. Only for sample data
    (clusterctl sample remove): accepted reports are otherwise never deleted."""
    wanted = {(str(s), str(e)) for s, e in keys}
    # the facts they caused, for notify to forget their mail: found before they are gone
    facts = [fact for r in store.reports_of(plan_id, {}, 10_000_000)
             if (r["sender"], r["event_id"]) in wanted
             for fact in domain.facts_of_report(r["province"], r["event_id"])]
    facts += [domain.rejected_fact_id(r["rejection_id"]) for r in store.rejections(None, 10_000_000)
              if (r["sender"], r.get("event_id")) in wanted]
    with store.atomic():
        taken = store.delete_reports(plan_id, sorted(wanted))
        taken["project_assets"] = store.delete_project_assets([str(c) for c in asset_codes])
        rebuilt = rebuild(store)
    log.info("removed %s from plan %s", taken, plan_id)
    return {**taken, "views_rebuilt": rebuilt["indicator_views"], "facts": facts}


def ensure_views_current(store) -> dict | None:
    """Rebuild when the stored views were made by another version of the view code."""
    if store.get_meta("views_version") == VIEWS_VERSION:
        return None
    return rebuild(store)


FLAG_STATUSES = ("to_check", "checked", "correction_requested")


def list_flags(store, plan_id: str, status: str | None = None,
               provinces: list[str] | None = None) -> list[dict]:
    _plan(store, plan_id)
    if status is not None and status not in FLAG_STATUSES:
        raise QueryError(f"status {status!r} is not one of {', '.join(FLAG_STATUSES)}")
    return store.flags(plan_id, status, provinces)


def review_flag(store, plan_id: str, flag_id: str, action: str, by: str,
                note: str | None = None, now: datetime | None = None) -> dict:
    """The OSM's review of a flagged value: "checked" (it is right) or "correction_requested"
    (the province is asked, by mail, to check it and send a correction)."""
    plan = _plan(store, plan_id)
    flag = store.get_flag(flag_id)
    if flag is None or flag["plan_id"] != plan_id:
        raise UnknownFlag(f"plan {plan_id} has no flagged value {flag_id!r}")
    if action not in FLAG_STATUSES[1:]:
        raise QueryError(f"action {action!r} is not one of {', '.join(FLAG_STATUSES[1:])}")
    if note is not None and (not isinstance(note, str) or len(note) > 2000):
        raise QueryError("note must be text of at most 2,000 characters")
    now = now or datetime.now(timezone.utc)
    events = [domain.correction_requested_event(plan, flag, by, note, now)] \
        if action == "correction_requested" else []
    store.review_flag(flag_id, action, by, now.isoformat(), note, events)
    return store.get_flag(flag_id)


def count_asset(store, payload: dict) -> None:
    """What a project has produced: each registered asset's value (by asset code, so a
    redelivered event counts once)."""
    asset = contract_events.load(ASSET_REGISTERED, payload)["asset"]
    store.record_project_asset(asset["plan_id"], asset["project"], asset["code"],
                               float(asset["total_value_thb"]))


DUE_DAYS = "reporting_due_days"


def due_days_of(store) -> int:
    """Days after a period's end until its reports are due: the admin's, else the default (0 is
    the admin's choice too: due the day the period ends)."""
    days = store.get_meta(DUE_DAYS)
    return timeliness.DEFAULT_DUE_DAYS if days is None else days


def completeness(store, plan_id: str, period: str, today=None) -> dict:
    plan = _plan(store, plan_id)
    checked_period(period)
    due_days = due_days_of(store)
    today = today or datetime.now(domain.BANGKOK).date()
    rows = timeliness.completeness(plan, period, store.first_received(plan_id, period), due_days,
                                   today, projects_received(store, plan, period))
    return certainty.with_approvals(  # each province's approval, and those approved on time
        {"plan_id": plan_id, "period": period, "due_days": due_days, "provinces": rows},
        approval_cases.states(store, plan_id), store.approval_steps(plan_id))


def projects_received(store, plan: dict, period: str) -> dict:
    """First received per (province, project) with progress as of the period - asked of the
    store only in a period of the plan's progress cadence."""
    parsed = domain.parse_period(period)
    if parsed.kind != timeliness.progress_frequency(plan):
        return {}
    return store.projects_received(plan["id"], parsed.start.isoformat(), parsed.end.isoformat())


def set_due_days(store, days) -> int:
    days = schemas.due_days(days)
    store.set_meta(DUE_DAYS, days)
    return days


def check_deadlines(store, now: datetime | None = None) -> int:
    """The facts that follow from the calendar, for every published plan, each queued once
    (deterministic event ids): report due soon / overdue for the period of each frequency
    that ended last; indicators off target when such a period has closed (its due date has
    passed); projects behind schedule (the government's targets may have changed since their
    last report); approval steps waiting too long for the next. Returns how many facts were
    queued or confirmed."""
    now = now or datetime.now(timezone.utc)
    today = now.astimezone(domain.BANGKOK).date()
    due_days = due_days_of(store)
    reminder_days = approval_cases.reminder_days_of(store)
    events = []
    for plan in store.plans():
        if plan["status"] != "published":
            continue
        periods = {last_ended_period(kind, today)
                   for kind in ("monthly", "quarterly", "yearly")}
        received = {p: store.first_received(plan["id"], p) for p in periods}
        progress = {p: projects_received(store, plan, p) for p in periods}
        events += timeliness.reminders(plan, today, received, due_days,
                                       projects_received_by_period=progress)
        # every period of the plan that has closed - not only the last: a long due offset or
        # an outage must not skip one (the event ids keep each fact to once)
        for period in timeliness.plan_periods(plan):
            due = timeliness.due_date(period, due_days)
            if today > due:
                results = indicator_results(store, plan["id"], period)["results"]
                events += domain.off_target_at_close_events(plan, period, due, results, now)
        events += domain.behind_schedule_events(plan, _progress_rows(store, plan), now)
        events += problem_cases.overdue_remedy_events(store, plan, now)
        events += approval_cases.waiting_events(store, plan, now, reminder_days)
    if events:
        store.add_events(events)
    return len(events)


# ---- province reporting without code (workbook, upload, CLI) -------------------------------------

def check_reports(store, province: str | None, bodies: list[dict], agency: str | None = None,
                  evidence=None) -> list[str | None]:
    """The intake's own checks (schema, plan match, cited evidence, the approval lock, the
    reporting window) on report bodies a province (or an implementing ``agency``) is about to
    send, without keeping anything: per body None, or the reason the intake would reject it."""
    plans = store.plans()
    now = datetime.now(timezone.utc)
    reasons = []
    user, code = (domain.AGENCY_USER_PREFIX + agency, agency) if agency else (province, province)
    for body in bodies:
        kind = "indicator" if "indicator" in body else "project"
        # surrogatepass: a lone surrogate in a body over HTTP is refused by the intake's own
        # check (not UTF-8), not a fault here
        message = RawMessage(body=json.dumps(body, ensure_ascii=False).encode("utf-8",
                                                                              "surrogatepass"),
                             routing_key=f"report.{code}.{kind}", user_id=user,
                             message_id=body.get("event_id"), content_type="application/json",
                             redelivered=False)
        outcome = check(store, message, "", plans, now=now, evidence=evidence).outcome
        if isinstance(outcome, domain.ValidReport):  # an approved period, a closed window:
            # told before it is sent, in the order the intake judges them (handle_valid)
            outcome = approval_cases.lock_of(store, outcome) or window.closed_rejection(
                store, outcome.plan, outcome, now, lambda: due_days_of(store)) or outcome
        reasons.append(outcome.reason if isinstance(outcome, domain.Rejection) else None)
    return reasons


def report_statuses(store, plan_id: str, province: str | None, event_ids: list[str],
                    agency: str | None = None, user_prefix: str = "") -> dict:
    """What became of reports a province (or an implementing ``agency``) sent, by event_id:
    ``in_force`` (its value counts), ``superseded`` (a later report of the same thing counts:
    ``in_force`` then holds that report's body), ``rejected`` (with the reason) or ``pending``
    (not processed yet, or never received)."""
    wanted = set(event_ids)
    statuses = {event_id: {"status": "pending", "reason": None} for event_id in event_ids}
    in_force, superseded = {}, {}
    user = user_prefix + domain.AGENCY_USER_PREFIX + agency if agency else None
    # an agency's project may be in force by another sender's (a province's) report
    rows = store.reports_of(plan_id, {"kind": "project"} if agency else {"province": province},
                            100_000)
    for row in rows:
        body = row["body"]
        key = (row["kind"], body.get("indicator") or body.get("project"), body.get("period"),
               body["province"])
        if row["in_force"]:
            in_force[key] = body
        if body["event_id"] in wanted and (user is None or row["sender"] == user):
            statuses[body["event_id"]] = {
                "status": "in_force" if row["in_force"] else "superseded", "reason": None}
            if not row["in_force"]:
                superseded[body["event_id"]] = key
    for event_id, key in superseded.items():
        statuses[event_id]["in_force"] = in_force.get(key)
    rejected = store.rejections([], 100_000, [agency]) if agency else \
        store.rejections([province], 100_000)
    for rejection in rejected:
        if rejection.get("event_id") in wanted and statuses[rejection["event_id"]]["status"] == "pending":
            statuses[rejection["event_id"]] = {"status": "rejected", "reason": rejection["reason"]}
    return statuses


def last_reported(store, plan_id: str, province: str, period: str) -> dict:
    """What the province has in force for a period's workbook: each indicator's value for that
    period, each project's latest progress."""
    results = indicator_results(store, plan_id, period)["results"]
    indicators = {r["indicator"]: r["provinces"].get(province) for r in results}
    projects = {row["project"]: {k: row.get(k) for k in ("physical_progress_pct", "disbursed_thb",
                                                         "procurement_stage", "as_of")}
                for row in store.project_progress(plan_id) if row.get("province") == province}
    return {"indicators": indicators, "projects": projects}

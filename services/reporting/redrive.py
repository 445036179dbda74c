"""Sending a kept rejection through the intake again (docs/approvals.md, "nothing is lost"): a
report refused by an approved period's lock - or for any reason since put right - is judged
again, exactly as it came (its body, routing key and envelope) and as its original sender (the
AMQP user the broker vouched for), by the same checks as any report. Taken, the rejection is
marked re-driven with the outcome; refused again, nothing is kept and the reason is answered."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from services.contracts import access
from services.contracts.errors import RedriveError
from services.infra.logs import about
from services.infra.messaging import RawMessage

from . import domain, handlers, plausibility
from .approval_cases import actor_of

log = logging.getLogger(__name__)


def in_scope(kept: dict, provinces: list[str] | None, agencies: list[str] | None) -> bool:
    """Whether the asker's scope (as the rejection list filters it: both None, all) holds it."""
    if provinces is None and agencies is None:
        return True
    if kept.get("agency"):
        return kept["agency"] in (agencies or [])
    return kept.get("province") in (provinces or [])


def already_redriven(kept: dict) -> RedriveError:
    return RedriveError(409, "already_redriven",
                        f"re-driven already on {kept['redriven_at'][:10]}: "
                        f"{kept['redrive_outcome']}",
                        f"ส่งซ้ำไปแล้วเมื่อ {kept['redriven_at'][:10]}")


def asker_scope(who, provinces: list[str] | None, agencies: list[str] | None):
    """The rejections ``who`` may re-drive, as in_scope takes them - by the rule here, not only
    as the gateway says: a province its own only; only the admin all (both None)."""
    if who.role == access.PROVINCE:
        return [who.scope], []
    if access.reads_all(who):
        return provinces, agencies
    return provinces or [], agencies or []  # an OSM: its cluster's, as the gateway names them


def redrive(store, rejection_id: str, actor: dict,
            provinces: list[str] | None = None, agencies: list[str] | None = None,
            user_prefix: str = "", max_ahead: timedelta = plausibility.DEFAULT_MAX_AHEAD,
            evidence=None, now: datetime | None = None) -> dict:
    """Judge the kept rejection's message again, for ``actor`` (the gateway's principal: role,
    scope, person, duty); the rejection as it now stands, with the ``outcome`` (accepted, or
    duplicate: the report was kept meanwhile). RedriveError when the actor may not re-drive or
    it is not theirs (403), unknown (404), re-driven already - a concurrent re-drive too - or
    still refused (409)."""
    who = actor_of(actor)
    by = str(who)
    if not access.may_redrive(who):
        raise RedriveError(403, "forbidden", f"{who} may not re-drive a rejection: the sending "
                           "province's planner, the cluster's OSM or the admin may",
                           "ท่านส่งรายงานที่ถูกปฏิเสธซ้ำไม่ได้")
    provinces, agencies = asker_scope(who, provinces, agencies)
    kept = store.get_rejection(rejection_id)
    if kept is None:
        raise RedriveError(404, "not_found", f"no rejection {rejection_id!r}",
                           f"ไม่พบรายงานที่ถูกปฏิเสธ {rejection_id!r}")
    if not in_scope(kept, provinces, agencies):
        raise RedriveError(403, "forbidden", "this rejection is another province's or agency's",
                           "รายงานนี้เป็นของจังหวัดหรือหน่วยงานอื่น")
    if kept.get("redriven_at"):
        raise already_redriven(kept)
    if kept.get("envelope") is None:
        raise RedriveError(409, "not_redrivable",
                           "kept before rejections kept their envelope: it cannot be judged "
                           "as it came; send the report again",
                           "รายงานนี้ถูกเก็บก่อนระบบจะเก็บข้อมูลซองข้อความ ส่งซ้ำไม่ได้ "
                           "โปรดส่งรายงานใหม่")
    now = now or datetime.now(timezone.utc)
    envelope = kept["envelope"]
    raw = kept["raw_body"]
    message = RawMessage(raw.encode("utf-8") if isinstance(raw, str) else raw,
                         kept["routing_key"], kept["sender"], envelope.get("message_id"),
                         envelope.get("content_type"), True, envelope.get("headers") or {})
    checked = handlers.check(store, message, user_prefix, now=now, max_ahead=max_ahead,
                             evidence=evidence)
    outcome = checked.outcome
    if isinstance(outcome, domain.ValidReport):
        with store.atomic():
            views = handlers.BatchViews(store)
            outcome = handlers.accept(store, checked.sender, outcome, now, views)
            if not isinstance(outcome, domain.Rejection):
                views.save()
                if not store.mark_redriven(rejection_id, now.isoformat(), outcome, by):
                    # another re-drive of it won meanwhile: that one is the answer (a 200 here
                    # told two people each theirs took; the report is kept once either way)
                    raise already_redriven(store.get_rejection(rejection_id))
    if isinstance(outcome, domain.Rejection):  # nothing kept: the rejection stays as it was
        raise RedriveError(409, "still_rejected", f"still rejected: {outcome.reason}",
                           f"ยังไม่ผ่าน: {outcome.reason_th or outcome.reason}")
    handlers.log_outcome(checked, outcome)
    log.info("rejection %s re-driven by %s: %s", rejection_id, by or "?", outcome,
             extra=about(checked.event_id))
    shown = {k: v for k, v in store.get_rejection(rejection_id).items() if k != "envelope"}
    return {**shown, "outcome": outcome}

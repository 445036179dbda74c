"""What the audit log keeps of one act - pure rules, no I/O: which acts are audited (the
``Audit`` declaration a route carries), what of a request and its answer is kept (secrets
masked, long values cut), and what changed between the before and the after."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo
from dataclasses import dataclass
from typing import Callable

MASK = "***"
SECRET_WORDS = ("password", "secret", "token", "api_key", "hash", "totp", "csrf")
MAX_TEXT = 300      # characters of one text value kept
MAX_ITEMS = 50      # items of one list kept
MAX_DEPTH = 6
MAX_REASON = 500
MAX_KEPT = 16_000   # bytes of JSON kept of one request, before or after
BANGKOK = ZoneInfo("Asia/Bangkok")
FILTERS = ("since", "until", "person", "organisation", "act", "target", "cluster")


@dataclass(frozen=True)
class Audit:
    """A route's act as the audit log names it.

    ``act``: a dotted name ("plan.publish"; its Thai and English words are in audit_words.py);
    ``target``: the path value naming what was acted on ("plan_id"), if any - or several,
    joined by "/" ("period/province": kept as "FY2568-Q2/TH-34");
    ``before``: ``before(gateway, path_values)`` reads the state the act changes (a dict), just
    before the act - the after is then the answer's values of the same fields."""
    act: str
    target: str | None = None
    before: Callable | None = None


def masked(value, depth: int = 0):
    """``value`` with every secret replaced by ``***`` and cut to a size worth keeping."""
    if depth > MAX_DEPTH:
        return "…"
    if isinstance(value, dict):
        return {str(k): MASK if any(w in str(k).lower() for w in SECRET_WORDS)
                else masked(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        kept = [masked(v, depth + 1) for v in value[:MAX_ITEMS]]
        return kept + ([f"… {len(value) - MAX_ITEMS} more"] if len(value) > MAX_ITEMS else [])
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return value[:MAX_TEXT] + "…"
    return value


def after_of(before, answer):
    """The answer's values of the fields the before has (the state after the act); the whole
    answer when the before is empty (the act made the thing)."""
    if isinstance(before, dict) and before and isinstance(answer, dict):
        return {k: answer.get(k) for k in before}
    return answer


def changes(before, after) -> list[dict]:
    """Each value that differs, ``{"field", "before", "after"}``; nested objects compared field
    by field ("rules.report_overdue", "FY2568.Q2"), lists as a whole."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    flat_before, flat_after = _flat(before), _flat(after)
    return [{"field": k, "before": flat_before.get(k), "after": flat_after.get(k)}
            for k in sorted(set(flat_before) | set(flat_after))
            if flat_before.get(k) != flat_after.get(k)]


def _flat(value: dict, prefix: str = "", depth: int = 0) -> dict:
    found = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict) and item and depth < 3:
            found.update(_flat(item, name + ".", depth + 1))
        else:
            found[name] = item
    return found


def bounded(value, limit: int = MAX_KEPT):
    """``value`` if its JSON is at most ``limit`` bytes; else its top-level fields, each as
    itself when short or as a note of its size (a revised plan is in the plan's history)."""
    if len(json.dumps(value, ensure_ascii=False, default=str).encode()) <= limit:
        return value
    if not isinstance(value, dict):
        return f"({type(value).__name__}, too large to keep here)"
    kept = {}
    for key, item in value.items():
        size = len(json.dumps(item, ensure_ascii=False, default=str).encode())
        kept[key] = item if size <= 500 else f"({size:,} bytes, not kept here)"
    return kept


def reason_of(args: dict, body) -> str | None:
    """Why: the ``?reason=`` of a settings change, else the body's reason, comment or note."""
    found = args.get("reason")
    if not found and isinstance(body, dict):
        found = next((body[k] for k in ("reason", "comment", "note")
                      if isinstance(body.get(k), str) and body[k].strip()), None)
    found = (found or "").strip()
    return found[:MAX_REASON] or None


def new_record(*, at: str, act: str, who, target, cluster, via: str, status: int,
               before=None, answer=None, request=None, reason=None) -> dict:
    """One act, as kept. ``who`` is the principal (access.Who)."""
    before, answer = bounded(masked(before)), bounded(masked(answer))
    after = after_of(before, answer) if before is not None else None
    return {"id": uuid.uuid4().hex, "at": at, "act": act,
            "target": None if target is None else str(target), "cluster": cluster,
            "person": who.person, "role": who.role, "organisation": who.scope,
            "duty": getattr(who, "duty", None), "via": via, "status": status,
            "before": before, "after": after, "changes": changes(before, after),
            "request": bounded(masked(request)), "answer": None if before is not None else
            identifying(answer), "reason": reason}


IDENTIFYING = ("id", "plan_id", "code", "version", "status", "state", "key_id", "username",
               "accepted", "rejected", "count", "created", "fiscal_year")


def identifying(answer):
    """What names the outcome of an act with no before (a new plan's id and version, a key's
    id, how many rows a sheet registered) - not the whole answer, which may be large."""
    if isinstance(answer, dict):
        return {k: answer[k] for k in IDENTIFYING if k in answer and not isinstance(
            answer[k], (dict, list))} or None
    if isinstance(answer, list):
        return {"count": len(answer)}
    return None


def check_filters(args: dict) -> dict:
    """The query's filters, each a non-empty string; ValueError naming a bad one. ``since`` and
    ``until`` become UTC instants (``since`` inclusive, ``until`` exclusive): a date alone is a
    whole day in Bangkok, where the people who ask live."""
    found = {}
    for name in FILTERS:
        value = (args.get(name) or "").strip()
        if not value:
            continue
        if len(value) > 200:
            raise ValueError(f"{name}: at most 200 characters")
        found[name] = _instant(name, value) if name in ("since", "until") else value
    return found


def _instant(name: str, value: str) -> str:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{name}: a date or time like 2026-12-06 or 2026-12-06T09:30:00+07:00, "
                         f"not {value[:40]!r}") from None
    if len(value) == 10 and name == "until":  # the whole of that day
        moment += timedelta(days=1)
    elif name == "until":
        moment += timedelta(microseconds=1)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BANGKOK)
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def as_text(value) -> str:
    """A kept value in one cell of a page or a file."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)

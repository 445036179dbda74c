"""The edges of notify: what an admin or an agency sends to change who is mailed - the routing
rules (event type -> the parties told) and an agency's delivery preference. Each check names every
problem it finds and raises ValueError; handlers.py answers the caller with a RuleError."""
from __future__ import annotations

from .domain import DEFAULT_RULES, PARTIES


def rules(raw) -> dict:
    """An admin's change of rules: {event type: [parties]}; every problem named."""
    if not isinstance(raw, dict):
        raise ValueError("rules must be an object {event type: [parties]}")
    problems = []
    for event_type, parties in raw.items():
        if event_type not in DEFAULT_RULES:
            problems.append(f"unknown event type {event_type!r}")
        elif not isinstance(parties, list) or any(not isinstance(p, str) or p not in PARTIES
                                                        for p in parties):
            problems.append(f"{event_type}: parties must be a list of "
                            + ", ".join(sorted(PARTIES)))
    if problems:
        raise ValueError("; ".join(problems))
    return {k: list(dict.fromkeys(v)) for k, v in raw.items()}


def preference(raw) -> dict:
    """An agency's delivery preference: ``immediate`` or ``daily_digest``, and the event types
    it does not want (unsubscribe per rule)."""
    if not isinstance(raw, dict):
        raise ValueError('a preference is {"delivery": "immediate" | "daily_digest", "muted": [...]}')
    problems = []
    delivery = raw.get("delivery", "immediate")
    if delivery not in ("immediate", "daily_digest"):
        problems.append("delivery must be immediate or daily_digest")
    muted = raw.get("muted", [])
    if not isinstance(muted, list) or any(not isinstance(m, str) or m not in DEFAULT_RULES
                                                     for m in muted):
        problems.append("muted must list event types among " + ", ".join(sorted(DEFAULT_RULES)))
    unknown = sorted(set(raw) - {"delivery", "muted"})
    if unknown:
        problems.append(f"unknown keys {', '.join(unknown)}")
    if problems:
        raise ValueError("; ".join(problems))
    return {"delivery": delivery, "muted": sorted(set(muted))}

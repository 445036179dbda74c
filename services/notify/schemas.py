"""The edges of notify: what an admin or an agency sends to change who is mailed - the routing
rules (event type -> the parties told) and an agency's delivery preference - and the account mails
the gateway asks for (a marshmallow schema). Each check names every problem it finds and raises
ValueError; handlers.py answers the caller with a RuleError (an AccountMailError for the latter)."""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from services.contracts.reports import describe_errors

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


# --- account mails (the gateway's personal accounts) -------------------------------------------

ACCOUNT_KINDS = ("password_reset", "invitation", "account_locked")
LINK_KINDS = ("password_reset", "invitation")  # a one-time link that expires: both required


class AccountMailSchema(Schema):
    """``send_account_mail``'s argument. No error message quotes a value: the link is a secret
    and the error travels back to the caller, who may log it."""

    class Meta:
        unknown = RAISE

    id = fields.String(required=True, validate=validate.Length(min=1, max=200),
                       metadata={"description": "the caller's idempotency key (not the token)"})
    kind = fields.String(required=True, validate=validate.OneOf(ACCOUNT_KINDS))
    to = fields.Email(required=True, validate=validate.Length(max=254))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    lang = fields.String(load_default="th", validate=validate.OneOf(("th", "en")))
    # require_tld=False: a test or an intranet gateway lives at http://127.0.0.1:8000
    link = fields.Url(load_default=None, allow_none=True, schemes={"http", "https"},
                      require_tld=False, validate=validate.Length(max=2000))
    expires_at = fields.AwareDateTime(load_default=None, allow_none=True)
    username = fields.String(required=True, validate=validate.Length(min=1, max=200))

    @validates_schema
    def _link_and_expiry(self, data, **kwargs):
        if data.get("kind") in LINK_KINDS:
            missing = {f: ["required for a password_reset or an invitation"]
                       for f in ("link", "expires_at") if not data.get(f)}
            if missing:
                raise ValidationError(missing)


_ACCOUNT_MAIL = AccountMailSchema()


def account_mail(raw) -> dict:
    """The account mail asked for, checked; ValueError naming every field wrong (never a value)."""
    if not isinstance(raw, dict):
        raise ValueError("an account mail is an object {id, kind, to, name, lang, link, "
                         "expires_at, username}")
    try:
        mail = _ACCOUNT_MAIL.load(raw)
    except ValidationError as exc:
        raise ValueError(describe_errors(exc.messages)) from None
    return {**mail, "expires_at": mail["expires_at"].isoformat() if mail["expires_at"] else None}

"""People's accounts, the use cases: sign in (password, then a TOTP code when the person has
one), sessions, one-time links (reset, invitation, first-admin setup) and users' management.

Every secret a person holds - a session cookie, a link's token - is random and kept here only
as its SHA-256; passwords only as argon2id hashes (argon2-cffi's defaults, RFC 9106's
second recommended profile). Answers to a wrong name, a wrong password and a locked name are
the same, so nobody learns from the login form whether an account exists.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timezone

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from . import domain
from .domain import AccountError
from .store import AccountStore, UserExists

HASHER = PasswordHasher()  # argon2id
# verified against when the name is unknown, so a wrong name costs the time a wrong password does
_DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(timezone.utc)


class SignIn:
    """The outcome of a password: ``session`` (a full one) or ``pending`` (a code is wanted)."""

    def __init__(self, token: str | None = None, needs_code: bool = False, user: dict | None = None):
        self.token, self.needs_code, self.user = token, needs_code, user


class Accounts:
    def __init__(self, store: AccountStore, clock=_now):
        self.store, self.clock = store, clock

    # --- signing in --------------------------------------------------------------------------

    def sign_in(self, username: str, password: str, client: str | None = None) -> SignIn | None:
        """A session for a right password on an active, unlocked account; None otherwise -
        whatever the reason (the same answer, in the same time)."""
        name, now = domain.normal_username(username), self.clock()
        key = f"name:{name}"
        attempts = self.store.attempts(key)
        user = self.store.user(name) if name else None
        ok = self._verify(user, password)
        if domain.locked(attempts, now):
            return None
        if not ok or user is None or user.get("disabled_at"):
            self._failed(name)
            return None
        pending = bool(user.get("totp_secret"))
        if not pending:  # in: the count, and "told", start again (with a code: once it is right)
            self.store.set_attempts(key, None)
        if HASHER.check_needs_rehash(user["password_hash"]):
            self.store.put_user({**user, "password_hash": HASHER.hash(password)})
        token = self._start_session(user, now, client, pending)
        return SignIn(token, pending, user)

    def just_locked(self, username: str) -> bool:
        """Did the last failure lock this name (to tell its owner by mail once)?"""
        attempts = self.store.attempts(f"name:{domain.normal_username(username)}")
        return domain.locked(attempts, self.clock()) and not attempts.get("told")

    def _failed(self, name: str) -> None:
        """One more failure of the name (a password, a code): counted atomically, so guesses
        sent in parallel all count; the FAILURES_BEFORE_LOCK-th locks it for LOCK_FOR."""
        self.store.count_failure(f"name:{name}", domain.FAILURES_BEFORE_LOCK,
                                 (self.clock() + domain.LOCK_FOR).isoformat())

    def mark_told(self, username: str) -> None:
        key = f"name:{domain.normal_username(username)}"
        attempts = self.store.attempts(key)
        if attempts:
            self.store.set_attempts(key, {**attempts, "told": True})

    def _verify(self, user, password) -> bool:
        stored = (user or {}).get("password_hash") or _DUMMY_HASH
        try:
            return HASHER.verify(stored, password or "") and user is not None \
                and bool(user.get("password_hash"))
        except (VerificationError, InvalidHashError):
            return False

    def confirm_code(self, token: str, code: str, client: str | None = None) -> str | None:
        """The second step: a TOTP code for a pending session. Right: a new session (a new id:
        the pending one ends) is returned. Wrong: it counts against the name as a wrong
        password does (five lock it), so signing in again does not buy more guesses."""
        session = self._live_session(token)
        if session is None or not session.get("pending"):
            return None
        user = self.store.user(session["username"])
        step = self._code_step(user, code)
        if step is None:
            self._failed(session["username"])
            if domain.locked(self.store.attempts(f"name:{session['username']}"), self.clock()):
                self.sign_out(token)
            return None
        self.store.put_user({**user, "totp_last_step": step})  # a code is good once
        self.store.set_attempts(f"name:{user['username']}", None)
        self.sign_out(token)
        return self._start_session(user, self.clock(), client)

    def _code_step(self, user: dict | None, code: str, secret: str | None = None) -> int | None:
        """The time step of a right code not used before (RFC 6238: this step or one either
        side, for clocks a little apart); None for a wrong or a replayed one."""
        secret = secret or (user or {}).get("totp_secret")
        typed = "".join((code or "").split())
        if not secret or not (typed.isascii() and typed.isdigit()):  # compare_digest: ASCII only
            return None
        totp, now = pyotp.TOTP(secret), self.clock()
        for offset in (0, -1, 1):
            if hmac.compare_digest(totp.at(now, counter_offset=offset), typed):
                step = totp.timecode(now) + offset
                return step if step > (user or {}).get("totp_last_step", -1) else None
        return None

    def _start_session(self, user: dict, now: datetime, client, pending=False) -> str:
        token = secrets.token_urlsafe(32)
        self.store.save_session({
            "digest": digest(token), "username": user["username"], "pending": pending,
            "csrf": secrets.token_urlsafe(32), "created_at": now.isoformat(),
            "last_seen_at": now.isoformat(), "client": client, "ended_at": None,
            "expires_at": domain.session_expires(now, now).isoformat()})
        return token

    def start_key_session(self, key_sha256: str, client: str | None) -> str:
        """A dashboard session of an API key (systems, scripted checks): it holds the key's
        digest, never the key, and lasts while the key is valid."""
        now, token = self.clock(), secrets.token_urlsafe(32)
        self.store.save_session({
            "digest": digest(token), "username": f"key:{key_sha256[:16]}", "key_sha256": key_sha256,
            "pending": False, "csrf": secrets.token_urlsafe(32), "created_at": now.isoformat(),
            "last_seen_at": now.isoformat(), "client": client, "ended_at": None,
            "expires_at": domain.session_expires(now, now).isoformat()})
        return token

    def _live_session(self, token: str | None) -> dict | None:
        if not token:
            return None
        session = self.store.session(digest(token))
        now = self.clock()
        if session is None or session.get("ended_at") or \
                datetime.fromisoformat(session["expires_at"]) <= now:
            return None
        return session

    def session(self, token: str | None) -> tuple[dict, dict] | None:
        """(user, session) of a signed-in cookie, its idle expiry moved on (at most once a
        minute, so reading pages does not write on every request); None when it has ended."""
        session = self._live_session(token)
        if session is None or session.get("pending"):
            return None
        user = None if session.get("key_sha256") else self.store.user(session["username"])
        if user is None and not session.get("key_sha256") or (user or {}).get("disabled_at"):
            return None
        now = self.clock()
        if (now - datetime.fromisoformat(session["last_seen_at"])).total_seconds() > 60:
            created = datetime.fromisoformat(session["created_at"])
            moved = {"last_seen_at": now.isoformat(),
                     "expires_at": domain.session_expires(created, now).isoformat()}
            # only a session not ended meanwhile (a sign-out elsewhere is never undone)
            if not self.store.touch_session(session["digest"], moved):
                return None
            session = {**session, **moved}
        return user, session

    def sign_out(self, token: str | None) -> None:
        if token:
            self.store.touch_session(digest(token), {"ended_at": self.clock().isoformat()})

    def end_other_sessions(self, username: str, token: str | None = None) -> int:
        return self.store.end_sessions(username, self.clock().isoformat(),
                                       keep=digest(token) if token else None)

    # --- one-time links ----------------------------------------------------------------------

    def reset_allowed(self, key: str) -> bool:
        """At most one reset mail per account per RESET_MAIL_EVERY (no inbox flood)."""
        now, noted = self.clock(), self.store.attempts(f"reset:{key}")
        if noted and datetime.fromisoformat(noted["at"]) > now - domain.RESET_MAIL_EVERY:
            return False
        self.store.set_attempts(f"reset:{key}", {"at": now.isoformat()})
        return True

    def new_link(self, username: str, kind: str) -> tuple[str, datetime]:
        """A one-time link's token for ``kind`` (password_reset, invitation, setup); a new
        first-admin link ends the earlier ones."""
        token, now = secrets.token_urlsafe(32), self.clock()
        if kind == "setup":
            self.store.end_links(username, now.isoformat(), "setup")
        expires = now + domain.LINK_VALID[kind]
        self.store.save_link({"digest": digest(token), "username": username, "kind": kind,
                              "created_at": now.isoformat(), "expires_at": expires.isoformat(),
                              "used_at": None})
        return token, expires

    def link_user(self, token: str) -> dict | None:
        """Whose link this is, without using it (the page that asks for the new password)."""
        link = self.store.link(digest(token)) if token else None
        if link is None or link.get("used_at") or link["expires_at"] <= self.clock().isoformat():
            return None
        return self.store.user(link["username"])

    def set_password_by_link(self, token: str, password: str) -> dict:
        """Use a link once to set the password; every other session of the person ends."""
        user = self.link_user(token)
        if user is None:
            raise AccountError("link", "ลิงก์นี้หมดอายุหรือถูกใช้ไปแล้ว ขอลิงก์ใหม่ได้ที่หน้าลืมรหัสผ่าน",
                               "this link has expired or was used; ask for a new one "
                               "(forgotten password)")
        domain.check_password(password, user["username"])
        if self.store.take_link(digest(token), self.clock().isoformat()) is None:
            raise AccountError("link", "ลิงก์นี้ถูกใช้ไปแล้ว", "this link was just used")
        user = {**user, "password_hash": HASHER.hash(password),
                "password_set_at": self.clock().isoformat()}
        self.store.put_user(user)
        self.store.set_attempts(f"name:{user['username']}", None)
        self.store.end_links(user["username"], self.clock().isoformat())  # the others, unused
        self.end_other_sessions(user["username"])
        return user

    def check_current_password(self, user: dict, current: str) -> None:
        """What changes how a person signs in asks for the password again; a wrong one counts
        against the name as at the login form (a stolen session cannot guess on)."""
        if not self._verify(user, current):
            self._failed(user["username"])
            raise AccountError("current", "รหัสผ่านปัจจุบันไม่ถูกต้อง", "the current password is wrong")

    def change_password(self, user: dict, current: str, new: str, token: str) -> None:
        self.check_current_password(user, current)
        domain.check_password(new, user["username"])
        self.store.put_user({**user, "password_hash": HASHER.hash(new),
                             "password_set_at": self.clock().isoformat()})
        self.store.end_links(user["username"], self.clock().isoformat())
        self.end_other_sessions(user["username"], token)

    # --- the second factor -------------------------------------------------------------------

    def start_totp(self, session: dict) -> str:
        """A new secret, kept in the session (never trusted back from the form)."""
        secret = pyotp.random_base32()
        self.store.touch_session(session["digest"], {"totp_pending": secret})
        return secret

    @staticmethod
    def totp_uri(user: dict, secret: str) -> str:
        return pyotp.TOTP(secret).provisioning_uri(name=user["username"],
                                                   issuer_name="Cluster planning")

    def enable_totp(self, user: dict, session: dict, current: str, code: str) -> None:
        if user["duty"] not in domain.TOTP_DUTIES:
            raise AccountError("totp", "บทบาทนี้ไม่ใช้รหัสยืนยันตัวตนสองชั้น",
                               "a second factor is for admins and approvers")
        self.check_current_password(user, current)
        secret = session.get("totp_pending")
        step = self._code_step({}, code, secret) if secret else None
        if step is None:
            raise AccountError("code", "รหัส 6 หลักไม่ถูกต้อง ลองรหัสล่าสุดจากแอป",
                               "the 6-digit code is wrong; type the app's current one")
        self.store.put_user({**user, "totp_secret": secret, "totp_last_step": step})
        self.store.touch_session(session["digest"], {"totp_pending": None})

    def disable_totp(self, user: dict, current: str) -> None:
        self.check_current_password(user, current)
        self.store.put_user({k: v for k, v in user.items()
                             if k not in ("totp_secret", "totp_last_step")})

    # --- users -------------------------------------------------------------------------------

    def create_user(self, raw: dict, by: str, known: dict[str, set[str]]) -> dict:
        """A new person, without a password yet (an invitation link sets it)."""
        username = domain.check_username(raw.get("username", ""))
        user = {"username": username,
                "name": _text(raw.get("name"), "name", "ชื่อ-นามสกุล", "the person's name"),
                "email": domain.check_email(raw.get("email", "")),
                "duty": raw.get("duty") or raw.get("role") or "",
                "organisation": None, "password_hash": None, "disabled_at": None,
                "created_at": self.clock().isoformat(), "created_by": by}
        user["organisation"] = domain.check_duty(user["duty"], raw.get("organisation"), known)
        try:
            self.store.create_user(user)
        except UserExists:
            raise AccountError("username", f"มีผู้ใช้ชื่อ {username} อยู่แล้ว",
                               f"there is already a user {username}") from None
        return user

    def update_user(self, username: str, changes: dict, known: dict[str, set[str]]) -> dict:
        user = self.store.user(username)
        if user is None:
            raise KeyError(username)
        updated = dict(user)
        if "name" in changes:
            updated["name"] = _text(changes["name"], "name", "ชื่อ-นามสกุล", "the person's name")
        if "email" in changes:
            updated["email"] = domain.check_email(changes["email"])
        if "duty" in changes or "organisation" in changes:
            updated["duty"] = changes.get("duty", user["duty"])
            updated["organisation"] = domain.check_duty(
                updated["duty"], changes.get("organisation", user.get("organisation")), known)
        if "active" in changes:
            updated["disabled_at"] = None if changes["active"] else self.clock().isoformat()
        self.store.put_user(updated)
        if updated.get("disabled_at") or updated["duty"] != user["duty"] or \
                updated.get("organisation") != user.get("organisation"):
            self.end_other_sessions(username)  # new powers (or none) from the next sign-in
        return updated


def _text(value, field: str, th: str, en: str, longest: int = 200) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text or len(text) > longest:
        raise AccountError(field, f"ต้องกรอก{th} (ไม่เกิน {longest} ตัวอักษร)",
                           f"{en} is required (at most {longest} characters)")
    return text

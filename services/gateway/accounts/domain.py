"""People's accounts (pure): who a user is, the rules their input must meet, and the policy of
logins, lockouts, sessions and one-time links. No I/O here; accounts/handlers.py does the work.

A user belongs to one organisation - the admin to none, an OSM analyst or director and an auditor
to a cluster, a province planner or approver to a province, an agency officer to an agency, a
national viewer to the whole country - and acts as that organisation's role in the one access
rule (services/contracts/access.py), refined by its duty.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

from services.contracts import access

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
MIN_PASSWORD, MAX_PASSWORD = 10, 256

FAILURES_BEFORE_LOCK = 5                     # wrong passwords in a row ...
LOCK_FOR = timedelta(minutes=15)             # ... lock the name for this long (known or not)
SESSION_IDLE = timedelta(hours=2)            # a session unused this long ends
SESSION_MAX = timedelta(hours=12)            # and none lasts longer than a working day
LINK_VALID = {"password_reset": timedelta(hours=1), "invitation": timedelta(days=7),
              "setup": timedelta(days=1)}
RESET_MAIL_EVERY = timedelta(minutes=5)      # one reset mail per account in this time (no flood)
TOTP_DUTIES = ("admin", "osm_director", "province_approver")  # who may add a second factor

# The scope a duty's organisation is given by (None: no organisation).
ORGANISATION_OF = {"admin": None, "national_viewer": None,
                   "osm_analyst": "cluster", "osm_director": "cluster", "auditor": "cluster",
                   "province_planner": "province", "province_approver": "province",
                   "agency_officer": "agency"}


class AccountError(ValueError):
    """Input a person must correct; ``th`` and ``en`` say what and where."""

    def __init__(self, field: str, th: str, en: str):
        super().__init__(f"{field}: {en}")
        self.field, self.th, self.en = field, th, en


def normal_username(text: str) -> str:
    """The form a username is kept and looked up in: trimmed, NFKC, lower case."""
    return unicodedata.normalize("NFKC", text or "").strip().lower()


def check_username(text: str) -> str:
    name = normal_username(text)
    if not USERNAME.match(name):
        raise AccountError("username", "ชื่อผู้ใช้ต้องเป็นอักษรภาษาอังกฤษตัวเล็ก ตัวเลข . _ - ยาว 3-64 ตัว",
                           "a username is 3-64 of a-z, 0-9, '.', '_' and '-', starting with a "
                           "letter or digit")
    return name


def check_email(text: str) -> str:
    email = (text or "").strip()
    if not EMAIL.match(email) or len(email) > 254:
        raise AccountError("email", "อีเมลไม่ถูกต้อง", "not an e-mail address")
    return email


def check_password(password: str, username: str = "") -> str:
    """NIST SP 800-63B's rules: long enough, not the username, no composition rules."""
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AccountError("password", f"รหัสผ่านต้องยาว {MIN_PASSWORD}-{MAX_PASSWORD} ตัวอักษร",
                           f"a password is {MIN_PASSWORD}-{MAX_PASSWORD} characters long")
    if username and username.lower() in password.lower():
        raise AccountError("password", "รหัสผ่านต้องไม่มีชื่อผู้ใช้อยู่ในนั้น",
                           "a password must not contain the username")
    if len(set(password)) < 4:
        raise AccountError("password", "รหัสผ่านนี้เดาง่ายเกินไป", "this password is too easy to guess")
    return password


def check_duty(duty: str, organisation: str | None, known: dict[str, set[str]]) -> str | None:
    """The organisation a duty is given in, checked against ``known`` (``cluster``,
    ``province``, ``agency`` -> the codes that exist); None for the admin and a national viewer."""
    if duty not in access.DUTIES:
        raise AccountError("role", "บทบาทไม่ถูกต้อง", "role must be one of " + ", ".join(access.DUTIES))
    kind = ORGANISATION_OF[duty]
    if kind is None:
        return None
    organisation = (organisation or "").strip()
    if organisation not in known.get(kind, set()):
        th = {"cluster": "กลุ่มจังหวัด", "province": "จังหวัด", "agency": "หน่วยงาน"}[kind]
        raise AccountError("organisation", f"ไม่รู้จัก{th} {organisation!r}",
                           f"a {access.DUTY_NAMES[duty][1]} needs a known {kind}; "
                           f"{organisation!r} is not one")
    return organisation


def who_of(user: dict) -> access.Who:
    """The principal a signed-in person acts as: its organisation's role, refined by its duty."""
    return access.Who(access.DUTIES[user["duty"]], user.get("organisation"),
                      person=label(user), duty=user["duty"])


def label(user: dict) -> str:
    """How a person signs: 'Name (username)'."""
    return f"{user.get('name') or user['username']} ({user['username']})"


def manages(who, user: dict, cluster_of: dict[str, str | None]) -> bool:
    """Who may manage ``user``: the admin anyone; an OSM director the users of its own cluster
    (its OSM, its auditors, its provinces' and its agencies' people), never an admin or a national
    viewer. ``cluster_of`` maps a province or agency code to its cluster."""
    if not access.may(who, "manage_users") or who.role not in (access.ADMIN, access.OSM):
        return False
    if who.role == access.ADMIN:
        return True
    if user["duty"] in ("admin", "national_viewer"):
        return False
    org = user.get("organisation")
    kind = ORGANISATION_OF[user["duty"]]
    return (org if kind == "cluster" else cluster_of.get(org)) == who.scope


def locked(attempts: dict | None, now: datetime) -> bool:
    until = (attempts or {}).get("locked_until")
    return bool(until) and datetime.fromisoformat(until) > now


def session_expires(created: datetime, now: datetime) -> datetime:
    return min(now + SESSION_IDLE, created + SESSION_MAX)


def public_user(user: dict) -> dict:
    """A user as pages and the API show it: never a hash or a second-factor secret."""
    shown = {k: v for k, v in user.items() if k not in ("password_hash", "totp_secret")}
    shown["totp"] = bool(user.get("totp_secret"))
    shown["has_password"] = bool(user.get("password_hash"))
    return shown

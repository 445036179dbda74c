"""People's accounts on every store: sign-in, lockout, sessions, one-time links, users - the
same behaviour on SQLite and MongoDB (DESIGN 2, "Storage")."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pyotp
import pytest

from services.gateway.accounts import domain
from services.gateway.accounts.handlers import Accounts
from services.gateway.accounts.domain import AccountError

KNOWN = {"cluster": {"northeast-lower-2"}, "province": {"TH-34", "TH-33"},
         "agency": {"ubon-pao"}}
PASSWORD = "a long enough passphrase"


class Clock:
    def __init__(self):
        self.now = datetime(2026, 12, 6, 3, 0, tzinfo=timezone.utc)

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def people(backend, clock):
    return Accounts(backend.open("accounts"), clock)


def a_person(people, username="somchai", duty="osm_analyst", organisation="northeast-lower-2"):
    people.create_user({"username": username, "name": "สมชาย ใจดี", "email": f"{username}@example.org",
                        "duty": duty, "organisation": organisation}, "admin (admin)", KNOWN)
    token, _ = people.new_link(username, "invitation")
    return people.set_password_by_link(token, PASSWORD)


def test_a_person_signs_in_with_the_password_set_by_the_invitation(people):
    a_person(people)
    signed = people.sign_in("Somchai ", PASSWORD, "10.0.0.1")  # names are case- and space-blind
    user, session = people.session(signed.token)
    assert user["username"] == "somchai" and session["csrf"] and not signed.needs_code
    who = domain.who_of(user)
    assert (who.role, who.scope, who.duty) == ("osm", "northeast-lower-2", "osm_analyst")
    assert str(who) == "สมชาย ใจดี (somchai) · osm:northeast-lower-2"
    assert "password_hash" not in domain.public_user(user)


def test_a_wrong_password_and_an_unknown_name_get_the_same_answer_and_both_lock(people, clock):
    a_person(people)
    assert people.sign_in("somchai", "wrong password!", None) is None
    assert people.sign_in("nobody-here", PASSWORD, None) is None
    for _ in range(4):
        people.sign_in("somchai", "wrong password!", None)
        people.sign_in("nobody-here", "wrong password!", None)
    # locked now: even the right password is refused, for a known and an unknown name alike
    assert people.sign_in("somchai", PASSWORD, None) is None
    assert people.just_locked("somchai") and people.just_locked("nobody-here")
    clock.now += domain.LOCK_FOR + timedelta(seconds=1)
    assert people.sign_in("somchai", PASSWORD, None) is not None


def test_sessions_end_by_idle_time_by_sign_out_and_when_the_user_is_disabled(people, clock):
    a_person(people)
    first = people.sign_in("somchai", PASSWORD, None).token
    second = people.sign_in("somchai", PASSWORD, None).token
    clock.now += timedelta(minutes=90)
    assert people.session(first) is not None  # used: its idle expiry moves on
    clock.now += timedelta(minutes=100)
    assert people.session(second) is None  # unused for over two hours
    people.sign_out(first)
    assert people.session(first) is None
    third = people.sign_in("somchai", PASSWORD, None).token
    people.update_user("somchai", {"active": False}, KNOWN)
    assert people.session(third) is None
    assert people.sign_in("somchai", PASSWORD, None) is None


def test_a_one_time_link_works_once_and_not_after_it_expires(people, clock):
    a_person(people)
    token, _ = people.new_link("somchai", "password_reset")
    other, _ = people.new_link("somchai", "password_reset")
    people.set_password_by_link(token, "another good passphrase")
    assert people.link_user(other) is None  # one used: the others of the person end too
    with pytest.raises(AccountError):
        people.set_password_by_link(token, "yet another passphrase")
    late, _ = people.new_link("somchai", "password_reset")
    clock.now += timedelta(hours=2)
    assert people.link_user(late) is None
    assert people.sign_in("somchai", "another good passphrase", None) is not None


def test_a_sign_out_elsewhere_is_never_undone_by_a_session_in_use(people, clock):
    a_person(people)
    stolen = people.sign_in("somchai", PASSWORD, None).token
    people.end_other_sessions("somchai")
    clock.now += timedelta(minutes=5)  # the thief's next request would move the idle expiry on
    assert people.session(stolen) is None


def test_failures_count_atomically(backend):
    store = backend.open("accounts")
    for _ in range(4):
        assert not store.count_failure("name:x", 5, "2099-01-01T00:00:00+00:00").get("locked_until")
    assert store.count_failure("name:x", 5, "2099-01-01T00:00:00+00:00")["locked_until"]


def test_a_new_password_ends_every_other_session(people):
    user = a_person(people)
    here = people.sign_in("somchai", PASSWORD, None).token
    elsewhere = people.sign_in("somchai", PASSWORD, None).token
    people.change_password(user, PASSWORD, "a brand new passphrase", here)
    assert people.session(here) is not None and people.session(elsewhere) is None


def enabled_totp(people, clock, username="director"):
    user = a_person(people, username, "osm_director")
    token = people.sign_in(username, PASSWORD, None).token
    _, session = people.session(token)
    secret = people.start_totp(session)
    _, session = people.session(token)
    with pytest.raises(AccountError):
        people.enable_totp(user, session, PASSWORD, "000000")
    with pytest.raises(AccountError):  # the password again: a stolen session cannot do it
        people.enable_totp(user, session, "wrong password!!", pyotp.TOTP(secret).at(clock.now))
    people.enable_totp(user, session, PASSWORD, pyotp.TOTP(secret).at(clock.now))
    return secret


def test_a_second_factor_is_asked_after_the_password_and_a_code_is_good_once(people, clock):
    secret = enabled_totp(people, clock)
    clock.now += timedelta(seconds=60)
    pending = people.sign_in("director", PASSWORD, None)
    assert pending.needs_code and people.session(pending.token) is None
    assert people.confirm_code(pending.token, "123456x") is None
    assert people.confirm_code(pending.token, "๑๒๓๔๕๖") is None  # Thai digits: a wrong code
    code = pyotp.TOTP(secret).at(clock.now)
    signed = people.confirm_code(pending.token, code)
    assert signed and signed != pending.token  # a new session id once the code is right
    assert people.session(signed)[0]["username"] == "director"
    again = people.sign_in("director", PASSWORD, None)
    assert people.confirm_code(again.token, code) is None  # the same code replayed


def test_wrong_codes_count_against_the_name_so_signing_in_again_buys_no_guesses(people, clock):
    enabled_totp(people, clock)  # (one wrong password on the way)
    rounds = 0
    while (pending := people.sign_in("director", PASSWORD, None)) is not None:
        people.confirm_code(pending.token, "000000")
        rounds += 1
        assert rounds < domain.FAILURES_BEFORE_LOCK, "the right password kept buying guesses"
    assert rounds == domain.FAILURES_BEFORE_LOCK - 1  # locked: the five failures together


def test_bad_users_are_refused_with_what_to_correct(people):
    a_person(people)
    cases = [({"username": "x"}, "username"),
             ({"username": "somchai"}, "username"),  # taken
             ({"username": "new.one", "email": "not-mail"}, "email"),
             ({"username": "new.one", "duty": "king"}, "role"),
             ({"username": "new.one", "duty": "province_planner", "organisation": "TH-99"},
              "organisation")]
    for changes, field in cases:
        raw = {"username": "new.one", "name": "ทดสอบ", "email": "t@example.org",
               "duty": "osm_analyst", "organisation": "northeast-lower-2", **changes}
        with pytest.raises(AccountError) as refused:
            people.create_user(raw, "admin", KNOWN)
        assert refused.value.field == field and refused.value.th and refused.value.en


def test_users_survive_a_restart(backend, clock):
    store = backend.open("accounts")
    a_person(Accounts(store, clock))
    again = Accounts(backend.reopen(store), clock)
    assert again.sign_in("somchai", PASSWORD, None) is not None
    assert [u["username"] for u in again.store.users()] == ["somchai"]
    assert again.store.user_by_email("SOMCHAI@example.org")["username"] == "somchai"

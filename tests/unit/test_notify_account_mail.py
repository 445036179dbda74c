"""The account mails notify sends for the gateway (password reset, invitation, account locked):
their words in Thai and English, the link and its expiry in each, and the checks of what the
gateway asks - whose errors never quote the link."""
import pytest

from services.contracts.errors import AccountMailError
from services.notify import handlers
from services.notify.mails import ACCOUNT_TEMPLATES, account_mail_id, render_account
from services.notify.schemas import account_mail
from services.notify.sender import build_message

LINK = "https://cluster.example.go.th/account/reset?token=s3cr3t-0neT1me-T0ken"


def asked(**changes):
    mail = {"id": "reset-7f3a", "kind": "password_reset", "to": "somchai@sisaket.example",
            "name": "สมชาย ใจดี", "lang": "th", "link": LINK,
            "expires_at": "2026-12-06T05:00:00+00:00", "username": "somchai"}
    mail.update(changes)
    return {k: v for k, v in mail.items() if v is not ...}


def rendered(**changes):
    return render_account(account_mail(asked(**changes)), "https://cluster.example.go.th")


@pytest.mark.parametrize("kind", ["password_reset", "invitation"])
def test_a_link_mail_says_what_to_do_with_the_link_and_when_it_expires_in_both_languages(kind):
    mail = rendered(kind=kind)
    assert mail.template == ACCOUNT_TEMPLATES[kind] == f"account_{kind}"
    for body in (mail.text, mail.html):
        assert LINK in body
        # 12:00 in Bangkok: the expiry as the reader's clock shows it, in each language
        assert "6 ธันวาคม 2569 เวลา 12:00 น." in body and "6 December 2026, 12:00 (Bangkok time)" in body
        assert "เรียน สมชาย ใจดี" in body and "Dear สมชาย ใจดี" in body
        assert "somchai" in body
        assert "ผู้ดูแลระบบ" in body and "administrator" in body  # whom to tell
        assert "ignore this mail" in body and "ไม่ต้องดำเนินการใด ๆ" in body
        assert body.index("เรียน") < body.index("Dear")  # Thai first
    assert f'<a href="{LINK}">' in mail.html


def test_an_account_locked_notice_says_until_when_and_whom_to_tell():
    mail = rendered(kind="account_locked", link=None)
    for body in (mail.text, mail.html):
        assert "ถูกล็อกชั่วคราว" in body and "locked for now" in body
        assert "12:00" in body and "Locked until" in body and "ล็อกถึง" in body
        assert "tell your administrator" in body and "แจ้งผู้ดูแลระบบ" in body
        assert "http" not in body.replace("<!doctype html>", "")
    unlocked_by_admin = rendered(kind="account_locked", link=..., expires_at=...)
    assert "ask your administrator to unlock it" in unlocked_by_admin.text
    assert "ติดต่อผู้ดูแลระบบเพื่อปลดล็อก" in unlocked_by_admin.text
    with_reset = rendered(kind="account_locked")
    assert LINK in with_reset.text and LINK in with_reset.html


def test_english_reads_first_for_an_english_reader_and_thai_is_still_there():
    mail = rendered(lang="en")
    for body in (mail.text, mail.html):
        assert body.index("Dear") < body.index("เรียน")
        assert body.count(LINK) >= 2


def test_the_subject_names_the_account_but_never_carries_the_link():
    mail = rendered()
    assert mail.subject == "[ตั้งรหัสผ่านใหม่ / Reset your password] somchai"
    assert "token" not in mail.subject and "http" not in mail.subject
    assert rendered(kind="invitation").subject.startswith("[คำเชิญเข้าใช้ระบบ")


def test_the_name_is_escaped_in_the_html_and_the_message_builds():
    mail = rendered(name='<script>alert("x")</script>')
    assert "<script>" not in mail.html and "&lt;script&gt;" in mail.html
    message = build_message({"to_addr": mail.to, "subject": mail.subject, "text": mail.text,
                             "html": mail.html, "message_id": mail.message_id},
                            "Cluster planning <no-reply@x.example>",
                            __import__("datetime").datetime(2026, 12, 6))
    assert message["To"] == "somchai@sisaket.example"
    assert LINK in message.get_body(("plain",)).get_content()


def test_the_caller_id_alone_is_the_mail_id():
    assert rendered().mail_id == rendered(to="other@x.example", lang="en").mail_id \
        == account_mail_id("reset-7f3a")
    assert rendered(id="reset-other").mail_id != rendered().mail_id
    assert rendered().event_id == "reset-7f3a"


@pytest.mark.parametrize("changes, expected", [
    ({"kind": "welcome"}, "kind: Must be one of"),
    ({"link": ...}, "link: required for a password_reset"),
    ({"expires_at": ...}, "expires_at: required"),
    ({"link": "javascript:alert(1)//" + LINK}, "link: Not a valid URL"),
    ({"link": "ftp://cluster.example.go.th/x?token=s3cr3t"}, "link: Not a valid URL"),
    ({"expires_at": "2026-12-06T05:00:00"}, "expires_at: Not a valid aware datetime"),
    ({"to": "somchai@x.example\r\nBcc: all@x.example"}, "to: Not a valid email address"),
    ({"to": "Somchai <somchai@x.example>"}, "to: Not a valid email address"),
    ({"lang": "fr"}, "lang: Must be one of"),
    ({"id": ""}, "id: Length must be between 1 and 200"),
    ({"username": ...}, "username: Missing data"),
    ({"token": "s3cr3t"}, "token: Unknown field"),
])
def test_a_bad_mail_is_refused_with_every_field_named_and_never_the_link(changes, expected):
    with pytest.raises(AccountMailError) as caught:
        handlers.send_account_mail(None, asked(**changes), "https://x.example")  # never queued
    message = str(caught.value)
    assert message.startswith("จดหมายบัญชีผู้ใช้ไม่ถูกต้อง / invalid account mail: ")
    assert expected in message
    assert "s3cr3t" not in message and "0neT1me" not in message


def test_not_an_object_is_refused():
    with pytest.raises(AccountMailError, match="an account mail is an object"):
        handlers.send_account_mail(None, ["password_reset"], "https://x.example")


def test_a_gateway_on_an_intranet_address_is_a_valid_link():
    assert rendered(link="http://127.0.0.1:8000/account/reset?token=abc").text.count(
        "http://127.0.0.1:8000/account/reset?token=abc") == 2

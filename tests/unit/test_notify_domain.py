"""Notify's pure rules: who is told, in which words, and when a failed mail is tried again."""
import random
from datetime import datetime, timedelta, timezone

import pytest

from clusterctl.reference import load_sample_plan
from services.contracts.events import IndicatorOffTarget, ReportRejected
from services.notify.domain import DEFAULT_RULES, Mail, Recipient, mail_id, recipients
from services.notify.mails import render
from services.notify.sender import (BASE_DELAY_S, MAX_DELAY_S, build_message, next_attempt)
from services.notify.store import _directory

PUBLIC_URL = "http://127.0.0.1:8000"
NE1_OSM = {"code": "osm-ne1", "name_th": "สบจ. อีสานล่าง 1", "name_en": "OSM Lower Northeast 1",
           "province": "TH-30", "kind": "osm", "emails": ["osm@northeast-lower-1.example"],
           "roles": ["osm"], "language": "th"}


def directory(drop_focal_of=()):
    plan = load_sample_plan()
    agencies = [a for a in plan["agencies"]
                if not (a.get("province") in drop_focal_of and "focal_point" in a["roles"])]
    other = {"cluster": "northeast-lower-1", "provinces": ["TH-30", "TH-31", "TH-32", "TH-36"],
             "agencies": [NE1_OSM]}
    return _directory([{"cluster": plan["cluster"], "provinces": plan["provinces"],
                        "agencies": agencies}, other])


def rejected(province="TH-33", **changes):
    event = {"event_id": "2d0f8e1a-0000-5000-8000-000000000001", "occurred_at":
             "2024-01-31T20:05:00+00:00", "rejection_id": "r-1", "province": province,
             "sender": province or "guest", "report_event_id": "7a1c2f34-5b6d-4e7f-8a9b-0c1d2e3f4a5b",
             "kind": "indicator", "reason": "unknown indicator 'NE2-9.9' for TH-33",
             "received_at": "2024-01-31T20:05:00+00:00"}
    event.update(changes)
    ReportRejected().load(event)
    return event


def off_target(**changes):
    event = {"event_id": "3e1f9f2b-0000-5000-8000-000000000002",
             "occurred_at": "2024-04-10T03:00:00+00:00", "plan_id": "northeast-lower-2-2566-2570",
             "cluster": "northeast-lower-2", "indicator": "NE2-1.1",
             "indicator_name_th": "พื้นที่เกษตรที่ได้รับการรับรองมาตรฐาน GAP",
             "indicator_name_en": "Farmland certified GAP", "unit": "ไร่ (rai)",
             "period": "FY2567-Q2", "value": 150000.0, "target": 180000.0,
             "direction": "increase", "achievement_pct": 83.33, "reported": 3, "expected": 4,
             "responsible_agency": "ubon-agriculture", "province": "TH-35",
             "report_event_id": "7a1c2f34-5b6d-4e7f-8a9b-0c1d2e3f4a5b"}
    event.update(changes)
    IndicatorOffTarget().load(event)
    return event


def emails(people):
    return [r.email for r in people]


def recipients_in_province(event, directory):
    return recipients("report_rejected", event, directory, DEFAULT_RULES)


def recipients_for_off_target(event, directory):
    return recipients("indicator_off_target", event, directory, DEFAULT_RULES)


# --- recipients --------------------------------------------------------------------------------

def test_a_rejection_goes_to_the_sending_provinces_focal_contact():
    people = recipients_in_province(rejected("TH-33"), directory())
    assert people == [Recipient("strategy@sisaket.example",
                                "กลุ่มงานยุทธศาสตร์และข้อมูลเพื่อการพัฒนาจังหวัดศรีสะเกษ",
                                "Sisaket Provincial Strategy and Development Information Group",
                                "th", "th-33-strategy")]


def test_a_rejection_goes_to_the_clusters_osm_when_the_province_has_no_focal_contact():
    assert emails(recipients_in_province(rejected("TH-37"), directory(drop_focal_of=["TH-37"]))) \
        == ["osm@northeast-lower-2.example"]


def test_a_rejection_from_an_unknown_sender_reaches_nobody():
    assert recipients_in_province(rejected(None), directory()) == []
    assert recipients_in_province(rejected("TH-96"), directory()) == []


def test_a_rejection_never_goes_to_another_clusters_osm():
    people = emails(recipients_in_province(rejected("TH-30"), directory()))
    assert people == ["osm@northeast-lower-1.example"]


def test_off_target_goes_to_the_responsible_agency_and_the_clusters_osm_only():
    assert emails(recipients_for_off_target(off_target(), directory())) == [
        "agriculture@ubon.example", "osm@northeast-lower-2.example"]


def test_off_target_without_a_responsible_agency_goes_to_the_osm():
    for agency in (None, "gone-agency"):
        assert emails(recipients_for_off_target(off_target(responsible_agency=agency),
                                                directory())) == ["osm@northeast-lower-2.example"]


def test_one_address_gets_one_mail_even_if_it_has_two_roles():
    d = directory()
    d["agencies"]["osm-ne2"] = {**d["agencies"]["osm-ne2"], "emails": ["Agriculture@Ubon.example"]}
    assert emails(recipients_for_off_target(off_target(), d)) == ["agriculture@ubon.example"]


def test_a_recipient_keeps_the_language_of_its_agency():
    people = recipients_for_off_target(off_target(responsible_agency="ubon-tourism"), directory())
    assert [(r.email, r.language) for r in people][0] == ("tourism@ubon.example", "en")


# --- the words ---------------------------------------------------------------------------------

SISAKET = Recipient("strategy@sisaket.example", "กลุ่มงานยุทธศาสตร์ศรีสะเกษ", "Sisaket Strategy Group")


def test_a_rejection_mail_is_in_thai_then_english_with_be_and_ce_dates_in_bangkok_time():
    mail = render("report_rejected", rejected(), SISAKET, PUBLIC_URL)
    assert mail.subject == ("[รายงานถูกปฏิเสธ / Report rejected] TH-33: "
                            "unknown indicator 'NE2-9.9' for TH-33")
    # 20:05 UTC on 31 January is 03:05 on 1 February in Bangkok
    assert "ได้รับเมื่อ: 1 กุมภาพันธ์ 2567 เวลา 03:05 น." in mail.text
    assert "Received: 1 February 2024, 03:05 (Bangkok time)" in mail.text
    thai, english = "เรียน กลุ่มงานยุทธศาสตร์ศรีสะเกษ", "Dear Sisaket Strategy Group"
    assert mail.text.index(thai) < mail.text.index(english)
    assert "เหตุผล: unknown indicator 'NE2-9.9' for TH-33" in mail.text
    assert f"{PUBLIC_URL}/rejections" in mail.text  # the dashboard page (it asks for a key)
    assert "7a1c2f34-5b6d-4e7f-8a9b-0c1d2e3f4a5b" in mail.text
    assert "1 กุมภาพันธ์ 2567" in mail.html and "1 February 2024" in mail.html
    assert mail.to == SISAKET.email and mail.template == "report_rejected"


def test_a_rejection_with_a_thai_reason_gives_it_in_the_thai_part_and_english_in_the_other():
    mail = render("report_rejected", rejected(
        reason="period FY2570-Q2 (Q2 of fiscal year 2027) starts on 1 January 2027",
        reason_th="งวด FY2570-Q2 เริ่มวันที่ 1 มกราคม 2570"), SISAKET, PUBLIC_URL)
    assert "เหตุผล: งวด FY2570-Q2 เริ่มวันที่ 1 มกราคม 2570" in mail.text
    assert "Reason: period FY2570-Q2 (Q2 of fiscal year 2027) starts on 1 January 2027" in mail.text
    assert "เริ่มวันที่ 1 มกราคม 2570" in mail.html


@pytest.mark.parametrize("make", ["conflict", "rule"])
def test_the_step_12_reasons_reach_the_province_in_thai_and_english(make):
    """A conflicting event_id and a value breaking a plan's rule, as the intake words them."""
    from services.contracts import rules
    from services.reporting import domain
    valid = domain.ValidReport("indicator", {"event_id": "7a1c2f34-5b6d-4e7f-8a9b-0c1d2e3f4a5b",
                                             "value": 250}, "p", "NE2-3.1", "FY2567-Q2", "")
    if make == "conflict":
        why = domain.conflict_rejection(valid, {"kind": "indicator", "subject": "NE2-3.1",
                                                "period": "FY2567-Q1",
                                                "received_at": "2024-01-05T02:00:00+00:00"})
        en, th = why.reason, why.reason_th
    else:
        en, th = rules.indicator_problem({"code": "NE2-3.1", "unit": "ร้อยละ (%)"}, 250)
    mail = render("report_rejected", rejected(reason=en, reason_th=th), SISAKET, PUBLIC_URL)
    assert f"เหตุผล: {th}" in mail.text and f"Reason: {en}" in mail.text
    assert th in mail.html.replace("&#39;", "'") and ("ถูกใช้แล้ว" in th or "สูงกว่าค่าสูงสุด" in th)


def test_an_unreadable_report_is_said_to_be_unreadable():
    mail = render("report_rejected", rejected(report_event_id=None, kind=None), SISAKET, PUBLIC_URL)
    assert "รหัสรายงาน (event_id): อ่านไม่ได้" in mail.text
    assert "Report (event_id): unreadable" in mail.text and "Kind: unknown" in mail.text


def test_a_long_reason_is_cut_in_the_subject_but_whole_in_the_body():
    reason = "value: must be a number " * 10
    mail = render("report_rejected", rejected(reason=reason), SISAKET, PUBLIC_URL)
    assert len(mail.subject) < len(reason) and reason.strip() in mail.text


def test_the_reason_is_escaped_in_html_but_not_in_text():
    mail = render("report_rejected", rejected(reason="<script>alert(1)</script>"), SISAKET,
                  PUBLIC_URL)
    assert "<script>" not in mail.html and "&lt;script&gt;" in mail.html
    assert "<script>alert(1)</script>" in mail.text


def test_an_off_target_mail_shows_the_period_in_be_and_ce_and_readable_numbers():
    mail = render("indicator_off_target", off_target(), SISAKET, PUBLIC_URL)
    assert mail.subject == ("[ตัวชี้วัดต่ำกว่าเป้าหมาย / Indicator off target] NE2-1.1 FY2567-Q2: "
                            "150,000 / 180,000")
    assert "ช่วงเวลา: ไตรมาสที่ 2 ปีงบประมาณ พ.ศ. 2567" in mail.text
    assert "Period: Q2 of fiscal year 2024" in mail.text
    assert "150,000 ไร่ (rai) (เป้าหมาย 180,000, บรรลุร้อยละ 83.33)" in mail.text
    assert "(target 180,000, 83.33% achieved)" in mail.text
    assert "จังหวัดที่รายงานแล้ว: 3 จาก 4" in mail.text and "Provinces reported: 3 of 4" in mail.text
    assert "ทิศทางที่ต้องการ: เพิ่มขึ้น" in mail.text
    assert "ไตรมาสที่ 2 ปีงบประมาณ พ.ศ. 2567" in mail.html
    assert (f"{PUBLIC_URL}/?plan=northeast-lower-2-2566-2570&period=FY2567-Q2&trend=NE2-1.1"
            in mail.text)


def test_a_decrease_indicator_says_so_in_thai():
    mail = render("indicator_off_target", off_target(direction="decrease", achievement_pct=None),
                  SISAKET, PUBLIC_URL)
    assert "ทิศทางที่ต้องการ: ลดลง" in mail.text and "บรรลุร้อยละ" not in mail.text


def test_a_monthly_period_is_named_by_its_thai_month():
    mail = render("indicator_off_target", off_target(period="2024-01"), SISAKET, PUBLIC_URL)
    assert "ช่วงเวลา: มกราคม 2567" in mail.text and "Period: January 2024" in mail.text


def test_an_unknown_template_is_an_error():
    with pytest.raises(ValueError, match="unknown template"):
        render("birthday", rejected(), SISAKET, PUBLIC_URL)


def test_the_mail_id_is_stable_per_event_template_and_recipient():
    first = render("report_rejected", rejected(), SISAKET, PUBLIC_URL)
    again = render("report_rejected", rejected(), SISAKET, "http://elsewhere")
    assert again.mail_id == first.mail_id and again.message_id == first.message_id
    assert first.message_id == f"<{first.mail_id}@cluster-planning>"
    other_person = render("report_rejected", rejected(), Recipient("osm@x.example", "ก", "A"),
                          PUBLIC_URL)
    other_event = render("report_rejected", rejected(event_id="another"), SISAKET, PUBLIC_URL)
    assert len({first.mail_id, other_person.mail_id, other_event.mail_id}) == 3
    assert mail_id("e", "t", "A@B.example") == mail_id("e", "t", "a@b.example")


def test_the_smtp_message_carries_both_languages_and_the_stable_message_id():
    mail = render("report_rejected", rejected(), SISAKET, PUBLIC_URL)
    row = {"to_addr": mail.to, "subject": mail.subject, "message_id": mail.message_id,
           "text": mail.text, "html": mail.html}
    message = build_message(row, "noreply@cluster.example",
                            datetime(2024, 2, 1, tzinfo=timezone.utc))
    assert message["Message-ID"] == mail.message_id and message["To"] == mail.to
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "ถูกปฏิเสธ" in text and "was rejected" in text and "<html" in html


# --- retries -----------------------------------------------------------------------------------

class Extremes:
    def __init__(self, pick):
        self.pick = pick

    def uniform(self, low, high):
        return low if self.pick == "low" else high


NOW = datetime(2024, 4, 10, 3, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("attempts, ceiling", [(0, 2.0), (1, 2.0), (2, 4.0), (3, 8.0),
                                               (6, 64.0), (9, 512.0), (10, 600.0), (40, 600.0)])
def test_backoff_doubles_up_to_ten_minutes_with_jitter_in_the_upper_half(attempts, ceiling):
    earliest = next_attempt(NOW, attempts, Extremes("low")) - NOW
    latest = next_attempt(NOW, attempts, Extremes("high")) - NOW
    assert latest == timedelta(seconds=ceiling)
    assert earliest == timedelta(seconds=ceiling / 2)


def test_backoff_stays_within_bounds_for_real_random_numbers():
    rng = random.Random(2567)
    for attempts in range(1, 30):
        delay = (next_attempt(NOW, attempts, rng) - NOW).total_seconds()
        assert BASE_DELAY_S / 2 <= delay <= MAX_DELAY_S
    delays = {next_attempt(NOW, 5, rng) for _ in range(20)}
    assert len(delays) > 1  # jittered: senders retrying together spread out



def test_rules_are_data_an_admin_changes_and_unknown_names_are_refused():
    from services.notify.schemas import rules as check_rules
    quiet = {**DEFAULT_RULES, "indicator_off_target": ["osm"]}
    assert emails(recipients("indicator_off_target", off_target(), directory(), quiet)) == \
        ["osm@northeast-lower-2.example"]
    assert recipients("indicator_off_target", off_target(), directory(),
                      {**DEFAULT_RULES, "indicator_off_target": []}) == []  # switched off
    with pytest.raises(ValueError, match="unknown event type 'birthday'.*parties must be"):
        check_rules({"birthday": ["osm"], "report_rejected": ["mayor"]})
    assert check_rules({"report_rejected": ["osm", "osm"]}) == {"report_rejected": ["osm"]}


def test_a_preference_is_immediate_or_a_daily_digest_and_mutes_known_rules_only():
    from services.notify.schemas import preference as check_preference
    assert check_preference({}) == {"delivery": "immediate", "muted": []}
    assert check_preference({"delivery": "daily_digest", "muted": ["audit_due", "audit_due"]}) == \
        {"delivery": "daily_digest", "muted": ["audit_due"]}
    with pytest.raises(ValueError, match="delivery must be.*muted must list.*unknown keys when"):
        check_preference({"delivery": "weekly", "muted": ["birthday"], "when": 1})


def test_digests_are_made_once_a_day_from_eight_in_bangkok(tmp_path):
    from services.notify import handlers
    from services.notify.store import SqliteNotifyStore
    store = SqliteNotifyStore(tmp_path / "notify.sqlite3")
    store.enqueue([Mail("h-1", "e", "report_rejected", "a@x.example", "s", "t", "h", None)],
                  datetime(2024, 1, 1, tzinfo=timezone.utc), status="held")
    early = datetime(2024, 1, 2, 0, 30, tzinfo=timezone.utc)   # 07:30 in Bangkok
    assert handlers.send_digests(store, "http://x", early) == 0
    eight = datetime(2024, 1, 2, 1, 0, tzinfo=timezone.utc)    # 08:00 in Bangkok
    assert handlers.send_digests(store, "http://x", eight) == 1
    store.enqueue([Mail("h-2", "e", "report_rejected", "a@x.example", "s", "t", "h", None)],
                  eight, status="held")
    assert handlers.send_digests(store, "http://x", eight.replace(hour=5)) == 0  # same day
    assert handlers.send_digests(store, "http://x", eight.replace(day=3)) == 1   # the next


@pytest.mark.parametrize("url, relay", [
    ("smtp://127.0.0.1:8025", ("127.0.0.1", 8025, "none", None)),
    ("smtp+starttls://ops%40osm.go.th:s3cr%2Ft@mail.go.th", ("mail.go.th", 587, "starttls", "ops@osm.go.th")),
    ("smtps://u:p@mail.go.th", ("mail.go.th", 465, "ssl", "u")),
])
def test_the_smtp_relay_is_configured_by_url(url, relay):
    from services.notify.sender import parse_relay
    parsed = parse_relay(url)
    assert (parsed.host, parsed.port, parsed.security, parsed.username) == relay
    assert "s3cr" not in str(parsed) and "s3cr" not in repr(parsed)


@pytest.mark.parametrize("url, words", [
    ("http://mail.go.th", "must look like smtp://"), ("smtp://u@mail.go.th", "no password"),
    ("smtp://mail.go.th:99999", "invalid port"), ("", "must look like"),
])
def test_a_bad_smtp_url_says_what_is_wrong(url, words):
    from services.notify.sender import parse_relay
    with pytest.raises(ValueError, match=words):
        parse_relay(url)

"""Who hears of each transfer step and of an audit due, and in which words (pure)."""
from datetime import datetime, timedelta, timezone

import pytest

from clusterctl.reference import load_sample_plan
from services.assets import domain as assets
from services.contracts.events import AuditDue, TransferStep
from services.notify.domain import DEFAULT_RULES, recipients
from services.notify.mails import render
from services.notify.store import _directory

PLAN = load_sample_plan()
DIRECTORY = _directory([{"cluster": PLAN["cluster"], "provinces": PLAN["provinces"],
                         "agencies": PLAN["agencies"]}])
NOW = datetime(2024, 6, 1, 3, 0, tzinfo=timezone.utc)
PROJECTS = {p["code"]: {**p, "plan_id": PLAN["id"], "cluster": PLAN["cluster"]}
            for p in PLAN["projects"]}
HOLDER, RECEIVER = assets.Actor("agency", "ubon-tourism"), assets.Actor("agency", "ubon-pao")
OSM = assets.Actor("osm", PLAN["cluster"])
TOURISM, PAO, CLUSTER_OSM = "tourism@ubon.example", "assets@ubon-pao.example", "osm@northeast-lower-2.example"


def recipients_for_transfer(fact, directory):
    return recipients(fact["event_type"], fact, directory, DEFAULT_RULES)


def recipients_for_audit(fact, directory):
    return recipients("audit_due", fact, directory, DEFAULT_RULES)


def facts_of_the_whole_transfer():
    asset, facts = assets.new_asset({
        "code": "A-1", "project": "NE2-67-002", "fiscal_year": 2567, "category": "building",
        "description_th": "ศูนย์บริการนักท่องเที่ยว", "quantity": 1, "unit": "หลัง",
        "unit_value_thb": 4_500_000, "acquired_on": "2024-03-15",
        "location": {"province": "TH-34"}, "custodian": "ubon-tourism"}, PROJECTS, HOLDER, NOW)
    out = dict(facts)
    for action, actor, command in (
            ("request", HOLDER, {"to": "ubon-pao"}), ("approve", OSM, {}),
            ("hand_over", HOLDER, {"documents": [{"kind": "handover", "reference": "17/2567"}]}),
            ("reject", RECEIVER, {"reason": "หลังคารั่ว ต้องซ่อมก่อนรับโอน"})):
        asset, facts = assets.transition(asset, action, {**command, "version": asset["version"]},
                                         actor, NOW)
        out.update(facts)
    for kind, fact in out.items():
        fact["event_type"] = kind  # where the mail comes from, for the routing rule
    return asset, out


ASSET, FACTS = facts_of_the_whole_transfer()


@pytest.mark.parametrize("event_type, expected", [
    ("transfer_requested", {PAO, CLUSTER_OSM}),
    ("transfer_approved", {PAO, TOURISM}),
    ("transfer_handed_over", {PAO}),
    ("transfer_rejected", {TOURISM, CLUSTER_OSM}),
])
def test_each_step_goes_to_whoever_acts_next(event_type, expected):
    TransferStep().load(FACTS[event_type])
    assert {r.email for r in recipients_for_transfer(FACTS[event_type], DIRECTORY)} == expected


def test_an_overdue_transfer_goes_to_both_agencies_and_the_osm():
    registration = {k: ASSET[k] for k in ("code", "project", "fiscal_year", "category",
                                          "description_th", "quantity", "unit", "unit_value_thb",
                                          "acquired_on", "location", "custodian")}
    asset, _ = assets.new_asset(registration, PROJECTS, HOLDER, NOW)
    for action, actor, command in (("request", HOLDER, {"to": "ubon-pao"}), ("approve", OSM, {})):
        asset, _ = assets.transition(asset, action, {**command, "version": asset["version"]}, actor, NOW)
    [(kind, fact)] = [f for f in assets.due_facts(asset, NOW + timedelta(days=61))
                      if f[0] == "transfer_overdue"]
    fact["event_type"] = kind
    assert {r.email for r in recipients_for_transfer(fact, DIRECTORY)} == {TOURISM, PAO, CLUSTER_OSM}
    mail = render(kind, fact, recipients_for_transfer(fact, DIRECTORY)[0], "http://x", DIRECTORY)
    assert "การโอนทรัพย์สินเกินกำหนด" in mail.subject and "31 กรกฎาคม 2567" in mail.text


def test_a_rejection_mail_names_both_agencies_and_the_reason_in_thai_and_english():
    fact = FACTS["transfer_rejected"]
    [holder] = [r for r in recipients_for_transfer(fact, DIRECTORY) if r.email == TOURISM]
    mail = render("transfer_rejected", fact, holder, "http://x", DIRECTORY)
    assert mail.subject.startswith("[ปฏิเสธการรับโอนทรัพย์สิน / Asset transfer rejected] A-1")
    assert "หลังคารั่ว ต้องซ่อมก่อนรับโอน" in mail.text
    assert "องค์การบริหารส่วนจังหวัดอุบลราชธานี (ตัวอย่าง) (ubon-pao)" in mail.text
    assert "Ubon Ratchathani Provincial Administrative Organisation (sample) (ubon-pao)" in mail.text
    assert "อาคารและสิ่งก่อสร้าง" in mail.text and "4,500,000" in mail.text
    # straight to the asset's page, where its forms are (PUBLIC_URL + /assets/<code>)
    assert "ดำเนินการในหน้าทรัพย์สินนี้: http://x/assets/A-1\n" in mail.text
    assert "Act on this asset's page: http://x/assets/A-1\n" in mail.text
    assert mail.html.count('href="http://x/assets/A-1"') == 2


def test_an_audit_due_goes_to_the_custodian():
    [(kind, fact)] = assets.due_facts(ASSET, datetime(2025, 3, 20, tzinfo=timezone.utc))
    AuditDue().load(fact)
    [recipient] = recipients_for_audit(fact, DIRECTORY)
    assert recipient.email == TOURISM
    mail = render(kind, fact, recipient, "http://x", DIRECTORY)
    assert "เลยกำหนดตรวจนับทรัพย์สิน" in mail.subject and "15 มีนาคม 2568" in mail.text
    assert "บันทึกผลตรวจนับในหน้าทรัพย์สินนี้: http://x/assets/A-1\n" in mail.text
    assert mail.html.count('href="http://x/assets/A-1"') == 2


def test_a_code_that_needs_quoting_is_quoted_in_the_link():
    fact = {**FACTS["transfer_rejected"], "asset": {**FACTS["transfer_rejected"]["asset"],
                                                    "code": "ครุภัณฑ์&1"}}
    [holder] = [r for r in recipients_for_transfer(fact, DIRECTORY) if r.email == TOURISM]
    mail = render("transfer_rejected", fact, holder, "http://x", DIRECTORY)
    assert "http://x/assets/%E0%B8%84" in mail.text and "%261\n" in mail.text


def test_a_recipient_whose_language_is_english_reads_english_first_but_gets_both():
    from services.notify.domain import Recipient
    fact = FACTS["transfer_rejected"]
    english = render("transfer_rejected", fact, Recipient("x@y.example", "ผู้รับ", "Receiver", "en"),
                     "http://x", DIRECTORY)
    thai = render("transfer_rejected", fact, Recipient("x@y.example", "ผู้รับ", "Receiver", "th"),
                  "http://x", DIRECTORY)
    assert english.text.startswith("Dear Receiver,") and thai.text.startswith("เรียน ผู้รับ")
    assert "เรียน ผู้รับ" in english.text and english.text.rstrip().endswith(
        "Provincial cluster planning and reporting")
    assert english.html.index('<section lang="en">') < english.html.index('<section lang="th">')
    assert sorted(english.text.split()) == sorted(thai.text.split())  # the same words, reordered

"""Contract of the notify store (services/notify/store.py), run on every backend."""
from datetime import datetime, timedelta, timezone

import pytest

from services.notify.domain import Mail
from services.notify.store import MAIL_FIELDS

T0 = datetime(2024, 4, 10, 2, 30, tzinfo=timezone.utc)
LEASE = 120
HOLDER = "notify-host-a:4242"


@pytest.fixture
def store(backend):
    return backend.open("notify")


def mail(n: int, to="strategy@sisaket.example", event_id="evt-1") -> Mail:
    return Mail(f"mail-{n}", event_id, "report_rejected", to, f"[รายงานถูกปฏิเสธ] {n}",
                f"เรียน ผู้รับ {n}", f"<p>เรียน ผู้รับ {n}</p>")


def agency(code, province, roles, emails):
    return {"code": code, "name_th": f"หน่วยงาน {code}", "name_en": code, "province": province,
            "kind": "provincial_office", "emails": emails, "roles": roles, "language": "th"}


def ids(rows):
    return [r["mail_id"] for r in rows]


# --- directory ---------------------------------------------------------------------------------

def test_the_directory_knows_agencies_and_which_cluster_each_province_is_in(store):
    assert store.directory() == {"agencies": {}, "province_cluster": {}}
    store.save_directory("ne2", 1, "northeast-lower-2", ["TH-34", "TH-33"],
                         [agency("th-33-strategy", "TH-33", ["focal_point"], ["a@x.example"])])
    store.save_directory("ne1", 1, "northeast-lower-1", ["TH-30"],
                         [agency("osm-ne1", "TH-30", ["osm"], ["osm@ne1.example"])])
    directory = store.directory()
    assert directory["province_cluster"] == {"TH-34": "northeast-lower-2",
                                             "TH-33": "northeast-lower-2",
                                             "TH-30": "northeast-lower-1"}
    assert directory["agencies"]["th-33-strategy"] == {
        **agency("th-33-strategy", "TH-33", ["focal_point"], ["a@x.example"]),
        "cluster": "northeast-lower-2"}
    assert directory["agencies"]["osm-ne1"]["cluster"] == "northeast-lower-1"


def test_a_newer_plan_version_replaces_its_directory_and_an_older_one_does_not(store):
    store.save_directory("ne2", 2, "northeast-lower-2", ["TH-34"],
                         [agency("a", "TH-34", ["focal_point"], ["new@x.example"])])
    store.save_directory("ne2", 1, "northeast-lower-2", ["TH-34", "TH-33"],
                         [agency("a", "TH-34", ["focal_point"], ["old@x.example"])])
    assert store.directory()["agencies"]["a"]["emails"] == ["new@x.example"]
    assert set(store.directory()["province_cluster"]) == {"TH-34"}
    store.save_directory("ne2", 3, "northeast-lower-2", ["TH-34"],
                         [agency("b", "TH-34", ["osm"], ["osm@x.example"])])
    assert list(store.directory()["agencies"]) == ["b"]


def test_a_newer_directory_is_not_lost_to_a_concurrent_older_one(store, backend):
    other = backend.open("notify")  # another worker on the same database
    backend.before_next_insert(store, "directory", lambda: other.save_directory(
        "ne2", 1, "northeast-lower-2", ["TH-34"], [agency("a", "TH-34", ["osm"], ["old@x.example"])]))
    store.save_directory("ne2", 2, "northeast-lower-2", ["TH-34"],
                         [agency("a", "TH-34", ["osm"], ["new@x.example"])])
    assert store.directory()["agencies"]["a"]["emails"] == ["new@x.example"]


# --- the mail queue ----------------------------------------------------------------------------

def test_enqueue_is_idempotent_by_mail_id(store):
    assert store.enqueue([mail(1), mail(2)], T0) == 2
    assert store.enqueue([mail(2), mail(3)], T0) == 1
    assert store.enqueue([mail(1)], T0 + timedelta(hours=1)) == 0
    assert sorted(ids(store.mails())) == ["mail-1", "mail-2", "mail-3"]


def test_a_queued_mail_is_pending_with_everything_needed_to_send_it(store):
    store.enqueue([mail(1)], T0)
    [row] = store.mails()
    assert set(row) == set(MAIL_FIELDS)
    assert row["status"] == "pending" and row["attempts"] == 0 and row["sent_at"] is None
    assert (row["to_addr"], row["subject"], row["text"], row["html"]) == (
        "strategy@sisaket.example", "[รายงานถูกปฏิเสธ] 1", "เรียน ผู้รับ 1", "<p>เรียน ผู้รับ 1</p>")
    assert row["message_id"] == "<mail-1@cluster-planning>" and row["event_id"] == "evt-1"
    assert row["template"] == "report_rejected"


def test_a_due_mail_is_claimed_with_a_lease(store):
    store.enqueue([mail(1)], T0)
    [claimed] = store.claim_due(T0, LEASE, HOLDER)
    assert set(claimed) == set(MAIL_FIELDS)
    assert claimed["mail_id"] == "mail-1" and claimed["attempts"] == 1
    assert claimed["to_addr"] == "strategy@sisaket.example"
    assert claimed["message_id"] == "<mail-1@cluster-planning>"
    assert claimed["lease_holder"] == HOLDER
    assert store.mails()[0]["lease_holder"] == HOLDER  # the delivery log shows who has it


def test_only_the_sender_whose_lease_is_current_records_an_outcome(store, backend):
    """Sender A stalls past its lease; sender B (another replica) claims the mail again. A's
    outcome - whichever - changes nothing; B's is recorded."""
    other = backend.open("notify")
    store.enqueue([mail(1)], T0)
    [a] = store.claim_due(T0, LEASE, HOLDER)
    [b] = other.claim_due(T0 + timedelta(seconds=LEASE), LEASE, "notify-host-b:7")
    assert (a["attempts"], b["attempts"]) == (1, 2)
    assert store.mark_sent(a, T0 + timedelta(seconds=LEASE + 1)) is False
    assert store.mark_failed(a, "SMTP 554") is False
    assert store.retry_later(a, T0 + timedelta(hours=1), "timeout") is False
    [row] = store.mails()
    assert (row["status"], row["lease_holder"], row["last_error"]) == (
        "pending", "notify-host-b:7", None)
    assert other.claim_due(T0 + timedelta(seconds=LEASE + 1), LEASE, HOLDER) == []  # B's still
    assert other.mark_sent(b, T0 + timedelta(seconds=LEASE + 2)) is True
    assert store.mails()[0]["status"] == "sent"


def test_a_mail_sent_or_failed_takes_no_later_outcome_under_the_same_lease(store):
    store.enqueue([mail(1), mail(2)], T0)
    first, second = store.claim_due(T0, LEASE, HOLDER)
    assert store.mark_sent(first, T0) is True
    assert store.mark_failed(first, "554 after the fact") is False
    assert store.retry_later(first, T0, "421") is False
    assert store.mark_failed(second, "550") is True and store.mark_sent(second, T0) is False
    assert {m["mail_id"]: m["status"] for m in store.mails()} == {"mail-1": "sent",
                                                                   "mail-2": "failed"}


def test_a_claimed_mail_is_not_claimed_again_until_its_lease_ends(store):
    store.enqueue([mail(1)], T0)
    assert ids(store.claim_due(T0, LEASE, HOLDER)) == ["mail-1"]
    assert store.claim_due(T0, LEASE, HOLDER) == []
    assert store.claim_due(T0 + timedelta(seconds=LEASE - 1), LEASE, HOLDER) == []
    again = store.claim_due(T0 + timedelta(seconds=LEASE), LEASE, HOLDER)  # the sender died: lease over
    assert ids(again) == ["mail-1"] and again[0]["attempts"] == 2


def test_a_mail_queued_later_is_not_due_before(store):
    store.enqueue([mail(1)], T0 + timedelta(minutes=5))
    assert store.claim_due(T0, LEASE, HOLDER) == []
    assert ids(store.claim_due(T0 + timedelta(minutes=5), LEASE, HOLDER)) == ["mail-1"]


def test_claims_respect_the_limit_and_two_senders_get_different_mails(store):
    store.enqueue([mail(1), mail(2), mail(3)], T0)
    first = store.claim_due(T0, LEASE, HOLDER, limit=2)
    second = store.claim_due(T0, LEASE, HOLDER, limit=2)
    assert len(first) == 2 and len(second) == 1
    assert sorted(ids(first + second)) == ["mail-1", "mail-2", "mail-3"]


def test_the_longest_waiting_mail_is_claimed_first(store):
    store.enqueue([mail(1)], T0 + timedelta(seconds=30))
    store.enqueue([mail(2)], T0)
    store.enqueue([mail(3)], T0 + timedelta(seconds=10))
    assert ids(store.claim_due(T0 + timedelta(minutes=1), LEASE, HOLDER, limit=2)) == ["mail-2", "mail-3"]


def test_a_retried_mail_waits_until_its_next_attempt(store):
    store.enqueue([mail(1)], T0)
    [claimed] = store.claim_due(T0, LEASE, HOLDER)
    retry_at = T0 + timedelta(seconds=8)
    assert store.retry_later(claimed, retry_at, "SMTP 451: try again later") is True
    assert store.claim_due(retry_at - timedelta(seconds=1), LEASE, HOLDER) == []
    [row] = store.mails("pending")
    assert row["last_error"] == "SMTP 451: try again later" and row["attempts"] == 1
    again = store.claim_due(retry_at, LEASE, HOLDER)
    assert ids(again) == ["mail-1"] and again[0]["attempts"] == 2


def test_a_sent_mail_is_never_claimed_again(store):
    store.enqueue([mail(1)], T0)
    [first] = store.claim_due(T0, LEASE, HOLDER)
    store.retry_later(first, T0, "timeout")
    [second] = store.claim_due(T0, LEASE, HOLDER)
    assert store.mark_sent(second, T0 + timedelta(seconds=1)) is True
    assert store.claim_due(T0 + timedelta(days=1), LEASE, HOLDER) == []
    [row] = store.mails("sent")
    assert row["sent_at"] and row["last_error"] is None and row["attempts"] == 2
    assert store.mails("pending") == []


def test_a_failed_mail_keeps_its_reason_and_is_never_claimed_again(store):
    store.enqueue([mail(1), mail(2)], T0)
    claimed = {m["mail_id"]: m for m in store.claim_due(T0, LEASE, HOLDER)}
    assert store.mark_failed(claimed["mail-1"], "SMTP 550: no such mailbox") is True
    assert ids(store.claim_due(T0 + timedelta(days=1), LEASE, HOLDER)) == ["mail-2"]
    [row] = store.mails("failed")
    assert row["mail_id"] == "mail-1" and row["last_error"] == "SMTP 550: no such mailbox"


def test_mails_are_listed_newest_first_and_by_status(store):
    store.enqueue([mail(1)], T0)
    store.enqueue([mail(2)], T0 + timedelta(minutes=1))
    store.enqueue([mail(3)], T0 + timedelta(minutes=2))
    claimed = {m["mail_id"]: m for m in store.claim_due(T0 + timedelta(minutes=3), LEASE, HOLDER)}
    store.mark_sent(claimed["mail-2"], T0 + timedelta(minutes=3))
    assert ids(store.mails()) == ["mail-3", "mail-2", "mail-1"]
    assert ids(store.mails(limit=2)) == ["mail-3", "mail-2"]
    assert ids(store.mails("pending")) == ["mail-3", "mail-1"]
    assert ids(store.mails("sent")) == ["mail-2"]


# --- durability --------------------------------------------------------------------------------

def test_everything_survives_a_restart(store, backend):
    store.save_directory("ne2", 1, "northeast-lower-2", ["TH-34"],
                         [agency("a", "TH-34", ["focal_point"], ["a@x.example"])])
    store.enqueue([mail(1), mail(2)], T0)
    [claimed] = store.claim_due(T0, LEASE, HOLDER, limit=1)
    store.mark_sent(claimed, T0)
    store = backend.reopen(store)
    assert store.directory()["province_cluster"] == {"TH-34": "northeast-lower-2"}
    assert ids(store.mails("sent")) == ["mail-1"]
    assert store.enqueue([mail(1)], T0) == 0  # still known: not queued (or sent) twice
    assert ids(store.claim_due(T0, LEASE, HOLDER)) == ["mail-2"]


# --- held mails, digests, the delivery log by agency --------------------------------------------

def test_held_mails_are_never_claimed_and_a_digest_gathers_them_once(store):
    held = [Mail(f"held-{n}", "evt", "report_rejected", "a@x.example", "s", "t", "h", "th-33")
            for n in (1, 2)]
    assert store.enqueue(held, T0, status="held") == 2
    assert store.claim_due(T0 + timedelta(days=1), LEASE, HOLDER) == []
    digest = Mail("digest-1", "digest:1", "digest", "a@x.example", "สรุป", "t", "h", "th-33")
    assert store.digest(digest, ["held-1", "held-2"], T0) is True
    assert store.digest(digest, ["held-1", "held-2"], T0) is False  # made again: nothing new
    assert ids(store.claim_due(T0, LEASE, HOLDER)) == ["digest-1"]
    assert {m["status"] for m in store.mails() if m["mail_id"].startswith("held")} == {"in_digest"}


def test_the_delivery_log_is_filtered_by_agency_status_and_template(store):
    store.enqueue([Mail("m-1", "e", "report_rejected", "a@x.example", "s", "t", "h", "th-33"),
                   Mail("m-2", "e", "audit_due", "b@x.example", "s", "t", "h", "ubon-pao"),
                   Mail("m-3", "e", "report_rejected", "c@x.example", "s", "t", "h", None)], T0)
    assert sorted(ids(store.mails(agencies=["th-33", "ubon-pao"]))) == ["m-1", "m-2"]
    assert sorted(ids(store.mails(template="report_rejected"))) == ["m-1", "m-3"]
    assert store.mails(agencies=[]) == [] and ids(store.mails(status="sent")) == []
    assert {m["mail_id"]: m["agency"] for m in store.mails()} == \
        {"m-1": "th-33", "m-2": "ubon-pao", "m-3": None}


def test_settings_are_kept(store):
    assert store.get_meta("rules") is None
    store.set_meta("rules", {"audit_due": ["osm"]})
    assert store.get_meta("rules") == {"audit_due": ["osm"]}


def test_mails_are_counted_by_status(store):
    store.enqueue([mail(1), mail(2)], T0)
    store.enqueue([Mail("h-1", "e", "report_rejected", "a@x.example", "s", "t", "h")], T0, status="held")
    store.mark_failed(store.claim_due(T0, LEASE, HOLDER, limit=1)[0], "550")
    assert store.status_counts() == {"pending": 1, "failed": 1, "held": 1}


# --- delivery over a server that is away --------------------------------------------------------

def test_a_mail_is_retried_while_the_server_is_away_and_given_up_only_after_three_days(store):
    from services.notify import handlers, sender
    from tests.support.system import free_port

    away = sender.parse_relay(f"smtp://127.0.0.1:{free_port()}")  # nothing listens: refused
    store.enqueue([mail(1)], T0)
    now = T0
    for _ in range(30):  # five and a half hours of attempts: still waiting for the server
        handlers.deliver_due(store, away, "osm@example", now)
        now += timedelta(minutes=11)
    pending = store.mails()[0]
    assert pending["status"] == "pending" and pending["attempts"] >= 20
    handlers.deliver_due(store, away, "osm@example", T0 + sender.RETRY_FOR + timedelta(minutes=11))
    failed = store.mails()[0]
    assert failed["status"] == "failed" and "over 72 h" in failed["last_error"]


def test_the_mails_of_given_events_are_forgotten_whatever_their_status(store):
    store.enqueue([mail(1, event_id="evt-1"), mail(2, to="b@x.example", event_id="evt-1"),
                   mail(3, event_id="evt-2")], T0)
    store.mark_sent(store.claim_due(T0, LEASE, HOLDER, limit=1)[0], T0)
    assert store.delete_mails(["evt-1", "evt-nope"]) == 2
    assert ids(store.mails()) == ["mail-3"]
    assert store.claim_due(T0 + timedelta(seconds=1), LEASE, HOLDER) != [] and store.delete_mails([]) == 0


def test_a_sqlite_store_made_before_the_fenced_lease_gets_the_column_and_sends_its_mails(tmp_path):
    import sqlite3

    from services.notify.store import SqliteNotifyStore
    path = tmp_path / "notify.sqlite3"
    old = SqliteNotifyStore(path)
    old.enqueue([mail(1)], T0)
    old.close()
    with sqlite3.connect(path) as conn:  # as a store made before the column was added
        conn.execute("ALTER TABLE mails DROP COLUMN lease_holder")
    store = SqliteNotifyStore(path)
    assert store.mails()[0]["lease_holder"] is None
    [claimed] = store.claim_due(T0, LEASE, HOLDER)
    assert store.mark_sent(claimed, T0) is True and store.mails("sent")[0]["lease_holder"] == HOLDER

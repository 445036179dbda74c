"""notify over the real broker and a real SMTP server; bounded retries that park poison."""
import email
import subprocess
import sys
import uuid
from email import policy

import pytest
from kombu import Exchange, Producer
from nameko.standalone.rpc import ClusterRpcProxy

from clusterctl.settings import REPO_ROOT
from services.infra.amqp import connection as amqp_connection
from services.notify.service import NotifyService
from services.plans.service import PlansService
from services.reporting.service import ReportingService
from tests.support.system import free_port, wait_until

from .test_reporting_service import provinces_of, report, seed


@pytest.fixture
def smtp_sink(tmp_path):
    port, mail_dir = free_port(), tmp_path / "mail"
    proc = subprocess.Popen([sys.executable, "-m", "clusterctl", "smtp-sink", "--dir",
                             str(mail_dir), "--port", str(port)], cwd=REPO_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert b"listening" in proc.stdout.readline()
    yield port, mail_dir
    proc.terminate()
    proc.wait(10)


def read_mails(mail_dir):
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted(mail_dir.glob("*.eml"))]


def test_rejection_and_off_target_reach_the_right_mailboxes_once(
        container_factory, config_for, provinces, rabbit_config, smtp_sink):
    port, mail_dir = smtp_sink
    for cls, name in ((PlansService, "plans"), (ReportingService, "reporting"),
                      (NotifyService, "notify")):
        container_factory(cls, config_for(name, SMTP_HOST="127.0.0.1", SMTP_PORT=port)).start()
    with ClusterRpcProxy(rabbit_config, timeout=20) as rpc:
        seed(rpc, notify=True)
        bad = str(uuid.uuid4())
        body = {"event_id": bad, "province": "TH-33", "indicator": "NE2-1.1",
                "period": "FY2599-Q1", "value": 1, "reported_at": "2024-01-01T00:00:00+07:00"}
        provinces.publish("TH-33", body)
        provinces.publish("TH-33", body)  # the same bytes again: one rejection, one mail
        report(provinces, "TH-34", "NE2-3.1", "FY2567-Q1", 40.0, "2024-01-02T00:00:00+07:00")

        wanted = {("strategy@sisaket.example", "[รายงานถูกปฏิเสธ"),
                  ("tourism@ubon.example", "[ตัวชี้วัดต่ำกว่าเป้าหมาย"),
                  ("osm@northeast-lower-2.example", "[ตัวชี้วัดต่ำกว่าเป้าหมาย")}
        wait_until(lambda: wanted <= {(m["To"], m["Subject"].split(" /")[0])
                                      for m in read_mails(mail_dir)}, timeout=20,
                   what="a rejection mail and the off-target mails")
        wait_until(lambda: all(m["status"] == "sent" for m in rpc.notify.list_mails()),
                   what="all mails recorded as sent")
        mails = read_mails(mail_dir)
        assert len(rpc.reporting.list_rejections(["TH-33"])) == 1
    by_to = {}
    for msg in mails:
        by_to.setdefault(msg["To"], []).append(msg)
    rejections = [m for m in by_to["strategy@sisaket.example"] if "รายงานถูกปฏิเสธ" in m["Subject"]]
    assert len(rejections) == 1  # the same bytes twice: one rejection, one mail
    rejection = rejections[0]
    assert "FY2599-Q1" in rejection.get_body(("plain",)).get_content()
    assert "รายงานถูกปฏิเสธ" in rejection["Subject"]
    assert rejection.get_body(("html",)).get_content().count(bad) == 2  # Thai and English parts
    assert {"tourism@ubon.example", "osm@northeast-lower-2.example"} <= set(by_to)
    assert len({m["Message-ID"] for m in mails}) == len(mails)


def test_an_outlier_is_accepted_flagged_to_the_osm_and_a_correction_request_reaches_the_province(
        container_factory, config_for, provinces, rabbit_config, smtp_sink):
    """The soft rule: a value 100 times the province's own earlier quarters counts, is flagged
    "to check" and mailed to the cluster's OSM; the OSM asks for a correction, which is mailed
    to the province's focal point; a value marked checked stays checked."""
    port, mail_dir = smtp_sink
    for cls, name in ((PlansService, "plans"), (ReportingService, "reporting"),
                      (NotifyService, "notify")):
        container_factory(cls, config_for(name, SMTP_HOST="127.0.0.1", SMTP_PORT=port)).start()
    plan = "northeast-lower-2-2566-2570"
    with ClusterRpcProxy(rabbit_config, timeout=20) as rpc:
        seed(rpc, notify=True)
        for quarter, value in (("Q1", 40_000), ("Q2", 41_000), ("Q3", 42_500)):
            report(provinces, "TH-34", "NE2-1.1", f"FY2567-{quarter}", value,
                   f"2024-0{3 + len(quarter)}-01T00:00:00+07:00")
            wait_until(lambda q=quarter: provinces_of(rpc, f"FY2567-{q}", "NE2-1.1")["reported"],
                       what=f"the {quarter} value")
        odd = report(provinces, "TH-34", "NE2-1.1", "FY2567-Q4", 4_100_000,
                     "2024-10-02T00:00:00+07:00")
        flags = wait_until(lambda: rpc.reporting.list_flags(plan), what="the outlier flagged")
        assert provinces_of(rpc, "FY2567-Q4", "NE2-1.1")["provinces"] == {"TH-34": 4_100_000.0}
        [flag] = flags
        assert (flag["event_id"], flag["status"], flag["basis"]["basis"]) == \
            (odd, "to_check", "own_history")
        assert flag["basis"]["median"] == 41_000 and flag["basis"]["score"] > 3.5
        wait_until(lambda: any(m["To"] == "osm@northeast-lower-2.example"
                               and "ค่าที่ต้องตรวจสอบ" in m["Subject"] for m in read_mails(mail_dir)),
                   what="the OSM's mail")
        reviewed = rpc.reporting.review_flag(plan, flag["flag_id"], "correction_requested",
                                             "osm:northeast-lower-2", "โปรดตรวจสอบหน่วย (ไร่)")
        assert reviewed["status"] == "correction_requested"
        asked = wait_until(lambda: [m for m in read_mails(mail_dir)
                                    if m["To"] == "strategy@ubon.example"
                                    and "ขอให้ตรวจสอบและแก้ไข" in m["Subject"]],
                           what="the province's mail")
        text = asked[0].get_body(("plain",)).get_content()
        assert "4,100,000" in text and "โปรดตรวจสอบหน่วย (ไร่)" in text and "41,000" in text
        assert rpc.reporting.list_flags(plan, "to_check") == []
        # a value within the province's range is not flagged
        report(provinces, "TH-34", "NE2-1.1", "FY2568-Q1", 43_000, "2024-12-01T00:00:00+07:00")
        wait_until(lambda: provinces_of(rpc, "FY2568-Q1", "NE2-1.1")["reported"], what="FY2568-Q1")
        assert len(rpc.reporting.list_flags(plan)) == 1


def test_a_project_behind_schedule_mails_its_implementing_agency_once(
        container_factory, config_for, provinces, rabbit_config, smtp_sink):
    port, mail_dir = smtp_sink
    for cls, name in ((PlansService, "plans"), (ReportingService, "reporting"),
                      (NotifyService, "notify")):
        container_factory(cls, config_for(name, SMTP_HOST="127.0.0.1", SMTP_PORT=port)).start()
    with ClusterRpcProxy(rabbit_config, timeout=20) as rpc:
        seed(rpc, notify=True)
        # NE2-67-002 (ubon-tourism) plans 7.5 M of 18.5 M by the end of Q2; 1 M is behind
        for as_of, disbursed in (("2024-02-29", 900_000.0), ("2024-03-31", 1_000_000.0)):
            event_id = str(uuid.uuid4())
            provinces.publish("TH-34", {
                "event_id": event_id, "province": "TH-34", "project": "NE2-67-002",
                "as_of": as_of, "physical_progress_pct": 15.0, "disbursed_thb": disbursed,
                "procurement_stage": "contract_signed",
                "reported_at": f"{as_of}T17:00:00+07:00"}, kind="project", message_id=event_id)
        behind = lambda: [m for m in read_mails(mail_dir)  # noqa: E731
                          if m["Subject"].startswith("[โครงการล่าช้ากว่าแผน")]
        wait_until(lambda: {"tourism@ubon.example", "osm@northeast-lower-2.example"}
                   <= {m["To"] for m in behind()}, timeout=20, what="the behind-schedule mails")
        wait_until(lambda: all(m["status"] == "sent" for m in rpc.notify.list_mails()),
                   what="all mails recorded as sent")
    mails = behind()
    assert len(mails) == 2  # two reports in the same quarter: one fact, one mail each
    text = next(m for m in mails if m["To"] == "tourism@ubon.example").get_body(("plain",)).get_content()
    assert "NE2-67-002" in text and "ไตรมาสที่ 2 ปีงบประมาณ พ.ศ. 2567" in text
    assert "เบิกจ่ายต่ำกว่าแผนการเบิกจ่ายของโครงการ" in text


def test_a_poison_event_is_parked_after_the_delivery_limit_and_others_flow(
        container_factory, config_for, provinces, rabbit_config):
    container_factory(PlansService, config_for("plans")).start()
    container_factory(ReportingService, config_for("reporting")).start()
    with amqp_connection(rabbit_config) as conn:  # AMQP_SSL too
        producer = Producer(conn.channel())
        producer.publish({"event_id": "poison", "plan": {"id": "broken"}},
                         exchange=Exchange("plans.events", type="topic"),
                         routing_key="plan_published", serializer="json")
    with ClusterRpcProxy(rabbit_config, timeout=20) as rpc:
        seed(rpc)  # a good plan_published behind the poison one is processed
        report(provinces, "TH-34", "NE2-1.1", "FY2567-Q1", 5, "2024-01-02T00:00:00+07:00")
        wait_until(lambda: provinces_of(rpc, "FY2567-Q1", "NE2-1.1")["reported"] == 1,
                   what="a report accepted while the poison is retried")
        parked = wait_until(lambda: rpc.reporting.list_parked(), timeout=30,
                            what="the poison event in the parked-message store")
        # re-driven (as after a fix): back to its queue; still poison, so parked anew
        retried = rpc.reporting.retry_parked(parked[0]["parked_id"])
        assert retried["outcome"] == "republished"
        again = wait_until(lambda: len(p := rpc.reporting.list_parked()) == 2 and p, timeout=30,
                           what="the retried poison parked again")
        assert sorted(bool(p["retried_at"]) for p in again) == [False, True]
    [kept] = parked
    assert kept["queue"] == "reporting.on.plans.plan_published"
    assert kept["reason"] == "delivery_limit" and kept["routing_key"] == "plan_published"
    assert '"poison"' in kept["body"]


def test_an_event_nobody_can_decode_is_parked_at_once_not_dropped(
        container_factory, config_for, provinces, rabbit_config):
    """nameko acks a body it cannot decode and never runs the handler (NOTES-nameko); ours
    dead-letters it to ``parked`` on the first delivery, where an operator sees it."""
    container_factory(ReportingService, config_for("reporting")).start()
    with amqp_connection(rabbit_config) as conn:  # AMQP_SSL too
        Producer(conn.channel()).publish(b"{not json", exchange=Exchange("plans.events", type="topic"),
                                         routing_key="plan_published", serializer=None,
                                         content_type="application/json", content_encoding="utf-8")
    with ClusterRpcProxy(rabbit_config, timeout=20) as rpc:
        [kept] = wait_until(lambda: rpc.reporting.list_parked(), timeout=30,
                            what="the undecodable event in the parked-message store")
    assert kept["queue"] == "reporting.on.plans.plan_published"
    assert kept["reason"] == "rejected" and "{not json" in kept["body"]

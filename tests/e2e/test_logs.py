"""The services' logs (DATA_DIR/logs/<service>.log) are JSON lines, and every line logged while a
report or an event is handled carries its event_id - checked through the real broker."""
import json
import uuid
from datetime import datetime, timedelta

from tests.support.system import Province, wait_until

SERVICES = ("plans", "reporting", "assets", "notify", "gateway")
FIELDS = {"time", "service", "level", "logger", "message", "event_id", "call_id"}


def entries(system, service: str) -> list[dict]:
    text = (system.data_dir / "logs" / f"{service}.log").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines()]  # a line that is not JSON fails


def test_report_lines_carry_the_reports_event_id_and_every_line_is_json(system):
    th33 = Province(system.credentials(), "TH-33")
    try:
        accepted = th33.report("NE2-1.1", "FY2569-Q1", 7, "2026-01-05T09:00:00+07:00")
        unknown = th33.report("ตัวชี้วัดที่ไม่มี", "FY2569-Q1", 1, "2026-01-05T09:00:00+07:00")
        malformed = str(uuid.uuid4())
        th33.publish(b'{"event_id": ', event_id=malformed)  # only the message_id names it
    finally:
        th33.close()

    def reporting_lines_about_all_three():
        lines = entries(system, "reporting")
        about = {i: [e for e in lines if e["event_id"] == i] for i in (accepted, unknown, malformed)}
        return all(about.values()) and about
    about = wait_until(reporting_lines_about_all_three, timeout=30,
                       what="reporting's lines about the three reports")
    assert any(e["message"].startswith(f"accepted indicator report from {th33.username}: "
                                       "NE2-1.1 FY2569-Q1") for e in about[accepted])
    assert any("unknown indicator" in e["message"] and "ตัวชี้วัดที่ไม่มี" in e["message"]
               for e in about[unknown])
    assert any("malformed JSON" in e["message"] for e in about[malformed])
    assert all(e["call_id"].startswith("reporting.intake.") for ids in about.values() for e in ids)
    raw = (system.data_dir / "logs" / "reporting.log").read_text("utf-8")
    assert "ตัวชี้วัดที่ไม่มี" in raw  # Thai as written, not \u escapes

    # notify mails the rejections: its lines carry the report_rejected event's id, not null
    def notify_rejection_lines():
        return [e for e in entries(system, "notify") if e["message"].startswith("report_rejected:")]
    mailed = wait_until(notify_rejection_lines, timeout=30, what="notify's report_rejected lines")
    assert all(e["event_id"] and e["call_id"].startswith("notify.on_report_rejected.")
               for e in mailed)

    for service in SERVICES:
        lines = entries(system, service)
        assert lines, service
        for entry in lines:
            assert FIELDS <= set(entry) and entry["service"] == service, entry
            assert datetime.fromisoformat(entry["time"]).utcoffset() == timedelta(0), entry
        # start-up and the broker connection are outside any message: no event_id
        assert all(e["event_id"] is None for e in lines if e["logger"] in ("nameko.runners",
                                                                           "kombu.mixins"))

"""The delivery log, routing rules and preferences through HTTP, as the whole system runs."""
import requests

from tests.support.system import wait_until


def put(system, path, key, body):
    return requests.put(f"{system.base}{path}", json=body, timeout=15,
                        headers={"Authorization": f"Bearer {key}"})


def test_the_delivery_log_is_scoped_and_downloadable(system):
    admin, osm = system.key(), system.key("osm", "northeast-lower-2")
    # the seeded transfers and reminders have produced mail by now
    everything = wait_until(lambda: system.get("/api/mails", admin).json(), what="mails logged")
    assert all({"to_addr", "status", "template", "message_id", "agency"} <= set(m) for m in everything)
    assert "text" not in everything[0]
    pao = system.key("agency", "ubon-pao")
    mine = system.get("/api/mails", pao).json()
    assert mine and {m["agency"] for m in mine} == {"ubon-pao"}
    assert system.get("/api/mails", pao, agency="ubon-tourism").json() == []
    assert system.get("/api/mails", system.key("osm", "south-border")).json() == []
    assert system.get("/api/mails", osm, status="lost").status_code == 400
    csv = system.get("/api/mails", osm, format="csv")
    assert csv.status_code == 200 and csv.content.decode("utf-8-sig").startswith("สร้างเมื่อ (created_at)")


def test_rules_and_preferences_are_data_with_scoped_changes(system):
    admin, osm = system.key(), system.key("osm", "northeast-lower-2")
    rules = system.get("/api/notify/rules", osm).json()
    assert rules["rules"]["transfer_handed_over"] == ["receiving_agency"]
    assert "custodian" in rules["parties"]
    assert put(system, "/api/notify/rules", osm, {"audit_due": ["osm"]}).status_code == 403
    bad = put(system, "/api/notify/rules", admin, {"audit_due": ["mayor"]})
    assert bad.status_code == 400 and "parties must be" in bad.json()["error"]["message"]
    changed = put(system, "/api/notify/rules", admin, {"audit_due": ["custodian", "osm"]})
    assert changed.status_code == 200 and changed.json()["rules"]["audit_due"] == ["custodian", "osm"]

    pao = system.key("agency", "ubon-pao")
    assert put(system, "/api/notify/preferences/ubon-pao", pao,
               {"delivery": "daily_digest", "muted": ["audit_due"]}).status_code == 200
    assert put(system, "/api/notify/preferences/ubon-tourism", pao, {}).status_code == 403
    assert put(system, "/api/notify/preferences/ubon-pao", pao, {"delivery": "weekly"}).status_code == 400
    assert system.get("/api/notify/preferences", pao).json() == \
        {"ubon-pao": {"delivery": "daily_digest", "muted": ["audit_due"]}}
    assert len(system.get("/api/notify/preferences", osm).json()) > 10

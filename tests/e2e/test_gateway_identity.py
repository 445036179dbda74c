"""The gateway never holds a province's secret (issue 25, step 16 point 2), through the real
broker: what people send through the gateway goes out under the gateway's own AMQP user on its
own route, and the intake keeps it as the province's (or the agency's) report, naming the person;
the broker keeps provinces off that route and the gateway off theirs; a forged gateway-route
message is rejected and listed; no service's configuration holds a province's password.

TH-33 in FY2570-Q1 and project NE2-68-002 are read by no other e2e test."""
from __future__ import annotations

import json
import uuid

import pika
import pytest
import requests

from services.contracts.reports import GATEWAY_USER
from tests.support.browsing import csrf_of, signed_in
from tests.support.gateway_rights import refused_steps, rpc_steps_succeed
from tests.support.system import Province, admin_broker, wait_until

from .test_province_reporting import PLAN, csv_text, indicator_sheet, settled, workbook

pytestmark = pytest.mark.e2e
PROVINCE, PERIOD, PASSWORD = "TH-33", "FY2570-Q1", "รหัสผ่านของเกตเวย์ 2569"
PLANNER = ("gwid.planner", "กัญญา ส่งรายงาน")
OFFICER = ("gwid.officer", "สมศักดิ์ เกษตรยโสธร")
REPORTED_AT = "2026-01-05T09:00:00+07:00"


@pytest.fixture(scope="module")
def people(system):
    system.add_person(PLANNER[0], "province_planner", PROVINCE, PASSWORD, name=PLANNER[1])
    system.add_person(OFFICER[0], "agency_officer", "yasothon-agriculture", PASSWORD,
                      name=OFFICER[1])
    return {name: signed_in(system.base, username=name, password=PASSWORD)
            for name in (PLANNER[0], OFFICER[0])}


def as_person(session, method, path, **kwargs):
    headers = {"X-CSRF-Token": csrf_of(session)}
    return session.request(method, f"{session.base}{path}", headers=headers, timeout=60, **kwargs)


def drill(system, **filters) -> dict:
    reports = system.get(f"/api/plans/{PLAN}/reports", system.key(), **filters).json()["reports"]
    return {r["event_id"]: r for r in reports}


def by(system, person) -> dict:
    return {"username": person[0], "name": person[1],
            "via": f"{system.prefix}{GATEWAY_USER}"}


def test_a_person_s_workbook_and_typed_values_are_the_province_s_naming_the_person(system, people):
    key = system.key("province", PROVINCE)
    codes = [r[0].value for r in indicator_sheet(workbook(system, key, PROVINCE, PERIOD))
             .iter_rows(min_row=2) if r[0].value and r[0].value != "NE2-1.1"]
    planner = people[PLANNER[0]]
    rows = [{"kind": "indicator", "code": codes[0], "period": PERIOD, "value": "41"}]
    uploaded = as_person(planner, "POST", f"/api/plans/{PLAN}/report-workbook/send",
                         params={"format": "csv"}, data=csv_text(rows).encode("utf-8"))
    assert uploaded.status_code == 202, uploaded.text
    typed = as_person(planner, "POST", f"/api/plans/{PLAN}/reports",
                      json=[{"indicator": codes[1], "period": PERIOD, "value": 42}])
    assert typed.status_code == 202, typed.text
    ids = uploaded.json()["event_ids"] + typed.json()["event_ids"]
    done = wait_until(lambda: settled(system, key, PROVINCE, ids), timeout=60,
                      what="the person's reports accepted")
    assert {s["status"] for s in done.values()} == {"in_force"}, done
    kept = drill(system, province=PROVINCE, period=PERIOD)
    for event_id, value in zip(ids, (41, 42)):
        report = kept[event_id]
        assert report["sender"] == f"{system.prefix}{PROVINCE}"  # the province's own account
        assert report["reported_by"] == by(system, PLANNER) and report["value"] == value
    # an organisation's key (no person) is named as the key
    sent = requests.post(f"{system.base}/api/plans/{PLAN}/reports", timeout=60,
                         json=[{"indicator": codes[2], "period": PERIOD, "value": 43}],
                         headers={"Authorization": f"Bearer {key}"}).json()
    [event_id] = sent["event_ids"]
    wait_until(lambda: settled(system, key, PROVINCE, [event_id]), timeout=60, what="accepted")
    assert drill(system, province=PROVINCE, period=PERIOD)[event_id]["reported_by"]["username"] \
        == f"api-key:province:{PROVINCE}"


def test_an_agency_officer_s_entry_is_the_agency_s_report_naming_the_officer(system, people):
    item = {"project": "NE2-68-002", "province": "TH-35", "as_of": "2025-06-30",
            "physical_progress_pct": 30.0, "disbursed_thb": 250000.0,
            "procurement_stage": "contract_signed", "problems": "ฝนทิ้งช่วง"}
    sent = as_person(people[OFFICER[0]], "POST", f"/api/plans/{PLAN}/project-reports", json=[item])
    assert sent.status_code == 202, sent.text
    [event_id] = sent.json()["event_ids"]
    agency = system.key("agency", "yasothon-agriculture")
    wait_until(lambda: system.get(f"/api/plans/{PLAN}/report-status", agency, event_id=event_id)
               .json()["statuses"][event_id]["status"] == "in_force", timeout=60,
               what="the agency's report in force")
    report = drill(system, project="NE2-68-002")[event_id]
    assert report["sender"] == f"{system.prefix}agency.yasothon-agriculture"
    assert report["reported_by"] == by(system, OFFICER) and report["province"] == "TH-35"


def refused(credentials: dict, login: dict, routing_key: str) -> bool:
    """Whether the broker refuses ``login`` publishing on ``routing_key`` (403 ACCESS_REFUSED)."""
    params = pika.URLParameters(credentials["amqp_url"])
    params.credentials = pika.PlainCredentials(login["amqp_username"], login["amqp_password"])
    connection = pika.BlockingConnection(params)
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish("reports", routing_key, b"{}", pika.BasicProperties(
            user_id=login["amqp_username"], content_type="application/json"), mandatory=True)
        return False
    except pika.exceptions.ChannelClosedByBroker as exc:
        return exc.reply_code == 403
    finally:
        if connection.is_open:
            connection.close()


def test_the_broker_keeps_provinces_off_the_gateway_s_route_and_the_gateway_off_theirs(system):
    creds = system.credentials()
    assert refused(creds, creds["provinces"][PROVINCE], f"gateway.report.{PROVINCE}.indicator")
    assert refused(creds, creds["agencies"]["amnat-tourism"], "gateway.report.amnat-tourism.project")
    assert refused(creds, creds["gateway"], f"report.{PROVINCE}.indicator")
    assert refused(creds, creds["gateway"], "report.amnat-tourism.project")


def test_the_gateway_s_user_may_do_nameko_rpc_and_nothing_that_could_lose_a_report(system):
    """Provisioned through the management API as ``make run`` does (clusterctl/broker.py); the
    gateway's pages over RPC work meanwhile (test_dashboard.py)."""
    creds = system.credentials()

    def params(login):
        given = pika.URLParameters(creds["amqp_url"])
        given.credentials = pika.PlainCredentials(login["amqp_username"], login["amqp_password"])
        return given
    rpc_steps_succeed(params(creds["gateway"]), params(creds["services"]))
    assert refused_steps(params(creds["gateway"])) == []
    assert system.get(f"/api/plans/{PLAN}/reports", system.key()).status_code == 200  # over RPC


def forged_body(event_id: str) -> bytes:
    return json.dumps({"event_id": event_id, "province": PROVINCE, "indicator": "NE2-1.1",
                       "period": PERIOD, "value": 1.0, "reported_at": REPORTED_AT}).encode()


def test_a_gateway_route_message_from_another_user_or_without_a_person_is_rejected(system):
    creds, forged, nameless = system.credentials(), str(uuid.uuid4()), str(uuid.uuid4())
    admin = admin_broker()  # may write anything in the vhost: only the intake can refuse it
    params = pika.URLParameters(creds["amqp_url"])
    params.credentials = pika.PlainCredentials(admin.username, admin.password)
    with pika.BlockingConnection(params) as connection:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish("reports", f"gateway.report.{PROVINCE}.indicator", forged_body(
            forged), pika.BasicProperties(user_id=admin.username, message_id=forged,
                                          content_type="application/json",
                                          headers={"x-reported-by": "mallory"}), mandatory=True)
    gateway = Province({"amqp_url": creds["amqp_url"], "provinces": {PROVINCE: creds["gateway"]}},
                       PROVINCE)
    try:  # the gateway's own user, but no person named
        gateway.publish(forged_body(nameless), routing_key=f"gateway.report.{PROVINCE}.indicator",
                        event_id=nameless)
    finally:
        gateway.close()

    def listed(key, event_id):
        rows = system.get("/api/rejections", key).json()
        rows = rows.get("rejections", rows) if isinstance(rows, dict) else rows
        # refused by its envelope, before the body is read: found by its body
        return next((r for r in rows if event_id in (r.get("raw_body") or "")), None)
    other = wait_until(lambda: listed(system.key(), forged), timeout=60, what="the forgery kept")
    assert "gateway's own route" in other["reason"] and other["province"] is None
    assert other["sender"] == admin.username
    mine = wait_until(lambda: listed(system.key("province", PROVINCE), nameless), timeout=60,
                      what="the nameless report kept as the province's rejection")
    assert "x-reported-by" in mine["reason"] and mine["province"] == PROVINCE
    assert forged not in drill(system, province=PROVINCE) and \
        nameless not in drill(system, province=PROVINCE)


def test_no_service_configuration_holds_a_province_or_agency_password(system, people):
    creds = system.credentials()
    secrets = {f"{section}.{code}": entry["amqp_password"]
               for section in ("provinces", "agencies")
               for code, entry in creds.get(section, {}).items() if "amqp_password" in entry}
    secrets.update({f"{section}.{code}.api_key": entry["api_key"]
                    for section in ("provinces", "agencies", "osm")
                    for code, entry in creds.get(section, {}).items() if "api_key" in entry})
    assert len(secrets) > 8
    given = sorted((system.data_dir / "run").glob("*.yaml")) + \
        [system.data_dir / "service-credentials.json"]
    leaks = [f"{where} in {path.name}" for path in given for where, secret in secrets.items()
             if secret in path.read_text("utf-8")]
    assert not leaks, leaks
    gateway_config = (system.data_dir / "run" / "gateway.yaml").read_text("utf-8")
    assert creds["gateway"]["amqp_password"] in gateway_config  # it connects as itself ...
    assert creds["services"]["amqp_password"] not in gateway_config  # ... not as the services
    assert "credentials.json" not in gateway_config.replace("service-credentials.json", "")
    key_file = (system.data_dir / "service-credentials.json").read_text("utf-8")
    assert creds["services"]["amqp_password"] not in key_file  # the gateway's file: digests only
    assert creds["gateway"]["amqp_password"] not in key_file

"""The transfer / receipt of transfer of an asset over the real broker, with the e-mails each
step sends; and two commands on one asset sent at once, of which exactly one wins."""
import email
from email import policy

import eventlet
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcProxy

from services.contracts.errors import ServiceError

from services.assets.service import AssetsService
from services.notify.service import NotifyService
from services.plans.service import PlansService
from services.reporting.service import ReportingService
from tests.support.system import wait_until

from .test_notify_and_retries import smtp_sink  # noqa: F401 (fixture)
from .test_reporting_service import seed

HOLDER, RECEIVER, OSM = ["agency", "ubon-tourism"], ["agency", "ubon-pao"], ["osm", "northeast-lower-2"]
BUILDING = {"code": "IT-A01", "project": "NE2-67-002", "fiscal_year": 2567, "category": "building",
            "description_th": "ศูนย์บริการนักท่องเที่ยวริมโขง", "description_en": "Mekong visitor centre",
            "quantity": 1, "unit": "หลัง", "unit_value_thb": 4_500_000, "acquired_on": "2024-06-28",
            "location": {"province": "TH-34", "district": "โขงเจียม"}, "custodian": "ubon-tourism"}
MAINTENANCE = {"agency": "ubon-pao", "budget_thb": 120000, "note": "งบบำรุงรักษาประจำปี"}


# A caller gets a service's error as its own class once the gateway has registered them (which
# any test importing the gateway does, for the whole process), else as a RemoteError: accept both.
CALL_ERRORS = (RemoteError, ServiceError)


def error_type(exc: Exception) -> str:
    return exc.exc_type if isinstance(exc, RemoteError) else type(exc).__name__


def read_mails(mail_dir):
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted(mail_dir.glob("*.eml"))]


def start_all(container_factory, config_for, port):
    for cls, name in ((PlansService, "plans"), (ReportingService, "reporting"),
                      (NotifyService, "notify"), (AssetsService, "assets")):
        container_factory(cls, config_for(name, SMTP_HOST="127.0.0.1", SMTP_PORT=port)).start()


def ready(rpc):
    seed(rpc, notify=True)
    wait_until(lambda: "NE2-67-002" in rpc.assets.known_projects(), what="assets learn the plan")


def test_the_whole_transfer_moves_custody_and_tells_each_party(container_factory, config_for,
                                                                rabbit_config, smtp_sink):  # noqa: F811
    port, mail_dir = smtp_sink
    start_all(container_factory, config_for, port)
    with ClusterRpcProxy(rabbit_config, timeout=20) as rpc:
        ready(rpc)
        asset = rpc.assets.register_asset(BUILDING, HOLDER)
        for action, actor, command in (
                ("request", HOLDER, {"to": "ubon-pao", "reason": "ให้ อบจ. ดูแล"}),
                ("approve", OSM, {}),
                ("hand_over", HOLDER, {"documents": [{"kind": "handover",
                                                      "reference": "บันทึกส่งมอบ อบ 0017/2567"}]}),
                ("accept", RECEIVER, {"maintenance": MAINTENANCE})):
            asset = rpc.assets.act("IT-A01", action, {**command, "version": asset["version"]}, actor)
        assert (asset["custodian"], asset["status"]) == ("ubon-pao", "in_custody")
        ledger = rpc.assets.asset_history("IT-A01", RECEIVER)["ledger"]
        assert [e["action"] for e in ledger] == ["register", "request", "approve", "hand_over", "accept"]
        # an agency with no part in it does not see it
        try:
            rpc.assets.get_asset("IT-A01", ["agency", "sisaket-commerce"])
            raise AssertionError("an unrelated agency sees the asset")
        except CALL_ERRORS as exc:
            assert error_type(exc) == "NotFound"
        # reporting counts what the project produced
        wait_until(lambda: next(r for r in rpc.reporting.project_status("northeast-lower-2-2566-2570")
                                ["projects"] if r["project"] == "NE2-67-002")["assets_registered"] == 1,
                   what="reporting to count the asset")

        wanted = {("assets@ubon-pao.example", "ขอโอนทรัพย์สิน"),
                  ("osm@northeast-lower-2.example", "ขอโอนทรัพย์สิน"),
                  ("assets@ubon-pao.example", "อนุมัติการโอนทรัพย์สิน"),
                  ("assets@ubon-pao.example", "ส่งมอบทรัพย์สินแล้ว รอการรับโอน"),
                  ("tourism@ubon.example", "รับโอนทรัพย์สินแล้ว"),
                  ("osm@northeast-lower-2.example", "รับโอนทรัพย์สินแล้ว")}
        got = lambda: {(m["To"], m["Subject"][1:].split(" /")[0]) for m in read_mails(mail_dir)}  # noqa: E731
        wait_until(lambda: wanted <= got(), timeout=20, what="a mail for each step")
    handed = next(m for m in read_mails(mail_dir) if m["To"] == "assets@ubon-pao.example"
                  and "ส่งมอบทรัพย์สินแล้ว" in m["Subject"])
    text = handed.get_body(("plain",)).get_content()
    assert "บันทึกส่งมอบ อบ 0017/2567" in text and "องค์การบริหารส่วนจังหวัดอุบลราชธานี" in text
    assert "รับโอน (ระบุผู้บำรุงรักษาและงบประมาณ)" in text and "http://127.0.0.1:8000/assets/IT-A01\n" in text


def test_two_commands_sent_at_once_on_one_asset_exactly_one_wins(container_factory, config_for,
                                                                  rabbit_config, smtp_sink):  # noqa: F811
    port, _ = smtp_sink
    start_all(container_factory, config_for, port)
    with ClusterRpcProxy(rabbit_config, timeout=20) as rpc:
        ready(rpc)
        asset = rpc.assets.register_asset(BUILDING, HOLDER)
        for action, actor, command in (("request", HOLDER, {"to": "ubon-pao"}), ("approve", OSM, {}),
                                       ("hand_over", HOLDER, {"documents": [{"kind": "handover",
                                                                             "reference": "1/2567"}]})):
            asset = rpc.assets.act("IT-A01", action, {**command, "version": asset["version"]}, actor)
        version = asset["version"]
        # the receiver's accept and its reject, both decided on the same version, sent at once
        replies = [rpc.assets.act.call_async("IT-A01", "accept",
                                             {"version": version, "maintenance": MAINTENANCE}, RECEIVER),
                   rpc.assets.act.call_async("IT-A01", "reject",
                                             {"version": version, "reason": "ยังไม่พร้อม"}, RECEIVER)]
        outcomes = []
        for reply in replies:
            try:
                outcomes.append(("won", reply.result()))
            except CALL_ERRORS as exc:
                outcomes.append(("lost", error_type(exc)))
        assert sorted(o[0] for o in outcomes) == ["lost", "won"], outcomes
        assert next(o[1] for o in outcomes if o[0] == "lost") in ("Conflict", "AssetError")
        final = rpc.assets.asset_history("IT-A01", ["admin", None])
        assert final["version"] == version + 1 and len(final["ledger"]) == version + 1
        assert final["ledger"][-1]["action"] in ("accept", "reject")
        eventlet.sleep(0)  # nothing else is pending


def test_many_concurrent_commands_on_one_asset_never_both_win(container_factory, config_for,
                                                              rabbit_config, smtp_sink):  # noqa: F811
    """Ten requests to different receivers, all decided on version 1, at once: one wins."""
    port, _ = smtp_sink
    start_all(container_factory, config_for, port)
    with ClusterRpcProxy(rabbit_config, timeout=20) as rpc:
        ready(rpc)
        rpc.assets.register_asset(BUILDING, HOLDER)
        receivers = ["ubon-pao", "sisaket-khukhan-tao", "ubon-agriculture", "amnat-tourism",
                     "sisaket-commerce"] * 2
        replies = [rpc.assets.act.call_async("IT-A01", "request", {"version": 1, "to": to}, HOLDER)
                   for to in receivers]
        won = []
        for reply in replies:
            try:
                won.append(reply.result()["transfer"]["to"])
            except CALL_ERRORS as exc:
                assert error_type(exc) in ("Conflict", "AssetError"), exc
        assert len(won) == 1
        assert rpc.assets.get_asset("IT-A01", HOLDER)["transfer"]["to"] == won[0]

"""What a plan revision tells the other services, over the real broker."""
import copy
import email
from email import policy

from nameko.standalone.rpc import ClusterRpcProxy

from services.assets.service import AssetsService
from services.notify.service import NotifyService
from services.plans.service import PlansService
from services.reporting.service import ReportingService
from tests.support.system import wait_until

from .test_notify_and_retries import smtp_sink  # noqa: F401 (fixture)
from .test_reporting_service import PLAN, seed


def read_mails(mail_dir):
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted(mail_dir.glob("*.eml"))]


def test_a_revision_reaches_reporting_notify_and_assets(container_factory, config_for,
                                                        rabbit_config, smtp_sink):  # noqa: F811
    port, mail_dir = smtp_sink
    for cls, name in ((PlansService, "plans"), (ReportingService, "reporting"),
                      (NotifyService, "notify"), (AssetsService, "assets")):
        container_factory(cls, config_for(name, SMTP_HOST="127.0.0.1", SMTP_PORT=port)).start()
    with ClusterRpcProxy(rabbit_config, timeout=20) as rpc:
        seed(rpc)
        plan = rpc.plans.get_plan(PLAN)
        revised = copy.deepcopy(plan)
        revised["issues"][4]["indicators"][0]["targets"]["FY2568"] = 12.0   # NE2-5.1
        revised["projects"][1]["status"] = "cancelled"                       # NE2-67-002
        revised["projects"].append({**revised["projects"][0], "code": "NE2-69-001",
                                    "fiscal_year": 2569, "title_en": "A new project (sample)"})
        result = rpc.plans.revise_plan(PLAN, revised, "มติ ก.บ.ก. 3/2568", "ก.บ.ก.",
                                       "osm:northeast-lower-2")
        assert sorted(result["events"]) == ["plan_published", "project_cancelled",
                                            "project_registered", "target_revised"]

        wait_until(lambda: next(r for r in rpc.reporting.indicator_results(PLAN, "FY2568-Q1")["results"]
                                if r["indicator"] == "NE2-5.1")["target"] == 12.0,
                   what="reporting to use the revised target")
        wait_until(lambda: "NE2-69-001" in rpc.assets.known_projects(),
                   what="assets to learn the new project")

        wanted = {("environment@ubon.example", "[ปรับค่าเป้าหมาย / Target revised"),
                  ("tourism@ubon.example", "[โครงการถูกยกเลิก / Project cancelled"),
                  ("agriculture@ubon.example", "[โครงการใหม่ในแผน / Project added to the plan"),
                  ("osm@northeast-lower-2.example", "[ปรับค่าเป้าหมาย / Target revised")}

        def sent():
            return {(m["To"], m["Subject"].split("]")[0]) for m in read_mails(mail_dir)}
        wait_until(lambda: wanted <= sent(), timeout=20, what=f"the mails {wanted}")


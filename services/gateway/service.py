"""gateway: the HTTP API (DESIGN 3.4) in front of the services (entrypoints only)."""
from __future__ import annotations

import base64
import json
import logging
import time
from datetime import datetime, timezone
from functools import wraps

import eventlet
from nameko.exceptions import RemoteError
from nameko.rpc import RpcProxy
from .web import http
from kombu import Connection
from nameko.dependency_providers import Config
from werkzeug.wrappers import Response

from services.contracts import topology

from services.contracts.periods import PeriodError, parse_period
from services.infra.health import Heartbeat
from services.infra.runtime import FrozenStartupHeap
from services.infra.logs import LogContext
from services.infra.metrics import Observability

from . import access, auth, dashboard, exports, metrics, province_reports
from .auth import ApiKeys, AuthError
from .asyncapi import asyncapi_document
from .openapi import openapi_document
from .pages import KEY_COOKIE, PUBLIC_LIMIT, DashboardPages, too_many
from .rpc import call

log = logging.getLogger(__name__)
HEALTH_TIMEOUT_S = 3
SERVICES = ("plans", "reporting", "assets", "notify")
PLAN_FILE_FORMATS = ("xlsx", "csv")
# RemoteError types that are the caller's mistake, and how they answer.
CLIENT_ERRORS = {"QueryError": (400, "bad_request"), "PlanError": (400, "invalid_plan"),
                 "LifecycleError": (409, "wrong_state"), "UnknownPlan": (404, "not_found"),
                 "StaleVersion": (409, "stale_version"), "Forbidden": (403, "forbidden"),
                 "AssetError": (400, "invalid_asset"), "DuplicateAsset": (409, "conflict"),
                 "ConcurrentUpdate": (409, "conflict"), "NotAllowed": (403, "forbidden"),
                 "Conflict": (409, "stale_version"), "NotFound": (404, "not_found"),
                 "AlreadyRegistered": (409, "conflict"), "RuleError": (400, "bad_request"),
                 "PreferenceForbidden": (403, "forbidden"), "ParkedError": (400, "bad_request")}
NOTIFY_PARTIES = ("province_focal_point", "responsible_agency", "implementing_agency", "osm",
                  "receiving_agency", "holding_agency", "custodian")  # see notify/domain.py
ASSET_FILTERS = ("project", "custodian", "status", "province", "cluster", "agency")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def json_response(body, status: int = 200, headers=None) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, headers=headers,
                    content_type="application/json; charset=utf-8")


def error_response(status: int, code: str, message: str) -> Response:
    return json_response({"error": {"code": code, "message": message}}, status)


def file_response(name: str, fmt: str, header: list[str], rows: list[list]) -> Response:
    """A view as a CSV or Excel download (``?format=csv|xlsx``)."""
    if fmt not in exports.FORMATS:
        raise ApiError(400, "bad_request", f"format must be one of {', '.join(exports.FORMATS)}")
    return Response(exports.table_file(name, header, rows, fmt), content_type=exports.FORMATS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


MAX_PAGE = 1000


def paginated(request, items: list) -> Response:
    """``?limit=&offset=`` over a list; the whole count in ``X-Total-Count``."""
    try:
        limit = int(request.args.get("limit", MAX_PAGE))
        offset = int(request.args.get("offset", 0))
    except ValueError:
        raise ApiError(400, "bad_request", "limit and offset must be whole numbers") from None
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise ApiError(400, "bad_request", f"limit must be 1-{MAX_PAGE} and offset 0 or more")
    return json_response(items[offset:offset + limit], headers={"X-Total-Count": str(len(items))})


MAX_JSON_BYTES = 2 * 2**20     # a whole plan document is well under this
MAX_UPLOAD_BYTES = 20 * 2**20  # a workbook or a CSV


def body_bytes(request, limit: int) -> bytes:
    """The request body, refused with 413 before it is read when it is larger than ``limit``."""
    size = request.content_length
    if size is not None and size > limit:
        raise ApiError(413, "too_large", f"the body is {size:,} bytes; at most {limit:,} here")
    data = request.stream.read(limit + 1)  # also bounds a body sent without Content-Length
    if len(data) > limit:
        raise ApiError(413, "too_large", f"the body is larger than {limit:,} bytes")
    return data


def json_body(request, default=None):
    """The request's JSON body; a 400 that says what is wrong with it otherwise."""
    raw = body_bytes(request, MAX_JSON_BYTES)
    if not raw and default is not None:
        return default
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, "bad_request", f"the body is not UTF-8 JSON: {exc}") from None
    except RecursionError:
        raise ApiError(400, "bad_request", "the JSON is nested too deeply") from None
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "the body must be a JSON object")
    return body


def endpoint(handler):
    """Every answer is JSON, errors included, with a message a person can act on."""
    @wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        try:
            return handler(self, request, *args, **kwargs)
        except (AuthError, ApiError) as exc:
            return error_response(exc.status, exc.code, exc.message)
        except RemoteError as exc:
            status, code = CLIENT_ERRORS.get(exc.exc_type, (502, "service_error"))
            if status == 502:
                log.error("%s failed in a service: %s", request.path, exc)
                return error_response(502, code, "a service failed to answer; see its log")
            return error_response(status, code, exc.value)
        except eventlet.Timeout:
            return error_response(504, "timeout", "a service did not answer in time")
        except Exception:
            log.exception("%s %s failed", request.method, request.path)
            return error_response(500, "internal", "the gateway failed; see its log")
    return wrapper


class ShortCache:
    """Values kept ``ttl`` seconds (per gateway process): staleness bounded, no invalidation."""

    def __init__(self, ttl: float):
        self.ttl, self._items = ttl, {}

    def get(self, key):
        found = self._items.get(key)
        return found[1] if found and found[0] > time.monotonic() else None

    def put(self, key, value) -> None:
        if len(self._items) > 1000:  # plans are few; bound it anyway
            self._items.clear()
        self._items[key] = (time.monotonic() + self.ttl, value)


REPORTING_PLAN_TTL_S = 2.0
REPORTING_PLANS = ShortCache(REPORTING_PLAN_TTL_S)


class GatewayService(DashboardPages):
    name = "gateway"

    log_context = LogContext()  # each line a worker logs carries the id of what it handles
    observability = Observability()  # entrypoint metrics; METRICS_PORT: /metrics /live /ready
    heartbeat = Heartbeat()  # clusterctl probe: the container's liveness
    gc_heap = FrozenStartupHeap()  # no full collection walks what start-up built
    keys = ApiKeys()
    config = Config()
    plans = RpcProxy("plans")
    reporting = RpcProxy("reporting")
    assets = RpcProxy("assets")
    notify = RpcProxy("notify")

    @http("GET", "/health")
    def health(self, request):
        if not PUBLIC_LIMIT.allow(request.remote_addr):
            return too_many()
        replies, statuses = {}, {}
        for name in SERVICES:
            try:
                replies[name] = getattr(self, name).health.call_async()
            except Exception:  # e.g. no queue for it: the service never started
                statuses[name] = "unavailable"
        for name, reply in replies.items():
            try:
                with eventlet.Timeout(HEALTH_TIMEOUT_S):
                    statuses[name] = reply.result()
            except (Exception, eventlet.Timeout):
                statuses[name] = "unavailable"
        statuses = {name: statuses[name] for name in SERVICES}
        ok = all(s == "ok" for s in statuses.values())
        return json_response({"status": "ok" if ok else "degraded", "services": statuses},
                             200 if ok else 503)

    @http("GET", "/openapi.json")
    def openapi(self, request):
        if not PUBLIC_LIMIT.allow(request.remote_addr):
            return too_many()
        return json_response(openapi_document())

    @http("GET", "/asyncapi.json")
    def asyncapi(self, request):
        """The AMQP side: the province intake and every service's events (AsyncAPI 2.6)."""
        if not PUBLIC_LIMIT.allow(request.remote_addr):
            return too_many()
        return json_response(asyncapi_document())

    @http("GET", "/metrics")
    def metrics(self, request):
        """Prometheus text format (no key: numbers only, rate-limited like /health)."""
        if not PUBLIC_LIMIT.allow(request.remote_addr):
            return too_many()
        queues = {}
        try:
            with Connection(self.config["AMQP_URI"]) as conn:
                channel = conn.channel()
                for queue in topology.all_queues():
                    try:
                        _, ready, consumers = channel.queue_declare(queue.name, passive=True)
                        queues[queue.name] = (ready, consumers)
                    except Exception:  # not declared yet: nothing to report for it
                        channel = conn.channel()
            body = metrics.exposition(queues)
        except (Exception, eventlet.Timeout) as exc:  # broker or a service away: say so, briefly
            log.error("/metrics: %s", exc)
            return Response("# metrics unavailable: a service or the broker did not answer\n",
                            status=503, mimetype="text/plain")
        return Response(body, content_type=metrics.CONTENT_TYPE)

    @http("GET", "/docs")
    def docs(self, request):
        """Both documents as a page a person can browse."""
        if not PUBLIC_LIMIT.allow(request.remote_addr):
            return too_many()
        api, amqp = openapi_document(), asyncapi_document()
        body = dashboard.render_plain("docs", info=api["info"],
                                      paths=[(p, sorted(ops.items())) for p, ops in sorted(api["paths"].items())],
                                      channels=sorted(amqp["channels"].items()))
        return Response(body, mimetype="text/html")

    @http("GET", "/api/clusters")
    @endpoint
    def clusters(self, request):
        self._principal(request)
        reference = call(self.plans, "list_clusters")
        headers = {}
        if reference["version"]:
            headers["X-Reference-Version"] = reference["version"]["version_id"]
        return json_response(reference["clusters"], headers=headers)

    @http("GET", "/api/agencies")
    @endpoint
    def agencies(self, request):
        principal = self._principal(request)
        clusters = call(self.plans, "list_clusters")["clusters"]
        visible = access.agency_provinces(principal, clusters)
        province = request.args.get("province")
        if province:
            if visible is not None and province not in visible:
                raise access.forbidden(f"{principal} does not see agencies of {province}")
            visible = [province]
        found = call(self.plans, "list_agencies", visible)
        role, kind = request.args.get("role"), request.args.get("kind")
        return json_response([a for a in found if (not role or role in a["roles"])
                              and (not kind or a["kind"] == kind)])

    @http("PUT", "/api/agencies/<string:code>")
    @endpoint
    def save_agency(self, request, code):
        principal = self._principal(request)
        body = json_body(request)
        if body.get("code", code) != code:
            raise ApiError(400, "bad_request", f"the body names agency {body.get('code')!r}, "
                                               f"the URL {code!r}")
        clusters = call(self.plans, "list_clusters")["clusters"]
        access.check_can_change_agency(principal, body.get("province"), clusters)
        return json_response(call(self.plans, "save_agency", {**body, "code": code},
                                  access.agency_provinces(principal, clusters)))

    @http("GET", "/api/reference-data")
    @endpoint
    def reference_versions(self, request):
        self._principal(request)
        return json_response(call(self.plans, "reference_versions"))

    @http("POST", "/api/reference-data")
    @endpoint
    def load_reference(self, request):
        """A new version of the cluster membership, as the CSV of data/reference (admin only)."""
        self._admin(request, "only the admin loads reference data")
        effective_from = request.args.get("effective_from")
        source = request.args.get("source")
        if not effective_from or not source:
            raise ApiError(400, "bad_request", "query parameters effective_from (YYYY-MM-DD) and "
                                               "source (the announcement it comes from) are required")
        try:
            text = body_bytes(request, MAX_UPLOAD_BYTES).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ApiError(400, "bad_request", f"the CSV is not UTF-8 (byte {exc.start})") from None
        return json_response(call(self.plans, "load_reference", text, source, effective_from), 201)

    @http("GET", "/api/plans")
    @endpoint
    def list_plans(self, request):
        principal = self._principal(request)
        return json_response(access.visible_plans(principal, call(self.plans, "list_plans")))

    @http("GET", "/api/plans/<string:plan_id>")
    @endpoint
    def get_plan(self, request, plan_id):
        principal, plan = self._visible_plan(request, plan_id)
        version = request.args.get("version")
        if version is None:
            return json_response(plan)
        if not version.isdigit():
            raise ApiError(400, "bad_request", f"version {version!r} is not a number")
        old = call(self.plans, "get_plan_version", plan_id, int(version))
        if old is None or not access.can_see_plan(principal, old):
            raise ApiError(404, "not_found", f"plan {plan_id} has no version {version} you may see")
        return json_response(old)

    @http("GET", "/api/plans/<string:plan_id>/export")
    @endpoint
    def export_plan(self, request, plan_id):
        self._visible_plan(request, plan_id)
        fmt = request.args.get("format", "xlsx")
        if fmt not in PLAN_FILE_FORMATS:
            raise ApiError(400, "bad_request", f"format must be one of {', '.join(PLAN_FILE_FORMATS)}")
        exported = call(self.plans, "export_plan", plan_id, fmt)
        return Response(base64.b64decode(exported["base64"]), content_type=exported["content_type"],
                        headers={"Content-Disposition":
                                 f'attachment; filename="{exported["filename"]}"'})

    @http("POST", "/api/plans/import")
    @endpoint
    def import_plan(self, request):
        """Create, edit or revise a plan from a workbook; every bad cell is named, nothing applied."""
        principal = self._principal(request)
        if principal.role not in ("admin", "osm"):
            raise access.forbidden("only an OSM or the admin imports plans")
        fmt = request.args.get("format", "xlsx")
        if fmt not in PLAN_FILE_FORMATS:
            raise ApiError(400, "bad_request", f"format must be one of {', '.join(PLAN_FILE_FORMATS)}")
        data = body_bytes(request, MAX_UPLOAD_BYTES)
        if not data:
            raise ApiError(400, "bad_request", "send the workbook as the request body")
        result = call(self.plans, "import_plan", base64.b64encode(data).decode("ascii"), fmt,
                      str(principal), request.args.get("reason"), request.args.get("approved_by"),
                      principal.scope if principal.role == "osm" else None, timeout=60)
        if "forbidden" in result:
            raise access.forbidden(result["forbidden"])
        if "problems" in result:
            return json_response({"error": {"code": "invalid_workbook", "message": result["message"],
                                            "problems": result["problems"]}}, 400)
        return json_response(result["plan"], 201)

    @http("GET", "/api/plans/<string:plan_id>/history")
    @endpoint
    def plan_history(self, request, plan_id):
        principal, _ = self._visible_plan(request, plan_id)
        history = call(self.plans, "plan_history", plan_id)
        if principal.role in ("province", "agency"):  # drafts are the OSM's work in progress
            history = [h for h in history if h["status"] != "draft"]
        return json_response(history)

    @http("POST", "/api/plans")
    @endpoint
    def create_plan(self, request):
        principal = self._principal(request)
        document = json_body(request)
        access.check_can_change_plan(principal, str(document.get("cluster")))
        return json_response(call(self.plans, "create_plan", document), 201)

    @http("PUT", "/api/plans/<string:plan_id>")
    @endpoint
    def update_draft(self, request, plan_id):
        self._changeable_plan(request, plan_id)
        return json_response(call(self.plans, "update_draft", plan_id, json_body(request)))

    @http("POST", "/api/plans/<string:plan_id>/publish")
    @endpoint
    def publish_plan(self, request, plan_id):
        principal, _ = self._changeable_plan(request, plan_id)
        body = json_body(request, default={})
        return json_response(call(self.plans, "publish_plan", plan_id, str(principal),
                                  body.get("approved_by")))

    @http("POST", "/api/plans/<string:plan_id>/revisions")
    @endpoint
    def revise_plan(self, request, plan_id):
        principal, _ = self._changeable_plan(request, plan_id)
        body = json_body(request)
        if not isinstance(body.get("plan"), dict) or not isinstance(body.get("reason"), str):
            raise ApiError(400, "bad_request", 'send {"plan": {…the whole revised plan…}, '
                                               '"reason": "…", "approved_by": "…"}')
        return json_response(call(self.plans, "revise_plan", plan_id, body["plan"],
                                  body["reason"], body.get("approved_by"), str(principal)), 201)

    @http("GET", "/api/plans/<string:plan_id>/indicator-results")
    @endpoint
    def indicator_results(self, request, plan_id):
        principal, plan = self._reporting_plan(request, plan_id)
        period = request.args.get("period")
        if not period:
            raise ApiError(400, "bad_request", "query parameter 'period' is required, "
                                               "e.g. ?period=FY2567-Q2")
        try:
            parse_period(period)
        except PeriodError as exc:
            raise ApiError(400, "bad_request", str(exc)) from None
        results = access.results_for(principal, call(self.reporting, "indicator_results",
                                                      plan_id, period))
        fmt = request.args.get("format")
        if fmt:
            provinces = sorted({p for r in results["results"] for p in r["provinces"]}
                               | ({principal.scope} if principal.role == "province" else set(plan["provinces"])))
            return file_response(f"{plan_id}-{period}-indicators", fmt,
                                 *exports.indicator_results_table(results, provinces))
        return json_response(results)

    @http("GET", "/api/plans/<string:plan_id>/indicators/<string:code>/series")
    @endpoint
    def indicator_series(self, request, plan_id, code):
        principal, _ = self._reporting_plan(request, plan_id)
        series = call(self.reporting, "indicator_series", plan_id, code)
        series["series"] = access.results_for(principal, {"results": series["series"]})["results"]
        return self._view_or_file(request, series, f"{plan_id}-{code}-series", exports.series_table)

    @http("GET", "/api/plans/<string:plan_id>/reports")
    @endpoint
    def reports(self, request, plan_id):
        """Drill-down: the reports behind a value (a province key sees its own province's)."""
        principal, _ = self._reporting_plan(request, plan_id)
        province = access.own_province(principal, request.args.get("province"))
        args = request.args
        result = call(self.reporting, "reports", plan_id, province, args.get("indicator"),
                      args.get("project"), args.get("period"))
        return self._view_or_file(request, result, f"{plan_id}-reports", exports.reports_table)

    # --- province reporting without code: the workbook, its check, sending it ----------------

    @http("GET", "/api/plans/<string:plan_id>/report-workbook")
    @endpoint
    def report_workbook(self, request, plan_id):
        """The reporting workbook of a province and period: what is due, with targets and the
        values in force shown read-only, input cells validated as Excel can."""
        principal, plan = self._reporting_plan(request, plan_id)
        province = self._reporting_province(principal, plan, request.args.get("province"))
        period = request.args.get("period") or ""
        try:
            parse_period(period)
            last = call(self.reporting, "last_reported", plan_id, province, period)
            data = province_reports.build(plan, province, period, last)
        except (PeriodError, ValueError) as exc:
            raise ApiError(400, "bad_request", str(exc)) from None
        return Response(data, content_type=exports.FORMATS["xlsx"], headers={
            "Content-Disposition": f'attachment; filename="{plan_id}-{province}-{period}.xlsx"'})

    @http("POST", "/api/plans/<string:plan_id>/report-workbook/check")
    @endpoint
    def check_report_workbook(self, request, plan_id):
        """Every row of a filled workbook (or CSV) with what is wrong and where; nothing sent."""
        _, checked = self._checked_workbook(request, plan_id)
        checked.pop("bodies")
        return json_response(checked)

    @http("POST", "/api/plans/<string:plan_id>/report-workbook/send")
    @endpoint
    def send_report_workbook(self, request, plan_id):
        """Check, then send every row as the province's own report event - all rows or none.
        Rows already received are not sent again."""
        if self._principal(request).role != "province":
            raise access.forbidden("only the province itself sends its reports (its own AMQP "
                                   "login); an OSM or the admin may check a workbook")
        _, checked = self._checked_workbook(request, plan_id)
        bodies = checked.pop("bodies")
        if checked["problems"]:
            return json_response({"error": {
                "code": "invalid_workbook", "message": f"{checked['problems']} problem(s); "
                "nothing was sent", "message_th": f"พบ {checked['problems']} ข้อผิดพลาด "
                "ยังไม่ได้ส่งรายงานใด", **checked}}, 400)
        ids = [b["event_id"] for b in bodies]
        statuses = call(self.reporting, "report_statuses", plan_id, checked["province"], ids)
        fresh, ids = province_reports.to_send(bodies, statuses)
        uri, username = province_reports.province_login(
            self.config["AMQP_URI"], self.config["CREDENTIALS_PATH"], checked["province"])
        province_reports.publish(uri, username, checked["province"], fresh)
        return json_response({**checked, "event_ids": ids, "sent": len(fresh),
                              "already_received": len(ids) - len(fresh)}, 202)

    @http("GET", "/api/plans/<string:plan_id>/report-status")
    @endpoint
    def report_status(self, request, plan_id):
        """What became of reports, by event_id: pending, in_force, superseded or rejected."""
        principal, plan = self._reporting_plan(request, plan_id)
        province = self._reporting_province(principal, plan, request.args.get("province"))
        ids = request.args.getlist("event_id")
        if not 1 <= len(ids) <= 2000:
            raise ApiError(400, "bad_request", "name 1 to 2000 reports with event_id=...")
        return json_response({"plan_id": plan_id, "province": province, "statuses": call(
            self.reporting, "report_statuses", plan_id, province, ids)})

    def _reporting_province(self, principal, plan, asked):
        """The province a reporting-workbook request is about: a province key's own; an OSM or
        the admin names one of the plan's provinces."""
        province = access.own_province(principal, asked)
        if not province:
            raise ApiError(400, "bad_request", "name the province: ?province=TH-34")
        if province not in plan["provinces"]:
            raise ApiError(400, "bad_request", f"plan {plan['id']} does not cover {province} "
                           f"(it covers {', '.join(plan['provinces'])})")
        return province

    def _checked_workbook(self, request, plan_id):
        principal, plan = self._reporting_plan(request, plan_id)
        asked = request.args.get("province")
        try:
            upload = province_reports.read(plan_id, access.own_province(principal, asked),
                                           request.args.get("format", "xlsx"),
                                           body_bytes(request, MAX_UPLOAD_BYTES))
        except province_reports.UploadError as exc:
            raise ApiError(400, exc.code, f"{exc.message_en} / {exc.message_th}") from None
        province = self._reporting_province(principal, plan, asked or upload.province)
        return principal, province_reports.check(
            upload, province, lambda *args: call(self.reporting, "check_reports", *args))

    @http("GET", "/api/plans/<string:plan_id>/problems")
    @endpoint
    def problems(self, request, plan_id):
        """The problems-and-obstacles register; a province key sees its own province's."""
        principal, _ = self._reporting_plan(request, plan_id)
        issue = request.args.get("issue")
        if issue is not None and not issue.isdigit():
            raise ApiError(400, "bad_request", f"issue {issue!r} is not a development issue number")
        province = access.own_province(principal, request.args.get("province"))
        found = call(self.reporting, "problems", plan_id, int(issue) if issue else None,
                     request.args.get("project"), [province] if province else None,
                     request.args.get("q"))
        return self._view_or_file(request, found, f"{plan_id}-problems", exports.problems_table)

    @http("GET", "/api/plans/<string:plan_id>/projects/progress")
    @endpoint
    def project_progress(self, request, plan_id):
        principal, _ = self._reporting_plan(request, plan_id)
        status = call(self.reporting, "project_status", plan_id)
        if principal.role == "province":  # its own province's figures only
            for row in status["projects"]:
                row["provinces"] = {k: v for k, v in row["provinces"].items() if k == principal.scope}
        return self._view_or_file(request, status, f"{plan_id}-projects",
                                  exports.project_progress_table)

    @http("GET", "/api/plans/<string:plan_id>/completeness")
    @endpoint
    def completeness(self, request, plan_id):
        principal, _ = self._reporting_plan(request, plan_id)
        period = request.args.get("period")
        if not period:
            raise ApiError(400, "bad_request", "query parameter 'period' is required, e.g. FY2567-Q2")
        result = call(self.reporting, "completeness", plan_id, period)
        if principal.role == "province":
            result["provinces"] = [r for r in result["provinces"] if r["province"] == principal.scope]
        return self._view_or_file(request, result, f"{plan_id}-{period}-completeness",
                                  exports.completeness_table)

    @http("PUT", "/api/reporting-schedule")
    @endpoint
    def set_due_days(self, request):
        self._admin(request, "only the admin sets when reports are due")
        return json_response({"due_days": call(self.reporting, "set_due_days",
                                                json_body(request).get("due_days"))})

    @http("GET", "/api/disbursement-targets")
    @endpoint
    def disbursement_targets(self, request):
        self._principal(request)
        return json_response(call(self.reporting, "disbursement_targets"))

    @http("PUT", "/api/disbursement-targets/<string:fiscal_year>")
    @endpoint
    def set_disbursement_targets(self, request, fiscal_year):
        self._admin(request, "only the admin sets the government's disbursement targets")
        return json_response(call(self.reporting, "set_disbursement_targets", fiscal_year,
                                  json_body(request)))

    @http("GET", "/api/rejections")
    @endpoint
    def rejections(self, request):
        principal = self._principal(request)
        requested = request.args.get("province") or None
        clusters = call(self.plans, "list_clusters")["clusters"] if principal.role == "osm" else []
        provinces = access.rejection_provinces(principal, requested, clusters)
        return paginated(request, call(self.reporting, "list_rejections", provinces))

    # --- assets: the registry and the transfer / receipt of transfer -----------------------

    @http("GET", "/api/assets")
    @endpoint
    def list_assets(self, request):
        """The assets the key may see (an agency: what it holds, receives or implemented)."""
        principal = self._principal(request)
        filters = {k: request.args[k] for k in ASSET_FILTERS if request.args.get(k)}
        found = call(self.assets, "list_assets", filters, self._actor(principal))
        return self._view_or_file(request, found, "assets", exports.assets_table)

    @http("POST", "/api/assets")
    @endpoint
    def register_asset(self, request):
        principal = self._principal(request)
        return json_response(call(self.assets, "register_asset", json_body(request),
                                  self._actor(principal)), 201)

    @http("POST", "/api/assets/import")
    @endpoint
    def import_assets(self, request):
        """Register a sheet of assets (format=xlsx|csv): all rows or none."""
        principal = self._principal(request)
        fmt = request.args.get("format", "xlsx")
        if fmt not in PLAN_FILE_FORMATS:
            raise ApiError(400, "bad_request", f"format must be one of {', '.join(PLAN_FILE_FORMATS)}")
        data = body_bytes(request, MAX_UPLOAD_BYTES)
        if not data:
            raise ApiError(400, "bad_request", "send the sheet as the request body")
        result = call(self.assets, "import_assets", base64.b64encode(data).decode("ascii"), fmt,
                      self._actor(principal), timeout=60)
        if "forbidden" in result:
            raise access.forbidden(result["forbidden"])
        if "problems" in result:
            return json_response({"error": {"code": "invalid_sheet", "message":
                                            f"{len(result['problems'])} problem(s); nothing was "
                                            "registered", "problems": result["problems"]}}, 400)
        return json_response(result, 201)

    @http("GET", "/api/assets/template")
    @endpoint
    def asset_template(self, request):
        """An empty registration sheet with the Thai headers."""
        self._principal(request)
        sheet = base64.b64decode(call(self.assets, "registration_template"))
        return Response(sheet, mimetype=exports.FORMATS["xlsx"], headers={
            "Content-Disposition": 'attachment; filename="asset-registration.xlsx"'})

    @http("GET", "/api/assets/settings")
    @endpoint
    def asset_settings(self, request):
        self._principal(request)
        return json_response(call(self.assets, "settings"))

    @http("PUT", "/api/assets/settings")
    @endpoint
    def set_asset_settings(self, request):
        self._admin(request, "only the admin changes the asset settings")
        return json_response(call(self.assets, "set_settings", json_body(request)))

    @http("GET", "/api/assets/<string:code>")
    @endpoint
    def get_asset(self, request, code):
        principal = self._principal(request)
        return json_response(call(self.assets, "get_asset", code, self._actor(principal)))

    @http("GET", "/api/assets/<string:code>/history")
    @endpoint
    def asset_history(self, request, code):
        principal = self._principal(request)
        history = call(self.assets, "asset_history", code, self._actor(principal))
        return self._view_or_file(request, history, f"{code}-history", exports.asset_history_table)

    @http("POST", "/api/assets/<string:code>/<string:action>")
    @endpoint
    def asset_step(self, request, code, action):
        """A transfer step or an audit: {"version": n, ...what the step needs}."""
        steps = {"transfer": "request", "approve": "approve", "hand-over": "hand_over",
                 "accept": "accept", "reject": "reject", "cancel": "cancel", "audits": "audit"}
        if action not in steps:
            raise ApiError(404, "not_found", f"no asset step {action!r}; use one of "
                                             + ", ".join(steps))
        principal = self._principal(request)
        return json_response(call(self.assets, "act", code, steps[action], json_body(request),
                                  self._actor(principal)))

    @http("GET", "/api/keys")
    @endpoint
    def list_keys(self, request):
        """Keys the admin issued (never their secret or hash)."""
        self._admin(request, "only the admin manages API keys")
        return json_response([auth.shown_key(k) for k in self.keys.issued()["keys"]])

    @http("POST", "/api/keys")
    @endpoint
    def issue_key(self, request):
        """A new key {role, scope, label}; the secret is in this answer only."""
        principal = self._admin(request, "only the admin manages API keys")
        body = json_body(request)
        role, scope, label = body.get("role"), body.get("scope"), body.get("label") or ""
        if role not in auth.ROLES:
            raise ApiError(400, "bad_request", f"role must be one of {', '.join(auth.ROLES)}")
        if role == "admin":
            scope = None
        elif not isinstance(scope, str) or not scope:
            raise ApiError(400, "bad_request", f"a {role} key needs a scope (its "
                           + {"osm": "cluster code", "province": "province code, e.g. TH-34",
                              "agency": "agency code"}[role] + ")")
        elif role in ("osm", "province"):
            clusters = call(self.plans, "list_clusters")["clusters"]
            known = {c["code"] for c in clusters} if role == "osm" else \
                {p["code"] for c in clusters for p in c["provinces"]}
            if scope not in known:
                raise ApiError(400, "bad_request", f"unknown {'cluster' if role == 'osm' else 'province'} {scope!r}")
        if not isinstance(label, str):
            raise ApiError(400, "bad_request", "label must be text")
        now = datetime.now(timezone.utc).isoformat()
        return json_response(self.keys.issue(role, scope, label, str(principal), now), 201)

    @http("DELETE", "/api/keys/<string:key_id>")
    @endpoint
    def revoke_key(self, request, key_id):
        self._admin(request, "only the admin manages API keys")
        revoked = self.keys.revoke(key_id, datetime.now(timezone.utc).isoformat())
        if revoked is None:
            raise ApiError(404, "not_found", f"no issued key {key_id!r}")
        return json_response(revoked)

    @http("GET", "/api/mails")
    @endpoint
    def mails(self, request):
        """The delivery log: to whom, which template, status, attempts, last error, Message-ID."""
        principal = self._principal(request)
        status = request.args.get("status")
        if status and status not in ("pending", "sent", "failed"):
            raise ApiError(400, "bad_request", "status must be pending, sent or failed")
        found = call(self.notify, "list_mails", status, 500, self._actor(principal),
                     request.args.get("agency"), request.args.get("template"))
        return self._view_or_file(request, found, "mails", exports.mails_table)

    @http("GET", "/api/notify/rules")
    @endpoint
    def notify_rules(self, request):
        """Who hears of which fact: {event type: [parties]}."""
        self._principal(request)
        return json_response({"rules": call(self.notify, "rules"),
                              "parties": sorted(NOTIFY_PARTIES)})

    @http("PUT", "/api/notify/rules")
    @endpoint
    def set_notify_rules(self, request):
        self._admin(request, "only the admin changes who is told what")
        return json_response({"rules": call(self.notify, "set_rules", json_body(request))})

    @http("GET", "/api/notify/preferences")
    @endpoint
    def notify_preferences(self, request):
        """Each agency's delivery (immediate or daily_digest) and muted event types."""
        principal = self._principal(request)
        return json_response(call(self.notify, "preferences", self._actor(principal)))

    @http("PUT", "/api/notify/preferences/<string:agency>")
    @endpoint
    def set_notify_preference(self, request, agency):
        principal = self._principal(request)
        return json_response(call(self.notify, "set_preference", self._actor(principal), agency,
                                  json_body(request)))

    @staticmethod
    def _actor(principal) -> list:
        return [principal.role, principal.scope]

    @http("GET,POST,PUT,PATCH,DELETE", "/api/<path:anything>")
    @endpoint
    def unknown(self, request, anything):
        self._principal(request)
        raise ApiError(404, "not_found", f"no such endpoint: {request.method} /api/{anything} "
                                         "(see /openapi.json)")

    @http("GET", "/api/parked")
    @endpoint
    def parked(self, request):
        """Messages a service gave up on after the delivery limit, with where and why (admin)."""
        self._admin(request, "only the admin sees parked messages")
        return json_response(call(self.reporting, "list_parked"))

    @staticmethod
    def _view_or_file(request, view, name: str, table):
        """JSON (a list a page at a time with ``limit``/``offset``), or with
        ``?format=csv|xlsx`` the same view, whole, as a file."""
        fmt = request.args.get("format")
        if fmt:
            return file_response(name, fmt, *table(view))
        if isinstance(view, list):
            return paginated(request, view)
        return json_response(view)

    @http("POST", "/api/parked/<string:parked_id>/retry")
    @endpoint
    def retry_parked(self, request, parked_id):
        """Send a parked message back to be processed, once its cause is fixed (admin)."""
        self._admin(request, "only the admin re-drives parked messages")
        return json_response(call(self.reporting, "retry_parked", parked_id, timeout=60))

    def _principal(self, request):
        header = request.headers.get("Authorization")
        if header is None and request.method == "GET" and request.cookies.get(KEY_COOKIE):
            # the dashboard's downloads: a logged-in browser reads (never writes) with its cookie
            header = f"Bearer {request.cookies[KEY_COOKIE]}"
        return self.keys.authenticate(header)

    def _admin(self, request, refusal: str):
        principal = self._principal(request)
        if principal.role != "admin":
            raise access.forbidden(refusal)
        return principal

    def _changeable_plan(self, request, plan_id):
        principal, plan = self._visible_plan(request, plan_id)
        access.check_can_change_plan(principal, plan["cluster"])
        return principal, plan

    def _reporting_plan(self, request, plan_id):
        """A plan whose reporting views the key may read: an agency key acts on assets only.
        The plan is read through a cache of a few seconds (REPORTING_PLAN_TTL_S): these views
        only need who may see it and its structure, and fetching the whole document was half of
        an ``indicator-results`` request (the bench's freshness probe polls it)."""
        principal, plan = self._visible_plan(request, plan_id, cached=True)
        if principal.role == "agency":
            raise access.forbidden("an agency key acts on assets and transfers; the reporting "
                                   "views need an OSM, province or admin key")
        return principal, plan

    def _visible_plan(self, request, plan_id, cached=False):
        principal = self._principal(request)
        plan = REPORTING_PLANS.get(plan_id) if cached else None
        if plan is None:
            plan = call(self.plans, "get_plan", plan_id)
            if plan is not None:
                REPORTING_PLANS.put(plan_id, plan)
        if plan is None:
            raise ApiError(404, "not_found", f"no plan {plan_id!r}")
        if not access.can_see_plan(principal, plan):
            raise access.forbidden(f"{principal} may not see plan {plan_id}")
        return principal, plan

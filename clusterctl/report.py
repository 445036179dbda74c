"""``clusterctl report --province TH-34 FILE.xlsx|.csv``: a province's reports from a filled
workbook or a CSV, for offices without a system of their own.

The same checks as the dashboard's upload (the gateway's check endpoint: the workbook's rules,
then the intake's), nothing sent if any row is wrong; then every row published as the
province's own report event (its AMQP login), a progress line while it goes, and each report
followed to accepted or rejected. Exit status: 0 every report accepted, 1 some rejected or
not processed in time, 2 nothing sent (a wrong row, an unusable file, a setting missing).

Credentials: ``--credentials FILE`` - the province's own entry ({"amqp_username",
"amqp_password", "api_key"}, optionally "amqp_url" and "api_url") or a whole credentials.json -
else $DATA_DIR/credentials.json (a local ``make run``); or the environment: CLUSTER_PLANNING_
API_KEY, CLUSTER_PLANNING_AMQP_USERNAME, CLUSTER_PLANNING_AMQP_PASSWORD, CLUSTER_PLANNING_AMQP_URL,
CLUSTER_PLANNING_API_URL. An amqps:// URL is checked with AMQP_CA_FILE (and may present
AMQP_CERT_FILE/AMQP_KEY_FILE), as every connection to the broker (README "Configuration").
"""
from __future__ import annotations

import json
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, urlsplit

import requests
from amqp.exceptions import AMQPError
from kombu.exceptions import OperationalError

from services.infra import report_workbook
from services.infra.amqp_urls import with_login
from services.infra.event_publisher import SEND_AGAIN_LATER, PublishTimedOut
from services.infra.province_send import publish, to_send

from .amqp_tls import AmqpTls, TlsSettingError, read_tls
from .broker import explain_connect_error
from .settings import Broker, Settings

SETTLED = ("in_force", "superseded", "rejected")


class ReportError(Exception):
    """Nothing was sent; the message says why (exit 2)."""


def load_login(province: str, credentials: str | None, settings: Settings, env=os.environ) -> dict:
    entry, path = {}, Path(credentials) if credentials else settings.credentials_path
    if credentials or path.exists():
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise ReportError(f"cannot read the credentials file {path}: {exc}") from None
        whole = "provinces" in data
        entry = dict(data["provinces"].get(province) or {}) if whole else dict(data)
        if whole and not entry:
            raise ReportError(f"{path} has no entry for {province}")
        if whole:
            entry.setdefault("amqp_url", data.get("amqp_url"))
            entry.setdefault("amqp_alternates", data.get("amqp_alternates") or [])
    names = {"api_key": "API_KEY", "amqp_username": "AMQP_USERNAME",
             "amqp_password": "AMQP_PASSWORD", "amqp_url": "AMQP_URL", "api_url": "API_URL"}
    for field, suffix in names.items():
        entry[field] = env.get(f"CLUSTER_PLANNING_{suffix}") or entry.get(field)
    entry["amqp_url"] = entry.get("amqp_url") or settings.broker.public_amqp_url(settings.vhost)
    entry["api_url"] = (entry.get("api_url") or settings.public_url).rstrip("/")
    missing = [f for f in ("api_key", "amqp_username", "amqp_password") if not entry.get(f)]
    if missing:
        raise ReportError(f"no {', '.join(missing)} for {province}: give --credentials FILE or "
                          "set CLUSTER_PLANNING_API_KEY, _AMQP_USERNAME and _AMQP_PASSWORD")
    return entry


def _amqp_uri(login: dict) -> str:
    """The province's login on amqp_url's node and on the cluster's others (failover)."""
    nodes = [login["amqp_url"], *(login.get("amqp_alternates") or [])]
    return with_login(nodes, login["amqp_username"], login["amqp_password"])


def _tls(login: dict, settings: Settings, env=os.environ) -> AmqpTls | None:
    """TLS for the province's amqp_url: the broker's own settings when they are TLS, else read
    for this URL (a province's handed-out amqps:// URL, AMQP_URL unset); None: plain amqp://."""
    scheme = urlsplit(login["amqp_url"]).scheme
    if scheme != "amqps":
        return None
    if settings.broker.tls:
        return settings.broker.tls
    try:
        return read_tls(env, scheme)
    except TlsSettingError as exc:
        raise ReportError(str(exc)) from None


def _ssl_options(login: dict, settings: Settings, env=os.environ) -> dict | None:
    tls = _tls(login, settings, env)
    return tls.ssl_options() if tls else None


def send(login: dict, province: str, bodies: list[dict], settings: Settings,
         progress=None) -> None:
    """Publish under the province's own login; a broker that cannot be reached or refuses the
    login (or the TLS handshake) is a ReportError saying why, as ``make run``'s check says it."""
    tls = _tls(login, settings)
    try:
        publish(_amqp_uri(login), login["amqp_username"], province, bodies,
                ssl=tls.ssl_options() if tls else None, progress=progress)
    except PublishTimedOut:  # a broker alarm: the connection is fine, the broker holds back
        raise ReportError(SEND_AGAIN_LATER) from None
    except (OperationalError, AMQPError, OSError) as exc:
        url = urlsplit(login["amqp_url"])
        try:
            port = url.port or (5671 if tls else 5672)
        except ValueError:
            port = 0
        where = Broker(url.hostname or "?", port, login["amqp_username"], "", "", tls=tls)
        raise ReportError(
            f"{explain_connect_error(where, exc)}. Reports confirmed before this were kept: run "
            "the same command again, it sends only what the system has not received / ส่งซ้ำได้ "
            "ระบบจะส่งเฉพาะรายงานที่ยังไม่ได้รับ") from None


class Api:
    def __init__(self, base: str, key: str):
        self.base, self.session = base, requests.Session()
        self.session.headers["Authorization"] = f"Bearer {key}"

    def __call__(self, method: str, path: str, **kwargs) -> requests.Response:
        try:
            return self.session.request(method, f"{self.base}{path}", timeout=120, **kwargs)
        except requests.RequestException as exc:
            raise ReportError(f"cannot reach {self.base} ({type(exc).__name__}); is the system "
                              "running, and is the API address right (--api)?") from None


def choose_plan(api: Api, upload, asked: str | None) -> str:
    if asked or upload.plan_id:
        return asked or upload.plan_id
    plans = [p for p in api("GET", "/api/plans").json() if p.get("status") == "published"]
    if len(plans) != 1:
        raise ReportError("name the plan with --plan (the key sees "
                          f"{', '.join(p['id'] for p in plans) or 'no published plan'})")
    return plans[0]["id"]


def run(args, settings: Settings, out=sys.stdout) -> int:
    def say(text=""):
        print(text, file=out, flush=True)

    path = Path(args.file)
    fmt = path.suffix.lower().lstrip(".")
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ReportError(f"cannot read {path}: {exc.strerror}") from None
    login = load_login(args.province, args.credentials, settings)
    api = Api(args.api or login["api_url"], login["api_key"])
    try:
        upload = report_workbook.read_workbook(path.name, content, args.plan, args.province)
    except report_workbook.WorkbookUnreadable as exc:
        raise ReportError(f"{path.name}: {exc.message_en} / {exc.message_th}") from None
    plan_id = choose_plan(api, upload, args.plan)
    answer = api("POST", f"/api/plans/{quote(plan_id)}/report-workbook/check", data=content,
                 params={"format": fmt, "province": args.province})
    if answer.status_code != 200:
        raise ReportError(f"the check was refused ({answer.status_code}): "
                          f"{answer.json().get('error', {}).get('message', answer.text[:300])}")
    checked = answer.json()
    for row in checked["rows"]:
        for error in row["errors"]:
            say(f"{row['sheet']} {error['cell']}: {error['message_en']} / {error['message_th']}")
    shown = checked.get("problems_shown", checked["problems"])
    if shown < checked["problems"]:  # the answer lists at most so many (gateway/listing.py)
        say(f"... and {checked['problems'] - shown} more problem(s) not listed: fix these and "
            "check again")
    if checked["problems"]:
        raise ReportError(f"{checked['problems']} problem(s) in {path.name}; nothing was sent")
    # every row passed the check (which may list only some of them): all of them go
    bodies = [b for _, b in report_workbook.report_bodies(upload, args.province,
                                                          datetime.now(timezone.utc))]
    if len(bodies) != checked["reports"]:
        raise ReportError(f"{path.name}: {len(bodies)} report(s) read here but the check "
                          f"passed {checked['reports']}; nothing was sent")
    say(f"{path.name}: {len(bodies)} report(s) for {args.province}, plan {plan_id}: all rows pass")
    if args.dry_run:
        say("dry run: nothing sent")
        return 0
    status_path = f"/api/plans/{quote(plan_id)}/report-status"
    ids = [b["event_id"] for b in bodies]
    before = statuses(api, status_path, args.province, ids)
    fresh, ids = to_send(bodies, before)
    if len(fresh) < len(bodies):
        say(f"{len(bodies) - len(fresh)} already received earlier: not sent again")
    send(login, args.province, fresh, settings,
         progress=lambda n: print(f"\rsending {bar(n, len(fresh))} {n}/{len(fresh)}",
                                  end="", file=out, flush=True))
    if fresh:
        say()
    return follow(api, status_path, args.province, ids, args.timeout, say)


def bar(done: int, total: int, width: int = 30) -> str:
    filled = width * done // max(total, 1)
    return "[" + "#" * filled + "." * (width - filled) + "]"


def statuses(api: Api, path: str, province: str, ids: list[str]) -> dict:
    found = {}
    for start in range(0, len(ids), 500):
        answer = api("GET", path, params={"province": province, "event_id": ids[start:start + 500]})
        if answer.status_code != 200:
            raise ReportError(f"the status query was refused ({answer.status_code})")
        found.update(answer.json()["statuses"])
    return found


def follow(api: Api, path: str, province: str, ids: list[str], timeout: float, say) -> int:
    """Until every report is accepted or rejected (or ``timeout``): the summary, the exit code."""
    deadline = time.monotonic() + timeout
    while True:
        now = statuses(api, path, province, ids) if ids else {}
        pending = [i for i, s in now.items() if s["status"] not in SETTLED]
        if not pending or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    rejected = {i: s["reason"] for i, s in now.items() if s["status"] == "rejected"}
    accepted = len(ids) - len(rejected) - len(pending)
    say(f"accepted {accepted}, rejected {len(rejected)}, not processed yet {len(pending)}")
    for event_id, reason in rejected.items():
        say(f"  rejected {event_id}: {reason}")
    if pending:
        say(f"  still pending after {timeout:.0f} s: {', '.join(pending[:5])}"
            + (" ..." if len(pending) > 5 else ""))
    return 0 if not rejected and not pending else 1

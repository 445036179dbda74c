"""Four provinces report a whole fiscal year to a running system - asynchronously, late,
corrected, duplicated, some of it malformed - and the cluster views are checked against an
independent recomputation from the same inputs.

    make run                                  # in one terminal
    .venv/bin/python -m bench.simulate_fiscal_year --fy 2568 --seed 7

Exit status 0 when every indicator-results row matches, 1 otherwise. It reads DATA_DIR (for
credentials.json) and GATEWAY_PORT like `make run`, and publishes with plain pika as each
province's own AMQP user, exactly as a province's system would (DESIGN 3.3); over TLS when
credentials.json's amqp_url is amqps:// (verified with AMQP_CA_FILE, else the system's CAs).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import ssl
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from statistics import fmean

import pika
import requests

from clusterctl.settings import Settings
from services.contracts.rules import indicator_bounds

PLAN_ID = "northeast-lower-2-2566-2570"
BANGKOK = timezone(timedelta(hours=7))


def periods_of(frequency: str, fy: int) -> list[str]:
    if frequency == "yearly":
        return [f"FY{fy}"]
    if frequency == "quarterly":
        return [f"FY{fy}-Q{q}" for q in range(1, 5)]
    first = fy - 544  # October of the C.E. year before the fiscal year ends
    return [f"{first + (m >= 3)}-{(m + 9) % 12 + 1:02d}" for m in range(12)]


def plan_reports(plan: dict, fy: int, rnd: random.Random):
    """The reports each province sends (with corrections) and the messages that are bad."""
    reports, bad = [], []
    start = datetime(fy - 544, 10, 1, 9, 0, tzinfo=BANGKOK)
    for issue in plan["issues"]:
        for ind in issue["indicators"]:
            provinces = ind.get("provinces") or plan["provinces"]
            low, high = indicator_bounds(ind)  # values within the plan's rules
            low, high = (0.0 if low is None else low), (1000 if high is None else high)
            for period in periods_of(ind["frequency"], fy):
                for province in provinces:
                    when = start + timedelta(days=rnd.randint(0, 400), minutes=rnd.randint(0, 600))
                    first = {"event_id": str(uuid.uuid4()), "province": province,
                             "indicator": ind["code"], "period": period,
                             "value": round(rnd.uniform(low + 1, high), 2),
                             "reported_at": when.isoformat()}
                    reports.append(first)
                    roll = rnd.random()
                    if roll < 0.25:    # a correction, later
                        reports.append({**first, "event_id": str(uuid.uuid4()),
                                        "value": round(rnd.uniform(low + 1, high), 2),
                                        "reported_at": (when + timedelta(days=3)).isoformat()})
                    elif roll < 0.30:  # a retraction, later
                        reports.append({**first, "event_id": str(uuid.uuid4()), "value": None,
                                        "reported_at": (when + timedelta(days=5)).isoformat()})
                    elif roll < 0.35:  # an older correction arriving after the newer value
                        reports.append({**first, "event_id": str(uuid.uuid4()), "value": low,
                                        "reported_at": (when - timedelta(days=2)).isoformat()})
    for province in plan["provinces"]:
        bad += [(province, b'{"event_id": "broken'),
                (province, json.dumps({"event_id": str(uuid.uuid4()), "province": province,
                                       "indicator": "NO-SUCH", "period": f"FY{fy}-Q1",
                                       "value": 1, "reported_at": start.isoformat()}).encode())]
    return reports, bad


def expected_views(plan: dict, reports: list[dict]) -> dict:
    """Independent recomputation: per key the latest (reported_at, event_id) wins."""
    latest = {}
    for r in reports:
        key = (r["indicator"], r["period"], r["province"])
        rank = (datetime.fromisoformat(r["reported_at"]), r["event_id"])
        if key not in latest or rank > latest[key][0]:
            latest[key] = (rank, r["value"])
    views = {}
    for issue in plan["issues"]:
        for ind in issue["indicators"]:
            periods = {p for (code, p, _) in latest if code == ind["code"]}
            for period in periods:
                values = {prov: v for (code, per, prov), (_, v) in latest.items()
                          if code == ind["code"] and per == period and v is not None}
                views[(ind["code"], period)] = (_aggregate(plan, ind, values), values)
    return views


def _aggregate(plan, ind, values):
    if not values:
        return None
    if ind["aggregation"] == "mean" and ind.get("weight"):
        weights = plan["weights"][ind["weight"]]
        return sum(v * weights[p] for p, v in values.items()) / sum(weights[p] for p in values)
    return {"sum": sum, "mean": fmean, "min": min, "max": max}[ind["aggregation"]](values.values())


def publish(credentials: dict, province: str, messages: list[tuple[bytes, str | None]]) -> None:
    entry = credentials["provinces"][province]
    params = pika.URLParameters(credentials["amqp_url"])
    params.credentials = pika.PlainCredentials(entry["amqp_username"], entry["amqp_password"])
    if credentials["amqp_url"].startswith("amqps://"):
        context = ssl.create_default_context(cafile=os.environ.get("AMQP_CA_FILE") or None)
        params.ssl_options = pika.SSLOptions(context, params.host)
    with pika.BlockingConnection(params) as connection:
        channel = connection.channel()
        channel.confirm_delivery()
        for body, event_id in messages:
            props = pika.BasicProperties(user_id=entry["amqp_username"], delivery_mode=2,
                                         content_type="application/json", message_id=event_id)
            channel.basic_publish("reports", f"report.{province}.indicator", body, props)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fy", type=int, default=2568, help="B.E. fiscal year (in the plan)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    credentials = json.loads(settings.credentials_path.read_text("utf-8"))
    base = f"http://{settings.gateway_host}:{settings.gateway_port}"
    auth = {"Authorization": f"Bearer {credentials['admin']['api_key']}"}
    plan = requests.get(f"{base}/api/plans/{PLAN_ID}", headers=auth, timeout=15).json()
    rnd = random.Random(args.seed)
    reports, bad = plan_reports(plan, args.fy, rnd)
    before = {p: len(requests.get(f"{base}/api/rejections", headers=auth, timeout=15,
                                  params={"province": p}).json()) for p in plan["provinces"]}

    outbox: dict[str, list] = {p: [] for p in plan["provinces"]}
    for r in reports:
        message = (json.dumps(r, ensure_ascii=False).encode(), r["event_id"])
        outbox[r["province"]].append(message)
        if rnd.random() < 0.1:
            outbox[r["province"]].append(message)  # sent twice
    for province, body in bad:
        outbox[province].append((body, None))
    for messages in outbox.values():
        rnd.shuffle(messages)  # arrival order has nothing to do with reported_at
    started = time.monotonic()
    threads = [threading.Thread(target=publish, args=(credentials, p, m)) for p, m in outbox.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sent = sum(len(m) for m in outbox.values())
    print(f"published {sent} messages ({len(reports)} distinct reports, {len(bad)} bad) "
          f"from {len(outbox)} provinces in {time.monotonic() - started:.1f} s")

    expected = expected_views(plan, reports)
    periods = sorted({period for _, period in expected})
    deadline = time.monotonic() + args.timeout
    while True:
        mismatches = []
        for period in periods:
            body = requests.get(f"{base}/api/plans/{PLAN_ID}/indicator-results", headers=auth,
                                params={"period": period}, timeout=30).json()
            for row in body["results"]:
                want = expected.get((row["indicator"], period))
                if want is None:
                    continue
                value, values = want
                same = row["provinces"] == values and (
                    (row["value"] is None and value is None)
                    or (row["value"] is not None and value is not None
                        and abs(row["value"] - value) < 1e-6))
                if not same:
                    mismatches.append((row["indicator"], period, row["value"], value))
        rejected = {p: len(requests.get(f"{base}/api/rejections", headers=auth, timeout=15,
                                        params={"province": p}).json()) - before[p]
                    for p in plan["provinces"]}
        if not mismatches and all(n >= 2 for n in rejected.values()):
            break
        if time.monotonic() > deadline:
            print(f"MISMATCH after {args.timeout:.0f} s: {len(mismatches)} rows differ, e.g. "
                  f"{mismatches[:3]}; new rejections per province: {rejected}", file=sys.stderr)
            return 1
        time.sleep(1)
    print(f"OK: {len(expected)} indicator-period views match the recomputation; "
          f"new rejections per province: {rejected}; "
          f"{time.monotonic() - started:.1f} s from first publish to consistent views")
    return 0


if __name__ == "__main__":
    sys.exit(main())

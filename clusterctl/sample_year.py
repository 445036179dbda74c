"""The sample fiscal year (README "The sample data"): one past year of the sample plan, reported
by its four provinces as their own systems would, so a first ``make run`` shows every page alive.

The figures are data (``clusterctl/data/seed/sample-year-*.json``): each indicator's value for
the year is a share of the plan's target, spread over provinces and quarters with a fixed seed;
a few values are corrected later, some are sent after the due date, one typing slip is flagged
as an outlier and one out-of-range value is rejected (both on purpose, so those pages show what
they are for); every project reports its progress from start to close, with problems and
solutions (structured as problem items with causes, owners and remedies, one remedy overdue),
and the year's figures and the corrections cite their evidence. Everything goes through the
real path - published to the ``reports`` exchange as each province's own AMQP user (DESIGN 3.3)
and checked by the intake like any report.

Idempotent: every report's ``event_id`` is a UUID5 of what it reports, so a second start sends
the same reports again and the intake takes them as redeliveries. ``clusterctl sample remove``
takes them out again (with the sample assets), and leaves a marker so no start loads them again.
"""
from __future__ import annotations

import json
import random
import time
import uuid
from datetime import date, datetime, time as clock, timedelta
from importlib.resources.abc import Traversable
from pathlib import Path
from zoneinfo import ZoneInfo

from services.contracts.periods import parse_period
from services.contracts.plans import holds_sample, iter_indicators
from services.contracts.rules import indicator_bounds

from .reference import DATA, load_sample_assets

SAMPLE_YEAR = DATA / "seed" / "sample-year-northeast-lower-2.json"
BANGKOK = ZoneInfo("Asia/Bangkok")
MARKER = "sample-removed.json"  # in DATA_DIR: written by `sample remove`, read at every start
WAVE_TIMEOUT_S = 30


def load_data(path: Path | Traversable = SAMPLE_YEAR) -> dict:
    return json.loads(path.read_text("utf-8"))


# ---- the reports ------------------------------------------------------------------------------

def _id(data: dict, *parts) -> str:
    return str(uuid.uuid5(uuid.UUID(data["namespace"]), "|".join(str(p) for p in parts)))


def _at(day: date, rnd: random.Random) -> datetime:
    """A working-hours moment of ``day``, Bangkok time."""
    return datetime.combine(day, clock(9, 0), BANGKOK) + timedelta(minutes=rnd.randint(0, 420))


def _round(value: float) -> float:
    size = abs(value)
    return round(value, 0 if size >= 1000 else 1 if size >= 10 else 2)


def _periods(frequency: str, fy: int) -> list[tuple[int, str]]:
    """(wave, period): quarters go out quarter by quarter (waves 1-4), the year after (5)."""
    if frequency == "quarterly":
        return [(q, f"FY{fy}-Q{q}") for q in range(1, 5)]
    if frequency == "yearly":
        return [(5, f"FY{fy}")]
    return []  # the sample plan has no monthly indicator


def indicator_reports(plan: dict, data: dict) -> list[dict]:
    """Every report of the sample year's indicators, each as {wave, province, body, role}
    (role: first, correction, late, flagged, rejected)."""
    fy, rnd = data["fiscal_year"], random.Random(data["seed"])
    late = {(x["province"], x["period"]): x["days_after_due"] for x in data["late"]}
    fixes = {(x["province"], x["indicator"], x["period"]): x for x in data["corrections"]}
    slips = {(x["province"], x["indicator"], x["period"]): (role, x)
             for role, x in (("flagged", data["flagged"]), ("rejected", data["rejected"]))}
    out = []
    for _, ind in iter_indicators(plan):
        code, provinces = ind["code"], ind.get("provinces") or plan["provinces"]
        low, high = indicator_bounds(ind)
        year = ind["targets"][f"FY{fy}"] * data["achievement"][code]
        factor = {p: data["province_factor"][p] * rnd.uniform(0.98, 1.02) for p in provinces}
        if ind["aggregation"] == "sum":  # the provinces' shares add up to the cluster's value
            total = sum(factor.values())
            own = {p: year * f / total for p, f in factor.items()}
        else:
            own = {p: year * f for p, f in factor.items()}
        source = (ind.get("data_source") or {}).get("name") or "-"
        link = (ind.get("data_source") or {}).get("link")
        for wave, period in _periods(ind["frequency"], fy):
            q = wave - 1
            for province in provinces:
                value = own[province]
                if wave <= 4:
                    value *= (data["cumulative_share"][q] if ind.get("cumulative") else
                              data["quarter_share"][q] if ind["aggregation"] == "sum" else
                              data["quarter_drift"][q])
                value = _round(min(value, high) if high is not None else value)
                value = max(value, low) if low is not None else value
                end = parse_period(period).end
                days = (data["due_days"] + late[province, period] if (province, period) in late
                        else rnd.randint(*data["reported_days_after_end"]))
                sent = _at(end + timedelta(days=days), rnd)
                body = {"event_id": _id(data, province, code, period, "first"),
                        "province": province, "indicator": code, "period": period,
                        "value": value, "reported_at": sent.isoformat(),
                        "note": f"ที่มา (source): {source}"}
                if link and wave == 5:  # the year's figure cites where it can be checked
                    body["evidence"] = [{"reference": link}]
                role = "late" if (province, period) in late else "first"
                slip = slips.get((province, code, period))
                fix = fixes.get((province, code, period))
                if slip:  # the slip goes first; the right value follows it
                    kind, spec = slip
                    wrong = spec["value"] if kind == "rejected" else _round(value * spec["factor"])
                    out.append({"wave": wave, "province": province, "role": kind,
                                "body": {**body, "value": wrong,
                                         "event_id": _id(data, province, code, period, kind)}})
                    body = {**body, "event_id": _id(data, province, code, period, "after-" + kind),
                            "reported_at": (sent + timedelta(days=spec["days_after"])).isoformat(),
                            "note": spec["note"]}
                out.append({"wave": wave, "province": province, "role": role, "body": body})
                if fix:
                    out.append({"wave": wave, "province": province, "role": "correction", "body": {
                        **body, "event_id": _id(data, province, code, period, "correction"),
                        "value": _round(value * fix["factor"]), "note": fix["note"],
                        "reported_at": (sent + timedelta(days=fix["days_after"])).isoformat(),
                        **({"evidence": [{"reference": fix["evidence"]}]} if fix.get("evidence")
                           else {})}})
    return out


def project_reports(plan: dict, data: dict) -> list[dict]:
    """Each project's progress from its start to its close, from every province of the project
    (each its share of the money); wave 0, before the indicators."""
    rnd = random.Random(data["seed"] + 1)
    out = []
    for project in plan["projects"]:
        provinces = project.get("provinces") or plan["provinces"]
        for point in data["projects"].get(project["code"], []):
            for province in provinces:
                as_of = date.fromisoformat(point["as_of"])
                body = {"event_id": _id(data, province, project["code"], point["as_of"], "progress"),
                        "province": province, "project": project["code"],
                        "as_of": point["as_of"], "physical_progress_pct": point["physical"],
                        "disbursed_thb": round(project["budget_thb"] * point["disbursed_pct"]
                                               / 100 / len(provinces), 2),
                        "procurement_stage": point["stage"],
                        "reported_at": _at(as_of + timedelta(days=rnd.randint(3, 10)), rnd).isoformat()}
                if "problems" in point and province in point.get("only", provinces):
                    body.update(problems=point["problems"], solutions=point.get("solutions"))
                    if point.get("problem_items"):  # README "Problems and remedies"
                        body["problem_items"] = point["problem_items"]
                out.append({"wave": 0, "province": province, "role": "progress", "body": body})
    return out


def all_reports(plan: dict, data: dict) -> list[dict]:
    return project_reports(plan, data) + indicator_reports(plan, data)


def keys(reports: list[dict], creds: dict) -> list[list[str]]:
    """The identity of each sample report: (the sending province's AMQP user, event_id)."""
    return [[creds["provinces"][r["province"]]["amqp_username"], r["body"]["event_id"]]
            for r in reports]


# ---- loading at start, removing on request ----------------------------------------------------

def removed(data_dir: Path) -> bool:
    """Whether `sample remove` left its marker (what it removed, when): a removed sample is
    never loaded again, whatever the marker holds."""
    return (data_dir / MARKER).exists()


def summary(reports: list[dict]) -> str:
    roles = [r["role"] for r in reports]
    indicators = sum(1 for r in reports if "indicator" in r["body"])
    problems = sum(1 for r in reports if r["body"].get("problems"))
    return (f"{indicators} indicator reports ({roles.count('correction')} corrections, "
            f"{roles.count('late')} sent after the due date, {roles.count('flagged')} flagged "
            f"to check and {roles.count('rejected')} rejected on purpose), "
            f"{roles.count('progress')} project progress reports ({problems} with problems)")


def load(settings, creds: dict, rpc, plan: dict, publish, data: dict | None = None,
         stopping=lambda: False) -> str:
    """Publish the sample year unless it was removed or the plan has reports of its own; wait
    until the intake has taken each wave (a quarter's reports before the next quarter's, as the
    year happened, so the outlier check compares each quarter with the ones before). Returns
    what it did, for the console."""
    data = data or load_data()
    if removed(settings.data_dir):
        return "removed earlier ('clusterctl sample remove'); not loaded again"
    if not holds_sample(plan):
        return f"plan {plan['id']} is not sample data; nothing loaded"
    reports = all_reports(plan, data)
    ours = {tuple(k) for k in keys(reports, creds)}
    stored = rpc.reporting.reports(plan["id"], None, None, None, None)["reports"]
    theirs = [r for r in stored if (r.get("sender"), r.get("event_id")) not in ours]
    if theirs:
        return (f"plan {plan['id']} has {len(theirs)} reports that are not the sample's; the "
                "sample year is only loaded into a plan without reports of its own")
    if len(stored) == sum(1 for r in reports if r["role"] != "rejected"):
        return f"FY{data['fiscal_year']} already loaded: {summary(reports)}"
    started = time.monotonic()
    for wave in sorted({r["wave"] for r in reports}):
        if stopping():  # Ctrl-C: what is sent is kept; the next start sends the rest
            return "interrupted (Ctrl-C); the next start loads the rest"
        by_province: dict[str, list[dict]] = {}
        for r in sorted((r for r in reports if r["wave"] == wave),
                        key=lambda r: r["body"]["reported_at"]):
            by_province.setdefault(r["province"], []).append(r["body"])
        for province, bodies in by_province.items():
            login = creds["provinces"][province]
            uri = settings.broker.amqp_uri(settings.vhost, login["amqp_username"],
                                           login["amqp_password"])
            publish(uri, login["amqp_username"], province, bodies,
                    ssl=settings.broker.ssl_options())
        _wait_for_wave(rpc, plan["id"], by_province, wave, stopping)
    return (f"FY{data['fiscal_year']} (ปีงบประมาณ พ.ศ. {data['fiscal_year']}) loaded in "
            f"{time.monotonic() - started:.1f} s: {summary(reports)}, published as each "
            "province's own AMQP user; remove with 'python -m clusterctl sample remove'")


def _wait_for_wave(rpc, plan_id: str, by_province: dict, wave: int, stopping) -> None:
    deadline = time.monotonic() + WAVE_TIMEOUT_S
    while not stopping():
        pending = [event_id for province, bodies in by_province.items()
                   for event_id, status in rpc.reporting.report_statuses(
                       plan_id, province, [b["event_id"] for b in bodies]).items()
                   if status["status"] == "pending"]
        if not pending:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"wave {wave}: {len(pending)} sample reports not processed "
                               f"within {WAVE_TIMEOUT_S} s (e.g. {pending[0]})")
        time.sleep(0.2)


def remove(settings, creds: dict, rpc, data: dict | None = None) -> dict:
    """Take the sample year's reports out of the event store (the views are rebuilt by replay,
    so what remains is exactly what the other reports make), with the rejection and the flag it
    caused, and the sample assets; then leave the marker. The plan stays (README: "The sample
    data" says why). Raises LookupError when there is nothing to remove."""
    data = data or load_data()
    plan = rpc.plans.get_plan(data["plan"])
    if plan is None:
        raise LookupError(f"there is no sample plan {data['plan']}: nothing to remove")
    if not holds_sample(plan):
        raise LookupError(f"plan {plan['id']} is not marked as sample data; it is left alone")
    reports = all_reports(plan, data)
    codes = [entry["asset"]["code"] for entry in load_sample_assets()]
    taken = rpc.reporting.remove_reports(plan["id"], keys(reports, creds), codes)
    mails = rpc.notify.forget_mails(taken.pop("facts"))
    assets = rpc.assets.remove_sample_assets(codes)
    result = {**taken, "assets": assets, "mails": mails}
    found = taken["reports"] or taken["rejections"] or taken["flags"] or assets
    marker = settings.data_dir / MARKER  # also when nothing was found: none is loaded later
    if found or not marker.exists():
        marker.write_text(json.dumps({"removed_at": datetime.now(BANGKOK).isoformat(), **result},
                                     ensure_ascii=False, indent=1), "utf-8")
    if not found:
        raise LookupError("no sample data is there (removed already, or never loaded)")
    return result


def load_at_start(settings, creds: dict, rpc_config: dict, say, stopping=lambda: False) -> None:
    """`make run`, once the services answer: load the sample year and say what was loaded. A
    failure is said and the system runs on without it (a sample must not stop a start)."""
    import logging

    from nameko.standalone.rpc import ClusterRpcProxy

    from services.infra.province_send import publish
    from .reference import load_sample_plan

    logging.getLogger("amqp").setLevel(logging.ERROR)
    try:
        with ClusterRpcProxy(rpc_config, timeout=30) as rpc:
            plan = rpc.plans.get_plan(load_sample_plan()["id"])
            if plan is None:
                say("sample year: the sample plan is not there; nothing loaded")
                return
            say(f"sample year: {load(settings, creds, rpc, plan, publish, stopping=stopping)}")
    except Exception as exc:  # noqa: BLE001 - said on the console, and the system runs on
        message = getattr(exc, "value", None) or f"{type(exc).__name__}: {exc}"
        say(f"sample year: not loaded ({message}); the system runs without it")


def remove_command(settings, say) -> int:
    """``clusterctl sample remove`` against the running system."""
    import logging

    from nameko.standalone.rpc import ClusterRpcProxy

    from .runner import SetupError, rpc_config

    logging.getLogger("amqp").setLevel(logging.ERROR)
    if not settings.credentials_path.exists():
        raise SetupError(f"{settings.credentials_path} does not exist: start the system with "
                         "'make run' (and keep it running), then remove the sample")
    creds = json.loads(settings.credentials_path.read_text("utf-8"))
    config = rpc_config(settings, creds)
    try:  # a short wait first: with the system stopped, a call would wait its whole timeout
        with ClusterRpcProxy(config, timeout=10) as rpc:
            for service in ("plans", "reporting", "assets", "notify"):
                getattr(rpc, service).health()
    except Exception as exc:  # not running, broker down: say so in one line
        raise SetupError(f"sample remove: could not reach the services ({type(exc).__name__}: "
                         f"{exc}); is 'make run' running?") from None
    try:
        with ClusterRpcProxy(config, timeout=300) as rpc:
            result = remove(settings, creds, rpc)
    except LookupError as exc:
        raise SetupError(f"sample remove: {exc}") from None
    except Exception as exc:  # a service failed midway: what it said (running it again is safe)
        message = getattr(exc, "value", None) or f"{type(exc).__name__}: {exc}"
        raise SetupError(f"sample remove failed ({message}); it is safe to run again") from None
    say(f"sample removed: {result['reports']} reports, {result['rejections']} rejections, "
        f"{result['flags']} flags, {result['assets']} sample assets, {result['mails']} mails "
        "about those reports (queued or logged); "
        f"{result['views_rebuilt']} indicator views rebuilt from the reports that remain. "
        "The sample plan stays (the cluster's vision and issues; revise or replace its "
        f"indicators and projects). Later starts do not load the sample again ({MARKER} in "
        f"{settings.data_dir}; delete it to have the sample back).")
    return 0

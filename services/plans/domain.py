"""Plans: pure rules (no I/O) for reference data and cluster development plans."""
from __future__ import annotations

import csv
import hashlib
import io
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from marshmallow import ValidationError

from services.contracts.reports import PROVINCE_CODE, describe_errors
from services.contracts import events
from services.contracts.events import PLAN_PUBLISHED

from .links import LinkCheck, carried, link_problems
from .schemas import AgencyDocument, PlanDocument
from .validation import plan_problems
from services.contracts.errors import PlanError  # raised to RPC callers

REFERENCE_COLUMNS = ("cluster_code", "cluster_name_th", "cluster_name_en", "region",
                     "province_code", "province_name_th", "province_name_en",
                     "membership_confidence")
EVENT_NAMESPACE = uuid.UUID("5b0c7a52-3c1e-4c53-9a55-4d0f8d1b2e61")


@dataclass
class ReferenceVersion:
    version_id: str
    effective_from: str  # ISO date
    source: str
    clusters: list[dict] = field(default_factory=list)

    def cluster(self, code: str) -> dict | None:
        return next((c for c in self.clusters if c["code"] == code), None)


def parse_reference_csv(text: str, source: str, effective_from: str) -> ReferenceVersion:
    """Clusters and their member provinces from the reference CSV (see clusterctl/data/reference/)."""
    try:
        date.fromisoformat(effective_from)
    except ValueError:
        raise PlanError(f"effective_from {effective_from!r} is not a date (YYYY-MM-DD)") from None
    # newline="" as the csv module wants: a lone \r in a field is then data, not an error
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise PlanError(f"{source}: not readable as CSV ({exc})") from None
    missing = [c for c in REFERENCE_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise PlanError(f"{source}: missing column(s) {', '.join(missing)}; "
                        f"expected {', '.join(REFERENCE_COLUMNS)}")
    clusters: dict[str, dict] = {}
    seen: dict[str, int] = {}
    errors = []
    for line, row in enumerate(rows, start=2):
        code = (row["province_code"] or "").strip()
        cluster_code = (row["cluster_code"] or "").strip()
        if not PROVINCE_CODE.match(code):
            errors.append(f"line {line}: province_code {code!r} is not like TH-34")
            continue
        if not cluster_code:
            errors.append(f"line {line}: cluster_code is empty")
            continue
        if code in seen:
            errors.append(f"line {line}: province {code} is already in a cluster (line {seen[code]})")
            continue
        seen[code] = line
        cluster = clusters.setdefault(cluster_code, {
            "code": cluster_code, "name_th": row["cluster_name_th"].strip(),
            "name_en": row["cluster_name_en"].strip(), "region": row["region"].strip(),
            "provinces": []})
        cluster["provinces"].append({
            "code": code, "name_th": row["province_name_th"].strip(),
            "name_en": row["province_name_en"].strip(),
            "membership_confidence": row["membership_confidence"].strip()})
    if errors:
        raise PlanError(f"{source}: " + "; ".join(errors[:20])
                        + (f" (and {len(errors) - 20} more)" if len(errors) > 20 else ""))
    if not clusters:
        raise PlanError(f"{source}: no rows")
    checksum = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    return ReferenceVersion(f"{effective_from}-{checksum}", effective_from, source,
                            list(clusters.values()))


def prepare_plan(raw: dict, reference: ReferenceVersion, links: LinkCheck | None = None) -> dict:
    """Validate a plan document against the schema, the plan rules and the reference data;
    raises PlanError listing every problem found. With ``links`` (plans' handlers always give
    it) the national links are checked too and the plan carries what they link (links.py);
    without, they are left unchecked (tests of the other rules)."""
    raw = dict(raw)
    cluster = reference.cluster(raw["cluster"]) if isinstance(raw.get("cluster"), str) else None
    if cluster and not raw.get("provinces"):
        raw["provinces"] = [p["code"] for p in cluster["provinces"]]
    raw.setdefault("reference_version", reference.version_id)
    try:
        plan = PlanDocument().load(raw)
    except ValidationError as exc:
        raise PlanError(f"plan {raw.get('id', '?')}", [("plan", describe_errors(exc.messages))]) from None
    problems = plan_problems(plan, cluster, [c["code"] for c in reference.clusters])
    if links is not None:
        problems += link_problems(plan, links)
    if problems:
        raise PlanError(f"plan {plan['id']}", problems)
    if links is not None:
        plan.update(carried(plan, links))
    return plan


def plan_published_event(plan: dict, now: datetime | None = None) -> tuple[str, dict]:
    """The full snapshot; its id is derived from (plan, version) so re-publishing is idempotent.
    A draft is never announced: reporting, notify and assets know only published plans."""
    if plan["status"] == "draft":
        raise ValueError(f"plan {plan['id']} is a draft; drafts are not published")
    event_id = str(uuid.uuid5(EVENT_NAMESPACE, f"plan_published:{plan['id']}:{plan['version']}"))
    occurred = (now or datetime.now(timezone.utc)).isoformat()
    return events.outgoing(PLAN_PUBLISHED, {"event_id": event_id, "occurred_at": occurred,
                                            "plan": plan})


def plan_summary(plan: dict) -> dict:
    return {**{k: plan[k] for k in ("id", "cluster", "title_th", "title_en", "start_fy",
                                    "end_fy", "status", "version", "sample", "provinces")},
            "agency_codes": [a["code"] for a in plan.get("agencies", [])]}


def prepare_agency(raw: dict, reference: ReferenceVersion) -> dict:
    """An agencies-directory entry, checked against the schema and the provinces in force."""
    try:
        agency = AgencyDocument().load(raw)
    except ValidationError as exc:
        raise PlanError(f"agency {raw.get('code', '?')}", [("agency", describe_errors(exc.messages))]) from None
    provinces = {p["code"] for c in reference.clusters for p in c["provinces"]}
    if agency["province"] and agency["province"] not in provinces:
        raise PlanError(f"agency {agency['code']}", [("agency, province",
                                                      f"{agency['province']} is not a province")])
    return agency

"""The role/scope rule (DESIGN 3.4), in one place for the gateway, assets and notify: who - the
admin, the OSM of a cluster, a province, an agency - may see or act on what. Pure (stdlib only).

``who`` is anything with ``role`` and ``scope`` (the gateway's principal, the assets service's
actor, :class:`Who`): the scope is the cluster code of an OSM, the province code of a province,
the agency code of an agency, None for the admin.

Functions answer a bool or the set a key is held to; the few that refuse raise :class:`Denied`
(a ``PermissionError``) with a message a person can act on.
"""
from __future__ import annotations

from dataclasses import dataclass

ADMIN, OSM, PROVINCE, AGENCY = "admin", "osm", "province", "agency"
# Readers only (people's roles, step 14): an auditor reads everything of its cluster, ledgers and
# the audit log included; a national viewer reads every cluster. Neither writes anything.
AUDITOR, NATIONAL = "auditor", "national"
ROLES = (ADMIN, OSM, PROVINCE, AGENCY)             # what an API key can be issued as
READER_ROLES = (AUDITOR, NATIONAL)
SCOPE_OF = {OSM: "cluster code", PROVINCE: "province code, e.g. TH-34", AGENCY: "agency code",
            AUDITOR: "cluster code"}

# A person's role (duty) -> the organisation role it acts as. The duty refines what the person
# may do within its organisation's powers (``may``); an API key has no duty and every power of its
# role, as before people had accounts.
DUTIES = {
    "admin": ADMIN,
    "osm_analyst": OSM, "osm_director": OSM,
    "province_planner": PROVINCE, "province_approver": PROVINCE,
    "agency_officer": AGENCY,
    "auditor": AUDITOR, "national_viewer": NATIONAL,
}
DUTY_NAMES = {  # (Thai, English), for every page and mail that names a role
    "admin": ("ผู้ดูแลระบบ", "Administrator"),
    "osm_analyst": ("นักวิเคราะห์นโยบายและแผน สำนักงานกลุ่มจังหวัด", "OSM policy and plan analyst"),
    "osm_director": ("ผู้อำนวยการสำนักงานกลุ่มจังหวัด", "OSM director"),
    "province_planner": ("เจ้าหน้าที่แผนงานจังหวัด", "Province planner"),
    "province_approver": ("ผู้อนุมัติของจังหวัด (สำนักงานจังหวัด)", "Province approver (governor's office)"),
    "agency_officer": ("เจ้าหน้าที่หน่วยงาน", "Agency officer"),
    "auditor": ("ผู้ตรวจสอบ", "Auditor"),
    "national_viewer": ("ผู้ดูข้อมูลระดับประเทศ", "National viewer"),
}
# What some duties alone may do within their organisation's powers (an act not listed here is
# open to every duty whose role allows it).
ACTS = {
    "publish_plan": ("osm_director", "admin"),   # the director signs the plan the committee approved
    "manage_users": ("admin", "osm_director"),   # an OSM director: the users of its own cluster
    "send_reports": ("province_planner",),       # the approver certifies; it does not type figures
    "submit_period": ("province_planner",),      # step 15: "our figures are complete"
    "approve_period": ("province_approver",),    # the governor's office certifies them
    "accept_period": ("osm_director", "admin"),  # the cluster accepts them (docs/approvals.md)
}


@dataclass(frozen=True)
class Who:
    role: str            # admin | osm | province | agency | auditor | national
    scope: str | None    # cluster code for osm/auditor, province code for province, agency code
    person: str | None = None  # the person acting ("Name (username)"); None: an organisation's key
    duty: str | None = None    # the person's role (DUTIES); None: an API key, every power of role

    def __str__(self):
        org = self.role if self.scope is None else f"{self.role}:{self.scope}"
        return org if self.person is None else f"{self.person} · {org}"


def may(who, act: str) -> bool:
    """An act reserved to some duties (ACTS): a person needs one of them; a key (no duty) may."""
    duty = getattr(who, "duty", None)
    return duty is None or act not in ACTS or duty in ACTS[act]


def check_may(who, act: str) -> None:
    if not may(who, act):
        allowed = ", ".join(DUTY_NAMES[d][1] for d in ACTS[act])
        raise Denied(f"{who} may not {act.replace('_', ' ')}: only {allowed} may")


def is_reader(who) -> bool:
    return who.role in READER_ROLES


def reads_all(who) -> bool:
    """The admin and a national viewer read every cluster."""
    return who.role in (ADMIN, NATIONAL)


def reads_cluster(who, cluster: str | None) -> bool:
    """The admin, a national viewer, and the cluster's OSM or auditor read its records."""
    return reads_all(who) or (who.role in (OSM, AUDITOR) and who.scope == cluster)


class Denied(PermissionError):
    """The key's role or scope does not cover this."""


def _is(who, role: str, scope=None) -> bool:
    return who.role == role and (scope is None or who.scope == scope)


# --- plans and their reporting views -------------------------------------------------------------

def can_see_plan(who, plan: dict) -> bool:
    if reads_all(who):
        return True
    if who.role in (OSM, AUDITOR):
        return plan["cluster"] == who.scope
    if who.role == AGENCY:  # an agency reads the published plans that name it
        named = plan.get("agency_codes") or [a["code"] for a in plan.get("agencies", [])]
        return plan.get("status") != "draft" and who.scope in named
    # A draft is the OSM's work in progress: provinces see plans once published.
    return who.scope in plan.get("provinces", []) and plan.get("status") != "draft"


def visible_plans(who, plans: list[dict]) -> list[dict]:
    return [p for p in plans if can_see_plan(who, p)]


def can_change_plan(who, cluster: str | None) -> bool:
    """Only the cluster's OSM (or the admin) writes its plans."""
    return who.role == ADMIN or _is(who, OSM, cluster)


def check_can_change_plan(who, cluster: str | None) -> None:
    if not can_change_plan(who, cluster):
        raise Denied(f"{who} may not change plans of cluster {cluster}; only its OSM or the "
                     "admin may")


def can_import_plans(who) -> bool:
    return who.role in (ADMIN, OSM)


def can_publish_plan(who, cluster: str | None) -> bool:
    return can_change_plan(who, cluster) and may(who, "publish_plan")


def sees_drafts(who) -> bool:
    """Drafts are the OSM's work in progress: a province or an agency sees published versions
    (an auditor and a national viewer read everything, drafts included)."""
    return who.role in (ADMIN, OSM, AUDITOR, NATIONAL)


def reads_reporting(who) -> bool:
    """An agency key acts on assets and transfers; the reporting views need another key."""
    return who.role != AGENCY


def sends_reports(who) -> bool:
    """Only a province sends its own reports (with its own AMQP login); of its people, the
    planner (the approver certifies them)."""
    return who.role == PROVINCE and may(who, "send_reports")


def sends_project_reports(who) -> bool:
    """Project progress: a province for the projects running in it, an implementing agency
    for the projects it implements - each with its own AMQP login."""
    return who.role == AGENCY or sends_reports(who)  # of a province's people, its planner


def reads_approvals(who) -> bool:
    """The approvals of the provinces' figures (docs/approvals.md): every role that reads the
    reporting views - an agency reports its projects but certifies no province's figures."""
    return reads_reporting(who)


def may_redrive(who) -> bool:
    """Send a kept rejection through the intake again once its cause is put right (a reopened
    period): the admin, an OSM (its cluster's provinces' and agencies' rejections) and a
    province's planner or key (its own) - whose rejections is rejection_provinces/agencies."""
    return who.role in (ADMIN, OSM) or sends_reports(who)


def reads_own_reports(who) -> bool:
    """A province's list of what it sent (its planner's and its approver's): the readers, the OSM
    and the admin follow reports through the cluster's pages instead."""
    return who.role == PROVINCE


def registers_assets(who) -> bool:
    """Whether any registration may be open to ``who`` (can_register_asset decides per project):
    the admin, an OSM, an agency."""
    return who.role in (ADMIN, OSM, AGENCY)


def own_province(who, requested: str | None) -> str | None:
    """The province filter of a query: a province key is held to its own province."""
    if who.role != PROVINCE:
        return requested or None
    if requested and requested != who.scope:
        raise Denied(f"a {who.scope} key sees only {who.scope}'s reports")
    return who.scope


def province_figures(who, by_province: dict) -> dict:
    """Per-province figures the key may see: a province its own, others all of them."""
    if who.role != PROVINCE:
        return by_province
    return {k: v for k, v in by_province.items() if k == who.scope}


def results_for(who, results: dict) -> dict:
    """A province sees the cluster value but only its own province's figure (and how certain
    it is)."""
    if who.role != PROVINCE:
        return results
    return {**results, "results": [
        {**r, "provinces": province_figures(who, r["provinces"]),
         **{k: province_figures(who, r[k]) for k in ("by_province", "certainty") if k in r},
         **{k: [p for p in r[k] if p == who.scope] for k in ("internal_provinces",) if k in r}}
        for r in results["results"]]}


def cluster_provinces(cluster_code: str | None, clusters: list[dict]) -> list[str]:
    cluster = next((c for c in clusters if c["code"] == cluster_code), None)
    return [p["code"] for p in cluster["provinces"]] if cluster else []


def rejection_provinces(who, requested: str | None, clusters: list[dict]) -> list[str] | None:
    """Which provinces' rejections to list; None means all (admin without a filter)."""
    if reads_all(who):
        return [requested] if requested else None
    if who.role == PROVINCE:
        if requested and requested != who.scope:
            raise Denied(f"a {who.scope} key sees only {who.scope}'s rejections")
        return [who.scope]
    if who.role == AGENCY:  # its own reports' rejections (rejection_agencies)
        if requested:
            raise Denied(f"an agency key sees only the rejections of {who.scope}'s own reports")
        return []
    members = cluster_provinces(who.scope, clusters)
    if requested:
        if requested not in members:
            raise Denied(f"{requested} is not in cluster {who.scope}")
        return [requested]
    return members


def rejection_agencies(who, requested_province: str | None, plans: list[dict]) -> list[str] | None:
    """Which implementing agencies' rejections to list beside the provinces' (None: no filter
    of its own - the admin's all, a province's none): an agency its own; an OSM those its
    cluster's plans name, unless it asked for one province."""
    if who.role == AGENCY:
        return [who.scope]
    if who.role == OSM and not requested_province:
        return sorted({code for p in plans if p.get("cluster") == who.scope
                       for code in (p.get("agency_codes")
                                    or [a["code"] for a in p.get("agencies", [])])})
    if who.role == AUDITOR and not requested_province:
        return rejection_agencies(Who(OSM, who.scope), None, plans)
    return None if reads_all(who) else []


# --- the agencies directory and their mail --------------------------------------------------------

def agency_provinces(who, clusters: list[dict]) -> list[str] | None:
    """Whose agencies a key sees in the directory; None means all."""
    if reads_all(who):
        return None
    if who.role == PROVINCE:
        return [who.scope]
    return cluster_provinces(who.scope, clusters)


def check_can_change_agency(who, province: str | None, clusters: list[dict]) -> None:
    if who.role == ADMIN or (who.role == OSM and province in cluster_provinces(who.scope, clusters)):
        return
    raise Denied(f"{who} may not change agencies of {province or 'no province'}; the OSM of the "
                 "province's cluster or the admin may")


def sees_agency(who, code: str, info: dict) -> bool:
    """An agency's mails and preferences: the admin all, an OSM its cluster's agencies, a province
    its province's, an agency its own. ``info`` is the directory's entry (cluster, province)."""
    return (reads_cluster(who, info.get("cluster"))
            or _is(who, PROVINCE, info.get("province")) or _is(who, AGENCY, code))


def can_change_agency_mail(who, code: str, info: dict) -> bool:
    """How an agency is mailed: the agency itself, its cluster's OSM or the admin (a province
    sees its agencies' preferences but changes none)."""
    return who.role == ADMIN or _is(who, OSM, info.get("cluster")) or _is(who, AGENCY, code)


# --- assets and their transfer --------------------------------------------------------------------

ASSET_STEPS = ("request", "approve", "hand_over", "accept", "reject", "cancel", "audit", "dispose")


def can_see_asset(who, asset: dict) -> bool:
    if reads_all(who):
        return True
    if who.role in (OSM, AUDITOR):
        return asset["cluster"] == who.scope
    if who.role == PROVINCE:
        return asset["location"]["province"] == who.scope
    transfer = asset.get("transfer") or {}
    return who.scope in (asset["custodian"], transfer.get("to"), asset.get("implementing_agency"))


def can_register_asset(who, cluster: str, implementing_agency: str | None) -> bool:
    """Its project's implementing agency, the cluster's OSM or the admin."""
    return (who.role == ADMIN or _is(who, OSM, cluster)
            or (implementing_agency is not None and _is(who, AGENCY, implementing_agency)))


def may_step_asset(who, step: str, asset: dict) -> bool:
    """A transfer step, an audit or a disposal: the receiving agency alone accepts or rejects;
    the cluster's OSM (or the admin) approves; the custodian, the OSM or the admin does the rest
    (a disposal too: the custodian's committee decides it, the OSM oversees the cluster's assets)."""
    transfer = asset.get("transfer") or {}
    osm = who.role == ADMIN or _is(who, OSM, asset["cluster"])
    holder = _is(who, AGENCY, asset["custodian"])
    receiver = transfer.get("to") is not None and _is(who, AGENCY, transfer.get("to"))
    if step not in ASSET_STEPS:
        raise ValueError(f"unknown asset step {step!r}; one of {', '.join(ASSET_STEPS)}")
    if step == "approve":
        return osm
    if step in ("accept", "reject"):  # custody moves only on the receiver's word
        return receiver
    if step == "audit" and _is(who, AUDITOR, asset["cluster"]):  # the cluster's auditor checks it
        return True
    return holder or osm


def may_attach_asset_document(who, asset: dict | None) -> bool:
    """A document file for an asset's steps: who may take one of the steps its state allows now
    (``next_steps`` of the asset as shown); for a code not registered yet (``None``), a role
    that may register assets - the registration citing the file then checks its project."""
    if asset is None:
        return who.role in (ADMIN, OSM, AGENCY)
    return any(may_step_asset(who, step, asset) for step in asset.get("next_steps", []))


def who_may_step_asset(step: str, asset: dict) -> str:
    """Who :func:`may_step_asset` lets do ``step``, in words."""
    transfer = asset.get("transfer") or {}
    if step == "approve":
        return "the cluster's OSM or the admin"
    if step in ("accept", "reject"):
        return f"the receiving agency {transfer.get('to')}"
    if step == "audit":
        return (f"the custodian {asset['custodian']}, the cluster's OSM or auditor, or the admin")
    return f"the custodian {asset['custodian']}, the cluster's OSM or the admin"


# --- administration -------------------------------------------------------------------------------

def may_manage_users(who) -> bool:
    """The admin, and an OSM director for its own cluster's people (accounts/domain.manages)."""
    return who.role in (ADMIN, OSM) and may(who, "manage_users")


def reads_audit(who) -> bool:
    """The audit log: the admin and a national viewer all of it; an OSM and an auditor their
    cluster's."""
    return who.role in (ADMIN, NATIONAL, OSM, AUDITOR)


def is_admin(who) -> bool:
    return who.role == ADMIN


def scope_problem(role: object, scope: object, clusters: list[dict]) -> str | None:
    """What is wrong with a key's role and scope, or None: an OSM key names a known cluster, a
    province key a known province, an agency key any agency code, the admin key none."""
    if role not in ROLES:
        return f"role must be one of {', '.join(ROLES)}"
    if role == ADMIN:
        return None
    if not isinstance(scope, str) or not scope:
        return f"a {role} key needs a scope (its {SCOPE_OF[role]})"
    if role == OSM and scope not in {c["code"] for c in clusters}:
        return f"unknown cluster {scope!r}"
    if role == PROVINCE and scope not in {p["code"] for c in clusters for p in c["provinces"]}:
        return f"unknown province {scope!r}"
    return None

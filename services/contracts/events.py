"""The facts services publish to each other (exchange ``<source>.events``): their names, their
payload schemas, and the one registry producers dump through and consumers load through.

Every event carries ``event_id``: consumers de-duplicate on it (delivery is at-least-once).
Every event is versioned (``event_version``, stamped by ``dump``; a payload without it, as the
events already kept in outboxes and queues before versions existed, is version 1). Adding an
optional field needs no new version. A breaking change bumps the version in ``REGISTRY`` and
registers an *upcaster* from the previous one, so events written before the change still load:
``load`` upcasts a payload step by step to the current version, then checks it against the
current schema.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from marshmallow import EXCLUDE, Schema, fields

from .plans import PlanSchema
from .reports import describe_errors


# Facts the services publish: (source service, event type). Exchange: "<source>.events" (nameko's).
PLAN_PUBLISHED = ("plans", "plan_published")          # the full snapshot, at every version
TARGET_REVISED = ("plans", "target_revised")          # an indicator's targets changed
PROJECT_REGISTERED = ("plans", "project_registered")  # a project added by a revision
PROJECT_CHANGED = ("plans", "project_changed")
PROJECT_CANCELLED = ("plans", "project_cancelled")
REPORT_REJECTED = ("reporting", "report_rejected")
INDICATOR_OFF_TARGET = ("reporting", "indicator_off_target")
REPORT_DUE_SOON = ("reporting", "report_due_soon")    # a province has not reported, due soon
REPORT_OVERDUE = ("reporting", "report_overdue")      # ... and the due date has passed
# An indicator's value when its period closed (due date passed) missed its target.
INDICATOR_OFF_TARGET_AT_CLOSE = ("reporting", "indicator_off_target_at_close")
PROJECT_BEHIND_SCHEDULE = ("reporting", "project_behind_schedule")  # once per fiscal quarter
# A value accepted but far from what it compares with (an outlier): for the OSM to check; and
# the OSM asking the province to correct one.
REPORT_FLAGGED = ("reporting", "report_flagged")
CORRECTION_REQUESTED = ("reporting", "correction_requested")
# A problem's remedy is past its due date and not done (contracts/problems.py): once per remedy.
REMEDY_OVERDUE = ("reporting", "remedy_overdue")
# A step of the approval of a province's figures for a period (docs/approvals.md: submit,
# approve, accept, reopen), and a step that has waited too long for the next.
PERIOD_APPROVAL_CHANGED = ("reporting", "period_approval_changed")
PERIOD_APPROVAL_WAITING = ("reporting", "period_approval_waiting")
# The transfer / receipt of transfer of an asset, step by step; and what falls due.
ASSET_REGISTERED = ("assets", "asset_registered")
TRANSFER_REQUESTED = ("assets", "transfer_requested")
TRANSFER_APPROVED = ("assets", "transfer_approved")
TRANSFER_HANDED_OVER = ("assets", "transfer_handed_over")
TRANSFER_ACCEPTED = ("assets", "transfer_accepted")
TRANSFER_REJECTED = ("assets", "transfer_rejected")
TRANSFER_CANCELLED = ("assets", "transfer_cancelled")
TRANSFER_OVERDUE = ("assets", "transfer_overdue")
AUDIT_DUE = ("assets", "audit_due")
# The asset left the registry (sold, auctioned, transferred out, written off, destroyed).
ASSET_DISPOSED = ("assets", "asset_disposed")
TRANSFER_STEPS = (TRANSFER_REQUESTED, TRANSFER_APPROVED, TRANSFER_HANDED_OVER, TRANSFER_ACCEPTED,
                  TRANSFER_REJECTED, TRANSFER_CANCELLED, TRANSFER_OVERDUE)


class _Event(Schema):
    class Meta:
        unknown = EXCLUDE  # newer producers may add fields

    event_id = fields.String(required=True)
    occurred_at = fields.AwareDateTime(required=True, format="iso")
    event_version = fields.Integer(load_default=1)  # stamped by dump(); absent: version 1


class PlanPublished(_Event):
    plan = fields.Nested(PlanSchema, required=True)


class ReportRejected(_Event):
    rejection_id = fields.String(required=True)
    province = fields.String(required=True, allow_none=True)  # the sender, as authenticated
    agency = fields.String(allow_none=True, load_default=None)  # ... when an agency sent it
    sender = fields.String(required=True)
    report_event_id = fields.String(allow_none=True, load_default=None)
    kind = fields.String(allow_none=True, load_default=None)
    reason = fields.String(required=True)
    reason_th = fields.String(allow_none=True, load_default=None)  # where the rule has Thai words
    received_at = fields.AwareDateTime(required=True, format="iso")


class _AboutIndicator(_Event):
    """A fact about one indicator of a plan, in one period."""
    plan_id = fields.String(required=True)
    cluster = fields.String(required=True)
    indicator = fields.String(required=True)
    indicator_name_th = fields.String(required=True)
    indicator_name_en = fields.String(required=True)
    unit = fields.String(required=True)
    period = fields.String(required=True)


class _IndicatorResult(_AboutIndicator):
    """An indicator's cluster value against its target, for one period."""
    value = fields.Float(required=True)
    target = fields.Float(required=True)
    direction = fields.String(required=True)
    achievement_pct = fields.Float(allow_none=True, load_default=None)
    responsible_agency = fields.String(allow_none=True, load_default=None)


class IndicatorOffTarget(_IndicatorResult):
    """A report left the cluster value off its target."""
    reported = fields.Integer(required=True)
    expected = fields.Integer(required=True)
    province = fields.String(required=True)  # whose report moved the value
    report_event_id = fields.String(required=True)
    # extension: that province's own value and its own target for the period's fiscal year
    # (the plan's province_targets), where the plan sets one; older producers leave them out
    province_value = fields.Float(allow_none=True, load_default=None)
    province_target = fields.Float(allow_none=True, load_default=None)


class ReportFlagged(_AboutIndicator):
    """A province's value accepted and flagged "to check" (contracts/rules.py, ``outlier``)."""
    flag_id = fields.String(required=True)
    province = fields.String(required=True)
    report_event_id = fields.String(required=True)
    value = fields.Float(required=True)
    basis = fields.String(required=True)  # own_history | other_provinces
    median = fields.Float(required=True)
    reference = fields.List(fields.Float(), required=True)
    score = fields.Float(allow_none=True, load_default=None)  # none: infinitely far
    threshold = fields.Float(required=True)
    responsible_agency = fields.String(allow_none=True, load_default=None)


class CorrectionRequested(ReportFlagged):
    """The OSM asks the province to check a flagged value and send a correction."""
    requested_by = fields.String(required=True)
    note = fields.String(allow_none=True, load_default=None)


class _PlanChange(_Event):
    plan_id = fields.String(required=True)
    cluster = fields.String(required=True)
    version = fields.Integer(required=True)
    revision = fields.Dict(required=True)  # version, at, by, reason, approved_by


class TargetRevised(_PlanChange):
    indicator = fields.Dict(required=True)  # code, names, unit, direction, responsible_agency
    before = fields.Dict(required=True)     # targets, quarterly_targets, province_targets
    after = fields.Dict(required=True)


class ProjectChange(_PlanChange):
    """project_registered, project_changed (with changed_fields) and project_cancelled."""
    project = fields.Dict(required=True)
    changed_fields = fields.List(fields.String(), load_default=list)


class ReportDue(_Event):
    """report_due_soon and report_overdue: a province has not sent all of a period's reports."""
    plan_id = fields.String(required=True)
    cluster = fields.String(required=True)
    province = fields.String(required=True)
    period = fields.String(required=True)
    due_date = fields.String(required=True)
    missing = fields.List(fields.String(), required=True)
    expected = fields.Integer(required=True)
    received = fields.Integer(required=True)
    # project progress not received (extension): the projects, and their implementing agencies
    missing_projects = fields.List(fields.String(), load_default=list)
    agencies = fields.List(fields.String(), load_default=list)


class IndicatorOffTargetAtClose(_IndicatorResult):
    """A period closed (its due date passed) with the cluster value off the period's target."""
    due_date = fields.String(required=True)
    target_basis = fields.String(required=True)  # quarter | fiscal_year
    provinces = fields.Dict(keys=fields.String(), values=fields.Float(), required=True)
    not_reported = fields.List(fields.String(), required=True)


class ProjectBehindSchedule(_Event):
    """A project's disbursement is behind its own plan or the government's target."""
    plan_id = fields.String(required=True)
    cluster = fields.String(required=True)
    project = fields.Dict(required=True)  # code, titles, implementing_agency, budget, fiscal_year
    quarter = fields.String(required=True)  # the fiscal quarter of the latest report, FY2567-Q2
    as_of = fields.String(required=True)
    reasons = fields.List(fields.String(), required=True)
    physical_progress_pct = fields.Float(allow_none=True, load_default=None)
    disbursed_thb = fields.Float(required=True)
    disbursement_pct = fields.Float(allow_none=True, load_default=None)
    planned_to_date_pct = fields.Float(allow_none=True, load_default=None)
    government_target_pct = fields.Float(allow_none=True, load_default=None)
    procurement_stage = fields.String(allow_none=True, load_default=None)
    provinces_reported = fields.List(fields.String(), load_default=list)


class RemedyOverdue(_Event):
    """A remedy of a reported problem is past its due date and not done: for its owner agency."""
    plan_id = fields.String(required=True)
    cluster = fields.String(required=True)
    project = fields.Dict(required=True)  # code, title_th, title_en, issue
    problem_id = fields.String(required=True)
    province = fields.String(allow_none=True, load_default=None)  # whose report it came from
    cause = fields.String(required=True)
    cause_label_th = fields.String(required=True)
    cause_label_en = fields.String(required=True)
    severity = fields.String(required=True)
    status = fields.String(required=True)
    description = fields.String(required=True)
    owner_agency = fields.String(required=True)
    action = fields.String(required=True)
    due = fields.String(required=True)  # YYYY-MM-DD
    days_overdue = fields.Integer(required=True)


class MailTo(Schema):
    """A person a fact is mailed to, as the gateway found them in its accounts."""
    class Meta:
        unknown = EXCLUDE
    name = fields.String(required=True)
    email = fields.String(required=True)
    lang = fields.String(load_default="th")


class PeriodApproval(_Event):
    """A step of the approval of a province's figures for a period: who, when, from which state
    to which, the approval's version after it, the comment or reason, and who acts next."""
    plan_id = fields.String(required=True)
    cluster = fields.String(required=True)
    period = fields.String(required=True)
    province = fields.String(required=True)
    step = fields.String(required=True)         # submit | approve | accept | reopen
    state = fields.String(required=True)        # after the step
    from_state = fields.String(required=True)
    version = fields.Integer(required=True)
    at = fields.AwareDateTime(required=True, format="iso")
    by = fields.String(required=True)
    by_role = fields.String(allow_none=True, load_default=None)
    by_duty = fields.String(allow_none=True, load_default=None)
    comment = fields.String(allow_none=True, load_default=None)
    figures = fields.Integer(allow_none=True, load_default=None)
    notify = fields.List(fields.Nested(MailTo), load_default=list)  # the next actors


class PeriodApprovalWaiting(PeriodApproval):
    """The step above has waited ``days_waiting`` days for the next one."""
    days_waiting = fields.Integer(required=True)


class TransferStep(_Event):
    """transfer_requested / approved / handed_over / accepted / rejected / cancelled / overdue."""
    asset = fields.Dict(required=True)  # code, project, category, descriptions, value, custodian…
    action = fields.String(required=True)
    by = fields.String(required=True)
    reason = fields.String(load_default="")
    documents = fields.List(fields.Dict(), load_default=list)
    from_agency = fields.String(allow_none=True, load_default=None)
    to_agency = fields.String(allow_none=True, load_default=None)
    due_by = fields.String(allow_none=True, load_default=None)
    transfer_id = fields.String(allow_none=True, load_default=None)


class AssetDisposed(TransferStep):
    """asset_disposed: the step's facts (from_agency: the custodian it leaves) and the decision."""
    # method (sale | auction | transfer_out | write_off | destroy), committee_reference,
    # decided_on, proceeds_thb, recipient
    disposal = fields.Dict(required=True)


class AuditDue(_Event):
    asset = fields.Dict(required=True)
    due_on = fields.String(required=True)
    overdue = fields.Boolean(required=True)
    custodian = fields.String(required=True)


# --- the registry ------------------------------------------------------------------------------

Kind = tuple[str, str]  # (source service, event name), e.g. PLAN_PUBLISHED
Upcaster = Callable[[dict], dict]


class EventError(ValueError):
    """An event that does not fit the registry: unknown, or its payload fails its schema.

    Raised by ``load`` in a consumer's handler, it is handed back to the broker like any failure,
    retried up to the queue's delivery limit and then parked with its reason (never dropped).
    Raised by ``dump`` in a producer, it is a bug: the state change and its event are not kept."""


@dataclass(frozen=True)
class EventType:
    kind: Kind
    schema: type[Schema]
    description_en: str
    description_th: str
    version: int = 1
    # upcasters[v] turns a version-v payload into a version v+1 payload (v < version)
    upcasters: dict[int, Upcaster] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return self.kind[0]

    @property
    def name(self) -> str:
        return self.kind[1]


def build_registry(*types: EventType) -> dict[Kind, EventType]:
    found: dict[Kind, EventType] = {}
    names: set[str] = set()
    for event in types:
        if event.kind in found or event.name in names:
            raise ValueError(f"event {event.source}.{event.name} is registered twice")
        missing = [v for v in range(1, event.version) if v not in event.upcasters]
        if missing:
            raise ValueError(f"event {event.source}.{event.name} v{event.version} has no upcaster "
                             f"from version(s) {missing}")
        found[event.kind] = event
        names.add(event.name)
    return found


_TRANSFER_WORDS = {
    TRANSFER_REQUESTED: ("a transfer of an asset was requested", "มีการขอโอนทรัพย์สิน"),
    TRANSFER_APPROVED: ("a transfer was approved", "อนุมัติการโอนทรัพย์สิน"),
    TRANSFER_HANDED_OVER: ("the asset was handed over to the receiving agency",
                           "ส่งมอบทรัพย์สินให้หน่วยงานผู้รับโอนแล้ว"),
    TRANSFER_ACCEPTED: ("the receiving agency accepted the asset (receipt of transfer)",
                        "หน่วยงานผู้รับโอนรับมอบทรัพย์สินแล้ว"),
    TRANSFER_REJECTED: ("the receiving agency refused the asset", "หน่วยงานผู้รับโอนปฏิเสธการรับมอบ"),
    TRANSFER_CANCELLED: ("a transfer was cancelled", "ยกเลิกการโอนทรัพย์สิน"),
    TRANSFER_OVERDUE: ("a transfer was not completed by its due date",
                       "การโอนทรัพย์สินเลยกำหนดเวลา"),
}

# Every event that crosses a service boundary. tests/unit/test_event_registry.py checks that every
# subscription of services/infra/topology.py has an entry here.
REGISTRY: dict[Kind, EventType] = build_registry(
    EventType(PLAN_PUBLISHED, PlanPublished,
              "a plan was published: its full snapshot, at every version",
              "เผยแพร่แผน: ข้อมูลแผนทั้งฉบับ ทุกครั้งที่มีฉบับใหม่"),
    EventType(TARGET_REVISED, TargetRevised,
              "a revision changed an indicator's targets", "การปรับแผนเปลี่ยนค่าเป้าหมายของตัวชี้วัด"),
    EventType(PROJECT_REGISTERED, ProjectChange,
              "a revision added a project", "การปรับแผนเพิ่มโครงการ"),
    EventType(PROJECT_CHANGED, ProjectChange,
              "a revision changed a project", "การปรับแผนแก้ไขโครงการ"),
    EventType(PROJECT_CANCELLED, ProjectChange,
              "a revision cancelled a project", "การปรับแผนยกเลิกโครงการ"),
    EventType(REPORT_REJECTED, ReportRejected,
              "a province's report was rejected, with the reason", "รายงานของจังหวัดถูกปฏิเสธ พร้อมเหตุผล"),
    EventType(INDICATOR_OFF_TARGET, IndicatorOffTarget,
              "a report left an indicator's cluster value off its target",
              "รายงานทำให้ค่าตัวชี้วัดของกลุ่มจังหวัดไม่บรรลุเป้าหมาย"),
    EventType(REPORT_DUE_SOON, ReportDue,
              "a province has not sent all of a period's reports, due soon",
              "จังหวัดยังส่งรายงานของงวดไม่ครบ ใกล้ถึงกำหนดส่ง"),
    EventType(REPORT_OVERDUE, ReportDue,
              "a province has not sent all of a period's reports, past the due date",
              "จังหวัดยังส่งรายงานของงวดไม่ครบ เลยกำหนดส่งแล้ว"),
    EventType(INDICATOR_OFF_TARGET_AT_CLOSE, IndicatorOffTargetAtClose,
              "a period closed with an indicator's cluster value off its target",
              "ปิดงวดแล้วค่าตัวชี้วัดของกลุ่มจังหวัดไม่บรรลุเป้าหมาย"),
    EventType(PROJECT_BEHIND_SCHEDULE, ProjectBehindSchedule,
              "a project's disbursement is behind its plan or the government's target",
              "การเบิกจ่ายของโครงการล่าช้ากว่าแผนหรือเป้าหมายของรัฐบาล"),
    EventType(REPORT_FLAGGED, ReportFlagged,
              "a province's value was accepted and flagged to check: far from its own earlier "
              "periods or from the other provinces", "ค่าที่จังหวัดรายงานได้รับแล้วแต่ต้องตรวจสอบ: "
              "ต่างจากงวดก่อนของจังหวัดเองหรือจากจังหวัดอื่นมาก"),
    EventType(CORRECTION_REQUESTED, CorrectionRequested,
              "the OSM asks a province to check a flagged value and send a correction",
              "สำนักงานกลุ่มจังหวัดขอให้จังหวัดตรวจสอบค่าที่ถูกทักท้วงและส่งค่าที่ถูกต้อง"),
    EventType(REMEDY_OVERDUE, RemedyOverdue,
              "a remedy of a reported problem is past its due date and not done",
              "มาตรการแก้ไขปัญหาของโครงการเลยกำหนดแล้วยังไม่ดำเนินการ"),
    EventType(PERIOD_APPROVAL_CHANGED, PeriodApproval,
              "a step of the approval of a province's figures for a period (submit, approve, "
              "accept, reopen), with who acts next", "ขั้นตอนการรับรองข้อมูลของจังหวัดในงวด "
              "(ยืนยันส่งครบ อนุมัติ รับรอง เปิดงวดใหม่) และผู้ที่ต้องดำเนินการต่อ"),
    EventType(PERIOD_APPROVAL_WAITING, PeriodApprovalWaiting,
              "a step of a period's approval has waited too long for the next",
              "การรับรองข้อมูลของงวดรอการดำเนินการขั้นถัดไปนานเกินกำหนด"),
    EventType(ASSET_REGISTERED, TransferStep,
              "an asset a project produced was registered", "ลงทะเบียนทรัพย์สินที่เกิดจากโครงการ"),
    *(EventType(step, TransferStep, *_TRANSFER_WORDS[step]) for step in TRANSFER_STEPS),
    EventType(ASSET_DISPOSED, AssetDisposed,
              "an asset was disposed of (sold, auctioned, transferred out, written off or "
              "destroyed) on a committee's finding", "จำหน่ายทรัพย์สินออกจากทะเบียน (ขาย ขายทอดตลาด "
              "โอน จำหน่ายเป็นสูญ หรือแปรสภาพ/ทำลาย) ตามผลการพิจารณาของคณะกรรมการ"),
    EventType(AUDIT_DUE, AuditDue,
              "an asset's audit is due soon or overdue", "ใกล้ถึงหรือเลยกำหนดตรวจนับทรัพย์สิน"),
)
_BY_NAME = {event.name: event for event in REGISTRY.values()}


def event_type(kind: Kind) -> EventType:
    """The registry's entry for ``kind`` (``(source, name)``); EventError if there is none."""
    try:
        return REGISTRY[tuple(kind)]
    except (KeyError, TypeError):
        raise EventError(f"unknown event {kind!r}: services/contracts/events.py registers "
                         f"{', '.join(f'{s}.{n}' for s, n in REGISTRY)}") from None


def named(name: str) -> Kind:
    """The kind of the event called ``name`` (names are unique across sources)."""
    if name not in _BY_NAME:
        raise EventError(f"unknown event name {name!r}: services/contracts/events.py registers "
                         f"{', '.join(sorted(_BY_NAME))}")
    return _BY_NAME[name].kind


_schemas: dict[type[Schema], Schema] = {}


def _check(event: EventType, payload: dict, doing: str) -> None:
    schema = _schemas.get(event.schema)
    if schema is None:
        schema = _schemas[event.schema] = event.schema()
    errors = schema.validate(payload)
    if errors:
        raise EventError(f"{event.source}.{event.name} v{event.version} event "
                         f"{payload.get('event_id', '(no event_id)')} {doing}: "
                         f"{describe_errors(errors)}")


def dump(kind: Kind, payload: dict) -> dict:
    """What a producer queues: ``payload`` checked against the event's schema, with
    ``event_version`` set to the current version. EventError if it does not fit."""
    event = event_type(kind)
    if not isinstance(payload, dict):
        raise EventError(f"{event.source}.{event.name}: a payload is a dict, not "
                         f"{type(payload).__name__}")
    stamped = {**payload, "event_version": event.version}
    _check(event, stamped, "does not fit its schema (producer bug)")
    return stamped


def outgoing(kind: Kind, payload: dict) -> tuple[str, dict]:
    """``(name, dump(kind, payload))``: an event as an outbox keeps and a dispatcher sends it."""
    return kind[1], dump(kind, payload)


def upcast(kind: Kind, payload: dict) -> dict:
    """``payload`` brought to the event's current version by its upcasters, one version at a
    time. No ``event_version``: version 1. A version newer than ours is an EventError."""
    event = event_type(kind)
    if not isinstance(payload, dict):
        raise EventError(f"{event.source}.{event.name}: a payload is a JSON object, not "
                         f"{type(payload).__name__}")
    version = payload.get("event_version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise EventError(f"{event.source}.{event.name} event {payload.get('event_id')}: "
                         f"event_version {version!r} is not a version (1, 2, ...)")
    if version > event.version:
        raise EventError(f"{event.source}.{event.name} event {payload.get('event_id')} is version "
                         f"{version}; this service knows up to version {event.version}")
    while version < event.version:
        payload = {**event.upcasters[version](dict(payload)), "event_version": version + 1}
        version += 1
    return {**payload, "event_version": version}


def load(kind: Kind, payload: dict) -> dict:
    """What a consumer handles: ``payload`` upcast to the current version and checked against
    the current schema. Validated, not converted: it stays the JSON object as it travels (dates
    stay ISO strings), with ``event_version`` set. EventError (a ValueError) if it does not fit,
    so the handler fails and the delivery is retried, then parked - never dropped."""
    event = event_type(kind)
    current = upcast(kind, payload)
    _check(event, current, "does not fit its schema")
    return current

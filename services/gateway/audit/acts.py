"""Every act the audit log keeps, in one table: the route handler's name -> its Audit (act
name, the path value naming its target, how its before is read). The route table takes its
``audit`` from here (api/__init__.py); tests/unit/test_audit_log.py checks that every route
that changes something is here or in ``AUDITED_IN_HANDLER`` - no act escapes the log."""
from __future__ import annotations

from . import befores
from .record import Audit

ACTS: dict[str, Audit] = {
    # plans and the directory
    "create_plan": Audit("plan.create", None, befores.nothing),
    "update_draft": Audit("plan.edit_draft", "plan_id", befores.plan),
    "publish_plan": Audit("plan.publish", "plan_id", befores.plan),
    "revise_plan": Audit("plan.revise", "plan_id", befores.plan),
    "import_plan": Audit("plan.import"),
    "save_agency": Audit("agency.change", "code", befores.agency),
    "load_reference": Audit("settings.reference_data"),
    # reporting
    "send_reports": Audit("report.enter", "plan_id"),
    "send_report_workbook": Audit("report.workbook", "plan_id"),
    "send_project_reports": Audit("report.project", "plan_id"),
    "upload_evidence": Audit("report.evidence", "plan_id"),
    "review_flag": Audit("report.flag_review", "flag_id"),
    "update_problem": Audit("problem.update", "problem_id"),
    # a period's approval (docs/approvals.md): the step and the comment are in what was asked
    "take_approval_step": Audit("period.approval", "period/province", befores.approval),
    "redrive_rejection": Audit("report.redrive", "rejection_id"),
    "grant_extension": Audit("report.extension", "plan_id", befores.nothing),
    # assets: the registry and each ledger step
    "register_asset": Audit("asset.register", None, befores.nothing),
    "import_assets": Audit("asset.import"),
    "upload_asset_document": Audit("asset.document", "code"),
    **{f"asset_{step}": Audit(f"asset.{step}", "code", befores.asset)
       for step in ("request", "approve", "hand_over", "accept", "reject", "cancel", "audit",
                    "dispose")},
    # settings
    "set_due_days": Audit("settings.due_days", None, befores.due_days),
    "set_approval_reminder_days": Audit("settings.approval_reminders", None,
                                        befores.approval_reminder_days),
    "set_disbursement_targets": Audit("settings.disbursement_targets", "fiscal_year",
                                      befores.disbursement_targets),
    "set_asset_settings": Audit("settings.assets", None, befores.asset_settings),
    "set_notify_rules": Audit("settings.notify_rules", None, befores.notify_rules),
    "set_notify_preference": Audit("settings.notify_preference", "agency",
                                   befores.notify_preference),
    "set_problem_causes": Audit("settings.problem_causes", None, befores.problem_causes),
    "set_open_data_public": Audit("settings.open_data", "plan_id", befores.open_data),
    "set_emenscr_fields": Audit("settings.emenscr_fields", None, befores.emenscr_fields),
    "reset_emenscr_fields": Audit("settings.emenscr_fields_reset", None, befores.emenscr_fields),
    # the operator's
    "retry_parked": Audit("message.retry", "parked_id"),
}

# acts shared by an API route and a page's form, kept by the function both call
# (api/users.py, api/admin.py: ``record_act``), so the log has each once
AUDITED_IN_HANDLER = {"create_user", "change_user", "reset_user", "import_users", "issue_key",
                      "revoke_key", "load_national_hierarchy"}
# POSTs that change nothing: a check of a workbook answers what it would do
NOT_ACTS = {"check_report_workbook", "unknown_asset_step", "unknown"}

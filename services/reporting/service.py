"""reporting: the province intake, the event store and the cluster views (entrypoints only)."""
from __future__ import annotations

import logging

import eventlet
from nameko.rpc import RpcProxy, rpc
from nameko.timer import timer

from services.infra.base import OutboxServiceBase
from services.infra import topology
from services.infra.event_publisher import PUBLISH_DEADLINE_S, deadline_connection
from services.infra.messaging import (RawMessage, batch_consumer, dispatcher,
                                      on_event, raw_consumer)
from services.infra.outbox import relay
from services.infra.storage import Storage
from services.infra.evidence.provider import EvidenceFiles

from . import (approval_cases, emenscr, handlers, open_data_cases, plausibility, problem_cases,
               redrive, window)
from .store import open_store

log = logging.getLogger(__name__)
NAMES_TIMEOUT_S = 5


class ReportingService(OutboxServiceBase):
    name = "reporting"

    # RECORD_EFFECTS (the fault suite's setting): a row per report reaching the views
    store = Storage(open_store, options_of=lambda config: {
        "record_effects": bool(config.get("RECORD_EFFECTS"))})
    evidence = EvidenceFiles()  # the uploaded files reports cite (only their records are read)
    dispatch = dispatcher()
    plans = RpcProxy("plans")  # only the clusters' and provinces' names, for open data

    @batch_consumer(topology.intake_queue())
    def intake(self, messages: list[RawMessage]):
        retry = handlers.handle_intake_batch(
            self.store, messages, self.config.get("AMQP_USER_PREFIX", ""),
            plausibility.max_ahead_from(self.config.get("REPORT_MAX_AHEAD_MINUTES")),
            evidence=self.evidence)
        try:  # the batch is committed: its events go out now, or with the relay_outbox timer
            relay(self.store.outbox, self.dispatch)
        except Exception:  # never a reason to hand back reports that are stored
            log.exception("the outbox relay failed after a batch; relay_outbox will retry it")
        return retry

    @raw_consumer(topology.parked_queue())
    def keep_parked(self, message: RawMessage):
        # Nothing bounds redelivery of this queue (it is where bounded retries end), so a
        # failure here waits before it hands the message back instead of looping hot.
        try:
            handlers.park(self.store, message)
        except Exception:
            eventlet.sleep(5)
            raise

    @on_event(*topology.PLAN_PUBLISHED)
    def on_plan_published(self, payload):
        if handlers.handle_plan_published(self.store, payload):
            plan = payload["plan"]
            self._open_data(plan["id"], open_data_cases.reason_of("published",
                                                                  version=plan.get("version")))
            self.remind()  # a new plan may already have overdue periods

    @on_event(*topology.ASSET_REGISTERED)
    def on_asset_registered(self, payload):
        handlers.count_asset(self.store, payload)

    @rpc
    def health(self):
        self.store.get_meta(handlers.DUE_DAYS)  # the store answers (a key read, not a count)
        return "ok"

    @rpc
    def indicator_results(self, plan_id, period):
        return handlers.indicator_results(self.store, plan_id, period)

    @rpc
    def project_progress(self, plan_id):
        return self.store.project_progress(plan_id)

    @rpc
    def list_rejections(self, provinces=None, limit=500, agencies=None):
        return self.store.rejections(provinces, limit, agencies)

    @rpc
    def list_flags(self, plan_id, status=None, provinces=None):
        return handlers.list_flags(self.store, plan_id, status, provinces)

    @rpc
    def review_flag(self, plan_id, flag_id, action, by, note=None):
        return handlers.review_flag(self.store, plan_id, flag_id, action, by, note)

    @rpc
    def indicator_series(self, plan_id, indicator):
        return handlers.indicator_series(self.store, plan_id, indicator)

    @rpc
    def problems(self, plan_id, issue=None, project=None, provinces=None, text=None):
        return handlers.problems_register(self.store, plan_id, issue, project, provinces, text)

    # problems analysed together (problem_cases.py)
    @rpc
    def problem_causes(self):
        return problem_cases.cause_list(self.store)

    @rpc
    def problem_cause_history(self):
        return self.store.cause_list_history()

    @rpc
    def set_problem_causes(self, causes, by, version=None):
        return problem_cases.set_cause_list(self.store, causes, by, version)

    # the eMENSCR export (emenscr.py): the admin's field list, each project's quarters
    @rpc
    def emenscr_fields(self):
        return emenscr.field_list(self.store)

    @rpc
    def set_emenscr_fields(self, text, by):
        return emenscr.set_field_list(self.store, text, by)

    @rpc
    def project_quarters(self, plan_id, fiscal_year):
        return emenscr.quarters(self.store, plan_id, fiscal_year)

    @rpc
    def current_problems(self, plan_id, filters=None, provinces=None, project=None):
        return problem_cases.current_problems(self.store, plan_id, filters, provinces, project)

    @rpc
    def problem_analysis(self, plan_id, filters=None, provinces=None):
        return problem_cases.analysis(self.store, plan_id, filters, provinces)

    @rpc
    def update_problem(self, plan_id, problem_id, changes, by, project=None):
        updated = problem_cases.update_problem(self.store, plan_id, problem_id, changes, by,
                                               project)
        self.remind()  # new remedies may be overdue already: the owner hears of it now
        return updated

    @rpc
    def reports(self, plan_id, province=None, indicator=None, project=None, period=None):
        return handlers.reports_of(self.store, plan_id, province, indicator, project, period)

    @rpc
    def check_reports(self, province, bodies, agency=None):
        return handlers.check_reports(self.store, province, bodies, agency, self.evidence)

    @rpc
    def report_statuses(self, plan_id, province, event_ids, agency=None):
        return handlers.report_statuses(self.store, plan_id, province, event_ids, agency,
                                        self.config.get("AMQP_USER_PREFIX", ""))

    @rpc
    def last_reported(self, plan_id, province, period):
        return handlers.last_reported(self.store, plan_id, province, period)

    @rpc
    def project_status(self, plan_id):
        return handlers.project_status(self.store, plan_id)

    # views by national alignment (alignment.py): one plan, or every cluster's
    @rpc
    def plan_alignment(self, plan_id, level, fiscal_year):
        return handlers.plan_alignment(self.store, plan_id, level, fiscal_year)

    @rpc
    def national_alignment(self, level, fiscal_year):
        return handlers.national_alignment(self.store, level, fiscal_year)

    @rpc
    def disbursement_targets(self):
        return self.store.get_meta(handlers.GOVERNMENT_TARGETS) or {}

    @rpc
    def set_disbursement_targets(self, fiscal_year, targets):
        return handlers.set_disbursement_targets(self.store, fiscal_year, targets)

    @rpc
    def completeness(self, plan_id, period):
        return handlers.completeness(self.store, plan_id, period)

    @rpc
    def due_days(self):
        return handlers.due_days_of(self.store)

    @rpc
    def set_due_days(self, days):
        return handlers.set_due_days(self.store, days)

    @rpc
    def list_parked(self, limit=500):
        return self.store.parked(limit)

    @rpc
    def counts(self):
        return self.store.counts()

    @rpc
    def get_parked(self, parked_id):
        return self.store.get_parked(parked_id)

    @rpc
    def retry_parked(self, parked_id):
        """Send a parked message back to be processed (clusterctl parked retry)."""
        result = handlers.retry_parked(self.store, parked_id, self._republish,
                                       self.config.get("AMQP_USER_PREFIX", ""))
        relay(self.store.outbox, self.dispatch)
        return result

    def _republish(self, queue, body, properties):
        with deadline_connection(self.config["AMQP_URI"], ssl=self.config.get("AMQP_SSL")) as conn:
            conn.Producer().publish(
                body, exchange="", routing_key=queue, serializer=None, delivery_mode=2,
                content_type=properties.get("content_type") or "application/json",
                content_encoding="utf-8", message_id=properties.get("message_id"), retry=True,
                timeout=PUBLISH_DEADLINE_S, confirm_timeout=PUBLISH_DEADLINE_S)

    # approvals of a province's figures for a period (docs/approvals.md)
    @rpc
    def approvals(self, plan_id, period=None, provinces=None):
        return approval_cases.list_approvals(self.store, plan_id, period, provinces)

    @rpc
    def approval_step(self, plan_id, period, province, step, actor, version, figures=None,
                      comment=None, notify=None):
        """One step (submit, approve, accept, reopen) by ``actor`` (the gateway's principal:
        role, scope, person, duty); the approval as it now stands."""
        done = approval_cases.take_step(self.store, plan_id, period, province, step, actor,
                                        version, figures, comment, notify)
        relay(self.store.outbox, self.dispatch)
        if step in ("accept", "reopen"):  # a period closed (or opened again): open data follows
            self._open_data(plan_id, open_data_cases.reason_of(step, period=period,
                                                               province=province))
        return done

    @rpc
    def redrive_rejection(self, rejection_id, actor, provinces=None, agencies=None):
        """A kept rejection judged again as it came, by its original sender (redrive.py), for
        ``actor`` (the gateway's principal: role, scope, person, duty; the rule is checked here
        too); ``provinces``/``agencies``: the asker's scope, as list_rejections takes it."""
        done = redrive.redrive(self.store, rejection_id, actor, provinces, agencies,
                               self.config.get("AMQP_USER_PREFIX", ""),
                               plausibility.max_ahead_from(
                                   self.config.get("REPORT_MAX_AHEAD_MINUTES")),
                               evidence=self.evidence)
        relay(self.store.outbox, self.dispatch)
        return done

    @rpc
    def approval_reminder_days(self):
        return approval_cases.reminder_days_of(self.store)

    @rpc
    def set_approval_reminder_days(self, days):
        days = approval_cases.set_reminder_days(self.store, days)
        self.remind()  # steps waiting longer than the new setting hear of it now
        return days

    # the reporting window and the OSM's extensions of it (window.py)
    @rpc
    def extensions(self, plan_id, provinces=None):
        return window.list_extensions(self.store, plan_id, handlers.due_days_of(self.store),
                                      provinces)

    @rpc
    def grant_extension(self, plan_id, body, actor):
        """``{province, period, until, reason}`` by ``actor`` (as approval_step's)."""
        return window.grant_extension(self.store, plan_id, body, actor,
                                      handlers.due_days_of(self.store))

    # open data (open_data_cases.py, docs/open-data.md)
    @rpc
    def open_data(self, plan_id):
        """For a key holder: the plan's record (links, package, when and why), or None."""
        return open_data_cases.summary(self.store, plan_id)

    @rpc
    def open_data_public_part(self, plan_id, part):
        """A part served without a key, only while the admin has it on; else None."""
        return open_data_cases.public_part(self.store, plan_id, part)

    @rpc
    def open_data_public(self, plan_id):
        return open_data_cases.public_of(self.store, plan_id)

    @rpc
    def set_open_data_public(self, plan_id, public):
        done = open_data_cases.set_public(self.store, plan_id, public)
        if public and self.store.open_data(plan_id) is None:  # a plan published before
            self._open_data(plan_id, open_data_cases.reason_of("refresh"))
        return done

    def _open_data(self, plan_id, reason):
        """Make the plan's open data again; a failure waits for the timer's refresh."""
        try:
            open_data_cases.regenerate(self.store, plan_id, reason, self._public_url(),
                                       self._clusters())
        except Exception:
            log.exception("open data of %s could not be made (%s); the timer tries again",
                          plan_id, reason["en"])

    def _public_url(self):
        return self.config.get("PUBLIC_URL") or "http://127.0.0.1:8000"

    def _clusters(self):
        """The clusters and provinces with their names (plans' reference data), or None when
        plans does not answer in time: codes stand in until the next refresh."""
        try:
            reply = self.plans.list_clusters.call_async()
            with eventlet.Timeout(NAMES_TIMEOUT_S):
                return reply.result()["clusters"]
        except (Exception, eventlet.Timeout) as exc:
            log.warning("open data: no names from plans (%s); codes stand in for now", exc)
            return None

    @rpc
    def rebuild(self):
        """Every view again from the event store (clusterctl rebuild)."""
        return handlers.rebuild(self.store)

    @rpc
    def remove_reports(self, plan_id, keys, asset_codes):
        """The sample data's reports out again, views rebuilt (clusterctl sample remove)."""
        return handlers.remove_reports(self.store, plan_id, keys, asset_codes)

    @timer(interval=3600, eager=True)
    def ensure_views_current(self):
        handlers.ensure_views_current(self.store)

    @timer(interval=600, eager=True)
    def remind(self):
        """Facts that follow from the calendar: reports due soon / overdue, periods closed off
        target, projects behind schedule (each fact once); and the events of approval steps a
        crash recorded without them (MongoDB)."""
        if handlers.check_deadlines(self.store) + approval_cases.requeue_events(self.store):
            relay(self.store.outbox, self.dispatch)

    @timer(interval=600, eager=True)
    def refresh_open_data(self):
        """Open data that a crash (after a step, before its record) or names plans could not
        give in time left behind what it would hold now, made again; nothing else is touched."""
        try:
            open_data_cases.refresh(self.store, self._public_url(), self._clusters())
        except Exception:
            log.exception("open data: the refresh failed; the next timer tries again")

    @timer(interval=2, eager=True)
    def relay_outbox(self):
        relay(self.store.outbox, self.dispatch)

"""Reporting store on MongoDB (the service's own database; infra/mongo.py)."""
from __future__ import annotations

from contextlib import nullcontext

from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from services.infra.meta import MongoMeta
from services.infra.outbox import MongoOutbox, now_iso

from .approvals import MongoApprovals
from .attempts import MongoAttempts
from .problems import MongoProblems
from .open_data import MongoOpenData
from .redrives import MongoRedrives
from .base import (PlanCache, Recorded, ReportingStore, _parked_row, _rejection_row, _value_of,
                   conflict_of, same_report)


def report_id(sender: str, event_id: str) -> str:
    """A report's _id: its identity is (sender, event_id). An event_id is a UUID, so the last
    '|' separates the two whatever the sender's name holds."""
    return f"{sender}|{event_id}"


class MongoReportingStore(MongoApprovals, MongoProblems, MongoRedrives, MongoAttempts,
                          MongoOpenData, ReportingStore):
    def __init__(self, db):
        self.db = db
        self.outbox = MongoOutbox(self.db)
        self.meta = MongoMeta(self.db)
        self.plan_cache = PlanCache(self._plan_versions, self._plan_document)
        db.reports.create_index([("kind", ASCENDING), ("plan_id", ASCENDING)])
        db.current_reports.create_index([("kind", ASCENDING), ("plan_id", ASCENDING),
                                         ("subject", ASCENDING), ("period", ASCENDING)])
        db.rejections.create_index([("province", ASCENDING), ("received_at", DESCENDING)])
        db.rejections.create_index([("agency", ASCENDING), ("received_at", DESCENDING)])
        db.flags.create_index([("plan_id", ASCENDING), ("flagged_at", DESCENDING)])
        self._key_reports_by_sender()
        self._problems_schema()
        self._approvals_schema()

    def _key_reports_by_sender(self):
        """Reports kept when event_id alone was their _id get (sender, event_id). An _id cannot
        change: each is copied under its new one, then the old is removed - a crash in between
        leaves the copy, found again (and the old removed) at the next start."""
        for doc in self.db.reports.find({"event_id": {"$exists": False}}):
            copy = {**doc, "_id": report_id(doc["sender"], doc["_id"]), "event_id": doc["_id"]}
            try:
                self.db.reports.insert_one(copy)
            except DuplicateKeyError:
                pass  # copied before a crash
            self.db.reports.delete_one({"_id": doc["_id"], "event_id": {"$exists": False}})

    def atomic(self):
        return nullcontext()

    def _create_effects_table(self):
        pass  # a collection exists once written to; no index: the suite reads it whole

    def _insert_effect(self, row):
        self.db.view_effects.insert_one(dict(row))  # its own _id: rows are never merged

    def save_plan(self, plan):
        older = {"_id": plan["id"], "version": {"$lt": plan["version"]}}
        update = {"$set": {"version": plan["version"], "document": plan}}
        if self.db.plans.update_one(older, update).matched_count:
            return True
        try:
            self.db.plans.insert_one({"_id": plan["id"], "version": plan["version"], "document": plan})
            return True
        except DuplicateKeyError:
            # A newer (or the same) version is kept already - or a concurrent delivery of an
            # older one was inserted since the update above: the guarded update decides again.
            return self.db.plans.update_one(older, update).matched_count == 1

    def _plan_versions(self, plan_id=None):
        query = {} if plan_id is None else {"_id": plan_id}
        return [(d["_id"], d["version"]) for d in
                self.db.plans.find(query, {"version": 1}).sort("_id", 1)]

    def _plan_document(self, plan_id):
        doc = self.db.plans.find_one({"_id": plan_id})
        return doc["version"], doc["document"]

    def report_kept(self, sender, event_id):
        return self.db.reports.count_documents({"_id": report_id(sender, event_id)}, limit=1) > 0

    def record_report(self, kind, plan_id, subject, period, province, event_id, reported_at_key,
                      body, sender, reported_by=None):
        try:
            self.db.reports.insert_one({
                "_id": report_id(sender, event_id), "event_id": event_id, "kind": kind,
                "plan_id": plan_id, "subject": subject, "period": period, "province": province,
                "reported_at": reported_at_key, "received_at": now_iso(), "sender": sender,
                "body": body, "reported_by": reported_by})
            new = True
        except DuplicateKeyError:
            # The sender's event_id again: only what it first sent under it counts. Re-applying
            # it below repairs a current report that a crash left unwritten.
            new = False
            kept = self.db.reports.find_one({"_id": report_id(sender, event_id)})
            if not same_report(kept, (kind, plan_id, subject, period, province), body):
                return Recorded(False, False, conflict_of(kept))
            reported_at_key, body = kept["reported_at"], kept["body"]
        return Recorded(new, self._apply(kind, plan_id, subject, period, province, event_id,
                                         reported_at_key, body))

    @staticmethod
    def _current_key(report) -> str:
        return "|".join(report[k] for k in ("kind", "plan_id", "subject", "period", "province"))

    def _apply(self, kind, plan_id, subject, period, province, event_id, reported_at_key, body):
        """The precedence rule as a guarded update; True when this report is in force."""
        key = self._current_key({"kind": kind, "plan_id": plan_id, "subject": subject,
                                 "period": period, "province": province})
        doc = {"kind": kind, "plan_id": plan_id, "subject": subject, "period": period,
               "province": province, "reported_at": reported_at_key, "event_id": event_id,
               "value": _value_of(kind, body), "body": body}
        # Guarded update: only a later (reported_at, event_id) replaces the current report.
        later = {"$or": [{"reported_at": {"$lt": reported_at_key}},
                         {"reported_at": reported_at_key, "event_id": {"$lt": event_id}}]}
        if not self.db.current_reports.update_one({"_id": key, **later}, {"$set": doc}).matched_count:
            try:
                self.db.current_reports.insert_one({"_id": key, **doc})
            except DuplicateKeyError:
                # The key exists: its report is later than this one, or a concurrent worker
                # inserted an earlier one since the update above - the guarded update decides.
                self.db.current_reports.update_one({"_id": key, **later}, {"$set": doc})
        current = self.db.current_reports.find_one({"_id": key}, {"event_id": 1})
        in_force = current["event_id"] == event_id
        if in_force and kind == "indicator":
            # After the write, even on a redelivery: a worker that read the values before it
            # holds an older revision, so its view cannot overwrite one that includes this.
            self.db.view_clock.update_one({"_id": self._view_key(plan_id, subject, period)},
                                          {"$inc": {"revision": 1}}, upsert=True)
        return in_force

    @staticmethod
    def _view_key(plan_id, indicator, period):
        return f"{plan_id}|{period}|{indicator}"

    def stored_reports(self, page: int = 5000):
        cursor = self.db.reports.find().sort([("received_at", ASCENDING), ("_id", ASCENDING)]) \
            .batch_size(page)
        return ({k: v for k, v in d.items() if k != "_id"} for d in cursor)

    def reset_views(self):
        self.db.current_reports.delete_many({})
        self.db.indicator_views.delete_many({})

    def replay_report(self, kind, plan_id, subject, period, province, event_id, reported_at_key,
                      body):
        return self._apply(kind, plan_id, subject, period, province, event_id, reported_at_key,
                           body)

    def park(self, parked):
        try:
            self.db.parked.insert_one({"_id": parked["parked_id"], **parked})
            return True
        except DuplicateKeyError:
            return False

    def parked(self, limit=500):
        cursor = self.db.parked.find().sort("parked_at", DESCENDING).limit(limit)
        return [_parked_row({"retried_at": None, "properties": {},
                             **{k: v for k, v in d.items() if k != "_id"}}) for d in cursor]

    def get_parked(self, parked_id):
        doc = self.db.parked.find_one({"_id": parked_id})
        return _parked_row({"retried_at": None, "properties": {},
                            **{k: v for k, v in doc.items() if k != "_id"}}) if doc else None

    def mark_retried(self, parked_id, at):
        self.db.parked.update_one({"_id": parked_id}, {"$set": {"retried_at": at}})

    def add_events(self, events):
        self.outbox.add(events)

    def record_project_asset(self, plan_id, project, code, value_thb):
        self.db.project_assets.replace_one(
            {"_id": code}, {"plan_id": plan_id, "project": project, "value_thb": value_thb},
            upsert=True)

    def project_assets(self, plan_id):
        out = {}
        for d in self.db.project_assets.find({"plan_id": plan_id}):
            row = out.setdefault(d["project"], {"count": 0, "value_thb": 0.0})
            row["count"] += 1
            row["value_thb"] = round(row["value_thb"] + d["value_thb"], 2)
        return out

    def delete_reports(self, plan_id, keys):
        counts = {"reports": 0, "rejections": 0, "flags": 0}
        for sender, event_id in keys:  # each step idempotent: a rerun finishes a crashed one
            counts["rejections"] += self.db.rejections.delete_many(
                {"sender": sender, "event_id": event_id}).deleted_count
            kept = self.db.reports.find_one({"_id": report_id(sender, event_id), "plan_id": plan_id})
            if kept is None:
                continue
            counts["flags"] += self.db.flags.delete_many(  # a flag names the report's province
                {"plan_id": plan_id, "province": kept["province"], "event_id": event_id}).deleted_count
            counts["reports"] += self.db.reports.delete_one({"_id": kept["_id"]}).deleted_count
        return counts

    def delete_project_assets(self, codes):
        return self.db.project_assets.delete_many({"_id": {"$in": list(codes)}}).deleted_count

    def current_values(self, plan_id, indicator, period):
        cursor = self.db.current_reports.find(
            {"kind": "indicator", "plan_id": plan_id, "subject": indicator, "period": period,
             "value": {"$ne": None}}, {"province": 1, "value": 1})
        return {d["province"]: d["value"] for d in cursor}

    def view_revision(self, plan_id, indicator, period):
        doc = self.db.view_clock.find_one({"_id": self._view_key(plan_id, indicator, period)})
        return doc["revision"] if doc else 0

    def save_indicator_view(self, plan_id, indicator, period, view, events, revision=0):
        self.outbox.add(events)
        not_newer = {"$or": [{"revision": {"$lte": revision}}, {"revision": {"$exists": False}}]}
        try:
            self.db.indicator_views.update_one(
                {"_id": self._view_key(plan_id, indicator, period), **not_newer},
                {"$set": {"plan_id": plan_id, "period": period, "indicator": indicator,
                          "view": view, "revision": revision, "updated_at": now_iso()}},
                upsert=True)
        except DuplicateKeyError:
            pass  # a view computed at a later revision is kept: this one is already stale

    def indicator_views(self, plan_id, period):
        cursor = self.db.indicator_views.find({"plan_id": plan_id, "period": period})
        return {d["indicator"]: d["view"] for d in cursor}

    def project_progress(self, plan_id):
        cursor = self.db.current_reports.find({"kind": "project", "plan_id": plan_id}).sort(
            [("subject", 1), ("province", 1)])
        return [d["body"] for d in cursor]

    def internal_in_force(self, plan_id, kind):
        cursor = self.db.current_reports.find(
            {"kind": kind, "plan_id": plan_id, "body.internal": True},
            {"subject": 1, "period": 1, "province": 1})
        return {(d["subject"], d["period"], d["province"]) for d in cursor}

    def project_reports(self, plan_id):
        cursor = self.db.reports.find({"kind": "project", "plan_id": plan_id}).sort(
            [("reported_at", ASCENDING), ("event_id", ASCENDING)])
        return [d["body"] for d in cursor]

    def reports_of(self, plan_id, filters, limit=1000):
        query = {"plan_id": plan_id, **filters}
        cursor = self.db.reports.find(query).sort([("reported_at", DESCENDING),
                                                   ("event_id", DESCENDING)]).limit(limit)
        found = [{k: v for k, v in d.items() if k != "_id"} for d in cursor]
        # in force: its key's current report is this one (another sender may use the same id)
        in_force = {(d["_id"], d["event_id"]) for d in self.db.current_reports.find(
            {"event_id": {"$in": [r["event_id"] for r in found]}}, {"event_id": 1})}
        return [{"reported_by": None, **r,
                 "in_force": (self._current_key(r), r["event_id"]) in in_force}
                for r in found]

    def first_received(self, plan_id, period):
        first = {}
        in_force = {(d["province"], d["subject"]) for d in self.db.current_reports.find(
            {"kind": "indicator", "plan_id": plan_id, "period": period, "value": {"$ne": None}},
            {"province": 1, "subject": 1})}
        for d in self.db.reports.find({"kind": "indicator", "plan_id": plan_id, "period": period},
                                      {"province": 1, "subject": 1, "received_at": 1}):
            key = (d["province"], d["subject"])
            if key in in_force and (key not in first or d["received_at"] < first[key]):
                first[key] = d["received_at"]
        return first

    def projects_received(self, plan_id, start, end):
        first = {}
        for d in self.db.reports.find({"kind": "project", "plan_id": plan_id,
                                       "body.as_of": {"$gte": start, "$lte": end}},
                                      {"province": 1, "subject": 1, "received_at": 1}):
            key = (d["province"], d["subject"])
            if key not in first or d["received_at"] < first[key]:
                first[key] = d["received_at"]
        return first

    def indicator_series(self, plan_id, indicator):
        cursor = self.db.indicator_views.find({"plan_id": plan_id, "indicator": indicator})
        return {d["period"]: d["view"] for d in cursor}

    def record_rejection(self, rejection, events):
        doc = dict(rejection)
        doc["_id"] = doc.pop("rejection_id")
        self.outbox.add(events)  # same event_id on a retry: no duplicate
        try:
            self.db.rejections.insert_one(doc)
            return True
        except DuplicateKeyError:
            return False

    def rejections(self, provinces=None, limit=500, agencies=None):
        wanted = [{column: {"$in": list(codes)}} for column, codes in (("province", provinces),
                                                                       ("agency", agencies)) if codes]
        if (provinces is not None or agencies is not None) and not wanted:
            return []
        query = {"$or": wanted} if wanted else {}
        cursor = self.db.rejections.find(query).sort(
            [("received_at", DESCENDING), ("_id", ASCENDING)]).limit(limit)
        return [_rejection_row({"rejection_id": d.pop("_id"), **d}) for d in cursor]

    def record_flag(self, flag, events):
        self.outbox.add(events)  # same event_id on a retry: no duplicate
        try:
            self.db.flags.insert_one({"_id": flag["flag_id"], "reviewed_by": None,
                                      "reviewed_at": None, "review_note": None, **flag})
            return True
        except DuplicateKeyError:
            return False

    def flags(self, plan_id, status=None, provinces=None, limit=500):
        query = {"plan_id": plan_id}
        if status is not None:
            query["status"] = status
        if provinces is not None:
            query["province"] = {"$in": list(provinces)}
        cursor = self.db.flags.find(query).sort([("flagged_at", DESCENDING),
                                                 ("_id", ASCENDING)]).limit(limit)
        return [{k: v for k, v in d.items() if k != "_id"} for d in cursor]

    def get_flag(self, flag_id):
        doc = self.db.flags.find_one({"_id": flag_id})
        return {k: v for k, v in doc.items() if k != "_id"} if doc else None

    def review_flag(self, flag_id, status, by, at, note, events):
        done = self.db.flags.update_one({"_id": flag_id}, {"$set": {
            "status": status, "reviewed_by": by, "reviewed_at": at, "review_note": note}})
        if done.matched_count:
            self.outbox.add(events)  # after the write: a retry finds it and queues them again
        return done.matched_count == 1

    def count_reports(self):
        return self.db.reports.count_documents({})

    def counts(self):
        return {"reports": self.db.reports.count_documents({}),
                "rejections": self.db.rejections.count_documents({}),
                "parked_waiting": self.db.parked.count_documents({"retried_at": None})}

    def close(self):
        self.db.client.close()

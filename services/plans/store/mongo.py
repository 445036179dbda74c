"""Plans store on MongoDB (the service's own database; infra/mongo.py)."""
from __future__ import annotations

from services.infra.mongo import is_duplicate_key
from services.infra.outbox import MongoOutbox, now_iso

from ..domain import ReferenceVersion
from .base import ConcurrentUpdate, PlansStore, _history_entry


class MongoPlansStore(PlansStore):
    def __init__(self, db):
        self.db = db
        self.outbox = MongoOutbox(self.db, carriers=("plans",))
        self.db.reference_versions.create_index([("effective_from", -1), ("loaded_at", -1)])
        self.db.plan_versions.create_index([("plan_id", 1), ("version", 1)])
        self.db.agencies.create_index("province")
        self.db.national_versions.create_index([("loaded_at", 1), ("seq", 1)])

    def save_reference(self, version):
        try:
            self.db.reference_versions.insert_one({
                "_id": version.version_id, "effective_from": version.effective_from,
                "source": version.source, "loaded_at": now_iso(), "clusters": version.clusters})
            return True
        except Exception as exc:
            if is_duplicate_key(exc):
                return False
            raise

    def reference_in_force(self, on_date):
        doc = self.db.reference_versions.find_one(
            {"effective_from": {"$lte": on_date}},
            sort=[("effective_from", -1), ("loaded_at", -1)])
        if not doc:
            return None
        return ReferenceVersion(doc["_id"], doc["effective_from"], doc["source"], doc["clusters"])

    def reference_version(self, version_id):
        doc = self.db.reference_versions.find_one({"_id": version_id})
        if not doc:
            return None
        return ReferenceVersion(doc["_id"], doc["effective_from"], doc["source"], doc["clusters"])

    def reference_versions(self):
        cursor = self.db.reference_versions.find({}, {"clusters": 0}).sort(
            [("effective_from", 1), ("loaded_at", 1)])
        return [{"version_id": d["_id"], "effective_from": d["effective_from"],
                 "source": d["source"], "loaded_at": d["loaded_at"]} for d in cursor]

    def save_national(self, version_id, files, by):
        # file names may hold dots, which MongoDB keys may not: kept as a list of pairs
        try:
            self.db.national_versions.insert_one({
                "_id": version_id, "loaded_at": now_iso(), "loaded_by": by,
                "seq": self.db.national_versions.count_documents({}),
                "files": [[name, text] for name, text in sorted(files.items())]})
            return True
        except Exception as exc:
            if is_duplicate_key(exc):  # loaded again: in force again
                self.db.national_versions.update_one({"_id": version_id}, {"$set": {
                    "loaded_at": now_iso(), "loaded_by": by,
                    "seq": self.db.national_versions.count_documents({})}})
                return False
            raise

    def national_files(self, version_id):
        doc = self.db.national_versions.find_one({"_id": version_id})
        return {name: text for name, text in doc["files"]} if doc else None

    def latest_national(self):
        doc = self.db.national_versions.find_one({}, {"files": 0},
                                                 sort=[("loaded_at", -1), ("seq", -1)])
        return doc["_id"] if doc else None

    def national_versions(self):
        cursor = self.db.national_versions.find({}).sort([("loaded_at", 1), ("seq", 1)])
        return [{"version_id": d["_id"], "loaded_at": d["loaded_at"], "loaded_by": d["loaded_by"],
                 "files": sorted(name for name, _ in d["files"])} for d in cursor]

    def get_plan(self, plan_id):
        doc = self.db.plans.find_one({"_id": plan_id})
        return doc["document"] if doc else None

    def list_plans(self):
        return [d["document"] for d in self.db.plans.find().sort("_id", 1)]

    def put_plan(self, plan, expected_version, events):
        # The plan and its events in one document write (MongoOutbox: carried until settled),
        # so a crash can lose none of them - target_revised and project_* included.
        if expected_version is None:
            try:
                self.db.plans.insert_one({"_id": plan["id"], "version": plan["version"],
                                          "document": plan, **self.outbox.carried(events)})
            except Exception as exc:
                if is_duplicate_key(exc):
                    raise ConcurrentUpdate(f"plan {plan['id']} exists already") from None
                raise
        else:
            carry = self.outbox.carry_update(events)
            result = self.db.plans.update_one(
                {"_id": plan["id"], "version": expected_version},
                {"$set": {"version": plan["version"], "document": plan, **carry["$set"]},
                 "$push": carry["$push"]})
            if result.matched_count != 1:
                raise ConcurrentUpdate(f"plan {plan['id']} changed meanwhile")
        self.db.plan_versions.replace_one(
            {"_id": f"{plan['id']}@{plan['version']}"},
            {"plan_id": plan["id"], "version": plan["version"], "saved_at": now_iso(),
             "document": plan}, upsert=True)
        self.outbox.settle("plans", plan["id"], events)

    def plan_version(self, plan_id, version):
        doc = self.db.plan_versions.find_one({"_id": f"{plan_id}@{version}"})
        return doc["document"] if doc else None

    def plan_history(self, plan_id):
        cursor = self.db.plan_versions.find({"plan_id": plan_id}).sort("version", 1)
        return [_history_entry(d["document"], d["saved_at"]) for d in cursor]

    def add_events(self, events):
        self.outbox.add(events)

    def save_agencies(self, agencies):
        for agency in agencies:
            self.db.agencies.replace_one({"_id": agency["code"]},
                                         {"province": agency.get("province"), "document": agency},
                                         upsert=True)

    def agencies(self, provinces=None):
        query = {} if provinces is None else {"province": {"$in": list(provinces)}}
        return [d["document"] for d in self.db.agencies.find(query).sort("_id", 1)]

    def close(self):
        self.db.client.close()

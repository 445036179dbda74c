"""Assets store on MongoDB (the service's own database; infra/mongo.py)."""
from __future__ import annotations

from pymongo.errors import DuplicateKeyError

from services.infra.meta import MongoMeta
from services.infra.outbox import MongoOutbox

from .base import AssetsStore, DuplicateAsset, VersionConflict


class MongoAssetsStore(AssetsStore):
    def __init__(self, db):
        self.db = db
        self.outbox = MongoOutbox(self.db)
        self.meta = MongoMeta(self.db)
        db.assets.create_index("project")

    def save_projects(self, plan_id, version, projects):
        guard = {"_id": plan_id, "version": {"$lte": version}}
        update = {"$set": {"version": version, "projects": projects}}
        if not self.db.plan_projects.update_one(guard, update).matched_count:
            try:
                self.db.plan_projects.insert_one({"_id": plan_id, "version": version,
                                                  "projects": projects})
            except DuplicateKeyError:
                # a newer version is kept, or an older one was inserted concurrently: decide again
                self.db.plan_projects.update_one(guard, update)

    def projects(self):
        out = {}
        for doc in self.db.plan_projects.find().sort("_id", 1):
            out.update({p["code"]: p for p in doc["projects"]})
        return out

    def register(self, asset, events):
        try:
            self.db.assets.insert_one({"_id": asset["code"], "project": asset["project"],
                                       "version": asset["version"], "document": asset})
        except DuplicateKeyError:
            raise DuplicateAsset(f"asset code {asset['code']} is already registered") from None
        self.outbox.add(events)

    def update(self, asset, expected_version, events):
        # One guarded single-document update: the version test and the write are atomic.
        done = self.db.assets.update_one(
            {"_id": asset["code"], "version": expected_version},
            {"$set": {"version": asset["version"], "document": asset}})
        if not done.matched_count:
            raise VersionConflict(asset["code"])
        # After the write (a conflict must announce nothing); ids are deterministic, and
        # ``ledger_events`` re-queues the latest step's after a crash in between.
        self.outbox.add(events)

    def register_many(self, registrations):
        # No transaction here: if one code turns out taken, take back what this call inserted
        # (and its not yet published events) so the sheet is all or none as the API says.
        done = []
        try:
            for asset, events in registrations:
                self.register(asset, events)
                done.append((asset, events))
        except DuplicateAsset:
            for asset, events in done:
                self.db.assets.delete_one({"_id": asset["code"], "version": asset["version"]})
                self.db.outbox.delete_many({"_id": {"$in": [p["event_id"] for _, p in events]},
                                            "published_at": None})
            raise

    def get(self, code):
        doc = self.db.assets.find_one({"_id": code})
        return doc["document"] if doc else None

    def add_events(self, events):
        self.outbox.add(events)

    def list(self, project=None):
        query = {"project": project} if project else {}
        return [d["document"] for d in self.db.assets.find(query).sort("_id", 1)]

    def delete_sample(self, code):
        return self.db.assets.delete_one({"_id": code, "document.sample": True}).deleted_count == 1

    def close(self):
        self.db.client.close()

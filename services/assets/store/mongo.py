"""Assets store on MongoDB (the service's own database; infra/mongo.py)."""
from __future__ import annotations

from pymongo.errors import DuplicateKeyError

from services.infra.meta import MongoMeta
from services.infra.outbox import CARRIED_GRACE_S, MongoOutbox

from .base import AssetsStore, DuplicateAsset, VersionConflict


SHEET_GRACE_S = 600  # a sheet's assets are all inserted (or taken back) well within this


class MongoAssetsStore(AssetsStore):
    def __init__(self, db):
        self.db = db
        self.outbox = MongoOutbox(self.db, carriers=("assets",))
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
        self._insert(asset, events)
        self.outbox.settle("assets", asset["code"], events)

    def _insert(self, asset, events, due_after_s=CARRIED_GRACE_S):
        """The asset and its events in one document (MongoOutbox: carried until settled)."""
        try:
            self.db.assets.insert_one({"_id": asset["code"], "project": asset["project"],
                                       "version": asset["version"], "document": asset,
                                       **self.outbox.carried(events, due_after_s)})
        except DuplicateKeyError:
            raise DuplicateAsset(f"asset code {asset['code']} is already registered") from None

    def update(self, asset, expected_version, events):
        # One guarded single-document update: the version test, the write and its events are
        # atomic (a conflict announces nothing).
        carry = self.outbox.carry_update(events)
        done = self.db.assets.update_one(
            {"_id": asset["code"], "version": expected_version},
            {"$set": {"version": asset["version"], "document": asset, **carry["$set"]},
             "$push": carry["$push"]})
        if not done.matched_count:
            raise VersionConflict(asset["code"])
        self.outbox.settle("assets", asset["code"], events)

    def register_many(self, registrations):
        # No transaction here: the events stay in their assets' documents (and out of the
        # relay's sight, for the sheet's grace) until every asset is in; if one code turns out
        # taken, the assets this call inserted are deleted - their events with them.
        done = []
        try:
            for asset, events in registrations:
                self._insert(asset, events, SHEET_GRACE_S)
                done.append((asset, events))
        except DuplicateAsset:
            for asset, _ in done:
                self.db.assets.delete_one({"_id": asset["code"], "version": asset["version"]})
            raise
        for asset, events in done:
            self.outbox.settle("assets", asset["code"], events)

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

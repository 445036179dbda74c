"""Notify store on MongoDB (the service's own database; infra/mongo.py)."""
from __future__ import annotations

from datetime import timedelta

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.infra.meta import MongoMeta

from .base import NotifyStore, _directory, _iso, _new_mail


class MongoNotifyStore(NotifyStore):
    def __init__(self, db):
        self.db = db
        self.meta = MongoMeta(self.db)
        db.mails.create_index([("status", ASCENDING), ("next_attempt_at", ASCENDING)])

    def save_directory(self, plan_id, version, cluster, provinces, agencies):
        doc = {"id": plan_id, "cluster": cluster, "provinces": provinces, "agencies": agencies}
        guard = {"_id": plan_id, "version": {"$lte": version}}
        update = {"$set": {"version": version, "document": doc}}
        if not self.db.directory.update_one(guard, update).matched_count:
            try:
                self.db.directory.insert_one({"_id": plan_id, "version": version, "document": doc})
            except DuplicateKeyError:
                # a newer version is kept, or an older one was inserted concurrently: decide again
                self.db.directory.update_one(guard, update)

    def directory(self):
        return _directory([d["document"] for d in self.db.directory.find().sort("_id", 1)])

    def enqueue(self, mails, now, status="pending"):
        added = 0
        for mail in mails:
            row = _new_mail(mail, now, status)
            try:
                self.db.mails.insert_one({"_id": row["mail_id"], **row})
                added += 1
            except DuplicateKeyError:
                pass
        return added

    def digest(self, digest, held_ids, now):
        # The digest first (its id is derived from the mails it gathers), then the mails: a
        # crash in between leaves them held, and the next run queues the same digest id -
        # ignored - and marks them then.
        new = self.enqueue([digest], now) == 1
        self.db.mails.update_many({"_id": {"$in": list(held_ids)}, "status": "held"},
                                  {"$set": {"status": "in_digest",
                                            "last_error": f"sent in digest {digest.mail_id}"}})
        return new

    def claim_due(self, now, lease_seconds, holder, limit=50):
        claimed, until = [], _iso(now + timedelta(seconds=lease_seconds))
        for _ in range(limit):
            doc = self.db.mails.find_one_and_update(
                {"status": "pending", "next_attempt_at": {"$lte": _iso(now)},
                 "lease_until": {"$lte": _iso(now)}},
                {"$set": {"lease_until": until, "lease_holder": holder}, "$inc": {"attempts": 1}},
                sort=[("next_attempt_at", ASCENDING)], return_document=ReturnDocument.AFTER)
            if doc is None:
                break
            doc.pop("_id")
            claimed.append({"lease_holder": None, **doc})
        return claimed

    def _under_lease(self, claimed, changes: dict) -> bool:
        return self.db.mails.update_one(
            {"_id": claimed["mail_id"], "status": "pending", "attempts": claimed["attempts"],
             "lease_holder": claimed["lease_holder"]}, {"$set": changes}).matched_count == 1

    def mark_sent(self, claimed, now):
        return self._under_lease(claimed, {"status": "sent", "sent_at": _iso(now),
                                           "last_error": None})

    def retry_later(self, claimed, at, error):
        return self._under_lease(claimed, {"next_attempt_at": _iso(at), "lease_until": _iso(at),
                                           "last_error": error[:1000]})

    def mark_failed(self, claimed, error):
        return self._under_lease(claimed, {"status": "failed", "last_error": error[:1000]})

    def erase_body(self, mail_id):
        self.db.mails.update_one({"_id": mail_id}, {"$set": {"text": "", "html": ""}})

    def mails(self, status=None, limit=500, agencies=None, template=None):
        query = {}
        if status:
            query["status"] = status
        if template:
            query["template"] = template
        if agencies is not None:
            query["agency"] = {"$in": list(agencies)}
        cursor = self.db.mails.find(query).sort("created_at", -1).limit(limit)
        # a mail queued by an earlier release has no lease_holder yet
        return [{"lease_holder": None, **{k: v for k, v in d.items() if k != "_id"}}
                for d in cursor]

    def status_counts(self):
        return {d["_id"]: d["n"] for d in
                self.db.mails.aggregate([{"$group": {"_id": "$status", "n": {"$sum": 1}}}])}

    def delete_mails(self, event_ids):
        return self.db.mails.delete_many({"event_id": {"$in": list(event_ids)}}).deleted_count

    def close(self):
        self.db.client.close()

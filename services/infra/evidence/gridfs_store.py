"""Evidence in MongoDB's GridFS (bucket ``evidence`` of the ``<base>_evidence`` database): the
id is the file's ``_id``, the record its ``metadata``. GridFS writes the chunks before the
files document, so an id is found only once its bytes are complete."""
from __future__ import annotations

import gridfs

from .base import EvidenceStore
from .kinds import EVIDENCE_ID

BUCKET = "evidence"


class GridFsEvidenceStore(EvidenceStore):
    def __init__(self, db):
        self.db = db
        self.fs = gridfs.GridFS(db, collection=BUCKET)

    def _keep(self, record: dict, data: bytes) -> None:
        self.fs.put(data, _id=record["evidence_id"], filename=record["filename"],
                    metadata=record)

    def info(self, evidence_id: str) -> dict | None:
        if not isinstance(evidence_id, str) or not EVIDENCE_ID.match(evidence_id):
            return None
        found = self.db[f"{BUCKET}.files"].find_one({"_id": evidence_id}, {"metadata": 1})
        return dict(found["metadata"]) if found else None

    def read(self, evidence_id: str) -> tuple[dict, bytes] | None:
        record = self.info(evidence_id)
        if record is None:
            return None
        return record, self.fs.get(evidence_id).read()

    def close(self) -> None:
        self.db.client.close()

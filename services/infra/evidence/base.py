"""The evidence store's interface: what both adapters do, and the record each file keeps."""
from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timezone


def new_evidence_id() -> str:
    return "ev-" + uuid.uuid4().hex


class EvidenceStore:
    """``put`` keeps a file and answers its record; ``info`` the record of an id (None if
    unknown); ``read`` (record, bytes) or None. A record: evidence_id, plan_id, province (whose
    evidence it is: a report of that province may cite it), uploaded_by, uploaded_at, filename,
    content_type, size, sha256."""

    def put(self, plan_id: str, province: str, uploaded_by: str, filename: str,
            content_type: str, data: bytes) -> dict:
        record = {"evidence_id": new_evidence_id(), "plan_id": plan_id, "province": province,
                  "uploaded_by": uploaded_by,
                  "uploaded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                  "filename": filename, "content_type": content_type, "size": len(data),
                  "sha256": hashlib.sha256(data).hexdigest()}
        self._keep(record, data)
        return record

    def info(self, evidence_id: str) -> dict | None:
        raise NotImplementedError

    def read(self, evidence_id: str) -> tuple[dict, bytes] | None:
        raise NotImplementedError

    def _keep(self, record: dict, data: bytes) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass

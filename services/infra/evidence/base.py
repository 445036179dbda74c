"""The evidence store's interface: what both adapters do, and the record each file keeps."""
from __future__ import annotations

import hashlib
import uuid
from abc import ABC, abstractmethod
from datetime import datetime, timezone


def new_evidence_id() -> str:
    return "ev-" + uuid.uuid4().hex


class EvidenceStore(ABC):
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

    @abstractmethod
    def info(self, evidence_id: str) -> dict | None:
        """The record of ``evidence_id``, None if unknown."""

    @abstractmethod
    def read(self, evidence_id: str) -> tuple[dict, bytes] | None:
        """(record, bytes) of ``evidence_id``, None if unknown."""

    @abstractmethod
    def _keep(self, record: dict, data: bytes) -> None:
        """Keep a new file's bytes under its record (each adapter its own way)."""

    def close(self) -> None:
        pass

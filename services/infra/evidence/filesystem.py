"""Evidence on the filesystem: ``<dir>/<id>.bin`` and its record ``<id>.json``, each written
to a temporary name, flushed and renamed, so a reader never sees half a file (the record is
written last: an id is known only once its bytes are complete)."""
from __future__ import annotations

import json
import os
from pathlib import Path

from .base import EvidenceStore
from .kinds import EVIDENCE_ID


class FileEvidenceStore(EvidenceStore):
    def __init__(self, directory: Path | str):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def _path(self, evidence_id: str, suffix: str) -> Path | None:
        # the id comes from a request or a report: only our own shape names a file
        if not isinstance(evidence_id, str) or not EVIDENCE_ID.match(evidence_id):
            return None
        return self.directory / f"{evidence_id}{suffix}"

    def _write(self, path: Path, data: bytes) -> None:
        tmp = path.with_suffix(path.suffix + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)

    def _keep(self, record: dict, data: bytes) -> None:
        self._write(self._path(record["evidence_id"], ".bin"), data)
        self._write(self._path(record["evidence_id"], ".json"),
                    json.dumps(record, ensure_ascii=False).encode("utf-8"))

    def info(self, evidence_id: str) -> dict | None:
        path = self._path(evidence_id, ".json")
        try:
            return json.loads(path.read_bytes()) if path else None
        except FileNotFoundError:
            return None

    def read(self, evidence_id: str) -> tuple[dict, bytes] | None:
        record = self.info(evidence_id)
        if record is None:
            return None
        return record, self._path(evidence_id, ".bin").read_bytes()

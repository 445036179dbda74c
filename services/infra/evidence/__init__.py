"""Evidence files behind reports (issue 22, "facts behind every figure"): one interface
(``EvidenceStore``) and two adapters, the filesystem (the default, beside the SQLite stores
under DATA_DIR) and GridFS (when the stores are MongoDB). ``open_evidence(url)`` picks one by
the URL, as each service's ``open_store`` does.

A file is kept with who uploaded it (the plan and the province it belongs to); a report carries
only its id (``ev-`` and 32 hex digits), never the bytes."""
from __future__ import annotations

from pathlib import Path

from .base import EvidenceStore, new_evidence_id  # noqa: F401
from .filesystem import FileEvidenceStore
from .gridfs_store import GridFsEvidenceStore
from .kinds import (ALLOWED, EVIDENCE_ID, MAX_BYTES, EvidenceRefused, check_upload,  # noqa: F401
                    safe_filename, sniff)

__all__ = ["EvidenceStore", "FileEvidenceStore", "GridFsEvidenceStore", "EvidenceRefused",
           "open_evidence", "evidence_url", "check_upload", "sniff", "safe_filename",
           "new_evidence_id", "ALLOWED", "EVIDENCE_ID", "MAX_BYTES"]


def evidence_url(config: dict) -> str:
    """Where a service finds the evidence files: ``EVIDENCE_URL`` if set, else beside its store -
    ``file:///<DATA_DIR>/evidence`` next to a SQLite file, or the same MongoDB (GridFS)."""
    if config.get("EVIDENCE_URL"):
        return config["EVIDENCE_URL"]
    store_url = config["STORE_URL"]
    if store_url.startswith("sqlite:///"):
        return "file://" + str(Path(store_url[len("sqlite://"):]).parent / "evidence")
    return store_url


def open_evidence(url: str) -> EvidenceStore:
    if url.startswith("file://"):
        return FileEvidenceStore(Path(url[len("file://"):]))
    from services.infra.mongo import open_database
    return GridFsEvidenceStore(open_database(url, "evidence"))

"""The evidence store as a nameko dependency (the gateway writes and reads files, the reporting
intake checks the ids reports cite): the services' Storage provider, opened from the service's
config (``EVIDENCE_URL``, else beside ``STORE_URL``: see ``evidence_url``)."""
from __future__ import annotations

from services.infra.storage import Storage

from . import evidence_url, open_evidence


def EvidenceFiles() -> Storage:  # noqa: N802 - used as a dependency class, like Storage(...)
    return Storage(open_evidence, evidence_url)

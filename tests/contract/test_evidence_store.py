"""The evidence store's contract (services/infra/evidence/), one suite over both adapters: the
filesystem (beside the SQLite stores) and GridFS (MongoDB: on mongomock's GridFS, and on a real
MongoDB when MONGO_URL is set) - upload, read back the same bytes, the record, unknown and
malformed ids, the size limit's edge, and a reopened store still finding its files."""
import hashlib

import pytest

from services.infra.evidence import FileEvidenceStore, GridFsEvidenceStore, MAX_BYTES

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 4


@pytest.fixture
def opener(backend, tmp_path):
    """A function opening the evidence store of this backend (again: the same files)."""
    if backend.name == "sqlite":
        return lambda: FileEvidenceStore(tmp_path / "evidence")
    if backend.name == "mongomock":
        import mongomock.gridfs  # test-only: GridFS on mongomock's databases
        mongomock.gridfs.enable_gridfs_integration()
    database = backend.database("evidence")
    return lambda: GridFsEvidenceStore(database)


def test_a_file_is_kept_with_its_record_and_read_back_the_same(opener):
    store = opener()
    record = store.put("plan-1", "TH-34", "province:TH-34", "หนังสือ.pdf", "application/pdf", PDF)
    assert record["evidence_id"].startswith("ev-") and len(record["evidence_id"]) == 35
    assert record["size"] == len(PDF) and record["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert (record["plan_id"], record["province"], record["filename"], record["content_type"]) == (
        "plan-1", "TH-34", "หนังสือ.pdf", "application/pdf")
    assert store.info(record["evidence_id"]) == record
    found, data = store.read(record["evidence_id"])
    assert found == record and data == PDF
    other = store.put("plan-1", "TH-33", "osm:x", "b.csv", "text/csv", b"a,b\n")
    assert other["evidence_id"] != record["evidence_id"]
    assert store.read(other["evidence_id"])[1] == b"a,b\n"


def test_an_unknown_or_malformed_id_is_none(opener):
    store = opener()
    store.put("plan-1", "TH-34", "province:TH-34", "a.pdf", "application/pdf", PDF)
    for evidence_id in ("ev-" + "0" * 32, "none", "../../etc/passwd", "ev-" + "A" * 32, "", None):
        assert store.info(evidence_id) is None and store.read(evidence_id) is None


def test_a_file_of_the_limit_is_kept_whole(opener):
    data = PDF + bytes(MAX_BYTES - len(PDF))
    store = opener()
    record = store.put("plan-1", "TH-34", "admin", "max.pdf", "application/pdf", data)
    assert record["size"] == MAX_BYTES
    assert store.read(record["evidence_id"])[1] == data


def test_a_reopened_store_finds_what_was_kept(opener):
    first = opener()
    record = first.put("plan-1", "TH-34", "admin", "a.png", "image/png", b"\x89PNG\r\n\x1a\n")
    again = opener()
    assert again.read(record["evidence_id"]) == (record, b"\x89PNG\r\n\x1a\n")
